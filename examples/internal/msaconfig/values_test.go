package msaconfig

import (
	"net/netip"
	"slices"
	"testing"
)

func TestParseUserSpec(t *testing.T) {
	t.Parallel()
	valid := []struct {
		name string
		in   string
		want userSpec
	}{
		{name: "name and password", in: "alice:pw", want: userSpec{name: "alice", password: "pw"}},
		{name: "one address", in: "alice:pw:alice@example.org", want: userSpec{name: "alice", password: "pw", addresses: []string{"alice@example.org"}}},
		{name: "addresses and a domain", in: "bob:pw:bob@example.org,@example.net",
			want: userSpec{name: "bob", password: "pw", addresses: []string{"bob@example.org", "@example.net"}}},
		{name: "colon in password", in: "carol:a:b:c", want: userSpec{name: "carol", password: "a:b:c"}},
		{name: "colon in password and addresses", in: "carol:a:b:carol@example.org", want: userSpec{name: "carol", password: "a:b", addresses: []string{"carol@example.org"}}},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := parseUserSpec(tc.in)
			if got.err != nil || got.name != tc.want.name || got.password != tc.want.password || !slices.Equal(got.addresses, tc.want.addresses) {
				t.Errorf("parseUserSpec(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
	invalid := []struct{ name, in string }{
		{name: "no colon", in: "alice"},
		{name: "empty name", in: ":pw"},
		{name: "empty password", in: "alice:"},
		{name: "empty password before addresses", in: "alice::alice@example.org"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := parseUserSpec(tc.in); got.err == nil {
				t.Errorf("parseUserSpec(%q) = %+v, want an error", tc.in, got)
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	t.Parallel()
	valid := []struct{ in, want string }{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"192.0.2.7/24", "192.0.2.0/24"},
		{"192.0.2.7", "192.0.2.7/32"},
		{"2001:db8::/32", "2001:db8::/32"},
		{"::1", "::1/128"},
	}
	for _, tc := range valid {
		var got Prefix
		if err := got.Set(tc.in); err != nil || got.p != netip.MustParsePrefix(tc.want) {
			t.Errorf("Prefix.Set(%q) = %v, %v, want %s", tc.in, got.p, err, tc.want)
		}
	}
	for _, in := range []string{"", "example.org", "10.0.0.0/33", "1.2.3"} {
		var got Prefix
		if err := got.Set(in); err == nil {
			t.Errorf("Prefix.Set(%q) = %v, want an error", in, got.p)
		}
	}
}

package submission

import (
	"context"
	"slices"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// TestProfile: the zero Config (plus a Hostname) runs the RFC 6409 profile
// in this order, and each Config field adds or removes its policy.
func TestProfile(t *testing.T) {
	t.Parallel()
	names := func(cfg Config) []string {
		var out []string
		for _, p := range testProfile(t, cfg) {
			out = append(out, p.Name())
		}
		return out
	}
	zero := []string{"require-auth", "enforce-address-syntax", "qualify-domains", "require-smtputf8", "max-size",
		"enforce-sender", "max-recipients", "postmaster", "check-header", "add-date", "add-message-id", "remove-bcc"}
	if got := names(Config{}); !slices.Equal(got, zero) {
		t.Errorf("zero Config:\n got %v\nwant %v", got, zero)
	}
	allow := func(context.Context, auth.Identity, envelope.Path) (bool, error) { return true, nil }
	cases := []struct {
		name    string
		cfg     Config
		with    []string
		without []string
	}{
		{"no limits", Config{MaxSize: -1, MaxRecipients: -1}, nil, []string{"max-size", "max-recipients"}},
		{"Disable switches", Config{DisableEnforceSender: true, DisableCheckHeader: true, DisableAddDate: true, DisableAddMessageID: true, DisableRemoveBcc: true},
			nil, []string{"enforce-sender", "check-header", "add-date", "add-message-id", "remove-bcc"}},
		{"MAY switches", Config{AddSender: true, AllowRecipient: allow, Rewrite: RewriteRules{Header: true}},
			[]string{"add-sender", "recipient-permissions", "rewrite-addresses"}, nil},
	}
	for _, tc := range cases {
		got := names(tc.cfg)
		for _, n := range tc.with {
			if !slices.Contains(got, n) {
				t.Errorf("%s: %s missing from %v", tc.name, n, got)
			}
		}
		for _, n := range tc.without {
			if slices.Contains(got, n) {
				t.Errorf("%s: %s still in %v", tc.name, n, got)
			}
		}
	}
}

package envelope

import "testing"

func TestSplitSubaddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, local, sep, base, tag string
		ok                          bool
	}{
		{"plus", "user+tag", "+", "user", "tag", true},
		{"first sep", "user+a+b", "+", "user", "a+b", true},
		{"empty tag", "user+", "+", "user", "", true},
		{"no sep", "user", "+", "user", "", false},
		{"empty base", "+tag", "+", "+tag", "", false},
		{"empty sep", "user+tag", "", "user+tag", "", false},
		{"dash", "user-tag", "-", "user", "tag", true},
		{"multi-octet sep", "user--tag", "--", "user", "tag", true},
		{"utf8", "josé+x", "+", "josé", "x", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, tag, ok := SplitSubaddress(tc.local, tc.sep)
			if base != tc.base || tag != tc.tag || ok != tc.ok {
				t.Errorf("SplitSubaddress(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.local, tc.sep, base, tag, ok, tc.base, tc.tag, tc.ok)
			}
		})
	}
}

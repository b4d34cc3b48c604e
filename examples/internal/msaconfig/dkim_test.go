package msaconfig

import "testing"

// TestParseDKIMKey: the syntax of dkim-key, DOMAIN:SELECTOR:FILE, whose
// file name may hold colons.
func TestParseDKIMKey(t *testing.T) {
	t.Parallel()
	k, err := parseDKIMKey("Example.ORG:s1:/keys/a:b.pem")
	if err != nil || k.domain.ASCII() != "example.org" || k.selector != "s1" || k.file != "/keys/a:b.pem" {
		t.Errorf("parseDKIMKey = %+v, %v", k, err)
	}
	for _, bad := range []string{"", "example.org", "example.org:s1", "example.org::f", ":s1:f", "example.org:s1:", "exa mple.org:s1:f"} {
		if _, err := parseDKIMKey(bad); err == nil {
			t.Errorf("parseDKIMKey(%q) succeeded", bad)
		}
	}
}

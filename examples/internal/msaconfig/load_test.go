package msaconfig

import (
	"testing"
)

// hostname defaults to the machine's name when it has two labels, else
// localhost with a warning.
func TestHostnameDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		machine, want string
		warn          bool
	}{
		{"mail.example.org", "mail.example.org", false},
		{"Mail.Example.ORG", "mail.example.org", false},
		{"3f2a1b9c0d4e", "localhost", true}, // a container's name
		{"", "localhost", true},
	} {
		cl, err := ParseArgs(serverProgram, nil)
		if err != nil {
			t.Fatal(err)
		}
		cl.machine = func() (string, error) { return tc.machine, nil }
		l, err := cl.Load()
		if err != nil {
			t.Fatal(err)
		}
		if l.Host.ASCII() != tc.want || (l.HostnameWarning != "") != tc.warn {
			t.Errorf("machine %q: hostname %s, warning %q; want %s, warning %v", tc.machine, l.Host.ASCII(), l.HostnameWarning, tc.want, tc.warn)
		}
	}
	cl, _ := ParseArgs(serverProgram, []string{"-hostname", "localhost"})
	cl.machine = func() (string, error) { return "mail.example.org", nil }
	if l, err := cl.Load(); err != nil || l.Host.ASCII() != "localhost" || l.HostnameWarning != "" {
		t.Errorf("-hostname localhost: %v, %v", l, err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The systemd unit passes systemd-analyze verify without a warning (an
// unknown or misspelt directive is only a warning there, so any output
// fails the test), with its ExecStart pointed at a freshly built msa, and
// keeps an exposure level of at most 2.0 in systemd-analyze security.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	sa := needProgram(t, "systemd-analyze")
	data, err := os.ReadFile("msakit-msa.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(data)
	for _, want := range []string{
		"\nExecStart=/usr/local/bin/msa -config /etc/msakit/msa.toml\n",
		"\nExecReload=/bin/kill -HUP $MAINPID\n",
		"\nProtectSystem=strict\n",
		"\nStateDirectory=msakit\n",
		"\nReadWritePaths=/var/lib/msakit\n",
		"\nNoNewPrivileges=yes\n",
		"\nPrivateTmp=yes\n",
		"\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n",
		"\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
		"\nRestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n",
		"\nSystemCallFilter=@system-service\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("msakit-msa.service lacks %q", strings.TrimSpace(want))
		}
	}
	// verify checks that ExecStart names an executable file.
	bin := buildMSA(t)
	if strings.Count(unit, "ExecStart=/usr/local/bin/msa ") != 1 {
		t.Fatal("want one ExecStart of /usr/local/bin/msa")
	}
	path := filepath.Join(t.TempDir(), "msakit-msa.service")
	if err := os.WriteFile(path, []byte(strings.Replace(unit, "ExecStart=/usr/local/bin/msa ", "ExecStart="+bin+" ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runProgram(t, nil, sa, "verify", "--man=no", path)
	if err != nil || out != "" || errOut != "" {
		t.Errorf("systemd-analyze verify: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err = runProgram(t, nil, sa, "security", "--offline=yes", "--threshold=20", path)
	if err != nil {
		t.Errorf("systemd-analyze security: exposure over 2.0 (%v)\n%s%s", err, lastLine(out), errOut)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

package main

import (
	"fmt"
	"net"

	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// program is examples/msa for the shared settings
// (examples/internal/msaconfig): it runs its own SMTP server.
var program = &msaconfig.Program{
	Name: "msa",
	Role: msaconfig.RoleServer,
	Usage: "Usage: msa [flags]         a submission server (RFC 6409)\n" +
		"       msa hash-password [-bcrypt]   print a password hash for the config file\n" +
		"       msa dkim-keygen -domain D -selector S [-algorithm rsa|ed25519] [-out FILE]   make a DKIM key\n\n",
	Check: checkServer,
}

// loaded is the configuration in force, and what the program takes from
// its environment.
type loaded struct {
	*msaconfig.Loaded
	relayPassword string // from $MSA_RELAY_PASSWORD
}

// checkServer refuses the combinations of the server's own settings that
// cannot be right.
func checkServer(l *msaconfig.Loaded) error {
	switch {
	case l.Listen == "" && l.ListenTLS == "":
		return l.ErrorAt("listen", "no listener: listen and listen-tls are both empty")
	case l.TLSCert != "" && l.TLSKey == "":
		return l.ErrorAt("tls-cert", "given without tls-key")
	case l.TLSKey != "" && l.TLSCert == "":
		return l.ErrorAt("tls-key", "given without tls-cert")
	}
	if l.Relay == "" {
		for _, k := range []struct{ key, v string }{{"relay-tls", l.RelayTLS}, {"relay-ca", l.RelayCA}, {"relay-user", l.RelayUser}, {"relay-password-file", l.RelayPasswordFile}} {
			if k.v != "" {
				return l.ErrorAt(k.key, "relay-tls, relay-ca, relay-user and relay-password-file need relay")
			}
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(l.Relay); err != nil {
		return l.ErrorAt("relay", fmt.Sprintf("%q: want HOST:PORT", l.Relay))
	}
	if _, err := parseRelayTLS(l.RelayTLS, l.Relay); err != nil {
		return l.ErrorAt("relay-tls", err.Error())
	}
	return nil
}

// The spool's sync modes (spool-sync), by the names spool.go uses.
type spoolSync = msaconfig.SpoolSync

const (
	syncGroup       = msaconfig.SyncGroup
	syncEachMessage = msaconfig.SyncEachMessage
)

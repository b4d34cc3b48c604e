package msaconfig

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// The values of the [milter] table.

// MilterAddress is where msakit-milter listens for the MTA, in the forms
// MTAs write it: Postfix's smtpd_milters (inet:HOST:PORT, unix:PATH, or a
// bare HOST:PORT) and Sendmail's S= (inet:PORT@HOST, inet6:PORT@HOST,
// local:PATH).
type MilterAddress struct{ network, address string }

func (a *MilterAddress) Set(s string) error {
	v, err := parseMilterAddress(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

func parseMilterAddress(s string) (MilterAddress, error) {
	bad := fmt.Errorf("%q: want HOST:PORT, inet:HOST:PORT, inet:PORT@HOST or unix:PATH", s)
	scheme, rest, ok := strings.Cut(s, ":")
	switch {
	case ok && (scheme == "unix" || scheme == "local"):
		if rest == "" {
			return MilterAddress{}, bad
		}
		return MilterAddress{"unix", rest}, nil
	case ok && (scheme == "inet" || scheme == "inet6"):
		if port, host, sendmail := strings.Cut(rest, "@"); sendmail {
			rest = net.JoinHostPort(host, port)
		}
	default:
		rest = s
	}
	host, port, err := net.SplitHostPort(rest)
	if n, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || port != strconv.FormatUint(n, 10) || strings.ContainsAny(host, "/@") {
		return MilterAddress{}, bad
	}
	return MilterAddress{"tcp", net.JoinHostPort(host, port)}, nil
}

// Network is "tcp" or "unix", for net.Listen.
func (a MilterAddress) Network() string { return a.network }

// Address is HOST:PORT or the socket's path, for net.Listen.
func (a MilterAddress) Address() string { return a.address }

// String is the address as Postfix's smtpd_milters writes it.
func (a *MilterAddress) String() string {
	switch a.network {
	case "":
		return ""
	case "unix":
		return "unix:" + a.address
	}
	return "inet:" + a.address
}

func (a *MilterAddress) UnmarshalText(b []byte) error { return a.Set(string(b)) }
func (a MilterAddress) MarshalText() ([]byte, error)  { return []byte(a.String()), nil }

// DaemonName is the name of one MTA service, as the {daemon_name} macro
// gives it (Postfix: milter_macro_daemon_name; Sendmail: the Name= of
// DAEMON_OPTIONS): printable, without spaces.
type DaemonName struct{ s string }

func (d *DaemonName) Set(s string) error {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("%q is not a daemon name: want printable characters without spaces", s)
	}
	d.s = s
	return nil
}

func (d *DaemonName) String() string               { return d.s }
func (d *DaemonName) UnmarshalText(b []byte) error { return d.Set(string(b)) }
func (d DaemonName) MarshalText() ([]byte, error)  { return []byte(d.s), nil }

// Daemons are the daemon setting's names, for milter.Config.Daemons.
func (m MilterSettings) Daemons() []string {
	out := make([]string, len(m.Daemon))
	for i, d := range m.Daemon {
		out[i] = d.s
	}
	return out
}

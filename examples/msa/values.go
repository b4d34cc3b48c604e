package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// The types of this file are the values of settings that can be wrong. Each
// is both a [flag.Value] (Set, String) and an [encoding.TextUnmarshaler], so
// the command line and the config file parse them with one function, and
// the file's error names the line of the bad value (STYLE 2.15: a bad value
// fails at start, never on a message).

// hostName is any domain name, not an address literal: -hostname and the
// source side of rewrite and partial-domain rules, which may be single
// labels.
type hostName struct{ d envelope.Domain }

func (h *hostName) Set(s string) error {
	d, err := parseName(s)
	if err != nil {
		return err
	}
	h.d = d
	return nil
}

func (h *hostName) String() string               { return h.d.ASCII() }
func (h *hostName) UnmarshalText(b []byte) error { return h.Set(string(b)) }
func (h hostName) MarshalText() ([]byte, error)  { return []byte(h.d.ASCII()), nil }

// qualifiedName is a domain name of two labels or more whose top label is
// not all digits (RFC 6409, Section 4.2; RFC 3696, Section 2): -domain and
// every domain a rule produces. Whether its top-level domain is delegated
// or local is the agent's judgement, checked at start (checkAddresses).
type qualifiedName struct{ d envelope.Domain }

func (q *qualifiedName) Set(s string) error {
	d, err := parseMultiLabel(s)
	if err != nil {
		return err
	}
	q.d = d
	return nil
}

func (q *qualifiedName) String() string               { return q.d.ASCII() }
func (q *qualifiedName) UnmarshalText(b []byte) error { return q.Set(string(b)) }
func (q qualifiedName) MarshalText() ([]byte, error)  { return []byte(q.d.ASCII()), nil }

// parseName parses a domain name and refuses an address literal.
func parseName(s string) (envelope.Domain, error) {
	d, err := envelope.ParseDomain(s)
	if err != nil {
		return envelope.Domain{}, fmt.Errorf("%q is not a domain name", s)
	}
	if d.IsLiteral() {
		return envelope.Domain{}, fmt.Errorf("%q is an address literal, not a domain name", s)
	}
	return d, nil
}

// parseMultiLabel parses a domain name of two labels or more whose top
// label is not all digits, the syntax of a fully-qualified name (RFC 6409,
// Section 4.2).
func parseMultiLabel(s string) (envelope.Domain, error) {
	d, err := parseName(s)
	if err != nil {
		return d, err
	}
	a := d.ASCII()
	i := strings.LastIndexByte(a, '.')
	if i < 0 || strings.Trim(a[i+1:], "0123456789") == "" {
		return envelope.Domain{}, fmt.Errorf("%q is not a fully-qualified domain name: it needs two labels or more (RFC 6409, Section 4.2)", s)
	}
	return d, nil
}

// parseAddress parses local@domain (RFC 5321, Section 4.1.2, Mailbox) with
// a fully-qualified domain.
func parseAddress(s string) (envelope.Mailbox, error) {
	m, err := envelope.ParseMailbox(s)
	if err != nil || m.LocalPart == "" {
		return envelope.Mailbox{}, fmt.Errorf("%q is not an address (local@domain)", s)
	}
	if _, err := parseMultiLabel(m.Domain.ASCII()); err != nil {
		return envelope.Mailbox{}, fmt.Errorf("%q is not fully qualified: its domain needs two labels or more (RFC 6409, Section 4.2)", s)
	}
	return m, nil
}

// pattern is an address or "@domain" (a whole domain), both fully
// qualified: what a user may send as, or send to. Subaddresses of an
// address are allowed by the separator (subaddress-separator).
type pattern struct{ s string }

func (p *pattern) Set(s string) error {
	if d, ok := strings.CutPrefix(s, "@"); ok {
		dom, err := parseMultiLabel(d)
		if err != nil {
			return err
		}
		p.s = "@" + dom.ASCII()
		return nil
	}
	m, err := parseAddress(s)
	if err != nil {
		return err
	}
	p.s = m.String()
	return nil
}

func (p *pattern) String() string               { return p.s }
func (p *pattern) UnmarshalText(b []byte) error { return p.Set(string(b)) }
func (p pattern) MarshalText() ([]byte, error)  { return []byte(p.s), nil }

// userName is a login name after RFC 8265 preparation
// ([auth.NormalizeUsername]), so two spellings of one name are one user.
type userName struct{ s string }

func (u *userName) Set(s string) error {
	n, err := auth.NormalizeUsername(s)
	if err != nil {
		return fmt.Errorf("%q is not a valid user name (RFC 8265, Section 3.3)", s)
	}
	u.s = n
	return nil
}

func (u *userName) String() string               { return u.s }
func (u *userName) UnmarshalText(b []byte) error { return u.Set(string(b)) }
func (u userName) MarshalText() ([]byte, error)  { return []byte(u.s), nil }

// duration is a positive duration in Go's syntax ("90s", "5m", "1h30m").
// It is a struct, so that a TOML integer (180) is refused for want of a
// unit instead of being read as 180 nanoseconds.
type duration struct{ d time.Duration }

func (d *duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (such as 90s, 5m or 1h30m)", s)
	}
	if v <= 0 {
		return fmt.Errorf("%q is not a positive duration", s)
	}
	d.d = v
	return nil
}

func (d *duration) String() string               { return d.d.String() }
func (d *duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }
func (d duration) MarshalText() ([]byte, error)  { return []byte(d.d.String()), nil }

// prefix is a network in CIDR notation, or one address as a /32 or /128.
type prefix struct{ p netip.Prefix }

func (p *prefix) Set(s string) error {
	if v, err := netip.ParsePrefix(s); err == nil {
		p.p = v.Masked()
		return nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return fmt.Errorf("%q is not a CIDR prefix or an address", s)
	}
	p.p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
	return nil
}

func (p *prefix) String() string               { return p.p.String() }
func (p *prefix) UnmarshalText(b []byte) error { return p.Set(string(b)) }
func (p prefix) MarshalText() ([]byte, error)  { return []byte(p.p.String()), nil }

// userSpec is one -user flag, NAME:PASSWORD[:ADDR,ADDR...], a user with a
// password in clear for the quick start; the config file holds hashes.
type userSpec struct {
	name      string
	password  string
	addresses []string // as given; empty = NAME@DOMAIN
	err       error    // why the flag does not parse; see Set
}

// Set parses NAME:PASSWORD[:ADDR,ADDR...]. The name ends at the first
// colon. The text after the last colon is the address list when every
// comma-separated item in it holds an '@'; otherwise everything after the
// name is the password, so a password may contain colons.
//
// A value that does not parse is kept with its error, which the program
// reports at start: an error returned here would be printed by the flag
// package with the whole value, and the value may be a password.
func (u *userSpec) Set(s string) error {
	*u = parseUserSpec(s)
	return nil
}

func parseUserSpec(s string) userSpec {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return userSpec{err: errors.New("want NAME:PASSWORD[:ADDR,ADDR...]")}
	}
	v := userSpec{name: name, password: rest}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		list := strings.Split(rest[i+1:], ",")
		all := true
		for _, a := range list {
			if !strings.Contains(a, "@") {
				all = false
				break
			}
		}
		if all {
			v.password = rest[:i]
			v.addresses = list
		}
	}
	if v.password == "" {
		return userSpec{name: name, err: fmt.Errorf("user %q: empty password", name)}
	}
	return v
}

// String never shows the password.
func (u *userSpec) String() string {
	if u.name == "" {
		return ""
	}
	return u.name + ":***"
}

// spoolSync is how the spool makes messages durable (-spool-sync): in
// groups, one sync for every message that finished while the previous
// one ran (the default), or each message on its own.
type spoolSync uint8

const (
	syncGroup       spoolSync = iota // "group": groupCommit
	syncEachMessage                  // "message": fsync of each file and of the directory, per message
)

func (m *spoolSync) Set(s string) error {
	switch s {
	case "group":
		*m = syncGroup
	case "message":
		*m = syncEachMessage
	default:
		return fmt.Errorf("%q is not a spool sync mode (group or message)", s)
	}
	return nil
}

func (m *spoolSync) String() string {
	if *m == syncEachMessage {
		return "message"
	}
	return "group"
}

func (m *spoolSync) UnmarshalText(b []byte) error { return m.Set(string(b)) }
func (m spoolSync) MarshalText() ([]byte, error)  { return []byte(m.String()), nil }

package msaconfig

import (
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

// HostName is any domain name, not an address literal: -hostname and the
// source side of rewrite and partial-domain rules, which may be single
// labels.
type HostName struct{ d envelope.Domain }

func (h *HostName) Set(s string) error {
	d, err := parseName(s)
	if err != nil {
		return err
	}
	h.d = d
	return nil
}

// Domain is the name; zero when not set.
func (h HostName) Domain() envelope.Domain { return h.d }

func (h *HostName) String() string               { return h.d.ASCII() }
func (h *HostName) UnmarshalText(b []byte) error { return h.Set(string(b)) }
func (h HostName) MarshalText() ([]byte, error)  { return []byte(h.d.ASCII()), nil }

// QualifiedName is a domain name of two labels or more whose top label is
// not all digits (RFC 6409, Section 4.2; RFC 3696, Section 2): -domain and
// every domain a rule produces. Whether its top-level domain is delegated
// or local is the agent's judgement, checked at start (checkAddresses).
type QualifiedName struct{ d envelope.Domain }

func (q *QualifiedName) Set(s string) error {
	d, err := parseMultiLabel(s)
	if err != nil {
		return err
	}
	q.d = d
	return nil
}

// Domain is the name; zero when not set.
func (q QualifiedName) Domain() envelope.Domain { return q.d }

func (q *QualifiedName) String() string               { return q.d.ASCII() }
func (q *QualifiedName) UnmarshalText(b []byte) error { return q.Set(string(b)) }
func (q QualifiedName) MarshalText() ([]byte, error)  { return []byte(q.d.ASCII()), nil }

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

// Pattern is an address or "@domain" (a whole domain), both fully
// qualified: what a user may send as, or send to. Subaddresses of an
// address are allowed by the separator (subaddress-separator).
type Pattern struct{ s string }

func (p *Pattern) Set(s string) error {
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

func (p *Pattern) String() string               { return p.s }
func (p *Pattern) UnmarshalText(b []byte) error { return p.Set(string(b)) }
func (p Pattern) MarshalText() ([]byte, error)  { return []byte(p.s), nil }

// UserName is a login name after RFC 8265 preparation
// ([auth.NormalizeUsername]), so two spellings of one name are one user.
type UserName struct{ s string }

func (u *UserName) Set(s string) error {
	n, err := auth.NormalizeUsername(s)
	if err != nil {
		return fmt.Errorf("%q is not a valid user name (RFC 8265, Section 3.3)", s)
	}
	u.s = n
	return nil
}

func (u *UserName) String() string               { return u.s }
func (u *UserName) UnmarshalText(b []byte) error { return u.Set(string(b)) }
func (u UserName) MarshalText() ([]byte, error)  { return []byte(u.s), nil }

// Duration is a positive duration in Go's syntax ("90s", "5m", "1h30m").
// It is a struct, so that a TOML integer (180) is refused for want of a
// unit instead of being read as 180 nanoseconds.
type Duration struct{ d time.Duration }

func (d *Duration) Set(s string) error {
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

// Duration is the value.
func (d Duration) Duration() time.Duration { return d.d }

func (d *Duration) String() string               { return d.d.String() }
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }
func (d Duration) MarshalText() ([]byte, error)  { return []byte(d.d.String()), nil }

// Prefix is a network in CIDR notation, or one address as a /32 or /128.
type Prefix struct{ p netip.Prefix }

func (p *Prefix) Set(s string) error {
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

// Prefix is the network, masked.
func (p Prefix) Prefix() netip.Prefix { return p.p }

func (p *Prefix) String() string               { return p.p.String() }
func (p *Prefix) UnmarshalText(b []byte) error { return p.Set(string(b)) }
func (p Prefix) MarshalText() ([]byte, error)  { return []byte(p.p.String()), nil }

// SpoolSync is how examples/msa's spool makes messages durable
// (spool-sync): in groups, one sync for every message that finished while
// the previous one ran (the default), or each message on its own.
type SpoolSync uint8

const (
	SyncGroup       SpoolSync = iota // "group": groupCommit
	SyncEachMessage                  // "message": fsync of each file and of the directory, per message
)

func (m *SpoolSync) Set(s string) error {
	switch s {
	case "group":
		*m = SyncGroup
	case "message":
		*m = SyncEachMessage
	default:
		return fmt.Errorf("%q is not a spool sync mode (group or message)", s)
	}
	return nil
}

func (m *SpoolSync) String() string {
	if *m == SyncEachMessage {
		return "message"
	}
	return "group"
}

func (m *SpoolSync) UnmarshalText(b []byte) error { return m.Set(string(b)) }
func (m SpoolSync) MarshalText() ([]byte, error)  { return []byte(m.String()), nil }

package envelope

import (
	"log/slog"
	"strings"

	"github.com/msakit/msakit/internal/ascii"
)

// Path is the argument of MAIL FROM (a reverse-path) or RCPT TO (a
// forward-path), RFC 5321, Section 4.1.2:
//
//	Reverse-path = Path / "<>"
//	Forward-path = Path
//	Path         = "<" [ A-d-l ":" ] Mailbox ">"
//
// plus the special forward-path "<Postmaster>" of RFC 5321, Section 4.1.1.3.
// A Path is exactly one of: the null path ([Path.IsNull]), "<Postmaster>"
// ([Path.IsPostmaster]), or a mailbox ([Path.Mailbox]); its fields are
// unexported so that no other combination can be built. A source route
// (A-d-l) is checked and dropped when parsing; it is never kept (RFC 5321,
// Section 4.1.1.3 and Appendix C).
//
// Paths come from [ParseReversePath] and [ParseForwardPath], or from
// [NewPath] for a mailbox a policy has rewritten. The zero Path is none of
// the three ([Path.IsZero]); the parsers never return it. Path is a
// comparable value: two paths are the same path exactly when they are ==
// (mailboxes compared as [Mailbox] says).
type Path struct {
	mailbox Mailbox  // the mailbox; zero for the null path and for <Postmaster>
	kind    pathKind // which of the three the path is
}

// pathKind tells the null path and <Postmaster> from a mailbox path.
type pathKind uint8

const (
	pathMailbox    pathKind = iota // a mailbox, or the zero Path when the mailbox is zero
	pathNull                       // the null reverse-path "<>" (RFC 5321, Section 4.5.5)
	pathPostmaster                 // the unqualified "<Postmaster>" forward-path (RFC 5321, Section 4.1.1.3)
)

// NewPath returns the path of mailbox m, <m> (RFC 5321, Section 4.1.2), for
// a policy that rewrites a reverse-path or forward-path. It does not check
// m: a Mailbox from [ParseMailbox] or [NewMailbox] is valid. The zero
// Mailbox gives the zero Path. The null path and <Postmaster> are only
// parsed: ParseReversePath("<>"), ParseForwardPath("<Postmaster>").
func NewPath(m Mailbox) Path { return Path{mailbox: m} }

// ParseReversePath parses the argument of MAIL FROM (RFC 5321,
// Section 4.1.1.2), without its ESMTP parameters. The angle brackets are
// optional, since some servers (go-smtp) strip them; both or neither must be
// present. "<>" and "" are the null reverse-path, which the Path reports with
// [Path.IsNull] (RFC 5321, Section 4.5.5). A source route "<@a,@b:user@c>" is accepted,
// its domains checked, and dropped. "<Postmaster>" is refused: it is a
// forward-path only.
//
// The mailbox is parsed as by [ParseMailbox]; the whole path is at most 256
// octets with its brackets (RFC 5321, Section 4.5.3.1.3). The error is a
// *[ParseError] whose Offset counts in s.
func ParseReversePath(s string) (Path, error) {
	p, err := parsePath(s, true)
	if err != nil {
		return Path{}, err
	}
	return p, nil
}

// ParseForwardPath parses the argument of RCPT TO (RFC 5321,
// Section 4.1.1.3), without its ESMTP parameters. The angle brackets are
// optional, as for [ParseReversePath], and a source route is accepted and
// dropped. "<Postmaster>" in any case, without a domain, gives a Path for
// which [Path.IsPostmaster] is true (RFC 5321, Section 4.1.1.3);
// "<postmaster@example.org>" is an ordinary mailbox. The null path "<>" is
// refused.
func ParseForwardPath(s string) (Path, error) {
	p, err := parsePath(s, false)
	if err != nil {
		return Path{}, err
	}
	return p, nil
}

// parsePath implements both path parsers.
func parsePath(s string, reverse bool) (Path, *ParseError) {
	inner, off := s, 0
	switch {
	case strings.HasPrefix(s, "<"):
		if len(s) < 2 || s[len(s)-1] != '>' {
			return Path{}, newError(s, len(s), ErrSyntax, "missing '>' at end of path")
		}
		inner, off = s[1:len(s)-1], 1
	case strings.HasSuffix(s, ">"):
		return Path{}, newError(s, len(s)-1, ErrSyntax, "'>' without '<'")
	}
	if len(inner)+2 > maxPathLen {
		return Path{}, newError(s, off+maxPathLen-2, ErrTooLong, "path longer than 256 octets")
	}
	if inner == "" {
		if reverse {
			return Path{kind: pathNull}, nil
		}
		return Path{}, newError(s, off, ErrSyntax, "null path <> is not a forward-path")
	}
	if !reverse && ascii.EqualFold(inner, "Postmaster") {
		return Path{kind: pathPostmaster}, nil
	}
	if inner[0] == '@' {
		n, err := skipSourceRoute(inner)
		if err != nil {
			return Path{}, rebase(err, s, off)
		}
		inner, off = inner[n:], off+n
	}
	m, err := parseMailbox(inner)
	if err != nil {
		return Path{}, rebase(err, s, off)
	}
	return Path{mailbox: m}, nil
}

// skipSourceRoute checks the source route at the start of s,
//
//	A-d-l     = At-domain *( "," At-domain )
//	At-domain = "@" Domain
//
// followed by ":", and returns the length up to and including the ":".
func skipSourceRoute(s string) (int, *ParseError) {
	i := 0
	for {
		if i >= len(s) || s[i] != '@' {
			return 0, newError(s, i, ErrSyntax, "expected '@' in source route")
		}
		i++
		end := strings.IndexAny(s[i:], ",:")
		if end < 0 {
			return 0, newError(s, len(s), ErrSyntax, "source route without ':'")
		}
		dom := s[i : i+end]
		if strings.HasPrefix(dom, "[") {
			return 0, newError(s, i, ErrSyntax, "address literal in source route")
		}
		if _, err := parseDomain(dom); err != nil {
			return 0, rebase(err, s, i)
		}
		i += end
		if s[i] == ':' {
			return i + 1, nil
		}
		i++ // ","
	}
}

// IsNull reports whether p is the null reverse-path "<>" (RFC 5321,
// Section 4.5.5).
func (p Path) IsNull() bool { return p.kind == pathNull }

// IsPostmaster reports whether p is the unqualified "<Postmaster>"
// forward-path (RFC 5321, Section 4.1.1.3). A path to
// postmaster@some.domain is an ordinary mailbox and reports false.
func (p Path) IsPostmaster() bool { return p.kind == pathPostmaster }

// Mailbox returns the mailbox of the path (RFC 5321, Section 4.1.2), or
// the zero Mailbox for the null path, <Postmaster> and the zero Path.
func (p Path) Mailbox() Mailbox { return p.mailbox }

// IsZero reports whether p is the zero Path: not null, not Postmaster and
// without a mailbox. It is none of the paths of RFC 5321, Section 4.1.2, and
// the parsers never return it without an error.
func (p Path) IsZero() bool { return p == Path{} }

// Format returns the path with angle brackets as written in MAIL FROM or
// RCPT TO (RFC 5321, Section 4.1.2): "<>", "<Postmaster>", or the mailbox
// formatted by [Mailbox.Format](smtputf8) in brackets. The zero Path gives
// "".
func (p Path) Format(smtputf8 bool) string {
	switch {
	case p.kind == pathNull:
		return "<>"
	case p.kind == pathPostmaster:
		return "<Postmaster>"
	case p.mailbox.IsZero():
		return ""
	}
	return "<" + p.mailbox.Format(smtputf8) + ">"
}

// String returns the canonical path in angle brackets: "<>",
// "<Postmaster>", or "<" + [Mailbox.String] + ">" (RFC 5321, Section 4.1.2).
// Parsing it again gives back p (the source route, if any, is gone).
func (p Path) String() string { return p.Format(!p.IsASCII()) }

// IsASCII reports whether the path can be sent without SMTPUTF8 (RFC 6531,
// Section 3.2): true for "<>" and "<Postmaster>", otherwise
// [Mailbox.IsASCII].
func (p Path) IsASCII() bool { return p.mailbox.IsASCII() }

// LogValue implements [slog.LogValuer]: the path as [Path.String] writes it,
// or, when the domain is an IDN, the U-label form, "/", and the A-label form
// (RFC 6531, Section 3.2).
func (p Path) LogValue() slog.Value {
	if p.mailbox.Domain.IsIDN() {
		return slog.StringValue(p.Format(true) + "/" + p.Format(false))
	}
	return slog.StringValue(p.String())
}

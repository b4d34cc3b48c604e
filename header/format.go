package header

import (
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/msakit/msakit/internal/ascii"
)

// FormatAddress writes a as an RFC 5322 mailbox (RFC 5322, Section 3.4) for
// a new header field: the addr-spec alone when there is no display name,
// otherwise `name <addr-spec>`. The addr-spec is [envelope.Mailbox.Format]:
// the local part quoted only when it must be, the domain in A-label form
// unless smtputf8. The display name is written as atoms when it is made of
// atext words, as a quoted-string when it holds other printable characters,
// and, when it holds non-ASCII characters and smtputf8 is false, as RFC 2047
// Q encoded-words in UTF-8 (RFC 2047, Section 5 (3)); with smtputf8 it is
// written in UTF-8 (RFC 6532, Section 3.2). a.Group is ignored here (see
// [FormatAddressList]).
//
// It fails with [ErrNotASCII] for a non-ASCII local part without smtputf8
// (RFC 6531, Section 3.3), with [ErrSyntax] for a zero Mailbox or a name
// holding control characters. The result is ready for [NewField], which
// folds it.
func FormatAddress(a Address, smtputf8 bool) (string, error) {
	var b strings.Builder
	if err := appendAddress(&b, a, smtputf8); err != nil {
		return "", err
	}
	return b.String(), nil
}

// FormatAddressList writes an address-list (RFC 5322, Section 3.4): the
// addresses separated by ", ", and consecutive addresses with the same
// non-empty Group written as one group, `Group: a, b;`. Errors are those of
// [FormatAddress].
func FormatAddressList(as []Address, smtputf8 bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(as); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		g := as[i].Group
		if g == "" {
			if err := appendAddress(&b, as[i], smtputf8); err != nil {
				return "", err
			}
			continue
		}
		if err := appendPhrase(&b, g, smtputf8); err != nil {
			return "", err
		}
		b.WriteString(": ")
		for j := i; j < len(as) && as[j].Group == g; j++ {
			if j > i {
				b.WriteString(", ")
			}
			if err := appendAddress(&b, as[j], smtputf8); err != nil {
				return "", err
			}
			i = j
		}
		b.WriteByte(';')
	}
	return b.String(), nil
}

func appendAddress(b *strings.Builder, a Address, smtputf8 bool) error {
	if a.Mailbox.IsZero() {
		return errAt(ErrSyntax, 0, "zero mailbox")
	}
	if !smtputf8 && !ascii.Is(a.Mailbox.LocalPart) {
		return errAt(ErrNotASCII, 0, "non-ASCII local part needs SMTPUTF8")
	}
	spec := a.Mailbox.Format(smtputf8)
	if a.DisplayName == "" {
		b.WriteString(spec)
		return nil
	}
	if err := appendPhrase(b, a.DisplayName, smtputf8); err != nil {
		return err
	}
	b.WriteString(" <")
	b.WriteString(spec)
	b.WriteByte('>')
	return nil
}

// appendPhrase writes a display name as atoms, a quoted-string or
// encoded-words (RFC 5322, Section 3.2.5; RFC 2047, Section 5).
func appendPhrase(b *strings.Builder, name string, smtputf8 bool) error {
	if !utf8.ValidString(name) {
		return errAt(ErrSyntax, 0, "display name is not valid UTF-8")
	}
	atoms, allASCII := true, true
	prevSpace := true
	for i, r := range name {
		switch {
		case isControlRune(r):
			return errAt(ErrSyntax, i, "control character in display name")
		case r >= 0x80:
			allASCII = false
			prevSpace = false
		case r == ' ':
			if prevSpace {
				atoms = false // leading or double space
			}
			prevSpace = true
		default:
			if !ascii.IsAtext(byte(r)) {
				atoms = false
			}
			prevSpace = false
		}
	}
	if prevSpace {
		atoms = false // trailing space (or empty)
	}
	if !allASCII && !smtputf8 {
		b.WriteString(mime.QEncoding.Encode("utf-8", name))
		return nil
	}
	if atoms && !strings.HasPrefix(name, "=?") && !strings.Contains(name, " =?") {
		b.WriteString(name)
		return nil
	}
	appendQuoted(b, name)
	return nil
}

// appendQuoted writes s as a quoted-string, with a backslash before every
// DQUOTE and backslash (RFC 5322, Section 3.2.4).
func appendQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

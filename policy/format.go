package policy

import (
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/msakit/msakit/header"
)

// formatAddressList formats addrs as an RFC 5322 address-list value
// (Section 3.4): each mailbox as `display-name <addr-spec>` or a bare
// addr-spec, groups as `name: members;`. A display name is written as atoms
// when it is only atext and spaces, else as a quoted-string; non-ASCII
// display names become RFC 2047 encoded words unless utf8OK (RFC 6532).
// Comments of the original field are not kept.
func formatAddressList(addrs []header.Address, utf8OK bool) string {
	var b strings.Builder
	group := ""
	for i, a := range addrs {
		if a.Group != group {
			if group != "" {
				b.WriteString(";")
			}
			if i > 0 {
				b.WriteString(", ")
			}
			if a.Group != "" {
				b.WriteString(formatPhrase(a.Group, utf8OK))
				b.WriteString(": ")
			}
			group = a.Group
		} else if i > 0 {
			b.WriteString(", ")
		}
		addr := a.Mailbox.Format(utf8OK)
		if a.DisplayName == "" {
			b.WriteString(addr)
			continue
		}
		b.WriteString(formatPhrase(a.DisplayName, utf8OK))
		b.WriteString(" <")
		b.WriteString(addr)
		b.WriteString(">")
	}
	if group != "" {
		b.WriteString(";")
	}
	return b.String()
}

// formatPhrase writes a display name (RFC 5322, Section 3.2.5).
func formatPhrase(s string, utf8OK bool) string {
	ascii := true
	atoms := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			ascii = false
		}
		if !(c == ' ' || c >= 0x80 || isAtext(c)) {
			atoms = false
		}
	}
	if !ascii && !utf8OK {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		return mime.QEncoding.Encode("utf-8", s)
	}
	if atoms && s != "" && s[0] != ' ' && s[len(s)-1] != ' ' && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		if c == '\r' || c == '\n' || c == 0 {
			c = ' '
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

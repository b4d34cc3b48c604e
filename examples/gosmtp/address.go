package gosmtp

import (
	"strings"

	"github.com/msakit/msakit/envelope"
)

// rebuildPath undoes go-smtp's unquoting of the local part. go-smtp hands
// `carol smith@example.net` for `"carol smith"@example.net` (RFC 5321,
// Section 4.1.2: Quoted-string), which would no longer parse. A local part
// that is a valid Dot-string is passed unchanged; any other is rebuilt with
// envelope.NewMailbox, split at the last '@' (a quoted local part may hold
// '@' itself), and written back in canonical, quoted form. When the parts
// cannot be rebuilt the string goes to msakit as received, which refuses
// it with its own reply.
func rebuildPath(p string) string {
	i := strings.LastIndexByte(p, '@')
	if i <= 0 {
		return p
	}
	local, domain := p[:i], p[i+1:]
	if isDotString(local) {
		return p
	}
	d, err := envelope.ParseDomain(domain)
	if err != nil {
		return p
	}
	m, err := envelope.NewMailbox(local, d)
	if err != nil {
		return p
	}
	return m.String()
}

// isDotString reports whether s is an RFC 5321 Dot-string (Section 4.1.2),
// with the UTF-8 extension of RFC 6531, Section 3.3 (any octet >= 0x80
// counts as atext here; msakit checks UTF-8 itself).
func isDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	prevDot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if prevDot {
				return false
			}
			prevDot = true
			continue
		}
		prevDot = false
		if !isAtext(c) {
			return false
		}
	}
	return true
}

// isAtext reports whether c is atext (RFC 5322, Section 3.2.3) or a UTF-8
// octet (RFC 6531).
func isAtext(c byte) bool {
	switch {
	case c >= 0x80:
		return true
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

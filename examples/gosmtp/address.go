package gosmtp

import (
	"strings"

	"github.com/msakit/msakit/envelope"
)

// quotedOnly are the characters that RFC 5321, Section 4.1.2 allows in a
// local part only inside a Quoted-string: an atext or '.' never needs
// quotes, these always do.
const quotedOnly = " \"\\(),:;<>[]"

// rebuildPath undoes go-smtp's unquoting of a local part where that can be
// done without guessing. go-smtp hands `carol smith@example.net` for
// `"carol smith"@example.net` (parse.go, parseLocalPart), and
// `carol..smith@example.net` both for the quoted and for the invalid
// unquoted form. The guard hands msakit MAIL and RCPT paths as sent, so
// this serves what only go-smtp's reading reaches the adapter for: the
// mailbox of MAIL's AUTH= parameter (RFC 4954, Section 5), and MAIL or
// RCPT when the guard could not read the path.
//
// The decision (see the package documentation): the unquoted reading wins
// for dot errors and for a second '@', so carol..smith@example.net,
// carol.@example.net and carol@@example.net go to msakit as they are and
// are refused (501 5.1.3 for RCPT, 501 5.1.7 for MAIL). Only a local part
// with a character that can appear nowhere but inside quotes is rebuilt,
// with [envelope.NewMailbox], in canonical quoted form.
func rebuildPath(p string) string {
	i := strings.LastIndexByte(p, '@')
	if i <= 0 {
		return p
	}
	local, domain := p[:i], p[i+1:]
	if strings.Contains(local, "@") || !strings.ContainsAny(local, quotedOnly) {
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

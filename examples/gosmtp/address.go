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
	if envelope.IsDotString(local) {
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

package header

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"strings"

	"github.com/msakit/msakit/envelope"
)

// ParseMessageID checks the value of a Message-ID or Resent-Message-ID
// field (RFC 5322, Section 3.6.4): one msg-id, "<" id-left "@" id-right ">",
// with optional CFWS around it, and returns it without the angle brackets
// and without comments or white space. The obsolete forms of RFC 5322,
// Section 4.5.4 (a quoted or CFWS-separated id-left, comments or white
// space in id-right) are accepted; see [IsObsoleteMessageID]. UTF-8 is
// accepted (RFC 6532, Section 3.2). A quoted id-left comes back quoted
// unless its content is a dot-atom-text, so two ids that mean the same
// compare equal.
//
// id-right need not be a DNS name: only its syntax is checked. Values longer
// than 4096 octets are refused. Every error is a [*SyntaxError]
// wrapping [ErrSyntax] (or ErrTooBig, ErrNUL, ErrBareCR, ErrBareLF).
func ParseMessageID(value string) (string, error) {
	id, _, err := parseMessageID(value)
	return id, err
}

// IsObsoleteMessageID reports whether value is a valid msg-id written in
// the obsolete syntax of RFC 5322, Section 4.5.4. It is false for invalid
// values.
func IsObsoleteMessageID(value string) bool {
	_, obs, err := parseMessageID(value)
	return err == nil && obs
}

// parseMessageID returns the msg-id of value and whether it used an
// obsolete form: the usual id through [fastMessageID], anything else
// through [slowMessageID].
func parseMessageID(value string) (string, bool, error) {
	if len(value) <= maxValueLen {
		if id, ok := fastMessageID(value); ok {
			return id, false, nil
		}
	}
	return slowMessageID(value)
}

// slowMessageID is the general parser behind parseMessageID: it tokenizes
// value and handles every form, errors included.
func slowMessageID(value string) (string, bool, error) {
	if len(value) > maxValueLen {
		return "", false, errAt(ErrTooBig, maxValueLen, "message identifier too long")
	}
	toks, err := tokenize(value)
	if err != nil {
		return "", false, err
	}
	p := &addrParser{toks: toks}
	if !p.isSpecial('<') {
		return "", false, p.fail(`"<" expected`)
	}
	p.i++
	left := p.words()
	if len(left) == 0 {
		return "", false, p.fail("empty id-left")
	}
	lp, obs, err := localPart(left)
	if err != nil {
		return "", false, err
	}
	if left[0].ws || left[0].kind == tQuoted {
		obs = true // obs-id-left: CFWS after "<", or a quoted-string
	}
	if !p.isSpecial('@') {
		return "", false, p.fail(`"@" expected in message identifier`)
	}
	if p.tok().ws {
		obs = true
	}
	p.i++
	if p.tok().ws {
		obs = true
	}
	right, robs, err := p.domainTokens()
	if err != nil {
		return "", false, err
	}
	if !p.isSpecial('>') {
		return "", false, p.fail(`">" expected`)
	}
	if p.tok().ws {
		obs = true
	}
	if strings.ContainsAny(value[left[0].pos:p.tok().pos], "\r\n") {
		obs = true // folded inside the brackets
	}
	p.i++
	if p.tok().kind != tEOF {
		return "", false, p.fail("text after the message identifier")
	}
	if !envelope.IsDotString(lp) { // dot-atom-text, RFC 5322 3.2.3
		lp = quote(lp)
	}
	return lp + "@" + right, obs || robs, nil
}

// fastMessageID parses the usual msg-id without tokenizing: optional
// spaces and tabs, "<" dot-atom-text "@" dot-atom-text ">" in ASCII, and
// optional spaces and tabs (RFC 5322, Section 3.6.4). It returns the id as
// a substring of value, and false for anything else, which
// [slowMessageID] then handles with the same result for
// what the fast path accepts (TestMessageIDFastPath,
// FuzzMessageIDFastPath).
func fastMessageID(value string) (string, bool) {
	i := skipWSP(value, 0)
	if i >= len(value) || value[i] != '<' {
		return "", false
	}
	start := i + 1
	at, ok := dotAtomEnd(value, start)
	if !ok || at >= len(value) || value[at] != '@' {
		return "", false
	}
	end, ok := dotAtomEnd(value, at+1)
	if !ok || end >= len(value) || value[end] != '>' || skipWSP(value, end+1) != len(value) {
		return "", false
	}
	return value[start:end], true
}

// quote returns s as a quoted-string (RFC 5322, Section 3.2.4).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	appendQuoted(&b, s)
	return b.String()
}

// idEncoding writes random octets as lower-case letters and digits, all
// atext (RFC 5322, Section 3.2.3).
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// messageIDBits is the number of random bits in an identifier made by
// [NewMessageID]: enough that it is unique as RFC 5322, Section 3.6.4
// requires, without coordination.
const messageIDBits = 160

// NewMessageID returns a new msg-id, "<random@domain>" with angle brackets,
// for a Message-ID or Resent-Message-ID field (RFC 5322, Section 3.6.4;
// RFC 6409, Section 8.3). id-left is 160 bits read from
// random, written as 32 lower-case base32 characters; random nil means
// [crypto/rand.Reader]. The domain, which must not be zero, is written as
// an A-label unless smtputf8 (RFC 6532, Section 3.2; [envelope.Domain.Format]);
// an address literal is written as a no-fold-literal.
//
// It fails when random fails or domain is zero.
func NewMessageID(random io.Reader, domain envelope.Domain, smtputf8 bool) (string, error) {
	if domain.IsZero() {
		return "", errAt(ErrSyntax, 0, "message identifier needs a domain")
	}
	if random == nil {
		random = rand.Reader
	}
	var buf [messageIDBits / 8]byte
	if _, err := io.ReadFull(random, buf[:]); err != nil {
		return "", fmt.Errorf("header: reading random bits for a message identifier: %w", err)
	}
	return "<" + idEncoding.EncodeToString(buf[:]) + "@" + domain.Format(smtputf8) + ">", nil
}

package auth

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/msakit/msakit/internal/ascii"
	"golang.org/x/text/secure/precis"
)

// maxNameLen bounds user names and authorization identities, in octets, so
// that preparing them stays cheap whatever the client sends.
// RFC 4616, Section 2 asks servers to accept at least 255 octets.
const maxNameLen = 1024

var errEmptyName = errors.New("auth: empty user name")

// NormalizeUsername prepares a user name with the UsernameCaseMapped
// profile of RFC 8265, Section 3.3: width mapping, lower case, NFC, and the
// IdentifierClass of RFC 8264 (no spaces, no control characters). Two names
// denote the same user exactly when their normalised forms are equal, so
// "Alice" and "alice" are one user. [Users] and [Senders] key their maps by
// this form, and [NewServer] compares authorization identities with it.
//
// It returns an error for an empty name, a name longer than 1024 octets,
// and a name the profile rejects (RFC 8265, Section 3.3.2, for instance one
// containing a space). Names of printable ASCII take a fast path that
// allocates only when there is an upper-case letter to fold. It is safe for
// concurrent use.
func NormalizeUsername(name string) (string, error) {
	switch {
	case name == "":
		return "", errEmptyName
	case len(name) > maxNameLen:
		return "", fmt.Errorf("auth: user name longer than %d octets", maxNameLen)
	}
	upper := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x21 || c > 0x7e {
			return precisUsername(name)
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	// Printable ASCII (%x21-7E) is all PVALID in the IdentifierClass
	// (RFC 8264, Section 9.11); width mapping and NFC leave it unchanged
	// and case mapping is ASCII lower-casing (RFC 8265, Section 3.3.1).
	if !upper {
		return name, nil
	}
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b), nil
}

func precisUsername(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", errors.New("auth: user name is not valid UTF-8")
	}
	s, err := precis.UsernameCaseMapped.String(name)
	if err != nil {
		return "", fmt.Errorf("auth: user name rejected by RFC 8265 UsernameCaseMapped: %w", err)
	}
	if s == "" {
		return "", errEmptyName
	}
	return s, nil
}

// sameUser reports whether a and b name the same user after
// NormalizeUsername; names that do not normalise are never the same.
func sameUser(a, b string) bool {
	if a == b {
		// Equal strings are the same user if they are a user at all.
		_, err := NormalizeUsername(a)
		return err == nil
	}
	na, err := NormalizeUsername(a)
	if err != nil {
		return false
	}
	nb, err := NormalizeUsername(b)
	return err == nil && na == nb
}

// PreparePassword applies the OpaqueString profile of RFC 8265, Section 4
// (the successor of the SASLprep that RFC 4616, Section 2 recommends):
// non-ASCII spaces become U+0020, then NFC. Printable ASCII passwords are
// returned unchanged without allocating. An empty result is an error
// (RFC 4616, Section 2: "if preparation fails or results in an empty
// string, verification SHALL fail"); the error never contains the password.
//
// [Users] prepares every password this way. An [Authenticator] over a
// store of password hashes (bcrypt, argon2id) prepares the password with
// PreparePassword both when it makes a hash and when it checks one, so a
// password typed with a different Unicode composition or space character
// still matches.
func PreparePassword(p string) (string, error) {
	printable := p != ""
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c > 0x7e {
			printable = false
			break
		}
	}
	if printable {
		return p, nil
	}
	if p == "" {
		return "", errors.New("auth: empty password")
	}
	s, err := precis.OpaqueString.String(p)
	if err != nil {
		return "", fmt.Errorf("auth: password rejected by RFC 8265 OpaqueString: %w", err)
	}
	if s == "" {
		return "", errors.New("auth: empty password")
	}
	return s, nil
}

// validName reports whether s may be an authentication or authorization
// identity sent by a client: valid UTF-8 with no C0 control character and
// no DEL. RFC 4616 allows any character but NUL; we refuse controls so
// that no CR, LF or escape sequence sent as a name reaches a log line or a
// trace field (see Divergences in the package doc).
func validName(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if ascii.IsCtl(s[i]) {
			return false
		}
	}
	return true
}

package policy

import (
	"bytes"

	"github.com/msakit/msakit/header"
)

// fieldNameBytes returns the name of f as written, without the obsolete white
// space before the colon (RFC 5322, Sections 2.2 and 4.5), without
// allocating.
func fieldNameBytes(f header.Field) []byte {
	raw := f.Raw()
	i := bytes.IndexByte(raw, ':')
	if i < 0 {
		return nil
	}
	return bytes.TrimRight(raw[:i], " \t")
}

// fieldIn reports which of names f has, compared without regard to ASCII
// case (RFC 5322, Section 1.2.2), and returns it in the spelling of names.
// It lets a policy visit the fields it cares about in one pass over the
// header, without allocating.
func fieldIn(f header.Field, names []string) (string, bool) {
	b := fieldNameBytes(f)
	for _, n := range names {
		if len(b) == len(n) && asciiEqualFoldBytes(b, n) {
			return n, true
		}
	}
	return "", false
}

func asciiEqualFoldBytes(b []byte, s string) bool {
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

package policy

import (
	"github.com/msakit/msakit/header"
)

// fieldIn reports which of names f has, compared without regard to ASCII
// case (RFC 5322, Section 1.2.2), and returns it in the spelling of names.
// It lets a policy visit the fields it cares about in one pass over the
// header, without allocating.
func fieldIn(f header.Field, names []string) (string, bool) {
	// The name is the ftext before the colon or the obsolete white space
	// (RFC 5322, Sections 3.6.8 and 4.5); measuring it once lets most
	// names be ruled out by their length alone.
	raw := f.Raw()
	n := 0
	for n < len(raw) && raw[n] != ':' && raw[n] != ' ' && raw[n] != '\t' {
		n++
	}
	for _, name := range names {
		if len(name) == n && f.HasName(name) {
			return name, true
		}
	}
	return "", false
}

package policy

import (
	"github.com/msakit/msakit/header"
)

// fieldIn reports which of names f has, compared without regard to ASCII
// case (RFC 5322, Section 1.2.2), and returns it in the spelling of names.
// It lets a policy visit the fields it cares about in one pass over the
// header, without allocating.
func fieldIn(f header.Field, names []string) (string, bool) {
	for _, n := range names {
		if f.HasName(n) {
			return n, true
		}
	}
	return "", false
}

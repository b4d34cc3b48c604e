package policy

import (
	"github.com/msakit/msakit/header"
)

// fieldIn reports which of names f has, compared without regard to ASCII
// case (RFC 5322, Section 1.2.2), and returns it in the spelling of names.
// It lets a policy visit the fields it cares about in one pass over the
// header, without allocating.
func fieldIn(f header.Field, names []string) (string, bool) {
	if i := fieldIndex(f, names); i >= 0 {
		return names[i], true
	}
	return "", false
}

// fieldIndex is [fieldIn] returning the index in names, or -1.
func fieldIndex(f header.Field, names []string) int {
	n := f.NameLen() // most names are ruled out by their length alone
	for i, name := range names {
		if len(name) == n && f.HasName(name) {
			return i
		}
	}
	return -1
}

package submission

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
	for i, name := range names {
		if f.HasName(name) { // inlined length test: most names cost no call
			return i
		}
	}
	return -1
}

// ensureField keeps the first field named name, or resentName when h
// carries a resent block (RFC 5322, Section 3.6.6), when valid accepts its
// value; otherwise it replaces that field in place, or prepends one when
// there is none, with the value newValue returns (the add-or-correct rule
// of RFC 6409, Sections 8.1, 8.2 and 8.3). newValue runs only then; smtputf8
// lets the new value hold UTF-8 (RFC 6532, Section 3.2).
func ensureField(h *header.Header, name, resentName string, smtputf8 bool, valid func(string) bool, newValue func() (string, error)) error {
	if h.IsResent() {
		name = resentName
	}
	i := h.Index(name)
	if i >= 0 && valid(h.Field(i).Value()) {
		return nil
	}
	v, err := newValue()
	if err != nil {
		return err
	}
	f, err := header.NewField(name, v, smtputf8)
	if err != nil {
		return err
	}
	if i >= 0 {
		return h.ReplaceAt(i, f)
	}
	return h.PrependField(f)
}

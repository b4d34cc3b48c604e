package submission

import (
	"math/bits"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/internal/ascii"
)

// nameSet is a list of field names that a policy looks for in one pass
// over the header. Several policies each make that pass on every message,
// so a field is compared only with the names that start with its first
// letter (usually none, at most two), not with the whole list (issue 15).
type nameSet struct {
	names []string
	// byFirst[c&31] has bit i set when names[i] starts with c: an ASCII
	// letter and its other case share their low five bits, so a field
	// name that equals names[i] without regard to case is always in the
	// bucket of names[i] (others in the bucket are refused by HasName).
	byFirst [32]uint32
}

// newNameSet returns the set of names, at most 32 non-empty names that
// differ without regard to ASCII case.
func newNameSet(names ...string) *nameSet {
	if len(names) > 32 {
		panic("submission: more than 32 names in a nameSet")
	}
	s := &nameSet{names: names}
	for i, n := range names {
		s.byFirst[n[0]&31] |= 1 << i
	}
	return s
}

// fieldIn reports which of the names f has, compared without regard to
// ASCII case (RFC 5322, Section 1.2.2), and returns it in the spelling of
// the set. It lets a policy visit the fields it cares about in one pass
// over the header, without allocating.
func fieldIn(f header.Field, s *nameSet) (string, bool) {
	if i := fieldIndex(f, s); i >= 0 {
		return s.names[i], true
	}
	return "", false
}

// fieldIndex is [fieldIn] returning the index in the set, or -1.
func fieldIndex(f header.Field, s *nameSet) int {
	raw := f.Raw()
	if len(raw) == 0 {
		return -1
	}
	for m := s.byFirst[raw[0]&31]; m != 0; m &= m - 1 {
		i := bits.TrailingZeros32(m)
		if f.HasName(s.names[i]) {
			return i
		}
	}
	return -1
}

// topResentBlock returns the topmost block of resent fields of h, the
// fields [start, end) (RFC 5322, Section 3.6.6): the first field whose name
// starts with "Resent-" and the Resent- fields right after it. Each
// resending prepends its own block, so the topmost is the most recent; ok
// is false when h has no resent field.
func topResentBlock(h *header.Header) (start, end int, ok bool) {
	start = -1
	for i := 0; i < h.Len(); i++ {
		resent := isResentField(h.Field(i))
		switch {
		case resent && start < 0:
			start = i
		case !resent && start >= 0:
			return start, i, true
		}
	}
	if start < 0 {
		return 0, 0, false
	}
	return start, h.Len(), true
}

// isResentField reports whether f's name starts with "Resent-", in any
// case (RFC 5322, Sections 1.2.2 and 3.6.6).
func isResentField(f header.Field) bool {
	const prefix = "resent-"
	raw := f.Raw()
	if len(raw) <= len(prefix) {
		return false
	}
	for i := range len(prefix) {
		if ascii.Lower(raw[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// ensureField keeps the first field named name, or resentName when h
// carries a resent block (RFC 5322, Section 3.6.6), when valid accepts it;
// otherwise it replaces that field in place, or prepends one when
// there is none, with the value newValue returns (the add-or-correct rule
// of RFC 6409, Sections 8.1, 8.2 and 8.3). newValue runs only then; smtputf8
// lets the new value hold UTF-8 (RFC 6532, Section 3.2).
func ensureField(h *header.Header, name, resentName string, smtputf8 bool, valid func(header.Field) bool, newValue func() (string, error)) error {
	if h.IsResent() {
		name = resentName
	}
	i := h.Index(name)
	if i >= 0 && valid(h.Field(i)) {
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

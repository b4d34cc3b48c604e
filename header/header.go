package header

import (
	"io"
	"iter"
	"strconv"

	"github.com/msakit/msakit/internal/ascii"
)

// Header is a message header (RFC 5322, Section 2.2) that keeps every field
// it has not been asked to change byte for byte: name case, white space,
// folding, order and line endings. The only edits are [Header.Prepend]
// (and [Header.PrependField]), replacing a field in place
// ([Header.Replace], [Header.ReplaceAt]) and deleting ([Header.Delete],
// [Header.DeleteAt]); there is no Set that would move a field, because
// moving fields breaks DKIM signatures (RFC 6376, Section 5.4.2).
//
// The zero Header is empty and has no separator line. A Header is not safe
// for concurrent use by several goroutines when one of them edits it.
type Header struct {
	fields  []Field
	sep     []byte // "\r\n" when the block ended with the empty line
	block   []byte // the bytes read, while no edit has been made
	changed bool
}

// Len returns the number of fields (RFC 5322, Section 2.2).
func (h *Header) Len() int { return len(h.fields) }

// Field returns the i-th field, counting from 0 at the top (trace fields
// are prepended, so index 0 is the newest; RFC 5322, Section 3.6.7). It panics when
// i is out of range, like a slice index: the caller controls i.
func (h *Header) Field(i int) Field { return h.fields[i] }

// All returns an iterator over the fields from top to bottom, with their
// index, in the order RFC 5322, Section 3.6 says must be kept. The header must not be edited during the iteration.
func (h *Header) All() iter.Seq2[int, Field] {
	return func(yield func(int, Field) bool) {
		for i, f := range h.fields {
			if !yield(i, f) {
				return
			}
		}
	}
}

// Index returns the index of the first (topmost) field named name, compared
// without regard to ASCII case (RFC 5322, Section 1.2.2), or -1.
func (h *Header) Index(name string) int {
	for i, f := range h.fields {
		if f.HasName(name) {
			return i
		}
	}
	return -1
}

// Get returns the unfolded value ([Field.Value], RFC 5322, Section 2.2.3)
// of the first field named name and whether there is one.
func (h *Header) Get(name string) (string, bool) {
	if i := h.Index(name); i >= 0 {
		return h.fields[i].Value(), true
	}
	return "", false
}

// Values returns the unfolded values (RFC 5322, Section 2.2.3) of every
// field named name, top to bottom, or nil.
func (h *Header) Values(name string) []string {
	var vs []string
	for _, f := range h.fields {
		if f.HasName(name) {
			vs = append(vs, f.Value())
		}
	}
	return vs
}

// Count returns how many fields are named name (RFC 5322, Section 3.6 limits
// several fields to one occurrence).
func (h *Header) Count(name string) int {
	n := 0
	for _, f := range h.fields {
		if f.HasName(name) {
			n++
		}
	}
	return n
}

// Has reports whether a field named name exists (RFC 5322, Section 3.6
// lists the required fields).
func (h *Header) Has(name string) bool { return h.Index(name) >= 0 }

// HasSeparator reports whether the header block read ended with the empty
// line that precedes the body (RFC 5322, Section 2.1). It is false for the
// zero Header and for a message that ended right after its header (no body
// at all); [Header.WriteTo] then writes no empty line either.
func (h *Header) HasSeparator() bool { return h.sep != nil }

// IsResent reports whether the header carries resent fields (RFC 5322,
// Section 3.6.6): any field whose name starts with "Resent-".
func (h *Header) IsResent() bool {
	for _, f := range h.fields {
		if f.nameLen > 7 && equalFold(f.raw[:7], "Resent-") {
			return true
		}
	}
	return false
}

// IsASCII reports whether every field is 7-bit. A header with 8-bit octets
// needs SMTPUTF8 (RFC 6532, Section 3; RFC 6531, Section 3.2).
func (h *Header) IsASCII() bool {
	for _, f := range h.fields {
		if !f.IsASCII() {
			return false
		}
	}
	return true
}

// IsASCII reports whether the field holds only octets below 128; other
// fields need SMTPUTF8 (RFC 6532, Section 3).
func (f Field) IsASCII() bool { return ascii.IsBytes(f.raw) }

// Changed reports whether any edit has been made since [Read]. RFC 6409,
// Section 4.2 ties some duties of an MSA to whether it changes a message.
func (h *Header) Changed() bool { return h.changed }

// size returns the number of octets WriteTo writes (RFC 1870 counts them).
func (h *Header) size() int {
	if !h.changed && h.block != nil {
		return len(h.block)
	}
	n := len(h.sep)
	for _, f := range h.fields {
		n += len(f.raw)
	}
	return n
}

// Bytes returns the header block (RFC 5322, Section 2.1) as WriteTo
// writes it. While no edit has
// been made it returns the bytes read, which must not be modified.
func (h *Header) Bytes() []byte {
	if !h.changed && h.block != nil {
		return h.block
	}
	b := make([]byte, 0, h.size())
	for _, f := range h.fields {
		b = append(b, f.raw...)
	}
	return append(b, h.sep...)
}

// WriteTo writes the header block (RFC 5322, Section 2.1) with a single
// Write call: every field in
// order, each exactly as read or as built, then the separator line when the
// input had one ([Header.HasSeparator]). With no edit the output equals the
// input of [Read] byte for byte. It implements [io.WriterTo].
func (h *Header) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(h.Bytes())
	return int64(n), err
}

// Prepend adds a new field named name at the top of the header, the
// DKIM-friendly place (RFC 5322, Section 3.6; RFC 5321, Section 4.4 for
// trace fields). The value must be US-ASCII; see [NewField] for the checks
// and the folding, and for UTF-8 values build the field with NewField and
// use [Header.PrependField]. An invalid name or value is an error and leaves
// the header unchanged.
func (h *Header) Prepend(name, value string) error {
	f, err := NewField(name, value, false)
	if err != nil {
		return err
	}
	return h.PrependField(f)
}

// PrependField adds f at the top of the header, where RFC 5321,
// Section 4.4 puts trace fields and RFC 6376, Section 5.4.2 keeps existing
// signatures valid. f must come from [NewField]
// or from a header read by [Read]; the zero Field is refused with
// [ErrSyntax].
func (h *Header) PrependField(f Field) error {
	if f.isZero() {
		return errAt(ErrSyntax, 0, "zero field")
	}
	h.fields = append(h.fields, Field{})
	copy(h.fields[1:], h.fields)
	h.fields[0] = f
	h.touch()
	return nil
}

// Replace replaces the first (topmost) field named name with a new field
// of the same name (as spelled by the caller) and the given US-ASCII value,
// in place: every other field keeps its position and bytes (RFC 6409,
// Section 8 allows an MSA to correct fields). It fails with [ErrNotFound]
// when no field has that name, and like [NewField] on a bad value.
func (h *Header) Replace(name, value string) error {
	i := h.Index(name)
	if i < 0 {
		return &SyntaxError{Kind: ErrNotFound, Msg: "no " + strconv.Quote(name) + " field to replace"}
	}
	f, err := NewField(name, value, false)
	if err != nil {
		return err
	}
	return h.ReplaceAt(i, f)
}

// ReplaceAt replaces the i-th field with f, in place (RFC 6409, Section 8
// corrections). It fails with
// [ErrNotFound] when i is out of range and with [ErrSyntax] for the zero
// Field.
func (h *Header) ReplaceAt(i int, f Field) error {
	if i < 0 || i >= len(h.fields) {
		return &SyntaxError{Kind: ErrNotFound, Msg: "field index " + strconv.Itoa(i) + " out of range"}
	}
	if f.isZero() {
		return errAt(ErrSyntax, 0, "zero field")
	}
	h.fields[i] = f
	h.touch()
	return nil
}

// Delete removes every field named name and returns how many it removed
// (RFC 5322, Section 3.6.3 allows removing Bcc, for example).
func (h *Header) Delete(name string) int {
	// Fields before the first match stay where they are: most calls
	// (remove-bcc on every message) find none and write nothing.
	first := h.Index(name)
	if first < 0 {
		return 0
	}
	n := 0
	kept := h.fields[:first]
	for _, f := range h.fields[first:] {
		if f.HasName(name) {
			n++
			continue
		}
		kept = append(kept, f)
	}
	clear(h.fields[len(kept):])
	h.fields = kept
	h.touch()
	return n
}

// DeleteAt removes the i-th field (RFC 5322, Section 2.2). It fails with [ErrNotFound] when i is out
// of range.
func (h *Header) DeleteAt(i int) error {
	if i < 0 || i >= len(h.fields) {
		return &SyntaxError{Kind: ErrNotFound, Msg: "field index " + strconv.Itoa(i) + " out of range"}
	}
	h.fields = append(h.fields[:i], h.fields[i+1:]...)
	h.fields[len(h.fields):cap(h.fields)][0] = Field{}
	h.touch()
	return nil
}

func (h *Header) touch() {
	h.changed = true
}

package header

import (
	"strings"
	"unsafe"

	"github.com/msakit/msakit/internal/ascii"
)

// Field is one header field (RFC 5322, Section 2.2): either exactly as
// [Read] found it, or a new one built by [NewField]. A Field is an immutable value; the bytes Raw
// returns must not be modified. The zero Field is not a valid field and is
// refused by every edit.
//
// A Field is 32 octets, so that the compiler keeps a copy of it in
// registers: the loops over a header's fields, run by several policies on
// every message, copy each field they look at (issue 15). nameLen and
// colon are int32 for that: both lie on the field's first line, which a
// header line bounds (RFC 5322, Section 2.1.1).
type Field struct {
	raw     []byte // the whole field, folding and final line ending included
	nameLen int32  // len of the field name (RFC 5322 field-name)
	colon   int32  // index of the ':' (> nameLen when obsolete WSP precedes it)
}

// Name returns the field name as written, letter case preserved
// (RFC 5322, Section 2.2). Compare names with [strings.EqualFold].
func (f Field) Name() string { return string(f.raw[:f.nameLen]) }

// Value returns the field body unfolded (RFC 5322, Section 2.2.3: every
// CRLF that is followed by WSP removed) with leading and trailing white
// space trimmed. It neither decodes RFC 2047 encoded-words nor removes
// comments: that is the job of the value parsers ([ParseAddressList],
// [ParseDate], [ParseMessageID]). A value on one line is not copied: the
// string shares the field's bytes, which nothing writes (see [Field.Raw]),
// and keeps them in memory as long as it is kept.
func (f Field) Value() string {
	if f.raw == nil {
		return ""
	}
	return unfold(f.raw[f.colon+1:])
}

// Raw returns the exact bytes of the field (RFC 5322, Section 2.2): name, colon, body, folding and
// the final CRLF (absent only for a last field that ended the input without
// a line ending). The slice shares memory with the Header and must not be
// modified.
func (f Field) Raw() []byte { return f.raw }

// obsoleteName reports whether white space stands between the field name
// and the colon, the obsolete form of RFC 5322, Section 4.5 (obs-optional
// and friends) that must be accepted but not generated.
func (f Field) obsoleteName() bool { return f.colon != f.nameLen }

// isZero reports whether f is the zero Field, which holds no field-name
// and so is no field at all (RFC 5322, Section 2.2).
func (f Field) isZero() bool { return f.raw == nil }

// HasName reports whether the field name is name, compared without regard
// to ASCII case (RFC 5322, Section 1.2.2) and without the obsolete white
// space before the colon (Section 4.5), without allocating. The zero Field
// has no name.
//
// The length test is inlined at the call site, so a caller that looks for
// several names in one pass over the header pays a call only for names of
// the right length.
func (f Field) HasName(name string) bool {
	return int(f.nameLen) == len(name) && f.sameName(name)
}

// sameName is HasName for a name of the field's length. The first letter
// (case folded by setting bit 0x20, which never separates two octets that
// match) rules out most names before the loop of equalFold.
func (f Field) sameName(name string) bool {
	return f.raw != nil && len(name) > 0 &&
		f.raw[0]|0x20 == name[0]|0x20 && equalFold(f.raw[:f.nameLen], name)
}

// equalFold is [ascii.EqualFold] for a byte slice, without converting it
// to a string.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(s) {
		if b[i] != s[i] && ascii.Lower(b[i]) != ascii.Lower(s[i]) {
			return false
		}
	}
	return true
}

// unfold removes the line ending, every CRLF of a fold, and the white space
// around the value. b is a field's raw bytes, which nothing writes once
// the field is made (Read's block, NewField's and Received.Field's own
// buffers; Raw and Bytes say they must not be modified): a value without
// a fold is returned as a string over them, without a copy. Several
// policies read From, To, Date and Message-ID on every message, and each
// copy was an allocation (issue 15).
func unfold(b []byte) string {
	// Trim the final line ending and surrounding WSP first.
	end := len(b)
	for end > 0 && (b[end-1] == '\n' || b[end-1] == '\r' || b[end-1] == ' ' || b[end-1] == '\t') {
		end--
	}
	start := 0
	for start < end && (b[start] == ' ' || b[start] == '\t' || b[start] == '\r' || b[start] == '\n') {
		start++
	}
	b = b[start:end]
	n := 0
	for _, c := range b {
		if c == '\r' || c == '\n' {
			n++
		}
	}
	if n == 0 {
		if len(b) == 0 {
			return ""
		}
		return unsafe.String(&b[0], len(b))
	}
	var sb strings.Builder
	sb.Grow(len(b) - n)
	for _, c := range b {
		if c != '\r' && c != '\n' {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// isFieldName reports whether s is a valid field name: one or more printable
// US-ASCII characters other than colon (RFC 5322, Section 3.6.8, ftext).
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if !isFtext(s[i]) {
			return false
		}
	}
	return true
}

func isFtext(c byte) bool { return ascii.IsVchar(c) && c != ':' }

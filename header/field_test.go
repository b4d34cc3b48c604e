package header

import (
	"bufio"
	"strings"
	"testing"
	"unsafe"
)

// TestFieldSize: a Field is at most 32 octets, the largest struct the
// compiler keeps in registers (issue 15: a 40-octet Field was copied
// through the stack, a store-forwarding stall, at every field of every
// loop over a header).
func TestFieldSize(t *testing.T) {
	if n := unsafe.Sizeof(Field{}); n > 32 {
		t.Errorf("a Field is %d octets, want at most 32", n)
	}
}

// TestValueShares: a value on one line is the field's own bytes, no copy
// (issue 15: the policies read From, To, Date and Message-ID on every
// message); a folded one is unfolded into a new string, and both read the
// same as before.
func TestValueShares(t *testing.T) {
	h, err := Read(bufio.NewReader(strings.NewReader("From: Alice <a@example.org>\r\nTo: b@example.org,\r\n c@example.org\r\nX-Empty:\r\n\r\n")), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		i      int
		want   string
		allocs float64
	}{{0, "Alice <a@example.org>", 0}, {1, "b@example.org, c@example.org", 1}, {2, "", 0}} {
		f := h.Field(tc.i)
		if v := f.Value(); v != tc.want {
			t.Errorf("field %d: Value = %q, want %q", tc.i, v, tc.want)
		}
		if n := testing.AllocsPerRun(10, func() { _ = f.Value() }); n != tc.allocs {
			t.Errorf("field %d: Value allocates %v times, want %v", tc.i, n, tc.allocs)
		}
	}
}

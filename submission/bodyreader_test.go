package submission

import (
	"errors"
	"strings"
	"testing"

	"github.com/msakit/msakit/header"
)

// checkAll feeds body to a fresh checker in chunks of size n and returns
// the first error, including the end-of-body check. A 7bit body is checked
// as under Config.DisableUndeclared8Bit; TestDataUndeclared8Bit covers the
// default.
func checkAll(mode bodyMode, body string, n int) error {
	b := &messageReader{mode: mode, watch8: mode == body7Bit, strict8: true}
	for len(body) > 0 {
		k := min(n, len(body))
		if err := b.check([]byte(body[:k])); err != nil {
			return err
		}
		body = body[k:]
	}
	if b.prevCR && mode != bodyBinary {
		return replyBareCR()
	}
	return nil
}

func TestBodyCheck(t *testing.T) {
	t.Parallel()
	line998 := strings.Repeat("x", 998) + "\r\n" // exactly 1000 octets
	line999 := strings.Repeat("x", 999) + "\r\n"
	cases := []struct {
		name string
		mode bodyMode
		body string
		want error // nil: accepted
	}{
		{"empty", body7Bit, "", nil},
		{"lines", body7Bit, "hello\r\nworld\r\n", nil},
		{"no final CRLF", body7Bit, "hello\r\nworld", nil},
		{"empty lines", body7Bit, "\r\n\r\n\r\n", nil},
		{"1000 octets with CRLF", body7Bit, line998 + line998, nil},
		{"1001 octets", body7Bit, "a\r\n" + line999, header.ErrLineTooLong},
		{"long unterminated tail", body7Bit, strings.Repeat("y", 1000), header.ErrLineTooLong},
		{"bare LF", body7Bit, "hello\nworld\r\n", header.ErrBareLF},
		{"bare LF first", body7Bit, "\nworld\r\n", header.ErrBareLF},
		{"bare CR", body7Bit, "hello\rworld\r\n", header.ErrBareCR},
		{"bare CR at end", body7Bit, "hello\r\nworld\r", header.ErrBareCR},
		{"CR CR LF", body7Bit, "hello\r\r\n", header.ErrBareCR},
		{"LF CR", body7Bit, "hello\n\r", header.ErrBareLF},
		{"smuggling LF.LF", body7Bit, "a\r\n\n.\n\r\nMAIL FROM:<x@y>\r\n", header.ErrBareLF},
		{"smuggling CR.CR", body7Bit, "a\r\n\r.\r\r\nMAIL FROM:<x@y>\r\n", header.ErrBareCR},
		{"smuggling LF.CRLF", body7Bit, "a\n.\r\nMAIL FROM:<x@y>\r\n", header.ErrBareLF},
		{"LF-only long message reports bare LF", body7Bit, strings.Repeat("abc\n", 400), header.ErrBareLF},
		{"CR-only long message reports bare CR", body7Bit, strings.Repeat("abc\r", 400), header.ErrBareCR},
		{"long line with bare CR reports bare CR", body7Bit, strings.Repeat("ab\r", 400) + "\r\n", header.ErrBareCR},
		{"8-bit in 7bit", body7Bit, "caf\xc3\xa9\r\n", err8Bit},
		{"8-bit deep in 7bit", body7Bit, strings.Repeat("a", 100) + "\x80\r\n", err8Bit},
		{"8-bit in 8BITMIME", body8Bit, "caf\xc3\xa9\r\n", nil},
		{"8BITMIME keeps the line limit", body8Bit, line999, header.ErrLineTooLong},
		{"8BITMIME keeps bare LF check", body8Bit, "a\nb", header.ErrBareLF},
		{"NUL in 7bit", body7Bit, "hello\x00world\r\n", header.ErrNUL},
		{"NUL in 8BITMIME", body8Bit, "caf\xc3\xa9\r\n\x00\r\n", header.ErrNUL},
		{"smuggling CRLF NUL . CRLF", body7Bit, "a\r\n\x00.\r\nMAIL FROM:<x@y>\r\n", header.ErrNUL},
		{"NUL deep in a long body", body8Bit, strings.Repeat("0123456789\r\n", 500) + "\x00", header.ErrNUL},
		{"binary: no line rules", bodyBinary, "a\nb\rc" + strings.Repeat("\x00\xff", 1000), nil},
	}
	for _, tc := range cases {
		for _, n := range []int{1, 2, 3, 7, 64, 1000, 4096} {
			err := checkAll(tc.mode, tc.body, n)
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("%s (chunks of %d): %v, want accepted", tc.name, n, err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("%s (chunks of %d): %v, want %v", tc.name, n, err, tc.want)
			}
		}
	}
}

func TestHas8Bit(t *testing.T) {
	t.Parallel()
	for size := range 100 {
		clean := []byte(strings.Repeat("a", size))
		if has8Bit(clean) {
			t.Fatalf("has8Bit(%d ASCII octets) = true", size)
		}
		for i := range size {
			p := append([]byte(nil), clean...)
			p[i] = 0x80 | byte(i)
			if !has8Bit(p) {
				t.Fatalf("has8Bit misses octet %#x at %d of %d", p[i], i, size)
			}
		}
	}
}

package submission

import (
	"strings"
	"testing"
	"time"
)

func TestSanitize(t *testing.T) {
	long := strings.Repeat("a", maxLogStringLen+10)
	cases := []struct{ name, in, want string }{
		{"clean", "alice@example.org", "alice@example.org"},
		{"CRLF", "a\r\nb", `a\r\nb`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"UTF-8 kept", "jürgen@bücher.example", "jürgen@bücher.example"},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"C1 control", "a\u0085b", `a\u0085b`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"ANSI escape", "\x1b[31mred", `\x1b[31mred`},
		{"capped", long, strings.Repeat("a", maxLogStringLen) + "..."},
	}
	for _, tc := range cases {
		if got := sanitize(tc.in); got != tc.want {
			t.Errorf("%s: sanitize(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { sanitize("alice@example.org") }); n != 0 {
		t.Errorf("sanitize of a clean string allocates %v times", n)
	}
}

func TestTokenBucket(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	b := newTokenBucket(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, d := b.take(); !ok || d != 0 {
			t.Fatalf("take %d = %v, %d; want burst to pass", i, ok, d)
		}
	}
	for range 5 {
		if ok, _ := b.take(); ok {
			t.Fatal("take beyond burst passed")
		}
	}
	now = now.Add(500 * time.Millisecond) // one token at 2/s
	if ok, d := b.take(); !ok || d != 5 {
		t.Fatalf("take after refill = %v, dropped %d; want true, 5", ok, d)
	}
	if ok, _ := b.take(); ok {
		t.Fatal("second take after one refill passed")
	}
	now = now.Add(-time.Hour) // a clock going back adds nothing
	if ok, _ := b.take(); ok {
		t.Fatal("clock going backwards refilled the bucket")
	}
	unlimited := newTokenBucket(-1, 0, func() time.Time { return now })
	for range 1000 {
		if ok, _ := unlimited.take(); !ok {
			t.Fatal("unlimited bucket refused")
		}
	}
}

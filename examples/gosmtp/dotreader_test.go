package gosmtp

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// dotUnstuff returns the message content of DATA octets as RFC 5321,
// Section 4.5.2 defines it, written independently of dotReader: split at
// CRLF, drop a leading '.', stop at the line ".". ended reports whether
// that line came; without it the content is all of s.
func dotUnstuff(s string) (content string, ended bool) {
	var b strings.Builder
	for line := range strings.SplitAfterSeq(s, "\r\n") {
		if line == ".\r\n" {
			return b.String(), true
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
	return b.String(), false
}

// readDot reads in with a dotReader, the client's octets arriving n at a
// time and the reader asked for m octets at a time. It returns the content,
// whether the end of data was read, and the octets left after it.
func readDot(in string, n, m int) (content string, ended bool, rest string, err error) {
	src := io.Reader(strings.NewReader(in))
	if n == 1 {
		src = iotest.OneByteReader(src)
	} else {
		src = iotest.HalfReader(src)
	}
	br := bufio.NewReaderSize(src, 16)
	d := &dotReader{r: br}
	var b strings.Builder
	buf := make([]byte, m)
	for {
		k, err := d.Read(buf)
		b.WriteString(string(buf[:k]))
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return b.String(), false, "", err
		}
	}
	left, _ := io.ReadAll(br)
	return b.String(), d.done(), string(left), nil
}

func TestDotReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, content, rest string
		ended                   bool
	}{
		{name: "empty message", in: ".\r\nNOOP\r\n", content: "", rest: "NOOP\r\n", ended: true},
		{name: "lines", in: "a\r\nb\r\n.\r\n", content: "a\r\nb\r\n", ended: true},
		{name: "dot-stuffed", in: "..a\r\n.b\r\n..\r\n.\r\n", content: ".a\r\nb\r\n.\r\n", ended: true},
		{name: "CRLF . CR text: the CR is content", in: "a\r\n.\rMAIL\r\n.\r\n", content: "a\r\n\rMAIL\r\n", ended: true},
		{name: "CRLF . CR CR LF", in: "a\r\n.\r\r\n.\r\n", content: "a\r\n\r\r\n", ended: true},
		{name: "LF . LF is content", in: "a\n.\nb\r\n.\r\n", content: "a\n.\nb\r\n", ended: true},
		{name: "CR . CR is content", in: "a\r.\rb\r\n.\r\n", content: "a\r.\rb\r\n", ended: true},
		{name: "CRLF . LF is content", in: "a\r\n.\nb\r\n.\r\n", content: "a\r\n\nb\r\n", ended: true},
		{name: "NUL . is content", in: "a\r\n\x00.\r\n.\r\n", content: "a\r\n\x00.\r\n", ended: true},
		{name: "CR CR LF . CRLF ends", in: "a\r\r\n.\r\nNOOP\r\n", content: "a\r\r\n", rest: "NOOP\r\n", ended: true},
		{name: "no end", in: "a\r\n.", content: "a\r\n", ended: false},
	}
	for _, tc := range tests {
		for _, n := range []int{1, 16} {
			for _, m := range []int{1, 3, 4096} {
				content, ended, rest, err := readDot(tc.in, n, m)
				if err != nil || content != tc.content || ended != tc.ended || (ended && rest != tc.rest) {
					t.Errorf("%s (in %d, out %d): %q ended %v rest %q err %v; want %q ended %v rest %q",
						tc.name, n, m, content, ended, rest, err, tc.content, tc.ended, tc.rest)
				}
			}
		}
	}
}

// FuzzDotReader: the dotReader agrees with dotUnstuff, an independent
// reading of RFC 5321, Section 4.5.2, on the content and on where the data
// ends, however the octets arrive.
func FuzzDotReader(f *testing.F) {
	for _, s := range append([]string{"a\r\n.\r\n", "..\r\n.\r\n", ".\r.\r\n", ""}, smugglingEnds...) {
		f.Add(s, uint8(1), uint8(7))
	}
	f.Fuzz(func(t *testing.T, in string, n, m uint8) {
		want, wantEnded := dotUnstuff(in)
		content, ended, _, err := readDot(in, int(n%2)*15+1, int(m%64)+1)
		if err != nil {
			t.Fatal(err)
		}
		// Without an end, the last octets may wait for the next read: a
		// CR after a line-opening dot may still turn out to end the data.
		if ended != wantEnded || (content != want && (ended || want != content+"\r")) {
			t.Errorf("dotReader(%q) = %q ended %v, RFC 5321 reading %q ended %v", in, content, ended, want, wantEnded)
		}
	})
}

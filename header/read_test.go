package header

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func readString(t *testing.T, s string, opts ReadOptions) (*Header, string, error) {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(s))
	h, err := Read(br, opts)
	rest, rerr := io.ReadAll(br)
	if rerr != nil {
		t.Fatalf("reading the rest: %v", rerr)
	}
	return h, string(rest), err
}

func TestReadRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string // whole message
		body    string // what must stay in the reader
		fields  []string
		sep     bool
		nFields int
	}{
		{
			name:    "simple",
			in:      "From: a@example.com\r\nTo: b@example.com\r\n\r\nbody\r\n",
			body:    "body\r\n",
			fields:  []string{"From", "To"},
			sep:     true,
			nFields: 2,
		},
		{
			name:   "folded and odd spacing kept",
			in:     "subject:   folded\r\n  twice\r\n\tand tab \r\nX-Empty:\r\nKeywords :obs\r\n\r\n",
			body:   "",
			fields: []string{"subject", "X-Empty", "Keywords"},
			sep:    true,
		},
		{
			name:   "no body separator, input ends after a field",
			in:     "From: a@example.com\r\nSubject: x\r\n",
			fields: []string{"From", "Subject"},
		},
		{
			name:   "last field without line ending",
			in:     "From: a@example.com\r\nSubject: x",
			fields: []string{"From", "Subject"},
		},
		{
			name: "empty input",
			in:   "",
		},
		{
			name: "only the separator",
			in:   "\r\nbody",
			body: "body",
			sep:  true,
		},
		{
			name:   "body keeps bare LF and dots for the body reader",
			in:     "A: 1\r\n\r\nx\n.\r\n\r\n",
			body:   "x\n.\r\n\r\n",
			fields: []string{"A"},
			sep:    true,
		},
		{
			name:   "8-bit UTF-8 kept",
			in:     "Subject: caf\xc3\xa9\r\n\r\n",
			fields: []string{"Subject"},
			sep:    true,
		},
		{
			name:   "whitespace-only continuation (obs-FWS) kept",
			in:     "Subject: a\r\n \r\n b\r\n\r\n",
			fields: []string{"Subject"},
			sep:    true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, rest, err := readString(t, tc.in, ReadOptions{})
			if err != nil {
				t.Fatalf("Read(%q) error: %v", tc.in, err)
			}
			if rest != tc.body {
				t.Errorf("body left = %q, want %q", rest, tc.body)
			}
			if h.Len() != len(tc.fields) {
				t.Fatalf("Len() = %d, want %d", h.Len(), len(tc.fields))
			}
			for i, name := range tc.fields {
				if got := h.Field(i).Name(); got != name {
					t.Errorf("Field(%d).Name() = %q, want %q", i, got, name)
				}
			}
			if h.HasSeparator() != tc.sep {
				t.Errorf("HasSeparator() = %v, want %v", h.HasSeparator(), tc.sep)
			}
			var out bytes.Buffer
			n, err := h.WriteTo(&out)
			if err != nil || int(n) != out.Len() {
				t.Fatalf("WriteTo = %d, %v", n, err)
			}
			if want := strings.TrimSuffix(tc.in, tc.body); out.String() != want {
				t.Errorf("WriteTo wrote %q, want %q", out.String(), want)
			}
			if h.size() != out.Len() {
				t.Errorf("Size() = %d, want %d", h.size(), out.Len())
			}
		})
	}
}

func TestReadValues(t *testing.T) {
	t.Parallel()
	in := "Subject:   folded\r\n  twice\r\n\tand tab \r\nX-Empty:\r\nkeywords :obs\r\nKEYWORDS: second\r\n\r\n"
	h, _, err := readString(t, in, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		value string
		ok    bool
		count int
	}{
		{"subject", "folded  twice\tand tab", true, 1},
		{"x-empty", "", true, 1},
		{"Keywords", "obs", true, 2},
		{"Missing", "", false, 0},
	}
	for _, tc := range tests {
		v, ok := h.Get(tc.name)
		if v != tc.value || ok != tc.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.name, v, ok, tc.value, tc.ok)
		}
		if n := h.Count(tc.name); n != tc.count {
			t.Errorf("Count(%q) = %d, want %d", tc.name, n, tc.count)
		}
		if h.Has(tc.name) != tc.ok {
			t.Errorf("Has(%q) = %v", tc.name, !tc.ok)
		}
	}
	if vs := h.Values("keywords"); len(vs) != 2 || vs[0] != "obs" || vs[1] != "second" {
		t.Errorf("Values(keywords) = %q", vs)
	}
	if !h.Field(2).obsoleteName() || h.Field(3).obsoleteName() {
		t.Errorf("obsoleteName wrong")
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	long := "X: " + strings.Repeat("a", 996) + "\r\n" // 999 octets
	tests := []struct {
		name string
		in   string
		opts ReadOptions
		want error
		line int
	}{
		{"bare LF ending", "From: a\nTo: b\r\n\r\n", ReadOptions{}, ErrBareLF, 1},
		{"bare LF separator", "From: a\r\n\nbody", ReadOptions{}, ErrBareLF, 2},
		{"bare CR inside", "From: a\rb\r\n\r\n", ReadOptions{}, ErrBareCR, 1},
		{"bare CR at end of input", "From: a\r", ReadOptions{}, ErrBareCR, 1},
		{"CR CR LF", "From: a\r\r\n\r\n", ReadOptions{}, ErrBareCR, 1},
		{"NUL", "From: a\x00b\r\n\r\n", ReadOptions{}, ErrNUL, 1},
		{"line too long", long, ReadOptions{}, ErrLineTooLong, 1},
		{"line too long, custom", "X: 12345\r\n", ReadOptions{MaxLineLen: 7}, ErrLineTooLong, 1},
		{"block too big", "A: 1\r\nB: 2\r\n\r\n", ReadOptions{MaxSize: 8}, ErrTooBig, 2},
		{"too many fields", "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", ReadOptions{MaxFields: 2}, ErrTooBig, 3},
		{"no colon", "From: a\r\nthis is the body\r\n", ReadOptions{}, ErrSyntax, 2},
		{"space in name", "X-Invalid Header: v\r\n\r\n", ReadOptions{}, ErrSyntax, 1},
		{"empty name", ": v\r\n\r\n", ReadOptions{}, ErrSyntax, 1},
		{"leading continuation", " x\r\nA: 1\r\n\r\n", ReadOptions{}, ErrSyntax, 1},
		{"mbox From line", "From a@b Mon Jan 1 00:00:00 2024\r\nA: 1\r\n\r\n", ReadOptions{}, ErrSyntax, 1},
		{"8-bit in name", "Sub\xc3\xa9: v\r\n\r\n", ReadOptions{}, ErrSyntax, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := readString(t, tc.in, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Read(%q) = %v, want %v", tc.in, err, tc.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line != tc.line {
				t.Errorf("Read(%q) = %#v, want line %d", tc.in, err, tc.line)
			}
		})
	}
}

func TestReadLineLimitExact(t *testing.T) {
	t.Parallel()
	ok := "X: " + strings.Repeat("a", 995) + "\r\n\r\n" // 998 octets
	if _, _, err := readString(t, ok, ReadOptions{}); err != nil {
		t.Errorf("998-octet line: %v", err)
	}
	// A small bufio buffer makes ReadSlice return ErrBufferFull mid-line.
	br := bufio.NewReaderSize(strings.NewReader(ok+"body"), 16)
	h, err := Read(br, ReadOptions{})
	if err != nil {
		t.Fatalf("small buffer: %v", err)
	}
	if got := string(h.Bytes()); got != ok {
		t.Errorf("small buffer: got %d octets, want %d", len(got), len(ok))
	}
	if rest, _ := io.ReadAll(br); string(rest) != "body" {
		t.Errorf("small buffer: body %q", rest)
	}
	if _, _, err := readString(t, strings.Repeat("a", 2000), ReadOptions{MaxSize: -1, MaxLineLen: -1}); !errors.Is(err, ErrSyntax) {
		t.Errorf("unbounded options, no colon: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestReadIOError(t *testing.T) {
	t.Parallel()
	_, err := Read(bufio.NewReader(io.MultiReader(strings.NewReader("A: 1\r\n"), errReader{})), ReadOptions{})
	if err == nil || errors.Is(err, ErrSyntax) {
		t.Fatalf("Read over a failing reader = %v, want the I/O error", err)
	}
}

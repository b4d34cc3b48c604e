package header

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const editIn = "Received: from x\r\n by y; Mon, 1 Jan 2024 00:00:00 +0000\r\n" +
	"From: Alice <alice@example.com>\r\n" +
	"Date: yesterday\r\n" +
	"subject: hi\r\n\tthere\r\n" +
	"X-Trace: 1\r\n" +
	"X-Trace: 2\r\n" +
	"\r\n"

func mustRead(t *testing.T, s string) *Header {
	t.Helper()
	h, err := Read(bufio.NewReader(strings.NewReader(s)), ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return h
}

func written(t *testing.T, h *Header) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := h.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestEdits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(h *Header) error
		want string
	}{
		{
			name: "prepend",
			edit: func(h *Header) error { return h.Prepend("Message-ID", "<1@example.com>") },
			want: "Message-ID: <1@example.com>\r\n" + editIn,
		},
		{
			name: "replace in place keeps others",
			edit: func(h *Header) error { return h.Replace("date", "Mon, 1 Jan 2024 00:00:00 +0000") },
			want: strings.Replace(editIn, "Date: yesterday\r\n", "date: Mon, 1 Jan 2024 00:00:00 +0000\r\n", 1),
		},
		{
			name: "replace first of two",
			edit: func(h *Header) error { return h.Replace("X-Trace", "9") },
			want: strings.Replace(editIn, "X-Trace: 1\r\n", "X-Trace: 9\r\n", 1),
		},
		{
			name: "delete all of a name",
			edit: func(h *Header) error {
				if n := h.Delete("x-trace"); n != 2 {
					return errors.New("wrong count")
				}
				return nil
			},
			want: strings.Replace(editIn, "X-Trace: 1\r\nX-Trace: 2\r\n", "", 1),
		},
		{
			name: "delete at",
			edit: func(h *Header) error { return h.DeleteAt(0) },
			want: strings.TrimPrefix(editIn, "Received: from x\r\n by y; Mon, 1 Jan 2024 00:00:00 +0000\r\n"),
		},
		{
			name: "replace at with utf8 field",
			edit: func(h *Header) error {
				f, err := NewField("Subject", "caf\u00e9", true)
				if err != nil {
					return err
				}
				return h.ReplaceAt(3, f)
			},
			want: strings.Replace(editIn, "subject: hi\r\n\tthere\r\n", "Subject: caf\u00e9\r\n", 1),
		},
		{
			name: "prepend a field read from another header",
			edit: func(h *Header) error { return h.PrependField(h.Field(3)) },
			want: "subject: hi\r\n\tthere\r\n" + editIn,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := mustRead(t, editIn)
			if err := tc.edit(h); err != nil {
				t.Fatalf("edit: %v", err)
			}
			if !h.Changed() {
				t.Error("Changed() = false after an edit")
			}
			if got := written(t, h); got != tc.want {
				t.Errorf("after edit:\n got %q\nwant %q", got, tc.want)
			}
			if h.size() != len(tc.want) {
				t.Errorf("Size() = %d, want %d", h.size(), len(tc.want))
			}
		})
	}
}

func TestEditErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(h *Header) error
		want error
	}{
		{"replace missing", func(h *Header) error { return h.Replace("Sender", "a@b.example") }, ErrNotFound},
		{"replace at out of range", func(h *Header) error { return h.ReplaceAt(99, Field{}) }, ErrNotFound},
		{"replace at zero field", func(h *Header) error { return h.ReplaceAt(0, Field{}) }, ErrSyntax},
		{"delete at out of range", func(h *Header) error { return h.DeleteAt(-1) }, ErrNotFound},
		{"prepend zero field", func(h *Header) error { return h.PrependField(Field{}) }, ErrSyntax},
		{"prepend bad name", func(h *Header) error { return h.Prepend("Bad Name", "v") }, ErrSyntax},
		{"prepend 8-bit without utf8", func(h *Header) error { return h.Prepend("Subject", "caf\u00e9") }, ErrNotASCII},
		{"prepend LF", func(h *Header) error { return h.Prepend("Subject", "a\nb") }, ErrBareLF},
		{"replace with CR", func(h *Header) error { return h.Replace("Date", "a\rb") }, ErrBareCR},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := mustRead(t, editIn)
			if err := tc.edit(h); !errors.Is(err, tc.want) {
				t.Fatalf("edit = %v, want %v", err, tc.want)
			}
			if h.Changed() || written(t, h) != editIn {
				t.Errorf("a failed edit changed the header")
			}
		})
	}
}

func TestNewField(t *testing.T) {
	t.Parallel()
	words := strings.Repeat("word ", 40)
	tests := []struct {
		name, fname, value string
		utf8               bool
		want               string
	}{
		{"short", "Subject", "hello", false, "Subject: hello\r\n"},
		{"trimmed", "Subject", " \thello \t", false, "Subject: hello\r\n"},
		{"empty", "X-Empty", "", false, "X-Empty:\r\n"},
		{"utf8", "Subject", "\u00e9t\u00e9", true, "Subject: \u00e9t\u00e9\r\n"},
		{
			"folded at 78",
			"Subject", strings.TrimSpace(words), false,
			"Subject: word word word word word word word word word word word word word word\r\n" +
				" word word word word word word word word word word word word word word word\r\n" +
				" word word word word word word word word word word word\r\n",
		},
		{
			"unbreakable long token kept on one line",
			"X-Long", strings.Repeat("x", 100) + " y", false,
			"X-Long: " + strings.Repeat("x", 100) + "\r\n y\r\n",
		},
		{
			"already folded value kept",
			"Received", "from a\r\n\tby b", false,
			"Received: from a\r\n\tby b\r\n",
		},
		{
			"break before a run of spaces",
			"X", strings.Repeat("a", 70) + "     " + strings.Repeat("b", 10), false,
			"X: " + strings.Repeat("a", 70) + "\r\n     " + strings.Repeat("b", 10) + "\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := NewField(tc.fname, tc.value, tc.utf8)
			if err != nil {
				t.Fatalf("NewField(%q, %q) error %v", tc.fname, tc.value, err)
			}
			if got := string(f.Raw()); got != tc.want {
				t.Errorf("NewField(%q, %q) =\n%q\nwant\n%q", tc.fname, tc.value, got, tc.want)
			}
			// The new field reads back with the same name and unfolded value.
			h := mustRead(t, got(f)+"\r\n")
			if h.Len() != 1 || h.Field(0).Name() != tc.fname {
				t.Fatalf("reread: %d fields", h.Len())
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(f.Raw()), "\r\n"), "\r\n") {
				if len(line) > MaxLineLen || strings.TrimSpace(line) == "" && line != "" {
					t.Errorf("bad line %q", line)
				}
			}
		})
	}
}

func got(f Field) string { return string(f.Raw()) }

func TestNewFieldErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fname, value string
		utf8               bool
		want               error
	}{
		{"empty name", "", "v", false, ErrSyntax},
		{"colon in name", "A:B", "v", false, ErrSyntax},
		{"space in name", "A B", "v", false, ErrSyntax},
		{"NUL", "X", "a\x00b", false, ErrNUL},
		{"bare LF", "X", "a\nb", false, ErrBareLF},
		{"bare CR", "X", "a\rb", false, ErrBareCR},
		{"CRLF not a fold", "X", "a\r\nb", false, ErrSyntax},
		{"fold to blank line", "X", "a\r\n \r\n b", false, ErrSyntax},
		{"control char", "X", "a\x07b", false, ErrSyntax},
		{"8-bit", "X", "\u00e9", false, ErrNotASCII},
		{"invalid utf8", "X", "\xff", true, ErrSyntax},
		{"C1 control", "X", "\u0085", true, ErrSyntax},
		{"too long to fold", "X", strings.Repeat("x", 1000), false, ErrLineTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewField(tc.fname, tc.value, tc.utf8); !errors.Is(err, tc.want) {
				t.Errorf("NewField(%q, %q) = %v, want %v", tc.fname, tc.value, err, tc.want)
			}
		})
	}
}

// TestNewFieldLinear: folding a 1 MB value is linear (each octet copied
// once), not a memmove per fold.
func TestNewFieldLinear(t *testing.T) {
	value := strings.Repeat("word ", 1<<18)
	start := time.Now()
	f, err := NewField("X-Big", value, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("NewField of %d octets took %v", len(value), d)
	}
	lines := strings.Split(strings.TrimSuffix(string(f.Raw()), "\r\n"), "\r\n")
	for _, l := range lines {
		if len(l) > foldWidth {
			t.Fatalf("line of %d octets", len(l))
		}
	}
	if got := f.Value(); got != strings.TrimSpace(value) {
		t.Errorf("unfolded value differs")
	}
}

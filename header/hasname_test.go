package header

import (
	"bufio"
	"strings"
	"testing"
)

// TestFieldHasName checks HasName against the name as written, obsolete
// white space before the colon included (RFC 5322, Section 4.5).
func TestFieldHasName(t *testing.T) {
	h, err := Read(bufio.NewReader(strings.NewReader("From: a@example.org\r\nMESSAGE-ID \t: <1@x>\r\nX-A:\r\n\r\n")), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		field Field
		query string
		want  bool
	}{
		{"same case", h.Field(0), "From", true},
		{"other case", h.Field(0), "fROM", true},
		{"prefix", h.Field(0), "Fro", false},
		{"longer", h.Field(0), "From-", false},
		{"obsolete white space", h.Field(1), "Message-ID", true},
		{"empty value", h.Field(2), "x-a", true},
		{"empty query", h.Field(2), "", false},
		{"zero field", Field{}, "", false},
		{"zero field named", Field{}, "From", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.field.HasName(tc.query); got != tc.want {
				t.Errorf("HasName(%q) = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
}

// TestFieldIsASCIIPositions puts one 8-bit octet at every position of
// fields of several lengths, so that both the eight-octet loop and the
// tail of IsASCII see it.
func TestFieldIsASCIIPositions(t *testing.T) {
	for n := 1; n <= 40; n++ {
		raw := []byte(strings.Repeat("a", n))
		if !(Field{raw: raw, nameLen: 1}).IsASCII() {
			t.Fatalf("IsASCII of %d ASCII octets = false", n)
		}
		for i := range n {
			b := []byte(strings.Repeat("a", n))
			b[i] = 0x80
			if (Field{raw: b, nameLen: 1}).IsASCII() {
				t.Errorf("IsASCII with 0x80 at %d of %d = true", i, n)
			}
			b[i] = 0xff
			if (Field{raw: b, nameLen: 1}).IsASCII() {
				t.Errorf("IsASCII with 0xff at %d of %d = true", i, n)
			}
		}
	}
}

// TestFieldNameLen checks the name length HasName tests first against
// len(Name()).
func TestFieldNameLen(t *testing.T) {
	h, err := Read(bufio.NewReader(strings.NewReader("From: a@example.org\r\nMESSAGE-ID \t: <1@x>\r\nX:\r\n\r\n")), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nf, err := NewField("Received", "from x", false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		field Field
		want  int
	}{
		{"read", h.Field(0), 4},
		{"obsolete white space", h.Field(1), 10},
		{"one letter", h.Field(2), 1},
		{"new field", nf, 8},
		{"zero field", Field{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := int(tc.field.nameLen); got != tc.want || !tc.field.isZero() && (got != len(tc.field.Name()) || !tc.field.HasName(strings.ToLower(tc.field.Name()))) {
				t.Errorf("nameLen = %d, want %d", got, tc.want)
			}
		})
	}
}

package envelope

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		reverse bool // parse as reverse-path, else forward-path
		want    string
		null    bool
		pm      bool
	}{
		{"null", "<>", true, "<>", true, false},
		{"null stripped", "", true, "<>", true, false},
		{"mailbox", "<alice@example.org>", true, "<alice@example.org>", false, false},
		{"no brackets", "alice@example.org", true, "<alice@example.org>", false, false},
		{"forward", "<bob@Example.ORG>", false, "<bob@example.org>", false, false},
		{"postmaster", "<Postmaster>", false, "<Postmaster>", false, true},
		{"postmaster lower", "<postmaster>", false, "<Postmaster>", false, true},
		{"postmaster upper stripped", "POSTMASTER", false, "<Postmaster>", false, true},
		{"postmaster qualified", "<postmaster@example.org>", false, "<postmaster@example.org>", false, false},
		{"source route", "<@a.example,@b.example:user@d.example>", false, "<user@d.example>", false, false},
		{"source route one", "<@a.example:user@d.example>", true, "<user@d.example>", false, false},
		{"source route unbracketed", "@a.example:user@d.example", false, "<user@d.example>", false, false},
		{"quoted", `<"carol smith"@example.net>`, false, `<"carol smith"@example.net>`, false, false},
		{"utf8", "<用户@例子.广告>", false, "<用户@例子.广告>", false, false},
		{"idn", "<jeff@臺網中心.tw>", false, "<jeff@xn--fiqq24b10vi0d.tw>", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			parse := ParseForwardPath
			if tc.reverse {
				parse = ParseReversePath
			}
			p, err := parse(tc.in)
			if err != nil {
				t.Fatalf("parse(%q) error %v", tc.in, err)
			}
			if p.String() != tc.want || p.IsNull() != tc.null || p.IsPostmaster() != tc.pm {
				t.Errorf("parse(%q) = %q null %v postmaster %v, want %q %v %v", tc.in, p.String(), p.IsNull(), p.IsPostmaster(), tc.want, tc.null, tc.pm)
			}
			if p.IsZero() {
				t.Errorf("parse(%q) IsZero", tc.in)
			}
			if p2, err := parse(p.String()); err != nil || p2 != p {
				t.Errorf("parse(%q) = %#v, %v; want %#v", p.String(), p2, err, p)
			}
		})
	}
}

func TestParsePathInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		reverse bool
		wantErr error
		offset  int
	}{
		{"null forward", "<>", false, ErrSyntax, 1},
		{"empty forward", "", false, ErrSyntax, 0},
		{"postmaster reverse", "<Postmaster>", true, ErrSyntax, 11},
		{"missing close", "<alice@example.org", true, ErrSyntax, 18},
		{"missing open", "alice@example.org>", true, ErrSyntax, 17},
		{"only open", "<", true, ErrSyntax, 1},
		{"space inside", "< alice@example.org>", true, ErrSyntax, 1},
		{"params", "<alice@example.org> SIZE=10", true, ErrSyntax, 27},
		{"postmaster route", "<@a.example:Postmaster>", false, ErrSyntax, 22},
		{"bad route domain", "<@a..example:user@d.example>", false, ErrSyntax, 4},
		{"route literal", "<@[1.2.3.4]:user@d.example>", false, ErrSyntax, 2},
		{"route no colon", "<@a.example,user@d.example>", false, ErrSyntax, 12},
		{"route no at", "<@a.example,b.example:user@d.example>", false, ErrSyntax, 12},
		{"route empty", "<@:user@d.example>", false, ErrSyntax, 2},
		{"mailbox offset", "<alice@exa mple.org>", false, ErrSyntax, 10},
		{"too long", "<" + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + ".ee>", false, ErrTooLong, 255},
		{"too long route", "<@" + strings.Repeat("r", 60) + ".example:" + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 60) + ">", false, ErrTooLong, 255},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			parse := ParseForwardPath
			if tc.reverse {
				parse = ParseReversePath
			}
			p, err := parse(tc.in)
			if err == nil {
				t.Fatalf("parse(%q) = %#v, want error %v", tc.in, p, tc.wantErr)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("parse(%q) error %v, want kind %v", tc.in, err, tc.wantErr)
			}
			var pe *ParseError
			if errors.As(err, &pe) && pe.Offset != tc.offset {
				t.Errorf("parse(%q) offset %d, want %d (%v)", tc.in, pe.Offset, tc.offset, err)
			}
			if !p.IsZero() {
				t.Errorf("parse(%q) returned %#v with an error", tc.in, p)
			}
		})
	}
}

func TestPathFormat(t *testing.T) {
	t.Parallel()
	p, err := ParseForwardPath("<user@bücher.example>")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Format(false), "<user@xn--bcher-kva.example>"; got != want {
		t.Errorf("Format(false) = %q, want %q", got, want)
	}
	if got, want := p.Format(true), "<user@bücher.example>"; got != want {
		t.Errorf("Format(true) = %q, want %q", got, want)
	}
	if got, want := p.LogValue().String(), "<user@bücher.example>/<user@xn--bcher-kva.example>"; got != want {
		t.Errorf("LogValue() = %q, want %q", got, want)
	}
	if !p.IsASCII() {
		t.Errorf("IsASCII() = false for %v", p)
	}
	var zero Path
	if !zero.IsZero() || zero.String() != "" || zero.IsNull() || zero.IsPostmaster() {
		t.Errorf("zero Path: IsZero %v String %q", zero.IsZero(), zero.String())
	}
	if (Path{kind: pathNull}).String() != "<>" || (Path{kind: pathPostmaster}).String() != "<Postmaster>" {
		t.Errorf("null/postmaster String wrong")
	}
}

// TestNewPath: NewPath is the path a parser gives for the same mailbox, and
// the only way to build a Path outside the parsers, so no Path can be both
// null and <Postmaster>, or carry a mailbox besides either.
func TestNewPath(t *testing.T) {
	t.Parallel()
	m := MustParseMailbox("alice@example.org")
	p := NewPath(m)
	parsed, err := ParseForwardPath("<alice@example.org>")
	if err != nil || p != parsed || p.Mailbox() != m || p.IsNull() || p.IsPostmaster() || p.IsZero() {
		t.Errorf("NewPath(%v) = %#v; ParseForwardPath = %#v, %v", m, p, parsed, err)
	}
	if got := p.String(); got != "<alice@example.org>" {
		t.Errorf("NewPath(%v).String() = %q", m, got)
	}
	if z := NewPath(Mailbox{}); !z.IsZero() || z != (Path{}) {
		t.Errorf("NewPath(zero) = %#v, want the zero Path", z)
	}
	null, _ := ParseReversePath("<>")
	pm, _ := ParseForwardPath("<Postmaster>")
	for _, q := range []Path{null, pm} {
		if !q.Mailbox().IsZero() || q.IsNull() == q.IsPostmaster() || q.IsZero() {
			t.Errorf("%v: Mailbox %#v IsNull %v IsPostmaster %v", q, q.Mailbox(), q.IsNull(), q.IsPostmaster())
		}
	}
}

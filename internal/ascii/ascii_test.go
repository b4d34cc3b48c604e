package ascii

import "testing"

func TestClasses(t *testing.T) {
	t.Parallel()
	// Each class is checked against its definition over all 256 octets.
	tests := []struct {
		name string
		f    func(byte) bool
		def  func(c int) bool
	}{
		{"IsAlpha", IsAlpha, func(c int) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }},
		{"IsDigit", IsDigit, func(c int) bool { return c >= '0' && c <= '9' }},
		{"IsHexDigit", IsHexDigit, func(c int) bool {
			return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		}},
		{"IsLetDig", IsLetDig, func(c int) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }},
		{"IsLDH", IsLDH, func(c int) bool {
			return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
		}},
		{"IsUpper", IsUpper, func(c int) bool { return c >= 'A' && c <= 'Z' }},
		{"IsAtext", IsAtext, func(c int) bool {
			// RFC 5322, Section 3.2.3: ALPHA / DIGIT / "!" / "#" / ... / "~"
			const specials = "!#$%&'*+-/=?^_`{|}~"
			for i := 0; i < len(specials); i++ {
				if int(specials[i]) == c {
					return true
				}
			}
			return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		}},
		{"IsQtextSMTP", IsQtextSMTP, func(c int) bool { return c == 32 || c == 33 || c >= 35 && c <= 91 || c >= 93 && c <= 126 }},
		{"IsQuotedPairSMTP", IsQuotedPairSMTP, func(c int) bool { return c >= 32 && c <= 126 }},
		{"IsDcontent", IsDcontent, func(c int) bool { return c >= 33 && c <= 90 || c >= 94 && c <= 126 }},
		{"IsVchar", IsVchar, func(c int) bool { return c >= 0x21 && c <= 0x7e }},
		{"IsCtl", IsCtl, func(c int) bool { return c <= 0x1f || c == 0x7f }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for c := 0; c < 256; c++ {
				if got, want := tc.f(byte(c)), tc.def(c); got != want {
					t.Errorf("%s(%#x) = %v, want %v", tc.name, c, got, want)
				}
			}
		})
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	if Lower('Q') != 'q' || Lower('q') != 'q' || Lower('@') != '@' || Lower(0xC4) != 0xC4 {
		t.Errorf("Lower wrong")
	}
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"Is ascii", Is("hello, world"), true},
		{"Is utf8", Is("héllo"), false},
		{"Is empty", Is(""), true},
		{"HasUpper yes", HasUpper("abC"), true},
		{"HasUpper no", HasUpper("abc-É"), false},
		{"HasPrefixFold", HasPrefixFold("XN--abc", "xn--"), true},
		{"HasPrefixFold short", HasPrefixFold("xn", "xn--"), false},
		{"HasPrefixFold differ", HasPrefixFold("xm--", "xn--"), false},
		{"EqualFold", EqualFold("PostMaster", "postmaster"), true},
		{"EqualFold length", EqualFold("postmasters", "postmaster"), false},
		{"EqualFold non-ascii", EqualFold("\u212a", "k"), false},
		{"EqualFold non-ascii exact", EqualFold("é", "é"), true},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestIndexNonASCII(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", -1},
		{"ascii", "alice@example.org", -1},
		{"DEL is ascii", "a\x7fb", -1},
		{"first", "é", 0},
		{"middle", "bücher", 1},
		{"high octet", "ab\x80", 2},
	}
	for _, tc := range tests {
		if got := IndexNonASCII(tc.in); got != tc.want {
			t.Errorf("%s: IndexNonASCII(%q) = %d, want %d", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestIsBytes checks the word-at-a-time test against IndexNonASCII for a
// high octet at every position of inputs of every length up to 80, so each
// of the 32-, 8- and 1-octet loops and each lane is exercised.
func TestIsBytes(t *testing.T) {
	t.Parallel()
	for n := 0; n <= 80; n++ {
		p := make([]byte, n)
		for i := range p {
			p[i] = 'a' + byte(i%26)
		}
		if !IsBytes(p) {
			t.Fatalf("IsBytes(%d ASCII octets) = false", n)
		}
		for i := 0; i < n; i++ {
			for _, hi := range []byte{0x80, 0xc3, 0xff} {
				p[i] = hi
				if IsBytes(p) {
					t.Fatalf("IsBytes with %#x at %d of %d = true", hi, i, n)
				}
				if want := IndexNonASCII(string(p)) < 0; IsBytes(p) != want {
					t.Fatalf("IsBytes disagrees with IndexNonASCII at %d of %d", i, n)
				}
			}
			p[i] = 'a'
		}
	}
}

// TestIsPrintableBytes checks the word-at-a-time test against the octet
// classes for every octet value at every position of inputs of every
// length up to 24, so each lane of the 8-octet loop and the tail are
// exercised.
func TestIsPrintableBytes(t *testing.T) {
	t.Parallel()
	for n := 0; n <= 24; n++ {
		p := make([]byte, n)
		for i := range p {
			p[i] = ' ' + byte(i*7%95)
		}
		if !IsPrintableBytes(p) {
			t.Fatalf("IsPrintableBytes(%q) = false", p)
		}
		for i := 0; i < n; i++ {
			for c := 0; c < 256; c++ {
				p[i] = byte(c)
				want := c == ' ' || IsVchar(byte(c))
				if got := IsPrintableBytes(p); got != want {
					t.Fatalf("IsPrintableBytes with %#x at %d of %d = %v, want %v", c, i, n, got, want)
				}
			}
			p[i] = 'a'
		}
	}
}

package header

import (
	"testing"
)

// fastPathCases are values the fast path of the address parsers must take
// (fast true) or leave to the general parser (fast false); either way the
// result must be the general parser's.
var fastPathCases = []struct {
	name string
	in   string
	fast bool
}{
	{"bare addr-spec", "alice@example.org", true},
	{"name-addr", "Alice Example <alice@example.org>", true},
	{"list", "Bob <bob@example.com>, carol@example.com,Dave <dave@example.com>", true},
	{"quoted name with comma", `"Eve, the Auditor" <eve@example.com>`, true},
	{"quoted and atom", `"Eve" Example <eve@example.com>`, true},
	{"adjacent quoted and atom", `"Eve"Example <eve@example.com>`, true},
	{"empty quoted name", `"" <eve@example.com>`, true},
	{"tabs and double spaces", "Alice \t Example\t<alice@example.org>  ,  bob@example.com ", true},
	{"no space before angle", "Alice<alice@example.org>", true},
	{"empty name", "<alice@example.org>", true},
	{"dotted local and domain", "first.last@mail.example.org", true},
	{"upper-case domain", "Alice <Alice@EXAMPLE.Org>", true},
	{"address literal", "alice@[192.0.2.1]", false},
	{"comment", "alice@example.org (Alice)", false},
	{"folded", "Alice\r\n <alice@example.org>", false},
	{"encoded-word", "=?utf-8?q?Al=C3=AFce?= <alice@example.org>", false},
	{"not quite an encoded-word", "=?x?= <alice@example.org>", true},
	{"group", "team: alice@example.org;", false},
	{"empty element", "alice@example.org,,bob@example.com", false},
	{"trailing comma", "alice@example.org,", false},
	{"leading comma", ",alice@example.org", false},
	{"empty", "", false},
	{"blank", "  ", false},
	{"dot in name", "Dr. Who <who@example.org>", false},
	{"space in addr-spec", "Alice < alice@example.org >", false},
	{"space around at", "alice @ example.org", false},
	{"quoted local part", `"alice smith"@example.org`, false},
	{"quoted-pair in name", `"a\"b" <alice@example.org>`, false},
	{"UTF-8 name", "Ålice <alice@example.org>", false},
	{"UTF-8 domain", "alice@bücher.example", false},
	{"double dot", "alice..x@example.org", false},
	{"trailing dot", "alice@example.org.", false},
	{"bad domain", "alice@-example.org", false},
	{"no domain", "alice@", false},
	{"unclosed angle", "Alice <alice@example.org", false},
	{"unclosed quote", `"Alice <alice@example.org>`, false},
	{"two addr-specs", "alice@example.org bob@example.com", false},
	{"NUL", "alice@example.org\x00", false},
}

// TestAddressFastPath checks that the fast path takes the common forms
// and agrees with the general parser on every case.
func TestAddressFastPath(t *testing.T) {
	for _, tc := range fastPathCases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := fastAddresses(tc.in)
			if ok != tc.fast {
				t.Fatalf("fastAddresses(%q) ok = %v, want %v", tc.in, ok, tc.fast)
			}
			checkFastPath(t, tc.in)
			if ok && len(got) == 0 {
				t.Errorf("fastAddresses(%q) took an empty list", tc.in)
			}
		})
	}
}

// checkFastPath fails when the fast path accepts in with another result
// than the general parser, and checks that ParseAddressList and the
// group-free parse behind ParseAddress still return the general parser's
// result.
func checkFastPath(t *testing.T, in string) {
	t.Helper()
	slow, slowErr := slowAddresses(in, true)
	if fast, ok := fastAddresses(in); ok {
		if slowErr != nil {
			t.Fatalf("fastAddresses(%q) = %+v, the general parser fails: %v", in, fast, slowErr)
		}
		if len(fast) != len(slow) {
			t.Fatalf("fastAddresses(%q) = %+v, general parser %+v", in, fast, slow)
		}
		for i := range fast {
			if fast[i] != slow[i] {
				t.Fatalf("fastAddresses(%q)[%d] = %+v, general parser %+v", in, i, fast[i], slow[i])
			}
		}
	}
	got, err := ParseAddressList(in)
	if (err == nil) != (slowErr == nil) || err != nil && err.Error() != slowErr.Error() {
		t.Fatalf("ParseAddressList(%q) error %v, general parser %v", in, err, slowErr)
	}
	if len(got) != len(slow) {
		t.Fatalf("ParseAddressList(%q) = %+v, general parser %+v", in, got, slow)
	}
	for i := range got {
		if got[i] != slow[i] {
			t.Fatalf("ParseAddressList(%q)[%d] = %+v, general parser %+v", in, i, got[i], slow[i])
		}
	}
	mb, err := parseAddresses(in, false)
	slowMB, slowMBErr := slowAddresses(in, false)
	if (err == nil) != (slowMBErr == nil) || err != nil && err.Error() != slowMBErr.Error() || len(mb) != len(slowMB) {
		t.Fatalf("parseAddresses(%q, false) = %+v, %v; general parser %+v, %v", in, mb, err, slowMB, slowMBErr)
	}
	for i := range mb {
		if mb[i] != slowMB[i] {
			t.Fatalf("parseAddresses(%q, false)[%d] = %+v, general parser %+v", in, i, mb[i], slowMB[i])
		}
	}
}

// FuzzAddressFastPath is the differential property of the fast path: when
// it accepts a value, its result is the general parser's.
func FuzzAddressFastPath(f *testing.F) {
	for _, tc := range fastPathCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 4096 {
			return
		}
		checkFastPath(t, in)
	})
}

// messageIDFastCases are values the fast path of parseMessageID must take
// (fast true) or leave to the general parser.
var messageIDFastCases = []struct {
	name string
	in   string
	fast bool
}{
	{"plain", "<20261123195800.ab12cd34@laptop.example.org>", true},
	{"white space around", " \t<a.b@c>\t ", true},
	{"atext specials", "<a!#$%&'*+-/=?^_`{|}~@x_y>", true},
	{"no brackets", "a@b", false},
	{"space inside", "< a@b>", false},
	{"comment", "<a@b> (x)", false},
	{"folded", "\r\n <a@b>", false},
	{"quoted left", `<"a b"@c>`, false},
	{"domain literal", "<a@[1.2.3.4]>", false},
	{"UTF-8", "<ä@b>", false},
	{"double dot", "<a..b@c>", false},
	{"trailing dot", "<a@c.>", false},
	{"text after", "<a@b> x", false},
	{"two ids", "<a@b> <c@d>", false},
	{"unclosed", "<a@b", false},
	{"empty", "", false},
}

// TestMessageIDFastPath checks that the fast path takes the usual msg-id
// and agrees with the general parser.
func TestMessageIDFastPath(t *testing.T) {
	for _, tc := range messageIDFastCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := fastMessageID(tc.in); ok != tc.fast {
				t.Fatalf("fastMessageID(%q) ok = %v, want %v", tc.in, ok, tc.fast)
			}
			checkMessageIDFastPath(t, tc.in)
		})
	}
}

// checkMessageIDFastPath fails when the fast path accepts in with another
// id than the general parser, or the general parser finds it obsolete, and
// checks that parseMessageID returns the general parser's result.
func checkMessageIDFastPath(t *testing.T, in string) {
	t.Helper()
	id, obs, err := parseMessageID(in)
	slowID, slowObs, slowErr := slowMessageID(in)
	if id != slowID || obs != slowObs || (err == nil) != (slowErr == nil) || err != nil && err.Error() != slowErr.Error() {
		t.Fatalf("parseMessageID(%q) = %q, %v, %v; general parser %q, %v, %v", in, id, obs, err, slowID, slowObs, slowErr)
	}
	if fast, ok := fastMessageID(in); ok && (slowErr != nil || fast != slowID || slowObs) {
		t.Fatalf("fastMessageID(%q) = %q; general parser %q, %v, %v", in, fast, slowID, slowObs, slowErr)
	}
}

// FuzzMessageIDFastPath is the differential property of fastMessageID:
// when it accepts a value, the general parser gives the same id, not
// obsolete.
func FuzzMessageIDFastPath(f *testing.F) {
	for _, tc := range messageIDFastCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 4096 {
			return
		}
		checkMessageIDFastPath(t, in)
	})
}

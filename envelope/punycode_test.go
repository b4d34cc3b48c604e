package envelope

import (
	"strings"
	"testing"
)

func TestDecodePunycode(t *testing.T) {
	t.Parallel()
	// RFC 3492, Section 7.1 samples, plus edge cases.
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"arabic", "egbpdaj6bu4bxfgehfvwxn", "\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064A\u061F", true},
		{"chinese", "ihqwcrb4cv8a8dqg056pqjye", "\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587", true},
		{"czech", "Proprostnemluvesky-uyb24dma41a", "Pro\u010Dprost\u011Bnemluv\u00ED\u010Desky", true},
		{"japanese", "3B-ww4c5e180e575a65lsy2b", "3\u5E74B\u7D44\u91D1\u516B\u5148\u751F", true},
		{"bücher", "bcher-kva", "bücher", true},
		{"basic only", "abc-", "abc", true},
		{"empty", "", "", true},
		{"non-ascii basic", "ä-x", "", false},
		{"bad digit", "a-b!", "", false},
		{"truncated", "bcher-kv", "", false},
		{"overflow", "zzzzzzzzzzzzzzzzzzzzz", "", false},
		{"too many runes", strings.Repeat("a", 70) + "-", "", false},
	}
	for _, tc := range tests {
		b, ok := decodePunycode(nil, tc.in)
		if ok != tc.ok || ok && string(b) != tc.want {
			t.Errorf("decodePunycode(%q) = %q, %v; want %q, %v", tc.in, b, ok, tc.want, tc.ok)
		}
	}
}

// TestToUnicodeMatchesIdna checks the Punycode decoder against
// profile.ToUnicode on every A-label of the IdnaTestV2 rows mapIDN
// accepts (ParseDomain refuses most of them afterwards as not canonical).
func TestToUnicodeMatchesIdna(t *testing.T) {
	t.Parallel()
	n := 0
	for _, row := range loadIdnaTestV2(t, "17.0.0", 6000) {
		d, perr := mapIDN(row.source)
		if perr != nil || !d.IsIDN() {
			continue
		}
		want, err := profile.ToUnicode(d.ASCII())
		if err != nil {
			t.Errorf("profile.ToUnicode(%q): %v", d.ASCII(), err)
			continue
		}
		if got, ok := toUnicode(d.ASCII()); !ok || got != want || d.Unicode() != want {
			t.Errorf("toUnicode(%q) = %q, %v; idna gives %q", d.ASCII(), got, ok, want)
		}
		n++
	}
	if n < 300 {
		t.Errorf("only %d IDNs checked", n)
	}
}

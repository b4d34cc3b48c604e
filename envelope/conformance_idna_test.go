package envelope

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/idna"

	"github.com/msakit/msakit/internal/testcorpus"
)

// unicode15_1 holds the code points whose UTS #46 mapping changed in
// Unicode 15.1.0, after the 15.0.0 tables of x/net/idna (Go < 1.27): U+1E9E
// LATIN CAPITAL LETTER SHARP S now maps to "ß" rather than "ss", and five CJK
// compatibility ideographs became mapped rather than disallowed.
var unicode15_1 = map[rune]bool{0x1E9E: true, 0x2F868: true, 0x2F874: true, 0x2F91F: true, 0x2F95F: true, 0x2F9BF: true}

// idnaRow is one test line of IdnaTestV2.txt with blank columns filled in as
// the file header says.
type idnaRow struct {
	line     int
	source   string
	toASCIIN string
	status   []string // toAsciiNStatus
}

// unescapeIDNA decodes the \uXXXX and \x{XXXX} escapes of IdnaTestV2.txt.
func unescapeIDNA(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		var hex string
		switch {
		case s[i+1] == 'u' && i+6 <= len(s):
			hex, i = s[i+2:i+6], i+5
		case s[i+1] == 'x' && i+2 < len(s) && s[i+2] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated \\x{ in %q", s)
			}
			hex, i = s[i+3:i+end], i+end
		default:
			b.WriteByte(s[i])
			continue
		}
		v, err := strconv.ParseUint(hex, 16, 32)
		if err != nil {
			return "", fmt.Errorf("bad escape %q: %v", hex, err)
		}
		b.WriteRune(rune(v))
	}
	return b.String(), nil
}

// parseStatus reads "[B1, V6]" into its codes; "" and "[]" are no codes.
func parseStatus(s string) []string {
	s = strings.Trim(s, "[]")
	if s == "" {
		return nil
	}
	var codes []string
	for c := range strings.SplitSeq(s, ",") {
		codes = append(codes, strings.TrimSpace(c))
	}
	return codes
}

func loadIdnaTestV2(t *testing.T, version string, minRows int) []idnaRow {
	t.Helper()
	data := testcorpus.Read(t, "idna-uts46", version+"/IdnaTestV2.txt")
	var rows []idnaRow
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, ";")
		if len(cols) != 7 {
			t.Fatalf("%s/IdnaTestV2.txt:%d: %d columns", version, n, len(cols))
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		field := func(i int) string {
			if cols[i] == `""` {
				return ""
			}
			v, err := unescapeIDNA(cols[i])
			if err != nil {
				t.Fatalf("%s/IdnaTestV2.txt:%d: %v", version, n, err)
			}
			return v
		}
		source := field(0)
		toUnicode := source
		if cols[1] != "" {
			toUnicode = field(1)
		}
		toASCIIN := toUnicode
		if cols[3] != "" {
			toASCIIN = field(3)
		}
		status := cols[2]
		if cols[4] != "" {
			status = cols[4]
		}
		rows = append(rows, idnaRow{line: n, source: source, toASCIIN: toASCIIN, status: parseStatus(status)})
	}
	if len(rows) < minRows {
		t.Fatalf("%s/IdnaTestV2.txt: only %d test lines", version, len(rows))
	}
	return rows
}

// assigned reports whether every code point of s is assigned in the Unicode
// version of the Go toolchain's unicode package (the version whose tables
// x/net/idna selects: 15.0.0 before Go 1.27).
func assigned(s string) bool {
	for _, r := range s {
		if r > 0x7f && !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S,
			unicode.Zs, unicode.Zl, unicode.Zp, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) {
			return false
		}
	}
	return true
}

// idnaAnswer is what our profile should answer for a row: an error, or
// the ASCII form. V2 (CheckHyphens: "--" in positions 3 and 4) is ignored
// as the file header allows for a profile with CheckHyphens off; every other
// code is an error, including V3 (ParseDomain refuses leading and trailing
// hyphens itself) and C1/C2 (x/net/idna checks joiners in this profile).
func (r idnaRow) answer() (wantErr bool, ascii string) {
	for _, c := range r.status {
		if c != "V2" {
			return true, ""
		}
	}
	return false, r.toASCIIN
}

// hasRLDH reports whether the name has a label with "--" in positions 3 and
// 4 that is not an A-label.
func hasRLDH(name string) bool {
	for label := range strings.SplitSeq(name, ".") {
		if len(label) >= 4 && label[2:4] == "--" && !strings.HasPrefix(label, "xn--") {
			return true
		}
	}
	return false
}

// mapDomain is ParseDomain without the refusal of names that are not in
// canonical form: the Domain that any spelling of a name stands for under
// the profile's mapping.
func mapDomain(s string) (Domain, error) {
	d, err := ParseDomain(s)
	if err == nil || !errors.Is(err, ErrIDNA) {
		return d, err
	}
	d, perr := mapIDN(s)
	if perr != nil {
		return Domain{}, perr
	}
	return d, nil
}

// TestIdnaTestV2 runs the mapping of ParseDomain over every row of the UTS
// #46 conformance file of Unicode 17.0.0 and compares with its toAsciiN
// column: a row with an error code must be refused; any other row must give
// exactly toAsciiN as Domain.ASCII(). See idnaRow.answer for the codes
// ignored. ParseDomain itself must give the same answer for a source
// already in canonical form and refuse every other with ErrIDNA (counted as
// "look-alike"), since look-alikes are refused, not normalized.
//
// Row classes with another expectation, each counted:
//   - changed: the answer for this source differs between IdnaTestV2 15.1.0
//     and 17.0.0 (UTS #46 revision 33 came with Unicode 16). x/net/idna
//     uses Unicode 15.0.0 tables and the older algorithm with Go < 1.27, so
//     either answer is accepted.
//   - u15.1: the source has a code point whose mapping changed in Unicode
//     15.1.0 (see unicode15_1), after x/net/idna's 15.0.0 tables; the row is
//     not checked.
//   - unassigned: a row new since 15.1.0 whose characters are unassigned in
//     the toolchain's Unicode 15.0.0; such characters are disallowed for
//     x/net/idna, so ParseDomain must refuse them.
//   - std3: the expected name has U+2260, U+226E or U+226F (≠ ≮ ≯), whose
//     decompositions contain "=", "<" or ">". Before revision 33, UTS #46
//     with UseSTD3ASCIIRules (StrictDomainName in x/net/idna) disallowed
//     them; ParseDomain must refuse them.
//   - root: the expected name ends with "." (a root label). RFC 5321's
//     Domain has no trailing dot: ParseDomain must refuse it.
//   - ip: the expected name is a dotted quad, which ParseDomain refuses as a
//     bare IP address (RFC 5321, Section 4.1.3).
//   - rldh: the expected name has an R-LDH label that is not an A-label
//     ("bc--de"), valid for UTS #46 with CheckHyphens off but refused by
//     ParseDomain (RFC 5890, Section 2.3.1).
//   - literal: the source begins with "[", which ParseDomain reads as an
//     address literal, not a name; the row is not about domain names.
func TestIdnaTestV2(t *testing.T) {
	t.Parallel()
	rows := loadIdnaTestV2(t, "17.0.0", 6000)
	old := map[string]idnaRow{}
	for _, r := range loadIdnaTestV2(t, "15.1.0", 6000) {
		old[r.source] = r
	}
	classes := map[string]int{}
	for _, row := range rows {
		if strings.HasPrefix(row.source, "[") {
			classes["literal"]++
			continue
		}
		if strings.ContainsFunc(row.source, func(r rune) bool { return unicode15_1[r] }) {
			classes["u15.1"]++
			continue
		}
		wantErr, want := row.answer()
		class := "agree"
		// On a row whose answer changed since 15.1.0, either answer is
		// right for x/net/idna with Unicode 15 tables.
		oErr, oWant := wantErr, want
		if o, ok := old[row.source]; ok {
			if oErr, oWant = o.answer(); oErr != wantErr || oWant != want {
				class = "changed"
			}
		} else if !wantErr && (!assigned(row.source) || !assigned(row.toASCIIN)) {
			class = "unassigned"
			wantErr = true
		}
		if !wantErr {
			if u, err := idna.Punycode.ToUnicode(want); err == nil && strings.ContainsAny(u, "\u2260\u226e\u226f") {
				class, wantErr = "std3", true
			}
		}
		if !wantErr {
			if _, isIP := parseIPv4(want); isIP {
				class, wantErr = "ip", true
			} else if strings.HasSuffix(want, ".") {
				class, wantErr = "root", true
			} else if hasRLDH(want) {
				class, wantErr = "rldh", true
			}
		}
		classes[class]++
		d, err := mapDomain(row.source)
		// ParseDomain gives the mapped name when the source was already in
		// canonical form, and refuses it as a look-alike otherwise.
		if pd, perr := ParseDomain(row.source); err == nil {
			_, isCanonical := canonical(row.source, d.ascii, d.unicode)
			switch {
			case isCanonical && (perr != nil || pd != d):
				t.Errorf("17.0.0/IdnaTestV2.txt:%d: ParseDomain(%+q) = %q, %v; want %q", row.line, row.source, pd.ASCII(), perr, d.ASCII())
			case !isCanonical && !errors.Is(perr, ErrIDNA):
				t.Errorf("17.0.0/IdnaTestV2.txt:%d: ParseDomain(%+q) = %q, %v; want ErrIDNA (not canonical)", row.line, row.source, pd.ASCII(), perr)
			case !isCanonical:
				classes["look-alike"]++
			}
		} else if perr == nil {
			t.Errorf("17.0.0/IdnaTestV2.txt:%d: ParseDomain(%+q) = %q, but the mapping fails: %v", row.line, row.source, pd.ASCII(), err)
		}
		if class == "changed" && (oErr && err != nil || !oErr && err == nil && d.ASCII() == oWant) {
			continue
		}
		switch {
		case wantErr && err == nil:
			t.Errorf("17.0.0/IdnaTestV2.txt:%d (%s): ParseDomain(%+q) = %q, want error", row.line, class, row.source, d.ASCII())
		case !wantErr && err != nil:
			t.Errorf("17.0.0/IdnaTestV2.txt:%d (%s): ParseDomain(%+q) error %v, want %q", row.line, class, row.source, err, want)
		case !wantErr && d.ASCII() != want:
			t.Errorf("17.0.0/IdnaTestV2.txt:%d (%s): ParseDomain(%+q) = %q, want %q", row.line, class, row.source, d.ASCII(), want)
		}
	}
	t.Logf("17.0.0/IdnaTestV2.txt: %d rows by class: %v", len(rows), classes)
	// The classes other than agree must stay a small part of the file.
	if n := classes["changed"] + classes["unassigned"] + classes["u15.1"] + classes["std3"]; n > len(rows)/10 {
		t.Errorf("%d of %d rows are not checked against 17.0.0: %v", n, len(rows), classes)
	}
}

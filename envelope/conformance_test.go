package envelope

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/msakit/msakit/internal/testcorpus"
)

// Reasons for the disagreements with isemail.
const (
	whyBareIP     = "refused: a dotted quad is an IP address, which RFC 5321, Section 4.1.3 requires in a bracketed address literal; ParseDomain refuses bare IP addresses"
	whyGeneral    = "accepted: matches General-address-literal (RFC 5321, Section 4.1.3) with an unregistered Standardized-tag; the tag registry is not checked"
	whyIPv6Comp   = "refused: in IPv6-comp, \"::\" represents at least 2 16-bit groups of zeros (RFC 5321, Section 4.1.3); isemail 3.05 moved these cases to DEPREC, the 3.04 suite still files them under RFC5321"
	whyFakeALabel = "refused: xn--example does not decode to a valid U-label, a \"Fake A-label\" (RFC 5890, Section 2.3.1)"
)

// isemailDisagreements lists, per file, every case where ParseMailbox's
// verdict differs from the category mapping of testdata/isemail/SOURCE.md,
// with the reason and the RFC section behind it.
var isemailDisagreements = map[string]map[int]string{
	"tests.xml": {
		24: whyBareIP,  // test@255.255.255.255, RFC5321_TLDNUMERIC
		66: whyGeneral, // test@[1111:2222:...:8888], RFC5322_DOMAINLITERAL (tag "1111")
	},
	"tests-original.xml": {
		38:  whyGeneral,    // first.last@[IPv5:::12.34.56.78], RFC5322_DOMAINLITERAL (tag "IPv5")
		39:  whyIPv6Comp,   // [IPv6:1111:2222:3333::4444:5555:12.34.56.78]
		45:  whyIPv6Comp,   // [IPv6:1111:2222:3333::4444:5555:6666:7777]
		97:  whyBareIP,     // test@123.123.123.123, RFC5321_TLDNUMERIC
		216: whyBareIP,     // foobar@192.168.0.1, RFC5321_TLDNUMERIC
		230: whyIPv6Comp,   // [IPv6:::a2:a3:a4:b1:b2:b3:b4]
		231: whyIPv6Comp,   // [IPv6:a1:a2:a3:a4:b1:b2:b3::]
		252: whyIPv6Comp,   // [IPv6:::a2:a3:a4:b1:ffff:11.22.33.44]
		254: whyIPv6Comp,   // [IPv6:a1:a2:a3:a4:b1::11.22.33.44]
		279: whyFakeALabel, // test@xn--example.com, DNSWARN
	},
}

// isemailUndelegated lists the top-level labels of the isemail suites'
// valid addresses that are not delegated top-level domains, so
// IsFullyQualified must report false for them: single letters, a hyphenated
// label, long made-up labels, and the retired IDN test TLD δοκιμή
// (xn--jxalpdlp), which IANA removed from the root zone in 2013.
var isemailUndelegated = map[string]bool{
	"a": true, "c": true, "v": true, "x2": true, "x123": true, "co-uk": true,
	"thisisminekthx": true, "xn--jxalpdlp": true,
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghi": true,
}

// controlPictures maps the Unicode control pictures U+2400..U+241F that
// tests.xml uses for C0 controls back to the controls.
func controlPictures(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x2400 && r <= 0x241f {
			return r - 0x2400
		}
		return r
	}, s)
}

// TestIsemail runs ParseMailbox over Dominic Sayers' isemail suites,
// tests.xml (3.05) and tests-original.xml (3.04). Categories VALID, DNSWARN
// and RFC5321 must parse; RFC5321_TLD, RFC5321_TLDNUMERIC, test@io and the
// names under isemailUndelegated top-level labels must parse to a domain
// that is not fully qualified (RFC 6409, Section 4.2);
// CFWS, DEPREC, RFC5322 and ERR must be refused. isemailDisagreements lists
// the exceptions.
func TestIsemail(t *testing.T) {
	t.Parallel()
	for _, tf := range []struct {
		file string
		n    int
	}{{"tests.xml", 164}, {"tests-original.xml", 279}} {
		t.Run(tf.file, func(t *testing.T) {
			t.Parallel()
			testIsemail(t, tf.file, tf.n, isemailDisagreements[tf.file])
		})
	}
}

func testIsemail(t *testing.T, file string, want int, disagree map[int]string) {
	var suite struct {
		Tests []struct {
			ID        int    `xml:"id,attr"`
			Address   string `xml:"address"`
			Category  string `xml:"category"`
			Diagnosis string `xml:"diagnosis"`
		} `xml:"test"`
	}
	if err := xml.Unmarshal(testcorpus.Read(t, "isemail", file), &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Tests) != want {
		t.Fatalf("%s: %d tests, want %d", file, len(suite.Tests), want)
	}
	seen := map[int]bool{}
	counts := map[string]int{}
	for _, tc := range suite.Tests {
		in := controlPictures(tc.Address)
		var accept, policy bool
		switch tc.Category {
		case "ISEMAIL_VALID_CATEGORY", "ISEMAIL_DNSWARN":
			accept = true
		case "ISEMAIL_RFC5321":
			accept = true
			policy = tc.Diagnosis == "ISEMAIL_RFC5321_TLD" || tc.Diagnosis == "ISEMAIL_RFC5321_TLDNUMERIC"
		case "ISEMAIL_CFWS", "ISEMAIL_DEPREC", "ISEMAIL_RFC5322", "ISEMAIL_ERR":
		default:
			t.Fatalf("test %d: unknown category %q", tc.ID, tc.Category)
		}
		if in == "test@io" {
			policy = true
		}
		if _, ok := disagree[tc.ID]; ok {
			seen[tc.ID] = true
			accept = !accept
			policy = false
			counts["disagree"]++
		} else if accept {
			counts["accept"]++
		} else {
			counts["reject"]++
		}
		m, err := ParseMailbox(in)
		if a := m.Domain.ASCII(); isemailUndelegated[a[strings.LastIndexByte(a, '.')+1:]] {
			policy = true
		}
		switch {
		case accept && err != nil:
			t.Errorf("%s %d (%s): ParseMailbox(%+q) error %v, want accept", file, tc.ID, tc.Diagnosis, in, err)
		case !accept && err == nil:
			t.Errorf("%s %d (%s): ParseMailbox(%+q) = %v, want error", file, tc.ID, tc.Diagnosis, in, m)
		case accept && m.Domain.IsFullyQualified() == policy:
			t.Errorf("%s %d (%s): ParseMailbox(%+q).Domain.IsFullyQualified() = %v, want %v", file, tc.ID, tc.Diagnosis, in, !policy, policy)
		case err != nil:
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(in) {
				t.Errorf("%s %d: ParseMailbox(%+q) error %#v, want a *ParseError with an offset in the input", file, tc.ID, in, err)
			}
		}
	}
	for id := range disagree {
		if !seen[id] {
			t.Errorf("isemailDisagreements lists test %d, which %s does not have", id, file)
		}
	}
	t.Logf("isemail %s: %v", file, counts)
}

// pevGroup is one group of python-email-validator's test vectors.
type pevGroup struct {
	Name  string            `json:"name"`
	Cases []json.RawMessage `json:"cases"`
}

// pevOutput is the normalized result the library gives for a valid address.
type pevOutput struct {
	Original     string `json:"original"`
	LocalPart    string `json:"local_part"`
	ASCIIDomain  string `json:"ascii_domain"`
	Domain       string `json:"domain"`
	Normalized   string `json:"normalized"`
	ASCIIEmail   string `json:"ascii_email"`
	SMTPUTF8     bool   `json:"smtputf8"`
	DisplayName  string `json:"display_name"`
	ASCIILocal   string `json:"ascii_local_part"`
	NormLocal    string `json:"normalized_local_part"`
	ExpectedErr  string `json:"expected_error"`
	EmailInput   string `json:"email_input"`
	UnsafeString string `json:"s"`
}

// pevInvalidAccepted lists the inputs of group test_email_invalid_syntax
// that ParseMailbox accepts, with the reason: each is the library's policy
// rather than RFC 5321 syntax.
var pevInvalidAccepted = map[string]string{
	"my@localhost":   "single-label domain: valid RFC 5321 syntax; Domain.IsFullyQualified reports false (RFC 6409, Section 4.2 policy)",
	"me@bad-tld-1":   "single-label domain: valid syntax, not fully qualified (RFC 6409, Section 4.2 policy)",
	"me@bad.tld-2":   "the top-level label \"tld-2\" is a valid Ldh-str (RFC 5321, Section 4.1.2); which TLDs exist is not syntax",
	"me@[127.0.0.1]": "IPv4 address literal, RFC 5321, Section 4.1.3 (the library refuses literals by default)",
	"me@[IPv6:::1]":  "IPv6 address literal, RFC 5321, Section 4.1.3 (the library refuses literals by default)",
	"me@[tag:text]":  "General-address-literal, RFC 5321, Section 4.1.3; the tag registry is not checked",
}

// TestPythonEmailValidator runs ParseMailbox over python-email-validator's
// syntax vectors. How each group is read:
//   - test_email_valid: accepted, with the library's normalized fields
//     (ASCII and Unicode domain, ASCII form, whether SMTPUTF8 is needed). A
//     display-name input is tested through its "original" address.
//   - test_email_valid_intl_local_part: accepted, IsASCII false. The library
//     NFC-normalizes
//     the local part; we refuse a local part that is not NFC as a look-alike
//     (RFC 6532, Section 3.1), with ErrSyntax, so an input whose local part
//     NFC changes must be refused and every other must be accepted as it
//     is.
//   - test_email_valid_only_if_quoted_local_part: accepted (quoted local
//     parts are RFC 5321 syntax), and our canonical local part is the
//     library's normalized one.
//   - test_email_invalid_syntax: refused, except pevInvalidAccepted.
//   - test_email_invalid_syntax_strict: refused (we enforce the 64-octet
//     limit of RFC 5321, Section 4.5.3.1.1).
//   - test_email_invalid_reserved_domain: accepted. Special-use names (RFC
//     6761) are valid syntax; refusing them is a policy of the library.
//   - test_email_unsafe_character: refused both as s+"@test" and
//     "test@"+s.
//   - test_email_invalid_character_smtputf8_off: accepted by ParseMailbox;
//     without SMTPUTF8 it can be sent only when IsASCII says so, as the
//     A-label form Format(false) writes, which parses back to it.
//   - test_pyisemail_tests: the same cases as TestIsemail with real control
//     characters; mapped by diagnosis as there. The library refuses quoted
//     local parts and literals by default; we accept them (RFC 5321,
//     Sections 4.1.2 and 4.1.3).
func TestPythonEmailValidator(t *testing.T) {
	t.Parallel()
	var file struct {
		Groups []pevGroup `json:"groups"`
	}
	testcorpus.JSON(t, "python-email-validator", "test_syntax_vectors.json", &file)
	if len(file.Groups) != 9 {
		t.Fatalf("test_syntax_vectors.json: %d groups, want 9", len(file.Groups))
	}
	seenAccepted := map[string]bool{}
	total, nonNFC := 0, 0
	for _, g := range file.Groups {
		for i, raw := range g.Cases {
			total++
			var c pevOutput
			var wrap struct {
				EmailInput string    `json:"email_input"`
				Output     pevOutput `json:"output"`
				NormLocal  string    `json:"normalized_local_part"`
				S          string    `json:"s"`
				Status     string    `json:"status"`
			}
			if err := json.Unmarshal(raw, &wrap); err != nil {
				t.Fatalf("%s[%d]: %v", g.Name, i, err)
			}
			c = wrap.Output
			in := wrap.EmailInput
			name := g.Name + "/" + in
			switch g.Name {
			case "test_email_valid", "test_email_valid_intl_local_part":
				if c.Original != "" {
					in = c.Original
				}
				m, err := ParseMailbox(in)
				if local := in[:strings.LastIndexByte(in, '@')]; !norm.NFC.IsNormalString(local) {
					nonNFC++
					if !errors.Is(err, ErrSyntax) {
						t.Errorf("%s: ParseMailbox(%q) = %v, %v; want ErrSyntax for a local part that is not NFC", name, in, m, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: ParseMailbox(%q) error %v", name, in, err)
					continue
				}
				wantLocal := c.LocalPart
				if strings.HasPrefix(wantLocal, `"`) {
					// The library keeps the quotes; compare canonical forms.
					if got := m.String()[:strings.LastIndexByte(m.String(), '@')]; got != wantLocal {
						t.Errorf("%s: quoted local part %q, want %q", name, got, wantLocal)
					}
				} else if m.LocalPart != wantLocal {
					t.Errorf("%s: local part %q, want %q", name, m.LocalPart, wantLocal)
				}
				if m.Domain.ASCII() != c.ASCIIDomain || m.Domain.Unicode() != c.Domain {
					t.Errorf("%s: domain %q / %q, want %q / %q", name, m.Domain.ASCII(), m.Domain.Unicode(), c.ASCIIDomain, c.Domain)
				}
				if m.IsASCII() == c.SMTPUTF8 {
					t.Errorf("%s: IsASCII() = %v, want %v", name, m.IsASCII(), !c.SMTPUTF8)
				}
				if c.ASCIIEmail != "" && m.Format(false) != c.ASCIIEmail {
					t.Errorf("%s: Format(false) = %q, want %q", name, m.Format(false), c.ASCIIEmail)
				}
				if got := norm.NFC.String(m.Format(true)); got != c.Normalized {
					t.Errorf("%s: Format(true) = %q, want %q", name, got, c.Normalized)
				}
				// The ASCII form of a mailbox that needs no SMTPUTF8 is
				// ASCII and parses back to it.
				if !c.SMTPUTF8 {
					if m2, err := ParseMailbox(m.Format(false)); err != nil || m2 != m || hasNonASCII(m.Format(false)) {
						t.Errorf("%s: ParseMailbox(%q) = %v, %v; want %v", name, m.Format(false), m2, err, m)
					}
				}
			case "test_email_valid_only_if_quoted_local_part":
				m, err := ParseMailbox(in)
				if err != nil {
					t.Errorf("%s: ParseMailbox error %v", name, err)
					continue
				}
				if got := m.String()[:strings.LastIndexByte(m.String(), '@')]; got != wrap.NormLocal {
					t.Errorf("%s: canonical local part %q, want %q", name, got, wrap.NormLocal)
				}
			case "test_email_invalid_syntax", "test_email_invalid_syntax_strict":
				m, err := ParseMailbox(in)
				if reason, ok := pevInvalidAccepted[in]; ok {
					seenAccepted[in] = true
					if err != nil {
						t.Errorf("%s: ParseMailbox error %v, want accept (%s)", name, err, reason)
					}
					continue
				}
				if err == nil {
					t.Errorf("%s: ParseMailbox = %v, want error", name, m)
				}
			case "test_email_invalid_reserved_domain":
				if _, err := ParseMailbox(in); err != nil {
					t.Errorf("%s: ParseMailbox error %v, want accept (special-use names are policy)", name, err)
				}
			case "test_email_unsafe_character":
				for _, addr := range []string{wrap.S + "@test", "test@" + wrap.S} {
					if m, err := ParseMailbox(addr); err == nil {
						t.Errorf("%s: ParseMailbox(%+q) = %v, want error", g.Name, addr, m)
					}
				}
			case "test_email_invalid_character_smtputf8_off":
				m, err := ParseMailbox(in)
				if err != nil {
					t.Errorf("%s: ParseMailbox error %v, want accept", name, err)
					continue
				}
				if a := m.Format(false); m.IsASCII() && hasNonASCII(a) {
					t.Errorf("%s: IsASCII, but Format(false) = %q", name, a)
				} else if m.IsASCII() {
					if m2, err := ParseMailbox(a); err != nil || m2 != m {
						t.Errorf("%s: ParseMailbox(%q) = %v, %v; want %v", name, a, m2, err, m)
					}
				}
			case "test_pyisemail_tests":
				accept := wrap.Status == "ISEMAIL_VALID" || strings.HasPrefix(wrap.Status, "ISEMAIL_RFC5321_") && wrap.Status != "ISEMAIL_RFC5321_IPV6DEPRECATED"
				switch in {
				case "test@[1111:2222:3333:4444:5555:6666:7777:8888]":
					accept = true // isemail 66, see isemailDisagreements
				}
				m, err := ParseMailbox(in)
				if accept != (err == nil) {
					t.Errorf("%s (%s): ParseMailbox = %v, %v; want accept %v", name, wrap.Status, m, err, accept)
				}
			default:
				t.Fatalf("unknown group %q", g.Name)
			}
		}
	}
	for in := range pevInvalidAccepted {
		if !seenAccepted[in] {
			t.Errorf("pevInvalidAccepted lists %q, which the vectors do not have", in)
		}
	}
	if total != 286 {
		t.Errorf("%d cases, want 286", total)
	}
	// The vectors that NFC changes: the library normalizes them, we refuse
	// them. A count that drops to zero would mean the check went unused.
	if nonNFC != 4 {
		t.Errorf("%d valid cases with a local part that is not NFC, want 4", nonNFC)
	}
}

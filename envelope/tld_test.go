package envelope

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/publicsuffix"

	"github.com/msakit/msakit/internal/testcorpus"
)

// icannTLDs reads testdata/publicsuffix/icann-rules.txt, checks that it is
// the ICANN section of the list compiled into the program (same version
// string, and every rule known to the compiled list as an ICANN rule), and
// returns the set of top-level labels of its rules.
func icannTLDs(t *testing.T) map[string]bool {
	t.Helper()
	data := testcorpus.Read(t, "publicsuffix", "icann-rules.txt")
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !sc.Scan() || sc.Text() != "# "+publicsuffix.List.String() {
		t.Fatalf("icann-rules.txt is for %q, the program has %q: extract it again (testdata/publicsuffix/SOURCE.md)",
			sc.Text(), publicsuffix.List.String())
	}
	tlds := map[string]bool{}
	rules := 0
	for sc.Scan() {
		rule := sc.Text()
		rules++
		if name, ok := strings.CutPrefix(rule, "!"); ok {
			// An exception: the name is registrable, one label above a
			// public suffix.
			if ps, icann := publicsuffix.PublicSuffix(name); !icann || ps == name {
				t.Errorf("exception rule %q: compiled list gives %q, icann %v", rule, ps, icann)
			}
		} else {
			probe := strings.Replace(rule, "*", "w", 1)
			if ps, icann := publicsuffix.PublicSuffix("probe." + probe); !icann || ps != probe {
				t.Errorf("rule %q: compiled list gives %q, icann %v for %q", rule, ps, icann, "probe."+probe)
			}
		}
		tlds[rule[strings.LastIndexByte(rule, '.')+1:]] = true
	}
	if rules != 6930 || len(tlds) < 1400 {
		t.Fatalf("icann-rules.txt: %d rules, %d top-level domains", rules, len(tlds))
	}
	return tlds
}

// TestEveryDelegatedTLD: every top-level domain of the ICANN section of the
// shipped public suffix list makes a name fully qualified, in its A-label
// and its U-label form (RFC 6409, Section 4.2), and a label that is not in
// the list does not.
func TestEveryDelegatedTLD(t *testing.T) {
	t.Parallel()
	tlds := icannTLDs(t)
	for tld := range tlds {
		d, err := ParseDomain("example." + tld)
		if err != nil {
			t.Errorf("ParseDomain(%q): %v", "example."+tld, err)
			continue
		}
		if !d.IsFullyQualified() {
			t.Errorf("ParseDomain(%q).IsFullyQualified() = false, a delegated TLD", d.ASCII())
		}
		if d.IsIDN() {
			u, err := ParseDomain(d.Unicode())
			if err != nil || u != d || !u.IsFullyQualified() {
				t.Errorf("ParseDomain(%q) = %v, %v; IsFullyQualified %v", d.Unicode(), u, err, u.IsFullyQualified())
			}
		}
		// A near miss ("comq", "xn--fiqs8sq") is no TLD.
		if miss := tld + "q"; !tlds[miss] && !isSpecialUseTLD(miss) {
			if d, err := ParseDomain("example." + miss); err == nil && d.IsFullyQualified() {
				t.Errorf("ParseDomain(%q).IsFullyQualified() = true, not a TLD", d.ASCII())
			}
		}
	}
	t.Logf("%d delegated top-level domains from %s", len(tlds), publicsuffix.List.String())
}

// TestIsFullyQualifiedTLD covers the rules beside the list: special-use
// names, wildcard-only country codes, single labels and the cache.
func TestIsFullyQualifiedTLD(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"example.org", true},
		{"Example.ORG", true},
		{"example.con", false},
		{"mail.example.cmo", false},
		{"squeaky.sales", false}, // RFC 6409, Section 4.2's partial name
		{"example.test", true},   // RFC 2606, Section 2
		{"example.example", true},
		{"app.localhost", true}, // RFC 6761, Section 6.3
		{"printer.internal", true},
		{"host.invalid", false}, // RFC 6761, Section 6.4: meant not to exist
		{"host.local", false},   // mDNS (RFC 6762), not mail
		{"host.lan", false},
		{"example.ck", true}, // "*.ck" is the only rule for .ck
		{"www.ck", true},
		{"example.er", true},
		{"example.onion", true},
		{"example.xn--fiqs8s", true},
		{"example.中国", true},
		{"example.international", true},
		{"example.internationals", false},
		{"example", false},
		{"com", false},
		{"test", false},
		{"mail.123", false},
		{"[192.0.2.1]", true},
	} {
		// Twice: the second answer comes from the cache.
		for range 2 {
			d, err := ParseDomain(tc.in)
			if err != nil {
				t.Fatalf("ParseDomain(%q): %v", tc.in, err)
			}
			if got := d.IsFullyQualified(); got != tc.want {
				t.Errorf("ParseDomain(%q).IsFullyQualified() = %v, want %v", tc.in, got, tc.want)
			}
		}
	}
	for i := range shortTLDs {
		if k := shortTLDs[i].Load(); k == 'c'<<16|'o'<<8|'n' {
			t.Errorf(`"con" was remembered as delegated`)
		}
	}
	for i := range longTLDs {
		if p := longTLDs[i].Load(); p != nil && *p == "internationals" {
			t.Errorf("%q was remembered as delegated", *p)
		}
	}
}

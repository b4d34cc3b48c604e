package envelope

import (
	"hash/maphash"
	"strings"
	"sync/atomic"

	"golang.org/x/net/publicsuffix"
)

// isSpecialUseTLD reports whether tld (lower case) is one of the top-level
// names that no registry delegates but that mail software must accept out
// of the box: "test", "example" and "localhost", reserved for testing,
// documentation and loopback (RFC 2606, Section 2; RFC 6761, Sections 6.2,
// 6.3 and 6.5), and "internal", reserved by ICANN for private networks
// (ICANN Board resolution 2024.07.29.06). "invalid" is left out: RFC 6761,
// Section 6.4 reserves it for names that are meant not to exist.
func isSpecialUseTLD(tld string) bool {
	switch tld {
	case "test", "example", "localhost", "internal":
		return true
	}
	return false
}

// The labels [isDelegatedTLD] has found in the public suffix list are
// remembered, so that a label is looked up there once, not on every call: a
// slot load and a compare cost a fraction of a publicsuffix.PublicSuffix
// call. Both caches are direct-mapped: a label's slot is picked by a hash
// with a per-process seed, and a label that finds another in its slot is
// looked up again and takes the slot over. Only labels found in the list
// are stored, so whatever names clients send, the caches hold at most some
// of the ~1,450 delegated TLDs. They memoize a pure function of the list
// compiled into the program; they hold no configuration.
var (
	// shortTLDs holds labels of at most 8 octets (all but 261 of the
	// 1,450 TLDs, and every common one) packed into a uint64, so a hit costs a
	// multiply, a load and an integer compare; 0 is an empty slot.
	shortTLDs [1024]atomic.Uint64
	// longTLDs holds longer labels.
	longTLDs [256]atomic.Pointer[string]
	// tldSeed is the odd multiplier of the slot hashes, drawn once per
	// process so that which labels share a slot differs from one process
	// to the next.
	tldSeed = maphash.String(maphash.MakeSeed(), "msakit") | 1
)

// isDelegatedTLD reports whether tld, a non-empty lower-case LDH label, is
// a top-level domain of the ICANN section of the public suffix list that
// golang.org/x/net/publicsuffix ships, that is, one delegated in the DNS
// root zone.
func isDelegatedTLD(tld string) bool {
	if len(tld) <= 8 {
		var k uint64
		for i := 0; i < len(tld); i++ {
			k = k<<8 | uint64(tld[i])
		}
		slot := &shortTLDs[(k*tldSeed)>>(64-10)]
		if slot.Load() == k {
			return true
		}
		if !lookUpTLD(tld) {
			return false
		}
		slot.Store(k)
		return true
	}
	h := tldSeed
	for i := 0; i < len(tld); i++ {
		h = (h ^ uint64(tld[i])) * 1099511628211 // FNV-1a
	}
	slot := &longTLDs[h>>(64-8)]
	if p := slot.Load(); p != nil && *p == tld {
		return true
	}
	if !lookUpTLD(tld) {
		return false
	}
	c := strings.Clone(tld)
	slot.Store(&c)
	return true
}

// lookUpTLD looks tld up in the public suffix list for [isDelegatedTLD].
// It asks about the label alone, never the whole name, so that a
// private-section entry such as "blogspot.com" cannot answer for ".com".
// The ICANN section lists a few country-code TLDs only through a wildcard
// rule ("*.ck", "*.er", "*.fk", "*.jm", "*.kh", "*.mm", "*.np", "*.pg");
// for those PublicSuffix reports the bare label as not ICANN-managed, so a
// name one label below it is asked about as well.
func lookUpTLD(tld string) bool {
	if _, icann := publicsuffix.PublicSuffix(tld); icann {
		return true
	}
	// Under a wildcard rule the suffix of "<label>.<tld>" is the whole
	// name, ICANN-managed; under no rule it is tld alone, not.
	probe := "msakit-probe." + tld
	suffix, icann := publicsuffix.PublicSuffix(probe)
	return icann && suffix == probe
}

package header

import (
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
)

// fastAddresses parses the common form of an address or mailbox list
// (RFC 5322, Section 3.4) without tokenizing it: comma-separated elements,
// each a bare dot-atom addr-spec or an optional phrase of atoms and simple
// quoted-strings followed by "<" dot-atom addr-spec ">", printable ASCII
// with spaces and tabs between the elements and the words. It reports
// false for anything else (comments, folding, groups, encoded-words,
// quoted-pairs, UTF-8, obsolete syntax, white space inside an addr-spec,
// any error), which the caller then hands to [slowAddresses]. When it
// reports true its result is exactly the one slowAddresses would return;
// FuzzAddressFastPath checks that.
func fastAddresses(v string) ([]Address, bool) {
	out := make([]Address, 0, min(strings.Count(v, "@"), maxAddresses))
	i := 0
	for {
		i = skipWSP(v, i)
		var a Address
		ok := false
		j := i
		for j < len(v) && ascii.IsAtext(v[j]) {
			j++
		}
		if j > i && j < len(v) && (v[j] == '.' || v[j] == '@') {
			// A bare addr-spec (a "." would be obs-phrase otherwise,
			// which the slow path handles).
			if a, i, ok = fastAddrSpec(v, i); !ok {
				return nil, false
			}
		} else {
			var name string
			if name, i, ok = fastPhrase(v, i); !ok || i >= len(v) || v[i] != '<' {
				return nil, false
			}
			if a, i, ok = fastAddrSpec(v, i+1); !ok || i >= len(v) || v[i] != '>' {
				return nil, false
			}
			i++
			a.DisplayName = name
		}
		if len(out) >= maxAddresses {
			return nil, false
		}
		out = append(out, a)
		i = skipWSP(v, i)
		if i == len(v) {
			return out, true
		}
		if v[i] != ',' {
			return nil, false
		}
		// An empty element or a trailing comma is obsolete syntax: the
		// next round fails on it and leaves it to the slow path.
		i++
	}
}

// fastAddrSpec reads dot-atom "@" dot-atom at v[i:] (RFC 5322, Section
// 3.4.1) with no white space inside, and builds the mailbox.
func fastAddrSpec(v string, i int) (Address, int, bool) {
	start := i
	i, ok := dotAtomEnd(v, i)
	if !ok || i >= len(v) || v[i] != '@' {
		return Address{}, 0, false
	}
	at := i
	i, ok = dotAtomEnd(v, i+1)
	if !ok {
		return Address{}, 0, false
	}
	d, err := envelope.ParseDomain(v[at+1 : i])
	if err != nil {
		return Address{}, 0, false
	}
	m, err := envelope.NewMailbox(v[start:at], d)
	if err != nil {
		return Address{}, 0, false
	}
	return Address{Mailbox: m}, i, true
}

// dotAtomEnd returns the end of the dot-atom-text at v[i:] (RFC 5322,
// Section 3.2.3), or false when there is none or it ends with a dot.
func dotAtomEnd(v string, i int) (int, bool) {
	for {
		j := i
		for j < len(v) && ascii.IsAtext(v[j]) {
			j++
		}
		if j == i {
			return 0, false
		}
		if j == len(v) || v[j] != '.' {
			return j, true
		}
		i = j + 1
	}
}

// fastPhrase reads an optional display name at v[i:]: words that are
// atoms (not encoded-words) or quoted-strings of printable ASCII without
// quoted-pairs, with optional spaces and tabs before each, and joins them
// as phrase does (RFC 5322, Section 3.2.5): one space where white space
// separated two words. It stops before the first other character, after
// the white space that precedes it. Atoms separated by single spaces, the
// usual name, are returned as a substring of v without copying.
func fastPhrase(v string, i int) (string, int, bool) {
	end, first, last, simple, ok := scanPhrase(v, i, nil)
	if !ok {
		return "", 0, false
	}
	if simple {
		if first < 0 {
			return "", end, true
		}
		return v[first:last], end, true
	}
	var b strings.Builder
	b.Grow(last - first)
	scanPhrase(v, i, &b)
	return b.String(), end, true
}

// scanPhrase scans the phrase of [fastPhrase] and reports where it ends,
// the span of its words (first < 0 without words), and whether they are
// atoms separated by exactly one space. With b, it writes the joined words
// to b.
func scanPhrase(v string, i int, b *strings.Builder) (end, first, last int, simple, ok bool) {
	first, last, simple = -1, -1, true
	for words := 0; ; words++ {
		ws := i
		i = skipWSP(v, i)
		if i >= len(v) {
			return 0, 0, 0, false, false
		}
		start := i
		var text string
		switch c := v[i]; {
		case ascii.IsAtext(c):
			for i < len(v) && ascii.IsAtext(v[i]) {
				i++
			}
			text = v[start:i]
			if isEncodedWordShape(text) {
				return 0, 0, 0, false, false // an encoded-word
			}
		case c == '"':
			i++
			for i < len(v) && v[i] != '"' {
				if !ascii.IsQtextSMTP(v[i]) { // printable ASCII or space, no quoted-pair
					return 0, 0, 0, false, false
				}
				i++
			}
			if i >= len(v) {
				return 0, 0, 0, false, false
			}
			text = v[start+1 : i]
			simple = false
			i++
		default:
			return i, first, last, simple, true
		}
		sep := v[ws:start]
		if words == 0 {
			first = start
		} else if sep != " " {
			simple = false
		}
		last = i
		if b != nil {
			if words > 0 && sep != "" {
				b.WriteByte(' ')
			}
			b.WriteString(text)
		}
	}
}

// skipWSP returns the index of the first byte at or after i that is not a
// space or tab.
func skipWSP(v string, i int) int {
	for i < len(v) && isWSP(v[i]) {
		i++
	}
	return i
}

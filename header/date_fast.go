package header

import (
	"time"

	"github.com/msakit/msakit/internal/ascii"
)

// fastDate parses the date-time most clients write, and FormatDate writes
// (RFC 5322, Section 3.3): "Mon, 2 Jan 2006 15:04:05 -0700", the day of
// week optional, one or two digits of day, single spaces, four digits of
// year and a numeric zone, white space around. It returns ok only for such
// a value that is also valid (a day that exists in its month and is the
// day of week given, hours, minutes, seconds and zone in range, year
// 1900-9999), and then exactly what slowDate returns for it, never
// obsolete; every other value, errors included, is left to slowDate.
// ParseDate runs on every message (add-date), and the general parser, with
// its comments and folds, costs several times more.
func fastDate(v string) (time.Time, bool) {
	// A value that does not end in a numeric zone (a comment, a named
	// zone) is the general parser's: say so before reading the rest.
	last := len(v) - 1
	for last >= 0 && isWSP(v[last]) {
		last--
	}
	if last < len("1 Jan 2006 15:04:05 -0700")-1 || !ascii.IsDigit(v[last]) || v[last-4] != '+' && v[last-4] != '-' {
		return time.Time{}, false
	}
	i := skipWSP(v, 0)
	wday := -1
	if i+5 <= len(v) && v[i+3] == ',' {
		wday = nameIndex(dayKeys[:], v[i:i+3])
		if wday < 0 || v[i+4] != ' ' {
			return time.Time{}, false
		}
		i += 5
	}
	day, i, ok := fixedDigits(v, i, 1, 2)
	if !ok || i >= len(v) || v[i] != ' ' || i+5 > len(v) || v[i+4] != ' ' {
		return time.Time{}, false
	}
	month := nameIndex(monthKeys[:], v[i+1:i+4]) + 1
	year, i, ok := fixedDigits(v, i+5, 4, 4)
	if month == 0 || !ok || year < 1900 || i+9 > len(v) || v[i] != ' ' || v[i+3] != ':' || v[i+6] != ':' {
		return time.Time{}, false
	}
	hour, _, ok1 := fixedDigits(v, i+1, 2, 2)
	minute, _, ok2 := fixedDigits(v, i+4, 2, 2)
	sec, i, ok3 := fixedDigits(v, i+7, 2, 2)
	if !ok1 || !ok2 || !ok3 || hour > 23 || minute > 59 || sec > 59 ||
		i+6 > len(v) || v[i] != ' ' || v[i+1] != '+' && v[i+1] != '-' {
		return time.Time{}, false
	}
	z, end, ok := fixedDigits(v, i+2, 4, 4)
	if !ok || z%100 > 59 || z/100 > 23 || skipWSP(v, end) != len(v) {
		return time.Time{}, false
	}
	offset := (z/100*60 + z%100) * 60
	if v[i+1] == '-' {
		offset = -offset
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, zone(offset))
	if day < 1 || t.Day() != day || wday >= 0 && int(t.Weekday()) != wday {
		return time.Time{}, false // no such day, or not that day of week: slowDate says which
	}
	return t, true
}

// fixedDigits reads from min to max decimal digits of v at i, and no more
// digit after them: their value and the index after them.
func fixedDigits(v string, i, min, max int) (n, end int, ok bool) {
	end = i
	for end < len(v) && end-i < max && ascii.IsDigit(v[end]) {
		n = n*10 + int(v[end]-'0')
		end++
	}
	if end-i < min || end < len(v) && ascii.IsDigit(v[end]) {
		return 0, i, false
	}
	return n, end, true
}

// nameIndex returns the index of s, three octets, in keys (nameKey of
// each name), without regard to ASCII case (RFC 5234, Section 2.3), or -1.
func nameIndex(keys []uint32, s string) int {
	k := nameKey(s)
	for i, n := range keys {
		if n == k {
			return i
		}
	}
	return -1
}

// nameKey packs three octets in lower case: an octet that OR 0x20 makes
// a lower-case letter is that letter in either case, so keys of two
// strings are equal exactly when the strings are equal without regard to
// ASCII case, for strings of letters as dayNames and monthNames hold.
func nameKey(s string) uint32 {
	return uint32(s[0]|0x20)<<16 | uint32(s[1]|0x20)<<8 | uint32(s[2]|0x20)
}

// dayKeys and monthKeys are the nameKey of dayNames and monthNames.
var (
	dayKeys   [len(dayNames)]uint32
	monthKeys [len(monthNames)]uint32
)

func init() {
	for i, n := range dayNames {
		dayKeys[i] = nameKey(n)
	}
	for i, n := range monthNames {
		monthKeys[i] = nameKey(n)
	}
}

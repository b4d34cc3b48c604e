package header

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/msakit/msakit/internal/ascii"
)

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseDate parses the value of a Date or Resent-Date field: an RFC 5322
// date-time (RFC 5322, Section 3.3), including the obsolete forms of
// RFC 5322, Section 4.3 that a receiver must accept: comments and white
// space between the parts, two- and three-digit years (00-49 mean
// 2000-2049, 50-999 add 1900), the named zones UT, GMT, EST, EDT, CST, CDT,
// MST, MDT, PST and PDT, and the military one-letter zones, which mean
// "-0000" (unknown offset) and come back as UTC. Names of days and months
// are matched without regard to case (RFC 5234, Section 2.3).
//
// Also checked: the day exists in its month, hour 00-23, minute 00-59,
// second 00-60 (a leap second 60 is accepted and comes back as 59, since
// [time.Time] has no leap seconds), a numeric zone within -2359 to +2359
// (RFC 5322 gives no range; +2600 is no offset on Earth), year 1900-9999,
// and a day of week, when given, is the one the date falls on (RFC 5322,
// Section 3.3: "MUST be the day implied by the date").
//
// The value may be folded and may end in CRLF. Values longer than
// 4096 octets are refused. Every error is a [*SyntaxError]
// wrapping [ErrSyntax] (or ErrBareCR, ErrBareLF, ErrNUL, ErrTooBig).
func ParseDate(value string) (time.Time, error) {
	t, _, err := parseDate(value)
	return t, err
}

// IsObsoleteDate reports whether value is a valid date-time that uses the
// obsolete syntax of RFC 5322, Section 4.3 (which must be accepted but not
// generated). It is false for invalid values.
func IsObsoleteDate(value string) bool {
	_, obs, err := parseDate(value)
	return err == nil && obs
}

func parseDate(value string) (time.Time, bool, error) {
	if len(value) <= maxValueLen {
		if t, ok := fastDate(value); ok {
			return t, false, nil
		}
	}
	return slowDate(value)
}

// slowDate is the general parser behind parseDate: every form of RFC 5322,
// Sections 3.3 and 4.3, errors included.
func slowDate(value string) (time.Time, bool, error) {
	if len(value) > maxValueLen {
		return time.Time{}, false, errAt(ErrTooBig, maxValueLen, "date value too long")
	}
	p := &scanner{s: value}
	fail := func(msg string) (time.Time, bool, error) {
		return time.Time{}, false, errAt(ErrSyntax, p.i, msg)
	}
	// sep skips CFWS; required says at least one WSP or comment must be
	// there. A comment anywhere but at the very end is obsolete.
	sep := func(required bool) (bool, error) {
		skipped, comment, err := p.cfws()
		if err != nil {
			return false, err
		}
		if comment && !p.eof() {
			p.obs = true
		}
		if required && !skipped {
			return false, errAt(ErrSyntax, p.i, "white space expected")
		}
		return skipped, nil
	}

	if _, err := sep(false); err != nil {
		return time.Time{}, false, err
	}
	wday := -1
	if !p.eof() && ascii.IsAlpha(p.peek()) {
		name := p.letters()
		for i, d := range dayNames {
			if ascii.EqualFold(name, d) {
				wday = i
			}
		}
		if wday < 0 {
			return fail("unknown day of week")
		}
		if _, err := sep(false); err != nil {
			return time.Time{}, false, err
		}
		if p.eof() || p.peek() != ',' {
			return fail(`"," expected after the day of week`)
		}
		p.i++
		if _, err := sep(false); err != nil {
			return time.Time{}, false, err
		}
	}
	day, n := p.digits(2)
	if n == 0 {
		return fail("day expected")
	}
	if !p.eof() && ascii.IsDigit(p.peek()) {
		return fail("day has more than two digits")
	}
	if _, err := sep(true); err != nil {
		return time.Time{}, false, err
	}
	mname := p.letters()
	month := 0
	for i, m := range monthNames {
		if ascii.EqualFold(mname, m) {
			month = i + 1
		}
	}
	if month == 0 {
		return fail("unknown month")
	}
	if _, err := sep(true); err != nil {
		return time.Time{}, false, err
	}
	ystart := p.i
	year, n := p.digits(9)
	switch {
	case n < 2:
		return fail("year expected")
	case n == 2: // RFC 5322 §4.3 obs-year
		p.obs = true
		if year < 50 {
			year += 2000
		} else {
			year += 1900
		}
	case n == 3:
		p.obs = true
		year += 1900
	}
	if !p.eof() && ascii.IsDigit(p.peek()) || year < 1900 || year > 9999 {
		p.i = ystart
		return fail("year out of range 1900-9999")
	}
	if _, err := sep(true); err != nil {
		return time.Time{}, false, err
	}
	var hms [3]int
	ws := false // white space or comment before the zone
	for k := range 3 {
		if k > 0 {
			skipped, err := sep(false)
			if err != nil {
				return time.Time{}, false, err
			}
			if p.eof() || p.peek() != ':' {
				if k == 2 {
					ws = skipped
					break
				}
				return fail(`":" expected in time of day`)
			}
			p.i++
			if _, err := sep(false); err != nil {
				return time.Time{}, false, err
			}
		}
		v, n := p.digits(2)
		if n != 2 || !p.eof() && ascii.IsDigit(p.peek()) {
			return fail("two digits expected in time of day")
		}
		hms[k] = v
	}
	if hms[0] > 23 || hms[1] > 59 || hms[2] > 60 {
		return fail("time of day out of range")
	}
	if hms[2] == 60 {
		hms[2] = 59 // a leap second; time.Time has none, keep the minute
	}
	if skipped, err := sep(false); err != nil {
		return time.Time{}, false, err
	} else if skipped {
		ws = true
	}
	if p.eof() {
		return fail("zone expected")
	}
	var offset int
	switch c := p.peek(); {
	case c == '+' || c == '-':
		if !ws {
			return fail("white space expected before the zone")
		}
		p.i++
		v, n := p.digits(4)
		if n != 4 || !p.eof() && ascii.IsDigit(p.peek()) {
			return fail("zone must be four digits")
		}
		if v%100 > 59 || v/100 > 23 {
			return fail("zone offset out of range (-2359 to +2359)")
		}
		offset = (v/100*60 + v%100) * 60
		if c == '-' {
			offset = -offset
		}
	case ascii.IsAlpha(c):
		zstart := p.i
		name := strings.ToUpper(p.letters())
		h, ok := obsZone(name)
		if !ok {
			p.i = zstart
			return fail("unknown zone")
		}
		p.obs = true
		offset = h * 3600
	default:
		return fail("zone expected")
	}
	if _, err := sep(false); err != nil {
		return time.Time{}, false, err
	}
	if !p.eof() {
		return fail("unexpected text after the date")
	}
	loc := zone(offset)
	if check := time.Date(year, time.Month(month), day, 12, 0, 0, 0, time.UTC); day < 1 || check.Day() != day {
		return time.Time{}, false, errAt(ErrSyntax, 0, "no such day in that month")
	} else if wday >= 0 && int(check.Weekday()) != wday {
		return time.Time{}, false, errAt(ErrSyntax, 0, "day of week does not match the date")
	}
	return time.Date(year, time.Month(month), day, hms[0], hms[1], hms[2], 0, loc), p.obs, nil
}

// obsZone returns the offset in hours of an obsolete zone name (RFC 5322,
// Section 4.3). Military letters mean "-0000", an unknown offset, so 0.
func obsZone(name string) (int, bool) {
	switch name {
	case "UT", "GMT":
		return 0, true
	case "EDT":
		return -4, true
	case "EST", "CDT":
		return -5, true
	case "CST", "MDT":
		return -6, true
	case "MST", "PDT":
		return -7, true
	case "PST":
		return -8, true
	}
	if len(name) == 1 && name != "J" {
		return 0, true
	}
	return 0, false
}

// FormatDate formats t as an RFC 5322 date-time for a Date or Resent-Date
// field (RFC 5322, Section 3.3), in t's location, with a numeric zone and
// seconds: "Mon, 02 Jan 2006 15:04:05 -0700". To use a configured zone,
// pass t.In(loc). A zone of UTC is written "+0000" (the offset is known;
// "-0000" would mean it is not). A zone whose offset is not a whole number
// of minutes (local mean time before 1900, say) cannot be written as
// +hhmm, so t is then written in UTC: the instant is never changed. The year
// of t must be 1900-9999 for the result to be a valid date-time.
func FormatDate(t time.Time) string {
	return string(appendDate(nil, t))
}

// appendDate appends t as FormatDate writes it: t.AppendFormat(b,
// dateLayout), for a year of four digits and a zone of two digits of hours
// written field by field, since
// the Received field and add-date write one on every message and
// AppendFormat reads its layout anew each time.
func appendDate(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	if off%60 != 0 {
		t, off = t.UTC(), 0
	}
	year, month, day := t.Date()
	if year < 1000 || year > 9999 || off <= -100*3600 || off >= 100*3600 {
		return t.AppendFormat(b, dateLayout)
	}
	hour, minute, sec := t.Clock()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	off /= 60
	b = append(b, dayAbbr[t.Weekday()]...)
	b = append(b, ", "...)
	b = appendTwo(b, day)
	b = append(b, ' ')
	b = append(b, monthAbbr[month-1]...)
	b = append(b, ' ')
	b = appendTwo(appendTwo(b, year/100), year%100)
	b = append(b, ' ')
	b = append(appendTwo(b, hour), ':')
	b = append(appendTwo(b, minute), ':')
	b = append(appendTwo(b, sec), ' ', sign)
	return appendTwo(appendTwo(b, off/60), off%60)
}

// appendTwo appends n, 0 to 99, as two decimal digits.
func appendTwo(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// The names time.Time.Format writes for "Mon" and "Jan".
var (
	dayAbbr   = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthAbbr = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// dateLayout is the time layout of [FormatDate] (RFC 5322, Section 3.3).
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// zones holds the time.Location of each zone offset that is a multiple of
// a quarter of an hour (every zone in use is), made on first use: a date
// parsed on every message does not allocate one each time.
var zones [2 * 24 * 4]atomic.Pointer[time.Location]

// zone returns a location for offset seconds east of UTC, unnamed as
// time.FixedZone("", offset) names it; time.UTC for 0.
func zone(offset int) *time.Location {
	const quarter = 15 * 60
	if offset == 0 {
		return time.UTC
	}
	i := offset/quarter + len(zones)/2
	if offset%quarter != 0 || i < 0 || i >= len(zones) {
		return time.FixedZone("", offset)
	}
	if l := zones[i].Load(); l != nil {
		return l
	}
	l := time.FixedZone("", offset)
	zones[i].CompareAndSwap(nil, l)
	return zones[i].Load()
}

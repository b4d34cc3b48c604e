package header

import (
	"testing"
	"time"
)

// dateFastCases are values fastDate must take (fast true) or leave to the
// general parser.
var dateFastCases = []struct {
	name string
	in   string
	fast bool
}{
	{"FormatDate's form", "Mon, 23 Nov 2026 19:00:00 +0000", true},
	{"one-digit day", "Tue, 1 Dec 2026 09:05:07 -0330", true},
	{"no day of week", "23 Nov 2026 19:00:00 +0100", true},
	{"shortest", "1 Jan 2026 00:00:00 +0000", true},
	{"one octet short", "1 Jan 2026 00:00:00 +000", false},
	{"white space around", " \tmon, 23 NOV 2026 19:00:00 +0000\t ", true},
	{"negative zero", "Mon, 23 Nov 2026 19:00:00 -0000", true},
	{"leap second", "31 Dec 2016 23:59:60 +0000", false},
	{"wrong day of week", "Tue, 23 Nov 2026 19:00:00 +0000", false},
	{"no such day", "31 Nov 2026 19:00:00 +0000", false},
	{"day zero", "0 Nov 2026 19:00:00 +0000", false},
	{"three-digit day", "123 Nov 2026 19:00:00 +0000", false},
	{"two-digit year", "23 Nov 26 19:00:00 +0000", false},
	{"five-digit year", "23 Nov 20260 19:00:00 +0000", false},
	{"year before 1900", "23 Nov 1899 19:00:00 +0000", false},
	{"no seconds", "23 Nov 2026 19:00 +0000", false},
	{"hour 24", "23 Nov 2026 24:00:00 +0000", false},
	{"minute 60", "23 Nov 2026 19:60:00 +0000", false},
	{"zone minutes 60", "23 Nov 2026 19:00:00 +0060", false},
	{"zone hours 24", "23 Nov 2026 19:00:00 +2400", false},
	{"named zone", "23 Nov 2026 19:00:00 GMT", false},
	{"comment after", "23 Nov 2026 19:00:00 +0000 (UTC)", false},
	{"folded", "Mon, 23 Nov 2026\r\n 19:00:00 +0000", false},
	{"two spaces", "Mon,  23 Nov 2026 19:00:00 +0000", false},
	{"space before comma", "Mon , 23 Nov 2026 19:00:00 +0000", false},
	{"unknown month", "23 Nob 2026 19:00:00 +0000", false},
	{"unknown day", "Mox, 23 Nov 2026 19:00:00 +0000", false},
	{"text after", "23 Nov 2026 19:00:00 +0000 x", false},
	{"five-digit zone", "23 Nov 2026 19:00:00 +00000", false},
	{"empty", "", false},
}

// TestDateFastPath checks that the fast path takes the usual date-time and
// agrees with the general parser.
func TestDateFastPath(t *testing.T) {
	for _, tc := range dateFastCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := fastDate(tc.in); ok != tc.fast {
				t.Fatalf("fastDate(%q) ok = %v, want %v", tc.in, ok, tc.fast)
			}
			checkDateFastPath(t, tc.in)
		})
	}
}

// checkDateFastPath fails when the fast path accepts in with another
// result than the general parser (the same instant in the same zone
// offset, not obsolete), and checks that parseDate returns the general
// parser's result.
func checkDateFastPath(t *testing.T, in string) {
	t.Helper()
	got, obs, err := parseDate(in)
	slow, slowObs, slowErr := slowDate(in)
	if !sameDate(got, slow) || obs != slowObs || (err == nil) != (slowErr == nil) || err != nil && err.Error() != slowErr.Error() {
		t.Fatalf("parseDate(%q) = %v, %v, %v; general parser %v, %v, %v", in, got, obs, err, slow, slowObs, slowErr)
	}
	if fast, ok := fastDate(in); ok && (slowErr != nil || !sameDate(fast, slow) || slowObs) {
		t.Fatalf("fastDate(%q) = %v; general parser %v, %v, %v", in, fast, slow, slowObs, slowErr)
	}
}

// sameDate reports whether a and b are the same instant in zones of the
// same name and offset (a zone not on a quarter hour is a new Location on
// every call).
func sameDate(a, b time.Time) bool {
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && an == bn && ao == bo
}

// FuzzDateFastPath is the differential property of fastDate: when it
// accepts a value, the general parser gives the same time, not obsolete.
func FuzzDateFastPath(f *testing.F) {
	for _, tc := range dateFastCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 4096 {
			return
		}
		checkDateFastPath(t, in)
	})
}

package msaconfig

import (
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/submission"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want submission.Limit
	}{
		{"0", submission.Limit{}},
		{"100/1h", submission.Limit{Max: 100, Per: time.Hour}},
		{"10/15m", submission.Limit{Max: 10, Per: 15 * time.Minute}},
		{"5000/24h", submission.Limit{Max: 5000, Per: 24 * time.Hour}},
		{"1/1h30m", submission.Limit{Max: 1, Per: 90 * time.Minute}},
	}
	for _, tc := range good {
		got, err := parseLimit(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseLimit(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "100", "100/", "/1h", "0/1h", "-1/1h", "x/1h", "10/0s", "10/-1h", "10/1x", "10/1h/2",
		"99999999999999999999/1h", "1/" + strings.Repeat("9", 80) + "h"} {
		if got, err := parseLimit(in); err == nil {
			t.Errorf("parseLimit(%q) = %+v, want an error", in, got)
		}
	}
}

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"0", "100/1h", "10/15m", "1/1ns", "x", "10/1h/2", "9223372036854775807/2562047h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := parseLimit(s)
		if err != nil {
			return
		}
		if l.Max == 0 {
			if l != (submission.Limit{}) {
				t.Fatalf("parseLimit(%q) = %+v: no limit with a window", s, l)
			}
			return
		}
		if l.Max < 1 || l.Per <= 0 {
			t.Fatalf("parseLimit(%q) = %+v", s, l)
		}
		if back, err := parseLimit(l.String()); err != nil || back != l {
			t.Fatalf("parseLimit(%q) = %+v, whose String %q parses to %+v, %v", s, l, l.String(), back, err)
		}
	})
}

package testcorpus

import (
	"strings"
	"testing"
)

func TestReadAndJSON(t *testing.T) {
	t.Parallel()
	if got := string(Read(t, "sample", "data.json")); !strings.Contains(got, `"sample"`) {
		t.Errorf("Read(sample, data.json) = %q", got)
	}
	var v struct {
		Name string
		N    int
	}
	JSON(t, "sample", "data.json", &v)
	if v.Name != "sample" || v.N != 2 {
		t.Errorf("JSON(sample, data.json) = %+v", v)
	}
}

// recorder is a testing.TB that records a Fatal instead of stopping.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

var _ testing.TB = (*recorder)(nil)

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = format
	panic(r) // stop like runtime.Goexit would; recovered by fails
}

// fails runs f with a recorder and reports whether it called Fatalf.
func fails(t *testing.T, f func(tb testing.TB)) (failed bool) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	f(r)
	return false
}

func TestMissingFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    func(tb testing.TB)
	}{
		{"missing file", func(tb testing.TB) { Read(tb, "sample", "absent.txt") }},
		{"missing corpus", func(tb testing.TB) { Read(tb, "absent", "data.json") }},
		{"no SOURCE.md", func(tb testing.TB) { Read(tb, "nosource", "file.txt") }},
		{"bad JSON", func(tb testing.TB) { var n int; JSON(tb, "sample", "data.json", &n) }},
	}
	for _, tc := range tests {
		if !fails(t, tc.f) {
			t.Errorf("%s: did not fail the test", tc.name)
		}
	}
}

package extest

import (
	"fmt"
	"sync"
	"testing"
)

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 3},
	} {
		in := fmt.Sprint(tc.in)
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%s) = %v, want %v", in, got, tc.want)
		}
		if fmt.Sprint(tc.in) != in {
			t.Errorf("Median(%s) changed its argument to %v", in, tc.in)
		}
	}
}

// LockedBuffer takes writes from several goroutines while it is read
// (go test -race finds a missing lock).
func TestLockedBuffer(t *testing.T) {
	t.Parallel()
	var b LockedBuffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("x"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if n := len(b.String()); n != 400 {
		t.Errorf("%d octets written, want 400", n)
	}
}

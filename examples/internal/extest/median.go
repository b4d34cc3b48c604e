package extest

import "slices"

// Median returns the median of v (the upper one of an even count), 0 for
// none. The paired benchmarks report medians: a scheduling hiccup of a few
// milliseconds on one side would dominate a sum on a loaded machine.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

//go:build race

package dkim_test

// raceEnabled reports a build with the race detector, which makes the
// 100 MB tests about ten times slower.
const raceEnabled = true

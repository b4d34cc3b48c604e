//go:build race

package submission_test

// raceEnabled reports a build with the race detector, under which
// sync.Pool drops a quarter of what is put back, at random.
const raceEnabled = true

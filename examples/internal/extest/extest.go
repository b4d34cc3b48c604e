// Package extest holds the test helpers that the tests of two or more
// packages of the examples module share (as internal/msatest does for the
// library's): a buffer a server's goroutines may log into while the test
// reads it, the median of a paired benchmark, and a transaction through
// go-smtp's client. It is imported by _test.go files only.
package extest

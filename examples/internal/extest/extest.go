// Package extest holds the test helpers that the tests of two or more
// packages of the examples module share (as internal/msatest does for the
// library's): a buffer a server's goroutines may log into while the test
// reads it, the median of a paired benchmark, a transaction through
// go-smtp's client, and a file in a temporary directory. It is imported by _test.go files only.
package extest

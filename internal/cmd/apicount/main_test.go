package main

import (
	"go/parser"
	"go/token"
	"testing"
)

func TestCountFile(t *testing.T) {
	t.Parallel()
	const src = `package p

// Counted: T, its two exported fields, M, I, its method, F, C1, V1 (9).
type T struct {
	A, B int
	c    int
	embedded
}

func (T) M()      {}
func (*T) m()     {}
func (u) M()      {}
type u struct{ X int }
type I interface {
	Do()
	embedded
}
func F()          {}
func f()          {}
const C1, c2 = 1, 2
var V1, _ = 1, 2
type G[X any] struct{}
func (G[X]) M()   {}
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 9 above, plus G and its method M.
	if got := countFile(f); got != 11 {
		t.Errorf("countFile = %d, want 11", got)
	}
}

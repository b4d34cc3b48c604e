// Command apicount counts the exported identifiers of msakit's library
// packages, the measure of DESIGN.md, "A small public API": exported
// funcs, exported methods of exported types, exported types, exported
// fields of exported struct types, methods of exported interfaces, and
// exported consts and vars. Test files, examples and internal packages are
// not counted.
//
// Run it from the repository root:
//
//	go run ./internal/cmd/apicount
//
// It prints one line per package and the total.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// packages are the library packages, lowest first (DESIGN.md, "Packages").
var packages = []string{"envelope", "header", "auth", "policy", "submission"}

func main() {
	if err := run(".", os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "apicount:", err)
		os.Exit(1)
	}
}

// run prints the counts of the packages under root to w.
func run(root string, w io.Writer) error {
	total := 0
	for _, p := range packages {
		n, err := countDir(filepath.Join(root, p))
		if err != nil {
			return err
		}
		total += n
		fmt.Fprintf(w, "%-12s %4d\n", p, n)
	}
	fmt.Fprintf(w, "%-12s %4d\n", "total", total)
	return nil
}

// countDir counts the exported identifiers of the non-test Go files in dir.
func countDir(dir string) (int, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return 0, err
	}
	sort.Strings(names)
	fset := token.NewFileSet()
	n := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return 0, err
		}
		n += countFile(f)
	}
	return n, nil
}

// countFile counts the exported identifiers declared in f.
func countFile(f *ast.File) int {
	n := 0
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil || exportedRecv(d.Recv) {
				n++
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						n += 1 + members(s.Type)
					}
				case *ast.ValueSpec:
					for _, id := range s.Names {
						if id.IsExported() {
							n++
						}
					}
				}
			}
		}
	}
	return n
}

// members counts the exported fields of a struct type or the methods of an
// interface type; embedded fields and interfaces are not counted.
func members(t ast.Expr) int {
	var list *ast.FieldList
	switch t := t.(type) {
	case *ast.StructType:
		list = t.Fields
	case *ast.InterfaceType:
		list = t.Methods
	default:
		return 0
	}
	n := 0
	for _, fl := range list.List {
		for _, id := range fl.Names {
			if id.IsExported() {
				n++
			}
		}
	}
	return n
}

// exportedRecv reports whether a method's receiver type is exported.
func exportedRecv(recv *ast.FieldList) bool {
	if len(recv.List) == 0 {
		return false
	}
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

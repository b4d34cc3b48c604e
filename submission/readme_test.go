package submission_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestREADMEQuickStart: the quick start in the repository's README.md is
// the body of Example, and the output the README shows after it is
// Example's checked output, so that the README cannot drift from code that
// is compiled and run (go-smtp issue #178 shows what happens otherwise).
func TestREADMEQuickStart(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var block, output string
	for _, part := range strings.Split(string(readme), "```go\n")[1:] {
		code, rest, _ := strings.Cut(part, "```")
		if strings.Contains(code, "submission.New(") {
			block = code
			// The next fenced block, a plain one, is the output.
			if _, after, ok := strings.Cut(rest, "```\n"); ok {
				output, _, _ = strings.Cut(after, "```")
			}
			break
		}
	}
	if block == "" {
		t.Fatal("README.md has no ```go block calling submission.New")
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "example_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, d := range file.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "Example" {
			body = string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		}
	}
	if body == "" {
		t.Fatal("no func Example in example_test.go")
	}
	code, out, _ := strings.Cut(body, "// Output:")
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(code), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	want := strings.Join(lines, "\n")
	if got := strings.TrimSpace(block); got != want {
		t.Errorf("README.md quick start differs from Example; copy the body of Example into README.md.\nREADME:\n%s\n\nExample:\n%s", got, want)
	}
	var outLines []string
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		outLines = append(outLines, strings.TrimPrefix(strings.TrimSpace(l), "// "))
	}
	if got, want := strings.TrimSpace(output), strings.Join(outLines, "\n"); got != want {
		t.Errorf("the output README.md shows after the quick start differs from Example's // Output:.\nREADME:\n%s\n\nExample:\n%s", got, want)
	}
}

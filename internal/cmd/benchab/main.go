// Command benchab compares the benchmarks of one package at two revisions
// the only way that means anything on a shared, loaded machine: in one
// run, interleaved. It builds the package's test binary at both revisions,
// runs them in turn (old, new, new, old, old, new, ...) count times each,
// each run with -benchmem and -count=1, prints the load average after each
// round, and ends with benchstat's comparison of the two result files when
// benchstat is installed (golang.org/x/perf/cmd/benchstat).
//
// From the repository root:
//
//	go run ./internal/cmd/benchab -old main -new . -pkg ./submission -bench 'MessageCost/1KiB' -count 8
//
// A revision is anything git names (a branch, a commit, HEAD~1) or "." for
// the working tree as it is, uncommitted changes included. Arguments after
// "--" are passed to both test binaries (for example
// -- -test.benchtime=20000x). The result files stay in the -o directory (a
// new temporary directory by default), named old.txt and new.txt.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchab:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	old, new string // revisions; "." is the working tree
	pkg      string // package path relative to the repository root
	bench    string // -test.bench
	count    int    // runs of each side
	out      string // result directory
	extra    []string
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("benchab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.old, "old", "main", "the baseline revision (\".\" for the working tree)")
	fs.StringVar(&c.new, "new", ".", "the revision to compare with it (\".\" for the working tree)")
	fs.StringVar(&c.pkg, "pkg", "", "the package, relative to the repository root (./submission)")
	fs.StringVar(&c.bench, "bench", ".", "the benchmarks to run (go test -bench)")
	fs.IntVar(&c.count, "count", 8, "runs of each side, interleaved")
	fs.StringVar(&c.out, "o", "", "directory for old.txt and new.txt (default: a new temporary directory)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.extra = fs.Args()
	switch {
	case c.pkg == "":
		return c, errors.New("-pkg is required")
	case !strings.HasPrefix(c.pkg, "./"):
		return c, errors.New("-pkg must start with ./ (a path from the repository root)")
	case c.count < 1:
		return c, errors.New("-count must be at least 1")
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	root, err := gitOutput(".", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	if c.out == "" {
		if c.out, err = os.MkdirTemp("", "benchab-"); err != nil {
			return err
		}
	}
	sides := []string{"old", "new"}
	revs := map[string]string{"old": c.old, "new": c.new}
	srcs := map[string]string{}
	for _, side := range sides {
		src := root
		if revs[side] != "." {
			src = filepath.Join(c.out, "src-"+side)
			if err := export(root, revs[side], src); err != nil {
				return fmt.Errorf("%s (%s): %w", side, revs[side], err)
			}
		}
		srcs[side] = src
		bin := filepath.Join(c.out, side+".test")
		build := exec.Command("go", "test", "-c", "-o", bin, c.pkg)
		build.Dir, build.Stdout, build.Stderr = src, stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building %s (%s): %w", side, revs[side], err)
		}
	}
	results := map[string]*os.File{}
	for _, side := range sides {
		f, err := os.Create(filepath.Join(c.out, side+".txt"))
		if err != nil {
			return err
		}
		defer f.Close()
		results[side] = f
	}
	for i := range c.count {
		for _, side := range order(i) {
			if err := runOnce(c, filepath.Join(c.out, side+".test"), filepath.Join(srcs[side], c.pkg), results[side], stderr); err != nil {
				return fmt.Errorf("%s: %w", side, err)
			}
		}
		fmt.Fprintf(stderr, "round %d/%d done, load average %s\n", i+1, c.count, loadAverage())
	}
	fmt.Fprintf(stdout, "old %s, new %s, %d interleaved runs each; load average at the end %s\n", c.old, c.new, c.count, loadAverage())
	bs := benchstat()
	if bs == "" {
		fmt.Fprintf(stdout, "benchstat not found: results in %s\n", c.out)
		return nil
	}
	cmd := exec.Command(bs, filepath.Join(c.out, "old.txt"), filepath.Join(c.out, "new.txt"))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "results in %s\n", c.out)
	return nil
}

// order is the order of the two sides in round i: old first in rounds 0,
// 3, 4, 7, ..., so that neither side always runs first (ABBA).
func order(i int) []string {
	if i%4 == 0 || i%4 == 3 {
		return []string{"old", "new"}
	}
	return []string{"new", "old"}
}

// runOnce runs the test binary bin once in dir, appending its output to w.
func runOnce(c config, bin, dir string, w io.Writer, stderr io.Writer) error {
	args := append([]string{"-test.run=^$", "-test.bench=" + c.bench, "-test.benchmem", "-test.count=1"}, c.extra...)
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, w, stderr
	return cmd.Run()
}

// export writes the tree of rev into dir (git archive, unpacked).
func export(root, rev, dir string) error {
	cmd := exec.Command("git", "archive", "--format=tar", rev)
	cmd.Dir = root
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git archive: %v: %s", err, strings.TrimSpace(errOut.String()))
	}
	tr := tar.NewReader(&out)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if !strings.HasPrefix(name, filepath.Clean(dir)+string(filepath.Separator)) {
			return fmt.Errorf("git archive: entry %q outside the tree", hdr.Name)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(name, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(name, tr, os.FileMode(hdr.Mode).Perm()); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(hdr.Linkname, name); err != nil {
				return err
			}
		}
	}
}

func writeFile(name string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// loadAverage is the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// benchstat is the path of the benchstat command, or "".
func benchstat() string {
	if p, err := exec.LookPath("benchstat"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "benchstat")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Command modproxy writes a file-based Go module proxy holding msakit's two
// modules, the library (github.com/msakit/msakit) and the examples module
// (github.com/msakit/msakit/examples), each at the version
// examples/go.mod requires of the library, zipped with golang.org/x/mod/zip
// from the commit checked out (git archive of HEAD, as the Go command
// would fetch a tag).
//
// It lets CI build the examples module the way its users will once the
// library is published, before it is: without go.work, from a module
// proxy, and with go install …@version (see .ci/gowork-off):
//
//	go run ./examples/internal/cmd/modproxy -o DIR
//	GOWORK=off GOPROXY=file://DIR,https://proxy.golang.org GONOSUMDB=github.com/msakit/msakit go install github.com/msakit/msakit/examples/msa@VERSION
//
// Run it from the repository root. The proxy layout is the GOPROXY
// protocol's (https://go.dev/ref/mod#goproxy-protocol): for each module,
// @v/list, @v/VERSION.info, @v/VERSION.mod and @v/VERSION.zip.
package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

const (
	libraryPath  = "github.com/msakit/msakit"
	examplesPath = libraryPath + "/examples"
)

func main() {
	out := flag.String("o", "", "write the proxy to `DIR` (created)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./examples/internal/cmd/modproxy -o DIR")
		os.Exit(2)
	}
	v, err := run(".", *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "modproxy:", err)
		os.Exit(1)
	}
	fmt.Println(v)
}

// run writes the proxy for the repository at root into out and returns the
// version.
func run(root, out string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "examples", "go.mod"))
	if err != nil {
		return "", err
	}
	f, err := modfile.Parse("examples/go.mod", data, nil)
	if err != nil {
		return "", err
	}
	version := ""
	for _, r := range f.Require {
		if r.Mod.Path == libraryPath {
			version = r.Mod.Version
		}
	}
	if version == "" {
		return "", fmt.Errorf("examples/go.mod does not require %s", libraryPath)
	}
	for _, r := range f.Replace {
		if r.Old.Path == libraryPath {
			return "", errors.New("examples/go.mod replaces the library: go install …@version would refuse it")
		}
	}
	tree, err := os.MkdirTemp("", "modproxy-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tree)
	if err := extractHEAD(root, tree); err != nil {
		return "", err
	}
	for _, m := range []struct{ path, dir string }{{libraryPath, "."}, {examplesPath, "examples"}} {
		if err := write(filepath.Join(tree, m.dir), out, module.Version{Path: m.path, Version: version}); err != nil {
			return "", fmt.Errorf("%s: %w", m.path, err)
		}
	}
	return version, nil
}

// extractHEAD writes the files of the commit checked out in the
// repository at root (git archive HEAD) under dir.
func extractHEAD(root, dir string) error {
	cmd := exec.Command("git", "-C", root, "archive", "--format=tar", "HEAD")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	tr := tar.NewReader(stdout)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		name := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(name, filepath.Clean(dir)+string(filepath.Separator)) {
			return fmt.Errorf("git archive: %q is outside the tree", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(name, 0o755)
		case tar.TypeReg:
			err = writeFile(name, tr, h.FileInfo().Mode().Perm())
		}
		if err != nil {
			return err
		}
	}
	return cmd.Wait()
}

func writeFile(name string, r io.Reader, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// write adds module m, whose files are in dir (nested modules left out by
// zip.CreateFromDir), to the proxy in out.
func write(dir, out string, m module.Version) error {
	escaped, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	vdir := filepath.Join(out, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	z, err := os.Create(filepath.Join(vdir, m.Version+".zip"))
	if err != nil {
		return err
	}
	if err := zip.CreateFromDir(z, m, dir); err != nil {
		_ = z.Close()
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{m.Version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		m.Version + ".mod":  mod,
		m.Version + ".info": info,
		"list":              []byte(m.Version + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

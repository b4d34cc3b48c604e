package msaconfig

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// libraryPath is the msakit library module.
const libraryPath = "github.com/msakit/msakit"

// Version describes the binary of program name from its build
// information: the module version of the program ("(devel)" when built
// from a checkout rather than by go install …@version), the msakit
// library's, the VCS revision when the build recorded one, and the Go
// release.
func Version(name string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return name + ": no build information"
	}
	return describeBuild(name, bi)
}

func describeBuild(name string, bi *debug.BuildInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", name, orDevel(bi.Main.Version))
	for _, d := range bi.Deps {
		if d.Path == libraryPath {
			fmt.Fprintf(&b, ", msakit %s", orDevel(d.Version))
		}
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if rev != "" {
		fmt.Fprintf(&b, ", revision %s%s", rev, modified)
	}
	fmt.Fprintf(&b, ", %s", bi.GoVersion)
	return b.String()
}

func orDevel(v string) string {
	if v == "" {
		return "(devel)"
	}
	return v
}

package msaconfig

import (
	"runtime/debug"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"go install @version", debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/msakit/msakit/examples", Version: "v0.3.0"},
			Deps:      []*debug.Module{{Path: "github.com/emersion/go-smtp", Version: "v0.25.1"}, {Path: libraryPath, Version: "v0.3.0"}},
		}, "msa v0.3.0, msakit v0.3.0, go1.26.8"},
		{"a checkout with VCS stamping", debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/msakit/msakit/examples", Version: "(devel)"},
			Settings:  []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "93cc25d0"}, {Key: "vcs.modified", Value: "true"}},
		}, "msa (devel), revision 93cc25d0 (modified), go1.26.8"},
		{"go test", debug.BuildInfo{GoVersion: "go1.26.8"}, "msa (devel), go1.26.8"},
	} {
		if got := describeBuild("msa", &tc.bi); got != tc.want {
			t.Errorf("%s: describeBuild = %q, want %q", tc.name, got, tc.want)
		}
	}
}

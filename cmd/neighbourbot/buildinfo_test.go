package main

import (
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	checkout := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "3f2a9c1b7d0e4455667788990011223344556677"},
		{Key: "vcs.modified", Value: "true"},
	}}
	clean := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "3f2a9c1b7d0e4455667788990011223344556677"},
		{Key: "vcs.modified", Value: "false"},
	}}
	installed := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}}
	for _, tc := range []struct {
		name, stamped string
		bi            *debug.BuildInfo
		want          string
		modified      bool
	}{
		{"stamped wins", "v1.5.0", checkout, "v1.5.0", true},
		{"dirty checkout", "", checkout, "3f2a9c1b7d0e-dirty", true},
		{"clean checkout", "", clean, "3f2a9c1b7d0e", false},
		{"go install at a version", "", installed, "v1.4.0", false},
		{"nothing known", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev", false},
		{"no build info", "", nil, "dev", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := describeBuild(tc.stamped, tc.bi)
			if b.Version != tc.want || b.Modified != tc.modified {
				t.Errorf("got %+v, want version %q modified %v", b, tc.want, tc.modified)
			}
			if b.Go == "" {
				t.Error("no Go version")
			}
		})
	}
}

// TestTimeZoneDatabaseEmbedded: the binary links time/tzdata, so
// Europe/London loads where the system has no zoneinfo. (LoadLocation
// itself would find this machine's /usr/share/zoneinfo, so the test asks
// the go tool what the command links.)
func TestTimeZoneDatabaseEmbedded(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if !slices.Contains(strings.Fields(string(out)), "time/tzdata") {
		t.Error("cmd/neighbourbot does not link time/tzdata")
	}
}

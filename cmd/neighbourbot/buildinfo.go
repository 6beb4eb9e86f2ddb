package main

import (
	"runtime"
	"runtime/debug"

	// The time-zone database is built in, so a container or minimal system
	// without tzdata still knows Europe/London (about 450 kB).
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=…" (the
// release script does). Unstamped builds take it from the build info Go
// embeds: the module version, or the VCS revision of a checkout.
var version = ""

// buildInfo is what the binary knows about how it was built.
type buildInfo struct {
	Version  string // "v1.2.0", "3f2a9c1b7d0e", "3f2a9c1b7d0e-dirty" or "dev"
	Revision string // full VCS revision, "" when unknown
	Modified bool   // built from a checkout with uncommitted changes
	Go       string // the Go toolchain
}

// currentBuild reads the stamped version or the embedded build info.
func currentBuild() buildInfo {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(version, bi)
}

// describeBuild prefers a stamped version, then the module's own version
// (go install …@v1.2.0), then the checkout's revision with a -dirty mark.
func describeBuild(stamped string, bi *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: stamped, Go: runtime.Version()}
	if bi == nil {
		if b.Version == "" {
			b.Version = "dev"
		}
		return b
	}
	if bi.GoVersion != "" {
		b.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	if b.Version != "" {
		return b
	}
	switch {
	case bi.Main.Version != "" && bi.Main.Version != "(devel)":
		b.Version = bi.Main.Version
	case b.Revision != "":
		b.Version = b.Revision[:min(12, len(b.Revision))]
		if b.Modified {
			b.Version += "-dirty"
		}
	default:
		b.Version = "dev"
	}
	return b
}

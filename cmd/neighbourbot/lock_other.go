//go:build !unix

package main

import (
	"fmt"
	"os"
)

// dataLock on systems without flock only records the pid: a second
// instance is not refused there. neighbourbot is meant for Linux servers.
type dataLock struct{ f *os.File }

type lockedError struct{ path string }

func (e *lockedError) Error() string {
	return "another neighbourbot is already running on this data directory (lock file " + e.path + ")"
}

func lockDataDir(path string) (*dataLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return &dataLock{f: f}, nil
}

func (l *dataLock) Release() error { return l.f.Close() }

func restrictNewFiles() {}

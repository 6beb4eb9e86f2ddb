//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLockRefusesSecondHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "neighbourbot.lock")
	first, err := lockDataDir(path)
	if err != nil {
		t.Fatal(err)
	}
	// flock belongs to the open file, so a second open in the same process
	// is refused just like a second process would be.
	second, err := lockDataDir(path)
	var le *lockedError
	if !errors.As(err, &le) {
		t.Fatalf("second lock: %v, %v; want a lockedError", second, err)
	}
	if le.pid != os.Getpid() {
		t.Errorf("lock names pid %d, want %d", le.pid, os.Getpid())
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	third, err := lockDataDir(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	third.Release()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}

package console_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"neighbourbot/bot/bottest"
	"neighbourbot/bot/console"
)

// TestFullDiskLeavesNoProgressTemporary: when the disk is full the script
// stops with the error, the old progress file stands and no temporary file
// is left beside it. The full disk is the kernel's own: the temporary
// file's name leads to /dev/full, where every write fails with ENOSPC.
func TestFullDiskLeavesNoProgressTemporary(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	h := bottest.New(t, bottest.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "console-progress.json")
	h.Console.ResumeFrom(path, console.Progress{})
	if err := h.Console.RunScript(context.Background(), strings.NewReader("@group street\n"), false); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/full", path+".tmp"); err != nil {
		t.Fatal(err)
	}
	err = h.Console.RunScript(context.Background(), strings.NewReader("@group street\n@group lane\n"), false)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a full disk gave %v", err)
	}
	if _, err := os.Lstat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary progress file left behind (%v)", err)
	}
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Errorf("progress after the failure: %q %v, want the old %q", after, err, before)
	}
}

package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
)

// The store's behaviour on both backends is tested in bot/storetest (the
// contract suite); here is what only SQLite has (files, pragmas).

func open(t *testing.T, extra ...bot.Migrations) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "bot.db")
	s, err := sqlite.Open(context.Background(), path, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenCreatesPrivateFilesAndEnablesForeignKeys(t *testing.T) {
	s, path := open(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, want 0600", st.Mode().Perm())
	}
	dir, _ := os.Stat(filepath.Dir(path))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", dir.Mode().Perm())
	}
	var mode string
	if err := s.Raw().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := s.Raw().QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v", fk, err)
	}
	// A commit is what the bot acknowledges to WhatsApp, so it must
	// survive a power cut: FULL (2) syncs the WAL on every commit.
	var sync int
	if err := s.Raw().QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
}

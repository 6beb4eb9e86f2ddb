package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		fi, err := os.Stat(path + suffix)
		if err == nil {
			total += fi.Size()
		}
	}
	return total
}

// TestFileShrinksAfterABigPurge: with incremental auto-vacuum, deleting
// most of the rows and compacting makes the database file (with its WAL)
// smaller on disk.
func TestFileShrinksAfterABigPurge(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mode int
	if err := s.Raw().QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum = %d (%v), want 2 (incremental)", mode, err)
	}
	fill(t, s.Raw(), 20000)
	if _, err := s.Raw().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	full := fileSize(t, path)
	if _, err := s.Raw().Exec(`DELETE FROM seen_messages WHERE seen_at % 10 <> 0`); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Compact(ctx, 1); err != nil || n <= 0 {
		t.Fatalf("compact freed %d bytes: %v", n, err)
	}
	after := fileSize(t, path)
	if after >= full/2 {
		t.Errorf("file %d bytes after purging 90%% and compacting, %d before: want under half", after, full)
	}
	t.Logf("%d bytes full, %d after the purge", full, after)
	s.Raw().Exec(`DELETE FROM seen_messages`)
	if n, err := s.Compact(ctx, 1<<30); err != nil || n != 0 {
		t.Errorf("compact below its threshold: freed %d (%v), want nothing", n, err)
	}
}

// TestOlderDatabaseIsConverted: a database made without auto-vacuum (by an
// older version) is converted at open, keeping its rows.
func TestOlderDatabaseIsConverted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE keep (v TEXT); INSERT INTO keep VALUES ('row')`); err != nil {
		t.Fatal(err)
	}
	var mode int
	db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode)
	db.Close()
	if mode != 0 {
		t.Fatalf("fresh plain database has auto_vacuum %d", mode)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v string
	if err := s.Raw().QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Errorf("auto_vacuum after open: %d %v", mode, err)
	}
	if err := s.Raw().QueryRow(`SELECT v FROM keep`).Scan(&v); err != nil || v != "row" {
		t.Errorf("row lost in the conversion: %q %v", v, err)
	}
}

func fill(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("m", 200)
	for i := range n {
		if _, err := tx.Exec(`INSERT INTO seen_messages (chat, msg_id, seen_at) VALUES ('g', ?, ?)`, pad+strconv.Itoa(i), i); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

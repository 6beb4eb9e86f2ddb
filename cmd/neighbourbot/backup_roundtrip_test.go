package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"neighbourbot/bot/sqlite"
)

// roundTripData makes a data directory from the saved release database
// (every feature's tables with rows), with report photos and inbox media
// the rows name, a WhatsApp session database and a file in progress.
func roundTripData(t *testing.T, root string) (data, cfg string) {
	t.Helper()
	ctx := context.Background()
	data = filepath.Join(root, "data")
	os.MkdirAll(data, 0o700)
	fixtures, _ := filepath.Glob("testdata/upgrade/*.db")
	sort.Strings(fixtures)
	if err := copyFile(fixtures[len(fixtures)-1], filepath.Join(data, "neighbourbot.db")); err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, filepath.Join(data, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"photos/aa11.jpg": "a pothole", "photos/bb22.jpg": "a second look",
		"inbox/cc33.jpg": "a flooded drain", "inbox/dd44.ogg": "a voice note",
	}
	stmts := []string{
		`INSERT INTO pothole_photos (report_id, sha256, file, size, added_at) SELECT id, 'aa11', 'aa11.jpg', 9, 1 FROM pothole_reports ORDER BY id LIMIT 1`,
		`INSERT INTO pothole_photos (report_id, sha256, file, size, added_at) SELECT id, 'bb22', 'bb22.jpg', 13, 2 FROM pothole_reports ORDER BY id DESC LIMIT 1`,
		`UPDATE inbox_messages SET media_file = 'cc33.jpg', media_mime = 'image/jpeg' WHERE id = (SELECT MIN(id) FROM inbox_messages)`,
		`UPDATE inbox_messages SET media_file = 'dd44.ogg', media_mime = 'audio/ogg' WHERE id = (SELECT MAX(id) FROM inbox_messages)`,
	}
	for _, q := range stmts {
		if res, err := st.Raw().Exec(q); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows", q, n)
		}
	}
	st.Close()
	for name, body := range files {
		mode := os.FileMode(0o644)
		if strings.HasPrefix(name, "inbox/") {
			mode = 0o600
		}
		os.MkdirAll(filepath.Join(data, filepath.Dir(name)), 0o700)
		if err := os.WriteFile(filepath.Join(data, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(data, "inbox", ".upload-1"), "half a voice note")
	sess, err := sqlite.Open(ctx, filepath.Join(data, "whatsapp.db"))
	if err != nil {
		t.Fatal(err)
	}
	sess.Raw().Exec(`INSERT INTO groups (chat, name, updated_at) VALUES ('session-marker', 'linked device', 1)`)
	sess.Close()
	return data, configFor(t, root, data)
}

// snapshot is every row of every table of both databases and every kept
// file, as text to compare.
func snapshot(t *testing.T, data string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range backupDatabases {
		db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, name)+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		tables, err := tableNames(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range tables {
			rows, err := db.Query(`SELECT * FROM "` + table + `"`)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			var lines []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				lines = append(lines, fmt.Sprintf("%q", vals))
			}
			rows.Close()
			sort.Strings(lines)
			sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
			fmt.Fprintf(&b, "%s %s: %d rows %s\n", name, table, len(lines), hex.EncodeToString(sum[:8]))
		}
		db.Close()
	}
	for _, d := range keptDirs {
		entries, _ := os.ReadDir(filepath.Join(data, d.name))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			body, _ := os.ReadFile(filepath.Join(data, d.name, e.Name()))
			fmt.Fprintf(&b, "%s/%s %q\n", d.name, e.Name(), body)
		}
	}
	return b.String()
}

// TestBackupRestoreRoundTrip backs up a data directory holding every
// feature's rows, photos, inbox media and a session, restores it into an
// empty one and compares everything; restore says what it checked.
func TestBackupRestoreRoundTrip(t *testing.T) {
	root := t.TempDir()
	data, cfg := roundTripData(t, root)
	want := snapshot(t, data)
	if !strings.Contains(want, "inbox/cc33.jpg") || !strings.Contains(want, "inbox_tickets: 5 rows") {
		t.Fatalf("the data to back up lacks what the test is about:\n%s", want)
	}
	backup := filepath.Join(root, "backup")
	code, out, errOut := runCLI("backup", "-config", cfg, backup)
	if code != exitOK {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	for _, w := range []string{"inbox: 2 files copied", "photos: 2 files copied", "neighbourbot.db: copied ("} {
		if !strings.Contains(out, w) {
			t.Errorf("backup output lacks %q:\n%s", w, out)
		}
	}
	if fi, err := os.Stat(filepath.Join(backup, "inbox", "cc33.jpg")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("inbox media in the backup: %v %v", fi, err)
	}

	data2 := filepath.Join(root, "data2")
	cfg2 := configFor(t, root, data2)
	code, out, errOut = runCLI("restore", "-config", cfg2, backup)
	if code != exitOK {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{"photos/aa11.jpg", "inbox/dd44.ogg", "neighbourbot.db"} {
		if fi, err := os.Stat(filepath.Join(data2, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("restored %s: %v %v, want private", f, fi, err)
		}
	}
	if got := snapshot(t, data2); got != want {
		t.Errorf("restored data differs from the original:\n--- original\n%s--- restored\n%s", want, got)
	}
	for _, w := range []string{
		"neighbourbot.db: restored (", "integrity ok, every table's rows as the backup recorded",
		"inbox: 2 files restored", "files the database names: 2 in photos, 2 in inbox; 0 missing",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("restore output lacks %q:\n%s", w, out)
		}
	}
	// The bot runs on what was restored.
	if _, _, code := runConsoleScript(t, data2, ""); code != exitOK {
		t.Errorf("console on the restored directory: exit %d", code)
	}
}

// TestRestoreRefusesABackupThatDoesNotCheck: a backup missing a file its
// database names, with rows that differ from its manifest, or with a
// schema ahead of this binary is refused before anything changes.
func TestRestoreRefusesABackupThatDoesNotCheck(t *testing.T) {
	root := t.TempDir()
	_, cfg := roundTripData(t, root)
	cases := []struct {
		name   string
		damage func(backup string) error
		code   int
		want   string
	}{
		{"inbox media missing", func(b string) error { return os.Remove(filepath.Join(b, "inbox", "dd44.ogg")) }, exitError, "the database names files it lacks: inbox/dd44.ogg"},
		{"rows lost", func(b string) error {
			return execOn(filepath.Join(b, "neighbourbot.db"), `DELETE FROM audit_log WHERE rowid = (SELECT MAX(rowid) FROM audit_log)`)
		}, exitError, "audit_log has 24 rows, the backup recorded 25"},
		{"schema ahead", func(b string) error {
			return execOn(filepath.Join(b, "neighbourbot.db"), `INSERT INTO schema_migrations VALUES ('core', 99, '099_future.sql')`)
		}, exitSchema, "written by a newer neighbourbot"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			backup := filepath.Join(root, fmt.Sprintf("backup-%d", i))
			if code, out, errOut := runCLI("backup", "-config", cfg, backup); code != exitOK {
				t.Fatalf("backup: %s%s", out, errOut)
			}
			if err := c.damage(backup); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(root, fmt.Sprintf("target-%d", i))
			cfg2 := configFor(t, root, target)
			code, _, errOut := runCLI("restore", "-config", cfg2, backup)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d (want %d): %s", code, c.code, errOut)
			}
			if entries, _ := os.ReadDir(target); len(entries) > 0 {
				t.Errorf("a refused restore wrote %d entries into the data directory", len(entries))
			}
		})
	}
}

func execOn(path, query string) error {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(query)
	return err
}

// TestRestoreOfAnOlderBackupWarnsAboutMissingFiles: a backup made before
// backups kept the inbox's media (no row or file counts in BACKUP.txt, no
// inbox/) is restored with a warning naming what it cannot bring back.
func TestRestoreOfAnOlderBackupWarnsAboutMissingFiles(t *testing.T) {
	root := t.TempDir()
	_, cfg := roundTripData(t, root)
	backup := filepath.Join(root, "backup")
	if code, out, errOut := runCLI("backup", "-config", cfg, backup); code != exitOK {
		t.Fatalf("backup: %s%s", out, errOut)
	}
	// As the earlier release wrote it.
	if err := os.RemoveAll(filepath.Join(backup, "inbox")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(backup, backupManifest), "neighbourbot backup\nversion old\ntaken 2026-01-05T10:00:00Z\nfrom /srv/data\nneighbourbot.db\nwhatsapp.db\nphotos/ (2 files)\n")
	target := filepath.Join(root, "target")
	code, out, errOut := runCLI("restore", "-config", configFor(t, root, target), backup)
	if code != exitOK {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "predates the backing up of every file") || !strings.Contains(errOut, "inbox/cc33.jpg") {
		t.Errorf("no warning about the missing media: %s", errOut)
	}
	if !strings.Contains(out, "neighbourbot.db: restored (") || !strings.Contains(out, "; integrity ok)") || !strings.Contains(out, "2 missing") {
		t.Errorf("restore output:\n%s", out)
	}
}

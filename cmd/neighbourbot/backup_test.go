package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot/sqlite"
)

func configFor(t *testing.T, dir, dataDir string) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, filepath.Base(dataDir)+".toml"), "[bot]\ndata_dir = \""+dataDir+"\"\n")
}

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

func countRows(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupUnderWritesAndRestore backs up a live database while another
// connection keeps committing transactions of two rows each, restores the
// backup into a fresh data directory and checks it: integrity ok, whole
// transactions only, every file private.
func TestBackupUnderWritesAndRestore(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	cfg := configFor(t, root, data)
	st, err := openStore(ctx, filepath.Join(data, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sess, err := sqlite.Open(ctx, filepath.Join(data, "whatsapp.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Raw().Exec(`INSERT INTO groups (chat, name, updated_at) VALUES ('session-marker', 'linked device', 1)`); err != nil {
		t.Fatal(err)
	}
	sess.Close()
	os.MkdirAll(filepath.Join(data, "photos"), 0o700)
	writeFile(t, filepath.Join(data, "photos", "3f2a.jpg"), "jpeg bytes")
	writeFile(t, filepath.Join(data, "photos", ".upload-123"), "half a photo")

	// The bot at work: transactions of two audit rows each, as fast as
	// they go, until the backup is done.
	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tx, err := st.Raw().Begin()
			if err != nil {
				t.Error(err)
				return
			}
			for range 2 {
				if _, err := tx.Exec(`INSERT INTO audit_log (at, chat, action, detail) VALUES (?, 'g', 'test', ?)`, i, strings.Repeat("x", 200)); err != nil {
					tx.Rollback()
					t.Error(err)
					return
				}
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
				return
			}
			written.Add(2)
		}
	}()
	for written.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(root, "backup-1")
	code, out, errOut := runCLI("backup", "-config", cfg, backup)
	atBackup := written.Load()
	close(stop)
	wg.Wait()
	if code != exitOK {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"neighbourbot.db", "whatsapp.db", "photos/3f2a.jpg", backupManifest} {
		fi, err := os.Stat(filepath.Join(backup, name))
		if err != nil {
			t.Fatalf("backup lacks %s: %v", name, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(backup, "photos", ".upload-123")); err == nil {
		t.Error("an upload in progress was backed up")
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o700 {
		t.Errorf("backup directory is %v", fi.Mode().Perm())
	}
	if code, _, errOut := runCLI("backup", "-config", cfg, backup); code == exitOK || !strings.Contains(errOut, "not empty") {
		t.Errorf("second backup into the same directory: exit %d %s", code, errOut)
	}

	// Restore into a fresh data directory.
	data2 := filepath.Join(root, "data2")
	cfg2 := configFor(t, root, data2)
	if code, out, errOut := runCLI("restore", "-config", cfg2, backup); code != exitOK {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"neighbourbot.db", "whatsapp.db"} {
		if err := sqlite.CheckIntegrity(ctx, filepath.Join(data2, name)); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(filepath.Join(data2, name)); fi.Mode().Perm() != 0o600 {
			t.Errorf("restored %s is %v", name, fi.Mode().Perm())
		}
	}
	restored, err := openStore(ctx, filepath.Join(data2, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	rows := countRows(t, restored.Raw(), `SELECT COUNT(*) FROM audit_log WHERE action = 'test'`)
	restored.Close()
	if rows == 0 || rows%2 != 0 || int64(rows) > atBackup {
		t.Errorf("restored %d rows (written %d by the end of the backup): want whole transactions, some, none from after", rows, atBackup)
	}
	t.Logf("backup under writes kept %d of %d rows", rows, atBackup)
	sess2, err := sqlite.Open(ctx, filepath.Join(data2, "whatsapp.db"))
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, sess2.Raw(), `SELECT COUNT(*) FROM groups WHERE chat = 'session-marker'`); n != 1 {
		t.Errorf("whatsapp.db restored without its contents (%d)", n)
	}
	sess2.Close()
	if b, err := os.ReadFile(filepath.Join(data2, "photos", "3f2a.jpg")); err != nil || string(b) != "jpeg bytes" {
		t.Errorf("photo: %q %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(data2, "photos", "3f2a.jpg")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored photo is %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

// TestRestoreRefusesWhileTheBotRuns: with the data directory locked by a
// running bot, restore changes nothing and exits 5.
func TestRestoreRefusesWhileTheBotRuns(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	cfg := configFor(t, root, data)
	st, err := openStore(ctx, filepath.Join(data, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	backup := filepath.Join(root, "b")
	if code, _, errOut := runCLI("backup", "-config", cfg, backup); code != exitOK {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(filepath.Join(data, "neighbourbot.db"))
	lock, err := lockDataDir(filepath.Join(data, "neighbourbot.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, _, errOut := runCLI("restore", "-config", cfg, backup)
	if code != exitLocked || !strings.Contains(errOut, "stop it first") {
		t.Errorf("restore while running: exit %d %s", code, errOut)
	}
	if after, _ := os.ReadFile(filepath.Join(data, "neighbourbot.db")); !bytes.Equal(before, after) {
		t.Error("restore changed the database of a running bot")
	}
	if code, _, errOut := runCLI("restore", "-config", cfg, root); code != exitUsage || !strings.Contains(errOut, "not a neighbourbot backup") {
		t.Errorf("restore from a directory that is no backup: exit %d %s", code, errOut)
	}
}

// TestRestorePhotoModes: restored photos follow the bot's own rule — 0600
// in a 0700 directory, or 0644 in 0755 when photo_url_base says a web
// server publishes them; inbox media stays private either way, and a photo
// already in the data directory gets the rule's mode too.
func TestRestorePhotoModes(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	cfg := configFor(t, root, data)
	st, err := openStore(ctx, filepath.Join(data, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	sess, err := sqlite.Open(ctx, filepath.Join(data, "whatsapp.db"))
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
	os.MkdirAll(filepath.Join(data, "photos"), 0o700)
	writeFile(t, filepath.Join(data, "photos", "3f2a.jpg"), "jpeg bytes")
	os.MkdirAll(filepath.Join(data, "inbox"), 0o700)
	writeFile(t, filepath.Join(data, "inbox", "9c1d.jpg"), "what a resident sent")
	backup := filepath.Join(root, "backup")
	if code, out, errOut := runCLI("backup", "-config", cfg, backup); code != exitOK {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	for _, tt := range []struct {
		name              string
		potholes          string
		dirMode, fileMode os.FileMode
	}{
		{"private", "", 0o700, 0o600},
		{"published", "[potholes]\nphoto_url_base = \"https://photos.example.org/elm-road/\"\n", 0o755, 0o644},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data2 := filepath.Join(root, "data-"+tt.name)
			cfg2 := writeFile(t, filepath.Join(root, tt.name+".toml"), "[bot]\ndata_dir = \""+data2+"\"\n"+tt.potholes)
			// A photo already there, with the other rule's mode.
			os.MkdirAll(filepath.Join(data2, "photos"), 0o700)
			writeFile(t, filepath.Join(data2, "photos", "3f2a.jpg"), "jpeg bytes")
			os.Chmod(filepath.Join(data2, "photos", "3f2a.jpg"), 0o644^0o600^tt.fileMode)
			writeFile(t, filepath.Join(backup, "photos", "77aa.jpg"), "another photo")
			if code, out, errOut := runCLI("restore", "-config", cfg2, backup); code != exitOK {
				t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
			}
			for path, want := range map[string]os.FileMode{
				"photos":          tt.dirMode,
				"photos/3f2a.jpg": tt.fileMode,
				"photos/77aa.jpg": tt.fileMode,
				"inbox":           0o700,
				"inbox/9c1d.jpg":  0o600,
			} {
				if fi, err := os.Stat(filepath.Join(data2, path)); err != nil || fi.Mode().Perm() != want {
					t.Errorf("%s restored as %v (%v), want %v", path, fi.Mode().Perm(), err, want)
				}
			}
		})
	}
}

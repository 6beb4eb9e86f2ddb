package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"neighbourbot/bot/postgres"
	"neighbourbot/bot/storetest"
)

// pgTool finds one of PostgreSQL's client programs on PATH or where
// Debian installs them.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(found) == 0 {
		t.Skipf("%s is not installed", name)
	}
	return found[len(found)-1]
}

// TestBackupOnAHubSaysPgDump: backup and restore with bot.database set
// name pg_dump and pg_restore (never the password) and touch nothing; the
// commands they name bring a hub made by hub import back whole, its
// linked WhatsApp session included.
func TestBackupOnAHubSaysPgDump(t *testing.T) {
	hub := storetest.Schema(t)
	dir := tourDataDir(t, true)
	if code, out, errOut := hubImportCmd("-data", dir, "-database", hub); code != exitOK {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	cfgPath := filepath.Join(t.TempDir(), "neighbourbot.toml")
	cfgText := fmt.Sprintf("[bot]\ndata_dir = %q\ndatabase = %q\n", dir, "postgres://nb:s3cret@db.example.org/hub")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	for cmd, want := range map[string]string{"backup": "pg_dump --format=custom", "restore": "pg_restore --clean"} {
		target := filepath.Join(t.TempDir(), "b")
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{cmd, "-config", cfgPath, target}, nil, &out, &errOut)
		if code == exitOK || !strings.Contains(errOut.String(), want) || !strings.Contains(errOut.String(), "photos and inbox") || strings.Contains(errOut.String(), "s3cret") {
			t.Errorf("%s on a hub: exit %d, %q", cmd, code, errOut.String())
		}
		if _, err := os.Stat(target); err == nil {
			t.Errorf("%s on a hub made %s", cmd, target)
		}
	}

	// The commands named work: pg_dump of the hub (here its schema of the
	// test database), pg_restore into a fresh database, the same tables.
	u, err := url.Parse(hub)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	dump := filepath.Join(t.TempDir(), "neighbourbot.dump")
	if out, err := exec.Command(pgTool(t, "pg_dump"), "--format=custom", "--file="+dump, "--schema="+schema, u.String()).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	ctx := context.Background()
	admin, err := postgres.OpenDB(ctx, hub)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	restored := "restored_" + strings.TrimPrefix(schema, "t_")
	if _, err := admin.Exec(`CREATE DATABASE ` + restored); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP DATABASE IF EXISTS ` + restored + ` WITH (FORCE)`) })
	into := *u
	into.Path = "/" + restored
	if out, err := exec.Command(pgTool(t, "pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", into.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	q.Set("search_path", schema)
	into.RawQuery = q.Encode()
	src := storetest.PostgresBackend.OpenOn(t, hub)
	dst, err := postgres.Open(ctx, into.String(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	want, got := dumpStore(t, src), dumpStore(t, dst)
	for table := range want {
		if !slices.Equal(want[table], got[table]) {
			t.Errorf("table %s differs after pg_dump and pg_restore:\nwant %q\n got %q", table, want[table], got[table])
		}
	}
	cfg := defaultConfig()
	cfg.Bot.DataDir, cfg.Bot.Database = t.TempDir(), into.String()
	sess, err := openWhatsAppSession(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if !sess.Linked() {
		t.Error("the restored hub's session is not linked")
	}
}

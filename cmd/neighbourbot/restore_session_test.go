package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/whatsapp"
)

// sessionStore creates whatsmeow's real session store at path.
func sessionStore(t *testing.T, path string) {
	t.Helper()
	s, err := whatsapp.OpenSession(context.Background(), whatsapp.SessionOptions{DSN: sqlite.DSN(path)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// Restoring the WhatsApp session says when that is right and what to do
// when it is stale; -without-session restores the bot's data and keeps the
// session in the data directory (or none: the bot links again).
func TestRestoreWarnsAboutTheSessionAndCanLeaveItOut(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	cfg := configFor(t, root, data)
	st, err := openStore(ctx, filepath.Join(data, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	sessionStore(t, filepath.Join(data, "whatsapp.db"))
	backup := filepath.Join(root, "b")
	if code, _, errOut := runCLI("backup", "-config", cfg, backup); code != exitOK {
		t.Fatal(errOut)
	}

	code, out, errOut := runCLI("restore", "-config", configFor(t, root, filepath.Join(root, "fresh")), backup)
	if code != exitOK || !strings.Contains(out, "whatsapp.db: restored") ||
		!strings.Contains(errOut, "encryption keys are out of date") || !strings.Contains(errOut, "-without-session") {
		t.Fatalf("restore with the session: exit %d\n%s%s", code, out, errOut)
	}

	// The live session here moved on after the backup: keep it.
	if err := os.WriteFile(filepath.Join(data, "whatsapp.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	sessionStore(t, filepath.Join(data, "whatsapp.db"))
	live, _ := os.ReadFile(filepath.Join(data, "whatsapp.db"))
	code, out, errOut = runCLI("restore", "-config", cfg, "--without-session", backup)
	if code != exitOK || !strings.Contains(out, "neighbourbot.db: restored") || strings.Contains(out, "whatsapp.db: restored") ||
		!strings.Contains(out, "the session already here is kept") || strings.Contains(errOut, "out of date") {
		t.Fatalf("restore without the session: exit %d\n%s%s", code, out, errOut)
	}
	if now, _ := os.ReadFile(filepath.Join(data, "whatsapp.db")); !bytes.Equal(live, now) {
		t.Fatal("-without-session replaced the live session")
	}
	code, out, _ = runCLI("restore", "-config", configFor(t, root, filepath.Join(root, "new")), "-without-session", backup)
	if code != exitOK || !strings.Contains(out, "shows a linking code") {
		t.Fatalf("restore without a session into a new directory: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(root, "new", "whatsapp.db")); err == nil {
		t.Fatal("a session was restored into the new directory")
	}
}

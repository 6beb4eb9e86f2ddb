package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot/sqlite"
)

// TestDatabaseSetting: [bot] database is empty (SQLite, the default) or a
// PostgreSQL URL; a URL is refused, naming every part not yet on
// PostgreSQL, while any is not; a URL's password is never repeated.
func TestDatabaseSetting(t *testing.T) {
	if err := validateDatabase(""); err != nil {
		t.Fatalf("empty: %v", err)
	}
	for _, bad := range []string{"sqlite:///var/lib/bot.db", "./data/bot.db", "mysql://u:s3cret@h/db"} {
		if err := validateDatabase(bad); err == nil || !strings.Contains(err.Error(), "must be empty (the SQLite file in the data directory) or a PostgreSQL URL") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := validateDatabase("postgres://u:s3cret@db.example.org:port/hub"); err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "bot.database") {
		t.Errorf("an unreadable URL: %v", err)
	}
	err := validateDatabase("postgres://u:s3cret@db.example.org/hub?sslmode=require")
	if err == nil {
		t.Fatal("a PostgreSQL URL was accepted while parts do not run on it")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret") {
		t.Errorf("the password is in the message: %s", msg)
	}
	for _, part := range notYetOnPostgres {
		if !strings.Contains(msg, part) {
			t.Errorf("the message does not name %q: %s", part, msg)
		}
	}
	for _, m := range allMigrations() {
		if len(sqlite.MissingOnPostgres(m)) > 0 && !strings.Contains(msg, m.Component) {
			t.Errorf("%s has no PostgreSQL schema and the message does not name it: %s", m.Component, msg)
		}
	}
	if !strings.Contains(msg, "Leave bot.database (and NEIGHBOURBOT_DATABASE_URL) empty") {
		t.Errorf("the message does not say how to go on: %s", msg)
	}
}

// NEIGHBOURBOT_DATABASE_URL (and its _FILE form) sets [bot] database, and
// check-config refuses it as the file's value, naming the variable.
func TestDatabaseURLFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfgFile := writeFile(t, filepath.Join(dir, "config.toml"), "[bot]\ndata_dir = \""+dir+"\"\n")
	checkConfig := func() (int, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"check-config", "-config", cfgFile}, nil, &out, &errOut)
		return code, errOut.String()
	}
	if code, errOut := checkConfig(); code != exitOK {
		t.Fatalf("without a database URL: exit %d\n%s", code, errOut)
	}
	t.Setenv("NEIGHBOURBOT_DATABASE_URL", "postgres://bot:s3cret@db.example.org/hub")
	code, errOut := checkConfig()
	if code != exitUsage || !strings.Contains(errOut, "NEIGHBOURBOT_DATABASE_URL") || !strings.Contains(errOut, "cannot run on PostgreSQL yet") || strings.Contains(errOut, "s3cret") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	t.Setenv("NEIGHBOURBOT_DATABASE_URL", "")
	if code, errOut := checkConfig(); code != exitOK {
		t.Fatalf("an empty NEIGHBOURBOT_DATABASE_URL is SQLite: exit %d\n%s", code, errOut)
	}
	secret := writeFile(t, filepath.Join(dir, "db-url"), "postgres://bot:s3cret@db.example.org/hub\n")
	t.Setenv("NEIGHBOURBOT_DATABASE_URL_FILE", secret)
	os.Unsetenv("NEIGHBOURBOT_DATABASE_URL") // t.Setenv restores it
	code, errOut = checkConfig()
	if code != exitUsage || !strings.Contains(errOut, "NEIGHBOURBOT_DATABASE_URL_FILE") || strings.Contains(errOut, "s3cret") {
		t.Fatalf("from the _FILE: exit %d:\n%s", code, errOut)
	}
}

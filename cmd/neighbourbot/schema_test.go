package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"neighbourbot/bot/sqlite"
)

// Fixture databases saved by releases live in testdata/upgrade: NAME.db
// (the bot's database as that release left it after the council fortnight
// and the tour) and NAME.counts (each table's rows then). Every later
// release's tests upgrade each of them. To add the current release's:
//
//	NEIGHBOURBOT_TEST_SAVE_UPGRADE_FIXTURE=NAME go test ./cmd/neighbourbot -run TestSaveUpgradeFixture
//
// A migration that drops or reshapes a table edits the older .counts files
// to what the upgrade must leave, in the same commit.

// TestSaveUpgradeFixture writes a fixture database when asked; otherwise
// it is skipped.
func TestSaveUpgradeFixture(t *testing.T) {
	name := os.Getenv("NEIGHBOURBOT_TEST_SAVE_UPGRADE_FIXTURE")
	if name == "" {
		t.Skip("NEIGHBOURBOT_TEST_SAVE_UPGRADE_FIXTURE=NAME saves the current release's fixture")
	}
	council := newFortnightCouncil(t)
	mails := newFortnightMail(t)
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/fortnight/config.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("SERVER", council.srv.URL, "SMTP_PORT", strconv.Itoa(mails.port)).Replace(string(raw))
	cfgPath := writeFile(t, filepath.Join(dir, "config.toml"), cfg)
	data := filepath.Join(dir, "data")
	for _, script := range []string{"testdata/fortnight/fortnight.script", "testdata/tour.script"} {
		src, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		if _, errOut, code := runConsoleScript(t, data, string(src), "-config", cfgPath); code != exitOK {
			t.Fatalf("%s: exit %d: %s", script, code, errOut)
		}
	}
	out := filepath.Join("testdata", "upgrade", name+".db")
	os.Remove(out)
	// The console keeps the same schema in console.db.
	db, err := sql.Open("sqlite3", filepath.Join(data, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`VACUUM INTO ?`, out); err != nil {
		t.Fatal(err)
	}
	counts, err := tableCounts(db)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range sortedKeys(counts) {
		fmt.Fprintf(&b, "%s %d\n", table, counts[table])
	}
	if err := os.WriteFile(filepath.Join("testdata", "upgrade", name+".counts"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeFromEarlierReleases upgrades every saved release's database
// with this binary's migrations and checks that it is whole, at this
// release's schema, with every row it had, and that the bot runs on it.
func TestUpgradeFromEarlierReleases(t *testing.T) {
	fixtures, _ := filepath.Glob("testdata/upgrade/*.db")
	if len(fixtures) == 0 {
		t.Fatal("no fixture databases in testdata/upgrade")
	}
	for _, fixture := range fixtures {
		name := strings.TrimSuffix(filepath.Base(fixture), ".db")
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			dbPath := filepath.Join(dir, "neighbourbot.db")
			if err := copyFile(fixture, dbPath); err != nil {
				t.Fatal(err)
			}
			st, err := openStore(ctx, dbPath)
			if err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			have, err := sqlite.SchemaVersions(ctx, st.Raw())
			if err != nil {
				t.Fatal(err)
			}
			know, err := sqlite.KnownVersions(allMigrations())
			if err != nil {
				t.Fatal(err)
			}
			for c, v := range know {
				if have[c] != v {
					t.Errorf("%s is at version %d after the upgrade, want %d", c, have[c], v)
				}
			}
			if err := sqlite.CheckIntegrity(ctx, dbPath); err != nil {
				t.Errorf("integrity: %v", err)
			}
			raw, err := os.ReadFile(strings.TrimSuffix(fixture, ".db") + ".counts")
			if err != nil {
				t.Fatal(err)
			}
			got, err := tableCounts(st.Raw())
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				table, n, _ := strings.Cut(line, " ")
				want, _ := strconv.Atoi(n)
				if table == "schema_migrations" {
					continue // grows by the upgrade's migrations, checked above
				}
				if got[table] != want {
					t.Errorf("%s has %d rows after the upgrade, want %d", table, got[table], want)
				}
			}
			st.Close()
			// The bot starts on it and reads what it holds (the console's
			// own database has the same schema).
			if err := copyFile(fixture, filepath.Join(dir, "console.db")); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runConsoleScript(t, dir, "dm Carol: !mydata\n")
			if code != exitOK {
				t.Fatalf("console on the upgraded database: exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, "ladder") {
				t.Errorf("Carol's data after the upgrade lacks her borrowed ladder:\n%s", out)
			}
		})
	}
}

// TestNewerDatabaseIsRefused: a database whose schema is ahead of the
// binary — a core or feature migration it lacks, or a feature it does not
// have — is refused at start with exit 8 and a message saying so, and is
// left as it was.
func TestNewerDatabaseIsRefused(t *testing.T) {
	cases := []struct {
		name, insert, want string
	}{
		{"core ahead", `INSERT INTO schema_migrations VALUES ('core', 99, '099_future.sql')`, `its "core" schema is version 99 and this release knows up to`},
		{"feature ahead", `INSERT INTO schema_migrations VALUES ('lending', 50, '050_future.sql')`, `its "lending" schema is version 50`},
		{"unknown feature", `INSERT INTO schema_migrations VALUES ('hub', 1, '001_hub.sql')`, `it holds "hub" data (schema version 1) this release does not know`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			before := map[string]string{}
			for _, file := range []string{"neighbourbot.db", "console.db"} {
				st, err := openStore(ctx, filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.Raw().Exec(c.insert); err != nil {
					t.Fatal(err)
				}
				v, _ := sqlite.SchemaVersions(ctx, st.Raw())
				before[file] = fmt.Sprint(v)
				st.Close()
			}

			_, errOut, code := runConsoleScript(t, dir, "")
			if code != exitSchema {
				t.Fatalf("console: exit %d, want %d: %s", code, exitSchema, errOut)
			}
			for _, w := range []string{"written by a newer neighbourbot", c.want, "never downgraded"} {
				if !strings.Contains(errOut, w) {
					t.Errorf("message lacks %q: %s", w, errOut)
				}
			}
			cfg := writeFile(t, filepath.Join(dir, "config.toml"), "[bot]\ndata_dir = \""+dir+"\"\n")
			var out, stderr bytes.Buffer
			if code := run(ctx, []string{"notices", "report", "-config", cfg}, nil, &out, &stderr); code != exitSchema {
				t.Errorf("a command-line tool: exit %d, want %d: %s", code, exitSchema, stderr.String())
			}
			stderr.Reset()
			if code := run(ctx, []string{"run", "-config", cfg}, nil, &out, &stderr); code != exitSchema || !strings.Contains(stderr.String(), "newer neighbourbot") {
				t.Errorf("the bot: exit %d, want %d: %s", code, exitSchema, stderr.String())
			}

			for file, was := range before {
				db, err := sql.Open("sqlite3", filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				after, _ := sqlite.SchemaVersions(ctx, db)
				db.Close()
				if fmt.Sprint(after) != was {
					t.Errorf("%s: schema versions changed by a refused start: %s → %v", file, was, after)
				}
			}
		})
	}
	// A feature's own tests open a subset of the migrations: that is not
	// a newer database.
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	st, err := openStore(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = sqlite.Open(ctx, dbPath)
	var newer *sqlite.NewerSchemaError
	if errors.As(err, &newer) {
		t.Errorf("core alone refused a database with features: %v", err)
	}
	if st != nil {
		st.Close()
	}
}

func tableCounts(db *sql.DB) (map[string]int, error) {
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]int{}
	for _, table := range tables {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + table + `"`).Scan(&n); err != nil {
			return nil, err
		}
		out[table] = n
	}
	return out, nil
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

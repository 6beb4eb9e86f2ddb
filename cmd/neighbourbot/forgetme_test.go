package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// TestForgetMeLeavesNoTrace builds the whole application in console mode,
// with every feature wired, has one resident use as many commands as
// possible, then erases them with !forgetme and scans every column of
// every table for their name or address. A feature added later is covered
// too: the script ends with a pass over every registered command.
func TestForgetMeLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	var out strings.Builder
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&out, clock)
	log := slog.New(slog.DiscardHandler)
	a, err := newApp(ctx, cfg, log, filepath.Join(cfg.Bot.DataDir, "console.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	con.Attach(a.engine)

	// The resident's name never appears in free text they type, only as
	// who they are, so whatever is left afterwards is a leak.
	const who = "Zebedee"
	script := `@group street Elm Road
@admin Alice
Alice: !bot on
Alice: !area SY3 7
Alice: !block add casino
Alice: !notices on
Zebedee: hello everyone, new at number 12
Zebedee: !lend ladder — aluminium, 3m
Zebedee: !lend wheelbarrow
Zebedee: !borrow hedge trimmer
Zebedee: !favour dog walking
Zebedee: !errand tip Saturday 10am — can take 2 bags
Bob: !lend drill
Zebedee: !borrow drill
Bob: !lent drill @Zebedee for 3d
Alice: !borrow ladder
Zebedee: !lent ladder @Alice for 2d
Alice: !errand shops Friday 2pm
Zebedee: !join shops 1 bag
Zebedee: !items
Zebedee [location 52.7069,-2.7540]: !pothole deep hole outside number 4
Zebedee [photo]: !report streetlight flickering outside number 6
Bob: !metoo P1
Zebedee: !metoo P2
Zebedee: !power
Zebedee: !off
Bob: !on
Zebedee: casino night
Alice: !warn @Zebedee please stop
Carol [reply Zebedee]: !report rude
Zebedee [reply Carol]: !report unfriendly
dm Zebedee: !report someone posts ads
dm Zebedee: !notices
dm Zebedee: !mine
dm Zebedee: !mydata
@advance 1h
`
	var pass strings.Builder
	for _, rt := range a.engine.Kit("test").Reg.Router().Routes() {
		if rt.Name == "forgetme" {
			continue
		}
		if rt.Scope != bot.DirectOnly {
			fmt.Fprintf(&pass, "%s: !%s\n", who, rt.Name)
		}
		if rt.Scope != bot.GroupOnly {
			fmt.Fprintf(&pass, "dm %s: !%s\n", who, rt.Name)
		}
	}
	script += pass.String()
	if err := con.RunScript(ctx, strings.NewReader(script), true); err != nil {
		t.Fatal(err)
	}
	db := a.store.Raw()
	// The scan must see the resident before erasure, in several tables,
	// or it proves nothing afterwards.
	before, _ := scanFor(t, db, who)
	tablesHit := map[string]bool{}
	for _, h := range before {
		tablesHit[strings.SplitN(h, ".", 2)[0]] = true
	}
	if len(tablesHit) < 3 {
		t.Fatalf("before erasure the resident shows up in only %d tables (%v): the script did too little", len(tablesHit), before)
	}
	t.Logf("before erasure the resident shows up in: %v", slices.Sorted(maps.Keys(tablesHit)))
	if err := con.RunScript(ctx, strings.NewReader("dm Zebedee: !forgetme\ndm Zebedee: !forgetme yes\n"), true); err != nil {
		t.Fatal(err)
	}
	transcript := out.String()
	if !strings.Contains(transcript, "I no longer know who you are") {
		t.Fatalf("erasure did not finish:\n%s", transcript)
	}

	var person int64
	if err := db.QueryRow(`SELECT id FROM people WHERE forgotten = 1`).Scan(&person); err != nil {
		t.Fatalf("no forgotten person: %v\n%s", err, transcript)
	}
	var name, preferred string
	if err := db.QueryRow(`SELECT name, preferred FROM people WHERE id = ?`, person).Scan(&name, &preferred); err != nil {
		t.Fatal(err)
	}
	if name == who || preferred != "" {
		t.Errorf("people row still identifies them: name %q, preferred %q", name, preferred)
	}
	var addrs int
	if err := db.QueryRow(`SELECT COUNT(*) FROM person_addresses WHERE person_id = ?`, person).Scan(&addrs); err != nil {
		t.Fatal(err)
	}
	if addrs != 0 {
		t.Errorf("%d addresses still linked to the forgotten person", addrs)
	}

	hits, scanned := scanFor(t, db, who)
	for _, h := range hits {
		t.Errorf("still held: %s", h)
	}
	t.Logf("scanned %d columns", scanned)
	if testing.Verbose() {
		t.Log(transcript)
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", transcript)
	}
}

// scanFor looks for text (case-insensitively) in every column of every
// table, whatever its declared type: names and addresses can hide in JSON
// payloads as well as TEXT columns. It returns "table.column: value" hits.
func scanFor(t *testing.T, db *sql.DB, text string) (hits []string, scanned int) {
	t.Helper()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	if len(names) < 10 {
		t.Fatalf("only %d tables: is every feature wired?", len(names))
	}
	needle := strings.ToLower(text)
	for _, table := range names {
		cols, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		var columns []string
		for cols.Next() {
			var c string
			if err := cols.Scan(&c); err != nil {
				t.Fatal(err)
			}
			columns = append(columns, c)
		}
		cols.Close()
		for _, col := range columns {
			scanned++
			q := fmt.Sprintf(`SELECT CAST(%q AS TEXT) FROM %q WHERE instr(lower(CAST(%q AS TEXT)), ?) > 0`, col, table, col)
			rows, err := db.Query(q, needle)
			if err != nil {
				t.Fatalf("%s.%s: %v", table, col, err)
			}
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				hits = append(hits, fmt.Sprintf("%s.%s: %q", table, col, v))
			}
			rows.Close()
		}
	}
	return hits, scanned
}

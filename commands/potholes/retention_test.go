package potholes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

var _ bot.RecordPurger = dataProvider{}

// purgeTables dumps the feature's report tables.
var purgeTables = []string{
	`SELECT * FROM pothole_reports ORDER BY id`,
	`SELECT * FROM pothole_confirmations ORDER BY id`,
	`SELECT * FROM pothole_events ORDER BY id`,
	`SELECT * FROM pothole_photos ORDER BY report_id, sha256`,
}

func TestPurgeClosed(t *testing.T) {
	photoDir := filepath.Join(t.TempDir(), "photos")
	h := bottest.New(t, harnessOptions(t, testConfig(), photoDir))
	out := h.Run(`@admin Alice
Alice: !bot on
Bob [photo]: !pothole deep hole outside no. 12 Elm Road
Carol: !pothole pothole on Oak Lane by the bus stop
Dave [photo]: !report drain blocked on Ash Close
Erin: !pothole cracked kerb on Birch Way
Bob [photo]: this one is everywhere
Dave [reply Bob]: !metoo P2
Frank: !report streetlight out on Ash Close
Alice: !pothole P1 fixed
Alice: !pothole P2 closed
Alice: !pothole P3 duplicate P2
Alice: !pothole P5 not council's responsibility
@advance 200d
Grace [reply Bob]: !metoo P4
Bob: !pothole big pothole on Elm Road again
Alice: !pothole P6 duplicate P4
`)
	db := h.Store.Raw()
	statuses := func() string {
		t.Helper()
		rows, err := db.Query(`SELECT id, status FROM pothole_reports ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var parts []string
		for rows.Next() {
			var id int64
			var st string
			if err := rows.Scan(&id, &st); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, fmt.Sprintf("P%d %s", id, st))
		}
		return strings.Join(parts, ", ")
	}
	const setup = "P1 fixed, P2 closed, P3 duplicate, P4 open, P5 not council's responsibility, P6 duplicate"
	if got := statuses(); got != setup {
		t.Fatalf("reports before the purge: %s, want %s\n%s", got, setup, out)
	}
	files := func() []string {
		t.Helper()
		entries, err := os.ReadDir(photoDir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		return names
	}
	photoOf := func(id int64) string {
		t.Helper()
		var file string
		if err := db.QueryRow(`SELECT file FROM pothole_photos WHERE report_id = ?`, id).Scan(&file); err != nil {
			t.Fatalf("photo of P%d: %v", id, err)
		}
		return file
	}
	p1Photo, p3Photo, shared := photoOf(1), photoOf(3), photoOf(2)
	if shared != photoOf(4) || len(files()) != 3 {
		t.Fatalf("setup: P2 and P4 should share one photo, three files in all; have %v", files())
	}
	// P4 (open, recent) is linked to P1 directly, as an old database could
	// hold: P1 must then stay, photo and all.
	if _, err := db.Exec(`UPDATE pothole_reports SET duplicate_of = 1 WHERE id = 4`); err != nil {
		t.Fatal(err)
	}

	var purger bot.RecordPurger
	for _, p := range h.Kit("test").Reg.DataProviders() {
		if rp, ok := p.(bot.RecordPurger); ok && p.DataName() == "Street reports" {
			purger = rp
		}
	}
	if purger == nil {
		t.Fatal("the Street reports data provider is not a RecordPurger")
	}
	ctx := context.Background()
	cutoff := h.Now().Add(-100 * 24 * time.Hour)
	n, err := purger.PurgeClosed(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	// P2, P3 (its duplicate) and P5 went; P1 is still named by P4; P4 is
	// open; P6 was resolved only recently.
	if got, want := statuses(), "P1 fixed, P4 open, P6 duplicate"; got != want {
		t.Errorf("reports after the purge: %s, want %s", got, want)
	}
	for _, q := range []string{
		`SELECT COUNT(*) FROM pothole_confirmations WHERE report_id IN (2, 3, 5)`,
		`SELECT COUNT(*) FROM pothole_events WHERE report_id IN (2, 3, 5)`,
		`SELECT COUNT(*) FROM pothole_photos WHERE report_id IN (2, 3, 5)`,
	} {
		var got int
		if err := db.QueryRow(q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != 0 {
			t.Errorf("%s = %d, want 0", q, got)
		}
	}
	if n < 3 {
		t.Errorf("purge counted %d rows, want at least the 3 reports", n)
	}
	// P3's photo file is gone; P1's stays with P1; the shared one stays
	// for P4.
	got := files()
	want := []string{p1Photo, shared}
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("photo files %v, want %v (P3's %s removed)", got, want, p3Photo)
	}

	// Running again changes nothing.
	before := bottest.Dump(t, db, purgeTables...)
	if n, err := purger.PurgeClosed(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0, nil", n, err)
	}
	if after := bottest.Dump(t, db, purgeTables...); after != before {
		t.Errorf("second purge changed the store")
	}
	if len(files()) != 2 {
		t.Errorf("second purge removed photo files: %v", files())
	}
	// Unlinked from P4 but with a history line since the cutoff (the
	// report row itself unchanged), P1 has changed recently: it stays.
	if _, err := db.Exec(`UPDATE pothole_reports SET duplicate_of = NULL WHERE id = 4`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO pothole_events (report_id, at, kind, detail) VALUES (1, ?, 'council', 'inspected')`, h.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if n, err := purger.PurgeClosed(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("purge after a recent history line = %d, %v; want 0, nil", n, err)
	}
	if got, want := statuses(), "P1 fixed, P4 open, P6 duplicate"; got != want {
		t.Errorf("reports after a recent history line: %s, want %s", got, want)
	}
	// Once that line is older than the cutoff too, P1 goes, with its photo.
	if _, err := db.Exec(`UPDATE pothole_events SET at = ? WHERE kind = 'council'`, cutoff.Add(-time.Hour).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if _, err := purger.PurgeClosed(ctx, cutoff); err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(), "P4 open, P6 duplicate"; got != want {
		t.Errorf("reports after the third purge: %s, want %s", got, want)
	}
	if got := files(); len(got) != 1 || got[0] != shared {
		t.Errorf("photo files %v, want only the shared %s", got, shared)
	}
	h.Expect("Alice: !potholes\n", "P4")
}

package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// TestPruneDeparted: of the people who left every group, only those no
// feature holds anything about and no table refers to are deleted, with
// their addresses and memberships.
func TestPruneDeparted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Bot.DataDir = dir
	var out bytes.Buffer
	t0 := console.DefaultStart
	clock := bot.NewManualClock(t0)
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(dir, "bot.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	db := a.store.Raw()
	if _, err := db.Exec(`CREATE TABLE extra_refs (person_id INTEGER REFERENCES people(id))`); err != nil {
		t.Fatal(err)
	}
	const group = bot.ChatID("street@g.us")
	ids := map[string]int64{}
	for _, name := range []string{"Bob", "Carol", "Dave", "Frank", "Gina", "Erin"} {
		p, err := a.store.ResolvePerson(ctx, bot.Sender{Addr: bot.Address(name), Name: name}, t0)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = p.ID
		if name == "Frank" {
			continue // only ever wrote privately
		}
		if err := a.store.SetMember(ctx, group, p.ID, true, t0); err != nil {
			t.Fatal(err)
		}
		if name != "Dave" { // Dave stays
			if err := a.store.SetMember(ctx, group, p.ID, false, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Carol still has a request open in lending; a table refers to Gina.
	if _, err := db.Exec(`INSERT INTO lending_wants (chat, person_id, text, created_at, expires_at) VALUES (?, ?, 'ladder', 0, ?)`, string(group), ids["Carol"], t0.Add(time.Hour*24*400).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO extra_refs VALUES (?)`, ids["Gina"]); err != nil {
		t.Fatal(err)
	}

	n, err := a.engine.PruneDeparted(ctx, a.store, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("pruned %d people, want 1 (Bob)", n)
	}
	for name, id := range ids {
		var people, addrs int
		db.QueryRow(`SELECT COUNT(*) FROM people WHERE id = ?`, id).Scan(&people)
		db.QueryRow(`SELECT COUNT(*) FROM person_addresses WHERE person_id = ?`, id).Scan(&addrs)
		gone := people == 0 && addrs == 0
		// Erin left too and holds nothing, but is the newest person: her id
		// must not be handed on.
		if want := name == "Bob"; gone != want {
			t.Errorf("%s: gone = %v, want %v", name, gone, want)
		}
	}
	var memberships int
	db.QueryRow(`SELECT COUNT(*) FROM memberships WHERE person_id = ?`, ids["Bob"]).Scan(&memberships)
	if memberships != 0 {
		t.Errorf("Bob's memberships kept: %d", memberships)
	}
	// Left recently: not yet.
	if n, err := a.engine.PruneDeparted(ctx, a.store, t0.Add(30*time.Minute)); err != nil || n != 0 {
		t.Errorf("cutoff before they left: pruned %d (%v)", n, err)
	}
}

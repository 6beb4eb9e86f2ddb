package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/sqlite"
)

// benchApp wires every feature over the console transport (output
// discarded) and a real SQLite file, with a group opted in and links,
// antiflood and a blocklist switched on, so moderation does real work.
// Sends are not drained while it runs (as with WhatsApp, a sender of its own
// does that), so what is measured is the inbound path alone.
func benchApp(b *testing.B) (*app, *bot.ManualClock, bot.Chat) {
	b.Helper()
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = b.TempDir()
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(io.Discard, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "bench.db"), con, clock, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.store.Close() })
	con.Attach(a.engine)
	setup := "@admin Alice\nAlice: !bot on\nAlice: !links on\nAlice: !antiflood on\nAlice: !block add scam\nAlice: !block add /free\\s+money/\nBob: !lend ladder\n"
	if err := con.RunScript(ctx, strings.NewReader(setup), false); err != nil {
		b.Fatal(err)
	}
	return a, clock, bot.Chat{ID: "group:street", IsGroup: true, Name: "Elm Road"}
}

// BenchmarkPipeline measures the inbound path end to end — dedupe,
// identity, moderation checks, routing, the handler's reads and writes and
// its queued reply, in one unit of work — against a floor measured in the
// same run: one row committed into a fresh SQLite file with the store's own
// DSN. Each reports commits/op; compare ns/op as ratios to the floor.
func BenchmarkPipeline(b *testing.B) {
	b.Run("floor", func(b *testing.B) { benchFloor(b, false) })
	// The same row committed through the store's own write path (one unit
	// of work: BEGIN IMMEDIATE, the insert, COMMIT), as every message is.
	b.Run("floor_unit", func(b *testing.B) { benchFloor(b, true) })
	messages := map[string]func(i int) string{
		// A plain message in an opted-in group with every feature on.
		"chatter": func(int) string { return "Has anyone seen a black cat on Elm Road this morning?" },
		// A state-changing command: list and unlist a drill in turn.
		"command": func(i int) string {
			if i%2 == 0 {
				return "!lend drill"
			}
			return "!unlist drill"
		},
	}
	for _, name := range []string{"chatter", "command"} {
		text := messages[name]
		b.Run(name, func(b *testing.B) {
			a, clock, chat := benchApp(b)
			ctx := context.Background()
			senders := []string{"Carol", "Dave", "Erin", "Frank"}
			b.ReportAllocs()
			before := sqlite.Commits()
			b.ResetTimer()
			for i := range b.N {
				// Chatter comes from four senders in turn, three seconds
				// apart, under the antiflood limit; the command from one,
				// so that the drill it lists is the one it unlists.
				who := "Carol"
				if name == "chatter" {
					who = senders[i%len(senders)]
				}
				clock.Advance(3 * time.Second)
				out, err := a.engine.HandleMessage(ctx, &bot.Message{ID: name + strconv.Itoa(i), Chat: chat,
					Sender: bot.Sender{Addr: bot.Address(who), Name: who}, Text: text(i), Time: a.clock.Now()})
				if err != nil || out != bot.Handled {
					b.Fatalf("message %d: %v, %v", i, out, err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(sqlite.Commits()-before)/float64(b.N), "commits/op")
		})
	}
}

// benchFloor commits one row per op into a fresh SQLite file with the
// store's own DSN: on its own, or in the store's unit of work.
func benchFloor(b *testing.B, unit bool) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "floor.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Raw().Exec(`CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	before := sqlite.Commits()
	b.ResetTimer()
	for i := range b.N {
		row := "row " + strconv.Itoa(i)
		if !unit {
			if _, err := st.Raw().Exec(`INSERT INTO bench (v) VALUES (?)`, row); err != nil {
				b.Fatal(err)
			}
			continue
		}
		err := st.Atomic(ctx, func(ctx context.Context) error {
			_, err := st.DB().ExecContext(ctx, `INSERT INTO bench (v) VALUES (?)`, row)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sqlite.Commits()-before)/float64(b.N), "commits/op")
}

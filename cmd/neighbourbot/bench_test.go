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
)

// benchApp wires every feature over the console transport (output
// discarded) and a real SQLite file, with a group opted in and links,
// antiflood and a blocklist switched on, so moderation does real work.
func benchApp(b *testing.B) (*app, *bot.ManualClock, bot.Chat) {
	b.Helper()
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = b.TempDir()
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(io.Discard, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "bench.db"), con, clock, con)
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

// BenchmarkInboundWithAllFeatures measures the inbound path end to end —
// dedupe, identity, moderation checks, routing, a lending handler reading
// SQLite, and the reply — with every feature registered.
func BenchmarkInboundWithAllFeatures(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"chatter", "Has anyone seen a black cat on Elm Road this morning?"},
		{"command", "!items"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, clock, chat := benchApp(b)
			ctx := context.Background()
			senders := []string{"Carol", "Dave", "Erin", "Frank"}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				// Four senders in turn, three seconds apart, stay under the
				// antiflood limit: the benchmark measures the ordinary path.
				who := senders[i%len(senders)]
				clock.Advance(3 * time.Second)
				a.engine.HandleMessage(ctx, &bot.Message{ID: tc.name + strconv.Itoa(i), Chat: chat,
					Sender: bot.Sender{Addr: bot.Address(who), Name: who}, Text: tc.text, Time: a.engine.Now()})
			}
		})
	}
}

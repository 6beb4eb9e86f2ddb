package power

import (
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
	"neighbourbot/commands/polling"
)

func harnessOptions(cfg Config, deps Deps) bottest.Options {
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations(), polling.Migrations()},
		Register:   func(h *bottest.Harness) error { return Register(h.Kit(FeatureName), cfg, deps) },
	}
}

// TestGolden checks the console transcripts in testdata/: single-home and
// street-wide checks, changed votes, restoration with the 12-hour message,
// history, bad input and the hint.
func TestGolden(t *testing.T) {
	bottest.Golden(t, "testdata", harnessOptions(DefaultConfig(), Deps{}))
}

// TestGoldenOnPostgres runs the same transcripts on PostgreSQL.
func TestGoldenOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	o := harnessOptions(DefaultConfig(), Deps{})
	o.OnPostgres = true
	bottest.Golden(t, "testdata", o)
}

package lending

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
)

// london is the zone the tests read dates in, as the default config does.
var london = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// testOptions wires lending with the default config and the default quiet
// hours (21:00–08:00 London).
func testOptions() bottest.Options {
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations()},
		Register: func(h *bottest.Harness) error {
			h.Console.Directive("forget", func(ctx context.Context, name string) error { return forgetInScript(ctx, h, name) })
			return Register(h.Kit(FeatureName), DefaultConfig(), Deps{Quiet: bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: london}, Loc: london})
		},
	}
}

// forgetInScript is the @forget NAME directive: it erases a person the way
// the !forgetme command does once confirmed (every feature's provider,
// then the core's), without the confirmation dialogue that another
// package owns, and prints each provider's summary.
func forgetInScript(ctx context.Context, h *bottest.Harness, name string) error {
	p, err := h.Store.PersonByAddr(ctx, bot.Address(strings.TrimSpace(name)))
	if err != nil {
		return fmt.Errorf("@forget %s: %w", name, err)
	}
	providers := h.Kit("test").Reg.DataProviders()
	for _, dp := range append(providers[1:], providers[0]) {
		summary, err := dp.ForgetPerson(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("@forget %s: %s: %w", name, dp.DataName(), err)
		}
		fmt.Fprintf(h.Out, "-- %s: %s\n", dp.DataName(), summary)
	}
	return nil
}

func TestGolden(t *testing.T) { bottest.Golden(t, "testdata", testOptions()) }

// TestGoldenOnPostgres runs the same transcripts on PostgreSQL: the same
// words, to the letter, from the other backend.
func TestGoldenOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	o := testOptions()
	o.OnPostgres = true
	bottest.Golden(t, "testdata", o)
}

// snapshot dumps every lending table and every lending job, so tests can
// assert that bad input changed nothing.
func snapshot(t testing.TB, h *bottest.Harness) string {
	t.Helper()
	return bottest.Dump(t, h.Store.Raw(),
		`SELECT id, chat, owner_id, kind, name, match_key, note, created_at FROM lending_listings ORDER BY id`,
		`SELECT id, chat, IFNULL(listing_id, 0), item, IFNULL(owner_id, 0), IFNULL(borrower_id, 0), lent_at, due_at, state, claimed_at, confirm_msg, closed_at, close_reason FROM lending_loans ORDER BY id`,
		`SELECT id, chat, person_id, text, created_at, expires_at FROM lending_wants ORDER BY id`,
		`SELECT id, chat, runner_id, place, note, starts_at, created_at FROM lending_errands ORDER BY id`,
		`SELECT errand_id, person_id, note, joined_at FROM lending_errand_signups ORDER BY errand_id, person_id`,
		`SELECT kind, key, run_at, IFNULL(payload, '') FROM jobs WHERE kind LIKE 'lending.%' ORDER BY key`,
	)
}

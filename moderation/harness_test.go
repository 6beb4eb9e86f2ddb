package moderation

import (
	"context"
	"database/sql"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// options wires moderation into a test harness; Olivia is a bot owner
// from config (not a WhatsApp admin of any group).
func options(cfg Config, got **Feature) bottest.Options {
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations()},
		Owners:     []string{"Olivia"},
		Register: func(h *bottest.Harness) error {
			m, err := register(context.Background(), h.Kit("moderation"), cfg, Deps{})
			if got != nil {
				*got = m
			}
			return err
		},
	}
}

func newHarness(t testing.TB, cfg Config) *bottest.Harness {
	t.Helper()
	return bottest.New(t, options(cfg, nil))
}

const streetSetup = "@group street Elm Road\n@admin Alice\nAlice: !bot on\nBob: hi all\nCarol: hello\n"

// snapshot dumps every moderation table and the audit log, to show that
// refused or bad commands changed nothing.
func snapshot(t testing.TB, db *sql.DB) string {
	t.Helper()
	return bottest.Dump(t, db,
		"SELECT * FROM mod_groups ORDER BY 1",
		"SELECT * FROM mod_blocklist ORDER BY 1",
		"SELECT * FROM mod_link_allow ORDER BY 1",
		"SELECT * FROM mod_warnings ORDER BY 1",
		"SELECT * FROM mod_reports ORDER BY 1",
		"SELECT * FROM mod_forget_requests ORDER BY 1",
		"SELECT * FROM mod_state ORDER BY 1",
		"SELECT * FROM audit_log ORDER BY 1",
	)
}

func countRows(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

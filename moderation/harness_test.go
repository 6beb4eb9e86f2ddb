package moderation

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// options wires moderation into a test harness; Olivia is a bot owner
// from config (not a WhatsApp admin of any group).
func options(cfg Config, got **Moderator) bottest.Options {
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations()},
		Owners:     []string{"Olivia"},
		Register: func(h *bottest.Harness) error {
			m, err := register(context.Background(), h.Engine, cfg, Deps{})
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
	var b strings.Builder
	for _, table := range []string{"mod_groups", "mod_blocklist", "mod_link_allow", "mod_warnings", "mod_reports",
		"mod_forget_requests", "mod_state", "audit_log"} {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1")
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("snapshot %s: %v", table, err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

func countRows(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

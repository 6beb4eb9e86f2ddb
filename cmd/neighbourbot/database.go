package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
)

// notYetOnPostgres are the parts of the bot, other than features' tables,
// that still work on the SQLite file alone. Each goes from this list when
// it runs on PostgreSQL, with tests on both backends; when the list and
// the features' gaps are empty, a postgres:// database is accepted.
var notYetOnPostgres = []string{
	"several numbers sharing one hub ([bot] account: groups, memberships and sends per number are not built yet)",
}

// validateDatabase checks [bot] database: empty (the SQLite file in the
// data directory, the default) or a PostgreSQL URL, which is refused,
// naming what does not run on PostgreSQL yet, until everything does. The
// URL is never repeated: it may hold a password.
func validateDatabase(database string) error {
	if strings.TrimSpace(database) == "" {
		return nil
	}
	if !postgres.IsURL(database) {
		return errors.New(`bot.database must be empty (the SQLite file in the data directory) or a PostgreSQL URL such as "postgres://neighbourbot@db.example.org/neighbourbot"`)
	}
	if err := validateDatabaseURL(database); err != nil {
		return fmt.Errorf("bot.database: %w", err)
	}
	gaps := postgresGaps()
	if len(gaps) == 0 {
		return nil
	}
	return fmt.Errorf("bot.database: this release cannot run on PostgreSQL yet — not yet on it: %s. Leave bot.database (and NEIGHBOURBOT_DATABASE_URL) empty to keep the SQLite file in the data directory",
		strings.Join(gaps, "; "))
}

// validateDatabaseURL checks a PostgreSQL URL (the console's and hub
// import's -database) without connecting and without repeating it.
func validateDatabaseURL(database string) error {
	if !postgres.IsURL(database) {
		return errors.New(`must be a PostgreSQL URL such as "postgres://neighbourbot@db.example.org/neighbourbot"`)
	}
	_, err := postgres.ParseURL(database)
	return err
}

// postgresGaps lists what does not run on PostgreSQL yet: the features
// whose tables have no PostgreSQL migrations (or not all of them), then
// notYetOnPostgres.
func postgresGaps() []string {
	seen := map[string]bool{}
	var tables []string
	for _, m := range allMigrations() {
		if !seen[m.Component] && len(sqlite.MissingOnPostgres(m)) > 0 {
			tables = append(tables, m.Component)
		}
		seen[m.Component] = true
	}
	sort.Strings(tables)
	var out []string
	if len(tables) > 0 {
		out = append(out, "the tables of "+strings.Join(tables, ", "))
	}
	return append(out, notYetOnPostgres...)
}

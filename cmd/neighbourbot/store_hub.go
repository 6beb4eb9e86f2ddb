package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"neighbourbot/bot"
)

// The hub's own bookkeeping for the console's -reset and hub import: which
// of the bot's tables a PostgreSQL database holds, whether it holds a
// linked WhatsApp session, and emptying the bot's tables.

// hubTableExists reports whether the first schema on the search path has
// the table.
func hubTableExists(ctx context.Context, db *sql.DB, table string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?`, table).Scan(&n)
	return n > 0, err
}

// hubHasLinkedSession reports whether the database holds a linked WhatsApp
// device (a row in whatsmeow's device table).
func hubHasLinkedSession(ctx context.Context, db *sql.DB) (bool, error) {
	ok, err := hubTableExists(ctx, db, "whatsmeow_device")
	if err != nil || !ok {
		return false, err
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM whatsmeow_device`).Scan(&n)
	return n > 0, err
}

// hubHasBotData reports whether the database already holds the bot's
// tables (it was migrated by an earlier run).
func hubHasBotData(ctx context.Context, db *sql.DB) (bool, error) {
	return hubTableExists(ctx, db, "schema_migrations")
}

// hubRowCount counts a table's rows; the table name comes from the bot's
// own list, never from input.
func hubRowCount(ctx context.Context, db *sql.DB, table string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteTable(table)).Scan(&n)
	return n, err
}

// dropHubTables drops the bot's tables and its trigger functions from the
// first schema on the search path, in one transaction, leaving everything
// else in the database (the WhatsApp session's tables, other programs'
// tables) as it is.
func dropHubTables(ctx context.Context, db *sql.DB, tables, functions []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+quoteTable(t)+` CASCADE`); err != nil {
			return fmt.Errorf("drop %s: %w", t, err)
		}
	}
	for _, f := range functions {
		if _, err := tx.ExecContext(ctx, `DROP FUNCTION IF EXISTS `+quoteTable(f)+`() CASCADE`); err != nil {
			return fmt.Errorf("drop function %s: %w", f, err)
		}
	}
	return tx.Commit()
}

// clearHubTables deletes every row of the tables (the bot's own, named by
// the caller), in one transaction.
func clearHubTables(ctx context.Context, db *sql.DB, tables []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteTable(t)); err != nil {
			return fmt.Errorf("empty %s: %w", t, err)
		}
	}
	return tx.Commit()
}

func quoteTable(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// createFunction finds the functions a PostgreSQL migration creates (the
// triggers' bodies).
var createFunction = regexp.MustCompile(`(?i)\bCREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\s*\(`)

// migrationFunctions lists the functions the components' PostgreSQL
// migrations create.
func migrationFunctions(migs []bot.Migrations) ([]string, error) {
	var out []string
	for _, m := range migs {
		files, err := fs.Glob(m.FS, "postgres/*.sql")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := fs.ReadFile(m.FS, f)
			if err != nil {
				return nil, err
			}
			for _, sub := range createFunction.FindAllStringSubmatch(string(b), -1) {
				out = append(out, sub[1])
			}
		}
	}
	return out, nil
}

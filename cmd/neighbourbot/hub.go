package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
)

// botTables lists the tables this release's migrations make (the same
// names on both backends, as TestSchemasMatchOnBothBackends keeps them),
// read from a scratch SQLite database migrated like the bot's.
func botTables(ctx context.Context) ([]string, error) {
	dir, err := os.MkdirTemp("", "neighbourbot-tables-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := openStore(ctx, filepath.Join(dir, "scratch.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return sqlite.FileTables(ctx, st.Raw())
}

// errLinkedSession refuses to empty a database that holds a linked
// WhatsApp number: its bot data belongs to a running hub.
var errLinkedSession = errors.New("this database holds a linked WhatsApp session, so it is a live hub, not a console's: -reset will not empty it. Give the console a database (or schema) of its own")

// resetHub empties the bot's tables in the PostgreSQL database: the
// console's -reset. A database holding a linked WhatsApp session is
// refused; whatsmeow's tables and anything not the bot's are left alone.
func resetHub(ctx context.Context, database string) error {
	db, err := postgres.OpenDB(ctx, database)
	if err != nil {
		return err
	}
	defer db.Close()
	linked, err := hubHasLinkedSession(ctx, db)
	if err != nil {
		return err
	}
	if linked {
		return errLinkedSession
	}
	tables, err := botTables(ctx)
	if err != nil {
		return fmt.Errorf("list the bot's tables: %w", err)
	}
	functions, err := migrationFunctions(allMigrations())
	if err != nil {
		return err
	}
	return dropHubTables(ctx, db, tables, functions)
}

// hubHasData reports whether the PostgreSQL database already holds the
// bot's tables from an earlier run.
func hubHasData(ctx context.Context, database string) (bool, error) {
	db, err := postgres.OpenDB(ctx, database)
	if err != nil {
		return false, err
	}
	defer db.Close()
	return hubHasBotData(ctx, db)
}

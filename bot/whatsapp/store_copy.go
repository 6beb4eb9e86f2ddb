package whatsapp

import (
	"context"
	"database/sql"
	"fmt"

	"go.mau.fi/whatsmeow/store/sqlstore"

	"neighbourbot/bot/sqlite"
)

// CopySessionInto copies the WhatsApp session kept in the SQLite file at
// dsn — whatsmeow's tables (the linked device, its keys, contacts, …), the
// log of sent messages and the version kept — into the PostgreSQL pool db
// (bot/postgres.OpenDB), whose session tables must be empty, and checks
// every table row for row: a number moves into a hub without being linked
// again. Both sides are first brought to this release's whatsmeow schema,
// so they match. db stays open.
func CopySessionInto(ctx context.Context, dsn string, db *sql.DB) (sqlite.CopyReport, error) {
	src, err := sqlstore.New(ctx, "sqlite3", dsn, nil)
	if err != nil {
		return sqlite.CopyReport{}, fmt.Errorf("open the WhatsApp session: %w", err)
	}
	defer src.Close()
	raw, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return sqlite.CopyReport{}, err
	}
	defer raw.Close()
	for _, q := range []string{sentTable, versionTable} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			return sqlite.CopyReport{}, fmt.Errorf("prepare the WhatsApp session: %w", err)
		}
	}
	// Not Close: that would close db, which the caller owns.
	if err := sqlstore.NewWithDB(db, "postgres", nil).Upgrade(ctx); err != nil {
		return sqlite.CopyReport{}, fmt.Errorf("prepare the hub's WhatsApp tables: %w", err)
	}
	for _, q := range []string{sentTablePostgres, versionTablePostgres} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return sqlite.CopyReport{}, fmt.Errorf("prepare the hub's WhatsApp tables: %w", err)
		}
	}
	var from, to int
	if err := raw.QueryRowContext(ctx, `SELECT version FROM whatsmeow_version`).Scan(&from); err != nil {
		return sqlite.CopyReport{}, fmt.Errorf("read the session's whatsmeow version: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT version FROM whatsmeow_version`).Scan(&to); err != nil {
		return sqlite.CopyReport{}, fmt.Errorf("read the hub's whatsmeow version: %w", err)
	}
	if from != to {
		return sqlite.CopyReport{}, fmt.Errorf("the session's whatsmeow schema is version %d and the hub's %d", from, to)
	}
	return sqlite.CopyTables(ctx, raw, db, "whatsmeow_version")
}

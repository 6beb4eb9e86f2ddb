package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"neighbourbot/bot"
)

// NewerSchemaError is a database written by a newer release than this
// binary: its schema has migrations this binary does not know. Running on
// it could misread or damage what the newer release stored, and migrations
// never go backwards, so the binary refuses to start.
type NewerSchemaError struct {
	Path      string
	Component string
	Have      int // the database's version of the component
	Know      int // the newest this binary knows; 0: it has no such component
}

func (e *NewerSchemaError) Error() string {
	fix := "run that release or a newer one (a database is never downgraded), or restore a backup made by this release"
	if e.Know == 0 {
		return fmt.Sprintf("%s was written by a newer neighbourbot: it holds %q data (schema version %d) this release does not know; %s", e.Path, e.Component, e.Have, fix)
	}
	return fmt.Sprintf("%s was written by a newer neighbourbot: its %q schema is version %d and this release knows up to %d; %s", e.Path, e.Component, e.Have, e.Know, fix)
}

// SchemaVersions reads the database's version of each component.
func SchemaVersions(ctx context.Context, db *sql.DB) (map[string]int, error) {
	return schemaVersions(ctx, db, SQLite)
}

func schemaVersions(ctx context.Context, db *sql.DB, b Backend) (map[string]int, error) {
	exists, err := tableExists(ctx, db, b, "schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema versions: %w", err)
	}
	out := map[string]int{}
	if !exists {
		return out, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT component, MAX(version) FROM schema_migrations GROUP BY component`)
	if err != nil {
		return nil, fmt.Errorf("read schema versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var v int
		if err := rows.Scan(&c, &v); err != nil {
			return nil, fmt.Errorf("read schema versions: %w", err)
		}
		out[c] = v
	}
	return out, rows.Err()
}

// KnownVersions is the newest version of each component's migrations.
func KnownVersions(sets []bot.Migrations) (map[string]int, error) {
	out := map[string]int{}
	for _, m := range sets {
		migs, err := readMigrations(m)
		if err != nil {
			return nil, err
		}
		for _, mig := range migs {
			out[m.Component] = max(out[m.Component], mig.version)
		}
	}
	return out, nil
}

// refuseNewer returns a *NewerSchemaError when the database is ahead of
// sets for any component in them. With complete, a component the database
// has and sets lack is refused too: only the whole binary's list of
// migrations can tell a newer release's feature from a test's subset.
func refuseNewer(ctx context.Context, db *sql.DB, b Backend, path string, sets []bot.Migrations, complete bool) error {
	have, err := schemaVersions(ctx, db, b)
	if err != nil {
		return err
	}
	know, err := KnownVersions(sets)
	if err != nil {
		return err
	}
	comps := make([]string, 0, len(have))
	for c := range have {
		comps = append(comps, c)
	}
	sort.Strings(comps)
	for _, c := range comps {
		k, known := know[c]
		if (known && have[c] > k) || (!known && complete) {
			return &NewerSchemaError{Path: path, Component: c, Have: have[c], Know: k}
		}
	}
	return nil
}

// OpenComplete is Open for the whole binary: extra lists every feature's
// migrations, so a component the database has and extra lacks was added
// by a newer release and the database is refused.
func OpenComplete(ctx context.Context, path string, extra ...bot.Migrations) (*Store, error) {
	return open(ctx, path, true, extra)
}

// CheckNotNewer refuses, as OpenComplete would, the database db (at path)
// when it is ahead of the core's and extra's migrations: for tools that
// read a database without opening it as the store (restore).
func CheckNotNewer(ctx context.Context, db *sql.DB, path string, extra ...bot.Migrations) error {
	return refuseNewer(ctx, db, SQLite, path, append([]bot.Migrations{CoreMigrations()}, extra...), true)
}

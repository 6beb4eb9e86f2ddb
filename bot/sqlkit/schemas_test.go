package sqlkit_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
	"neighbourbot/commands/inbox"
	"neighbourbot/commands/lending"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
	"neighbourbot/commands/potholes"
	"neighbourbot/commands/power"
	"neighbourbot/moderation"
	"neighbourbot/web"
)

// TestSchemasMatchOnBothBackends migrates a SQLite file and a PostgreSQL
// schema with the core's and every component's migrations that exist for
// both, and requires the same tables with the same columns: the same
// names, the same NOT NULL, the same primary keys, and types of one kind
// (SQLite INTEGER as a PostgreSQL integer type, TEXT as text, BLOB as
// bytea, REAL as double precision). A component's PostgreSQL DDL that
// drifts from its SQLite one fails here, and so would copying a bot's data
// into a hub (sqlite.CopyInto reads the hub's columns from the file).
func TestSchemasMatchOnBothBackends(t *testing.T) {
	storetest.RequirePostgres(t)
	var sets []bot.Migrations
	var skipped []string
	for _, m := range []bot.Migrations{
		polling.Migrations(), lending.Migrations(), power.Migrations(), potholes.Migrations(), inbox.Migrations(),
		moderation.Migrations(), notices.Migrations(), sources.Migrations(), web.Migrations(),
	} {
		if len(sqlite.MissingOnPostgres(m)) > 0 {
			skipped = append(skipped, m.Component)
			continue
		}
		sets = append(sets, m)
	}
	t.Logf("compared: core and %d components; not yet on PostgreSQL: %s", len(sets), strings.Join(skipped, ", "))
	lite := storetest.OpenSQLite(t, sets...)
	pg := storetest.OpenPostgres(t, sets...)
	ctx := context.Background()
	a, err := sqliteColumns(ctx, lite.Raw())
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgresColumns(ctx, pg.Raw())
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range union(a, b) {
		if _, ok := b[table]; !ok {
			t.Errorf("%s: on SQLite only", table)
			continue
		}
		if _, ok := a[table]; !ok {
			t.Errorf("%s: on PostgreSQL only", table)
			continue
		}
		for _, col := range union(a[table], b[table]) {
			if a[table][col] != b[table][col] {
				t.Errorf("%s.%s: SQLite %q, PostgreSQL %q", table, col, a[table][col], b[table][col])
			}
		}
	}
}

func union[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// column kinds as "integer not null pk".
func describe(kind string, notNull, pk bool) string {
	d := kind
	if notNull || pk {
		d += " not null"
	}
	if pk {
		d += " pk"
	}
	return d
}

func sqliteKind(declared string) string {
	switch t := strings.ToUpper(declared); {
	case strings.Contains(t, "INT"):
		return "integer"
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"):
		return "text"
	case strings.Contains(t, "BLOB"), t == "":
		return "blob"
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return "real"
	}
	return "numeric " + declared
}

func postgresKind(typ string) string {
	switch typ {
	case "bigint", "integer", "smallint":
		return "integer"
	case "text", "character varying":
		return "text"
	case "bytea":
		return "blob"
	case "double precision", "real":
		return "real"
	}
	return "other " + typ
}

func sqliteColumns(ctx context.Context, db *sql.DB) (map[string]map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT m.name, c.name, c.type, c."notnull", c.pk FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var table, col, typ string
		var notNull, pk int
		if err := rows.Scan(&table, &col, &typ, &notNull, &pk); err != nil {
			return nil, err
		}
		if out[table] == nil {
			out[table] = map[string]string{}
		}
		out[table][col] = describe(sqliteKind(typ), notNull == 1, pk > 0)
	}
	return out, rows.Err()
}

func postgresColumns(ctx context.Context, db *sql.DB) (map[string]map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text,
		EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indisprimary AND i.indrelid = to_regclass(quote_ident(c.table_name)) AND a.attname = c.column_name)
		FROM information_schema.columns c WHERE c.table_schema = current_schema()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var table, col, typ, nullable string
		var pk bool
		if err := rows.Scan(&table, &col, &typ, &nullable, &pk); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		if out[table] == nil {
			out[table] = map[string]string{}
		}
		out[table][col] = describe(postgresKind(typ), nullable == "NO", pk)
	}
	return out, rows.Err()
}

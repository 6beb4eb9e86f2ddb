package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Copying a SQLite database into a hub: CopyInto moves every table of a
// store on SQLite into an empty store on PostgreSQL opened with the same
// migrations, in one transaction, then checks each table row for row. It
// is the heart of "neighbourbot hub import"; the command, the WhatsApp
// session's tables and the choice of account are built on it.

// CopyReport is what CopyInto copied: rows per table.
type CopyReport struct {
	Tables []TableCount
}

// TableCount is one table's rows.
type TableCount struct {
	Table string
	Rows  int64
}

// CopyInto copies every table of src (SQLite) into dst (PostgreSQL), which
// must hold the same components at the same schema versions and no rows
// yet. Foreign keys are respected by copying referenced tables first;
// identity columns continue after the highest copied id. Every table is
// then compared row for row (as multisets of rows); any difference undoes
// the whole copy.
func CopyInto(ctx context.Context, src, dst *Store) (CopyReport, error) {
	if src.backend != SQLite || dst.backend != Postgres {
		return CopyReport{}, fmt.Errorf("copy: from SQLite into PostgreSQL only")
	}
	if err := sameVersions(ctx, src, dst); err != nil {
		return CopyReport{}, err
	}
	return CopyTables(ctx, src.db, dst.db, "schema_migrations")
}

// CopyTables copies every table of the SQLite database src, but skip's,
// into the same, empty tables of the PostgreSQL database dst (its pool from
// bot/postgres), in one transaction, and checks each row for row, as
// CopyInto does; the caller has made sure the two schemas are at the same
// version. The WhatsApp session's tables are copied with it.
func CopyTables(ctx context.Context, src, dst *sql.DB, skip ...string) (CopyReport, error) {
	tables, err := copyOrder(ctx, src, skip)
	if err != nil {
		return CopyReport{}, err
	}
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: %w", err)
	}
	defer tx.Rollback()
	var report CopyReport
	for _, t := range tables {
		n, err := copyTable(ctx, src, tx, t)
		if err != nil {
			return CopyReport{}, fmt.Errorf("copy %s: %w", t, err)
		}
		if err := checkTable(ctx, src, tx, t); err != nil {
			return CopyReport{}, fmt.Errorf("copy %s: %w", t, err)
		}
		report.Tables = append(report.Tables, TableCount{Table: t, Rows: n})
	}
	if err := tx.Commit(); err != nil {
		return CopyReport{}, fmt.Errorf("copy: commit: %w", err)
	}
	return report, nil
}

// sameVersions refuses a copy between schemas at different versions: the
// tables would not match.
func sameVersions(ctx context.Context, src, dst *Store) error {
	a, err := schemaVersions(ctx, src.db, SQLite)
	if err != nil {
		return err
	}
	b, err := schemaVersions(ctx, dst.db, Postgres)
	if err != nil {
		return err
	}
	for c, v := range a {
		if b[c] != v {
			return fmt.Errorf("copy: %q is at schema version %d in %s and %d in %s: open both with the same release's migrations", c, v, src.path, b[c], dst.path)
		}
	}
	return nil
}

// copyOrder lists src's tables but skip's (the migrations' bookkeeping,
// which the destination has from its own migrations) so that each comes
// after the tables its foreign keys refer to.
func copyOrder(ctx context.Context, db *sql.DB, skip []string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT m.name, COALESCE(f."table", '') FROM sqlite_master m LEFT JOIN pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name`)
	if err != nil {
		return nil, fmt.Errorf("copy: list tables: %w", err)
	}
	defer rows.Close()
	deps := map[string][]string{}
	var names []string
	for rows.Next() {
		var t, ref string
		if err := rows.Scan(&t, &ref); err != nil {
			return nil, err
		}
		if slices.Contains(skip, t) {
			continue
		}
		if _, seen := deps[t]; !seen {
			names = append(names, t)
			deps[t] = nil
		}
		if ref != "" && ref != t {
			deps[t] = append(deps[t], ref)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	done := map[string]bool{}
	var visit func(t string, path []string) error
	visit = func(t string, path []string) error {
		if done[t] {
			return nil
		}
		if slices.Contains(path, t) {
			return fmt.Errorf("copy: foreign keys form a cycle through %s", strings.Join(append(path, t), " → "))
		}
		for _, d := range deps[t] {
			if err := visit(d, append(path, t)); err != nil {
				return err
			}
		}
		done[t] = true
		out = append(out, t)
		return nil
	}
	for _, t := range names {
		if err := visit(t, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// column is a destination column and its PostgreSQL type.
type column struct {
	name, typ string
	identity  bool
}

func destColumns(ctx context.Context, tx *sql.Tx, table string) ([]column, error) {
	rows, err := tx.QueryContext(ctx, `SELECT column_name::text, data_type::text, is_identity::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		var ident string
		if err := rows.Scan(&c.name, &c.typ, &ident); err != nil {
			return nil, err
		}
		c.identity = ident == "YES"
		out = append(out, c)
	}
	if len(out) == 0 && rows.Err() == nil {
		return nil, fmt.Errorf("the hub has no such table")
	}
	return out, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// copyTable copies one table's rows into the empty table of the same name
// and moves its identity columns on past the copied ids.
func copyTable(ctx context.Context, src *sql.DB, tx *sql.Tx, table string) (int64, error) {
	cols, err := destColumns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	var existing int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(table)).Scan(&existing); err != nil {
		return 0, err
	}
	if existing > 0 {
		return 0, fmt.Errorf("the hub already holds %d rows: import only into an empty hub", existing)
	}
	names := make([]string, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		names[i], marks[i] = quoteIdent(c.name), "?"
	}
	list := strings.Join(names, ", ")
	rows, err := src.QueryContext(ctx, `SELECT `+list+` FROM `+quoteIdent(table))
	if err != nil {
		return 0, fmt.Errorf("read (a column the hub has and the file lacks?): %w", err)
	}
	defer rows.Close()
	insert := `INSERT INTO ` + quoteIdent(table) + ` (` + list + `) VALUES (` + strings.Join(marks, ", ") + `)`
	var n int64
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		for i, c := range cols {
			vals[i] = forColumn(vals[i], c.typ)
		}
		if _, err := tx.ExecContext(ctx, insert, vals...); err != nil {
			return 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range cols {
		if !c.identity {
			continue
		}
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(CAST(? AS TEXT), CAST(? AS TEXT)), COALESCE(MAX(`+quoteIdent(c.name)+`), 0) + 1, false) FROM `+quoteIdent(table),
			quoteIdent(table), c.name); err != nil {
			return 0, fmt.Errorf("move the ids of %s on: %w", c.name, err)
		}
	}
	return n, nil
}

// forColumn gives a SQLite value the Go type the PostgreSQL column takes:
// SQLite keeps text and blobs in either kind of column.
func forColumn(v any, typ string) any {
	switch x := v.(type) {
	case string:
		if typ == "bytea" {
			return []byte(x)
		}
	case []byte:
		if typ != "bytea" {
			return string(x)
		}
	case int64:
		if typ == "boolean" { // SQLite keeps a boolean as 0 or 1
			return x != 0
		}
	}
	return v
}

// checkTable compares the table in the file and in the hub as multisets of
// rows, each row's values written out the same way on both sides.
func checkTable(ctx context.Context, src *sql.DB, tx *sql.Tx, table string) error {
	cols, err := destColumns(ctx, tx, table)
	if err != nil {
		return err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.name)
	}
	q := `SELECT ` + strings.Join(names, ", ") + ` FROM ` + quoteIdent(table)
	a, err := rowDigests(ctx, src, q, len(cols))
	if err != nil {
		return err
	}
	b, err := rowDigests(ctx, tx, q, len(cols))
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("check: %d rows in the file, %d in the hub", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return fmt.Errorf("check: the rows differ (%d rows on each side)", len(a))
		}
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// rowDigests reads every row of q and returns a sorted digest per row:
// NULL, numbers and text or bytes are written unambiguously, so the same
// row digests the same from either database.
func rowDigests(ctx context.Context, db querier, q string, n int) ([][32]byte, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out [][32]byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		h := sha256.New()
		for _, v := range vals {
			var b []byte
			switch x := v.(type) {
			case nil:
				b = []byte{0}
			case bool: // PostgreSQL's boolean is SQLite's 0 or 1
				b = []byte{1, '0'}
				if x {
					b[1] = '1'
				}
			case int64:
				b = append([]byte{1}, strconv.FormatInt(x, 10)...)
			case float64:
				b = append([]byte{2}, strconv.FormatFloat(x, 'g', -1, 64)...)
			case string:
				b = append([]byte{3}, x...)
			case []byte:
				b = append([]byte{3}, x...)
			default:
				b = append([]byte{4}, fmt.Sprint(x)...)
			}
			binary.Write(h, binary.BigEndian, int64(len(b)))
			h.Write(b)
		}
		var d [32]byte
		copy(d[:], h.Sum(nil))
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y [32]byte) int { return strings.Compare(string(x[:]), string(y[:])) })
	return out, nil
}

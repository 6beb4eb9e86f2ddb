package sqlkit

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestTimeColumnRoundTrip(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER)`); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 1, 9, 30, 15, 123_000_000, time.FixedZone("BST", 3600))
	for i, in := range []time.Time{{}, when, time.UnixMilli(0)} {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (id, at) VALUES (?, ?)`, i, Millis(in)); err != nil {
			t.Fatal(err)
		}
		var raw sql.NullInt64
		var got, got2 time.Time
		if err := db.QueryRowContext(ctx, `SELECT at, at, at FROM t WHERE id = ?`, i).Scan(&raw, TimeCol(&got), TimeCol(&got2)); err != nil {
			t.Fatal(err)
		}
		if in.IsZero() != !raw.Valid {
			t.Errorf("%v stored as %v: the zero time is NULL and only it", in, raw)
		}
		if !got.Equal(in) || !Time(raw).Equal(in) {
			t.Errorf("%v read back as %v / %v", in, got, Time(raw))
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("%v read back in %v, want UTC", in, got.Location())
		}
	}
	// A NOT NULL column given an unset time holds the zero time's own
	// milliseconds (see bot/sqlite's groups.updated_at); it reads back as
	// the zero time too.
	if got := Time(sql.NullInt64{Int64: time.Time{}.UnixMilli(), Valid: true}); !got.IsZero() || !FromMillis(time.Time{}.UnixMilli()).IsZero() {
		t.Errorf("the zero time's milliseconds read back as %v", got)
	}
	var bad time.Time
	if err := db.QueryRowContext(ctx, `SELECT 'soon'`).Scan(TimeCol(&bad)); err == nil {
		t.Error("text in a time column scanned without error")
	}
}

func TestScanAll(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE n (v INTEGER); INSERT INTO n VALUES (3), (1), (2)`); err != nil {
		t.Fatal(err)
	}
	scan := func(r Scanner) (int, error) {
		var v int
		err := r.Scan(&v)
		return v, err
	}
	rows, err := db.QueryContext(ctx, `SELECT v FROM n ORDER BY v`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ScanAll(rows, scan)
	if err != nil || len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("ScanAll = %v, %v", got, err)
	}
	rows, err = db.QueryContext(ctx, `SELECT 'x' FROM n`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ScanAll(rows, scan); err == nil {
		t.Fatalf("a bad scan gave %v and no error", got)
	}
	rows, err = db.QueryContext(ctx, `SELECT v FROM n WHERE v > 9`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ScanAll(rows, scan); err != nil || len(got) != 0 {
		t.Fatalf("no rows gave %v, %v", got, err)
	}
}

func TestInsertIDGivesTheNewRowsID(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE, on_off INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for want, v := range []string{"a", "b", "c"} {
		id, err := InsertID(ctx, db, `INSERT INTO r (v, on_off) VALUES (?, ?) RETURNING id`, v, Flag(want%2 == 1))
		if err != nil || id != int64(want+1) {
			t.Fatalf("InsertID(%q) = %d, %v, want %d", v, id, err, want+1)
		}
	}
	var on []bool
	rows, err := db.QueryContext(ctx, `SELECT on_off FROM r ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	on, err = ScanAll(rows, func(r Scanner) (bool, error) {
		var b bool
		return b, r.Scan(&b)
	})
	if err != nil || len(on) != 3 || on[0] || !on[1] || on[2] {
		t.Errorf("flags read back as %v, %v; want false true false", on, err)
	}
	if _, err := InsertID(ctx, db, `INSERT INTO r (v, on_off) VALUES (?, 0) RETURNING id`, "a"); err == nil {
		t.Error("a failing insert gave no error")
	}
	if _, err := InsertID(ctx, db, `INSERT INTO r (v, on_off) VALUES (?, 0) ON CONFLICT DO NOTHING RETURNING id`, "a"); err != sql.ErrNoRows {
		t.Errorf("an insert that did nothing gave %v, want sql.ErrNoRows", err)
	}
}

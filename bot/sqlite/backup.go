package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// BackupInto writes a consistent copy of the database at src to dst (which
// must not exist) with VACUUM INTO: it runs in one read transaction, so a
// bot writing meanwhile neither waits nor leaks half a transaction into the
// copy, and the copy is compacted, with no WAL of its own. src is opened
// read-only and without migrations, so an older or newer schema is copied
// as it is. dst is made 0600 (callers also set a umask of 077, so it is
// never readable by others even while being written).
func BackupInto(ctx context.Context, src, dst string) error {
	if errNoCgo != nil {
		return errNoCgo
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("back up %s: %w", src, err)
	}
	db, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("back up %s: %s already exists", src, dst)
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("back up %s: %w", src, err)
	}
	if err := os.Chmod(dst, 0o600); err != nil {
		return fmt.Errorf("back up %s: %w", src, err)
	}
	return nil
}

// CheckIntegrity runs SQLite's integrity check on the file at path,
// read-only, and returns an error with its first complaint.
func CheckIntegrity(ctx context.Context, path string) error {
	if errNoCgo != nil {
		return errNoCgo
	}
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&res); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s is damaged: %s", path, res)
	}
	return nil
}

// FileTables lists, by name, the tables of a SQLite database opened on its
// file (as backup and restore open one), leaving out SQLite's own.
func FileTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

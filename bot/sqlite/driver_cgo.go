//go:build cgo

package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// The driver with the store's connection hook is registered only where
// the real driver is compiled in: without cgo the package still builds, so
// the binary can say how to build it (errNoCgo) instead of failing to link.
func init() {
	sql.Register(driverName, flagDriver{&sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		c.RegisterCommitHook(func() int {
			if failCommits.Load() {
				return 1 // SQLite turns the commit into a rollback
			}
			commits.Add(1)
			return 0 // 0 lets the commit go ahead
		})
		if n := maxPages.Load(); n > 0 {
			if _, err := c.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", n), nil); err != nil {
				return fmt.Errorf("limit pages: %w", err)
			}
		}
		return nil
	}}})
}

var errBoolArgument = errors.New("a yes/no argument must be 0 or 1 (sqlkit.Flag), not a Go bool: PostgreSQL refuses a bool in an integer column")

// flagDriver opens connections that refuse a Go bool as an argument, as
// PostgreSQL's driver does for the integer columns that hold yes/no here:
// a store that passes one fails on SQLite too, in every test, instead of
// only on a hub. Write sqlkit.Flag(b) (0 or 1).
type flagDriver struct{ *sqlite3.SQLiteDriver }

func (d flagDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.SQLiteDriver.Open(dsn)
	if err != nil {
		return nil, err
	}
	return flagConn{c.(*sqlite3.SQLiteConn)}, nil
}

// flagConn is a SQLite connection that refuses bool arguments; every
// other value converts as database/sql always does.
type flagConn struct{ *sqlite3.SQLiteConn }

func (flagConn) CheckNamedValue(v *driver.NamedValue) error {
	if _, ok := v.Value.(bool); ok {
		return errBoolArgument
	}
	return driver.ErrSkip
}

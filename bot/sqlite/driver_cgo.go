//go:build cgo

package sqlite

import (
	"database/sql"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// The driver with the store's connection hook is registered only where
// the real driver is compiled in: without cgo the package still builds, so
// the binary can say how to build it (errNoCgo) instead of failing to link.
func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
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
	}})
}

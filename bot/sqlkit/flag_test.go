package sqlkit_test

import (
	"context"
	"testing"

	"neighbourbot/bot/sqlkit"
	"neighbourbot/bot/storetest"
)

// TestBoolArgumentsAreRefusedOnBothBackends: a Go bool passed for a yes/no
// column fails on SQLite as it does on PostgreSQL (whose driver will not
// put one into an integer column), so every SQLite test catches a store
// that forgets sqlkit.Flag.
func TestBoolArgumentsAreRefusedOnBothBackends(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		db := open(t).DB()
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE flag_test (on_off BIGINT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO flag_test (on_off) VALUES (?)`, true); err == nil {
			t.Error("a Go bool went into an integer column")
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO flag_test (on_off) VALUES (?)`, sqlkit.Flag(true)); err != nil {
			t.Fatal(err)
		}
		var on bool
		if err := db.QueryRowContext(ctx, `SELECT on_off FROM flag_test WHERE on_off = 1`).Scan(&on); err != nil || !on {
			t.Errorf("the flag read back as %v, %v", on, err)
		}
	})
}

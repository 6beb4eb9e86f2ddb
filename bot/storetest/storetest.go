// Package storetest runs one test body against every backend of the store:
// SQLite always, PostgreSQL when NEIGHBOURBOT_TEST_DATABASE_URL names an
// empty database the tests may create schemas in (scripts/pgtest starts a
// throwaway cluster and sets it; .ci/run does). One suite, two
// implementations: a feature's store test written with Run holds on both.
//
// Each PostgreSQL store gets a schema of its own (created for the test,
// dropped after it, with everything in it), so tests can run in parallel
// on one database and leave nothing behind.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
)

// EnvDatabaseURL names the test database: tests on PostgreSQL skip when it
// is unset.
const EnvDatabaseURL = "NEIGHBOURBOT_TEST_DATABASE_URL"

// Opener opens a fresh, empty store with the core's migrations and extra's,
// closed when the test ends.
type Opener func(t testing.TB, extra ...bot.Migrations) *sqlite.Store

// Run runs body as subtest "sqlite" and subtest "postgres", each with an
// Opener for its backend.
func Run(t *testing.T, body func(t *testing.T, open Opener)) {
	t.Helper()
	RunBackends(t, func(t *testing.T, b Backend) { body(t, b.Open) })
}

// Backend is one backend of the store, for tests that open a database more
// than once (a reopening, two processes sharing a hub).
type Backend struct {
	Name string
	// NewPlace makes a new, empty database: a file path or a URL.
	NewPlace func(t testing.TB) string
	// OpenAt opens a store on a database NewPlace made; the caller closes it.
	OpenAt func(place string, extra ...bot.Migrations) (*sqlite.Store, error)
}

// Open opens a store on a new database, closed when the test ends.
func (b Backend) Open(t testing.TB, extra ...bot.Migrations) *sqlite.Store {
	t.Helper()
	return b.OpenOn(t, b.NewPlace(t), extra...)
}

// OpenOn opens a store on place, closed when the test ends.
func (b Backend) OpenOn(t testing.TB, place string, extra ...bot.Migrations) *sqlite.Store {
	t.Helper()
	st, err := b.OpenAt(place, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// SQLiteBackend and PostgresBackend are the two backends.
var (
	SQLiteBackend = Backend{
		Name:     "sqlite",
		NewPlace: func(t testing.TB) string { return filepath.Join(t.TempDir(), "bot.db") },
		OpenAt: func(place string, extra ...bot.Migrations) (*sqlite.Store, error) {
			return sqlite.Open(context.Background(), place, extra...)
		},
	}
	PostgresBackend = Backend{
		Name:     "postgres",
		NewPlace: Schema,
		OpenAt: func(place string, extra ...bot.Migrations) (*sqlite.Store, error) {
			return postgres.Open(context.Background(), place, false, extra...)
		},
	}
)

// RunBackends runs body once per backend, as subtests named for them; the
// PostgreSQL one skips without a test database.
func RunBackends(t *testing.T, body func(t *testing.T, b Backend)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { body(t, SQLiteBackend) })
	t.Run("postgres", func(t *testing.T) {
		RequirePostgres(t)
		body(t, PostgresBackend)
	})
}

// RequirePostgres skips the test, saying how to run it, when no test
// database is configured.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvDatabaseURL)
	if u == "" {
		t.Skip(EnvDatabaseURL + " is not set: run under scripts/pgtest (a throwaway PostgreSQL) to test on PostgreSQL")
	}
	return u
}

// OpenSQLite opens a store on a new SQLite file in the test's directory.
func OpenSQLite(t testing.TB, extra ...bot.Migrations) *sqlite.Store {
	t.Helper()
	return SQLiteBackend.Open(t, extra...)
}

// OpenPostgres opens a store in a new schema of the test database.
func OpenPostgres(t testing.TB, extra ...bot.Migrations) *sqlite.Store {
	t.Helper()
	return PostgresBackend.Open(t, extra...)
}

// Schema creates a schema of its own for the test in the test database
// (skipping the test when there is none) and returns the database's URL
// with that schema first on the search path; the schema and everything in
// it are dropped when the test ends. Two stores opened on the same URL
// share the schema, as two processes share a hub.
func Schema(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop the test's schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

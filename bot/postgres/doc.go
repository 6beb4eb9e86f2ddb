// Package postgres is neighbourbot's PostgreSQL backend, the hub's
// database: it is the only package that imports the driver
// (github.com/jackc/pgx/v5, through its database/sql adapter, so the
// stores keep *sql.DB and bot.DB), and it gives the core store
// (bot/sqlite's Store, which runs on either backend) a pool whose
// connections rewrite the stores' "?" placeholders into PostgreSQL's $n
// (Rebind), plus a listener for LISTEN/NOTIFY on a connection of its own.
//
// The schema of each component is in its migrations/postgres folder, with
// the same numbers as its SQLite migrations; a component without them does
// not run on PostgreSQL yet (see Gaps).
package postgres

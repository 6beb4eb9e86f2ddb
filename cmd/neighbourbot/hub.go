package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"neighbourbot/bot"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/whatsapp"
)

// botTables lists the tables this release's migrations make (the same
// names on both backends, as TestSchemasMatchOnBothBackends keeps them),
// read from a scratch SQLite database migrated like the bot's.
func botTables(ctx context.Context) ([]string, error) {
	tables, _, err := scratchTables(ctx)
	return tables, err
}

// scratchTables lists the bot's tables and the rows the migrations
// themselves put in some (seeds, such as the inbox's version counter).
func scratchTables(ctx context.Context) ([]string, map[string]int64, error) {
	dir, err := os.MkdirTemp("", "neighbourbot-tables-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	st, err := openStore(ctx, filepath.Join(dir, "scratch.db"))
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	tables, err := sqlite.FileTables(ctx, st.Raw())
	if err != nil {
		return nil, nil, err
	}
	seeds := map[string]int64{}
	for _, t := range tables {
		n, err := hubRowCount(ctx, st.Raw(), t)
		if err != nil {
			return nil, nil, err
		}
		if n > 0 && t != "schema_migrations" {
			seeds[t] = n
		}
	}
	return tables, seeds, nil
}

// errLinkedSession refuses to empty a database that holds a linked
// WhatsApp number: its bot data belongs to a running hub.
var errLinkedSession = errors.New("this database holds a linked WhatsApp session, so it is a live hub, not a console's: -reset will not empty it. Give the console a database (or schema) of its own")

// resetHub empties the bot's tables in the PostgreSQL database: the
// console's -reset. A database holding a linked WhatsApp session is
// refused; whatsmeow's tables and anything not the bot's are left alone.
func resetHub(ctx context.Context, database string) error {
	db, err := postgres.OpenDB(ctx, database)
	if err != nil {
		return err
	}
	defer db.Close()
	linked, err := hubHasLinkedSession(ctx, db)
	if err != nil {
		return err
	}
	if linked {
		return errLinkedSession
	}
	tables, err := botTables(ctx)
	if err != nil {
		return fmt.Errorf("list the bot's tables: %w", err)
	}
	functions, err := migrationFunctions(allMigrations())
	if err != nil {
		return err
	}
	return dropHubTables(ctx, db, tables, functions)
}

// hubHasData reports whether the PostgreSQL database already holds the
// bot's tables from an earlier run.
func hubHasData(ctx context.Context, database string) (bool, error) {
	db, err := postgres.OpenDB(ctx, database)
	if err != nil {
		return false, err
	}
	defer db.Close()
	return hubHasBotData(ctx, db)
}

// runHub is "neighbourbot hub VERB": import for now.
func runHub(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(stderr, "Usage: neighbourbot hub import -data DIR -database postgres://…\n")
		return exitUsage
	}
	return runHubImport(ctx, args[1:], stdout, stderr)
}

// runHubImport copies a SQLite data directory — the bot's database and its
// WhatsApp session — into an empty PostgreSQL hub, checking every table row
// for row, so a number moves onto a hub without being linked again.
func runHubImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hub import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "the SQLite data directory to import (holding neighbourbot.db and whatsapp.db)")
	database := fs.String("database", "", "the hub: an empty PostgreSQL database, postgres://…")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot hub import -data DIR -database postgres://…\n\nCopies the bot's database and its WhatsApp session from DIR into an empty PostgreSQL database,\nchecking every table row for row. Stop the bot first. Photos and inbox media stay in DIR:\nkeep it as the hub's data_dir.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if *dir == "" || *database == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	if err := validateDatabaseURL(*database); err != nil {
		fmt.Fprintln(stderr, "neighbourbot hub import: -database:", err)
		return exitUsage
	}
	if _, err := os.Stat(filepath.Join(*dir, "neighbourbot.db")); err != nil {
		fmt.Fprintf(stderr, "neighbourbot hub import: no database at %s (is -data right?)\n", filepath.Join(*dir, "neighbourbot.db"))
		return exitError
	}
	lock, err := lockDataDir(filepath.Join(*dir, "neighbourbot.lock"))
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot hub import:", err)
		return exitError
	}
	defer lock.Release()
	if err := hubImport(ctx, *dir, *database, stdout); err != nil {
		fmt.Fprintf(stderr, "neighbourbot hub import into %s: %v\n", postgres.Redact(*database), err)
		return exitError
	}
	fmt.Fprintf(stdout, "Imported into %s, every table checked row for row. Set [bot] database to it and keep %s as data_dir (photos and inbox media stay there).\n", postgres.Redact(*database), *dir)
	return exitOK
}

// hubImport copies dir's bot database, then its session (if any), into
// the hub, which must hold none of the bot's rows and no linked session.
func hubImport(ctx context.Context, dir, database string, stdout io.Writer) error {
	db, err := postgres.OpenDB(ctx, database)
	if err != nil {
		return err
	}
	defer db.Close()
	seeds, err := refuseNonEmptyHub(ctx, db)
	if err != nil {
		return err
	}
	src, err := openStore(ctx, filepath.Join(dir, "neighbourbot.db"))
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, database, true, allMigrations()...)
	if err != nil {
		return err
	}
	defer dst.Close()
	// The migrations' own rows (seeds) make way for the imported ones.
	if err := clearHubTables(ctx, db, slices.Sorted(maps.Keys(seeds))); err != nil {
		return err
	}
	report, err := sqlite.CopyInto(ctx, src, dst)
	if err != nil {
		return err
	}
	printCopy(stdout, "neighbourbot.db", report)
	session := filepath.Join(dir, sessionDatabase)
	if _, err := os.Stat(session); err != nil {
		fmt.Fprintf(stdout, "%s: not there (never linked?), skipped — the bot shows a linking code when it starts\n", sessionDatabase)
		return nil
	}
	report, err = whatsapp.CopySessionInto(ctx, sqlite.DSN(session), db)
	if err != nil {
		return fmt.Errorf("the bot's data is in the hub, the WhatsApp session is not: %w", err)
	}
	printCopy(stdout, sessionDatabase, report)
	return nil
}

// refuseNonEmptyHub refuses a hub holding a linked session or any of the
// bot's rows beyond what its migrations put there (a hub the bot was
// started on once is still empty): an import never merges into data
// already there. It returns the tables the migrations seed.
func refuseNonEmptyHub(ctx context.Context, db *sql.DB) (map[string]int64, error) {
	if linked, err := hubHasLinkedSession(ctx, db); err != nil || linked {
		if err == nil {
			err = errors.New("it already holds a linked WhatsApp session: import into an empty database")
		}
		return nil, err
	}
	tables, seeds, err := scratchTables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		ok, err := hubTableExists(ctx, db, t)
		if err != nil {
			return nil, err
		}
		if !ok || t == "schema_migrations" {
			continue
		}
		n, err := hubRowCount(ctx, db, t)
		if err != nil {
			return nil, err
		}
		if n > seeds[t] {
			return nil, fmt.Errorf("it already holds the bot's data (%s in %s): import into an empty database", bot.Count(n, "row"), t)
		}
	}
	return seeds, nil
}

// printCopy lists what was copied: rows per table, and the total.
func printCopy(w io.Writer, name string, r sqlite.CopyReport) {
	var total int64
	for _, t := range r.Tables {
		total += t.Rows
	}
	fmt.Fprintf(w, "%s: %s, %s copied and checked\n", name, bot.Count(len(r.Tables), "table"), bot.Count(total, "row"))
}

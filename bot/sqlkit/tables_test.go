package sqlkit_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"neighbourbot/bot/sqlite"
	"neighbourbot/commands/inbox"
	"neighbourbot/commands/lending"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
	"neighbourbot/commands/potholes"
	"neighbourbot/commands/power"
	"neighbourbot/moderation"
)

// zeroIsZero are the time columns declared NOT NULL DEFAULT 0, where 0 is
// "none": their stores read them through NULLIF(col, 0) (and notices'
// write them through COALESCE(CAST(? AS BIGINT), 0)) so that, in Go, they follow sqlkit's
// one rule (zero time ↔ NULL) without rewriting a stored value.
var zeroIsZero = []string{
	"lending_loans.claimed_at",
	"lending_loans.closed_at",
	"notice_council.effective_at",
	"notice_feeds.last_fetch_at",
	"notice_outbox.sent_at",
	"notice_polls.closed_at",
	"notice_results_posts.sent_at",
	"notices.expires_at",
	"power_groups.last_suggested",
	"power_posted.eta",
}

// featureDirs maps a table's first word to its feature's directory, where
// it is not the same.
var featureDirs = map[string]string{"notice": "notices", "geo": "notices/sources"}

// notTimeColumns end in _at but hold no instant.
var notTimeColumns = map[string]bool{
	"notice_groups.digest_at": true, // minutes after local midnight, -1 = off
}

// TestTimeColumnsFollowTheZeroRule reads every time column of the core's
// and each converted feature's real tables (their migrations applied to a
// real SQLite file) and checks the rule holds for the data they can hold:
// a column that can be "not yet" is nullable (NULL is the zero time, as
// sqlkit writes it), or is one of the few listed NOT NULL DEFAULT 0
// columns read through NULLIF; every other one is NOT NULL without a
// default, always written with a time.
func TestTimeColumnsFollowTheZeroRule(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"),
		lending.Migrations(), power.Migrations(), potholes.Migrations(), inbox.Migrations(), moderation.Migrations(), polling.Migrations(),
		notices.Migrations(), sources.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.Raw()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	features := map[string]bool{}
	var zeroDefault []string
	timeCols := 0
	for _, table := range tables {
		cols, err := db.QueryContext(ctx, `SELECT name, type, "notnull", COALESCE(dflt_value, '') FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var name, typ, dflt string
			var notNull bool
			if err := cols.Scan(&name, &typ, &notNull, &dflt); err != nil {
				t.Fatal(err)
			}
			if !isTimeColumn(name) || notTimeColumns[table+"."+name] {
				continue
			}
			timeCols++
			features[strings.SplitN(table, "_", 2)[0]] = true
			if !strings.EqualFold(typ, "INTEGER") {
				t.Errorf("%s.%s is %s, want INTEGER milliseconds", table, name, typ)
			}
			switch {
			case !notNull && dflt != "":
				t.Errorf("%s.%s is nullable with default %s: NULL must be its only \"none\"", table, name, dflt)
			case notNull && dflt == "0":
				zeroDefault = append(zeroDefault, table+"."+name)
			case notNull && dflt != "":
				t.Errorf("%s.%s has default %s", table, name, dflt)
			}
		}
		cols.Close()
	}
	sort.Strings(zeroDefault)
	if strings.Join(zeroDefault, " ") != strings.Join(zeroIsZero, " ") {
		t.Errorf("NOT NULL DEFAULT 0 time columns = %v, want %v (each read through NULLIF(col, 0))", zeroDefault, zeroIsZero)
	}
	for _, c := range zeroIsZero {
		table, col, _ := strings.Cut(c, ".")
		feature := strings.SplitN(table, "_", 2)[0]
		if d, ok := featureDirs[feature]; ok {
			feature = d
		}
		dir := filepath.Join("..", "..", "commands", filepath.FromSlash(feature))
		// Read as NULLIF(col, 0) or NULLIF(alias.col, 0); a column only
		// ever written (a record kept for people, not read back by the
		// bot) is written as col = COALESCE(CAST(? AS BIGINT), 0).
		handled := regexp.MustCompile(`NULLIF\((\w+\.)?` + col + `, 0\)|\b` + col + ` = COALESCE\(CAST\(\? AS BIGINT\), 0\)`)
		files, _ := filepath.Glob(filepath.Join(dir, "store*.go"))
		found := false
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			found = found || handled.Match(src)
		}
		if !found {
			t.Errorf("%s: no store in %s reads it through NULLIF(%s, 0) or writes it through COALESCE(CAST(? AS BIGINT), 0)", c, dir, col)
		}
	}
	for _, f := range []string{"lending", "power", "pothole", "inbox", "mod", "poll", "jobs", "outbox", "groups", "notice", "notices", "geo"} {
		if !features[f] {
			t.Errorf("no time column found in the %s tables: is the test reading them?", f)
		}
	}
	if timeCols < 40 {
		t.Errorf("only %d time columns found", timeCols)
	}
}

// isTimeColumn knows the time columns by their names: *_at, and the few
// named for what they mark.
func isTimeColumn(name string) bool {
	switch name {
	case "window_ends", "eta", "last_suggested", "not_before", "at", "since":
		return true
	}
	return strings.HasSuffix(name, "_at")
}

package sqlkit

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// notPortable lists the store files that still hold SQL only SQLite runs,
// with how many places do. The test fails when a file not listed has any,
// when a listed one has more, and when a listed one has fewer — so lower
// the number (or drop the line) as the SQL is made portable: this list only
// shrinks. New SQL is written to run on SQLite and PostgreSQL alike; what
// cannot be (a file's own schema, backups) goes behind a method of the
// backend, in bot/sqlite.
var notPortable = map[string]int{}

// portableExempt are the directories whose SQL is one backend's own: the
// SQLite and PostgreSQL backends, and the helpers in this package.
// Migrations are skipped wherever they are (each backend has its own).
var portableExempt = []string{"bot/sqlite", "bot/postgres", "bot/sqlkit"}

// sqliteOnly are the constructs SQLite runs and PostgreSQL does not (or
// runs differently), each with what to write instead. Keywords are matched
// in capitals, as the stores write SQL, so prose in a reply is not taken
// for SQL; function names in any case, written as SQL writes them: with
// the bracket straight after the name.
var sqliteOnly = []struct {
	re   *regexp.Regexp
	want string
}{
	{regexp.MustCompile(`\bINSERT\s+OR\s+[A-Z]+\b`), "INSERT … ON CONFLICT (…) DO NOTHING / DO UPDATE SET"},
	{regexp.MustCompile(`\bUPDATE\s+OR\s+[A-Z]+\b`), "an UPDATE whose WHERE leaves out the rows that would collide (NOT EXISTS)"},
	{regexp.MustCompile(`\bREPLACE\s+INTO\b`), "INSERT … ON CONFLICT (…) DO UPDATE SET"},
	{regexp.MustCompile(`\bON\s+CONFLICT\s+DO\s+UPDATE\b`), "ON CONFLICT (the unique columns) DO UPDATE: PostgreSQL needs the target"},
	{regexp.MustCompile(`(?i)\bifnull\s*\(`), "COALESCE(…)"},
	{regexp.MustCompile(`(?i)\b(group_concat|iif|instr|printf|format|typeof|hex|unhex|randomblob|zeroblob|total|likely|unlikely|likelihood|last_insert_rowid|changes|total_changes)\(`), "a function both backends have (or a method per backend)"},
	{regexp.MustCompile(`(?i)\b(datetime|strftime|julianday|unixepoch)\(`), "times as INTEGER milliseconds computed in Go (bot/sqlkit)"},
	{regexp.MustCompile(`(?i)\bjson_(extract|set|insert|replace|remove|each|tree|group_array|group_object|patch|valid|type|quote)\s*\(`), "JSON decoded in Go"},
	{regexp.MustCompile(`(?i)\b_?rowid_?\b`), "a named id column"},
	{regexp.MustCompile(`(?i)\bsqlite_\w+`), "a method of the backend (bot/sqlite)"},
	{regexp.MustCompile(`(?i)\bpragma(\b|_)`), "a method of the backend (bot/sqlite)"},
	{regexp.MustCompile(`\b(VACUUM|ATTACH|DETACH|AUTOINCREMENT|WITHOUT\s+ROWID|GLOB|REGEXP)\b`), "a method of the backend, or its migrations"},
	{regexp.MustCompile(`\bCOLLATE\s+(NOCASE|RTRIM|BINARY)\b`), "lower(…) on both sides"},
	{regexp.MustCompile(`(?i)\b(SUM|AVG|TOTAL)\([^()]*(\bIS\b|\bIN\b|\bLIKE\b|[=<>])`), "COUNT(col), or SUM(CASE WHEN … THEN 1 ELSE 0 END): a comparison is a boolean on PostgreSQL, not 0/1"},
	{regexp.MustCompile(`\b(WHERE|AND|OR|ON|NOT)\s+[01]\s*($|\)|\b(AND|OR|ORDER|GROUP|LIMIT)\b)`), "1 = 1 / 1 = 0: a bare number is no boolean on PostgreSQL"},
	{regexp.MustCompile(`\?\d`), "one plain ? per use, the argument passed again (PostgreSQL's are $1, $2, … in order)"},
	{regexp.MustCompile(`\bLIMIT\s+-`), "no LIMIT (PostgreSQL refuses a negative one)"},
	{regexp.MustCompile(`\bIS\s+(NOT\s+)?\?`), "IS NULL, or = ? (PostgreSQL's IS takes only NULL, TRUE, FALSE)"},
	{regexp.MustCompile(`(^|[^)\w])\?\s+IS\s+(NOT\s+)?NULL\b`), "CAST(? AS TEXT) IS NULL (PostgreSQL cannot tell the type of a bare ?)"},
	{regexp.MustCompile(`(?i)\b(COALESCE|NULLIF)\(\s*\?`), "COALESCE(CAST(? AS BIGINT), 0): PostgreSQL takes a bare ? beside 0 for a 32-bit integer"},
	{regexp.MustCompile(`\bSELECT\s+\?`), "SELECT CAST(? AS …) (PostgreSQL cannot tell the type of a bare ?)"},
	{regexp.MustCompile(`\bAS\s+INT(EGER)?\s*\)`), "CAST(… AS BIGINT): PostgreSQL's INTEGER is 32 bits, too small for a time"},
	{regexp.MustCompile(`\b(TRUE|FALSE)\b`), "= 1 / = 0: yes/no columns are integers on every backend (sqlkit.Flag)"},
}

// likeOK is the one LIKE with a parameter for a pattern that matches the
// same on both backends: SQLite's LIKE ignores ASCII case and PostgreSQL's
// does not, so both sides are lowered. A quoted pattern is fine as it is:
// it matches text the bot writes itself, in one case.
var likeOK = regexp.MustCompile(`(?i)lower\(\s*[\w.]+\s*\)\s+(NOT\s+)?LIKE\s+lower\(\?\)$`)

// TestStoreSQLIsPortable keeps the feature stores' SQL runnable on SQLite
// and PostgreSQL alike, so a hub can run every feature: each construct
// only SQLite has is named with what to write instead.
func TestStoreSQLIsPortable(t *testing.T) {
	root := moduleRoot(t)
	skip := func(rel string) bool { return under(rel, portableExempt) }
	found := map[string][]string{}
	err := walkGoFiles(root, skip, func(path, rel string) error {
		if !strings.HasPrefix(filepath.Base(rel), "store") {
			return nil
		}
		places, err := nonPortablePlaces(path)
		if err != nil {
			return err
		}
		if len(places) > 0 {
			found[rel] = places
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkShrinkOnly(t, found, notPortable, shrinkOnlyWords{
		what: "places only SQLite runs", fix: "write them as PostgreSQL runs them too (sqliteOnly says how)", list: "notPortable"})
}

// nonPortablePlaces lists, as "line: construct — instead", the SQL in one
// Go file's string literals that only SQLite runs, and its calls to
// Result.LastInsertId.
func nonPortablePlaces(path string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "LastInsertId" && len(n.Args) == 0 {
				out = append(out, fmt.Sprintf("%d: LastInsertId — INSERT … RETURNING id through sqlkit.InsertID", fset.Position(n.Pos()).Line))
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				return true
			}
			line := fset.Position(n.Pos()).Line
			for _, p := range nonPortableSQL(s) {
				out = append(out, fmt.Sprintf("%d: %s", line, p))
			}
		}
		return true
	})
	return out, nil
}

// nonPortableSQL lists what in one piece of SQL only SQLite runs.
func nonPortableSQL(s string) []string {
	var out []string
	for _, c := range sqliteOnly {
		for _, m := range c.re.FindAllString(s, -1) {
			out = append(out, fmt.Sprintf("%q — %s", strings.TrimSpace(m), c.want))
		}
	}
	out = append(out, scalarMinMax(s)...)
	out = append(out, unnamedSubqueries(s)...)
	for _, loc := range regexp.MustCompile(`\bLIKE\s+`).FindAllStringIndex(s, -1) {
		rest := s[loc[1]:]
		if strings.HasPrefix(rest, "'") {
			continue
		}
		end := loc[1]
		if strings.HasPrefix(strings.ToLower(rest), "lower(?)") {
			end += len("lower(?)")
		}
		if !likeOK.MatchString(s[:end]) {
			out = append(out, "LIKE "+firstWord(rest)+" — lower(col) LIKE lower(?): SQLite's LIKE ignores case, PostgreSQL's does not")
		}
	}
	return out
}

// scalarMinMax finds MAX(a, b) and MIN(a, b): SQLite's two-argument forms,
// which PostgreSQL calls GREATEST and LEAST (and SQLite has not).
func scalarMinMax(s string) []string {
	var out []string
	for _, loc := range regexp.MustCompile(`(?i)\b(MAX|MIN)\s*\(`).FindAllStringIndex(s, -1) {
		depth, comma := 1, false
		for i := loc[1]; i < len(s) && depth > 0; i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
			case ',':
				comma = comma || depth == 1
			}
		}
		if comma {
			out = append(out, fmt.Sprintf("%q with two arguments — CASE WHEN a >= b THEN a ELSE b END", strings.TrimSpace(s[loc[0]:loc[1]])))
		}
	}
	return out
}

// unnamedSubqueries finds FROM (SELECT …) and JOIN (SELECT …) without a
// name after the closing bracket: PostgreSQL (before 16) requires one.
func unnamedSubqueries(s string) []string {
	var out []string
	for _, loc := range regexp.MustCompile(`\b(FROM|JOIN)\s*\(\s*SELECT\b`).FindAllStringIndex(s, -1) {
		open := strings.Index(s[loc[0]:], "(") + loc[0]
		depth, i := 0, open
		for ; i < len(s); i++ {
			if s[i] == '(' {
				depth++
			} else if s[i] == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if i >= len(s) {
			continue // the statement goes on in another literal; its own check is there
		}
		next := firstWord(strings.TrimLeft(s[i+1:], " \t\n"))
		switch strings.ToUpper(next) {
		case "", "WHERE", "GROUP", "ORDER", "LIMIT", "UNION", "JOIN", "LEFT", "INNER", "ON", ")", ",":
			out = append(out, "FROM (SELECT …) without a name — add AS name after it")
		}
	}
	return out
}

func firstWord(s string) string {
	if s == "" {
		return ""
	}
	if !isWordByte(s[0]) {
		return s[:1]
	}
	i := 0
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	return s[:i]
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// TestNonPortableSQLFindsEachConstruct checks the checker on SQL of each
// kind it refuses, and on the portable forms it must let through.
func TestNonPortableSQLFindsEachConstruct(t *testing.T) {
	bad := []string{
		`INSERT OR IGNORE INTO t (a) VALUES (?)`,
		`INSERT OR REPLACE INTO t (a) VALUES (?)`,
		`REPLACE INTO t (a) VALUES (?)`,
		`UPDATE OR IGNORE t SET a = ? WHERE a = ?`,
		`INSERT INTO t (a) VALUES (?) ON CONFLICT DO UPDATE SET a = excluded.a`,
		`UPDATE t SET n = MAX(n, ?) WHERE id = ?`,
		`UPDATE t SET n = min( n , (SELECT MAX(x) FROM u)) WHERE id = ?`,
		`SELECT IFNULL(a, 0) FROM t`,
		`SELECT group_concat(a, ',') FROM t`,
		`SELECT datetime('now')`,
		`SELECT strftime('%s', at) FROM t`,
		`SELECT json_extract(body, '$.a') FROM t`,
		`SELECT a FROM t ORDER BY rowid`,
		`SELECT name FROM sqlite_master WHERE type = 'table'`,
		`SELECT * FROM pragma_foreign_key_list(?)`,
		`PRAGMA foreign_keys = ON`,
		`SELECT a FROM t LIMIT -1 OFFSET ?`,
		`DELETE FROM t WHERE a < ?1 OR b < ?1`,
		`SELECT SUM(person_id IS NULL) FROM t`,
		`SELECT SUM(a = 1) FROM t`,
		`SELECT COUNT(*) FROM t WHERE 0`,
		`SELECT a FROM t WHERE 1 AND b = ? ORDER BY a`,
		`SELECT a FROM t WHERE b IS ?`,
		`SELECT a FROM t WHERE ? IS NULL OR a = ?`,
		`SELECT CAST(a AS INTEGER) FROM t`,
		`SELECT a FROM t WHERE on_off = TRUE`,
		`UPDATE t SET at = COALESCE(?, 0) WHERE id = ?`,
		`INSERT INTO t (a, b) SELECT ?, b FROM u`,
		`SELECT a FROM t WHERE name LIKE ? ESCAPE '\'`,
		`SELECT a FROM t WHERE lower(name) LIKE ?`,
		`SELECT a FROM t WHERE name LIKE lower(?)`,
		`SELECT COUNT(*) FROM (SELECT a FROM t LIMIT ?)`,
		`SELECT a FROM (SELECT a FROM t) WHERE a > 1`,
		`SELECT a FROM t WHERE name = ? COLLATE NOCASE`,
		`VACUUM INTO ?`,
	}
	for _, q := range bad {
		if got := nonPortableSQL(q); len(got) == 0 {
			t.Errorf("nothing found in %s", q)
		}
	}
	good := []string{
		`INSERT INTO t (a) VALUES (?) ON CONFLICT DO NOTHING`,
		`INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b`,
		`INSERT INTO t (a) VALUES (?) RETURNING id`,
		`UPDATE t SET n = CASE WHEN n >= ? THEN n ELSE ? END WHERE id = ?`,
		`SELECT COALESCE(MAX(a), 0), MIN(b), SUM(n), COUNT(*) - COUNT(person_id) FROM t`,
		`SELECT a FROM t WHERE lower(t.name) LIKE lower(?) ESCAPE '\'`,
		`SELECT a FROM t WHERE lower(name) NOT LIKE lower(?)`,
		`SELECT a FROM t WHERE target LIKE 'person:%'`,
		`SELECT COUNT(*) FROM (SELECT a FROM t LIMIT ?) AS page`,
		`SELECT a FROM t WHERE id IN (SELECT b FROM u) ORDER BY a`,
		`SELECT a FROM t WHERE CAST(? AS TEXT) IS NULL OR b IS NULL`,
		`SELECT CAST(a AS BIGINT), title || ' / ' || title_cy FROM t WHERE on_off = 1`,
		`SELECT a FROM t WHERE b IS NOT NULL ORDER BY c NULLS FIRST`,
		`SELECT a FROM t WHERE 1 = 0 AND b = 1 LIMIT 1`,
		`UPDATE t SET at = COALESCE(CAST(? AS BIGINT), 0) WHERE id = ?`,
		"Your item was replaced: the max, 3, is reached",
	}
	for _, q := range good {
		if got := nonPortableSQL(q); len(got) != 0 {
			t.Errorf("%s: found %q in portable SQL", q, got)
		}
	}
}

// TestNonPortablePlacesReadsGoFiles checks the file walk: string literals
// and LastInsertId calls count, comments do not.
func TestNonPortablePlacesReadsGoFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.go")
	src := "package p\n\n" +
		"// INSERT OR IGNORE in a comment is only a comment.\n" +
		"func f(r interface{ LastInsertId() (int64, error) }) {\n" +
		"\t_ = `INSERT OR IGNORE INTO t (a) VALUES (?)`\n" +
		"\t_, _ = r.LastInsertId()\n" +
		"\t_ = \"SELECT a FROM t\"\n" +
		"}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := nonPortablePlaces(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "5: ") || !strings.HasPrefix(got[1], "6: LastInsertId") {
		t.Errorf("nonPortablePlaces = %q, want line 5's INSERT OR IGNORE and line 6's LastInsertId", got)
	}
}

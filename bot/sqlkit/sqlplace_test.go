package sqlkit

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// sqlOutsideStores lists the packages (directories from the module root)
// whose non-test code still runs SQL outside their store*.go files, with how
// many places do. The test fails when a package not listed has any, when a
// listed one has more, and when a listed one has fewer — so lower the number
// (or drop the line) as SQL moves into the stores: this list only shrinks.
// It is empty: every package's SQL is in its store files, and new SQL goes
// there too.
var sqlOutsideStores = map[string]int{}

// sqlExempt are the directories where SQL belongs in any file: the store
// itself, these helpers every store shares (InsertID runs the store's own
// statement), and the PostgreSQL driver's wrapper (which passes every
// store's SQL on, and LISTENs).
var sqlExempt = []string{"bot/sqlite", "bot/sqlkit", "bot/postgres"}

// dbMethods are the database/sql calls that run SQL; each takes the query
// as its first argument after any context.
var dbMethods = map[string]int{
	"Exec": 1, "ExecContext": 2,
	"Query": 1, "QueryContext": 2,
	"QueryRow": 1, "QueryRowContext": 2,
	"Prepare": 1, "PrepareContext": 2,
}

// sqlText matches statements in string literals. Keywords are matched in
// capitals only, as every store writes them, so a reply saying "select one
// from the list" is not taken for SQL.
var sqlText = regexp.MustCompile(`\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(TABLE|INDEX|TRIGGER)\b|\bALTER\s+TABLE\b|\bDROP\s+TABLE\b`)

// TestSQLOnlyInStoreFiles keeps SQL in store files: handlers say what they
// want through store methods named for it, so a second database backend has
// one place per feature to change.
func TestSQLOnlyInStoreFiles(t *testing.T) {
	root := moduleRoot(t)
	found := map[string][]string{}
	err := walkGoFiles(root, exempt, func(path, rel string) error {
		if strings.HasPrefix(filepath.Base(rel), "store") {
			return nil
		}
		places, err := sqlPlaces(path)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		for _, p := range places {
			found[dir] = append(found[dir], rel+":"+p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkShrinkOnly(t, found, sqlOutsideStores, shrinkOnlyWords{
		what: "SQL places outside store files", fix: "move them behind store methods named for what they mean", list: "sqlOutsideStores"})
}

// shrinkOnlyWords name one repository check's places, what to do about new
// ones, and its allowlist.
type shrinkOnlyWords struct{ what, fix, list string }

// checkShrinkOnly compares the places found under each key (a package, a
// file) with an allowlist that only shrinks: a key not listed may have
// none, a listed one exactly its count — so whoever removes places lowers
// the count in the same change.
func checkShrinkOnly(t *testing.T, found map[string][]string, allowed map[string]int, w shrinkOnlyWords) {
	t.Helper()
	keys := map[string]bool{}
	for k := range found {
		keys[k] = true
	}
	for k := range allowed {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		limit, listed := allowed[k]
		got := len(found[k])
		places := strings.Join(found[k], "\n\t")
		switch {
		case !listed && got > 0:
			t.Errorf("%s: %d %s — %s:\n\t%s", k, got, w.what, w.fix, places)
		case got > limit:
			t.Errorf("%s: %d %s, up from %d — %s:\n\t%s", k, got, w.what, limit, w.fix, places)
		case got < limit:
			t.Errorf("%s: %d %s, down from %d — lower its count in %s:\n\t%s", k, got, w.what, limit, w.list, places)
		default:
			t.Logf("%s: %d %s still:\n\t%s", k, got, w.what, places)
		}
	}
}

// under reports whether rel is one of dirs or inside one.
func under(rel string, dirs []string) bool {
	for _, d := range dirs {
		if rel == d || strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

// walkGoFiles calls fn for every non-test Go file of the module, with its
// path and its slash-separated path from root. Hidden directories, testdata
// and migrations are skipped, and so are the directories skip says to.
func walkGoFiles(root string, skip func(rel string) bool, fn func(path, rel string) error) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "migrations" || skip(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		return fn(path, rel)
	})
}

func exempt(rel string) bool { return under(rel, sqlExempt) }

// sqlPlaces lists, as "line: what", the database calls and SQL string
// literals in one Go file. Comments are not looked at.
func sqlPlaces(path string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if min, ok := dbMethods[sel.Sel.Name]; ok && len(n.Args) >= min {
				out = append(out, fmt.Sprintf("%d: call to %s", fset.Position(n.Pos()).Line, sel.Sel.Name))
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err == nil && sqlText.MatchString(s) {
				out = append(out, fmt.Sprintf("%d: SQL in a string", fset.Position(n.Pos()).Line))
			}
		}
		return true
	})
	return out, nil
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

func TestSQLPlacesIgnoresComments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.go")
	src := "package h\n\n" +
		"// SELECT id FROM t is only a comment; so is db.Exec(q).\n" +
		"func f(db interface{ ExecContext(any, string, ...any) (any, error) }, u interface{ Query() string }) {\n" +
		"\t_ = u.Query()\n" +
		"\t_ = \"Select one from the list\"\n" +
		"\tdb.ExecContext(nil, \"x\")\n" +
		"\t_ = `DELETE FROM t WHERE id = ?`\n" +
		"}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := sqlPlaces(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"7: call to ExecContext", "8: SQL in a string"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sqlPlaces = %q, want %q", got, want)
	}
}

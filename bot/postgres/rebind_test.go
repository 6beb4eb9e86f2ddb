package postgres

import (
	"strconv"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"none", `SELECT 1`, `SELECT 1`},
		{"in order", `SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{"ten and more", `VALUES (?,?,?,?,?,?,?,?,?,?,?)`, `VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`},
		{"string", `SELECT '?' || ?`, `SELECT '?' || $1`},
		{"doubled quote", `SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{"escape string", `SELECT E'\'?', ?`, `SELECT E'\'?', $1`},
		{"lower-case escape string", `SELECT e'\\', ?`, `SELECT e'\\', $1`},
		{"backslash in a plain string ends nothing", `SELECT '\', ?`, `SELECT '\', $1`},
		{"word ending in e is no escape string", `SELECT name'\', ?`, `SELECT name'\', $1`},
		{"like escape", `DELETE FROM jobs WHERE key LIKE ? ESCAPE '\'`, `DELETE FROM jobs WHERE key LIKE $1 ESCAPE '\'`},
		{"identifier", `SELECT "a?b" FROM t WHERE x = ?`, `SELECT "a?b" FROM t WHERE x = $1`},
		{"doubled identifier quote", `SELECT "a""?" , ?`, `SELECT "a""?" , $1`},
		{"line comment", "SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"comment at the end", "SELECT ? -- why?", "SELECT $1 -- why?"},
		{"block comment", `SELECT /* ? */ ?`, `SELECT /* ? */ $1`},
		{"nested block comment", `SELECT /* a /* ? */ ? */ ?`, `SELECT /* a /* ? */ ? */ $1`},
		{"dollar body", `CREATE FUNCTION f() RETURNS int AS $$ SELECT '?' $$ LANGUAGE sql; SELECT ?`, `CREATE FUNCTION f() RETURNS int AS $$ SELECT '?' $$ LANGUAGE sql; SELECT $1`},
		{"tagged dollar body", `SELECT $x$ ? $$ ? $x$, ?`, `SELECT $x$ ? $$ ? $x$, $1`},
		{"dollar in an identifier", `SELECT a$b$ FROM t WHERE c = ? AND d$ = ?`, `SELECT a$b$ FROM t WHERE c = $1 AND d$ = $2`},
		{"a tag starting with a digit is no dollar quote", `SELECT $9$, ? $9$`, `SELECT $9$, $1 $9$`},
		{"minus alone", `SELECT 3 - ?`, `SELECT 3 - $1`},
		{"slash alone", `SELECT 3 / ?`, `SELECT 3 / $1`},
		{"unterminated string", `SELECT '?`, `SELECT '?`},
		{"unterminated comment", `SELECT ? /* ?`, `SELECT $1 /* ?`},
		{"non-ASCII", `SELECT 'café' || ?, "naïve?"`, `SELECT 'café' || $1, "naïve?"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := Rebind(tc.in)
			if got != tc.want {
				t.Errorf("Rebind(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if want := strings.Count(tc.in, "?") - strings.Count(tc.want, "?"); n != want {
				t.Errorf("count %d, want %d", n, want)
			}
		})
	}
}

// FuzzRebind checks, for any text, that only "?" are rewritten, each into
// the next number: the "?"s that went are exactly the count reported, and
// the text grew by exactly the digits of $1…$n.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{`SELECT ?`, `'?'`, `E'\'?'`, `"?"`, "-- ?\n?", `/* /* ? */ */ ?`, `$$?$$?`, `$a$?$a$?`, `a$?`, `$1?`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out, n := Rebind(q)
		if got := strings.Count(q, "?") - strings.Count(out, "?"); got != n {
			t.Fatalf("Rebind(%q) = %q reports %d placeholders, %d went", q, out, n, got)
		}
		grow := 0
		for i := 1; i <= n; i++ {
			grow += len(strconv.Itoa(i))
		}
		if len(out) != len(q)+grow {
			t.Fatalf("Rebind(%q) = %q: length %d, want %d", q, out, len(out), len(q)+grow)
		}
		if n == 0 && out != q {
			t.Fatalf("Rebind(%q) changed a query with no placeholder: %q", q, out)
		}
		// Every "$k" written is in order: removing them leaves q without
		// its placeholders.
		want := strings.Builder{}
		k, j := 1, 0
		for i := 0; i < len(out); {
			if p := "$" + strconv.Itoa(k); k <= n && strings.HasPrefix(out[i:], p) && j < len(q) && q[j] == '?' {
				want.WriteByte('?')
				i += len(p)
				j++
				k++
				continue
			}
			want.WriteByte(out[i])
			i++
			j++
		}
		if want.String() != q {
			t.Fatalf("Rebind(%q) = %q: not the same text around its placeholders", q, out)
		}
	})
}

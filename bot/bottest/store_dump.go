package bottest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// Dump renders every row each query returns, one line per row and "--"
// after each query. Tests compare dumps taken before and after a command to
// show that bad input changed nothing in the store. (It runs the queries
// it is given, so it lives in a store file.)
func Dump(t testing.TB, db *sql.DB, queries ...string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("dump %q: %v", q, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			t.Fatalf("dump %q: %v", q, err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				t.Fatalf("dump %q: %v", q, err)
			}
			fmt.Fprintln(&b, vals...)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			t.Fatalf("dump %q: %v", q, err)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

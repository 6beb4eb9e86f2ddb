package lending

import (
	"fmt"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// BenchmarkItemsPage posts !items in a group with 200, 2,000 and 20,000
// listings (a tenth of them out on loan, a tenth lent before and back),
// through the whole engine: command, store, queued reply. "floor" is the
// same !items in a group with nothing listed. Compare each size's ns/op
// and allocs/op as ratios to the floor of the same run: the post shows ten
// lines whatever the list's length, so its cost should stay flat.
func BenchmarkItemsPage(b *testing.B) {
	b.Run("floor", func(b *testing.B) { benchItems(b, 0) })
	for _, n := range []int{200, 2000, 20000} {
		b.Run(fmt.Sprintf("listings=%d", n), func(b *testing.B) { benchItems(b, n) })
	}
}

func benchItems(b *testing.B, n int) {
	h := bottest.New(b, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\n")
	seedListings(b, h, n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out := h.Run("Alice: !items\n")
		if n > 0 && !strings.Contains(out, "more —") {
			b.Fatalf("no short post:\n%s", out)
		}
	}
}

// seedListings writes n listings by n/10 members of the group straight
// into the store, as a busy year of !lend would leave them.
func seedListings(b testing.TB, h *bottest.Harness, n int) {
	if n == 0 {
		return
	}
	db := h.Store.Raw()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	var chat string
	if err := tx.QueryRow(`SELECT chat FROM memberships LIMIT 1`).Scan(&chat); err != nil {
		b.Fatal(err)
	}
	owners := max(1, n/10)
	first := int64(0)
	for i := range owners {
		res, err := tx.Exec(`INSERT INTO people (name, created_at, last_seen_at) VALUES (?, 0, 0)`, fmt.Sprintf("Neighbour %d", i))
		if err != nil {
			b.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if first == 0 {
			first = id
		}
		if _, err := tx.Exec(`INSERT INTO memberships (chat, person_id, present, since) VALUES (?, ?, 1, 0)`, chat, id); err != nil {
			b.Fatal(err)
		}
	}
	things := []string{"step ladder", "power drill", "hedge trimmer", "lawnmower", "wheelbarrow", "pressure washer", "tile cutter", "tent", "bike pump", "jump leads"}
	for i := range n {
		owner := first + int64(i%owners)
		res, err := tx.Exec(`INSERT INTO lending_listings (chat, owner_id, kind, name, match_key, created_at) VALUES (?, ?, 'item', ?, ?, ?)`,
			chat, owner, fmt.Sprintf("%s %d", things[i%len(things)], i), fmt.Sprint(i), i)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := res.LastInsertId()
		state := ""
		switch i % 10 {
		case 3:
			state = "out"
		case 7:
			state = "closed"
		}
		if state == "" {
			continue
		}
		borrower := first + int64((i+1)%owners)
		if _, err := tx.Exec(`INSERT INTO lending_loans (chat, listing_id, item, owner_id, borrower_id, lent_at, due_at, state, close_reason)
			VALUES (?, ?, 'x', ?, ?, 0, ?, ?, CASE WHEN ? = 'closed' THEN 'returned' ELSE '' END)`, chat, id, owner, borrower, int64(1e15)+int64(i), state, state); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// TestItemsPostCountStops: past countCap entries the post says "over 500
// more" rather than counting every one; below it, the exact number.
func TestItemsPostCountStops(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{40, "…and 31 more — !items drill to search"}, {700, "…and over 500 more — !items drill to search"}} {
		h := bottest.New(t, testOptions())
		h.Run("@admin Alice\nAlice: !bot on\n")
		seedListings(t, h, c.n)
		h.Expect("Alice: !items\n", c.want)
		if c.n > countCap {
			h.Expect("dm Alice: !items\n", "…and over 500 more — search with !items WORD.")
		}
	}
}

package lending

import (
	"context"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
)

var _ bot.RecordPurger = dataProvider{}

func TestPurgeClosed(t *testing.T) { storetest.Run(t, testPurgeClosed) }

func testPurgeClosed(t *testing.T, open storetest.Opener) {
	st, alice, bob := newStore(t, open)
	ctx := context.Background()
	const street = bot.ChatID("group:street")
	day := 24 * time.Hour
	cutoff := t0.Add(400 * day).Add(-365 * day) // day 35

	loan := func(item string, lent time.Time, closedAt time.Time, returning bool) int64 {
		t.Helper()
		listing, err := st.addListing(ctx, Listing{Chat: street, OwnerID: alice, Kind: kindItem, Name: item, Created: t0}, item)
		if err != nil {
			t.Fatal(err)
		}
		id, err := st.createLoan(ctx, Loan{Chat: street, ListingID: listing, Item: item, OwnerID: alice, BorrowerID: bob, LentAt: lent, DueAt: lent.Add(7 * day)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case returning:
			if err := st.claimReturn(ctx, id, lent.Add(day), "msg-"+item); err != nil {
				t.Fatal(err)
			}
		case !closedAt.IsZero():
			if err := st.closeLoan(ctx, id, closedAt, reasonReturned); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	loan("old ladder", t0, t0.Add(10*day), false)             // closed day 10: goes
	loan("edge drill", t0, cutoff, false)                     // closed exactly at the cutoff: stays
	loan("recent saw", t0.Add(30*day), t0.Add(40*day), false) // closed day 40: stays
	loan("lost hammer", t0, time.Time{}, false)               // out since day 0: stays
	loan("spade", t0, time.Time{}, true)                      // returning, unconfirmed: stays

	want := func(text string, expires time.Time) {
		t.Helper()
		if _, err := st.addWant(ctx, Want{Chat: street, PersonID: bob, Text: text, Created: expires.Add(-14 * day), Expires: expires}, nil); err != nil {
			t.Fatal(err)
		}
	}
	want("old wheelbarrow", t0.Add(20*day)) // expired day 20: goes
	want("recent tent", t0.Add(50*day))     // expired day 50: stays
	want("live kayak", t0.Add(500*day))     // still live: stays

	errand := func(place string, starts time.Time, joiners ...int64) {
		t.Helper()
		id, err := st.addErrand(ctx, Errand{Chat: street, RunnerID: alice, Place: place, StartsAt: starts, Created: starts.Add(-day)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range joiners {
			if _, err := st.join(ctx, Signup{ErrandID: id, PersonID: p, Joined: starts.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	errand("tip", t0.Add(5*day), bob)        // started day 5: goes with its signup
	errand("shops", t0.Add(60*day), bob)     // started day 60: stays
	errand("garden centre", t0.Add(500*day)) // upcoming: stays

	question := func(item string, asked time.Time) {
		t.Helper()
		listing, err := st.addListing(ctx, Listing{Chat: street, OwnerID: alice, Kind: kindItem, Name: item, Created: t0}, item)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.askLent(ctx, lentQuestion{Chat: street, OwnerID: alice, ListingID: listing, BorrowerID: bob, AskedAt: asked}); err != nil {
			t.Fatal(err)
		}
	}
	question("old rake", t0.Add(3*day)) // asked day 3, never answered: goes

	n, err := st.purgeClosed(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	// One loan, one want, one errand and its signup, one question.
	if n != 5 {
		t.Errorf("purged %d rows, want 5", n)
	}
	check := func(query string, want int) {
		t.Helper()
		var got int
		if err := st.db.QueryRowContext(ctx, query).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", query, got, want)
		}
	}
	check(`SELECT COUNT(*) FROM lending_loans WHERE item = 'old ladder'`, 0)
	check(`SELECT COUNT(*) FROM lending_loans`, 4)
	check(`SELECT COUNT(*) FROM lending_loans WHERE state <> 'closed'`, 2)
	check(`SELECT COUNT(*) FROM lending_listings`, 6)
	check(`SELECT COUNT(*) FROM lending_lent_questions`, 0)
	check(`SELECT COUNT(*) FROM lending_wants WHERE text = 'old wheelbarrow'`, 0)
	check(`SELECT COUNT(*) FROM lending_wants`, 2)
	check(`SELECT COUNT(*) FROM lending_errands WHERE place = 'tip'`, 0)
	check(`SELECT COUNT(*) FROM lending_errands`, 2)
	check(`SELECT COUNT(*) FROM lending_errand_signups`, 1)

	// A second run finds nothing more.
	if n, err := st.purgeClosed(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0, nil", n, err)
	}
	check(`SELECT COUNT(*) FROM lending_loans`, 4)
}

// TestPurgeThroughProvider purges through the registered data provider,
// as the retention job does: the returned loan goes, the listing stays.
func TestPurgeThroughProvider(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !lend ladder\nBob: hi\nAlice: !lent ladder @Bob\n")
	var purger bot.RecordPurger
	for _, p := range h.Kit("test").Reg.DataProviders() {
		if rp, ok := p.(bot.RecordPurger); ok && p.DataName() == "Lending" {
			purger = rp
		}
	}
	if purger == nil {
		t.Fatal("lending's data provider is not a RecordPurger")
	}
	ctx := context.Background()
	loans := func() int {
		t.Helper()
		var n int
		if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM lending_loans`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Out on loan for a year: still kept, however old.
	h.Run("@advance 400d\n")
	if n, err := purger.PurgeClosed(ctx, h.Now()); err != nil || n != 0 || loans() != 1 {
		t.Fatalf("purge of an open loan = %d, %v with %d loans left; want 0, nil, 1", n, err, loans())
	}
	h.Run("Alice: !returned ladder\n@advance 1h\n")
	if n, err := purger.PurgeClosed(ctx, h.Now()); err != nil || n != 1 || loans() != 0 {
		t.Fatalf("purge of the returned loan = %d, %v with %d loans left; want 1, nil, 0", n, err, loans())
	}
	h.Expect("Alice: !items\n", "ladder")
}

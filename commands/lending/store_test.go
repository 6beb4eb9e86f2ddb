package lending

import (
	"context"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/storetest"
)

// newStore opens a real database with the lending schema and two people:
// a SQLite file, or a schema of the test PostgreSQL database (open says
// which; see bot/storetest).
func newStore(t *testing.T, open storetest.Opener) (*store, int64, int64) {
	t.Helper()
	db := open(t, Migrations())
	ctx := context.Background()
	alice, err := db.ResolvePerson(ctx, bot.Sender{Addr: "Alice", Name: "Alice"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bob, err := db.ResolvePerson(ctx, bot.Sender{Addr: "Bob", Name: "Bob"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &store{db: db.DB()}, alice.ID, bob.ID
}

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func TestStoreListings(t *testing.T) { storetest.Run(t, testStoreListings) }

func testStoreListings(t *testing.T, open storetest.Opener) {
	st, alice, bob := newStore(t, open)
	ctx := context.Background()
	const street, allot = bot.ChatID("group:street"), bot.ChatID("group:allot")
	id, err := st.addListing(ctx, Listing{Chat: street, OwnerID: alice, Kind: kindItem, Name: "Step Ladder", Note: "3 steps", Created: t0}, parseItem("Step Ladder").key())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.addListing(ctx, Listing{Chat: allot, OwnerID: alice, Kind: kindFavour, Name: "digging", Created: t0}, parseItem("digging").key()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.addListing(ctx, Listing{Chat: street, OwnerID: bob, Kind: kindItem, Name: "drill", Created: t0.Add(time.Minute)}, "drill"); err != nil {
		t.Fatal(err)
	}
	dup, err := st.hasListingKey(ctx, street, alice, kindItem, parseItem("step ladders").key())
	if err != nil || !dup {
		t.Errorf("hasListingKey(step ladders) = %v, %v; want true", dup, err)
	}
	if dup, _ := st.hasListingKey(ctx, allot, alice, kindItem, parseItem("step ladder").key()); dup {
		t.Error("a listing in another group counted as a duplicate")
	}
	got, err := st.groupListings(ctx, street, "")
	if err != nil || len(got) != 2 || got[0].ID != id || got[0].Note != "3 steps" || !got[0].Created.Equal(t0) {
		t.Fatalf("groupListings(street) = %+v, %v", got, err)
	}
	if favours, _ := st.groupListings(ctx, street, kindFavour); len(favours) != 0 {
		t.Errorf("street favours = %+v, want none (the favour is in allot)", favours)
	}
	if all, _ := st.ownerListings(ctx, "", alice); len(all) != 2 {
		t.Errorf("Alice's listings everywhere = %d, want 2", len(all))
	}
	if n, _ := st.countListings(ctx, street, alice); n != 1 {
		t.Errorf("countListings = %d, want 1", n)
	}
	if err := st.removeListing(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.groupListings(ctx, street, ""); len(got) != 1 || got[0].Name != "drill" {
		t.Errorf("after remove: %+v", got)
	}
}

func TestStoreLoans(t *testing.T) { storetest.Run(t, testStoreLoans) }

func testStoreLoans(t *testing.T, open storetest.Opener) {
	st, alice, bob := newStore(t, open)
	ctx := context.Background()
	const street = bot.ChatID("group:street")
	lid, err := st.addListing(ctx, Listing{Chat: street, OwnerID: alice, Kind: kindItem, Name: "ladder", Created: t0}, "ladder")
	if err != nil {
		t.Fatal(err)
	}
	wid, err := st.addWant(ctx, Want{Chat: street, PersonID: bob, Text: "ladder", Created: t0, Expires: t0.Add(14 * 24 * time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	due := t0.Add(7 * 24 * time.Hour)
	loanID, err := st.createLoan(ctx, Loan{Chat: street, ListingID: lid, Item: "ladder", OwnerID: alice, BorrowerID: bob, LentAt: t0, DueAt: due}, []int64{wid})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := st.personWants(ctx, street, bob, t0); len(w) != 0 {
		t.Errorf("answered want still there: %+v", w)
	}
	l, out, err := st.openLoanOfListing(ctx, lid)
	if err != nil || !out || l.ID != loanID || l.State != stateOut || !l.DueAt.Equal(due) || l.BorrowerID != bob {
		t.Fatalf("openLoanOfListing = %+v, %v, %v", l, out, err)
	}
	if err := st.claimReturn(ctx, loanID, t0.Add(time.Hour), "msg-1"); err != nil {
		t.Fatal(err)
	}
	if l, ok, _ := st.loanByConfirmMsg(ctx, street, "msg-1"); !ok || l.State != stateReturning {
		t.Errorf("loanByConfirmMsg = %+v, %v", l, ok)
	}
	if err := st.reopen(ctx, loanID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.loanByConfirmMsg(ctx, street, "msg-1"); ok {
		t.Error("reopened loan still waits for confirmation")
	}
	if n, _ := st.completedLoans(ctx, street, alice); n != 0 {
		t.Errorf("completed before close = %d", n)
	}
	if err := st.closeLoan(ctx, loanID, t0.Add(2*time.Hour), reasonReturned); err != nil {
		t.Fatal(err)
	}
	for _, p := range []int64{alice, bob} {
		if n, _ := st.completedLoans(ctx, street, p); n != 1 {
			t.Errorf("completedLoans(%d) = %d, want 1", p, n)
		}
	}
	if n, _ := st.completedLoans(ctx, "group:other", alice); n != 0 {
		t.Errorf("completed loans leak across groups: %d", n)
	}
	if open, _ := st.openLoans(ctx, street); len(open) != 0 {
		t.Errorf("open loans after close: %+v", open)
	}
	// Closing twice changes nothing.
	if err := st.closeLoan(ctx, loanID, t0.Add(5*time.Hour), reasonForgotten); err != nil {
		t.Fatal(err)
	}
	if l, _ := st.loan(ctx, loanID); l.Reason != reasonReturned || !l.ClosedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("second close changed the loan: %+v", l)
	}
}

func TestStoreWantsAndErrands(t *testing.T) { storetest.Run(t, testStoreWantsAndErrands) }

func testStoreWantsAndErrands(t *testing.T, open storetest.Opener) {
	st, alice, bob := newStore(t, open)
	ctx := context.Background()
	const street = bot.ChatID("group:street")
	if _, err := st.addWant(ctx, Want{Chat: street, PersonID: bob, Text: "drill", Created: t0, Expires: t0.Add(time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	if w, _ := st.activeWants(ctx, street, t0.Add(30*time.Minute)); len(w) != 1 {
		t.Errorf("active wants before expiry = %d, want 1", len(w))
	}
	if w, _ := st.activeWants(ctx, street, t0.Add(time.Hour)); len(w) != 0 {
		t.Errorf("active wants at expiry = %d, want 0", len(w))
	}
	eid, err := st.addErrand(ctx, Errand{Chat: street, RunnerID: alice, Place: "tip", StartsAt: t0.Add(24 * time.Hour), Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	already, err := st.join(ctx, Signup{ErrandID: eid, PersonID: bob, Note: "1 bag", Joined: t0})
	if err != nil || already {
		t.Fatalf("join = %v, %v", already, err)
	}
	if already, _ := st.join(ctx, Signup{ErrandID: eid, PersonID: bob, Note: "2 bags", Joined: t0.Add(time.Minute)}); !already {
		t.Error("second join not reported as an update")
	}
	sg, _ := st.signups(ctx, eid)
	if len(sg) != 1 || sg[0].Note != "2 bags" {
		t.Errorf("signups = %+v", sg)
	}
	if es, _ := st.personErrands(ctx, "", bob, t0); len(es) != 1 {
		t.Errorf("Bob's errands = %d, want 1", len(es))
	}
	if es, _ := st.openErrands(ctx, street, t0.Add(24*time.Hour)); len(es) != 0 {
		t.Errorf("errand still open at its start: %+v", es)
	}
	if ok, _ := st.unjoin(ctx, eid, bob); !ok {
		t.Error("unjoin reported nothing removed")
	}
	if err := st.deleteErrand(ctx, eid); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.errand(ctx, eid); ok {
		t.Error("errand still there after delete")
	}
}

package lending

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
)

func TestPlanForgetLoans(t *testing.T) {
	const me = 7
	open := []Loan{
		{ID: 1, OwnerID: me, BorrowerID: 2, State: stateOut},       // my item still out: kept, owner forgotten
		{ID: 2, OwnerID: 3, BorrowerID: me, State: stateOut},       // I borrowed it: kept, borrower forgotten
		{ID: 3, OwnerID: me, BorrowerID: 4, State: stateReturning}, // nobody can confirm: closed
		{ID: 4, OwnerID: 5, BorrowerID: me, State: stateReturning}, // the owner can still confirm: kept
		{ID: 5, OwnerID: me, BorrowerID: 0, State: stateOut},       // both sides gone: closed
	}
	kept, closed := planForgetLoans(open, me)
	var keptIDs []int64
	for _, l := range kept {
		if l.OwnerID == me || l.BorrowerID == me {
			t.Errorf("loan %d still names the forgotten person: %+v", l.ID, l)
		}
		keptIDs = append(keptIDs, l.ID)
	}
	if want := []int64{1, 2, 4}; !reflect.DeepEqual(keptIDs, want) {
		t.Errorf("kept %v, want %v", keptIDs, want)
	}
	if want := []int64{3, 5}; !reflect.DeepEqual(closed, want) {
		t.Errorf("closed %v, want %v", closed, want)
	}
	if open[0].OwnerID != me {
		t.Error("planForgetLoans changed its input")
	}
}

func TestLoanState(t *testing.T) {
	loc := time.UTC
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, loc)
	due := bot.TimeOfDay(18 * 60)
	for _, tc := range []struct {
		name string
		loan Loan
		want string
	}{
		{"due later", Loan{State: stateOut, DueAt: now.Add(30 * time.Hour)}, "due back "},
		{"overdue", Loan{State: stateOut, DueAt: now.Add(-time.Hour)}, "overdue since "},
		{"due now is overdue", Loan{State: stateOut, DueAt: now}, "overdue since "},
		{"returning", Loan{State: stateReturning, DueAt: now.Add(-time.Hour)}, "returned, waiting for the owner to confirm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := loanState(tc.loan, now, loc, due); !strings.HasPrefix(got, tc.want) {
				t.Errorf("loanState = %q, want prefix %q", got, tc.want)
			}
		})
	}
}

func TestBorrowHitsOrder(t *testing.T) {
	hit := func(id int64, owner string, out bool, score float64) scored[borrowHit] {
		return scored[borrowHit]{borrowHit{l: Listing{ID: id}, owner: bot.Person{ID: id, Name: owner}, out: out}, score}
	}
	ids := func(hs []borrowHit) []int64 {
		var out []int64
		for _, h := range hs {
			out = append(out, h.l.ID)
		}
		return out
	}
	cands := []scored[borrowHit]{hit(1, "Alice", false, 0.5), hit(2, "Bob Smith", true, 0.9), hit(3, "Bob Smith", false, 0.7), hit(4, "Carol", false, 1)}
	for _, tc := range []struct {
		name, possessor string
		free, out       []int64
	}{
		{"best first", "", []int64{4, 3, 1}, []int64{2}},
		{"the named person's only", "bob", []int64{3}, []int64{2}},
		{"nobody of that name keeps all", "dave", []int64{4, 3, 1}, []int64{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			free, out := splitBorrowHits(preferPossessor(append([]scored[borrowHit]{}, cands...), tc.possessor))
			if !reflect.DeepEqual(ids(free), tc.free) || !reflect.DeepEqual(ids(out), tc.out) {
				t.Errorf("free %v out %v, want %v and %v", ids(free), ids(out), tc.free, tc.out)
			}
		})
	}
	var many []scored[borrowHit]
	for i := int64(1); i <= 8; i++ {
		many = append(many, hit(i, "N", false, 1))
	}
	if free, _ := splitBorrowHits(many); len(free) != maxBorrowOffers {
		t.Errorf("%d free offers named, want at most %d", len(free), maxBorrowOffers)
	}
}

func TestTitledSections(t *testing.T) {
	got := titledSections([]section{{"A:", []string{"• a"}}, {"B:", nil}, {"C:", []string{"• c1", "• c2"}}})
	want := []string{"A:", "• a", "C:", "• c1", "• c2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := titledSections([]section{{"A:", nil}}); len(got) != 0 {
		t.Errorf("empty sections gave %q", got)
	}
}

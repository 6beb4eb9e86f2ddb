package lending

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

const setup = `@admin Alice
Alice: !bot on
@join Bob
Alice: !lend ladder
Alice: !lend drill
Alice: !lent drill @Bob
Carol: !errand tip Saturday 10am
Bob: !need a wheelbarrow
`

// TestBadInputChangesNothing sends each bad command and checks it gets one
// line back and leaves every lending table and job as it was.
func TestBadInputChangesNothing(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(setup)
	long := strings.Repeat("ladder ", 715) // 5,005 characters
	bad := []string{
		"Alice: !lend",
		"Alice: !lend — only a note",
		"Alice: !lend " + long,
		"Alice: !lend " + strings.Repeat("x", 300),
		"Alice: !lend 🪜🪜",
		"Alice: !lend l̴̡̛a̷̢̧d̶̨̛d̸̢̡e̵̡̛r̷̨̢",
		"Alice: !lend \u202eladder\u202c",
		"Alice: !lend ladder",
		"Alice: !favour",
		"Alice: !lend !lend",
		"Alice: !lend ladder !help",
		"Alice: !lend https://example.org/drill",
		"Alice: !favour @Bob",
		"Bob: !borrow @Alice",
		"Bob: !borrow wheelbarrow @Alice",
		"Bob: !borrow",
		"Bob: !borrow " + long,
		"Bob: !borrow " + strings.Repeat("y", 300),
		"Alice: !unlist canoe",
		"Alice: !lent canoe @Bob",
		"Alice: !lent ladder and canoe @Bob",
		"Alice: !lent ladder, drill @Bob",
		"Alice: !lent ladder",
		"Alice: !lent ladder Bob",
		"Alice: !lent ladder @Zed",
		"Alice: !lent ladder @Alice",
		"Alice: !lent ladder @Bob for fortnightly",
		"Alice: !lent ladder @Bob until Blursday",
		"Alice: !lent ladder @Bob for 3 years",
		"Alice: !lent ladder @Bob until yesterday",
		"Alice: !lent drill @Bob",
		"Alice: !lent " + long + " @Bob",
		"Bob: !returned ladder",
		"Alice: !returned canoe",
		"Alice: !confirm drill",
		"Alice: !extend drill",
		"Alice: !extend drill until Blursday",
		"Alice: !extend drill 200d",
		"Alice: !extend canoe 3d",
		"Bob: !errand tip",
		"Bob: !errand Saturday 10am",
		"Bob: !errand tip 1 Jan 2025 10am",
		"Bob: !errand tip 1 Jun 10am",
		"Bob: !errand cancel tip",
		"Carol: !join tip",
		"Bob: !join shops",
		"Bob: !join shops milk",
		"Bob: !unjoin tip",
		"Bob: !join tip " + strings.Repeat("z", 300),
	}
	for _, line := range bad {
		before := snapshot(t, h)
		out := h.Run(line + "\n")
		if after := snapshot(t, h); after != before {
			t.Errorf("%s\nchanged the store:\nbefore:\n%s\nafter:\n%s", bot.Truncate(line, 60), before, after)
		}
		replies := strings.Split(strings.TrimSpace(out), "\n")[1:]
		if len(replies) != 1 || !strings.HasPrefix(replies[0], "[street] bot: ") {
			t.Errorf("%s\nwant one reply line, got:\n%s", bot.Truncate(line, 60), out)
		}
		if strings.Contains(out, "Sorry, something went wrong") {
			t.Errorf("%s\ninternal error: %s", bot.Truncate(line, 60), out)
		}
	}
}

// restart restarts the process. The bot is still in its group afterwards,
// but the console knows only the groups a script names, so the script
// names the test's group again: lending's jobs ask the transport whether
// the bot is still a member.
func restart(h *bottest.Harness) {
	h.T.Helper()
	h.Restart()
	h.Run("@group street Elm Road\n")
}

// TestRemindersSurviveRestart lends something, restarts the process, and
// checks the reminders still arrive.
func TestRemindersSurviveRestart(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Expect(`@admin Alice
Alice: !bot on
dm Alice: hi
dm Bob: hi
@join Bob
Alice: !lend ladder
Alice: !lent ladder @Bob for 3d
Bob: !mine
`, "Noted: @Bob has Alice's ladder until Thu 8 Jan.")
	restart(h)
	// By Thu 12:00 only the day-before reminder (Wed 18:00) has come; by
	// Thu 18:00 the due-date one has; two days after that Alice hears too.
	out := h.Expect("@advance 3d 3h\n", "[dm Bob] bot: Reminder: Alice's ladder is due back tomorrow (Thu 8 Jan).")
	if strings.Contains(out, "due back today") {
		t.Errorf("due-date reminder before the due date:\n%s", out)
	}
	h.Expect("@advance 6h\n", "[dm Bob] bot: Reminder: Alice's ladder is due back today (Thu 8 Jan).")
	restart(h)
	h.Expect("@advance 2d\n", "[dm Bob] bot: Alice's ladder was due back on Thu 8 Jan.", "[dm Alice] bot: Your ladder is still with Bob")
}

// TestErrandSurvivesRestart checks the runner's summary and the errand's
// expiry are persisted jobs too.
func TestErrandSurvivesRestart(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(`@admin Alice
Alice: !bot on
dm Carol: hi
Carol: !errand tip Saturday 10am
Bob: !join tip 1 bag
`)
	restart(h)
	h.Expect("@advance 5d 1h\n", "[dm Carol] bot: Your tip run (Sat 10 Jan 10:00, Elm Road) starts soon. 1 neighbour joined:\n    • Bob (1 bag)")
	restart(h)
	h.Run("@advance 1h\n")
	if snap := snapshot(t, h); strings.Contains(snap, "tip") {
		t.Errorf("errand still stored after it started:\n%s", snap)
	}
}

// lendingProvider returns the registered lending data provider.
func lendingProvider(t *testing.T, h *bottest.Harness) bot.DataProvider {
	t.Helper()
	for _, dp := range h.Kit("test").Reg.DataProviders() {
		if dp.DataName() == "Lending" {
			return dp
		}
	}
	t.Fatal("no Lending data provider registered")
	return nil
}

func personID(t *testing.T, h *bottest.Harness, name string) int64 {
	t.Helper()
	p, err := h.Store.PersonByAddr(context.Background(), bot.Address(name))
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// loanJobs lists the keys of the scheduled jobs about one loan.
func loanJobs(t *testing.T, h *bottest.Harness, loan int64) []string {
	t.Helper()
	rows, err := h.Store.Raw().Query(`SELECT key FROM jobs WHERE key LIKE ? OR key = ? ORDER BY key`,
		loanKey(loan)+"%", fmt.Sprintf("lending:forgotten:loan:%d", loan))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

// TestForgetPerson checks the data provider when a borrower is forgotten:
// listings, wants and signups go; loans still out stay open without them,
// their reminders stop, and each owner is told once.
func TestForgetPerson(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(setup + `dm Alice: hi
Bob: !lend hedge trimmer
Bob: !join tip two bags
Bob: !lend canoe
Alice: !lent ladder @Bob
`)
	ctx := context.Background()
	bob, alice := personID(t, h, "Bob"), personID(t, h, "Alice")
	p := lendingProvider(t, h)
	lines, err := p.DescribePerson(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{`You list "hedge trimmer" in Elm Road`, "You borrowed the drill from Alice on Mon 5 Jan in Elm Road (still out, due Mon 12 Jan).", `You asked for "wheelbarrow"`, "You joined a tip run on Sat 10 Jan 10:00 in Elm Road."} {
		if !strings.Contains(text, want) {
			t.Errorf("DescribePerson lacks %q:\n%s", want, text)
		}
	}
	st := &store{db: h.Store.DB()}
	before, err := st.personLoanHistory(ctx, bob)
	if err != nil || len(before) != 2 {
		t.Fatalf("Bob's loans before: %v, %v", before, err)
	}
	for _, l := range before {
		if len(loanJobs(t, h, l.ID)) == 0 {
			t.Fatalf("loan %d has no reminder before forgetting: the test proves nothing", l.ID)
		}
	}

	summary, err := p.ForgetPerson(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	want := "2 listings deleted; 1 request deleted; 0 errands and 1 errand signup deleted; " +
		"2 loans anonymised (2 loans still open: kept on the other side's list without your name until marked returned; each will be told privately)"
	if summary != want {
		t.Errorf("summary = %q, want %q", summary, want)
	}
	snap := snapshot(t, h)
	if strings.Contains(snap, "hedge trimmer") || strings.Contains(snap, "wheelbarrow") || strings.Contains(snap, "two bags") {
		t.Errorf("Bob's data left behind:\n%s", snap)
	}
	hist, err := st.personLoanHistory(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 {
		t.Fatalf("Alice's history has %d loans, want 2", len(hist))
	}
	for _, l := range hist {
		if l.BorrowerID != 0 || l.OwnerID != alice || l.State != stateOut || !l.ClosedAt.IsZero() {
			t.Errorf("loan %+v: want still out, owner Alice, borrower removed", l)
		}
		// Bob's "due tomorrow" and "due today" are gone; what is left is
		// the owner's first overdue reminder and the one-off notice.
		want := []string{fmt.Sprintf("lending:forgotten:loan:%d", l.ID), loanKey(l.ID) + "remind:overdue1"}
		if got := loanJobs(t, h, l.ID); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("loan %d jobs = %v, want %v", l.ID, got, want)
		}
	}
	// Forgetting again (a repeated !forgetme yes) finds nothing to tell.
	again, err := p.ForgetPerson(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(again, "0 loans anonymised") {
		t.Errorf("second erasure: %q", again)
	}

	// Alice hears once per loan, then at most three overdue reminders each;
	// nothing goes to Bob.
	out := h.Run("@advance 30d\n")
	if strings.Contains(out, "[dm Bob]") {
		t.Errorf("message to the forgotten borrower:\n%s", out)
	}
	for _, item := range []string{"drill", "ladder"} {
		if n := strings.Count(out, "The neighbour who has your "+item); n != 1 {
			t.Errorf("Alice told %d times about her %s, want once:\n%s", n, item, out)
		}
		if n := strings.Count(out, "[dm Alice] bot: Your "+item+", lent on Mon 5 Jan to a neighbour who has since asked me to forget them"); n != maxFormerBorrowerReminders {
			t.Errorf("Alice reminded %d times about her %s, want %d:\n%s", n, item, maxFormerBorrowerReminders, out)
		}
	}
	if snap := snapshot(t, h); strings.Contains(snap, "lending.remind") || strings.Contains(snap, "lending.notice") {
		t.Errorf("jobs left after the last reminder:\n%s", snap)
	}
	// The owner closes it without a borrower.
	h.Expect("Alice: !returned ladder\n", "Thanks! Alice's ladder is back from a former member. Completed loans: Alice (1 loan).")
	l, err := st.loan(ctx, hist[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Item != "ladder" || l.State != stateClosed || l.Reason != reasonReturned {
		t.Errorf("ladder loan after !returned: %+v", l)
	}
	// Once the owner is forgotten too, nobody is left on the drill loan:
	// it is closed, with nobody to tell.
	if _, err := p.ForgetPerson(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if l, err := st.loan(ctx, hist[0].ID); err != nil || l.State != stateClosed || l.Reason != reasonForgotten || l.OwnerID != 0 {
		t.Errorf("drill loan with both sides forgotten: %+v, %v", l, err)
	}
	if got := loanJobs(t, h, hist[0].ID); len(got) != 0 {
		t.Errorf("drill loan jobs = %v, want none", got)
	}
}

// TestForgetOwner checks the reverse: the borrower keeps the loan on their
// list, is told once, gets no reminders, and their word closes it. A
// return waiting for the forgotten owner to confirm is closed.
func TestForgetOwner(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(`@admin Alice
Alice: !bot on
dm Bob: hi
@join Bob
Alice: !lend ladder
Alice: !lend drill
Alice: !lent ladder @Bob
Alice: !lent drill @Bob
Bob: !returned drill
`)
	ctx := context.Background()
	alice := personID(t, h, "Alice")
	bob := personID(t, h, "Bob")
	if _, err := lendingProvider(t, h).ForgetPerson(ctx, alice); err != nil {
		t.Fatal(err)
	}
	st := &store{db: h.Store.DB()}
	loans, err := st.personLoanHistory(ctx, bob)
	if err != nil || len(loans) != 2 {
		t.Fatalf("Bob's loans: %v, %v", loans, err)
	}
	ladder, drill := loans[0], loans[1]
	if ladder.OwnerID != 0 || ladder.BorrowerID != bob || ladder.State != stateOut {
		t.Errorf("ladder loan: %+v, want still out with Bob, owner removed", ladder)
	}
	if drill.OwnerID != 0 || drill.State != stateClosed || drill.Reason != reasonForgotten {
		t.Errorf("drill loan: %+v, want closed as forgotten", drill)
	}
	if got := loanJobs(t, h, ladder.ID); len(got) != 1 || got[0] != fmt.Sprintf("lending:forgotten:loan:%d", ladder.ID) {
		t.Errorf("ladder jobs = %v, want only the notice to Bob", got)
	}
	if got := loanJobs(t, h, drill.ID); len(got) != 0 {
		t.Errorf("drill jobs = %v, want none", got)
	}
	out := h.Run("@advance 20d\n")
	if n := strings.Count(out, "[dm Bob] bot: The owner of the ladder you borrowed"); n != 1 || strings.Count(out, "[dm ") != 1 {
		t.Errorf("want exactly one message, to Bob, got:\n%s", out)
	}
	h.Expect("Bob: !returned ladder\n", "Thanks! A former member's ladder is back from Bob. Completed loans: Bob (1 loan).")
	if l, err := st.loan(ctx, ladder.ID); err != nil || l.State != stateClosed || l.Reason != reasonReturned {
		t.Errorf("ladder after Bob's !returned: %+v, %v", l, err)
	}
}

// TestForgetBorrowerOfReportedReturn: a return the borrower reported
// before being forgotten stays for the owner to confirm, with no job but
// the one notice, and the owner's confirmation closes it.
func TestForgetBorrowerOfReportedReturn(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(`@admin Alice
Alice: !bot on
dm Alice: hi
@join Bob
Alice: !lend ladder
Alice: !lent ladder @Bob
Bob: !returned ladder
`)
	ctx := context.Background()
	if _, err := lendingProvider(t, h).ForgetPerson(ctx, personID(t, h, "Bob")); err != nil {
		t.Fatal(err)
	}
	st := &store{db: h.Store.DB()}
	loans, err := st.personLoanHistory(ctx, personID(t, h, "Alice"))
	if err != nil || len(loans) != 1 {
		t.Fatalf("Alice's loans: %v, %v", loans, err)
	}
	l := loans[0]
	if l.State != stateReturning || l.BorrowerID != 0 {
		t.Errorf("loan %+v: want still waiting for Alice, borrower removed", l)
	}
	if got := loanJobs(t, h, l.ID); len(got) != 1 || got[0] != fmt.Sprintf("lending:forgotten:loan:%d", l.ID) {
		t.Errorf("jobs = %v, want only the notice to Alice", got)
	}
	h.Expect("@advance 1m\n", "[dm Alice] bot: The neighbour who said your ladder is back (lent on Mon 5 Jan in Elm Road) has asked me to forget them.")
	h.Expect("Alice: !confirm\n", "Thanks! Alice's ladder is back from a former member.")
	if l, err := st.loan(ctx, l.ID); err != nil || l.State != stateClosed || l.Reason != reasonReturned {
		t.Errorf("after !confirm: %+v, %v", l, err)
	}
}

// TestForgottenNoticeDroppedOnceClosed: news held back by quiet hours is
// not sent about a loan the owner has closed meanwhile.
func TestForgottenNoticeDroppedOnceClosed(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(`@admin Alice
Alice: !bot on
@join Bob
Alice: !lend ladder
Alice: !lent ladder @Bob
@time 2026-01-05T22:00:00Z
`)
	if _, err := lendingProvider(t, h).ForgetPerson(context.Background(), personID(t, h, "Bob")); err != nil {
		t.Fatal(err)
	}
	out := h.Run("Alice: !returned ladder\n@advance 12h\n")
	if strings.Contains(out, "[dm Alice]") {
		t.Errorf("notice about a closed loan was sent:\n%s", out)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"loan_period":           func(c *Config) { c.LoanPeriod = bot.Duration(time.Minute) },
		"max_loan_period":       func(c *Config) { c.MaxLoanPeriod = bot.Duration(24 * time.Hour) },
		"overdue_every":         func(c *Config) { c.OverdueEvery = bot.Duration(time.Minute) },
		"want_expiry":           func(c *Config) { c.WantExpiry = 0 },
		"errand_summary_before": func(c *Config) { c.ErrandSummaryBefore = bot.Duration(48 * time.Hour) },
		"max_item_length":       func(c *Config) { c.MaxItemLength = 5000 },
	} {
		c := DefaultConfig()
		mutate(&c)
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s: got %v, want an error starting with the key", name, err)
		}
	}
}

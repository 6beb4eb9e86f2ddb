package lending

import (
	"context"
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
		"Bob: !borrow",
		"Bob: !borrow " + long,
		"Bob: !borrow " + strings.Repeat("y", 300),
		"Alice: !unlist canoe",
		"Alice: !lent canoe @Bob",
		"Alice: !lent ladder",
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

// TestRemindersSurviveRestart lends something, restarts the process, and
// checks the reminders still arrive.
func TestRemindersSurviveRestart(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Expect(`@admin Alice
Alice: !bot on
@join Bob
Alice: !lend ladder
Alice: !lent ladder @Bob for 3d
`, "Noted: @Bob has Alice's ladder until Thu 8 Jan.")
	h.Restart()
	// By Thu 12:00 only the day-before reminder (Wed 18:00) has come; by
	// Thu 18:00 the due-date one has; two days after that Alice hears too.
	out := h.Expect("@advance 3d 3h\n", "[dm Bob] bot: Reminder: Alice's ladder is due back tomorrow (Thu 8 Jan).")
	if strings.Contains(out, "due back today") {
		t.Errorf("due-date reminder before the due date:\n%s", out)
	}
	h.Expect("@advance 6h\n", "[dm Bob] bot: Reminder: Alice's ladder is due back today (Thu 8 Jan).")
	h.Restart()
	h.Expect("@advance 2d\n", "[dm Bob] bot: Alice's ladder was due back on Thu 8 Jan.", "[dm Alice] bot: Your ladder is still with Bob")
}

// TestErrandSurvivesRestart checks the runner's summary and the errand's
// expiry are persisted jobs too.
func TestErrandSurvivesRestart(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(`@admin Alice
Alice: !bot on
Carol: !errand tip Saturday 10am
Bob: !join tip 1 bag
`)
	h.Restart()
	h.Expect("@advance 5d 1h\n", "[dm Carol] bot: Your tip run (Sat 10 Jan 10:00, Elm Road) starts soon. 1 neighbour joined:\n    • Bob (1 bag)")
	h.Restart()
	h.Run("@advance 1h\n")
	if snap := snapshot(t, h); strings.Contains(snap, "tip") {
		t.Errorf("errand still stored after it started:\n%s", snap)
	}
}

// TestForgetPerson checks the data provider: listings, wants and signups
// go; loans stay for the other side, without the person.
func TestForgetPerson(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(setup + `Bob: !lend hedge trimmer
Bob: !join tip two bags
Bob: !lend canoe
Alice: !lent ladder @Bob
`)
	ctx := context.Background()
	bob, err := h.Store.PersonByAddr(ctx, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := h.Store.PersonByAddr(ctx, "Alice")
	if err != nil {
		t.Fatal(err)
	}
	var p bot.DataProvider
	for _, dp := range h.Engine.DataProviders() {
		if dp.DataName() == "Lending" {
			p = dp
		}
	}
	if p == nil {
		t.Fatal("no Lending data provider registered")
	}
	lines, err := p.DescribePerson(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{`You list "hedge trimmer" in Elm Road`, "You borrowed the drill from Alice on Mon 5 Jan in Elm Road (still out, due Mon 12 Jan).", `You asked for "wheelbarrow"`, "You joined a tip run on Sat 10 Jan 10:00 in Elm Road."} {
		if !strings.Contains(text, want) {
			t.Errorf("DescribePerson lacks %q:\n%s", want, text)
		}
	}
	summary, err := p.ForgetPerson(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2 listings deleted; 1 request deleted; 0 errands and 1 errand signup deleted; 2 loans anonymised"; summary != want {
		t.Errorf("summary = %q, want %q", summary, want)
	}
	snap := snapshot(t, h)
	if strings.Contains(snap, "hedge trimmer") || strings.Contains(snap, "wheelbarrow") || strings.Contains(snap, "two bags") {
		t.Errorf("Bob's data left behind:\n%s", snap)
	}
	if strings.Contains(snap, "lending:loan:") {
		t.Errorf("reminders for Bob's loans still scheduled:\n%s", snap)
	}
	st := &store{db: h.Store.DB()}
	hist, err := st.personLoanHistory(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 {
		t.Fatalf("Alice's history has %d loans, want 2", len(hist))
	}
	for _, l := range hist {
		if l.BorrowerID != 0 || l.State != stateClosed || l.Reason != reasonForgotten {
			t.Errorf("loan %+v: want borrower removed and closed as forgotten", l)
		}
	}
	// Nothing is sent about the forgotten loans later.
	if out := h.Run("@advance 20d\n"); strings.Contains(out, "[dm Bob]") || strings.Contains(out, "[dm Alice]") {
		t.Errorf("messages after forgetting:\n%s", out)
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

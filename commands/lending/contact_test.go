package lending

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// stopContact makes the bot treat a person as someone who never addressed
// it, as everyone is right after the upgrade that brought in the rule.
func stopContact(t *testing.T, h *bottest.Harness, name string) {
	t.Helper()
	ctx := context.Background()
	p, err := h.Store.PersonByAddr(ctx, bot.Address(name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.Raw().ExecContext(ctx, `UPDATE people SET contact_ok = 0 WHERE id = ?`, p.ID); err != nil {
		t.Fatal(err)
	}
}

// lendingJobs lists pending lending jobs as "kind key run_at attempts".
func lendingJobs(t *testing.T, h *bottest.Harness, kind string) []string {
	t.Helper()
	rows, err := h.Store.Raw().Query(`SELECT kind, IFNULL(key, ''), run_at, attempts FROM jobs WHERE kind = ? ORDER BY run_at, id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, key string
		var at int64
		var attempts int
		if err := rows.Scan(&k, &key, &at, &attempts); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(strings.Join([]string{k, key, fromMS(at).UTC().Format("Mon 15:04"), strings.Repeat("!", attempts)}, " ")))
	}
	return out
}

func noInternalError(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "Sorry, something went wrong") {
		t.Errorf("internal error shown:\n%s", out)
	}
}

// TestMentionedOnlyBorrowerKeepsTheChainGoing lends to someone who never
// addressed the bot: nothing is sent to them, nothing is retried, the
// owner hears when it is overdue, and once the borrower has messaged the
// bot privately the next reminder reaches them.
func TestMentionedOnlyBorrowerKeepsTheChainGoing(t *testing.T) {
	h := bottest.New(t, testOptions())
	out := h.Expect(`@admin Alice
Alice: !bot on
dm Alice: hi
@join Bob
Alice: !lend ladder
Alice: !lent ladder @Bob for 3d
`, "Bob, send me a private message (!mine) once so I can remind you privately before it's due.")
	if strings.Contains(out, "I'll remind Bob privately") {
		t.Errorf("promised a private reminder the bot may not send:\n%s", out)
	}
	// Past the due date: the before and due reminders reached nobody.
	out = h.Run("@advance 3d 12h\n")
	if strings.Contains(out, "[dm") {
		t.Errorf("direct message before the loan was overdue:\n%s", out)
	}
	if got := lendingJobs(t, h, jobRemind); len(got) != 1 || got[0] != "lending.remind lending:loan:1:remind:overdue1 Sat 18:00" {
		t.Errorf("after the unsent reminders the next one should be planned, without failed attempts: %q", got)
	}
	out = h.Expect("@advance 2d\n", "[dm Alice] bot: Your ladder is still with Bob — it was due back on Thu 8 Jan. I can't remind them privately")
	if strings.Contains(out, "[dm Bob]") {
		t.Errorf("cold direct message to Bob:\n%s", out)
	}
	noInternalError(t, out)
	// A command in the group is not enough (WhatsApp would treat the DM as
	// cold outreach); a private message is.
	h.Run("Bob: !mine\n")
	if out := h.Run("@advance 1d\n"); strings.Contains(out, "[dm Bob]") {
		t.Errorf("a group command made Bob reachable privately:\n%s", out)
	}
	h.Run("dm Bob: !mine\n")
	h.Expect("@advance 2d\n", "[dm Bob] bot: Alice's ladder was due back on Thu 8 Jan. Please return it",
		"[dm Alice] bot: Your ladder is still with Bob — it was due back on Thu 8 Jan. I've reminded them privately.")
}

// TestExtendAsksMentionedOnlyBorrower: an extension names the borrower
// again, so it asks again while they have not addressed the bot.
func TestExtendAsksMentionedOnlyBorrower(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\n@join Bob\nAlice: !lend ladder\nAlice: !lent ladder @Bob for 3d\n")
	h.Expect("Alice: !extend ladder 2d\n", "Extended: @Bob can keep Alice's ladder until Sat 10 Jan.\n    Bob, send me a private message (!mine) once")
	h.Run("dm Bob: !mine\n")
	if out := h.Run("Alice: !extend ladder 1d\n"); strings.Contains(out, "send me a private message") {
		t.Errorf("asked a borrower who has addressed the bot:\n%s", out)
	}
}

// TestWanterNotContactableHearsInGroup: a request made before the rule came
// in is answered in the group, by mention, when the bot may not message
// its author privately; both when the thing is listed and when it is back.
func TestWanterNotContactableHearsInGroup(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\nDave: !borrow a ladder\n")
	stopContact(t, h, "Dave")
	out := h.Expect("Alice: !lend ladder\n", "[street] bot: Listed: ladder, lent by Alice. Neighbours can ask with !borrow ladder; when you hand it over, type !lent ladder @name. @Dave, you asked for one: ask Alice here.")
	if strings.Contains(out, "[dm Dave]") || strings.Contains(out, "will hear from me privately") {
		t.Errorf("told Dave privately:\n%s", out)
	}
	noInternalError(t, out)
	if got := lendingJobs(t, h, jobWantExpire); len(got) != 0 {
		t.Errorf("answered request still has its expiry: %q", got)
	}

	h.Run("Alice: !lend drill\nBob: !mine\nAlice: !lent drill @Bob\nDave: !borrow drill\ndm Erin: hi\nErin: !borrow drill\n")
	stopContact(t, h, "Dave")
	out = h.Expect("Alice: !returned drill\n",
		"@Dave and Erin are waiting for one — Alice, to lend it on, type !lent drill @name. I've let Erin know privately.",
		"[dm Erin] bot: Good news: Alice can lend a drill")
	if strings.Contains(out, "[dm Dave]") {
		t.Errorf("told Dave privately:\n%s", out)
	}
}

// TestErrandRunnerNotContactableAtNightGetsNoGroupPost: a summary due in
// quiet hours with no later useful moment (the errand starts before they
// end) is not posted to the group for a runner the bot may not message;
// !errands still shows the list.
func TestErrandRunnerNotContactableAtNightGetsNoGroupPost(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\n@advance 14h\nCarol: !errand tip Tuesday 1am\nBob: !join tip 1 bag\n") // Mon 23:00
	if got := lendingJobs(t, h, jobErrandSummary); len(got) != 1 || !strings.HasSuffix(got[0], "Tue 00:00") {
		t.Fatalf("want the summary due at midnight: %q", got)
	}
	stopContact(t, h, "Carol")
	if out := h.Run("@advance 1h\n"); strings.Contains(out, "bot:") {
		t.Errorf("posted in quiet hours:\n%s", out)
	}
	if got := lendingJobs(t, h, jobErrandSummary); len(got) != 0 {
		t.Errorf("summary job left behind: %q", got)
	}
	h.Expect("Bob: !errands\n", "• tip — Carol, Tue 6 Jan 01:00", "joined: Bob (1 bag)")
}

// TestErrandRunnerNotContactableGetsListInGroup: the runner's summary goes
// to the group, with a mention, when the bot may not message them.
func TestErrandRunnerNotContactableGetsListInGroup(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\nCarol: !errand tip Saturday 10am\nBob: !join tip 1 bag\n")
	stopContact(t, h, "Carol")
	out := h.Expect("@advance 5d 1h\n", "[street] bot: @Carol, your tip run (Sat 10 Jan 10:00) starts soon. 1 neighbour joined:\n    • Bob (1 bag)")
	if strings.Contains(out, "[dm Carol]") {
		t.Errorf("told Carol privately:\n%s", out)
	}
	noInternalError(t, out)

	// Nobody joined: nothing worth a group post, and nothing retried.
	h.Run("Carol: !errand tip Sunday 10am\n")
	stopContact(t, h, "Carol")
	if out := h.Run("@advance 1d\n"); strings.Contains(out, "bot:") {
		t.Errorf("posted about an errand nobody joined:\n%s", out)
	}
	if got := lendingJobs(t, h, jobErrandSummary); len(got) != 0 {
		t.Errorf("summary job left behind: %q", got)
	}
}

// TestCalledOffErrandMentionsJoinersNotContactable: joiners the bot may
// not message hear that the errand is off in the group's reply.
func TestCalledOffErrandMentionsJoinersNotContactable(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\nCarol: !errand tip Saturday 10am\nBob: !join tip 1 bag\ndm Dave: hi\nDave: !join tip\n")
	stopContact(t, h, "Bob")
	out := h.Expect("Carol: !errand cancel tip\n",
		"[street] bot: Called off: your tip run on Sat 10 Jan 10:00. The 1 neighbour who joined will hear from me privately. @Bob, you had joined it.",
		"[dm Dave] bot: Carol has called off the tip run")
	if strings.Contains(out, "[dm Bob]") {
		t.Errorf("told Bob privately:\n%s", out)
	}
}

// TestReminderComingDueInQuietHoursWaits: a reminder whose moment falls in
// quiet hours when it runs (a retry, or quiet hours changed since it was
// planned) waits for their end under its own key.
func TestReminderComingDueInQuietHoursWaits(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\n@join Bob\nAlice: !lend ladder\nAlice: !lent ladder @Bob for 3d\ndm Bob: !mine\n")
	// As if planned for Monday 23:00.
	monday23 := time.Date(2026, 1, 5, 23, 0, 0, 0, time.UTC)
	if _, err := h.Store.Raw().Exec(`UPDATE jobs SET run_at = ? WHERE kind = ?`, ms(monday23), jobRemind); err != nil {
		t.Fatal(err)
	}
	if out := h.Run("@advance 14h 30m\n"); strings.Contains(out, "[dm") { // Mon 23:30
		t.Errorf("reminder sent in quiet hours:\n%s", out)
	}
	if got := lendingJobs(t, h, jobRemind); len(got) != 1 || got[0] != "lending.remind lending:loan:1:remind:before0 Tue 08:00" {
		t.Errorf("the reminder should wait, under its own key, until 08:00: %q", got)
	}
	out := h.Expect("@advance 8h 30m\n", "[dm Bob] bot: Reminder: Alice's ladder is due back on Thu 8 Jan")
	if strings.Count(out, "[dm Bob]") != 1 {
		t.Errorf("want one reminder at 08:00:\n%s", out)
	}
}

// TestNoticesAndNudgesComingDueInQuietHoursWait covers the other direct
// message jobs: a held-back notice and the owner's confirmation nudge.
func TestNoticesAndNudgesComingDueInQuietHoursWait(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run(`@admin Alice
Alice: !bot on
dm Alice: hi
dm Dave: hi
Dave: !borrow drill
@advance 12h
Alice: !lend drill
Alice: !lend ladder
Bob: !mine
dm Bob: hi
Alice: !lent ladder @Bob
Bob: !returned ladder
`) // Mon 21:00: Dave's news waits for 08:00; the nudge is planned for Tue 21:00 → Wed 08:00
	tuesday22 := time.Date(2026, 1, 6, 22, 0, 0, 0, time.UTC)
	for _, kind := range []string{jobNotice, jobConfirmNudge} {
		if _, err := h.Store.Raw().Exec(`UPDATE jobs SET run_at = ? WHERE kind = ?`, ms(tuesday22), kind); err != nil {
			t.Fatal(err)
		}
	}
	if out := h.Run("@advance 1d 2h\n"); strings.Contains(out, "[dm") { // Tue 23:00
		t.Errorf("direct message in quiet hours:\n%s", out)
	}
	for _, kind := range []string{jobNotice, jobConfirmNudge} {
		if got := lendingJobs(t, h, kind); len(got) != 1 || !strings.HasSuffix(got[0], "Wed 08:00") {
			t.Errorf("%s should wait until Wed 08:00: %q", kind, got)
		}
	}
	h.Expect("@advance 9h\n", "[dm Dave] bot: Good news: Alice can lend a drill", "[dm Alice] bot: Bob said on Mon 5 Jan that your ladder is back.")
}

// TestErrandSummaryComingDueInQuietHours: a summary that comes due in the
// night waits for the end of quiet hours when the errand starts after
// that, and otherwise for its planned moment before the start, never past
// it.
func TestErrandSummaryComingDueInQuietHours(t *testing.T) {
	tuesday2 := time.Date(2026, 1, 6, 2, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		start, heldUntil string
	}{
		{"8:30am", "Tue 08:00"}, // quiet hours end before the start
		{"7am", "Tue 06:00"},    // they end too late: an hour before the start
	} {
		t.Run(tt.start, func(t *testing.T) {
			h := bottest.New(t, testOptions())
			h.Run("@admin Alice\nAlice: !bot on\ndm Carol: hi\nCarol: !errand tip Tuesday " + tt.start + "\nBob: !join tip 1 bag\n")
			if _, err := h.Store.Raw().Exec(`UPDATE jobs SET run_at = ? WHERE kind = ?`, ms(tuesday2), jobErrandSummary); err != nil {
				t.Fatal(err)
			}
			if out := h.Run("@advance 18h\n"); strings.Contains(out, "[dm") { // Tue 03:00
				t.Errorf("summary sent at night:\n%s", out)
			}
			if got := lendingJobs(t, h, jobErrandSummary); len(got) != 1 || !strings.HasSuffix(got[0], tt.heldUntil) {
				t.Errorf("summary should wait until %s: %q", tt.heldUntil, got)
			}
			h.Expect("@advance 5h\n", "[dm Carol] bot: Your tip run (Tue 6 Jan")
		})
	}
}

// TestForgottenOwnersBorrowerNotContactable: the one-off notice to a
// borrower who never addressed the bot is dropped, not retried.
func TestForgottenOwnersBorrowerNotContactable(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\n@join Bob\nAlice: !lend ladder\nAlice: !lent ladder @Bob for 3d\n@forget Alice\n")
	out := h.Run("@advance 1h\n")
	if strings.Contains(out, "[dm Bob]") {
		t.Errorf("cold direct message to Bob:\n%s", out)
	}
	if got := lendingJobs(t, h, jobNotice); len(got) != 0 {
		t.Errorf("the notice should be dropped, not retried: %q", got)
	}
	// The loan is still on Bob's list once he addresses the bot.
	h.Expect("Bob: !mine\n", "• a former member's ladder, due back Thu 8 Jan")
}

package lending

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// lendUntilThursday lends Alice's ladder to Bob, due Thu 8 Jan 18:00, and
// moves the clock to Sat 10 Jan 17:00, an hour before the first overdue
// reminder.
func lendUntilThursday(t *testing.T, h *bottest.Harness) {
	t.Helper()
	h.Expect(`@admin Alice
Alice: !bot on
dm Alice: hi
dm Bob: hi
Bob: !mine
Alice: !lend ladder
Alice: !lent ladder @Bob for 3d
@advance 5d 8h
`, "[dm Bob] bot: Reminder: Alice's ladder is due back today (Thu 8 Jan).")
}

const (
	bobsOverdueReminder = "[dm Bob] bot: Alice's ladder was due back on Thu 8 Jan. Please return it"
	alicesOverdueNote   = "[dm Alice] bot: Your ladder is still with Bob — it was due back on Thu 8 Jan. I've reminded them privately."
)

// wantNextReminder checks the one reminder planned after the first
// overdue one: the second, Mon 12 Jan 18:00, without failed attempts.
func wantNextReminder(t *testing.T, h *bottest.Harness) {
	t.Helper()
	if got := lendingJobs(t, h, jobRemind); len(got) != 1 || got[0] != "lending.remind lending:loan:1:remind:overdue2 Mon 18:00" {
		t.Errorf("want the second overdue reminder planned once: %q", got)
	}
}

// queuedSends is how many sends wait in the core's send queue.
func queuedSends(t *testing.T, h *bottest.Harness) int {
	t.Helper()
	n, _, err := h.Store.SendQueueStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOwnersOverdueNoteSurvivesADroppedSend: a note lost to a dropped
// connection waits in the send queue and goes on the retry, once, without
// reminding the borrower again.
func TestOwnersOverdueNoteSurvivesADroppedSend(t *testing.T) {
	h, tr := newFlakyHarness(t)
	lendUntilThursday(t, h)
	tr.dropSends("Alice", 1)
	out := h.Expect("@advance 1h\n", bobsOverdueReminder)
	if strings.Contains(out, "[dm Alice]") {
		t.Errorf("the owner's note should have failed:\n%s", out)
	}
	if n := queuedSends(t, h); n != 1 {
		t.Errorf("the owner's note should wait in the send queue for its retry: %d queued", n)
	}
	out = h.Expect("@advance 5m\n", alicesOverdueNote)
	if strings.Contains(out, "[dm Bob]") {
		t.Errorf("the owner's retried note reminded the borrower again:\n%s", out)
	}
	wantNextReminder(t, h)
	if got := lendingJobs(t, h, jobNotice); len(got) != 0 || queuedSends(t, h) != 0 {
		t.Errorf("the owner's note should be done: %q", got)
	}
}

// TestBorrowersDroppedReminderIsRetriedAlone: a reminder whose send to the
// borrower fails waits in the send queue and goes on the retry; the owner's
// note goes once, and the next reminder is planned once.
func TestBorrowersDroppedReminderIsRetriedAlone(t *testing.T) {
	h, tr := newFlakyHarness(t)
	lendUntilThursday(t, h)
	tr.dropSends("Bob", 1)
	out := h.Run("@advance 1h\n")
	if strings.Contains(out, "[dm Bob]") {
		t.Errorf("the borrower's send should have failed:\n%s", out)
	}
	if n := queuedSends(t, h); n != 1 {
		t.Errorf("the borrower's reminder should wait in the send queue: %d queued", n)
	}
	out += h.Expect("@advance 5m\n", bobsOverdueReminder)
	if b, a := strings.Count(out, "[dm Bob]"), strings.Count(out, "[dm Alice]"); b != 1 || a != 1 {
		t.Errorf("want one message each, got %d to Bob and %d to Alice:\n%s", b, a, out)
	}
	wantNextReminder(t, h)
	noInternalError(t, out)
}

// TestNextReminderIsPlannedBeforeSending: when the next reminder cannot
// be planned, nothing is sent, so the retry that plans it reminds the
// borrower once, not twice.
func TestNextReminderIsPlannedBeforeSending(t *testing.T) {
	h, _ := newFlakyHarness(t)
	lendUntilThursday(t, h)
	refuse := `CREATE TRIGGER refuse_next_reminder BEFORE INSERT ON jobs
		WHEN NEW.key = 'lending:loan:1:remind:overdue2' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`
	if _, err := h.Store.Raw().Exec(refuse); err != nil {
		t.Fatal(err)
	}
	if out := h.Run("@advance 1h\n"); strings.Contains(out, "[dm") {
		t.Errorf("a reminder was sent although the next could not be planned:\n%s", out)
	}
	if got := lendingJobs(t, h, jobRemind); len(got) != 1 || got[0] != "lending.remind lending:loan:1:remind:overdue1 Sat 18:01 !" {
		t.Errorf("the reminder should wait for its retry: %q", got)
	}
	if _, err := h.Store.Raw().Exec(`DROP TRIGGER refuse_next_reminder`); err != nil {
		t.Fatal(err)
	}
	out := h.Expect("@advance 5m\n", bobsOverdueReminder, alicesOverdueNote)
	if b, a := strings.Count(out, "[dm Bob]"), strings.Count(out, "[dm Alice]"); b != 1 || a != 1 {
		t.Errorf("want one message each, got %d to Bob and %d to Alice:\n%s", b, a, out)
	}
	wantNextReminder(t, h)
}

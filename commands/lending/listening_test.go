package lending

import (
	"errors"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// flaky is the faults a lending test injects into the console transport:
// the bot can be removed from a group, after which the group answers as
// WhatsApp's does, with ErrNotInChat; and sends to a chat can fail, as
// over a dropped connection.
type flaky struct {
	faults  bottest.Faults
	removed map[bot.ChatID]*bottest.Fault
}

// errDropped is a send lost to a dropped connection.
var errDropped = errors.New("connection reset by peer")

// remove takes the bot out of chat; back puts it in again.
func (f *flaky) remove(chat bot.ChatID) {
	f.removed[chat] = f.faults.Fail(bottest.Fault{Chat: chat, Err: bot.ErrNotInChat})
}

func (f *flaky) back(chat bot.ChatID) {
	if r := f.removed[chat]; r != nil {
		r.Stop()
		delete(f.removed, chat)
	}
}

// dropSends makes the next n sends to chat fail.
func (f *flaky) dropSends(chat bot.ChatID, n int) {
	f.faults.Fail(bottest.Fault{Op: bottest.OpSend, Chat: chat, Err: errDropped, Times: n})
}

// newFlakyHarness wires lending as testOptions does, over a flaky console,
// with a second feature declared so a group can choose features without
// lending.
func newFlakyHarness(t *testing.T) (*bottest.Harness, *flaky) {
	t.Helper()
	tr := &flaky{removed: map[bot.ChatID]*bottest.Fault{}}
	h := bottest.New(t, bottest.Options{Migrations: []bot.Migrations{Migrations()}, Transport: tr.faults.Wrap,
		Register: func(h *bottest.Harness) error {
			h.Kit("test").Reg.Declare(bot.Feature{Name: "power", Description: "power cut checks"})
			return Register(h.Kit(FeatureName), DefaultConfig(), Deps{Quiet: bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: london}, Loc: london})
		}})
	return h, tr
}

const street = bot.ChatID("group:street")

// silencers are the ways a group stops listening to lending, each with
// the way back.
var silencers = []struct {
	name       string
	stop, back func(h *bottest.Harness, tr *flaky)
}{
	{"bot off",
		func(h *bottest.Harness, _ *flaky) {
			h.Expect("Alice: !bot off\n", "neighbourbot is off in this group.")
		},
		func(h *bottest.Harness, _ *flaky) {
			h.Expect("Alice: !bot on\n", "neighbourbot is on in this group.")
		}},
	{"lending off",
		func(h *bottest.Harness, _ *flaky) {
			h.Expect("Alice: !bot features power\n", "Switched off: lending.")
		},
		func(h *bottest.Harness, _ *flaky) {
			h.Expect("Alice: !bot features all\n", "Commands available: lending, power.")
		}},
	{"bot removed",
		func(_ *bottest.Harness, tr *flaky) { tr.remove(street) },
		func(_ *bottest.Harness, tr *flaky) { tr.back(street) }},
}

// TestRemindersWaitWhileTheGroupIsNotListening lends a ladder, silences
// the group three ways, and checks that three weeks pass without a single
// direct message, that one reminder stays planned, and that the reminders
// resume once the group listens again.
func TestRemindersWaitWhileTheGroupIsNotListening(t *testing.T) {
	for _, s := range silencers {
		t.Run(s.name, func(t *testing.T) {
			h, tr := newFlakyHarness(t)
			h.Expect(`@admin Alice
Alice: !bot on
dm Alice: hi
dm Bob: hi
Bob: !mine
Alice: !lend ladder
Alice: !lent ladder @Bob for 3d
`, "Noted: @Bob has Alice's ladder until Thu 8 Jan.")
			s.stop(h, tr)
			out := h.Run("@advance 20d\n") // Sun 25 Jan 09:00
			if strings.Contains(out, "[dm") || strings.Contains(out, "bot:") {
				t.Errorf("the bot spoke about a group that is not listening:\n%s", out)
			}
			if got := lendingJobs(t, h, jobRemind); len(got) != 1 || got[0] != "lending.remind lending:loan:1:remind:overdue9 Mon 18:00" {
				t.Errorf("one reminder should stay planned, without failed attempts: %q", got)
			}
			if got := lendingJobs(t, h, jobNotice); len(got) != 0 {
				t.Errorf("no owner's note should be waiting: %q", got)
			}
			s.back(h, tr)
			out = h.Expect("@advance 1d 9h\n", // Mon 26 Jan 18:00
				"[dm Bob] bot: Alice's ladder was due back on Thu 8 Jan. Please return it",
				"[dm Alice] bot: Your ladder is still with Bob — it was due back on Thu 8 Jan. I've reminded them privately.")
			if n := strings.Count(out, "[dm Bob]"); n != 1 {
				t.Errorf("want one reminder once the group listens again, got %d:\n%s", n, out)
			}
			noInternalError(t, out)
		})
	}
}

// TestOneOffMessagesAreDroppedWhileTheGroupIsNotListening: news held
// until quiet hours end, the owner's nudge to confirm a return and an
// errand's summary are one-offs about a moment that has passed, so a group
// that stopped listening meanwhile drops them, and they do not come back
// with the group.
func TestOneOffMessagesAreDroppedWhileTheGroupIsNotListening(t *testing.T) {
	for _, s := range silencers {
		t.Run(s.name, func(t *testing.T) {
			h, tr := newFlakyHarness(t)
			h.Run(`@admin Alice
Alice: !bot on
dm Alice: hi
dm Bob: hi
dm Carol: hi
dm Dave: hi
Dave: !borrow drill
Carol: !errand tip Wednesday 10am
Dave: !join tip 1 bag
Bob: !mine
Alice: !lend ladder
Alice: !lent ladder @Bob for 3d
Bob: !returned ladder
@advance 12h
Alice: !lend drill
`) // Mon 21:00: Dave's news waits for 08:00, the nudge is due Tue 09:00, the summary Wed 09:00
			for _, kind := range []string{jobNotice, jobConfirmNudge, jobErrandSummary} {
				if got := lendingJobs(t, h, kind); len(got) != 1 {
					t.Fatalf("want one %s planned before the group stops listening: %q", kind, got)
				}
			}
			s.stop(h, tr)
			out := h.Run("@advance 3d\n") // Thu 21:00
			if strings.Contains(out, "[dm") || strings.Contains(out, "bot:") {
				t.Errorf("the bot spoke about a group that is not listening:\n%s", out)
			}
			for _, kind := range []string{jobNotice, jobConfirmNudge, jobErrandSummary} {
				if got := lendingJobs(t, h, kind); len(got) != 0 {
					t.Errorf("%s should be dropped, not kept or retried: %q", kind, got)
				}
			}
			s.back(h, tr)
			if out := h.Run("@advance 3d\n"); strings.Contains(out, "[dm") {
				t.Errorf("a dropped message came back with the group:\n%s", out)
			}
		})
	}
}

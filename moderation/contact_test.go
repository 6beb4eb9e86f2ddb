package moderation

import (
	"context"
	"strings"
	"testing"

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

// TestReportsReachAdminsTheBotMayNotMessage: in dm mode, and for every
// private report, an admin who never addressed the bot is not messaged and
// the report's words never go into the group.
func TestReportsReachAdminsTheBotMayNotMessage(t *testing.T) {
	// Alice has written to the bot privately; Dave, an admin too, never has.
	const setup = streetSetup + "@admin Dave\ndm Alice: hi\nAlice: !reportmode dm\nBob: rude words\n"
	t.Run("reply in the group", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(setup)
		out := h.Expect("Carol [reply Bob]: !report rude\n",
			"[dm Alice] bot: Report in Elm Road: Carol reported a message from Bob: “rude words”. Reason: rude",
			"[street] bot: Thanks — I've passed this to the admins privately.")
		if strings.Contains(out, "[dm Dave]") || strings.Contains(out, "@Dave") || strings.Contains(out, "@Alice") {
			t.Errorf("Dave messaged or anyone mentioned in the group:\n%s", out)
		}
	})
	t.Run("private report", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(setup)
		out := h.Expect("dm Carol: !report someone is selling puppies\n",
			"[dm Alice] bot: Private report for Elm Road from Carol: someone is selling puppies",
			"[dm Carol] bot: Thanks — I've passed your report privately to 1 admin of Elm Road")
		if strings.Contains(out, "[street]") || strings.Contains(out, "[dm Dave]") {
			t.Errorf("a private report reached the group, or Dave was messaged:\n%s", out)
		}
	})
	for _, mode := range []string{"group", "dm"} {
		t.Run("no admin reachable privately, "+mode+" mode", func(t *testing.T) {
			h := newHarness(t, DefaultConfig())
			h.Run(streetSetup + "@admin Dave\nAlice: !reportmode " + mode + "\n")
			stopContact(t, h, "Alice")
			out := h.Expect("dm Carol: !report Dave from no. 14 keeps messaging me late at night\n",
				"[street] bot: @Alice @Dave: an admin has a private report waiting — admins, message me !reports to read it.",
				"[dm Carol] bot: The admins of Elm Road haven't messaged me yet")
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "[street]") && (strings.Contains(line, "late at night") || strings.Contains(line, "Carol")) {
					t.Errorf("the report's words or the reporter reached the group: %s", line)
				}
			}
			h.Expect("dm Alice: !reports\n", "[dm Alice] bot: 1 report waiting, oldest first:\n    • Elm Road, Mon 5 Jan 09:00: private report from Carol — Dave from no. 14 keeps messaging me late at night")
			h.Expect("dm Dave: !reports\n", "No reports are waiting.")
		})
	}
	t.Run("no admin reachable privately, reply in the group", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(setup)
		stopContact(t, h, "Alice")
		out := h.Expect("Carol [reply Bob]: !report rude\n",
			"[street] bot: @Alice @Dave: an admin has a report waiting — admins, message me !reports to read it.")
		if strings.Contains(out, "[dm") || strings.Contains(out, "Reason: rude") || strings.Contains(out, "couldn't find any admins") {
			t.Errorf("want the contentless note alone:\n%s", out)
		}
		if n := countRows(t, h.Store.Raw(), `SELECT COUNT(*) FROM mod_reports WHERE delivered_at IS NULL`); n != 1 {
			t.Errorf("%d reports waiting, want 1", n)
		}
	})
}

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

// TestReportsReachAdminsTheBotMayNotMessage: in dm mode, an admin who never
// addressed the bot is mentioned in the group instead of messaged.
func TestReportsReachAdminsTheBotMayNotMessage(t *testing.T) {
	const setup = streetSetup + "@admin Dave\nAlice: !reportmode dm\nBob: rude words\n"
	t.Run("reply in the group", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(setup)
		out := h.Expect("Carol [reply Bob]: !report rude\n",
			"[dm Alice] bot: Report in Elm Road: Carol reported a message from Bob: “rude words”. Reason: rude",
			"[street] bot: @Dave: Carol reported a message from Bob: “rude words”. Reason: rude (I can't message you privately until you've messaged me once.)",
			"[street] bot: Thanks — I've passed this to the admins.")
		if strings.Contains(out, "[dm Dave]") || strings.Contains(out, "@Alice") {
			t.Errorf("Dave should be mentioned, Alice messaged:\n%s", out)
		}
		if strings.Contains(out, "privately.") {
			t.Errorf("the reporter was told all admins heard privately:\n%s", out)
		}
	})
	t.Run("private report", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(setup)
		out := h.Expect("dm Carol: !report someone is selling puppies\n",
			"[dm Alice] bot: Private report for Elm Road from Carol: someone is selling puppies",
			"[street] bot: @Dave: a member sent a private report: someone is selling puppies (I can't message you privately",
			"[dm Carol] bot: Thanks — I've told the admins of Elm Road. Your name wasn't shown in the group.")
		if strings.Contains(out, "[street] bot: @Dave: Carol") || strings.Contains(out, "[dm Dave]") {
			t.Errorf("reporter named in the group, or Dave messaged:\n%s", out)
		}
	})
	t.Run("no admin reachable privately", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(setup)
		stopContact(t, h, "Alice")
		out := h.Expect("Carol [reply Bob]: !report rude\n",
			"[street] bot: @Alice @Dave: Carol reported a message from Bob: “rude words”. Reason: rude (I can't message you privately")
		if strings.Contains(out, "[dm") || strings.Contains(out, "Thanks") || strings.Contains(out, "couldn't find any admins") {
			t.Errorf("want the group mention alone:\n%s", out)
		}
		if n := countRows(t, h.Store.Raw(), `SELECT COUNT(*) FROM mod_reports`); n != 1 {
			t.Errorf("%d reports stored, want 1", n)
		}
	})
}

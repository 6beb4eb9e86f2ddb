package lending

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestReactionOnAnyLoanMessageConfirms: for each of the bot's group
// messages about a loan — "Noted", "Extended", the question, "Already
// noted" — the owner's 👍 on that very message confirms a return the
// borrower reported.
func TestReactionOnAnyLoanMessageConfirms(t *testing.T) {
	const setup = "@admin Alice\nAlice: !bot on\n@join Bob\nAlice: !lend ladder\nAlice: !lent ladder @Bob\nAlice: !extend ladder 2d\nBob: !returned ladder\nBob: !returned ladder\n"
	h := bottest.New(t, testOptions())
	h.Run(setup)
	ids := loanMsgIDs(t, h)
	if len(ids) != 4 {
		t.Fatalf("%d messages noted about the loan, want 4 (Noted, Extended, the question, Already noted): %v", len(ids), ids)
	}
	for i := range ids {
		h := bottest.New(t, testOptions())
		h.Run(setup)
		target := loanMsgIDs(t, h)[i]
		out := react(t, h, "Bob", target, "👍")
		if strings.Contains(out, "is back from") {
			t.Errorf("the borrower's 👍 on message %d closed the loan:\n%s", i, out)
		}
		out = react(t, h, "Alice", target, "👎")
		if strings.Contains(out, "is back from") {
			t.Errorf("a 👎 on message %d closed the loan:\n%s", i, out)
		}
		out = react(t, h, "Alice", target, "👍")
		if !strings.Contains(out, "Thanks! Alice's ladder is back from Bob.") {
			t.Errorf("the owner's 👍 on message %d did not confirm:\n%s", i, out)
		}
	}
}

// loanMsgIDs lists the noted messages about loans, oldest first.
func loanMsgIDs(t *testing.T, h *bottest.Harness) []string {
	t.Helper()
	rows, err := h.Store.Raw().Query(`SELECT msg_id FROM lending_loan_msgs UNION SELECT confirm_msg FROM lending_loans WHERE confirm_msg <> ''`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// react delivers name's reaction to a message of the bot's in the group,
// and returns what the bot said.
func react(t *testing.T, h *bottest.Harness, name, target, emoji string) string {
	t.Helper()
	var chat string
	if err := h.Store.Raw().QueryRow(`SELECT chat FROM lending_loans LIMIT 1`).Scan(&chat); err != nil {
		t.Fatal(err)
	}
	before := h.Out.Len()
	m := &bot.Message{ID: "react-" + name + target + emoji, Chat: bot.Chat{ID: bot.ChatID(chat), IsGroup: true, Name: "Elm Road"},
		Sender: bot.Sender{Addr: bot.Address(name), Name: name}, Time: h.Now(), Reaction: &bot.Reaction{TargetID: target, Emoji: emoji}}
	if _, err := h.Engine.HandleMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	h.Run("@advance 1s\n")
	return h.Out.String()[before:]
}

func TestYesReaction(t *testing.T) {
	for emoji, want := range map[string]bool{
		"👍": true, "👍🏽": true, "👍🏿": true, "✅": true, "✔️": true, "👌": true, "❤️": true, "🙏🏼": true,
		"👎": false, "❌": false, "😡": false, "❓": false, "🤔": false, "": false, "😢": false,
	} {
		if got := yesReaction(emoji); got != want {
			t.Errorf("yesReaction(%q) = %v, want %v", emoji, got, want)
		}
	}
}

// TestYesReactionAnswersTheNudge: the owner's 👍 on the private "Is it
// back?" question is a yes; a 👎 is not an answer.
func TestYesReactionAnswersTheNudge(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\ndm Alice: hi\n@join Bob\nAlice: !lend ladder\nAlice: !lent ladder @Bob\nBob: !returned ladder\n@advance 1d\n@advance 1h\n")
	if !strings.Contains(h.Out.String(), "Is it? Reply yes or no") {
		t.Fatalf("no nudge:\n%s", h.Out.String())
	}
	dmReact := func(emoji string) string {
		before := h.Out.Len()
		m := &bot.Message{ID: "dm-react-" + emoji, Chat: bot.Chat{ID: "Alice"}, Sender: bot.Sender{Addr: "Alice", Name: "Alice"},
			Time: h.Now(), Reaction: &bot.Reaction{TargetID: "any", Emoji: emoji}}
		if _, err := h.Engine.HandleMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		h.Run("@advance 1s\n")
		return h.Out.String()[before:]
	}
	if out := dmReact("👎"); strings.Contains(out, "is back from") {
		t.Errorf("a 👎 confirmed:\n%s", out)
	}
	out := dmReact("👍")
	if !strings.Contains(out, "Thanks! Alice's ladder is back from Bob.") || !strings.Contains(out, "I've marked your ladder as returned") {
		t.Errorf("the owner's 👍 on the nudge did not confirm:\n%s", out)
	}
}

package lending

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestDescribeWaitingQuestion: a !lent waiting for "until when?" is data
// about both people, so !mydata shows it to each, and forgetting either
// deletes it.
func TestDescribeWaitingQuestion(t *testing.T) {
	h := bottest.New(t, testOptions())
	h.Run("@admin Alice\nAlice: !bot on\n@join Bob\nAlice: !lend ladder\nAlice: !lent ladder @Bob for ages\n")
	ctx := context.Background()
	p := dataProvider{}
	for _, dp := range h.Kit("test").Reg.DataProviders() {
		if d, ok := dp.(dataProvider); ok {
			p = d
		}
	}
	for name, want := range map[string]string{
		"Alice": "you started to record lending your ladder to Bob in",
		"Bob":   "Alice started to record lending you their ladder in",
	} {
		who, err := h.Store.PersonByAddr(ctx, bot.Address(name))
		if err != nil {
			t.Fatal(err)
		}
		lines, err := p.DescribePerson(ctx, who.ID)
		if err != nil {
			t.Fatal(err)
		}
		if text := strings.Join(lines, "\n"); !strings.Contains(text, want) {
			t.Errorf("%s's data lacks %q:\n%s", name, want, text)
		}
	}
	h.Run("@forget Bob\n")
	var n int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM lending_lent_questions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d questions left after forgetting the borrower (%v)", n, err)
	}
}

package lending

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestTrailingMemberName checks which typed endings of "!lent ITEM NAME"
// are read as a member's name missing its @: a current member's full or
// first name, in any case and without accents, never a former member's or
// a phone number standing in for a name.
func TestTrailingMemberName(t *testing.T) {
	h := bottest.New(t, testOptions())
	ctx := context.Background()
	const street = bot.ChatID("group:street")
	now := h.Clock.Now()
	add := func(addr, name string, present bool) {
		p, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: bot.Address(addr), Name: name}, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Store.SetMember(ctx, street, p.ID, present, now); err != nil {
			t.Fatal(err)
		}
	}
	add("mary", "Mary Ann Jones", true)
	add("zoe", "Zoë", true)
	add("phone", "+44 7700 900123", true)
	add("gone", "Gareth", false)
	add("marks", "\u0301\u0301", true) // a name of combining marks alone folds to nothing
	f := &feature{st: &store{db: h.Store.DB()}}

	for _, tc := range []struct{ words, typed, rest string }{
		{"ladder Mary", "Mary", "ladder"},
		{"ladder mary ann jones", "", ""}, // three words: longer than two
		{"step ladder Mary Ann", "", ""},  // "Mary Ann" is neither her full nor her first name
		{"ladder MARY", "MARY", "ladder"},
		{"ladder zoe.", "zoe", "ladder"},
		{"ladder Gareth", "", ""},
		{"ladder 900123", "", ""},
		{"Mary", "", ""},
		{"ladder", "", ""},
		{"hedge trimmer Zoë", "Zoë", "hedge trimmer"},
	} {
		typed, rest, err := f.trailingMemberName(ctx, street, strings.Fields(tc.words))
		if err != nil {
			t.Fatal(err)
		}
		if typed != tc.typed || strings.Join(rest, " ") != tc.rest {
			t.Errorf("%q: got %q, %q; want %q, %q", tc.words, typed, strings.Join(rest, " "), tc.typed, tc.rest)
		}
	}
}

package moderation

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// BenchmarkInspectPlainMessage measures the moderation check on the 95%
// case: an ordinary chat message in an enabled group with a 50-entry
// blocklist, links locked and antiflood on. It must not touch the database.
func BenchmarkInspectPlainMessage(b *testing.B) {
	var m *Feature
	h := bottest.New(b, options(DefaultConfig(), &m))
	words := []string{"casino", "poker", "bingo", "jackpot", "lottery", "viagra", "cialis", "crypto", "bitcoin", "forex",
		"payday", "loan shark", "free money", "get rich", "click here", "act now", "limited offer", "winner", "prize draw",
		"inheritance", "wire transfer", "western union", "gift card", "itunes card", "investment scheme", "pyramid",
		"escort", "onlyfans", "porn", "xxx", "nude", "idiot", "moron", "scum", "vermin", "pillock", "muppet", "numpty",
		"plonker", "wally", "twit", "scammer", "fraudster", "spam", "spammer", "miracle cure", "weight loss", "diet pills",
		"cash prize", "sugar daddy"}
	h.Run(streetSetup + "Alice: !block add " + strings.Join(words, ", ") + "\nAlice: !links on\nAlice: !antiflood on\n")
	ctx := context.Background()
	bob, err := h.Store.PersonByAddr(ctx, "Bob")
	if err != nil {
		b.Fatal(err)
	}
	gs, err := h.Store.GroupSettings(ctx, "group:street")
	if err != nil {
		b.Fatal(err)
	}
	msg := &bot.Message{ID: "m1", Chat: bot.Chat{ID: "group:street", IsGroup: true, Name: "Elm Road"},
		Sender: bot.Sender{Addr: "Bob", Name: "Bob"},
		Text:   "Has anyone seen a black cat near the postbox on Elm Road? She didn't come home last night, e.g. since about 10.30. Thanks all!"}
	req := h.Engine.NewRequest(msg, bob, gs)
	b.ReportAllocs()
	for b.Loop() {
		h.Clock.Advance(2 * time.Second) // a chatty member, but never a flood
		handled, err := m.inspectMessage(ctx, req)
		if err != nil || handled {
			b.Fatalf("plain message handled=%v err=%v", handled, err)
		}
	}
}

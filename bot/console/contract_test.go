package console

import (
	"io"
	"sync"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/transporttest"
)

// The console keeps the same transport contract as the WhatsApp adapter.
func TestTransportContract(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) *transporttest.Harness {
		c := New(io.Discard, bot.NewManualClock(DefaultStart))
		chat := bot.ChatID("group:street")
		c.Restore(chat, "Elm Road", []string{"Alice", "Bob"})
		var mu sync.Mutex
		var acts []transporttest.Action
		c.Observe(func(a Action) {
			mu.Lock()
			defer mu.Unlock()
			acts = append(acts, transporttest.Action(a))
		})
		return &transporttest.Harness{
			Transport: c,
			Group:     chat,
			Alice:     "Alice",
			Bob:       "Bob",
			NotMember: "group:elsewhere",
			SetBotAdmin: func(on bool) {
				c.mu.Lock()
				defer c.mu.Unlock()
				c.byChat[chat].botAdmin = on
			},
			SetConnected: func(on bool) { c.SetOffline(!on) },
			Actions: func() []transporttest.Action {
				mu.Lock()
				defer mu.Unlock()
				return append([]transporttest.Action(nil), acts...)
			},
		}
	})
}

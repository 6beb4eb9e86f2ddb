package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestKitIsAllAFeatureNeeds wires a small feature through its Kit alone —
// a command that schedules a job, the job that posts into the group — and
// checks that the log carries the feature's name as a key.
func TestKitIsAllAFeatureNeeds(t *testing.T) {
	type nudge struct{ Text string }
	h := bottest.New(t, bottest.Options{Owners: []string{"Alice"}, Register: func(h *bottest.Harness) error {
		k := h.Kit("nudges")
		k.Reg.Declare(bot.Feature{Name: k.Name, Description: "nudges"})
		k.Reg.Handle(bot.Route{Name: "nudge", Feature: k.Name, Scope: bot.GroupOnly, Help: "nudge later",
			Handler: func(ctx context.Context, req *bot.Request) error {
				at := k.Clock.Now().Add(time.Hour)
				if err := k.Jobs.Schedule(ctx, "nudge", "nudge:"+string(req.Chat.ID), at, nudge{Text: req.Args}); err != nil {
					return err
				}
				return req.Reply(ctx, "I'll nudge in an hour.")
			}})
		bot.HandleJobOf(k.Jobs, "nudge", func(ctx context.Context, job bot.Job, p nudge) error {
			k.Log.Info("nudging")
			_, err := k.Out.Send(ctx, bot.OutMessage{Chat: "group:street", Text: "Nudge: " + p.Text})
			return err
		})
		return nil
	}})
	out := h.Run("@admin Alice\nAlice: !bot on\nBob: !nudge bins out tonight\n@advance 2h\n")
	for _, want := range []string{"I'll nudge in an hour.", "Nudge: bins out tonight"} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(h.Log.String(), "feature=nudges") {
		t.Errorf("the feature's log has no feature key:\n%s", h.Log.String())
	}
	pending, err := h.Kit("nudges").Jobs.Pending(context.Background(), "nudge:group:street")
	if err != nil || pending {
		t.Errorf("job still pending after it ran: %v, %v", pending, err)
	}
}

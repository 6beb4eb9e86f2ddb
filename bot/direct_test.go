package bot_test

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestDirectFallbackYieldsToEarlierListeners: a listener registered before
// the fallback (a council inbox, a pending yes/no) that takes a direct
// message keeps the fallback quiet; otherwise every direct message that is
// not a command gets exactly one short answer.
func TestDirectFallbackYieldsToEarlierListeners(t *testing.T) {
	h := bottest.New(t, bottest.Options{Register: func(h *bottest.Harness) error {
		h.Engine.Listen(func(ctx context.Context, req *bot.Request) error {
			switch {
			case strings.HasPrefix(req.Msg.Text, "inbox:"):
				req.Take() // kept for the council, answered by nobody here
			case strings.HasPrefix(req.Msg.Text, "answer:"):
				return req.Reply(ctx, "answered by the feature")
			}
			return nil
		})
		h.Engine.Listen(h.Engine.DirectFallback())
		return nil
	}})
	out := h.Run("dm Erin: inbox: the bins were missed\ndm Erin: answer: hi\ndm Erin: hello?\nAlice: hello group\n")
	if strings.Count(out, "[dm Erin] bot:") != 2 {
		t.Errorf("want two answers (the feature's and the fallback's), got:\n%s", out)
	}
	if !strings.Contains(out, "[dm Erin] bot: answered by the feature\n[dm Erin] Erin: hello?") {
		t.Errorf("the fallback answered a message a feature had answered:\n%s", out)
	}
	if !strings.Contains(out, "type !help for the list") {
		t.Errorf("no fallback answer to a plain message:\n%s", out)
	}
	if strings.Contains(out, "[street] bot:") {
		t.Errorf("the fallback answered in a group:\n%s", out)
	}
}

func TestYesNo(t *testing.T) {
	for in, want := range map[string]string{
		"yes": "yes", "Yes!": "yes", "  YEP 👍": "yes", "yes please": "yes", "ok": "yes",
		"no": "no", "Nope.": "no", "cancel": "no", "no thanks": "no",
		"yes but not my loans": "", "maybe": "", "": "", "🙂": "",
	} {
		if got := bot.YesNo(in); got != want {
			t.Errorf("YesNo(%q) = %q, want %q", in, got, want)
		}
	}
}

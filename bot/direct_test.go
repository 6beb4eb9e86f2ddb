package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestDirectFallbackYieldsToEarlierListeners: a listener registered before
// the fallback (a council inbox, a pending yes/no) that takes a direct
// message keeps the fallback quiet; otherwise every direct message that is
// not a command gets exactly one short answer.
func TestDirectFallbackYieldsToEarlierListeners(t *testing.T) {
	h := bottest.New(t, bottest.Options{Register: func(h *bottest.Harness) error {
		h.Kit("test").Reg.Listen(func(ctx context.Context, req *bot.Request) error {
			switch {
			case strings.HasPrefix(req.Msg.Text, "inbox:"):
				req.Take() // kept for the council, answered by nobody here
			case strings.HasPrefix(req.Msg.Text, "answer:"):
				return req.Reply(ctx, "answered by the feature")
			}
			return nil
		})
		h.Kit("test").Reg.ListenDirectFallback()
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

// TestDirectFallbackStopsAutoReplyLoops: another account's auto-reply
// answered by the fallback would loop; the same words from the same person
// within an hour are answered once, different messages every time, and
// the same words again after an hour.
func TestDirectFallbackStopsAutoReplyLoops(t *testing.T) {
	h := bottest.New(t, bottest.Options{Register: func(h *bottest.Harness) error {
		h.Kit("test").Reg.ListenDirectFallback()
		return nil
	}})
	var script strings.Builder
	for range 8 {
		script.WriteString("dm Shop: Thanks for your message! We'll get back to you soon.\n")
	}
	out := h.Run(script.String())
	if n := strings.Count(out, "[dm Shop] bot:"); n != 1 {
		t.Errorf("%d fallback answers to a repeated auto-reply, want 1:\n%s", n, out)
	}
	out = h.Run("dm Erin: hello?\ndm Erin: anyone there\ndm Erin: hello??\n")
	if n := strings.Count(out, "[dm Erin] bot:"); n != 2 {
		t.Errorf("%d answers to Erin, want 2 (\"hello??\" repeats \"hello?\"):\n%s", n, out)
	}
	for i := range fallbackTestLimit {
		script.Reset()
		script.WriteString("dm Zed: message number " + strings.Repeat("x", i+1) + "\n")
		h.Run(script.String())
	}
	if out := h.Run("dm Zed: and a twenty-first\n"); strings.Contains(out, "[dm Zed] bot:") {
		t.Errorf("answered past the hourly bound:\n%s", out)
	}
	out = h.Run("@advance 61m\ndm Shop: Thanks for your message! We'll get back to you soon.\ndm Zed: one more\n")
	if !strings.Contains(out, "[dm Shop] bot:") || !strings.Contains(out, "[dm Zed] bot:") {
		t.Errorf("an hour later both must be answered again:\n%s", out)
	}
}

// fallbackTestLimit is the fallback's hourly bound, as its package says.
const fallbackTestLimit = 20

// TestYesNoGoesToTheKindAskedLast: a bare "yes" or "no" in a direct
// message goes to the handler registered for the kind of the question the
// person was asked last, whatever order the kinds were registered in; a
// restart keeps the question; answering closes it, so a second "yes" is the
// fallback's; an expired question is not open; a lapsed question is
// answered by the kind that says it still is; a reaction answers only a
// kind that reads reactions; Close closes only its own kind.
func TestYesNoGoesToTheKindAskedLast(t *testing.T) {
	for _, reversed := range []bool{false, true} {
		t.Run(fmt.Sprintf("reversed=%v", reversed), func(t *testing.T) { yesNoGoesToTheKindAskedLast(t, reversed) })
	}
}

func yesNoGoesToTheKindAskedLast(t *testing.T, reversed bool) {
	ctx := context.Background()
	var got []string
	register := func(h *bottest.Harness) error {
		k := h.Kit("test")
		record := func(name string) func(ctx context.Context, req *bot.Request, yes bool, ref string) error {
			return func(ctx context.Context, req *bot.Request, yes bool, ref string) error {
				got = append(got, fmt.Sprintf("%s %v %q", name, yes, ref))
				return req.Reply(ctx, name+" took it")
			}
		}
		lapsed := false
		answers := []bot.Answers{
			{Kind: "b.confirm", Answer: record("b"), Reaction: func(e string) bool { return e == "👍" }},
			{Kind: "a.forget", Answer: record("a"), Lapsed: func(context.Context, bot.Person) (bool, error) { return lapsed, nil }},
		}
		if reversed {
			answers[0], answers[1] = answers[1], answers[0]
		}
		for _, a := range answers {
			k.Reg.HandleAnswers(a)
		}
		k.Reg.Handle(bot.Route{Name: "lapse", Scope: bot.DirectOnly, Help: "test", Handler: func(ctx context.Context, req *bot.Request) error {
			lapsed = true
			return nil
		}})
		k.Reg.ListenDirectFallback()
		return nil
	}
	h := bottest.New(t, bottest.Options{DBPath: filepath.Join(t.TempDir(), "q.db"), Register: register})
	h.Run("dm Gina: hello\n") // Gina writes first, as anyone the bot asks has
	p, err := h.Store.PersonByAddr(ctx, "Gina")
	if err != nil {
		t.Fatal(err)
	}
	ask := func(kind, ref string, ttl time.Duration) {
		t.Helper()
		if err := h.Kit("test").Ask.Ask(ctx, p, kind, ref, ttl); err != nil {
			t.Fatal(err)
		}
	}
	ask("a.forget", "", 10*time.Minute)
	ask("b.confirm", "7", 24*time.Hour)
	h.Restart()
	out := h.Run("dm Gina: Yes!\ndm Gina: yes\n")
	if len(got) != 1 || got[0] != `b true "7"` {
		t.Fatalf("answers = %q, want the latest question's kind once", got)
	}
	if !strings.Contains(out, "b took it") || !strings.Contains(out, "not waiting for a yes or no") {
		t.Errorf("want the answer taken once, then the fallback:\n%s", out)
	}

	got = nil
	ask("b.confirm", "8", time.Hour)
	for _, emoji := range []string{"😮", "👍"} {
		m := &bot.Message{ID: "react-" + emoji, Chat: bot.Chat{ID: "Gina"}, Sender: bot.Sender{Addr: "Gina", Name: "Gina"},
			Time: h.Now(), Reaction: &bot.Reaction{TargetID: "any", Emoji: emoji}}
		if _, err := h.Engine.HandleMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || got[0] != `b true "8"` {
		t.Errorf("reactions: answers = %q, want one yes from 👍", got)
	}

	got = nil
	ask("a.forget", "", 10*time.Minute)
	h.Run("@advance 11m\ndm Gina: no\n")
	if len(got) != 0 {
		t.Errorf("an expired question was answered: %q", got)
	}
	h.Run("dm Gina: !lapse\ndm Gina: no\n")
	if len(got) != 1 || got[0] != `a false ""` {
		t.Errorf("lapsed: answers = %q, want a's, with no ref", got)
	}

	got = nil
	ask("b.confirm", "9", time.Hour)
	if err := h.Kit("test").Ask.Close(ctx, p, "a.forget"); err != nil {
		t.Fatal(err)
	}
	h.Run("dm Gina: yes\n")
	if err := h.Kit("test").Ask.Close(ctx, p, "b.confirm"); err != nil {
		t.Fatal(err)
	}
	h.Run("dm Gina: yes\n")
	if len(got) != 2 || got[0] != `b true "9"` || got[1] != `a true ""` {
		t.Errorf("Close: answers = %q, want b's (another kind's Close leaves it), then a's lapsed one", got)
	}
}

// TestListenDirectSeesOnlyOpenDirectMessages: a direct listener is not
// shown group messages, reactions, or a direct message a yes/no answer or
// an earlier direct listener took; a plain listener sees them all.
func TestListenDirectSeesOnlyOpenDirectMessages(t *testing.T) {
	var direct, plain []string
	h := bottest.New(t, bottest.Options{Register: func(h *bottest.Harness) error {
		k := h.Kit("test")
		k.Reg.HandleAnswers(bot.Answers{Kind: "t.q", Answer: func(ctx context.Context, req *bot.Request, yes bool, ref string) error { return nil }})
		k.Reg.Listen(func(ctx context.Context, req *bot.Request) error {
			plain = append(plain, req.Msg.Text)
			return nil
		})
		k.Reg.ListenDirect(func(ctx context.Context, req *bot.Request) error {
			if req.Msg.Text == "take" {
				req.Take()
			}
			return nil
		})
		k.Reg.ListenDirect(func(ctx context.Context, req *bot.Request) error {
			direct = append(direct, req.Msg.Text)
			return nil
		})
		return nil
	}})
	h.Run("@admin Alice\nAlice: !bot on\nAlice: hello group\ndm Gina: hello\ndm Gina: take\n")
	ctx := context.Background()
	p, err := h.Store.PersonByAddr(ctx, "Gina")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Kit("test").Ask.Ask(ctx, p, "t.q", "", time.Hour); err != nil {
		t.Fatal(err)
	}
	h.Run("dm Gina: yes\n")
	m := &bot.Message{ID: "r1", Chat: bot.Chat{ID: "Gina"}, Sender: bot.Sender{Addr: "Gina", Name: "Gina"},
		Time: h.Now(), Reaction: &bot.Reaction{TargetID: "any", Emoji: "👍"}}
	if _, err := h.Engine.HandleMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if strings.Join(direct, "|") != "hello" {
		t.Errorf("direct listener saw %q, want only the open direct message", direct)
	}
	if strings.Join(plain, "|") != "hello group|hello|take|yes|" {
		t.Errorf("plain listener saw %q, want every message", plain)
	}
}

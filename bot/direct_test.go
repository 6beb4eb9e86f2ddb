package bot_test

import (
	"context"
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

// TestPendingQuestionLatestWins: asking a new yes/no question replaces the
// open one, an expired question is not open, a restart keeps it, and
// answering closes it.
func TestPendingQuestionLatestWins(t *testing.T) {
	ctx := context.Background()
	h := bottest.New(t, bottest.Options{DBPath: filepath.Join(t.TempDir(), "q.db")})
	p, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "Gina", Name: "Gina"}, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Kit("test").Ask.Ask(ctx, p, "moderation.forgetme", "", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := h.Kit("test").Ask.Ask(ctx, p, "lending.confirm", "7", 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	h.Restart()
	kind, ref, ok, err := h.Kit("test").Ask.Pending(ctx, p)
	if err != nil || !ok || kind != "lending.confirm" || ref != "7" {
		t.Fatalf("pending = %q %q %v %v, want the latest question", kind, ref, ok, err)
	}
	if err := h.Kit("test").Ask.Answered(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := h.Kit("test").Ask.Pending(ctx, p); ok {
		t.Error("an answered question is still open")
	}
	if err := h.Kit("test").Ask.Ask(ctx, p, "moderation.forgetme", "", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	h.Clock.Set(h.Clock.Now().Add(11 * time.Minute))
	if _, _, ok, _ := h.Kit("test").Ask.Pending(ctx, p); ok {
		t.Error("an expired question is still open")
	}
}

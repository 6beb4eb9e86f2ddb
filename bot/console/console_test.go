package console_test

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// recorder captures every message the engine receives, to check how script
// lines translate.
func recorder(got *[]*bot.Message) func(h *bottest.Harness) error {
	return func(h *bottest.Harness) error {
		h.Kit("test").Reg.Listen(func(ctx context.Context, req *bot.Request) error {
			*got = append(*got, req.Msg)
			return nil
		})
		h.Kit("test").Reg.Handle(bot.Route{Name: "echo", Handler: func(ctx context.Context, req *bot.Request) error {
			*got = append(*got, req.Msg)
			people, err := req.Mentioned(ctx)
			if err != nil {
				return err
			}
			var mentions []bot.Mention
			text := "echo"
			for _, p := range people {
				text += " @" + p.DisplayName()
				mentions = append(mentions, bot.MentionOf(p))
			}
			return req.Reply(ctx, text+"\nsecond line", mentions...)
		}})
		h.Kit("test").Reg.Handle(bot.Route{Name: "ask", Handler: func(ctx context.Context, req *bot.Request) error {
			_, err := h.Kit("test").Out.SendPoll(ctx, "x", "", bot.OutPoll{Chat: req.Chat.ID, Question: "Off or on?", Options: []string{"Off", "On"}})
			return err
		}})
		return nil
	}
}

func TestScriptLinesBecomeMessages(t *testing.T) {
	var got []*bot.Message
	h := bottest.New(t, bottest.Options{Register: recorder(&got)})
	out := h.Run(`@group elm Elm Road
@admin Alice
Alice: !bot on
Bob: hello there
Carol [photo]: look at this
Dave [photo 2MB] [location 52.7069,-2.7540]: pothole here
Erin [reply Dave]: same one?
Alice: !echo @Bob and @Carol, thanks
Frank [react 🎉]
dm Gina: hi bot
`)
	if len(got) != 7 {
		t.Fatalf("got %d messages:\n%s", len(got), out)
	}
	if got[0].Text != "hello there" || got[0].Chat.ID != "group:elm" || !got[0].Chat.IsGroup || got[0].Chat.Name != "Elm Road" {
		t.Errorf("plain text: %+v", got[0])
	}
	if got[1].Media == nil || got[1].Media.Kind != bot.MediaImage || got[1].Text != "look at this" {
		t.Errorf("photo: %+v", got[1])
	}
	if got[2].Media == nil || got[2].Media.Size != 2<<20 || got[2].Location == nil || got[2].Location.Lat != 52.7069 || got[2].Location.Long != -2.7540 {
		t.Errorf("photo+location: %+v %+v", got[2].Media, got[2].Location)
	}
	data, err := h.Console.Download(context.Background(), got[2].Media)
	if err != nil || len(data) != 2<<20 || data[0] != 0xFF || data[1] != 0xD8 {
		t.Errorf("download: %d bytes, %v", len(data), err)
	}
	if q := got[3].Quote; q == nil || q.Sender.Addr != "Dave" || q.Text != "pothole here" || q.Location == nil || q.ID != got[2].ID {
		t.Errorf("reply: %+v", got[3].Quote)
	}
	if m := got[4].Mentions; len(m) != 2 || m[0].Addr != "Bob" || m[1].Addr != "Carol" {
		t.Errorf("mentions: %+v", m)
	}
	if r := got[5].Reaction; r == nil || r.Emoji != "🎉" || r.TargetID == "" {
		t.Errorf("reaction: %+v", got[5].Reaction)
	}
	if got[6].Chat.IsGroup || got[6].Chat.ID != "Gina" || got[6].Text != "hi bot" {
		t.Errorf("dm: %+v", got[6])
	}
	for _, want := range []string{
		"[elm] bot: echo @Bob @Carol\n    second line\n",
		"[dm Gina] Gina: hi bot\n",
		"[elm] Dave [photo 2MB] [location 52.7069,-2.7540]: pothole here\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	ids := map[string]bool{}
	for _, m := range got {
		if ids[m.ID] {
			t.Errorf("message id %s reused", m.ID)
		}
		ids[m.ID] = true
	}
}

func TestMalformedLinesAreReported(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	tests := map[string]string{
		"just words":                      `"just words" has no speaker: write it as NAME: text`,
		"Alice [telepathy]: hi":           "unknown tag [telepathy]",
		"Alice [location 95,0]: x":        "use [location 52.7069,-2.7540]",
		"Alice [location abc]: x":         "use [location",
		"Alice [photo lots]: x":           "photo size",
		"Alice [vote Off]":                "no poll to vote in yet",
		"Alice [reply Nobody]: x":         "Nobody has said nothing",
		"Alice [react]":                   "there is none yet",
		"Alice":                           "write it as Alice: text",
		"@advance forever":                "duration",
		"@time yesterday":                 "@time needs RFC 3339",
		"@group":                          "@group needs an id",
		"@join":                           "@join needs a name",
		"@leave Stranger":                 "Stranger is not in street",
		"@botadmin maybe":                 "@botadmin takes on or off",
		"@redeliver":                      "nothing to redeliver",
		"@frobnicate now":                 "unknown directive @frobnicate",
		"Alice " + strings.Repeat("x", 9): "needs a colon after the name: Alice: xxxxxxxxx",
		"Alice [edit 1]: x":               "line 1 sent no message to edit",
		"Alice [delete two]":              "[delete LINE] needs the line number",
	}
	for line, want := range tests {
		out := h.Run(line + "\n")
		if !strings.Contains(out, "! line 1: ") || !strings.Contains(out, want) {
			t.Errorf("%q: got %q, want it to mention %q", line, out, want)
		}
	}
	// The run goes on after a bad line.
	out := h.Run("nonsense\n@admin Alice\nAlice: !bot on\n")
	if !strings.Contains(out, "! line 1") || !strings.Contains(out, "neighbourbot is on") {
		t.Errorf("run did not continue:\n%s", out)
	}
}

func TestVotesAndMembershipActions(t *testing.T) {
	var got []*bot.Message
	h := bottest.New(t, bottest.Options{Register: recorder(&got)})
	out := h.Run("@admin Alice\nAlice: !bot on\nAlice: !ask\nBob [vote off]\nBob [vote Maybe]\n")
	if !strings.Contains(out, "[street] bot poll: Off or on? | Off | On") {
		t.Errorf("poll not shown:\n%s", out)
	}
	if !strings.Contains(out, `the latest poll has no option "Maybe"`) {
		t.Errorf("unknown option not reported:\n%s", out)
	}
	ctx := context.Background()
	gi, err := h.Console.GroupInfo(ctx, "group:street")
	if err != nil || len(gi.Participants) != 2 || gi.BotIsAdmin {
		t.Fatalf("group info = %+v, %v", gi, err)
	}
	if err := h.Console.RemoveMember(ctx, "group:street", "Bob"); err != bot.ErrNotAdmin {
		t.Errorf("remove without bot admin = %v", err)
	}
	if err := h.Console.Delete(ctx, bot.MessageRef{Chat: "group:street", ID: "x", Sender: "Bob"}); err != bot.ErrNotAdmin {
		t.Errorf("delete without bot admin = %v", err)
	}
	h.Run("@botadmin on\n")
	if err := h.Console.RemoveMember(ctx, "group:street", "Bob"); err != nil {
		t.Fatal(err)
	}
	gi, _ = h.Console.GroupInfo(ctx, "group:street")
	if len(gi.Participants) != 1 || !gi.BotIsAdmin {
		t.Errorf("after removal: %+v", gi)
	}
	if _, err := h.Console.GroupInfo(ctx, "group:nowhere"); err != bot.ErrNotInChat {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := h.Console.Send(ctx, bot.OutMessage{Chat: "group:nowhere", Text: "x"}); err != bot.ErrNotInChat {
		t.Errorf("send to unknown group: %v", err)
	}
}

// TestMediaTagsAndBotQuotes: voice notes, videos and documents from a
// script, and quoting the bot's own posts with [reply bot WORD].
func TestMediaTagsAndBotQuotes(t *testing.T) {
	var got []*bot.Message
	h := bottest.New(t, bottest.Options{Register: recorder(&got)})
	out := h.Run(`@group elm Elm Road
@admin Alice
Alice: !bot on
dm Erin [voice 12s]
dm Erin [video 9s 3MB]: the van
dm Erin [document letter.pdf]: my letter
Alice: !echo @Carol
Alice: !echo
Bob [reply bot Carol]: about that
Bob [reply bot]: and this
Bob [reply bot nothing-like-it]: no
`)
	if len(got) != 7 {
		t.Fatalf("got %d messages:\n%s", len(got), out)
	}
	if m := got[0].Media; m == nil || m.Kind != bot.MediaAudio || !m.Voice || m.Seconds != 12 || m.Size == 0 || got[0].Chat.IsGroup {
		t.Errorf("voice note: %+v", got[0].Media)
	}
	if m := got[1].Media; m == nil || m.Kind != bot.MediaVideo || m.Seconds != 9 || m.Size != 3<<20 || got[1].Text != "the van" {
		t.Errorf("video: %+v", got[1].Media)
	}
	if m := got[2].Media; m == nil || m.Kind != bot.MediaDocument || m.FileName != "letter.pdf" || m.MimeType != "application/pdf" {
		t.Errorf("document: %+v", got[2].Media)
	}
	if q := got[5].Quote; q == nil || q.Sender.Addr != "bot" || !strings.Contains(q.Text, "echo @Carol") {
		t.Errorf("[reply bot Carol]: %+v", q)
	}
	if q := got[6].Quote; q == nil || q.Text != "echo\nsecond line" {
		t.Errorf("[reply bot]: %+v", q)
	}
	if !strings.Contains(out, `the bot has said nothing containing "nothing-like-it" in elm`) {
		t.Errorf("a quote of nothing is not reported:\n%s", out)
	}
}

package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/console"
)

// Only a direct message makes someone reachable privately: a command in a
// group is not enough, since WhatsApp treats a DM to someone who never
// wrote to the account as cold outreach (error 463).
func TestDirectMessagesOnlyToPeopleWhoWroteToTheBot(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	h.Run("@admin Alice\nAlice: !bot on\nBob: hello all\nCarol: !help\ndm Dave: hi\ndm Alice: !help\n")
	ctx := context.Background()
	for name, want := range map[string]bool{"Bob": false, "Carol": false, "Dave": true, "Alice": true} {
		p, err := h.Store.PersonByAddr(ctx, bot.Address(name))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := h.Kit("test").Out.CanDM(ctx, p)
		if err != nil || ok != want {
			t.Errorf("CanDM(%s) = %v, %v; want %v", name, ok, err, want)
		}
		err = h.Kit("test").Out.DM(ctx, p, "psst")
		if want && err != nil || !want && !errors.Is(err, bot.ErrNoContact) {
			t.Errorf("DM(%s) = %v", name, err)
		}
	}
	if out := h.Out.String(); strings.Contains(out, "[dm Bob]") || strings.Contains(out, "[dm Carol]") {
		t.Errorf("cold DM sent:\n%s", out)
	}
	// Mentioned but silent people are not contactable either.
	h.Run("Carol: !help @Erin\n")
	erin, _ := h.Store.PersonByAddr(ctx, "Erin")
	if ok, _ := h.Kit("test").Out.CanDM(ctx, erin); ok {
		t.Error("a mention made Erin contactable")
	}
}

func TestNothingKeptAboutGroupsThatHaveNotOptedIn(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	h.Run("Bob: hello\n@join Carol\nDave: !help\nEve [photo]: look\n")
	var n int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM people`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d people stored from a group that never opted in (%v)", n, err)
	}
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM memberships`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d memberships stored", n)
	}
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM seen_messages`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d message ids stored", n)
	}
	// The switch itself still works.
	h.Expect("@admin Alice\nAlice: !bot on\n", "neighbourbot is on")
}

func TestUnsolicitedPostsRefusedOnceAGroupSwitchesOff(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\nBob: !later 2h\nAlice: !bot off\n")
	out := h.Run("@advance 3h\n")
	if strings.Contains(out, "reminder") {
		t.Fatalf("job posted into a group that switched the bot off:\n%s", out)
	}
	if _, ok, _ := h.Store.NextJobAt(context.Background()); ok {
		t.Error("the refused job should be dropped, not retried")
	}
	_, err := h.Kit("test").Out.Send(context.Background(), bot.OutMessage{Chat: "group:street", Text: "x"})
	if !errors.Is(err, bot.ErrGroupOff) {
		t.Errorf("Send to a switched-off group = %v", err)
	}
	// A group never configured (a DM, or a log group) is not refused.
	if _, err := h.Kit("test").Out.Send(context.Background(), bot.OutMessage{Chat: "Alice", Text: "x"}); err != nil {
		t.Errorf("Send to a direct chat = %v", err)
	}
}

// sentIDs records the ids of the texts the console shows, as the server
// would keep them.
func sentIDs(h *bottest.Harness) *[]string {
	var ids []string
	h.Console.Observe(func(a console.Action) {
		if a.Kind == "text" {
			ids = append(ids, a.ID)
		}
	})
	return &ids
}

func TestOfflineSendsWaitWithoutUsingAttempts(t *testing.T) {
	var faults bottest.Faults
	var sent *[]string
	h := bottest.New(t, bottest.Options{Transport: faults.Wrap, Register: func(h *bottest.Harness) error {
		sent = sentIDs(h)
		h.Kit("test").Jobs.HandleJob("note", func(ctx context.Context, j bot.Job) error {
			_, err := h.Kit("test").Out.Send(ctx, bot.OutMessage{Chat: "Alice", Text: "hi"})
			return err
		})
		return nil
	}})
	// Offline as a disconnected transport reports it, wrapped in context.
	offline := faults.Fail(bottest.Fault{Op: bottest.OpSend, Err: fmt.Errorf("device list for Alice: %w", bot.ErrNotConnected)})
	e := h.Engine
	k := e.Kit("test")
	ctx := context.Background()
	start := h.Clock.Now()
	if err := k.Jobs.Schedule(ctx, "note", "k", start, nil); err != nil {
		t.Fatal(err)
	}
	// A whole day offline: far more than the queue's retry limit.
	if err := e.AdvanceTo(ctx, h.Clock, start.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := h.Store.NextJobAt(ctx); ok {
		t.Error("the job is done once its send is queued; it should not wait itself")
	}
	q, ok, err := h.Store.NextSend(ctx, h.Clock.Now().Add(time.Hour))
	if err != nil || !ok || q.Attempts != 0 || q.MsgID == "" {
		t.Fatalf("after a day offline the send should still wait with 0 attempts: %+v %v %v", q, ok, err)
	}
	// Back online: it goes once, under the id it was queued with.
	offline.Stop()
	if err := e.AdvanceTo(ctx, h.Clock, h.Clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.FlushSends(ctx)
	if len(*sent) != 1 || (*sent)[0] != q.MsgID {
		t.Fatalf("sent %v, want exactly [%s]", *sent, q.MsgID)
	}
	if depth, _, _ := h.Store.SendQueueStats(ctx); depth != 0 {
		t.Errorf("queue depth %d after the send went", depth)
	}
}

func TestSendErrorsCarryNoPhoneNumbers(t *testing.T) {
	var faults bottest.Faults
	h := bottest.New(t, bottest.Options{Transport: faults.Wrap})
	const chat = "447700900123@s.whatsapp.net"
	// The transport's error names the chat, phone number and all.
	faults.Fail(bottest.Fault{Op: bottest.OpSend, Err: fmt.Errorf("device list for %s: %w", chat, errBoom)})
	e := h.Engine
	k := e.Kit("test")
	ctx := context.Background()
	if _, err := k.Out.Send(ctx, bot.OutMessage{Chat: chat, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	e.FlushSends(ctx)
	q, ok, err := h.Store.NextSend(ctx, h.Clock.Now().Add(time.Hour))
	if err != nil || !ok || q.Attempts != 1 || q.LastErr == "" {
		t.Fatalf("the failed send should wait for a retry with its error: %+v %v %v", q, ok, err)
	}
	if strings.Contains(q.LastErr, "447700900123") || strings.Contains(h.Log.String(), "447700900123") {
		t.Errorf("a phone number reached the queue's error (%q) or the log:\n%s", q.LastErr, h.Log.String())
	}
	if got := bot.RedactPhones("no route to 447700900123:12@s.whatsapp.net or +447700900124@s.whatsapp.net; lid 123456@lid kept"); got != "no route to [phone number] or [phone number]; lid 123456@lid kept" {
		t.Errorf("RedactPhones = %q", got)
	}
}

var errBoom = errors.New("boom")

func TestDeclinedSharedNameExplainsItself(t *testing.T) {
	h := bottest.New(t, bottest.Options{Register: func(h *bottest.Harness) error {
		h.Kit("test").Reg.Declare(bot.Feature{Name: "errands"})
		h.Kit("test").Reg.Handle(bot.Route{Name: "join", Feature: "errands", Scope: bot.GroupOnly, Help: "join an errand",
			Match:   func(req *bot.Request) bool { return req.Chat.IsGroup && req.Group.FeatureOn("errands") },
			Handler: func(ctx context.Context, req *bot.Request) error { return req.Reply(ctx, "joined") }})
		return nil
	}})
	h.Run("@admin Alice\nAlice: !bot on\n")
	h.Expect("Bob: !join tip", "joined")
	h.Expect("dm Bob: !join tip", "!join only works inside a group")
	h.Run("Alice: !bot features\n")
	g, _ := h.Store.GroupSettings(context.Background(), "group:street")
	g.FeaturesOff = []string{"errands"}
	h.Store.SaveGroupSettings(context.Background(), g)
	out := h.Expect("Bob: !join tip", "The errands commands are switched off in this group")
	if strings.Contains(out, "did you mean") {
		t.Errorf("suggested the very command typed:\n%s", out)
	}
}

func TestLogsCarryNoPhoneNumbers(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("x", "chat", bot.ChatID("447700900123@s.whatsapp.net"), "addr", bot.Address("447700900124@s.whatsapp.net"), "group", bot.ChatID("120363@g.us"))
	if strings.Contains(buf.String(), "4477009001") || !strings.Contains(buf.String(), "120363@g.us") {
		t.Errorf("log line = %s", buf.String())
	}
}

// A WhatsApp mention leaves "@447700900123" in the text; features must see
// the person's name there instead, so numbers never reach what they store.
func TestMentionNumbersBecomeNames(t *testing.T) {
	var got, stripped string
	h := bottest.New(t, bottest.Options{Register: func(h *bottest.Harness) error {
		h.Kit("test").Reg.Handle(bot.Route{Name: "note", Handler: func(ctx context.Context, req *bot.Request) error {
			got = req.Args
			stripped = req.StripMentions(req.Args)
			people, err := req.Mentioned(ctx)
			if err != nil || len(people) != 2 {
				return fmt.Errorf("mentioned = %v, %v", people, err)
			}
			return nil
		}})
		return nil
	}})
	h.Run("@admin Alice\nAlice: !bot on\n")
	ctx := context.Background()
	if _, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "987654321@lid", Alt: "447700900123@s.whatsapp.net", Name: "Dora"}, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	m := &bot.Message{ID: "wa-9", Chat: bot.Chat{ID: "group:street", IsGroup: true}, Sender: bot.Sender{Addr: "Alice", Name: "Alice"},
		Text:     "!note outside @447700900123's house, and @5550001112223 too",
		Mentions: []bot.Sender{{Addr: "447700900123@s.whatsapp.net"}, {Addr: "5550001112223@lid"}}, Time: h.Clock.Now()}
	h.Engine.HandleMessage(ctx, m)
	if want := "outside @Dora's house, and @a neighbour too"; got != want {
		t.Errorf("args = %q, want %q", got, want)
	}
	if want := "outside 's house, and too"; stripped != want {
		t.Errorf("stripped = %q, want %q", stripped, want)
	}
	// A number typed after "@", with no mention behind it, is never
	// handed to the command: it is answered plainly.
	got = "unchanged"
	h.Engine.HandleMessage(ctx, &bot.Message{ID: "wa-11", Chat: bot.Chat{ID: "group:street", IsGroup: true}, Sender: bot.Sender{Addr: "Alice", Name: "Alice"},
		Text: "!note @4477009001234 is someone else", Time: h.Clock.Now()})
	if got != "unchanged" {
		t.Errorf("a typed number reached the handler: %q", got)
	}
	dora, _ := h.Store.PersonByAddr(ctx, "987654321@lid")
	if dora.Name != "Dora" {
		t.Errorf("a mention renamed Dora to %q", dora.Name)
	}
	// Only the handler's Mentioned() stored the unknown one; a mention in
	// plain chatter stores nobody.
	h.Engine.HandleMessage(ctx, &bot.Message{ID: "wa-10", Chat: bot.Chat{ID: "group:street", IsGroup: true}, Sender: bot.Sender{Addr: "Alice", Name: "Alice"},
		Text: "thanks @5550009990001!", Mentions: []bot.Sender{{Addr: "5550009990001@s.whatsapp.net"}}, Time: h.Clock.Now()})
	if _, err := h.Store.PersonByAddr(ctx, "5550009990001@s.whatsapp.net"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a mention in chatter stored the person: %v", err)
	}
}

package whatsapp

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
	"neighbourbot/moderation"
)

// TestEngineRoundTrip drives a real engine and SQLite store from whatsmeow
// events: translator → engine queue → router → paced adapter → fake client.
func TestEngineRoundTrip(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })

	f := newFakeClient()
	a, clock := newTestAdapter(f)
	engine := bot.NewEngine(bot.Config{SyncSends: true}, store, bot.Pace(a, 0, 1), clock)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}

	// Deliver events through the whatsmeow handler while the worker runs,
	// then stop it: Run finishes everything queued before returning.
	deliver := func(evts ...any) {
		t.Helper()
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- engine.Run(runCtx) }()
		a.Attach(runCtx, engine)
		for _, e := range evts {
			a.HandleEvent(e)
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	text := func(id string, sender, alt types.JID, ts time.Time, s string) any {
		return groupEvent(id, sender, alt, types.AddressingModeLID, ts, &waE2E.Message{Conversation: proto.String(s)})
	}

	// Bob is not an admin: refused, with his message quoted. His phone
	// number is not in the event; the LID store supplies it.
	deliver(text("3A0100", bobLID, types.EmptyJID, t0, "!bot on"))
	got := f.lastSent()
	ext := got.msg.GetExtendedTextMessage()
	if got.to != groupJID || ext.GetText() != "Sorry, only group admins can switch the bot on or off." ||
		ext.GetContextInfo().GetStanzaID() != "3A0100" || ext.GetContextInfo().GetParticipant() != "22222222222222@lid" {
		t.Fatalf("reply to Bob = %v to %v", got.msg, got.to)
	}

	// Alice is a superadmin in the participant list: the bot switches on.
	deliver(text("3A0101", aliceLID, alicePN, t0, "!bot on"))
	ext = f.lastSent().msg.GetExtendedTextMessage()
	if ext.GetText() != "neighbourbot is on in this group. Type !help to see what I can do. Admins can switch me off again with !bot off." {
		t.Fatalf("reply to Alice = %q", ext.GetText())
	}
	gs, err := store.GroupSettings(ctx, group)
	if err != nil || !gs.Enabled || gs.Name != "Elm Street" {
		t.Fatalf("group settings = %+v, %v", gs, err)
	}
	sent := f.sentCount()

	// A redelivery of the same message, an hour-old backlog command and
	// the bot's own echo all produce nothing.
	own := groupEvent("3EB0ECHO", botLID, botPN, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("!bot off")})
	own.Info.IsFromMe = true
	deliver(
		text("3A0101", aliceLID, alicePN, t0, "!bot on"),
		text("3A0102", aliceLID, alicePN, t0.Add(-time.Hour), "!bot off"),
		own,
	)
	if f.sentCount() != sent {
		t.Fatalf("sent %d more messages, want none", f.sentCount()-sent)
	}
	if gs, _ := store.GroupSettings(ctx, group); !gs.Enabled {
		t.Fatal("a backlog or own message switched the bot off")
	}

	// One identity across forms: Alice writing from her phone-number form
	// later is the same person the store already knows.
	p1, err := store.ResolvePerson(ctx, bot.Sender{Addr: bot.Address(aliceLID.String())}, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	p2, err := store.ResolvePerson(ctx, bot.Sender{Addr: bot.Address(alicePN.String())}, clock.Now())
	if err != nil || p1.ID != p2.ID {
		t.Fatalf("Alice resolved to %d by LID and %d by phone (%v)", p1.ID, p2.ID, err)
	}

	// Group info was fetched once for all the admin checks above.
	if f.calls() != 1 {
		t.Fatalf("%d group info fetches, want 1", f.calls())
	}
}

// An edit goes through moderation like a new message but is never run as
// a command; the revoke names the original message, which is what members
// see. The handler's success status is true for handled and duplicate
// deliveries alike.
func TestEngineEditsAreModeratedNotRun(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"), moderation.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	engine := bot.NewEngine(bot.Config{SyncSends: true}, store, bot.Pace(a, 0, 1), bot.NewManualClock(t0))
	if err := moderation.Register(engine.Kit("moderation"), moderation.DefaultConfig(), moderation.Deps{}); err != nil {
		t.Fatal(err)
	}
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- engine.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	a.Attach(runCtx, engine)
	handle := func(evt any) {
		t.Helper()
		if !a.HandleEvent(evt) {
			t.Fatalf("event %T not acknowledged", evt)
		}
	}
	text := func(id string, sender, alt types.JID, s string) any {
		return groupEvent(id, sender, alt, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String(s)})
	}
	handle(text("3A0200", aliceLID, alicePN, "!bot on"))
	handle(text("3A0201", aliceLID, alicePN, "!block add casino"))
	handle(text("3A0201", aliceLID, alicePN, "!block add casino")) // redelivered: a duplicate, still acknowledged
	handle(text("3A0202", bobLID, bobPN, "hello all"))
	before := f.sentCount()

	// Bob edits his greeting into a blocked word: moderation acts on it.
	edit := editEvent("3A0203", "3A0202", t0, &waE2E.Message{Conversation: proto.String("visit my casino")})
	edit.Info.Sender, edit.Info.SenderAlt = bobLID, bobPN
	handle(edit)
	if f.sentCount() != before+1 {
		t.Fatalf("%d messages after the edit, want one warning", f.sentCount()-before)
	}
	warn := f.lastSent().msg.GetExtendedTextMessage().GetText()
	if !strings.Contains(warn, "warning 1 of 3") || !strings.Contains(warn, "blocked word") {
		t.Fatalf("reply to the edit = %q, want a blocklist warning", warn)
	}

	// With the action set to delete, the revoke targets the original id.
	handle(text("3A0204", aliceLID, alicePN, "!block action delete"))
	handle(text("3A0205", bobLID, bobPN, "hi again"))
	edit = editEvent("3A0206", "3A0205", t0, &waE2E.Message{Conversation: proto.String("casino night")})
	edit.Info.Sender, edit.Info.SenderAlt = bobLID, bobPN
	handle(edit)
	var revoke *waE2E.ProtocolMessage
	for _, s := range f.sent {
		if pm := s.msg.GetProtocolMessage(); pm != nil && pm.GetType() == waE2E.ProtocolMessage_REVOKE {
			revoke = pm
		}
	}
	if revoke == nil || revoke.GetKey().GetID() != "3A0205" || revoke.GetKey().GetParticipant() != bobLID.String() {
		t.Fatalf("revoke = %v, want Bob's original message 3A0205", revoke)
	}

	// An edit into a command is not run: "hello" edited into "!bot off".
	handle(text("3A0207", aliceLID, alicePN, "hello"))
	sent := f.sentCount()
	edit = editEvent("3A0208", "3A0207", t0, &waE2E.Message{Conversation: proto.String("!bot off")})
	handle(edit)
	if f.sentCount() != sent {
		t.Fatalf("the edit into a command got %d replies", f.sentCount()-sent)
	}
	if gs, _ := store.GroupSettings(ctx, group); !gs.Enabled {
		t.Fatal("an edit into !bot off switched the bot off")
	}
}

// When the engine cannot commit a message (the disk is full), the handler
// tells whatsmeow so and the receipt is withheld, so that WhatsApp delivers
// it again; the redelivery, once the store works, is handled and
// acknowledged, and answered once.
func TestEngineWithholdsTheAckWhenTheStoreCannotCommit(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := newFakeClient()
	a, clock := newTestAdapter(f)
	engine := bot.NewEngine(bot.Config{SyncSends: true}, store, bot.Pace(a, 0, 1), clock)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- engine.Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()
	a.Attach(runCtx, engine)
	msg := groupEvent("3A0300", aliceLID, alicePN, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("!bot on")})

	sqlite.FailCommits(true)
	t.Cleanup(func() { sqlite.FailCommits(false) })
	if a.HandleEvent(msg) {
		t.Fatal("acknowledged a message the engine could not save")
	}
	if gs, _ := store.GroupSettings(ctx, group); gs.Enabled || f.sentCount() != 0 {
		t.Fatalf("a message that was not saved had effects: enabled=%v, %d sent", gs.Enabled, f.sentCount())
	}

	sqlite.FailCommits(false)
	if !a.HandleEvent(msg) {
		t.Fatal("the redelivery after recovery was not acknowledged")
	}
	if gs, _ := store.GroupSettings(ctx, group); !gs.Enabled {
		t.Fatal("the redelivery was not acted on")
	}
	if !a.HandleEvent(msg) || f.sentCount() != 1 {
		t.Fatalf("a second redelivery: %d replies, want 1 and an acknowledgement", f.sentCount())
	}
}

// Through the real send queue: a 463 (reach-out time-lock) drops the
// direct message after one attempt, never retried; a send that timed out
// waiting for the server stays queued, uses up no attempt, and goes again
// under the same message id.
func TestEngineSendErrorsInTheQueue(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := newFakeClient()
	a, clock := newTestAdapter(f)
	engine := bot.NewEngine(bot.Config{}, store, bot.Pace(a, 0, 1), clock)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	dm := func(id, text string) {
		t.Helper()
		m, reason := a.Translate(ctx, &events.Message{Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: bobPN, Sender: bobPN},
			ID:            id, Timestamp: clock.Now(), PushName: "Bob",
		}, Message: &waE2E.Message{Conversation: proto.String(text)}})
		if m == nil {
			t.Fatal(reason)
		}
		if _, err := engine.HandleMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	queued := func() (n, attempts int, msgID string) {
		t.Helper()
		if err := store.Raw().QueryRow(`SELECT COUNT(*), IFNULL(MAX(attempts), 0), IFNULL(MAX(msg_id), '') FROM outbox`).Scan(&n, &attempts, &msgID); err != nil {
			t.Fatal(err)
		}
		return
	}

	f.sendErr = fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 463)
	dm("3A0300", "!help")
	engine.FlushSends(ctx)
	if n, _, _ := queued(); n != 0 || f.sendCalls != 1 {
		t.Fatalf("after a 463: %d rows queued, %d send calls; want the row dropped after one try", n, f.sendCalls)
	}

	f.sendErr = whatsmeow.ErrMessageTimedOut
	dm("3A0301", "!help")
	engine.FlushSends(ctx)
	n, attempts, id := queued()
	if n != 1 || attempts != 0 || id == "" {
		t.Fatalf("after a timeout: %d rows, %d attempts, id %q; want it kept without using an attempt", n, attempts, id)
	}
	f.sendErr = nil
	clock.Advance(time.Minute)
	engine.FlushSends(ctx)
	if n, _, _ := queued(); n != 0 || f.extras[len(f.extras)-1].ID != id {
		t.Fatalf("retry: %d rows left, sent under %q; want it sent under %q", n, f.extras[len(f.extras)-1].ID, id)
	}
}

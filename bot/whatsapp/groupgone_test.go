package whatsapp

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
)

// The bot removed from a group reaches the engine: the group is marked
// gone, a send queued for it is dropped without asking WhatsApp, a
// scheduled post is parked rather than dropped. Added back (whatsmeow's
// JoinedGroup and the join naming the bot both come), the group hears once
// that the bot is back, and the parked post goes out.
func TestBotRemovedAndAddedBack(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := newFakeClient()
	a, clock := newTestAdapter(f)
	a.HandleEvent(&events.Connected{})
	engine := bot.NewEngine(bot.Config{SyncSends: true}, store, a, clock)
	k := engine.Kit("posts")
	k.Jobs.HandleJob("posts.weekly", func(ctx context.Context, j bot.Job) error {
		_, err := k.Out.Send(ctx, bot.OutMessage{Chat: group, Text: "Bin day tomorrow"})
		return err
	})
	if err := store.SaveGroupSettings(ctx, bot.GroupSettings{Chat: group, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	a.Attach(ctx, syncSink{engine})

	// Removed: a join/leave notice naming the bot's phone number.
	removed := &events.GroupInfo{JID: groupJID, Sender: &aliceLID, Timestamp: t0, Leave: []types.JID{botPN.ToNonAD()}}
	if !a.HandleEvent(removed) {
		t.Fatal("removal not acknowledged")
	}
	gs, err := store.GroupSettings(ctx, group)
	if err != nil || gs.Removed.IsZero() {
		t.Fatalf("group not marked gone: %+v, %v", gs, err)
	}
	if groups, _ := store.EnabledGroups(ctx); len(groups) != 0 {
		t.Fatalf("fan-outs still see %v", groups)
	}
	// whatsmeow would now fail every send with "not in group"; nothing is
	// even tried.
	delete(f.groups, groupJID)
	if err := store.Atomic(ctx, func(ctx context.Context) error {
		if err := k.Jobs.Schedule(ctx, "posts.weekly", "weekly", t0, nil); err != nil {
			return err
		}
		req := engine.NewRequest(&bot.Message{Chat: bot.Chat{ID: group, IsGroup: true}, Time: t0}, bot.Person{}, gs)
		return req.Reply(ctx, "queued before the removal was known")
	}); err != nil {
		t.Fatal(err)
	}
	engine.FlushSends(ctx)
	engine.RunDueJobs(ctx)
	engine.FlushSends(ctx)
	if f.sendCalls != 0 {
		t.Fatalf("%d sends tried into a group the bot is not in", f.sendCalls)
	}
	if pending, _ := store.JobPending(ctx, "weekly"); !pending {
		t.Fatal("the weekly post was dropped, not parked")
	}

	// Added back.
	f.groups[groupJID] = lidGroup(true)
	if !a.HandleEvent(&events.JoinedGroup{GroupInfo: types.GroupInfo{JID: groupJID, GroupName: types.GroupName{Name: "Elm Street"}}}) {
		t.Fatal("re-add not acknowledged")
	}
	if !a.HandleEvent(&events.GroupInfo{JID: groupJID, Sender: &aliceLID, Timestamp: t0, Join: []types.JID{botLID.ToNonAD()}}) {
		t.Fatal("join not acknowledged")
	}
	engine.FlushSends(ctx)
	if n := f.sentCount(); n != 1 || f.lastSent().msg.GetConversation() != "Thanks for adding me back. Everything is as it was: reminders and posts for this group carry on. Admins can switch me off with !bot off." {
		t.Fatalf("%d sent after the re-add, last %v", n, f.lastSent().msg)
	}
	clock.Advance(time.Hour)
	engine.RunDueJobs(ctx)
	engine.FlushSends(ctx)
	if got := f.lastSent().msg; got.GetConversation() != "Bin day tomorrow" && got.GetExtendedTextMessage().GetText() != "Bin day tomorrow" {
		t.Fatalf("the parked post did not go after the re-add: %v", got)
	}
}

// A removal from the offline backlog still counts, unlike a neighbour's
// old join: it says where the bot can post.
func TestBotRemovalFromTheBacklogCounts(t *testing.T) {
	a, clock := newTestAdapter(newFakeClient())
	sink := &recordingSink{}
	a.Attach(context.Background(), sink)
	clock.Set(t0.Add(3 * time.Hour))
	a.HandleEvent(&events.Connected{})
	a.HandleEvent(&events.GroupInfo{JID: groupJID, Timestamp: t0, Leave: []types.JID{botLID.ToNonAD(), bobLID}})
	if len(sink.changes) != 1 || sink.changes[0].Kind != bot.BotRemoved {
		t.Fatalf("changes = %+v, want the bot's removal only", sink.changes)
	}
}

// A message from a group marked gone shows the bot is in it again (the
// notice of its return was lost): the group is back, told once.
func TestMessageFromAGoneGroupBringsItBack(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := newFakeClient()
	a, clock := newTestAdapter(f)
	engine := bot.NewEngine(bot.Config{SyncSends: true}, store, a, clock)
	if err := store.SaveGroupSettings(ctx, bot.GroupSettings{Chat: group, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SetGroupRemoved(ctx, group, t0); err != nil {
		t.Fatal(err)
	}
	a.Attach(ctx, syncSink{engine})
	a.HandleEvent(groupEvent("3A0BACK", aliceLID, alicePN, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("morning all")}))
	engine.FlushSends(ctx)
	if gs, _ := store.GroupSettings(ctx, group); !gs.Removed.IsZero() {
		t.Fatal("still marked gone after a message from the group")
	}
	if f.sentCount() != 1 {
		t.Fatalf("%d sent, want the one note that the bot is back", f.sentCount())
	}
}

// syncSink hands changes to the engine directly (no worker running).
type syncSink struct{ e *bot.Engine }

func (s syncSink) DeliverMessage(ctx context.Context, m *bot.Message) error {
	_, err := s.e.HandleMessage(ctx, m)
	return err
}

func (s syncSink) DeliverGroupChange(ctx context.Context, ch bot.GroupChange) error {
	return s.e.HandleGroupChange(ctx, ch)
}

package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"neighbourbot/bot"
)

var group = bot.ChatID(groupJID.String())

func TestSendPlainText(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	id, err := a.Send(context.Background(), bot.OutMessage{Chat: group, Text: "Lending is on."})
	if err != nil {
		t.Fatal(err)
	}
	s := f.lastSent()
	if id != "3EB00001" || s.to != groupJID || s.msg.GetConversation() != "Lending is on." || s.msg.ExtendedTextMessage != nil {
		t.Fatalf("id %q sent %v %v", id, s.to, s.msg)
	}
}

func TestSendRewritesMentionsPreferringLIDInLIDGroup(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	// Alice is known to the core by her phone number, Bob by his LID, and
	// "Al" is a prefix of "Alice" to check longer names win.
	_, err := a.Send(context.Background(), bot.OutMessage{
		Chat: group,
		Text: "@Alice lent a ladder to @Bob; thanks @Alice!",
		Mentions: []bot.Mention{
			{Addr: bot.Address(alicePN.String()), Name: "Alice"},
			{Addr: bot.Address(bobLID.String()), Name: "Bob"},
			{Addr: bot.Address(carolLID.String()), Name: "Al"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ext := f.lastSent().msg.GetExtendedTextMessage()
	if ext == nil {
		t.Fatal("mentions need an extended text message")
	}
	if got, want := ext.GetText(), "@11111111111111 lent a ladder to @22222222222222; thanks @11111111111111!"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	want := []string{"11111111111111@lid", "22222222222222@lid", "33333333333333@lid"}
	if fmt.Sprint(ext.GetContextInfo().GetMentionedJID()) != fmt.Sprint(want) {
		t.Errorf("mentioned = %v, want %v", ext.GetContextInfo().GetMentionedJID(), want)
	}
}

// A LID group hides members' numbers: a mention of someone known only by
// phone number (no LID in the store) stays plain "@Name" text.
func TestSendMentionNeverRevealsANumberInLIDGroup(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	stranger := types.NewJID("447700900099", types.DefaultUserServer)
	_, err := a.Send(context.Background(), bot.OutMessage{Chat: group, Text: "thanks @Dora and @Bob",
		Mentions: []bot.Mention{{Addr: bot.Address(stranger.String()), Name: "Dora"}, {Addr: bot.Address(bobPN.String()), Name: "Bob"}}})
	if err != nil {
		t.Fatal(err)
	}
	ext := f.lastSent().msg.GetExtendedTextMessage()
	if ext.GetText() != "thanks @Dora and @22222222222222" || fmt.Sprint(ext.GetContextInfo().GetMentionedJID()) != "[22222222222222@lid]" {
		t.Fatalf("text %q mentioned %v", ext.GetText(), ext.GetContextInfo().GetMentionedJID())
	}
}

func TestSendMentionsUsePhoneNumberInPNGroup(t *testing.T) {
	f := newFakeClient()
	f.groups[groupJID] = pnGroup(true)
	a, _ := newTestAdapter(f)
	_, err := a.Send(context.Background(), bot.OutMessage{Chat: group, Text: "hi @Bob",
		Mentions: []bot.Mention{{Addr: bot.Address(bobLID.String()), Name: "Bob"}}})
	if err != nil {
		t.Fatal(err)
	}
	ext := f.lastSent().msg.GetExtendedTextMessage()
	if ext.GetText() != "hi @447700900002" || fmt.Sprint(ext.GetContextInfo().GetMentionedJID()) != "[447700900002@s.whatsapp.net]" {
		t.Fatalf("text %q mentioned %v", ext.GetText(), ext.GetContextInfo().GetMentionedJID())
	}
}

func TestSendReplyQuotesTheMessage(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	ref := &bot.MessageRef{Chat: group, ID: "3A0001", Sender: bot.Address(aliceLID.String()), Text: "!lend ladder"}
	if _, err := a.Send(context.Background(), bot.OutMessage{Chat: group, Text: "Noted: ladder.", ReplyTo: ref}); err != nil {
		t.Fatal(err)
	}
	ext := f.lastSent().msg.GetExtendedTextMessage()
	ci := ext.GetContextInfo()
	if ext.GetText() != "Noted: ladder." || ci.GetStanzaID() != "3A0001" || ci.GetParticipant() != "11111111111111@lid" ||
		ci.GetQuotedMessage().GetConversation() != "!lend ladder" {
		t.Fatalf("reply = %v", ext)
	}
}

func TestReactPollEdit(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	ctx := context.Background()

	if err := a.React(ctx, bot.MessageRef{Chat: group, ID: "3A0001", Sender: bot.Address(bobLID.String())}, "👍"); err != nil {
		t.Fatal(err)
	}
	r := f.lastSent().msg.GetReactionMessage()
	if r.GetText() != "👍" || r.GetKey().GetID() != "3A0001" || r.GetKey().GetParticipant() != "22222222222222@lid" || r.GetKey().GetFromMe() {
		t.Fatalf("reaction = %v", r)
	}

	id, err := a.SendPoll(ctx, bot.OutPoll{Chat: group, Question: "Power back on your street?", Options: []string{"On", "Off"}})
	if err != nil {
		t.Fatal(err)
	}
	p := f.lastSent().msg.GetPollCreationMessage()
	if id == "" || p.GetName() != "Power back on your street?" || len(p.GetOptions()) != 2 ||
		p.GetOptions()[1].GetOptionName() != "Off" || p.GetSelectableOptionsCount() != 1 {
		t.Fatalf("poll = %v", p)
	}

	if _, err := a.SendPoll(ctx, bot.OutPoll{Chat: group, Question: "Which days?", Options: []string{"Sat", "Sun"}, Multiple: true}); err != nil {
		t.Fatal(err)
	}
	if got := f.lastSent().msg.GetPollCreationMessage().GetSelectableOptionsCount(); got != 0 {
		t.Fatalf("a multiple-answer poll has selectable count %d, want 0 (any)", got)
	}

	if err := a.Edit(ctx, group, id, "Poll closed."); err != nil {
		t.Fatal(err)
	}
	pm := f.lastSent().msg.GetEditedMessage().GetMessage().GetProtocolMessage()
	if pm.GetType() != waE2E.ProtocolMessage_MESSAGE_EDIT || pm.GetKey().GetID() != id || pm.GetEditedMessage().GetConversation() != "Poll closed." {
		t.Fatalf("edit = %v", pm)
	}
}

func TestDeleteRevokesWithOriginalSender(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	err := a.Delete(context.Background(), bot.MessageRef{Chat: group, ID: "3A00SPAM", Sender: bot.Address(bobLID.String())})
	if err != nil {
		t.Fatal(err)
	}
	pm := f.lastSent().msg.GetProtocolMessage()
	if pm.GetType() != waE2E.ProtocolMessage_REVOKE || pm.GetKey().GetID() != "3A00SPAM" ||
		pm.GetKey().GetParticipant() != "22222222222222@lid" || pm.GetKey().GetFromMe() {
		t.Fatalf("revoke = %v", pm)
	}
}

func TestDeleteNeedsAdmin(t *testing.T) {
	f := newFakeClient()
	f.groups[groupJID] = lidGroup(false)
	a, _ := newTestAdapter(f)
	err := a.Delete(context.Background(), bot.MessageRef{Chat: group, ID: "3A00SPAM", Sender: bot.Address(bobLID.String())})
	if !errors.Is(err, bot.ErrNotAdmin) {
		t.Fatalf("err = %v, want ErrNotAdmin", err)
	}
	if f.sentCount() != 0 {
		t.Fatal("sent a revoke the server would refuse")
	}

	// The bot's own message needs no admin rights.
	if err := a.Delete(context.Background(), bot.MessageRef{Chat: group, ID: "3EB00009", Sender: bot.Address(botLID.ToNonAD().String())}); err != nil {
		t.Fatalf("deleting own message: %v", err)
	}
	if f.lastSent().msg.GetProtocolMessage().GetKey().GetFromMe() != true {
		t.Fatal("own revoke not marked from me")
	}
}

// When the cached list says admin but WhatsApp refuses (demoted a moment
// ago), the 403 ack maps to ErrNotAdmin too.
func TestDeleteServerRefusalMapsToNotAdmin(t *testing.T) {
	f := newFakeClient()
	f.sendErr = fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 403)
	a, _ := newTestAdapter(f)
	err := a.Delete(context.Background(), bot.MessageRef{Chat: group, ID: "3A00SPAM", Sender: bot.Address(bobLID.String())})
	if !errors.Is(err, bot.ErrNotAdmin) || !errors.Is(err, whatsmeow.ErrServerReturnedError) {
		t.Fatalf("err = %v, want ErrNotAdmin wrapping the server error", err)
	}
}

func TestRemoveMember(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	// The core knows Bob by phone number; the group addresses him by LID.
	if err := a.RemoveMember(context.Background(), group, bot.Address(bobPN.String())); err != nil {
		t.Fatal(err)
	}
	if len(f.removeCalls) != 1 || fmt.Sprint(f.removeCalls[0]) != "[22222222222222@lid]" {
		t.Fatalf("remove calls = %v", f.removeCalls)
	}
	// Removal invalidates the cache: the next lookup asks again.
	before := f.calls()
	if _, err := a.GroupInfo(context.Background(), group); err != nil {
		t.Fatal(err)
	}
	if f.calls() != before+1 {
		t.Fatal("group info not refetched after a removal")
	}
}

func TestRemoveMemberPerParticipantError(t *testing.T) {
	f := newFakeClient()
	f.removeRes = []types.GroupParticipant{{JID: bobLID, Error: 406}}
	a, _ := newTestAdapter(f)
	err := a.RemoveMember(context.Background(), group, bot.Address(bobLID.String()))
	if err == nil || errors.Is(err, bot.ErrNotAdmin) {
		t.Fatalf("err = %v, want a refusal naming code 406", err)
	}

	f.removeRes = []types.GroupParticipant{{JID: bobLID, Error: 403}}
	if err := a.RemoveMember(context.Background(), group, bot.Address(bobLID.String())); !errors.Is(err, bot.ErrNotAdmin) {
		t.Fatalf("err = %v, want ErrNotAdmin for a per-participant 403", err)
	}

	// 404: the member is not in the group (left meanwhile): done, not
	// an error the send queue would retry.
	f.removeRes = []types.GroupParticipant{{JID: bobLID, Error: 404}}
	if err := a.RemoveMember(context.Background(), group, bot.Address(bobLID.String())); err != nil {
		t.Fatalf("err = %v for a member already gone, want done", err)
	}

	f.removeRes = nil
	f.removeErr = whatsmeow.ErrIQForbidden
	if err := a.RemoveMember(context.Background(), group, bot.Address(bobLID.String())); !errors.Is(err, bot.ErrNotAdmin) {
		t.Fatalf("err = %v, want ErrNotAdmin for a forbidden request", err)
	}
}

func TestRemoveMemberNeedsAdmin(t *testing.T) {
	f := newFakeClient()
	f.groups[groupJID] = pnGroup(false)
	a, _ := newTestAdapter(f)
	if err := a.RemoveMember(context.Background(), group, bot.Address(bobPN.String())); !errors.Is(err, bot.ErrNotAdmin) {
		t.Fatalf("err = %v, want ErrNotAdmin", err)
	}
	if len(f.removeCalls) != 0 {
		t.Fatal("asked WhatsApp to remove without being admin")
	}
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	f := newFakeClient()
	a, _ := newTestAdapter(f)

	f.connected = false
	if _, err := a.Send(ctx, bot.OutMessage{Chat: group, Text: "x"}); !errors.Is(err, bot.ErrNotConnected) {
		t.Errorf("offline send: %v", err)
	}
	f.connected = true

	f.sendErr = &whatsmeow.DisconnectedError{Action: "message send"}
	if _, err := a.Send(ctx, bot.OutMessage{Chat: group, Text: "x"}); !errors.Is(err, bot.ErrNotConnected) {
		t.Errorf("disconnect during send: %v", err)
	}
	f.sendErr = fmt.Errorf("failed to get group members: %w", whatsmeow.ErrNotInGroup)
	if _, err := a.Send(ctx, bot.OutMessage{Chat: group, Text: "x"}); !errors.Is(err, bot.ErrNotInChat) {
		t.Errorf("send after removal: %v", err)
	}
	f.sendErr = nil

	other := bot.ChatID("120363000000000000@g.us")
	if _, err := a.GroupInfo(ctx, other); !errors.Is(err, bot.ErrNotInChat) {
		t.Errorf("group info of a group the bot left: %v", err)
	}
	if _, err := a.Send(ctx, bot.OutMessage{Chat: "Alice", Text: "x"}); err == nil {
		t.Error("a console-style chat id was accepted")
	}
	if _, err := a.Download(ctx, &bot.Media{Kind: bot.MediaImage, Handle: "not a proto"}); err == nil {
		t.Error("download of a media without handle succeeded")
	}
}

func TestGroupInfoCache(t *testing.T) {
	ctx := context.Background()
	f := newFakeClient()
	a, clock := newTestAdapter(f)

	gi, err := a.GroupInfo(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if gi.Name != "Elm Street" || !gi.BotIsAdmin || len(gi.Participants) != 4 {
		t.Fatalf("group info = %+v", gi)
	}
	alice, ok := gi.Find("447700900001@s.whatsapp.net")
	if !ok || !alice.IsAdmin || fmt.Sprint(alice.Addrs) != "[11111111111111@lid 447700900001@s.whatsapp.net]" {
		t.Fatalf("alice = %+v, %v", alice, ok)
	}
	if bob, _ := gi.Find("22222222222222@lid"); bob.IsAdmin {
		t.Fatal("bob is not admin")
	}
	bots := 0
	for _, p := range gi.Participants {
		if p.IsBot {
			bots++
		}
	}
	if bots != 1 || alice.IsBot {
		t.Fatalf("%d participants marked as the bot, want exactly its own", bots)
	}

	for range 10 {
		if _, err := a.GroupInfo(ctx, group); err != nil {
			t.Fatal(err)
		}
	}
	if f.calls() != 1 {
		t.Fatalf("%d server calls for 11 lookups, want 1", f.calls())
	}

	// Membership events invalidate; the next lookup refetches once.
	a.HandleEvent(&events.GroupInfo{JID: groupJID, Demote: []types.JID{aliceLID}})
	a.GroupInfo(ctx, group)
	a.GroupInfo(ctx, group)
	if f.calls() != 2 {
		t.Fatalf("%d calls after a demote event, want 2", f.calls())
	}
	a.HandleEvent(&events.JoinedGroup{GroupInfo: types.GroupInfo{JID: groupJID}})
	a.GroupInfo(ctx, group)
	if f.calls() != 3 {
		t.Fatalf("%d calls after joining, want 3", f.calls())
	}

	// Age bounds the cache even without events.
	clock.Advance(59 * time.Minute)
	a.GroupInfo(ctx, group)
	if f.calls() != 3 {
		t.Fatal("refetched before max age")
	}
	clock.Advance(2 * time.Minute)
	a.GroupInfo(ctx, group)
	if f.calls() != 4 {
		t.Fatalf("%d calls after max age, want 4", f.calls())
	}
}

// The bot is recognised as admin by its phone number in PN groups too.
func TestBotIsAdminMatchesEitherOwnAddress(t *testing.T) {
	f := newFakeClient()
	f.groups[groupJID] = pnGroup(true)
	a, _ := newTestAdapter(f)
	gi, err := a.GroupInfo(context.Background(), group)
	if err != nil || !gi.BotIsAdmin {
		t.Fatalf("BotIsAdmin = %v, %v", gi.BotIsAdmin, err)
	}
	f.groups[groupJID] = pnGroup(false)
	a.InvalidateGroup(groupJID)
	if gi, _ := a.GroupInfo(context.Background(), group); gi.BotIsAdmin {
		t.Fatal("BotIsAdmin true for a non-admin bot")
	}
}

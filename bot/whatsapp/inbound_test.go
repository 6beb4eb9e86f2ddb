package whatsapp

import (
	"context"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
)

func mustTranslate(t *testing.T, a *Adapter, evt *events.Message) *bot.Message {
	t.Helper()
	m, reason := a.Translate(context.Background(), evt)
	if m == nil {
		t.Fatalf("message ignored (%s), want it translated", reason)
	}
	return m
}

func mustIgnore(t *testing.T, a *Adapter, evt *events.Message, wantReason string) {
	t.Helper()
	m, reason := a.Translate(context.Background(), evt)
	if m != nil {
		t.Fatalf("message translated to %+v, want it ignored (%s)", m, wantReason)
	}
	if !strings.HasPrefix(reason, wantReason) {
		t.Fatalf("ignored for %q, want %q", reason, wantReason)
	}
}

func TestTranslatePlainTextInPNGroup(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	evt := groupEvent("3A0001", alicePN, aliceLID, types.AddressingModePN, t0.Add(5*time.Second),
		&waE2E.Message{Conversation: proto.String("!lend ladder")})
	got := mustTranslate(t, a, evt)
	want := &bot.Message{
		ID:     "3A0001",
		Chat:   bot.Chat{ID: "120363025246125486@g.us", IsGroup: true},
		Sender: bot.Sender{Addr: "447700900001@s.whatsapp.net", Alt: "11111111111111@lid", Name: "Alice Smith"},
		Time:   t0.Add(5 * time.Second),
		Text:   "!lend ladder",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestTranslateExtendedTextWithQuoteAndMentions(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	msg := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
		Text: proto.String("!report spam @22222222222222 @33333333333333"),
		ContextInfo: &waE2E.ContextInfo{
			StanzaID:      proto.String("3A00BOB"),
			Participant:   proto.String(bobLID.String()),
			QuotedMessage: &waE2E.Message{Conversation: proto.String("cheap watches here")},
			MentionedJID:  []string{bobLID.String(), carolLID.String()},
		},
	}}
	got := mustTranslate(t, a, groupEvent("3A0002", aliceLID, alicePN, types.AddressingModeLID, t0, msg))
	if got.Text != "!report spam @22222222222222 @33333333333333" {
		t.Errorf("text = %q", got.Text)
	}
	wantQuote := &bot.Quote{
		ID:     "3A00BOB",
		Sender: bot.Sender{Addr: "22222222222222@lid", Alt: "447700900002@s.whatsapp.net"},
		Text:   "cheap watches here",
	}
	if !reflect.DeepEqual(got.Quote, wantQuote) {
		t.Errorf("quote = %+v, want %+v", got.Quote, wantQuote)
	}
	wantMentions := []bot.Sender{
		{Addr: "22222222222222@lid", Alt: "447700900002@s.whatsapp.net"},
		{Addr: "33333333333333@lid"}, // no phone number known: LID alone
	}
	if !reflect.DeepEqual(got.Mentions, wantMentions) {
		t.Errorf("mentions = %+v, want %+v", got.Mentions, wantMentions)
	}
}

func TestTranslateCaptionedImageAndQuotedMedia(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	img := &waE2E.ImageMessage{
		Caption:    proto.String("!pothole Elm St outside 12"),
		Mimetype:   proto.String("image/jpeg"),
		FileLength: proto.Uint64(245_000),
		DirectPath: proto.String("/v/t62.7118-24/abc"),
		MediaKey:   []byte{1, 2, 3},
		ContextInfo: &waE2E.ContextInfo{
			StanzaID:    proto.String("3A00PIN"),
			Participant: proto.String(bobLID.String()),
			QuotedMessage: &waE2E.Message{LocationMessage: &waE2E.LocationMessage{
				DegreesLatitude: proto.Float64(52.7069), DegreesLongitude: proto.Float64(-2.754),
			}},
		},
	}
	got := mustTranslate(t, a, groupEvent("3A0003", aliceLID, alicePN, types.AddressingModeLID, t0, &waE2E.Message{ImageMessage: img}))
	if got.Text != "!pothole Elm St outside 12" {
		t.Errorf("text = %q, want the caption", got.Text)
	}
	if got.Media == nil || got.Media.Kind != bot.MediaImage || got.Media.MimeType != "image/jpeg" || got.Media.Size != 245_000 {
		t.Fatalf("media = %+v", got.Media)
	}
	if got.Media.Handle != img {
		t.Error("media handle is not the image message")
	}
	if got.Quote == nil || got.Quote.Location == nil || got.Quote.Location.Lat != 52.7069 || got.Quote.Location.Long != -2.754 {
		t.Errorf("quote = %+v, want the quoted pin", got.Quote)
	}

	data, err := a.Download(context.Background(), got.Media)
	if err != nil || string(data) != "jpeg bytes for /v/t62.7118-24/abc" {
		t.Fatalf("download = %q, %v", data, err)
	}
}

func TestTranslateVideoCaptionAndDocument(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	got := mustTranslate(t, a, groupEvent("3A0004", aliceLID, alicePN, types.AddressingModeLID, t0,
		&waE2E.Message{VideoMessage: &waE2E.VideoMessage{Caption: proto.String("flooding"), Mimetype: proto.String("video/mp4")}}))
	if got.Text != "flooding" || got.Media.Kind != bot.MediaVideo {
		t.Errorf("video: text %q media %+v", got.Text, got.Media)
	}
	got = mustTranslate(t, a, groupEvent("3A0005", aliceLID, alicePN, types.AddressingModeLID, t0,
		&waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{FileName: proto.String("minutes.pdf"), Mimetype: proto.String("application/pdf")}}))
	if got.Media.Kind != bot.MediaDocument || got.Media.FileName != "minutes.pdf" {
		t.Errorf("document media = %+v", got.Media)
	}
}

func TestTranslateLocation(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	got := mustTranslate(t, a, groupEvent("3A0006", aliceLID, alicePN, types.AddressingModeLID, t0,
		&waE2E.Message{LocationMessage: &waE2E.LocationMessage{
			DegreesLatitude: proto.Float64(52.7069), DegreesLongitude: proto.Float64(-2.754), Name: proto.String("Elm Street"),
		}}))
	want := &bot.Location{Lat: 52.7069, Long: -2.754, Name: "Elm Street"}
	if !reflect.DeepEqual(got.Location, want) {
		t.Fatalf("location = %+v, want %+v", got.Location, want)
	}
}

func TestTranslatePollVote(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	off := sha256.Sum256([]byte("Off"))
	f.votes["3A0007"] = &waE2E.PollVoteMessage{SelectedOptions: [][]byte{off[:]}}
	evt := groupEvent("3A0007", bobLID, bobPN, types.AddressingModeLID, t0, &waE2E.Message{PollUpdateMessage: &waE2E.PollUpdateMessage{
		PollCreationMessageKey: &waCommon.MessageKey{ID: proto.String("3EB0POLL"), RemoteJID: proto.String(groupJID.String()), FromMe: proto.Bool(true)},
		Vote:                   &waE2E.PollEncValue{EncPayload: []byte{9}, EncIV: []byte{8}},
	}})
	got := mustTranslate(t, a, evt)
	want := &bot.PollVote{PollID: "3EB0POLL", OptionHashes: [][]byte{off[:]}}
	if !reflect.DeepEqual(got.PollVote, want) {
		t.Fatalf("poll vote = %+v, want %+v", got.PollVote, want)
	}

	// A vote that cannot be decrypted (e.g. on a poll sent before a relink)
	// is ignored, with the reason.
	evt.Info.ID = "3A0008"
	mustIgnore(t, a, evt, ReasonPollVote)
}

func TestTranslateReaction(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	got := mustTranslate(t, a, groupEvent("3A0009", bobLID, bobPN, types.AddressingModeLID, t0,
		&waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
			Key: &waCommon.MessageKey{ID: proto.String("3EB00001")}, Text: proto.String("👍"),
		}}))
	if got.Reaction == nil || got.Reaction.TargetID != "3EB00001" || got.Reaction.Emoji != "👍" {
		t.Fatalf("reaction = %+v", got.Reaction)
	}
}

func TestTranslateIgnoresProtocolMessages(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	revoke := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_REVOKE.Enum(),
		Key:  &waCommon.MessageKey{ID: proto.String("3A0001")},
	}}
	mustIgnore(t, a, groupEvent("3A0010", aliceLID, alicePN, types.AddressingModeLID, t0, revoke), ReasonProtocol)

	// An edit arrives unwrapped as a MESSAGE_EDIT protocol message. It is
	// translated as an edit of the original (the engine inspects it and
	// never runs it: TestEngineEditsAreModeratedNotRun).
	edit := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type:          waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(),
		Key:           &waCommon.MessageKey{ID: proto.String("3A0001")},
		EditedMessage: &waE2E.Message{Conversation: proto.String("!lend drill")},
	}}
	evt := groupEvent("3A0011", aliceLID, alicePN, types.AddressingModeLID, t0, edit)
	evt.IsEdit = true
	if got := mustTranslate(t, a, evt); got.EditOf != "3A0001" || got.Text != "!lend drill" {
		t.Fatalf("edit = %+v", got)
	}
}

// The trap: a nil ProtocolMessage reports type REVOKE. An ordinary message
// must not be mistaken for a revoke.
func TestTranslateNilProtocolMessageIsNotRevoke(t *testing.T) {
	msg := &waE2E.Message{Conversation: proto.String("!help")}
	if msg.GetProtocolMessage().GetType() != waE2E.ProtocolMessage_REVOKE {
		t.Fatal("premise changed: nil ProtocolMessage no longer reports REVOKE")
	}
	a, _ := newTestAdapter(newFakeClient())
	got := mustTranslate(t, a, groupEvent("3A0012", aliceLID, alicePN, types.AddressingModeLID, t0, msg))
	if got.Text != "!help" {
		t.Fatalf("text = %q", got.Text)
	}
}

func TestTranslateIgnoresOwnHistoryBroadcastAndEmpty(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	text := &waE2E.Message{Conversation: proto.String("!bot on")}

	own := groupEvent("3A0013", botLID.ToNonAD(), botPN.ToNonAD(), types.AddressingModeLID, t0, text)
	own.Info.IsFromMe = true
	mustIgnore(t, a, own, ReasonOwn)

	hist := groupEvent("3A0014", aliceLID, alicePN, types.AddressingModeLID, t0, text)
	hist.SourceWebMsg = &waWeb.WebMessageInfo{}
	mustIgnore(t, a, hist, ReasonHistory)

	status := groupEvent("3A0015", alicePN, types.EmptyJID, types.AddressingModePN, t0, text)
	status.Info.Chat = types.StatusBroadcastJID
	mustIgnore(t, a, status, ReasonBroadcast)

	mustIgnore(t, a, groupEvent("3A0016", aliceLID, alicePN, types.AddressingModeLID, t0, nil), ReasonEmpty)

	contact := &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Plumber")}}
	mustIgnore(t, a, groupEvent("3A0017", aliceLID, alicePN, types.AddressingModeLID, t0, contact), ReasonUnsupported)
}

func TestTranslateIgnoresOfflineBacklog(t *testing.T) {
	a, clock := newTestAdapter(newFakeClient())
	text := &waE2E.Message{Conversation: proto.String("!lend ladder")}
	// Online at t0, acting on 10 minutes of backlog: a message from an hour
	// ago is skipped...
	mustIgnore(t, a, groupEvent("3A0018", aliceLID, alicePN, types.AddressingModeLID, t0.Add(-time.Hour), text), ReasonBacklog)
	// ...one from 10s before coming online is in flight, not backlog.
	mustTranslate(t, a, groupEvent("3A0019", aliceLID, alicePN, types.AddressingModeLID, t0.Add(-10*time.Second), text))

	// A reconnect moves the line: what was sent during the outage is
	// backlog too.
	clock.Set(t0.Add(2 * time.Hour))
	a.HandleEvent(&events.Connected{})
	if !a.OnlineAt().Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("online at %v after Connected", a.OnlineAt())
	}
	mustIgnore(t, a, groupEvent("3A0020", aliceLID, alicePN, types.AddressingModeLID, t0.Add(time.Hour), text), ReasonBacklog)

	// Between a drop and the next Connected, "now" is the line: queued
	// messages may overtake whatsmeow's Connected event.
	a.HandleEvent(&events.Disconnected{})
	clock.Set(t0.Add(5 * time.Hour))
	mustIgnore(t, a, groupEvent("3A0021", aliceLID, alicePN, types.AddressingModeLID, t0.Add(3*time.Hour), text), ReasonBacklog)
	mustTranslate(t, a, groupEvent("3A0022", aliceLID, alicePN, types.AddressingModeLID, t0.Add(5*time.Hour-time.Second), text))
}

func TestTranslateLIDSenderIdentity(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	text := &waE2E.Message{Conversation: proto.String("hi")}

	// SenderAlt given: used as is, device parts stripped.
	withAlt := groupEvent("3A0021", types.JID{User: aliceLID.User, Server: types.HiddenUserServer, Device: 3}, alicePN, types.AddressingModeLID, t0, text)
	got := mustTranslate(t, a, withAlt)
	if got.Sender.Addr != "11111111111111@lid" || got.Sender.Alt != "447700900001@s.whatsapp.net" {
		t.Errorf("with SenderAlt: sender = %+v", got.Sender)
	}

	// SenderAlt missing (WhatsApp does not always send it): the LID store
	// supplies the phone number, so it is still one person.
	got = mustTranslate(t, a, groupEvent("3A0022", bobLID, types.EmptyJID, types.AddressingModeLID, t0, text))
	if got.Sender.Addr != "22222222222222@lid" || got.Sender.Alt != "447700900002@s.whatsapp.net" {
		t.Errorf("without SenderAlt: sender = %+v", got.Sender)
	}

	// Nothing known: the LID alone.
	got = mustTranslate(t, a, groupEvent("3A0023", carolLID, types.EmptyJID, types.AddressingModeLID, t0, text))
	if got.Sender.Addr != "33333333333333@lid" || got.Sender.Alt != "" {
		t.Errorf("unknown LID: sender = %+v", got.Sender)
	}

	// PN-mode group without SenderAlt: the store gives the LID.
	got = mustTranslate(t, a, groupEvent("3A0024", bobPN, types.EmptyJID, types.AddressingModePN, t0, text))
	if got.Sender.Addr != "447700900002@s.whatsapp.net" || got.Sender.Alt != "22222222222222@lid" {
		t.Errorf("PN group: sender = %+v", got.Sender)
	}
}

func TestTranslateDirectMessage(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	evt := &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: bobLID, Sender: bobLID, SenderAlt: bobPN},
			ID:            "3A0025", PushName: "Bob", Timestamp: t0,
		},
		Message: &waE2E.Message{Conversation: proto.String("!mydata")},
	}
	got := mustTranslate(t, a, evt)
	if got.Chat != (bot.Chat{ID: "22222222222222@lid"}) || got.Sender.Name != "Bob" {
		t.Fatalf("dm: chat %+v sender %+v", got.Chat, got.Sender)
	}
}

func TestTranslateUsesCachedGroupNameOnly(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	text := &waE2E.Message{Conversation: proto.String("hi")}
	got := mustTranslate(t, a, groupEvent("3A0026", aliceLID, alicePN, types.AddressingModeLID, t0, text))
	if got.Chat.Name != "" || f.calls() != 0 {
		t.Fatalf("translator fetched group info (name %q, %d calls)", got.Chat.Name, f.calls())
	}
	if _, err := a.GroupInfo(context.Background(), bot.ChatID(groupJID.String())); err != nil {
		t.Fatal(err)
	}
	got = mustTranslate(t, a, groupEvent("3A0027", aliceLID, alicePN, types.AddressingModeLID, t0, text))
	if got.Chat.Name != "Elm Street" {
		t.Fatalf("name = %q after the cache was filled", got.Chat.Name)
	}
}

func TestTranslateGroupInfoEvents(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	evt := &events.GroupInfo{
		JID:       groupJID,
		Sender:    &aliceLID,
		SenderPN:  &alicePN,
		Timestamp: t0,
		Join:      []types.JID{bobLID},
		Leave:     []types.JID{carolLID},
		Promote:   []types.JID{bobLID},
	}
	got := a.TranslateGroupInfo(context.Background(), evt)
	if len(got) != 3 {
		t.Fatalf("got %d changes, want join, leave, promote", len(got))
	}
	by := &bot.Sender{Addr: "11111111111111@lid", Alt: "447700900001@s.whatsapp.net"}
	chat := bot.Chat{ID: "120363025246125486@g.us", IsGroup: true}
	want := []bot.GroupChange{
		{Chat: chat, Kind: bot.MemberJoined, Members: []bot.Sender{{Addr: "22222222222222@lid", Alt: "447700900002@s.whatsapp.net"}}, By: by, Time: t0},
		{Chat: chat, Kind: bot.MemberLeft, Members: []bot.Sender{{Addr: "33333333333333@lid"}}, By: by, Time: t0},
		{Chat: chat, Kind: bot.MemberPromoted, Members: []bot.Sender{{Addr: "22222222222222@lid", Alt: "447700900002@s.whatsapp.net"}}, By: by, Time: t0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	botPromoted := &events.GroupInfo{JID: groupJID, Promote: []types.JID{botLID}, Leave: []types.JID{botPN.ToNonAD(), bobLID}}
	// The bot's promotion is nobody's; its removal is a change of its own.
	if n := a.TranslateGroupInfo(context.Background(), botPromoted); len(n) != 2 || n[0].Kind != bot.BotRemoved || len(n[0].Members) != 0 ||
		n[1].Kind != bot.MemberLeft || len(n[1].Members) != 1 {
		t.Fatalf("the bot's own changes leaked into membership events: %+v", n)
	}
	if n := a.TranslateGroupInfo(context.Background(), &events.GroupInfo{JID: groupJID, Name: &types.GroupName{Name: "Elm St"}}); len(n) != 0 {
		t.Fatalf("a rename produced membership changes: %+v", n)
	}
}

func TestHandleEventQueuesWithoutHandling(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	sink := &recordingSink{}
	a.Attach(context.Background(), sink)

	a.HandleEvent(groupEvent("3A0030", aliceLID, alicePN, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("!help")}))
	own := groupEvent("3A0031", botLID, botPN, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("x")})
	own.Info.IsFromMe = true
	a.HandleEvent(own)
	a.HandleEvent(&events.GroupInfo{JID: groupJID, Join: []types.JID{carolLID}, Timestamp: t0})
	if len(sink.messages) != 1 || sink.messages[0].ID != "3A0030" {
		t.Fatalf("queued messages = %+v, want only 3A0030", sink.messages)
	}
	if len(sink.changes) != 1 || sink.changes[0].Kind != bot.MemberJoined {
		t.Fatalf("queued changes = %+v", sink.changes)
	}
	if f.sentCount() != 0 {
		t.Fatal("the event handler sent something itself")
	}

	a.Stop()
	a.HandleEvent(groupEvent("3A0032", aliceLID, alicePN, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("!help")}))
	if len(sink.messages) != 1 {
		t.Fatal("a stopped adapter still queued a message")
	}
}

// BenchmarkTranslate measures the per-message cost inside whatsmeow's event
// loop: a reply with two mentions, each needing a LID-store lookup.
func BenchmarkTranslate(b *testing.B) {
	a, _ := newTestAdapter(newFakeClient())
	evt := groupEvent("3A0900", aliceLID, types.EmptyJID, types.AddressingModeLID, t0, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
		Text: proto.String("!lend ladder @22222222222222 @33333333333333"),
		ContextInfo: &waE2E.ContextInfo{
			StanzaID:      proto.String("3A00BOB"),
			Participant:   proto.String(bobLID.String()),
			QuotedMessage: &waE2E.Message{Conversation: proto.String("anyone got a ladder?")},
			MentionedJID:  []string{bobLID.String(), carolLID.String()},
		},
	}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if m, reason := a.Translate(ctx, evt); m == nil {
			b.Fatal(reason)
		}
	}
}

// A LID-only first message (no SenderAlt, the pair not in the LID store
// yet) finds the sender's phone number in the group's participant list,
// fetched once and cached, so an owner configured by number is known.
func TestLIDOnlyFirstMessageFindsTheNumberInGroupInfo(t *testing.T) {
	daveLID := types.NewJID("44444444444444", types.HiddenUserServer)
	davePN := types.NewJID("447700900004", types.DefaultUserServer)
	f := newFakeClient()
	g := lidGroup(true)
	g.Participants = append(g.Participants, types.GroupParticipant{JID: daveLID, LID: daveLID, PhoneNumber: davePN})
	f.groups[groupJID] = g
	a, _ := newTestAdapter(f)
	evt := groupEvent("3A0D01", daveLID, types.EmptyJID, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("!bot on")})
	got := mustTranslate(t, a, evt)
	if got.Sender.Addr != bot.Address(daveLID.String()) || got.Sender.Alt != bot.Address(davePN.String()) {
		t.Fatalf("sender = %+v, want the LID with the number from the group", got.Sender)
	}
	mustTranslate(t, a, groupEvent("3A0D02", daveLID, types.EmptyJID, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("hi")}))
	if f.calls() != 1 {
		t.Fatalf("%d group info fetches, want 1 (cached)", f.calls())
	}
	// Someone the group lists by LID alone stays LID-only, without a
	// fetch per message.
	carol := mustTranslate(t, a, groupEvent("3A0D03", carolLID, types.EmptyJID, types.AddressingModeLID, t0, &waE2E.Message{Conversation: proto.String("hi")}))
	if carol.Sender.Alt != "" || f.calls() != 1 {
		t.Fatalf("carol = %+v after %d fetches", carol.Sender, f.calls())
	}
}

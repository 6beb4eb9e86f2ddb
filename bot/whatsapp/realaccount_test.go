package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
)

func textEvent(id string, ts time.Time, text string) *events.Message {
	return groupEvent(id, aliceLID, alicePN, types.AddressingModeLID, ts, &waE2E.Message{Conversation: proto.String(text)})
}

// The handler's success status decides whether whatsmeow sends the receipt
// (message.go: a false handler return skips it, so WhatsApp redelivers).
func TestHandleEventSuccessStatus(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	if a.HandleEvent(textEvent("3A0100", t0, "!help")) {
		t.Fatal("acknowledged a message before any sink was attached")
	}
	sink := &recordingSink{}
	a.Attach(context.Background(), sink)
	if !a.HandleEvent(textEvent("3A0101", t0, "!help")) {
		t.Fatal("a committed message was not acknowledged")
	}
	own := textEvent("3A0102", t0, "!help")
	own.Info.IsFromMe = true
	if !a.HandleEvent(own) {
		t.Fatal("an ignored message (own echo) must be acknowledged, or WhatsApp redelivers it forever")
	}

	sink.err = errors.New("commit: disk I/O error")
	if a.HandleEvent(textEvent("3A0103", t0, "!help")) {
		t.Fatal("a message whose transaction failed was acknowledged")
	}
	if a.HandleEvent(&events.GroupInfo{JID: groupJID, Join: []types.JID{carolLID}, Timestamp: t0}) {
		t.Fatal("a join whose transaction failed was acknowledged")
	}
	sink.err = nil
	// The redelivery (same id) succeeds: the engine dedupes, nil again.
	if !a.HandleEvent(textEvent("3A0103", t0, "!help")) {
		t.Fatal("the redelivered message was not acknowledged")
	}
	if n := len(sink.messages); n != 3 {
		t.Fatalf("sink saw %d messages, want 3", n)
	}
	a.Stop()
	if a.HandleEvent(textEvent("3A0104", t0, "!help")) {
		t.Fatal("a stopping adapter acknowledged a message it did not hand on")
	}
	if !a.HandleEvent(&events.Connected{}) {
		t.Fatal("connection events must never withhold anything")
	}
}

func TestSessionAcknowledgesAfterCommit(t *testing.T) {
	s := openTestSession(t, nil)
	if !s.cli.SynchronousAck || !s.cli.EnableDecryptedEventBuffer || !s.cli.SendReportingTokens || !s.cli.AutomaticMessageRerequestFromPhone {
		t.Fatalf("client flags: SynchronousAck=%v EnableDecryptedEventBuffer=%v SendReportingTokens=%v AutomaticMessageRerequestFromPhone=%v",
			s.cli.SynchronousAck, s.cli.EnableDecryptedEventBuffer, s.cli.SendReportingTokens, s.cli.AutomaticMessageRerequestFromPhone)
	}
}

func TestLifecycleConnectFailureEndsTheSession(t *testing.T) {
	for _, tc := range []struct {
		name string
		evt  any
		says string
	}{
		{"bad user agent", &events.ConnectFailure{Reason: events.ConnectFailureBadUserAgent, Message: "bad ua"}, "code 409: bad ua"},
		{"unknown reason", &events.ConnectFailure{Reason: events.ConnectFailureGeneric}, "code 400"},
		{"token refresh", &events.CATRefreshError{Error: errors.New("http 500")}, "connection token failed: http 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestSession(t, nil)
			s.handleLifecycle(tc.evt)
			<-s.Ended()
			var cf *ConnectFailureError
			if !errors.Is(s.Err(), ErrConnectRefused) || !errors.As(s.Err(), &cf) || !strings.Contains(s.Err().Error(), tc.says) {
				t.Fatalf("err = %v, want ErrConnectRefused saying %q", s.Err(), tc.says)
			}
		})
	}
}

func TestLifecycleLoggedOutSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		reason events.ConnectFailureReason
		banned bool
		says   string
	}{
		{events.ConnectFailureLoggedOut, false, "unlinked"},
		{events.ConnectFailureMainDeviceGone, false, "phone itself was logged out"},
		{events.ConnectFailureUnknownLogout, true, "bans"},
	} {
		s := openTestSession(t, nil)
		s.handleLifecycle(&events.LoggedOut{OnConnect: true, Reason: tc.reason})
		var lo *LoggedOutError
		if !errors.Is(s.Err(), ErrLoggedOut) || !errors.As(s.Err(), &lo) {
			t.Fatalf("%d: err = %v", tc.reason, s.Err())
		}
		if lo.Banned() != tc.banned || !strings.Contains(lo.Error(), tc.says) {
			t.Errorf("%d: banned=%v message %q; want banned=%v saying %q", tc.reason, lo.Banned(), lo.Error(), tc.banned, tc.says)
		}
	}
}

// presence.go: "call this at least once after connecting so that the
// server has your pushname. Otherwise, other users will see "-"".
func TestPresenceSentOnConnectAndPushName(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	a.HandleEvent(&events.Connected{})
	a.HandleEvent(&events.PushNameSetting{})
	if len(f.presences) != 2 || f.presences[0] != types.PresenceUnavailable || f.presences[1] != types.PresenceUnavailable {
		t.Fatalf("presences = %v, want unavailable twice", f.presences)
	}
}

// keepalive.go: after failed pings whatsmeow calls Disconnect() and
// reconnects without a Disconnected event.
func TestKeepAliveTimeoutCountsAsOffline(t *testing.T) {
	a, clock := newTestAdapter(newFakeClient())
	a.HandleEvent(&events.Connected{}) // online at t0
	clock.Set(t0.Add(2 * time.Hour))
	// Still "online since t0": a message held an hour somewhere is late
	// but from after the connect, so it is handled.
	mustTranslate(t, a, textEvent("3A0110", t0.Add(time.Hour), "!lend ladder"))

	a.HandleEvent(&events.KeepAliveTimeout{ErrorCount: 1, LastSuccess: t0.Add(2 * time.Hour)})
	// The connection may be dead: the hour-old command is backlog now.
	mustIgnore(t, a, textEvent("3A0111", t0.Add(time.Hour), "!lend ladder"), ReasonBacklog)

	// whatsmeow reconnects on its own; the cut-off follows the new connect.
	clock.Set(t0.Add(3 * time.Hour))
	a.HandleEvent(&events.Connected{})
	mustTranslate(t, a, textEvent("3A0112", t0.Add(3*time.Hour-5*time.Minute), "!lend ladder"))
	mustIgnore(t, a, textEvent("3A0113", t0.Add(2*time.Hour), "!lend ladder"), ReasonBacklog)
}

// notices records SkippedCommands calls; failures, when set, fail them.
type notices struct {
	mu       sync.Mutex
	calls    []string
	failures int
}

func (n *notices) IsCommand(text string) bool { return strings.HasPrefix(strings.TrimSpace(text), "!") }

func (n *notices) SkippedCommands(ctx context.Context, chat bot.Chat, offline, cutoff, online time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failures > 0 {
		n.failures--
		return errors.New("database is locked")
	}
	n.calls = append(n.calls, fmt.Sprintf("%s offline=%s cutoff=%s online=%s", chat.ID,
		offline.Format("15:04"), cutoff.Format("15:04"), online.Format("15:04")))
	return nil
}

func TestBacklogInsideActIsLiveOutsideGetsOneNotice(t *testing.T) {
	f := newFakeClient()
	n := &notices{}
	clock := bot.NewManualClock(t0)
	a := New(f, Options{BacklogAct: 10 * time.Minute, Backlog: n, Clock: clock})
	sink := &recordingSink{}
	a.Attach(context.Background(), sink)
	a.HandleEvent(&events.Connected{}) // 09:00
	clock.Set(t0.Add(time.Hour))
	a.HandleEvent(&events.Disconnected{}) // 10:00
	clock.Set(t0.Add(2 * time.Hour))
	a.HandleEvent(&events.Connected{}) // 11:00

	// Nine minutes old: acted on as if live.
	if !a.HandleEvent(textEvent("3A0120", t0.Add(2*time.Hour-9*time.Minute), "!lend ladder")) || len(sink.messages) != 1 {
		t.Fatalf("a command inside backlog_act was not handled: %d delivered", len(sink.messages))
	}
	// Older: skipped. The first old command gets the notice; chatter and
	// further commands in the same chat do not.
	n.failures = 1
	if a.HandleEvent(textEvent("3A0121", t0.Add(70*time.Minute), "!borrow drill")) {
		t.Fatal("acknowledged although the notice could not be queued")
	}
	for i, text := range []string{"!borrow drill", "anyone up?", "!power", "!help"} {
		if !a.HandleEvent(textEvent(fmt.Sprintf("3A012%d", 2+i), t0.Add(70*time.Minute), text)) {
			t.Fatalf("%q from the backlog not acknowledged", text)
		}
	}
	dm := &events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: bobPN, Sender: bobPN},
		ID:            "3A0130", Timestamp: t0.Add(65 * time.Minute),
	}, Message: &waE2E.Message{Conversation: proto.String("!mydata")}}
	a.HandleEvent(dm)
	a.HandleEvent(dm) // redelivered: still one notice
	want := []string{
		groupJID.String() + " offline=10:00 cutoff=10:50 online=11:00",
		bobPN.String() + " offline=10:00 cutoff=10:50 online=11:00",
	}
	if fmt.Sprint(n.calls) != fmt.Sprint(want) {
		t.Fatalf("notices = %q\nwant      %q", n.calls, want)
	}
	if len(sink.messages) != 1 {
		t.Fatalf("%d messages reached the engine, want only the live one", len(sink.messages))
	}

	// The next outage may notify the same chat again, once.
	clock.Set(t0.Add(3 * time.Hour))
	a.HandleEvent(&events.KeepAliveTimeout{ErrorCount: 1})
	clock.Set(t0.Add(4 * time.Hour))
	a.HandleEvent(&events.Connected{})
	a.HandleEvent(textEvent("3A0140", t0.Add(3*time.Hour+5*time.Minute), "!lend ladder"))
	a.HandleEvent(textEvent("3A0141", t0.Add(3*time.Hour+6*time.Minute), "!lend ladder"))
	if len(n.calls) != 3 || n.calls[2] != groupJID.String()+" offline=12:00 cutoff=12:50 online=13:00" {
		t.Fatalf("notices after the second outage = %q", n.calls)
	}
}

func TestBacklogGroupChangesAreNotReplayed(t *testing.T) {
	a, clock := newTestAdapter(newFakeClient())
	sink := &recordingSink{}
	a.Attach(context.Background(), sink)
	clock.Set(t0.Add(time.Hour))
	a.HandleEvent(&events.Connected{})
	if !a.HandleEvent(&events.GroupInfo{JID: groupJID, Join: []types.JID{carolLID}, Timestamp: t0.Add(10 * time.Minute)}) {
		t.Fatal("an old join must be acknowledged, not redelivered")
	}
	a.HandleEvent(&events.GroupInfo{JID: groupJID, Join: []types.JID{bobLID}, Timestamp: t0.Add(55 * time.Minute)})
	if len(sink.changes) != 1 || sink.changes[0].Members[0].Addr != bot.Address(bobLID.String()) {
		t.Fatalf("changes = %+v, want only Bob's recent join", sink.changes)
	}
}

// types/events/events.go UnwrapRaw: an edit arrives as
// ProtocolMessage{MESSAGE_EDIT, Key: original, EditedMessage} with IsEdit.
func editEvent(id, original string, ts time.Time, content *waE2E.Message) *events.Message {
	raw := &waE2E.Message{EditedMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type:          waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(),
		Key:           &waCommon.MessageKey{RemoteJID: proto.String(groupJID.String()), FromMe: proto.Bool(false), ID: proto.String(original)},
		EditedMessage: content,
	}}}}
	evt := groupEvent(id, aliceLID, alicePN, types.AddressingModeLID, ts, raw)
	return evt.UnwrapRaw()
}

func TestTranslateEdit(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	evt := editEvent("3A0151", "3A0150", t0, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
		Text:        proto.String("now with @22222222222222"),
		ContextInfo: &waE2E.ContextInfo{MentionedJID: []string{bobLID.String()}},
	}})
	if !evt.IsEdit {
		t.Fatal("premise: UnwrapRaw marks the edit")
	}
	got := mustTranslate(t, a, evt)
	if got.ID != "3A0151" || got.EditOf != "3A0150" || got.Text != "now with @22222222222222" || len(got.Mentions) != 1 {
		t.Fatalf("edit = %+v", got)
	}
	if ref := got.Ref(); ref.ID != "3A0150" {
		t.Fatalf("an edit's ref points at %q, want the original message", ref.ID)
	}
	// An edit without content or target is still just a protocol message.
	bare := groupEvent("3A0152", aliceLID, alicePN, types.AddressingModeLID, t0, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), EditedMessage: &waE2E.Message{Conversation: proto.String("x")},
	}})
	mustIgnore(t, a, bare, ReasonProtocol)
}

func TestPushNameDashIsNoName(t *testing.T) {
	a, _ := newTestAdapter(newFakeClient())
	evt := textEvent("3A0160", t0, "!help")
	evt.Info.PushName = "-"
	if got := mustTranslate(t, a, evt); got.Sender.Name != "" {
		t.Fatalf("name = %q, want none", got.Sender.Name)
	}
}

func TestExpirationFollowsTheGroupTimer(t *testing.T) {
	f := newFakeClient()
	g := lidGroup(true)
	g.GroupEphemeral = types.GroupEphemeral{IsEphemeral: true, DisappearingTimer: 7 * 24 * 3600}
	f.groups[groupJID] = g
	a, _ := newTestAdapter(f)
	ctx := context.Background()
	chat := bot.ChatID(groupJID.String())

	if _, err := a.Send(ctx, bot.OutMessage{Chat: chat, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if exp := f.lastSent().msg.GetExtendedTextMessage().GetContextInfo().GetExpiration(); exp != 604800 {
		t.Fatalf("text expiration = %d, want 604800 (the group's 7-day timer)", exp)
	}
	if _, err := a.Send(ctx, bot.OutMessage{Chat: chat, Text: "re", ReplyTo: &bot.MessageRef{Chat: chat, ID: "3A01", Sender: bot.Address(bobLID.String()), Text: "q"}}); err != nil {
		t.Fatal(err)
	}
	if exp := f.lastSent().msg.GetExtendedTextMessage().GetContextInfo().GetExpiration(); exp != 604800 {
		t.Fatalf("reply expiration = %d", exp)
	}
	if _, err := a.SendPoll(ctx, bot.OutPoll{Chat: chat, Question: "Is your power off?", Options: []string{"Off", "On"}}); err != nil {
		t.Fatal(err)
	}
	if exp := f.lastSent().msg.GetPollCreationMessage().GetContextInfo().GetExpiration(); exp != 604800 {
		t.Fatalf("poll expiration = %d", exp)
	}

	// The timer changes to 24 h by a group notification; the list cannot
	// be fetched any more, and the last known timer is still used.
	f.groupErr = errors.New("info query timed out")
	a.HandleEvent(&events.GroupInfo{JID: groupJID, Ephemeral: &types.GroupEphemeral{IsEphemeral: true, DisappearingTimer: 86400}})
	if _, err := a.Send(ctx, bot.OutMessage{Chat: chat, Text: "later"}); err != nil {
		t.Fatal(err)
	}
	if exp := f.lastSent().msg.GetExtendedTextMessage().GetContextInfo().GetExpiration(); exp != 86400 {
		t.Fatalf("expiration after the change = %d, want 86400", exp)
	}
	// Switched off: plain messages again.
	a.HandleEvent(&events.GroupInfo{JID: groupJID, Ephemeral: &types.GroupEphemeral{IsEphemeral: false}})
	if _, err := a.Send(ctx, bot.OutMessage{Chat: chat, Text: "plain"}); err != nil {
		t.Fatal(err)
	}
	if m := f.lastSent().msg; m.GetConversation() != "plain" {
		t.Fatalf("after the timer went off: %v", m)
	}
}

func TestSendsKeepTheFixedID(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	ctx := context.Background()
	chat := bot.ChatID(groupJID.String())
	id, err := a.Send(ctx, bot.OutMessage{Chat: chat, ID: "3EB0FIXED01", Text: "hi"})
	if err != nil || id != "3EB0FIXED01" || f.extras[0].ID != "3EB0FIXED01" {
		t.Fatalf("send id = %q, %v; extra = %+v", id, err, f.extras)
	}
	id, err = a.SendPoll(ctx, bot.OutPoll{Chat: chat, ID: "3EB0FIXED02", Question: "Q?", Options: []string{"A", "B"}})
	if err != nil || id != "3EB0FIXED02" || f.extras[1].ID != "3EB0FIXED02" {
		t.Fatalf("poll id = %q, %v; extra = %+v", id, err, f.extras)
	}
}

func TestReachOutTimeLockIsPermanentAndTimeoutRetryable(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	f.sendErr = fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 463)
	_, err := a.Send(context.Background(), bot.OutMessage{Chat: bot.ChatID(bobPN.String()), Text: "Reminder"})
	if !errors.Is(err, bot.ErrNoContact) || errors.Is(err, bot.ErrNotConnected) {
		t.Fatalf("463 → %v, want ErrNoContact (not retried)", err)
	}
	f.sendErr = whatsmeow.ErrMessageTimedOut
	_, err = a.Send(context.Background(), bot.OutMessage{Chat: bot.ChatID(bobPN.String()), ID: "3EB0FIXED", Text: "Reminder"})
	if !errors.Is(err, bot.ErrNotConnected) {
		t.Fatalf("timeout → %v, want a retryable ErrNotConnected", err)
	}
}

func imageMedia(path string, size uint64) *bot.Media {
	im := &waE2E.ImageMessage{DirectPath: proto.String(path), FileLength: proto.Uint64(size), Mimetype: proto.String("image/jpeg")}
	return &bot.Media{Kind: bot.MediaImage, MimeType: "image/jpeg", Size: int64(size), Handle: im}
}

func TestDownloadCapAndDeadline(t *testing.T) {
	f := newFakeClient()
	a := New(f, Options{MaxDownloadBytes: 1000, DownloadTimeout: 50 * time.Millisecond})
	ctx := context.Background()

	// Declared over the cap: refused before any request.
	if _, err := a.Download(ctx, imageMedia("/v/big", 5000)); !errors.Is(err, ErrMediaTooLarge) || f.downloads != 0 {
		t.Fatalf("err = %v after %d downloads, want ErrMediaTooLarge before downloading", err, f.downloads)
	}
	// Declared small, body huge: the stream stops at the cap.
	f.media = map[string][]byte{"/v/liar": make([]byte, 10<<20), "/v/ok": []byte("jpeg")}
	if _, err := a.Download(ctx, imageMedia("/v/liar", 500)); !errors.Is(err, ErrMediaTooLarge) {
		t.Fatalf("err = %v, want ErrMediaTooLarge", err)
	}
	if data, err := a.Download(ctx, imageMedia("/v/ok", 4)); err != nil || string(data) != "jpeg" {
		t.Fatalf("download = %q, %v", data, err)
	}
	// A stalled server: the deadline ends it.
	slow := &slowClient{fakeClient: f}
	a = New(slow, Options{MaxDownloadBytes: 1000, DownloadTimeout: 50 * time.Millisecond})
	if _, err := a.Download(ctx, imageMedia("/v/ok", 4)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the download deadline", err)
	}
}

// slowClient's downloads never finish until their context ends, like a
// media server that stops sending.
type slowClient struct{ *fakeClient }

func (s *slowClient) DownloadToFile(ctx context.Context, msg whatsmeow.DownloadableMessage, file whatsmeow.File) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestMentionFallbackWhenGroupLookupFails(t *testing.T) {
	f := newFakeClient()
	f.groupErr = errors.New("info query timed out")
	a, _ := newTestAdapter(f)
	dave := types.NewJID("447700900004", types.DefaultUserServer) // no LID known
	_, err := a.Send(context.Background(), bot.OutMessage{
		Chat: bot.ChatID(groupJID.String()),
		Text: "@Bob and @Dave, thanks",
		Mentions: []bot.Mention{
			{Addr: bot.Address(bobPN.String()), Name: "Bob"},
			{Addr: bot.Address(dave.String()), Name: "Dave"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ext := f.lastSent().msg.GetExtendedTextMessage()
	if ext.GetText() != "@22222222222222 and @Dave, thanks" {
		t.Fatalf("text = %q: Bob by LID, Dave as plain text", ext.GetText())
	}
	if got := ext.GetContextInfo().GetMentionedJID(); len(got) != 1 || got[0] != bobLID.String() {
		t.Fatalf("mentioned = %v", got)
	}
	if strings.Contains(ext.GetText(), "4477") {
		t.Fatal("a phone number went into the group")
	}
}

func TestSameNameMentionsKeepTheirOwnIDs(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	_, err := a.Send(context.Background(), bot.OutMessage{
		Chat: bot.ChatID(groupJID.String()),
		Text: "@Sam lent a drill to @Sam",
		Mentions: []bot.Mention{
			{Addr: bot.Address(aliceLID.String()), Name: "Sam"},
			{Addr: bot.Address(bobLID.String()), Name: "Sam"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.lastSent().msg.GetExtendedTextMessage().GetText(); got != "@11111111111111 lent a drill to @22222222222222" {
		t.Fatalf("text = %q", got)
	}
}

func TestQuoteWithoutSenderNamesTheBot(t *testing.T) {
	for _, tc := range []struct {
		name  string
		group *types.GroupInfo
		want  string
	}{
		{"lid group", lidGroup(true), botLID.ToNonAD().String()},
		{"pn group", pnGroup(true), botPN.ToNonAD().String()},
	} {
		f := newFakeClient()
		f.groups[groupJID] = tc.group
		a, _ := newTestAdapter(f)
		chat := bot.ChatID(groupJID.String())
		if _, err := a.Send(context.Background(), bot.OutMessage{Chat: chat, Text: "More on this", ReplyTo: &bot.MessageRef{Chat: chat, ID: "3EB0NOTICE", Text: "Gritting tonight"}}); err != nil {
			t.Fatal(err)
		}
		if p := f.lastSent().msg.GetExtendedTextMessage().GetContextInfo().GetParticipant(); p != tc.want {
			t.Errorf("%s: participant = %q, want %q", tc.name, p, tc.want)
		}
	}
}

// A forwarded photo quoting a message with no known author (the bot's own
// notice) names the bot as the quoted sender, as a text reply does.
func TestMediaQuoteWithoutSenderNamesTheBot(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	chat := bot.ChatID(groupJID.String())
	path := writeFile(t, "p.jpg", []byte("\xff\xd8\xff\xe0 jpeg"))
	_, err := a.Send(context.Background(), bot.OutMessage{Chat: chat, ID: "3EB0MEDIA1",
		Attachment: &bot.Attachment{Kind: bot.MediaImage, Path: path, MimeType: "image/jpeg"},
		ReplyTo:    &bot.MessageRef{Chat: chat, ID: "3EB0NOTICE", Text: "Gritting tonight"}})
	if err != nil {
		t.Fatal(err)
	}
	s := f.lastSent()
	if p := s.msg.GetImageMessage().GetContextInfo().GetParticipant(); p != botLID.ToNonAD().String() {
		t.Fatalf("participant = %q, want the bot's LID", p)
	}
	if f.extras[len(f.extras)-1].ID != "3EB0MEDIA1" {
		t.Fatalf("media sent under %q, want the fixed id", f.extras[len(f.extras)-1].ID)
	}
}

// A reply in a direct chat with disappearing messages on carries the
// chat's timer, learnt from the resident's message (whose ContextInfo has
// it, wrapped as an EphemeralMessage) or from a timer change; off again,
// replies are plain.
func TestDirectRepliesCarryTheChatTimer(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	ctx := context.Background()
	dm := func(id string, raw *waE2E.Message) *events.Message {
		evt := &events.Message{Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: bobPN, Sender: bobPN}, ID: id, Timestamp: t0,
		}, RawMessage: raw}
		return evt.UnwrapRaw()
	}
	week := uint32(7 * 24 * 3600)
	in := dm("3A0DM1", &waE2E.Message{EphemeralMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
		ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("!mydata"), ContextInfo: &waE2E.ContextInfo{Expiration: proto.Uint32(week)}},
	}}})
	if !in.IsEphemeral {
		t.Fatal("premise: UnwrapRaw marks the disappearing message")
	}
	got := mustTranslate(t, a, in)
	if _, err := a.Send(ctx, bot.OutMessage{Chat: got.Chat.ID, Text: "Here is what I hold", ReplyTo: &bot.MessageRef{Chat: got.Chat.ID, ID: got.ID, Sender: got.Sender.Addr, Text: got.Text}}); err != nil {
		t.Fatal(err)
	}
	if exp := f.lastSent().msg.GetExtendedTextMessage().GetContextInfo().GetExpiration(); exp != week {
		t.Fatalf("reply expiration = %d, want the chat's %d", exp, week)
	}

	// Bob switches the timer off: a protocol message, then plain texts.
	mustIgnore(t, a, dm("3A0DM2", &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_EPHEMERAL_SETTING.Enum(), EphemeralExpiration: proto.Uint32(0),
	}}), ReasonProtocol)
	if _, err := a.Send(ctx, bot.OutMessage{Chat: got.Chat.ID, Text: "plain"}); err != nil {
		t.Fatal(err)
	}
	if m := f.lastSent().msg; m.GetConversation() != "plain" {
		t.Fatalf("after the timer went off: %v", m)
	}
}

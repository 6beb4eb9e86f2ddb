package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
)

// linkDevice writes a linked device (own phone number and LID) into a
// whatsmeow session store at path, as pairing would.
func linkDevice(t *testing.T, path string, pn, lid types.JID) {
	t.Helper()
	ctx := context.Background()
	c, err := sqlstore.New(ctx, "sqlite3", sqlite.DSN(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dev := c.NewDevice()
	dev.ID, dev.LID = &pn, lid
	// Pairing fills these from the phone; the schema checks their lengths.
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64), AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := dev.Save(ctx); err != nil {
		t.Fatal(err)
	}
}

// linkedClient is a real whatsmeow client over its real sqlstore on a temp
// file, linked as pn/lid but never connected.
func linkedClient(t *testing.T, pn, lid types.JID) *whatsmeow.Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	linkDevice(t, path, pn, lid)
	c, err := sqlstore.New(context.Background(), "sqlite3", sqlite.DSN(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	dev, err := c.GetFirstDevice(context.Background())
	if err != nil || dev.ID == nil {
		t.Fatalf("linked device not found: %v", err)
	}
	return whatsmeow.NewClient(dev, nil)
}

// wireClient is the real client with a socket that drops under each send:
// it reports itself online, records what SendMessage was handed and lets
// whatsmeow's own SendMessage run (it stores the message secret, then
// fails for want of a connection).
type wireClient struct {
	liveClient
	mu   sync.Mutex
	wire []*waE2E.Message
}

func (w *wireClient) IsLoggedIn() bool  { return true }
func (w *wireClient) IsConnected() bool { return true }

func (w *wireClient) SendMessage(ctx context.Context, to types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	resp, err := w.liveClient.SendMessage(ctx, to, msg, extra...)
	w.mu.Lock()
	w.wire = append(w.wire, proto.Clone(msg).(*waE2E.Message))
	w.mu.Unlock()
	return resp, err
}

// A poll retried by the send queue under its fixed id goes out with the
// secret of its first attempt, so a vote a resident's phone encrypts with
// the secret it received decrypts in the bot's real store. (A group send
// first fetches the member list from the server, so the direct chat shows
// whatsmeow storing the secret and failing offline: send.go.)
func TestRetriedPollKeepsItsSecretAndVotesDecrypt(t *testing.T) {
	ctx := context.Background()
	botCli := linkedClient(t, botPN, botLID)
	voterCli := linkedClient(t, alicePN, aliceLID)
	w := &wireClient{liveClient: liveClient{botCli}}
	clock := bot.NewManualClock(t0)
	a := New(w, Options{Clock: clock})
	a.MarkOnline(t0)

	poll := bot.OutPoll{Chat: bot.ChatID(alicePN.String()), ID: "3EB0POLLRETRY1", Question: "Is your power off?", Options: []string{"Off", "On"}}
	for attempt := 1; attempt <= 2; attempt++ {
		if _, err := a.SendPoll(ctx, poll); !errors.Is(err, bot.ErrNotConnected) {
			t.Fatalf("attempt %d: err = %v, want the offline failure the queue retries", attempt, err)
		}
	}
	if len(w.wire) != 2 {
		t.Fatalf("%d attempts reached whatsmeow, want 2", len(w.wire))
	}
	first, second := w.wire[0].GetMessageContextInfo().GetMessageSecret(), w.wire[1].GetMessageContextInfo().GetMessageSecret()
	if len(first) != 32 || !bytes.Equal(first, second) {
		t.Fatalf("secrets differ between attempts:\n%x\n%x", first, second)
	}

	// Alice's phone received the second attempt and votes "Off" with it.
	pollInfo := types.MessageInfo{MessageSource: types.MessageSource{Chat: botPN.ToNonAD(), Sender: botPN.ToNonAD()}, ID: "3EB0POLLRETRY1", Timestamp: t0}
	voterCli.DangerousInternals().StoreMessageSecret(ctx, &pollInfo, w.wire[1])
	vote, err := voterCli.BuildPollVote(ctx, &pollInfo, []string{"Off"})
	if err != nil {
		t.Fatal(err)
	}
	evt := &events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: alicePN, Sender: alicePN},
		ID:            "3A0VOTE1", Timestamp: t0,
	}, Message: vote}
	got, reason := a.Translate(ctx, evt)
	if got == nil || got.PollVote == nil {
		t.Fatalf("vote not read: %s", reason)
	}
	if want := whatsmeow.HashPollOptions([]string{"Off"}); len(got.PollVote.OptionHashes) != 1 || !bytes.Equal(got.PollVote.OptionHashes[0], want[0]) {
		t.Fatalf("vote = %x, want Off", got.PollVote.OptionHashes)
	}
}

// whatsmeow keeps IsLoggedIn true after a dropped socket (client.go clears
// it only on a stream error): readiness and sends must also need the
// socket, and a Connected event since the last drop.
func TestConnectedNeedsTheSocketNotJustTheLogin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	linkDevice(t, path, botPN, botLID)
	s, err := OpenSession(context.Background(), SessionOptions{DSN: sqlite.DSN(path)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a := New(s.Client(), Options{Clock: bot.NewManualClock(t0)})
	connected := make(chan struct{}, 1)
	s.AddEventHandler(func(evt any) bool {
		ok := a.HandleEvent(evt)
		if _, is := evt.(*events.Connected); is {
			connected <- struct{}{}
		}
		return ok
	})

	s.cli.DangerousInternals().HandleConnectSuccess(context.Background(), &waBinary.Node{Tag: "success"})
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("no Connected event after the login succeeded")
	}
	s.cli.Disconnect()
	if !s.cli.IsLoggedIn() {
		t.Fatal("premise: whatsmeow clears IsLoggedIn on Disconnect in this version")
	}
	if a.Connected() {
		t.Fatal("readiness says connected with no socket")
	}
	_, err = a.Send(context.Background(), bot.OutMessage{Chat: bot.ChatID(groupJID.String()), Text: "hello"})
	if !errors.Is(err, bot.ErrNotConnected) {
		t.Fatalf("send while the socket is down: %v, want ErrNotConnected before whatsmeow is asked", err)
	}
}

// The adapter's own view: a Disconnected or keep-alive failure clears
// readiness until the next Connected, even while the client says it is
// logged in on a socket.
func TestConnectedFollowsConnectionEvents(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	if a.Connected() {
		t.Fatal("connected before any Connected event")
	}
	a.HandleEvent(&events.Connected{})
	if !a.Connected() {
		t.Fatal("not connected after Connected")
	}
	for _, evt := range []any{&events.Disconnected{}, &events.KeepAliveTimeout{}, &events.StreamReplaced{}, &events.LoggedOut{}} {
		a.HandleEvent(&events.Connected{})
		a.HandleEvent(evt)
		if a.Connected() {
			t.Errorf("still connected after %T", evt)
		}
	}
	a.HandleEvent(&events.Connected{})
	f.mu.Lock()
	f.connected = false
	f.mu.Unlock()
	if a.Connected() {
		t.Fatal("connected while the client has no socket")
	}
}

// A vote that arrives from the voter's LID but was encrypted by the phone
// under its phone number (this whatsmeow version's EncryptPollVote uses the
// voter's own phone-number JID) decrypts on the second try with the
// sender's other address form.
func TestPollVoteDecryptsWithTheSendersOtherAddress(t *testing.T) {
	ctx := context.Background()
	botCli := linkedClient(t, botPN, botLID)
	voterCli := linkedClient(t, alicePN, aliceLID)
	w := &wireClient{liveClient: liveClient{botCli}}
	a := New(w, Options{Clock: bot.NewManualClock(t0)})
	a.MarkOnline(t0)
	poll := bot.OutPoll{Chat: bot.ChatID(alicePN.String()), ID: "3EB0POLLLID1", Question: "Bins out?", Options: []string{"Yes", "No"}}
	if _, err := a.SendPoll(ctx, poll); !errors.Is(err, bot.ErrNotConnected) {
		t.Fatalf("send: %v", err)
	}
	pollInfo := types.MessageInfo{MessageSource: types.MessageSource{Chat: botPN.ToNonAD(), Sender: botPN.ToNonAD()}, ID: "3EB0POLLLID1", Timestamp: t0}
	voterCli.DangerousInternals().StoreMessageSecret(ctx, &pollInfo, w.wire[0])
	vote, err := voterCli.BuildPollVote(ctx, &pollInfo, []string{"Yes"})
	if err != nil {
		t.Fatal(err)
	}
	evt := &events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: alicePN, Sender: aliceLID, SenderAlt: alicePN},
		ID:            "3A0VOTELID", Timestamp: t0,
	}, Message: vote}
	if _, err := botCli.DecryptPollVote(ctx, evt); err == nil {
		t.Fatal("premise: whatsmeow decrypts the vote with the LID sender")
	}
	got, reason := a.Translate(ctx, evt)
	if got == nil || got.PollVote == nil {
		t.Fatalf("vote not read: %s", reason)
	}
	if want := whatsmeow.HashPollOptions([]string{"Yes"}); len(got.PollVote.OptionHashes) != 1 || !bytes.Equal(got.PollVote.OptionHashes[0], want[0]) {
		t.Fatalf("vote = %x, want Yes", got.PollVote.OptionHashes)
	}
	if got.Sender.Addr != bot.Address(aliceLID.String()) {
		t.Fatalf("voter = %+v, want the address the vote came from", got.Sender)
	}
}

// A vote whose phone knew the bot's poll by the bot's LID, while whatsmeow
// stored the poll under the phone number it was sent as, decrypts with the
// bot's other address form as the poll sender (upstream's "try both
// senders").
func TestPollVoteDecryptsWithTheBotsOtherAddress(t *testing.T) {
	ctx := context.Background()
	botCli := linkedClient(t, botPN, botLID)
	voterCli := linkedClient(t, alicePN, aliceLID)
	w := &wireClient{liveClient: liveClient{botCli}}
	a := New(w, Options{Clock: bot.NewManualClock(t0)})
	a.MarkOnline(t0)
	poll := bot.OutPoll{Chat: bot.ChatID(alicePN.String()), ID: "3EB0POLLOWN1", Question: "Street party?", Options: []string{"Yes", "No"}}
	if _, err := a.SendPoll(ctx, poll); !errors.Is(err, bot.ErrNotConnected) {
		t.Fatalf("send: %v", err)
	}
	pollInfo := types.MessageInfo{MessageSource: types.MessageSource{Chat: botPN.ToNonAD(), Sender: botLID.ToNonAD()}, ID: "3EB0POLLOWN1", Timestamp: t0}
	voterCli.DangerousInternals().StoreMessageSecret(ctx, &pollInfo, w.wire[0])
	vote, err := voterCli.BuildPollVote(ctx, &pollInfo, []string{"No"})
	if err != nil {
		t.Fatal(err)
	}
	evt := &events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: alicePN, Sender: alicePN},
		ID:            "3A0VOTEOWN", Timestamp: t0,
	}, Message: vote}
	if _, err := botCli.DecryptPollVote(ctx, evt); err == nil {
		t.Fatal("premise: whatsmeow decrypts with the stored sender")
	}
	got, reason := a.Translate(ctx, evt)
	if got == nil || got.PollVote == nil {
		t.Fatalf("vote not read: %s", reason)
	}
	if want := whatsmeow.HashPollOptions([]string{"No"}); len(got.PollVote.OptionHashes) != 1 || !bytes.Equal(got.PollVote.OptionHashes[0], want[0]) {
		t.Fatalf("vote = %x, want No", got.PollVote.OptionHashes)
	}
}

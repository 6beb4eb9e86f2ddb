package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
)

// Addresses used across the tests: a group, the bot account, and two
// neighbours each known by a phone number and a LID.
var (
	groupJID = types.NewJID("120363025246125486", types.GroupServer)
	botPN    = types.JID{User: "447700900999", Server: types.DefaultUserServer, Device: 12}
	botLID   = types.JID{User: "99999999999999", Server: types.HiddenUserServer, Device: 12}
	alicePN  = types.NewJID("447700900001", types.DefaultUserServer)
	aliceLID = types.NewJID("11111111111111", types.HiddenUserServer)
	bobPN    = types.NewJID("447700900002", types.DefaultUserServer)
	bobLID   = types.NewJID("22222222222222", types.HiddenUserServer)
	carolLID = types.NewJID("33333333333333", types.HiddenUserServer) // no known phone number
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

type sentMessage struct {
	to  types.JID
	msg *waE2E.Message
	id  types.MessageID // the id the server answered with
}

// fakeClient stands in for *whatsmeow.Client. Its Build* methods shape
// messages the way whatsmeow's do, so tests read what would go on the wire.
type fakeClient struct {
	mu        sync.Mutex
	connected bool
	lidToPN   map[types.JID]types.JID
	groups    map[types.JID]*types.GroupInfo
	groupErr  error
	votes     map[types.MessageID]*waE2E.PollVoteMessage

	ids         int
	groupCalls  int
	sent        []sentMessage
	sendErr     error
	removeCalls [][]types.JID
	removeRes   []types.GroupParticipant
	removeErr   error
	downloads   int
	nextID      int
	presences   []types.Presence
	sendCalls   int               // every SendMessage call, failed ones included
	media       map[string][]byte // direct path → body the download streams
	extras      []whatsmeow.SendRequestExtra
	secrets     map[string][]byte // chat/id → first message secret sent
}

func newFakeClient() *fakeClient {
	return &fakeClient{
		connected: true,
		lidToPN:   map[types.JID]types.JID{aliceLID: alicePN, bobLID: bobPN},
		groups:    map[types.JID]*types.GroupInfo{groupJID: lidGroup(true)},
		votes:     map[types.MessageID]*waE2E.PollVoteMessage{},
	}
}

// lidGroup is a LID-addressed group of Alice (admin), Bob, Carol and the bot.
func lidGroup(botAdmin bool) *types.GroupInfo {
	return &types.GroupInfo{
		JID:            groupJID,
		GroupName:      types.GroupName{Name: "Elm Street"},
		AddressingMode: types.AddressingModeLID,
		Participants: []types.GroupParticipant{
			{JID: aliceLID, LID: aliceLID, PhoneNumber: alicePN, IsAdmin: true, IsSuperAdmin: true},
			{JID: bobLID, LID: bobLID, PhoneNumber: bobPN},
			{JID: carolLID, LID: carolLID},
			{JID: botLID.ToNonAD(), LID: botLID.ToNonAD(), PhoneNumber: botPN.ToNonAD(), IsAdmin: botAdmin},
		},
	}
}

// pnGroup is the same group in phone-number addressing.
func pnGroup(botAdmin bool) *types.GroupInfo {
	return &types.GroupInfo{
		JID:            groupJID,
		GroupName:      types.GroupName{Name: "Elm Street"},
		AddressingMode: types.AddressingModePN,
		Participants: []types.GroupParticipant{
			{JID: alicePN, LID: aliceLID, PhoneNumber: alicePN, IsAdmin: true},
			{JID: bobPN, LID: bobLID, PhoneNumber: bobPN},
			{JID: botPN.ToNonAD(), PhoneNumber: botPN.ToNonAD(), IsAdmin: botAdmin},
		},
	}
}

func (f *fakeClient) SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sendCalls++
	if f.sendErr != nil {
		return whatsmeow.SendResponse{}, f.sendErr
	}
	if _, member := f.groups[to]; to.Server == types.GroupServer && !member {
		// whatsmeow's sendGroup first fetches the member list, which the
		// server refuses (403) to a non-member (send.go, group.go).
		return whatsmeow.SendResponse{}, fmt.Errorf("failed to get group members: %w", whatsmeow.ErrNotInGroup)
	}
	f.nextID++
	var ex whatsmeow.SendRequestExtra
	if len(extra) > 0 {
		ex = extra[0]
	}
	f.extras = append(f.extras, ex)
	id := types.MessageID(fmt.Sprintf("3EB0%04d", f.nextID))
	if ex.ID != "" {
		id = ex.ID // whatsmeow sends under the given id and answers with it.
	}
	if sec := message.GetMessageContextInfo().GetMessageSecret(); len(sec) > 0 {
		if f.secrets == nil {
			f.secrets = map[string][]byte{}
		}
		if _, ok := f.secrets[to.String()+"/"+string(id)]; !ok {
			f.secrets[to.String()+"/"+string(id)] = sec
		}
	}
	f.sent = append(f.sent, sentMessage{to: to, msg: message, id: id})
	return whatsmeow.SendResponse{ID: id, Timestamp: t0}, nil
}

func (f *fakeClient) key(chat, sender types.JID, id types.MessageID) *waCommon.MessageKey {
	k := &waCommon.MessageKey{FromMe: proto.Bool(true), ID: proto.String(id), RemoteJID: proto.String(chat.String())}
	if !sender.IsEmpty() && sender.User != botPN.User && sender.User != botLID.User {
		k.FromMe = proto.Bool(false)
		if chat.Server == types.GroupServer {
			k.Participant = proto.String(sender.ToNonAD().String())
		}
	}
	return k
}

func (f *fakeClient) BuildReaction(chat, sender types.JID, id types.MessageID, reaction string) *waE2E.Message {
	return &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Key: f.key(chat, sender, id), Text: proto.String(reaction)}}
}

func (f *fakeClient) BuildPollCreation(name string, optionNames []string, selectable int) *waE2E.Message {
	opts := make([]*waE2E.PollCreationMessage_Option, len(optionNames))
	for i, o := range optionNames {
		opts[i] = &waE2E.PollCreationMessage_Option{OptionName: proto.String(o)}
	}
	return &waE2E.Message{PollCreationMessage: &waE2E.PollCreationMessage{
		Name: proto.String(name), Options: opts, SelectableOptionsCount: proto.Uint32(uint32(selectable)),
	}}
}

func (f *fakeClient) BuildEdit(chat types.JID, id types.MessageID, newContent *waE2E.Message) *waE2E.Message {
	return &waE2E.Message{EditedMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
		ProtocolMessage: &waE2E.ProtocolMessage{
			Key:           f.key(chat, types.EmptyJID, id),
			Type:          waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(),
			EditedMessage: newContent,
		},
	}}}
}

func (f *fakeClient) BuildRevoke(chat, sender types.JID, id types.MessageID) *waE2E.Message {
	return &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_REVOKE.Enum(),
		Key:  f.key(chat, sender, id),
	}}
}

func (f *fakeClient) UpdateGroupParticipants(ctx context.Context, jid types.JID, changes []types.JID, action whatsmeow.ParticipantChange) ([]types.GroupParticipant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if action != whatsmeow.ParticipantChangeRemove {
		return nil, fmt.Errorf("fake: unexpected participant action %q", action)
	}
	f.removeCalls = append(f.removeCalls, changes)
	if f.removeErr != nil {
		return nil, f.removeErr
	}
	if f.removeRes != nil {
		return f.removeRes, nil
	}
	res := make([]types.GroupParticipant, len(changes))
	for i, j := range changes {
		res[i] = types.GroupParticipant{JID: j}
	}
	return res, nil
}

func (f *fakeClient) GetGroupInfo(ctx context.Context, jid types.JID) (*types.GroupInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groupCalls++
	if f.groupErr != nil {
		return nil, f.groupErr
	}
	g, ok := f.groups[jid]
	if !ok {
		return nil, whatsmeow.ErrNotInGroup
	}
	return g, nil
}

func (f *fakeClient) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.groupCalls
}

// DownloadToFile streams like whatsmeow's (download-to-file.go): the body
// is copied into file in chunks, so a writer error stops the transfer.
func (f *fakeClient) DownloadToFile(ctx context.Context, msg whatsmeow.DownloadableMessage, file whatsmeow.File) error {
	f.mu.Lock()
	f.downloads++
	body, ok := f.media[msg.GetDirectPath()]
	f.mu.Unlock()
	if msg.GetDirectPath() == "" {
		return whatsmeow.ErrNoURLPresent
	}
	if !ok {
		body = []byte("jpeg bytes for " + msg.GetDirectPath())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := io.Copy(file, bytes.NewReader(body))
	return err
}

func (f *fakeClient) SendPresence(ctx context.Context, state types.Presence) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.presences = append(f.presences, state)
	return nil
}

func (f *fakeClient) GenerateMessageID() types.MessageID {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids++
	return types.MessageID(fmt.Sprintf("3EB0FAKE%04d", f.ids))
}

func (f *fakeClient) DecryptPollVote(ctx context.Context, vote *events.Message) (*waE2E.PollVoteMessage, error) {
	if vote.Message.GetPollUpdateMessage() == nil {
		return nil, whatsmeow.ErrNotPollUpdateMessage
	}
	v, ok := f.votes[vote.Info.ID]
	if !ok {
		return nil, errors.New("failed to decrypt poll vote: original message secret key not found")
	}
	return v, nil
}

func (f *fakeClient) IsLoggedIn() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connected
}

func (f *fakeClient) IsConnected() bool { return f.IsLoggedIn() }

func (f *fakeClient) OwnJID() types.JID { return botPN }
func (f *fakeClient) OwnLID() types.JID { return botLID }

func (f *fakeClient) PNForLID(ctx context.Context, lid types.JID) (types.JID, error) {
	return f.lidToPN[lid.ToNonAD()], nil
}

func (f *fakeClient) LIDForPN(ctx context.Context, pn types.JID) (types.JID, error) {
	for lid, p := range f.lidToPN {
		if p == pn.ToNonAD() {
			return lid, nil
		}
	}
	return types.EmptyJID, nil
}

// MessageSecret reads back the secret of a poll sent earlier under id, as
// whatsmeow's store keeps the first one (first write wins).
func (f *fakeClient) MessageSecret(ctx context.Context, chat types.JID, id types.MessageID) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.secrets[chat.String()+"/"+string(id)], nil
}

func (f *fakeClient) lastSent() sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sent) == 0 {
		return sentMessage{}
	}
	return f.sent[len(f.sent)-1]
}

func (f *fakeClient) sentCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

// recordingSink collects what the adapter delivers; err, when set, is
// what every delivery returns (a failed commit).
type recordingSink struct {
	mu       sync.Mutex
	messages []*bot.Message
	changes  []bot.GroupChange
	err      error
}

func (s *recordingSink) DeliverMessage(ctx context.Context, m *bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	return s.err
}

func (s *recordingSink) DeliverGroupChange(ctx context.Context, ch bot.GroupChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, ch)
	return s.err
}

// newTestAdapter builds an adapter whose clock stands at t0 and which came
// online at t0.
func newTestAdapter(f *fakeClient) (*Adapter, *bot.ManualClock) {
	clock := bot.NewManualClock(t0)
	a := New(f, Options{BacklogAct: 10 * time.Minute, GroupInfoMaxAge: time.Hour, Clock: clock})
	return a, clock
}

// groupEvent builds a live group message from sender (with alt, which may
// be empty) at time ts.
func groupEvent(id string, sender, alt types.JID, mode types.AddressingMode, ts time.Time, msg *waE2E.Message) *events.Message {
	return &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{
				Chat: groupJID, Sender: sender, SenderAlt: alt, IsGroup: true, AddressingMode: mode,
			},
			ID: id, PushName: "Alice Smith", Timestamp: ts, Type: "text",
		},
		Message:    msg,
		RawMessage: msg,
	}
}

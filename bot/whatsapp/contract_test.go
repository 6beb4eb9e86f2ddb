package whatsapp

import (
	"testing"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"neighbourbot/bot"
	"neighbourbot/bot/transporttest"
)

// The adapter over a fake whatsmeow client keeps the same transport
// contract as the console.
func TestTransportContract(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) *transporttest.Harness {
		f := newFakeClient()
		f.groups[groupJID] = lidGroup(false)
		a, _ := newTestAdapter(f)
		return &transporttest.Harness{
			Transport: a,
			Group:     group,
			Alice:     bot.Address(aliceLID.String()),
			Bob:       bot.Address(bobLID.String()),
			NotMember: bot.ChatID(types.NewJID("120363000000000001", types.GroupServer).String()),
			SetBotAdmin: func(on bool) {
				f.mu.Lock()
				f.groups[groupJID] = lidGroup(on)
				f.mu.Unlock()
				a.InvalidateGroup(groupJID) // as the admin-change event does
			},
			SetConnected: func(on bool) {
				f.mu.Lock()
				defer f.mu.Unlock()
				f.connected = on
			},
			Actions: func() []transporttest.Action { return wireActions(f) },
		}
	})
}

// wireActions reads back what the adapter handed whatsmeow: each message
// sent (texts, polls, edits, reactions, revokes) in order, then each
// participant removal.
func wireActions(f *fakeClient) []transporttest.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []transporttest.Action
	for _, s := range f.sent {
		out = append(out, wireAction(s))
	}
	for _, jids := range f.removeCalls {
		for _, j := range jids {
			out = append(out, transporttest.Action{Kind: "remove", Chat: group, Member: bot.Address(j.String())})
		}
	}
	return out
}

func wireAction(s sentMessage) transporttest.Action {
	a := transporttest.Action{Chat: bot.ChatID(s.to.String()), ID: string(s.id)}
	m := s.msg
	switch {
	case m.Conversation != nil:
		a.Kind, a.Text = "text", m.GetConversation()
	case m.ExtendedTextMessage != nil:
		ext := m.GetExtendedTextMessage()
		a.Kind, a.Text = "text", ext.GetText()
		a.ReplyTo = ext.GetContextInfo().GetStanzaID()
		for _, j := range ext.GetContextInfo().GetMentionedJID() {
			a.Mentions = append(a.Mentions, bot.Address(j))
		}
	case m.PollCreationMessage != nil:
		pc := m.GetPollCreationMessage()
		a.Kind, a.Text = "poll", pc.GetName()
		for _, o := range pc.GetOptions() {
			a.Options = append(a.Options, o.GetOptionName())
		}
	case m.EditedMessage != nil:
		pm := m.GetEditedMessage().GetMessage().GetProtocolMessage()
		if pm.GetType() == waE2E.ProtocolMessage_MESSAGE_EDIT {
			a.Kind, a.ID, a.Text = "edit", pm.GetKey().GetID(), pm.GetEditedMessage().GetConversation()
		}
	case m.ReactionMessage != nil:
		r := m.GetReactionMessage()
		a.Kind, a.ID, a.Text = "react", r.GetKey().GetID(), r.GetText()
	case m.ProtocolMessage != nil && m.GetProtocolMessage().GetType() == waE2E.ProtocolMessage_REVOKE:
		a.Kind, a.ID = "delete", m.GetProtocolMessage().GetKey().GetID()
	default:
		a.Kind = "unknown"
	}
	return a
}

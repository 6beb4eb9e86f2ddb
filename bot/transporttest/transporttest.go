// Package transporttest is the contract every bot.Transport keeps: one test
// suite, run against the console transport and against the WhatsApp adapter
// (over its fake client), so the two behave alike where the core relies on
// them — what a send, reply, mention, poll, edit, reaction, delete and
// removal put on the wire, the ids messages go under, and which sentinel
// error (bot.ErrNotInChat, bot.ErrNotAdmin, bot.ErrNotConnected) each
// failure carries.
//
// An implementation's test supplies a constructor for a fresh transport in a
// known state plus the hooks that move it between states:
//
//	transporttest.Run(t, func(t *testing.T) *transporttest.Harness { … })
package transporttest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"neighbourbot/bot"
)

// Action is one thing a transport put on the wire, in neutral terms.
type Action struct {
	Kind     string     // "text", "poll", "edit", "react", "delete" or "remove"
	Chat     bot.ChatID // where it went
	ID       string     // the message's id (text, poll) or its target's (edit, react, delete)
	Text     string     // the text as sent, a poll's question, an edit's new text, an emoji
	ReplyTo  string     // id of the quoted message, if any
	Mentions []bot.Address
	Options  []string    // a poll's options
	Member   bot.Address // who was removed
}

// Harness is a fresh transport and the hooks the suite needs. The transport
// starts connected, in Group with Alice and Bob, the bot not admin there.
type Harness struct {
	Transport bot.Transport
	// Group is a group the bot is a member of; Alice and Bob are members
	// (addressed as the transport addresses people in messages).
	Group      bot.ChatID
	Alice, Bob bot.Address
	// NotMember is a group chat id the bot is not in.
	NotMember bot.ChatID
	// SetBotAdmin makes the bot a group admin of Group, or not.
	SetBotAdmin func(on bool)
	// SetConnected takes the transport's connection up or down.
	SetConnected func(on bool)
	// Actions returns everything the transport put on the wire so far, in
	// order.
	Actions func() []Action
}

// Run runs the contract suite; newHarness is called once per subtest.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h *Harness)
	}{
		{"Send", testSend},
		{"SendUnderFixedID", testSendUnderFixedID},
		{"NewMessageIDUnique", testNewMessageIDUnique},
		{"Reply", testReply},
		{"Mention", testMention},
		{"Poll", testPoll},
		{"Edit", testEdit},
		{"React", testReact},
		{"DeleteMembersMessage", testDeleteMembersMessage},
		{"DeleteOwnMessageNeedsNoAdmin", testDeleteOwn},
		{"RemoveMember", testRemoveMember},
		{"GroupInfo", testGroupInfo},
		{"ErrNotInChat", testNotInChat},
		{"ErrNotAdmin", testNotAdmin},
		{"ErrNotConnected", testNotConnected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.fn(t, h)
		})
	}
}

var ctx = context.Background()

// only fails unless the transport did exactly the one action want.
func only(t *testing.T, h *Harness, want Action) {
	t.Helper()
	got := h.Actions()
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("actions = %+v\nwant exactly %+v", got, want)
	}
}

// none fails if the transport put anything on the wire.
func none(t *testing.T, h *Harness, after string) {
	t.Helper()
	if got := h.Actions(); len(got) != 0 {
		t.Fatalf("%s: actions = %+v, want none", after, got)
	}
}

func testSend(t *testing.T, h *Harness) {
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, Text: "Lending is on."})
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("Send returned no id")
	}
	only(t, h, Action{Kind: "text", Chat: h.Group, ID: id, Text: "Lending is on."})
}

func testSendUnderFixedID(t *testing.T, h *Harness) {
	fixed := h.Transport.NewMessageID()
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, ID: fixed, Text: "queued earlier"})
	if err != nil {
		t.Fatal(err)
	}
	if id != fixed {
		t.Fatalf("sent under %q, want the fixed id %q", id, fixed)
	}
	pid := h.Transport.NewMessageID()
	got, err := h.Transport.SendPoll(ctx, bot.OutPoll{Chat: h.Group, ID: pid, Question: "Off or on?", Options: []string{"Off", "On"}})
	if err != nil {
		t.Fatal(err)
	}
	if got != pid {
		t.Fatalf("poll sent under %q, want the fixed id %q", got, pid)
	}
	acts := h.Actions()
	if len(acts) != 2 || acts[0].ID != fixed || acts[1].ID != pid {
		t.Fatalf("actions = %+v, want ids %q and %q", acts, fixed, pid)
	}
}

func testNewMessageIDUnique(t *testing.T, h *Harness) {
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		id := h.Transport.NewMessageID()
		if id == "" {
			t.Fatal("empty message id")
		}
		if seen[id] {
			t.Fatalf("id %q issued twice (after %d ids)", id, i)
		}
		seen[id] = true
	}
	// Ids the transport picks itself do not collide with issued ones.
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if seen[id] {
		t.Fatalf("send picked the issued id %q", id)
	}
}

func testReply(t *testing.T, h *Harness) {
	ref := &bot.MessageRef{Chat: h.Group, ID: "3A0001QUOTE", Sender: h.Alice, Text: "!lend ladder"}
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, Text: "Noted: ladder.", ReplyTo: ref})
	if err != nil {
		t.Fatal(err)
	}
	only(t, h, Action{Kind: "text", Chat: h.Group, ID: id, Text: "Noted: ladder.", ReplyTo: "3A0001QUOTE"})
}

func testMention(t *testing.T, h *Harness) {
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, Text: "thanks @Alice",
		Mentions: []bot.Mention{{Addr: h.Alice, Name: "Alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	acts := h.Actions()
	if len(acts) != 1 {
		t.Fatalf("actions = %+v", acts)
	}
	a := acts[0]
	if a.Kind != "text" || a.ID != id || !reflect.DeepEqual(a.Mentions, []bot.Address{h.Alice}) {
		t.Fatalf("mention sent as %+v, want a text mentioning %s", a, h.Alice)
	}
	// The transport may rewrite "@Alice" into its own form, but the
	// mention stays written where it was.
	if len(a.Text) < len("thanks @") || a.Text[:len("thanks @")] != "thanks @" {
		t.Fatalf("text = %q", a.Text)
	}
}

func testPoll(t *testing.T, h *Harness) {
	id, err := h.Transport.SendPoll(ctx, bot.OutPoll{Chat: h.Group, Question: "Switch lending on?", Options: []string{"Off", "On"}})
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("SendPoll returned no id")
	}
	only(t, h, Action{Kind: "poll", Chat: h.Group, ID: id, Text: "Switch lending on?", Options: []string{"Off", "On"}})
}

func testEdit(t *testing.T, h *Harness) {
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, Text: "Power cut reported."})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Transport.Edit(ctx, h.Group, id, "Power cut reported (3 homes)."); err != nil {
		t.Fatal(err)
	}
	acts := h.Actions()
	want := Action{Kind: "edit", Chat: h.Group, ID: id, Text: "Power cut reported (3 homes)."}
	if len(acts) != 2 || !reflect.DeepEqual(acts[1], want) {
		t.Fatalf("actions = %+v\nwant the send then %+v", acts, want)
	}
}

func testReact(t *testing.T, h *Harness) {
	if err := h.Transport.React(ctx, bot.MessageRef{Chat: h.Group, ID: "3A0002", Sender: h.Bob}, "👍"); err != nil {
		t.Fatal(err)
	}
	only(t, h, Action{Kind: "react", Chat: h.Group, ID: "3A0002", Text: "👍"})
}

func testDeleteMembersMessage(t *testing.T, h *Harness) {
	h.SetBotAdmin(true)
	if err := h.Transport.Delete(ctx, bot.MessageRef{Chat: h.Group, ID: "3A0003", Sender: h.Bob}); err != nil {
		t.Fatal(err)
	}
	only(t, h, Action{Kind: "delete", Chat: h.Group, ID: "3A0003"})
}

func testDeleteOwn(t *testing.T, h *Harness) {
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, Text: "oops"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Transport.Delete(ctx, bot.MessageRef{Chat: h.Group, ID: id}); err != nil {
		t.Fatalf("deleting its own message without admin: %v", err)
	}
	acts := h.Actions()
	if len(acts) != 2 || !reflect.DeepEqual(acts[1], Action{Kind: "delete", Chat: h.Group, ID: id}) {
		t.Fatalf("actions = %+v", acts)
	}
}

func testRemoveMember(t *testing.T, h *Harness) {
	h.SetBotAdmin(true)
	if err := h.Transport.RemoveMember(ctx, h.Group, h.Bob); err != nil {
		t.Fatal(err)
	}
	only(t, h, Action{Kind: "remove", Chat: h.Group, Member: h.Bob})
}

func testGroupInfo(t *testing.T, h *Harness) {
	for _, admin := range []bool{false, true} {
		h.SetBotAdmin(admin)
		gi, err := h.Transport.GroupInfo(ctx, h.Group)
		if err != nil {
			t.Fatal(err)
		}
		if gi.ID != h.Group || gi.BotIsAdmin != admin {
			t.Fatalf("group info %+v, want id %s, bot admin %v", gi, h.Group, admin)
		}
		for _, who := range []bot.Address{h.Alice, h.Bob} {
			if _, ok := gi.Find(who); !ok {
				t.Fatalf("group info does not list %s: %+v", who, gi.Participants)
			}
		}
	}
	none(t, h, "reading group info")
}

// calls is every outward action, run against chat.
func calls(h *Harness, chat bot.ChatID) []struct {
	name string
	do   func() error
} {
	return []struct {
		name string
		do   func() error
	}{
		{"Send", func() error {
			_, err := h.Transport.Send(ctx, bot.OutMessage{Chat: chat, Text: "hello"})
			return err
		}},
		{"Send with a fixed id", func() error {
			_, err := h.Transport.Send(ctx, bot.OutMessage{Chat: chat, ID: h.Transport.NewMessageID(), Text: "hello"})
			return err
		}},
		{"SendPoll", func() error {
			_, err := h.Transport.SendPoll(ctx, bot.OutPoll{Chat: chat, Question: "Off or on?", Options: []string{"Off", "On"}})
			return err
		}},
		{"Edit", func() error { return h.Transport.Edit(ctx, chat, "3A0004", "new text") }},
		{"React", func() error {
			return h.Transport.React(ctx, bot.MessageRef{Chat: chat, ID: "3A0005", Sender: h.Bob}, "👍")
		}},
		{"Delete", func() error { return h.Transport.Delete(ctx, bot.MessageRef{Chat: chat, ID: "3A0006", Sender: h.Bob}) }},
		{"RemoveMember", func() error { return h.Transport.RemoveMember(ctx, chat, h.Bob) }},
	}
}

func testNotInChat(t *testing.T, h *Harness) {
	h.SetBotAdmin(true)
	for _, c := range calls(h, h.NotMember) {
		if err := c.do(); !errors.Is(err, bot.ErrNotInChat) {
			t.Errorf("%s in a group the bot is not in: err = %v, want ErrNotInChat", c.name, err)
		}
	}
	if _, err := h.Transport.GroupInfo(ctx, h.NotMember); !errors.Is(err, bot.ErrNotInChat) {
		t.Errorf("GroupInfo of a group the bot is not in: err = %v, want ErrNotInChat", err)
	}
	none(t, h, "actions in a group the bot is not in")
}

func testNotAdmin(t *testing.T, h *Harness) {
	h.SetBotAdmin(false)
	if err := h.Transport.Delete(ctx, bot.MessageRef{Chat: h.Group, ID: "3A0007", Sender: h.Bob}); !errors.Is(err, bot.ErrNotAdmin) {
		t.Errorf("Delete of a member's message without admin: err = %v, want ErrNotAdmin", err)
	}
	if err := h.Transport.RemoveMember(ctx, h.Group, h.Bob); !errors.Is(err, bot.ErrNotAdmin) {
		t.Errorf("RemoveMember without admin: err = %v, want ErrNotAdmin", err)
	}
	none(t, h, "admin actions without admin")
	// Made admin, the same calls go through.
	h.SetBotAdmin(true)
	if err := h.Transport.Delete(ctx, bot.MessageRef{Chat: h.Group, ID: "3A0007", Sender: h.Bob}); err != nil {
		t.Errorf("Delete once admin: %v", err)
	}
	if err := h.Transport.RemoveMember(ctx, h.Group, h.Bob); err != nil {
		t.Errorf("RemoveMember once admin: %v", err)
	}
	if n := len(h.Actions()); n != 2 {
		t.Errorf("%d actions once admin, want 2: %+v", n, h.Actions())
	}
}

func testNotConnected(t *testing.T, h *Harness) {
	h.SetBotAdmin(true)
	h.SetConnected(false)
	for _, c := range calls(h, h.Group) {
		if err := c.do(); !errors.Is(err, bot.ErrNotConnected) {
			t.Errorf("%s while offline: err = %v, want ErrNotConnected", c.name, err)
		}
	}
	none(t, h, "actions while offline")
	h.SetConnected(true)
	id, err := h.Transport.Send(ctx, bot.OutMessage{Chat: h.Group, Text: "back"})
	if err != nil {
		t.Fatalf("send once connected again: %v", err)
	}
	only(t, h, Action{Kind: "text", Chat: h.Group, ID: id, Text: "back"})
}

// String makes failure messages readable.
func (a Action) String() string {
	return fmt.Sprintf("%s %s id=%q text=%q reply=%q mentions=%v options=%v member=%q",
		a.Kind, a.Chat, a.ID, a.Text, a.ReplyTo, a.Mentions, a.Options, a.Member)
}

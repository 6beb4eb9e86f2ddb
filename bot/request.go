package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Request is one command (or poll vote, or listened-to message) being handled.
type Request struct {
	Msg     *Message
	Chat    Chat
	Sender  Person
	Group   GroupSettings // zero value in direct chats
	Command string        // canonical command name, "" when not a command
	Args    string        // everything after the command name, trimmed
	Route   *Route

	// Poll and Votes are set for poll votes: the poll as sent and the
	// voter's current selection (empty = vote withdrawn).
	Poll  *Poll
	Votes []string

	e     *Engine
	admin *bool
	// phoneReply is set when the text carries a typed phone number: the
	// command is answered with it and never run.
	phoneReply string
	// taken says a handler or listener answered the message or took it
	// (Take), so the direct-message fallback stays silent.
	taken bool
}

// Take marks a non-command message as dealt with: a listener that takes a
// direct message without replying through the request (the council inbox,
// say) calls it so the fallback answer is not sent as well.
func (r *Request) Take() { r.taken = true }

// Taken reports whether someone answered or took the message.
func (r *Request) Taken() bool { return r.taken }

// NewRequest builds a request outside the engine's own dispatch, for tests
// that call a handler or an inspector directly.
func (e *Engine) NewRequest(m *Message, sender Person, group GroupSettings) *Request {
	return &Request{Msg: m, Chat: m.Chat, Sender: sender, Group: group, e: e}
}

// In builds a request from the same sender, now, in another chat than the
// one r came from (answering a direct message in the group a record
// belongs to), so replies and mentions work there as in a handler.
func (r *Request) In(chat Chat, group GroupSettings) *Request {
	return &Request{Msg: &Message{Chat: chat, Time: r.Now()}, Chat: chat, Sender: r.Sender, Group: group, e: r.e}
}

// Now is the engine clock's time.
func (r *Request) Now() time.Time { return r.e.now() }

// Fields splits the arguments on white space.
func (r *Request) Fields() []string { return strings.Fields(r.Args) }

// Cmd writes a command name with the prefix, for replies: Cmd("lent") = "!lent".
func (r *Request) Cmd(name string) string { return r.e.prefix() + name }

// Reply answers in the chat the command came from, quoting it in groups.
func (r *Request) Reply(ctx context.Context, text string, mentions ...Mention) error {
	if len(mentions) == 0 && r.Route != nil && r.Route.Lists {
		if done, err := r.replyListing(ctx, text); done || err != nil {
			return err
		}
	}
	out := OutMessage{Chat: r.Chat.ID, Text: text, Mentions: mentions}
	if r.Chat.IsGroup && r.Msg != nil && r.Msg.ID != "" {
		ref := r.Msg.Ref()
		out.ReplyTo = &ref
	}
	r.taken = true
	_, err := r.e.out.queueSend(ctx, out)
	return err
}

// Replyf is Reply with formatting.
func (r *Request) Replyf(ctx context.Context, format string, args ...any) error {
	return r.Reply(ctx, fmt.Sprintf(format, args...))
}

// Say posts in the request's chat without quoting.
func (r *Request) Say(ctx context.Context, text string, mentions ...Mention) (string, error) {
	r.taken = true
	return r.e.out.queueSend(ctx, OutMessage{Chat: r.Chat.ID, Text: text, Mentions: mentions})
}

// DM sends a direct message to a person.
func (r *Request) DM(ctx context.Context, p Person, text string) error {
	return r.e.out.DM(ctx, p, text)
}

// IsAdmin reports whether the sender is a group admin or bot owner.
// Cached for the request.
func (r *Request) IsAdmin(ctx context.Context) (bool, error) {
	if r.admin != nil {
		return *r.admin, nil
	}
	chat := ChatID("")
	if r.Chat.IsGroup {
		chat = r.Chat.ID
	}
	var extra []Address
	if r.Msg != nil {
		extra = r.Msg.Sender.Addrs()
	}
	ok, err := r.e.groups.IsAdmin(ctx, chat, r.Sender, extra...)
	if err != nil {
		return false, err
	}
	r.admin = &ok
	return ok, nil
}

// Mentioned resolves the people @mentioned in the message, in order.
func (r *Request) Mentioned(ctx context.Context) ([]Person, error) {
	if r.Msg == nil {
		return nil, nil
	}
	out := make([]Person, 0, len(r.Msg.Mentions))
	for _, m := range r.Msg.Mentions {
		// The mention's name names a new person only: for someone known it
		// is just the display form the engine put in the text, and must not
		// overwrite their own name.
		s := Sender{Addr: m.Addr, Alt: m.Alt}
		if !r.e.knownAddr(ctx, m.Addr) && !r.e.knownAddr(ctx, m.Alt) {
			s.Name = m.Name
		}
		p, err := r.e.store.ResolvePerson(ctx, s, r.Now())
		if err != nil {
			return nil, fmt.Errorf("resolve mention: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// knownAddr reports whether an address already belongs to someone.
func (e *Engine) knownAddr(ctx context.Context, a Address) bool {
	if a == "" {
		return false
	}
	_, err := e.store.PersonByAddr(ctx, a)
	return err == nil
}

// QuotedAuthor resolves the author of the quoted message, if any.
func (r *Request) QuotedAuthor(ctx context.Context) (Person, bool, error) {
	if r.Msg == nil || r.Msg.Quote == nil || r.Msg.Quote.Sender.Addr == "" {
		return Person{}, false, nil
	}
	p, err := r.e.store.ResolvePerson(ctx, r.Msg.Quote.Sender, r.Now())
	if err != nil {
		return Person{}, false, fmt.Errorf("resolve quoted author: %w", err)
	}
	return p, true, nil
}

// StripMentions removes "@Name" tokens of the message's mentions from s, so
// "ladder @Bob for 3d" becomes "ladder for 3d".
func (r *Request) StripMentions(s string) string {
	if r.Msg == nil {
		return s
	}
	for _, m := range r.Msg.Mentions {
		shown := m.Name
		if shown == "" {
			shown = Person{}.DisplayName() // what the engine wrote for an unknown number
		}
		for _, tok := range []string{"@" + m.Addr.User(), "@" + shown} {
			if tok != "@" {
				s = replaceMention(s, tok, "")
			}
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

// requestFor resolves the sender to a person and records what the message
// tells about them (reachable privately, a member of the group, the
// group's current name), then builds the request handlers see.
func (e *Engine) requestFor(ctx context.Context, m *Message, gs GroupSettings) (*Request, error) {
	now := e.now()
	person, err := e.store.ResolvePerson(ctx, m.Sender, now)
	if err != nil {
		return nil, fmt.Errorf("resolve sender: %w", err)
	}
	req := &Request{Msg: m, Chat: m.Chat, Sender: person, e: e}
	if !m.Chat.IsGroup {
		// Only a direct message makes someone reachable privately: WhatsApp
		// treats a DM to someone who only typed a command in a group as
		// cold outreach (error 463, reach-out time-lock), so features use
		// their group fallback until the person writes to the bot.
		if err := e.store.MarkContactable(ctx, person.ID); err != nil {
			return nil, fmt.Errorf("mark contactable: %w", err)
		}
		return req, nil
	}
	if err := e.store.SetMember(ctx, m.Chat.ID, person.ID, true, now); err != nil {
		return nil, fmt.Errorf("record member: %w", err)
	}
	if m.Chat.Name != "" && gs.Name != m.Chat.Name {
		gs.Name = m.Chat.Name
		if gs.Enabled {
			if err := e.store.SaveGroupSettings(ctx, gs); err != nil {
				return nil, fmt.Errorf("save group name: %w", err)
			}
		}
	}
	req.Group = gs
	return req, nil
}

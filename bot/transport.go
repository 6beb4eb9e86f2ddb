package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Mention marks "@Name" in an outgoing text as a mention of Addr. Transports
// that address mentions differently (WhatsApp writes "@"+user) rewrite the
// text; the console prints it as is.
type Mention struct {
	Addr Address
	Name string
}

// MentionOf builds a mention for a person, using the name shown in text.
func MentionOf(p Person) Mention { return Mention{Addr: p.Addr, Name: p.DisplayName()} }

// MessageRef points at a message already in a chat.
type MessageRef struct {
	Chat   ChatID
	ID     string
	Sender Address // author, needed to quote or delete a member's message
	Text   string  // quoted text, for transports that show it
}

// OutMessage is a text the bot sends.
type OutMessage struct {
	Chat ChatID
	// ID is the message id to send under, fixed when the send is queued so
	// that a retry after a crash or a timeout can never post it twice (the
	// server keeps one message per id). Empty: the transport picks one.
	ID       string
	Text     string
	Mentions []Mention
	ReplyTo  *MessageRef
	// Feature, when set, names the feature family the message belongs to:
	// if the group switches that feature off before the message goes, the
	// send queue drops it. Replies to a command need none.
	Feature string `json:",omitempty"`
	// Expires, when set, is when the message stops being worth sending (a
	// verdict days late, a notice past its end): the send queue drops it
	// rather than post it late after an outage.
	Expires time.Time `json:",omitzero"`
	// Attachment, when set, sends a stored file instead of a text.
	Attachment *Attachment `json:",omitempty"`
}

// OutPoll is a single-choice poll the bot sends.
type OutPoll struct {
	Chat     ChatID
	ID       string // fixed message id, as for OutMessage
	Question string
	Options  []string
	// Multiple lets each voter tick several options (WhatsApp's "allow
	// multiple answers"); false is a single-choice poll.
	Multiple bool `json:",omitempty"`
}

// Participant is one member of a group as the transport reports it.
type Participant struct {
	Addrs   []Address
	Name    string
	IsAdmin bool
	IsBot   bool // the bot's own account: never mention or DM it
}

// GroupInfo is a group's membership. Transports cache it and refresh it on
// membership events: the engine asks for it on every admin check.
type GroupInfo struct {
	ID           ChatID
	Name         string
	Participants []Participant
	BotIsAdmin   bool
}

// Find returns the participant having any of addrs.
func (g GroupInfo) Find(addrs ...Address) (Participant, bool) {
	for _, p := range g.Participants {
		for _, pa := range p.Addrs {
			for _, a := range addrs {
				if a != "" && pa == a {
					return p, true
				}
			}
		}
	}
	return Participant{}, false
}

// Transport is everything the bot does outward. bot/whatsapp implements it
// over whatsmeow and bot/console prints it; Paced wraps either with a rate
// limiter.
type Transport interface {
	// NewMessageID returns a fresh message id in the transport's format.
	NewMessageID() string
	Send(ctx context.Context, m OutMessage) (id string, err error)
	SendPoll(ctx context.Context, p OutPoll) (id string, err error)
	Edit(ctx context.Context, chat ChatID, id string, text string) error
	React(ctx context.Context, target MessageRef, emoji string) error
	// Delete removes a message for everyone; for a member's message the bot
	// must be group admin.
	Delete(ctx context.Context, target MessageRef) error
	RemoveMember(ctx context.Context, chat ChatID, member Address) error
	GroupInfo(ctx context.Context, chat ChatID) (GroupInfo, error)
	Download(ctx context.Context, m *Media) ([]byte, error)
}

var (
	// ErrNotInChat means the bot can no longer write to the chat (removed
	// from the group): a permanent failure, not worth retrying.
	ErrNotInChat = errors.New("bot is not a member of the chat")
	// ErrNotAdmin means the action needs the bot to be group admin.
	ErrNotAdmin = errors.New("bot is not a group admin")
	// ErrNotConnected means the transport is offline; retry later.
	ErrNotConnected = errors.New("transport not connected")
	// ErrNoContact means the person never addressed the bot, so it must not
	// message them privately (see Engine.CanDM).
	ErrNoContact = errors.New("person has not messaged the bot")
	// ErrRejected means the action can never succeed as it stands (the
	// server refused it for good, or a queued row cannot be read): the send
	// queue drops it instead of retrying.
	ErrRejected = errors.New("action rejected")
	// ErrExpired means a queued message was not sent because it expired
	// (OutMessage.Expires) or its feature was switched off while it waited.
	ErrExpired = errors.New("no longer worth sending")
	// ErrGroupOff means the group switched the bot off: unsolicited posts
	// there are refused.
	ErrGroupOff = errors.New("the bot is switched off in this group")
	// ErrGroupGone means the bot was removed from the group: posts there
	// wait (jobs) or are dropped (queued sends) until it is added back.
	ErrGroupGone = fmt.Errorf("%w: the bot was removed from this group", ErrNotInChat)
)

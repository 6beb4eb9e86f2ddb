package bot

import (
	"strings"
	"time"
	"unicode"
)

// ChatID names a chat as the transport knows it: a WhatsApp group or user
// JID, or a console group id.
type ChatID string

// Address is how the transport names a person in one of their forms: for
// WhatsApp a JID without device part ("123456@lid" or
// "447700900123@s.whatsapp.net"), for the console a member's name. A person
// may have several addresses; Store.ResolvePerson joins them into one Person.
type Address string

// User returns the part before '@' (the whole address when there is none).
func (a Address) User() string {
	if i := strings.IndexByte(string(a), '@'); i >= 0 {
		return string(a[:i])
	}
	return string(a)
}

// IsPhone reports whether the address is a phone-number form. Phone numbers
// are personal data: never show them in a group.
func (a Address) IsPhone() bool { return strings.HasSuffix(string(a), "@s.whatsapp.net") }

// Chat is where a message was said.
type Chat struct {
	ID      ChatID
	IsGroup bool
	Name    string
}

// Sender identifies the author of a message as the transport saw it.
type Sender struct {
	Addr Address // primary address (LID in LID-addressed groups)
	Alt  Address // the other form when known (phone number or LID)
	Name string  // display (push) name; may be empty
}

// Addrs lists the non-empty addresses.
func (s Sender) Addrs() []Address {
	out := make([]Address, 0, 2)
	if s.Addr != "" {
		out = append(out, s.Addr)
	}
	if s.Alt != "" && s.Alt != s.Addr {
		out = append(out, s.Alt)
	}
	return out
}

// Person is one human across all their addresses. Features key their data on
// Person.ID, never on a phone number.
type Person struct {
	ID   int64
	Name string
	Addr Address // preferred address for mentions and direct messages
}

// DisplayName is safe to show in a group: the person's chosen name, or a
// neutral label, never a phone number.
func (p Person) DisplayName() string {
	if n := strings.TrimSpace(p.Name); n != "" && !looksLikePhone(n) {
		return n
	}
	return "a neighbour"
}

// looksLikePhone reports whether a name is really a phone number: at least
// six digits (in any script) and no letters, whatever the separators
// ("+44 7700 900123", "07700.900.123", full-width digits).
func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			return false
		}
	}
	return digits >= 6
}

// MediaKind says what kind of attachment a message carries.
type MediaKind string

const (
	MediaImage    MediaKind = "image"
	MediaVideo    MediaKind = "video"
	MediaAudio    MediaKind = "audio"
	MediaDocument MediaKind = "document"
	MediaSticker  MediaKind = "sticker"
)

// Media describes an attachment; Transport.Download fetches its bytes later,
// so messages stay cheap to pass around.
type Media struct {
	Kind     MediaKind
	MimeType string
	Size     int64
	FileName string
	// Seconds is a voice note's or video's length, when the transport
	// knows it; Voice marks an audio message recorded as a voice note.
	Seconds int
	Voice   bool
	// Handle is the transport's own reference for downloading (for WhatsApp
	// the protobuf message); the core never looks inside it.
	Handle any `json:"-"`
	// Ref is Handle written out by the transport, so a download can run
	// after a restart from a stored message (nil when there is none).
	Ref []byte `json:",omitempty"`

	// fetched is set on a message whose downloads ran before its handling
	// (mediafetch.go): Download returns it instead of asking the transport.
	fetched *fetchedMedia
}

// Location is a pin dropped in the chat.
type Location struct {
	Lat, Long float64
	Name      string
}

// Quote is the message a message replies to.
type Quote struct {
	ID       string
	Sender   Sender
	Text     string
	Media    *Media
	Location *Location
}

// PollVote is a member's full current selection in a poll the bot sent. An
// empty selection withdraws the vote. WhatsApp identifies options by the
// SHA-256 of their names; the engine maps OptionHashes back to names from the
// poll it stored when sending, so handlers only see Options.
type PollVote struct {
	PollID       string
	Options      []string
	OptionHashes [][]byte
}

// Reaction is an emoji reaction to an earlier message; an empty Emoji removes it.
type Reaction struct {
	TargetID string
	Emoji    string
}

// Message is one inbound chat message in transport-neutral form.
type Message struct {
	ID string
	// EditOf is set when the message is an edit: the id of the message it
	// changes. The text is the new text; an edit is inspected (moderation)
	// but never run as a command.
	EditOf   string
	Chat     Chat
	Sender   Sender
	Time     time.Time
	Text     string
	Quote    *Quote
	Mentions []Sender
	Media    *Media
	Location *Location
	PollVote *PollVote
	Reaction *Reaction
}

// Ref returns a reference to this message for replies, reactions and deletes.
// For an edit it points at the edited message, which is what a chat shows.
func (m *Message) Ref() MessageRef {
	id := m.ID
	if m.EditOf != "" {
		id = m.EditOf
	}
	return MessageRef{Chat: m.Chat.ID, ID: id, Sender: m.Sender.Addr, Text: m.Text}
}

// GroupChangeKind is what happened to a group's membership.
type GroupChangeKind string

const (
	MemberJoined   GroupChangeKind = "join"
	MemberLeft     GroupChangeKind = "leave"
	MemberPromoted GroupChangeKind = "promote"
	MemberDemoted  GroupChangeKind = "demote"
	// BotRemoved and BotAdded: the bot itself left (was removed from) or
	// joined (was added back to) the group; Members is empty.
	BotRemoved GroupChangeKind = "bot_removed"
	BotAdded   GroupChangeKind = "bot_added"
)

// GroupChange is a membership event (join, leave, promote, demote).
type GroupChange struct {
	Chat    Chat
	Kind    GroupChangeKind
	Members []Sender
	By      *Sender
	Time    time.Time
}

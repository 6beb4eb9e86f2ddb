package whatsapp

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// Client is the part of *whatsmeow.Client the adapter uses. Keeping it this
// narrow lets the tests drive the adapter with a fake and shows at a glance
// everything the bot can do on WhatsApp.
type Client interface {
	SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error)
	BuildReaction(chat, sender types.JID, id types.MessageID, reaction string) *waE2E.Message
	BuildPollCreation(name string, optionNames []string, selectableOptionCount int) *waE2E.Message
	BuildEdit(chat types.JID, id types.MessageID, newContent *waE2E.Message) *waE2E.Message
	BuildRevoke(chat, sender types.JID, id types.MessageID) *waE2E.Message
	UpdateGroupParticipants(ctx context.Context, jid types.JID, participantChanges []types.JID, action whatsmeow.ParticipantChange) ([]types.GroupParticipant, error)
	GetGroupInfo(ctx context.Context, jid types.JID) (*types.GroupInfo, error)
	// DownloadToFile streams an attachment into file (Download would read
	// the whole body into memory before any size check, download.go).
	DownloadToFile(ctx context.Context, msg whatsmeow.DownloadableMessage, file whatsmeow.File) error
	Upload(ctx context.Context, plaintext []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error)
	DecryptPollVote(ctx context.Context, vote *events.Message) (*waE2E.PollVoteMessage, error)
	GenerateMessageID() types.MessageID
	SendPresence(ctx context.Context, state types.Presence) error
	// IsLoggedIn and IsConnected together say sends can go. Neither is
	// enough alone: IsConnected is true from the socket's opening, before
	// login, and IsLoggedIn stays true after a network drop or a keep-alive
	// forced reconnect (client.go clears it only on a stream error), so
	// mautrix-whatsapp checks both (pkg/connector/phoneping.go).
	IsLoggedIn() bool
	IsConnected() bool

	// OwnJID and OwnLID are the bot account's own addresses (device part
	// included; the adapter strips it).
	OwnJID() types.JID
	OwnLID() types.JID
	// PNForLID and LIDForPN look up whatsmeow's local LID store; they return
	// an empty JID when the mapping is unknown.
	PNForLID(ctx context.Context, lid types.JID) (types.JID, error)
	LIDForPN(ctx context.Context, pn types.JID) (types.JID, error)
	// MessageSecret is the secret whatsmeow stored for a message the bot
	// sent in chat under id (nil when it never stored one): polls and
	// other messages whose replies are encrypted carry one.
	MessageSecret(ctx context.Context, chat types.JID, id types.MessageID) ([]byte, error)
}

// liveClient adds the store lookups to a real whatsmeow client.
type liveClient struct {
	*whatsmeow.Client
}

// Wrap adapts a real whatsmeow client to Client.
func Wrap(cli *whatsmeow.Client) Client { return liveClient{cli} }

func (c liveClient) OwnJID() types.JID { return c.Store.GetJID() }
func (c liveClient) OwnLID() types.JID { return c.Store.GetLID() }

func (c liveClient) PNForLID(ctx context.Context, lid types.JID) (types.JID, error) {
	return c.Store.LIDs.GetPNForLID(ctx, lid)
}

func (c liveClient) LIDForPN(ctx context.Context, pn types.JID) (types.JID, error) {
	return c.Store.LIDs.GetLIDForPN(ctx, pn)
}

// MessageSecret reads the secret SendMessage stored for the bot's own
// message (send.go stores it under the address it sent as: the LID in LID
// groups and after the LID migration, else the phone number). The store's
// lookup also matches the other form of chat and sender through its LID
// map; both own forms are tried in case that map lacks the bot itself.
func (c liveClient) MessageSecret(ctx context.Context, chat types.JID, id types.MessageID) ([]byte, error) {
	if c.Store.ID == nil || c.Store.MsgSecrets == nil {
		return nil, nil
	}
	for _, own := range []types.JID{c.Store.GetLID(), c.Store.GetJID()} {
		if own.IsEmpty() {
			continue
		}
		secret, _, err := c.Store.MsgSecrets.GetMessageSecret(ctx, chat, own, id)
		if err != nil || len(secret) > 0 {
			return secret, err
		}
	}
	return nil, nil
}

package whatsapp

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/gcmutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"google.golang.org/protobuf/proto"
)

// decryptVote decrypts a vote on one of the bot's polls. The vote's key is
// derived from the poll's secret, the poll's id, the poll sender's address
// and the voter's address, each as the voter's phone saw them. In LID
// groups either address may be the LID or the phone number, and this
// whatsmeow version tries one pair only: the voter as the vote came and the
// poll sender as its store holds it (msgsecret.go, decryptMsgSecret).
// Upstream has since tried both forms ("msgsecret: add hack for trying both
// senders", "pick vote encryption sender based on poll sender"); here the
// same is done with the pinned API: DecryptPollVote again with the voter's
// other form, then the derivation with the bot's other form as the sender.
func (a *Adapter) decryptVote(ctx context.Context, evt *events.Message) (*waE2E.PollVoteMessage, error) {
	vote, err := a.cli.DecryptPollVote(ctx, evt)
	if err == nil {
		return vote, nil
	}
	voter := evt.Info.Sender.ToNonAD()
	alt := evt.Info.SenderAlt.ToNonAD()
	if alt.IsEmpty() {
		alt = a.altJID(ctx, voter)
	}
	if !alt.IsEmpty() && alt != voter {
		other := *evt
		other.Info.Sender, other.Info.SenderAlt = alt, evt.Info.Sender
		if vote, err := a.cli.DecryptPollVote(ctx, &other); err == nil {
			return vote, nil
		}
	}
	if vote := a.decryptOwnPollVote(ctx, evt, []types.JID{voter, alt}); vote != nil {
		return vote, nil
	}
	return nil, err
}

// decryptOwnPollVote tries each of the bot's own address forms as the poll
// sender, with each of the voter's, for a poll the bot sent; nil when none
// fits or the poll is not the bot's.
func (a *Adapter) decryptOwnPollVote(ctx context.Context, evt *events.Message, voters []types.JID) *waE2E.PollVoteMessage {
	pu := evt.Message.GetPollUpdateMessage()
	pollID := types.MessageID(pu.GetPollCreationMessageKey().GetID())
	secret, err := a.cli.MessageSecret(ctx, evt.Info.Chat.ToNonAD(), pollID)
	if err != nil || len(secret) == 0 {
		return nil
	}
	for _, own := range []types.JID{a.cli.OwnLID(), a.cli.OwnJID()} {
		for _, voter := range voters {
			if own.IsEmpty() || voter.IsEmpty() {
				continue
			}
			if vote, err := openVote(secret, pollID, own.ToNonAD(), voter, pu.GetVote()); err == nil {
				return vote
			}
		}
	}
	return nil
}

// openVote is whatsmeow's derivation for a poll vote (msgsecret.go,
// generateMsgSecretKey with EncSecretPollVote): HKDF-SHA256 of the poll's
// secret over poll id, poll sender, voter and use case; AES-GCM with the
// poll id and voter as additional data.
func openVote(secret []byte, pollID types.MessageID, pollSender, voter types.JID, enc *waE2E.PollEncValue) (*waE2E.PollVoteMessage, error) {
	info := []byte(string(pollID) + pollSender.String() + voter.String() + string(whatsmeow.EncSecretPollVote))
	key := hkdfutil.SHA256(secret, nil, info, 32)
	plain, err := gcmutil.Decrypt(key, enc.GetEncIV(), enc.GetEncPayload(), fmt.Appendf(nil, "%s\x00%s", pollID, voter))
	if err != nil {
		return nil, err
	}
	var vote waE2E.PollVoteMessage
	if err := proto.Unmarshal(plain, &vote); err != nil {
		return nil, fmt.Errorf("decode poll vote: %w", err)
	}
	return &vote, nil
}

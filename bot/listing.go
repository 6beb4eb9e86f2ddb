package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// A long listing (!help, !items, !power history, !potholes …) asked for
// again in the same group within a few minutes is not posted again: four
// "!help" in a row would bury the chat in four identical walls of text.
// The repeat goes privately to someone who has messaged the bot, or is
// answered with one line quoting the earlier post. This is decided here,
// for every reply, not by each command.

// listingRepeatWindow is how long a posted listing counts as "just above".
const listingRepeatWindow = 10 * time.Minute

// listingMinLines is how many lines make a reply a listing.
const listingMinLines = 4

func isListing(text string) bool { return strings.Count(text, "\n")+1 >= listingMinLines }

func listingHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:12])
}

// replyListing answers with a long listing in a group: the listing itself,
// or, when the same one was posted there within the window, a private copy
// or a pointer to it. handled is false when text is no listing, or this is
// not a group.
func (r *Request) replyListing(ctx context.Context, text string) (handled bool, err error) {
	if !r.Chat.IsGroup || !isListing(text) {
		return false, nil
	}
	e, now := r.e, r.Now()
	h := listingHash(text)
	prev, ok, err := e.store.RecentListing(ctx, r.Chat.ID, h, now.Add(-listingRepeatWindow))
	if err != nil {
		return false, err
	}
	r.taken = true
	if !ok {
		id := e.tr.NewMessageID()
		out := OutMessage{Chat: r.Chat.ID, ID: id, Text: text}
		if r.Msg != nil && r.Msg.ID != "" {
			ref := r.Msg.Ref()
			out.ReplyTo = &ref
		}
		if _, err := e.out.queueSend(ctx, out); err != nil {
			return true, err
		}
		first, _, _ := strings.Cut(text, "\n")
		return true, e.store.SaveListing(ctx, Listing{Chat: r.Chat.ID, Hash: h, MsgID: id, First: first, At: now}, now.Add(-listingRepeatWindow))
	}
	if can, err := e.out.CanDM(ctx, r.Sender); err != nil {
		return true, err
	} else if can {
		name := r.Chat.Name
		if name == "" {
			name = r.Group.Name
		}
		if name == "" {
			name = "the group"
		}
		return true, e.out.DM(ctx, r.Sender, fmt.Sprintf("From %s (it was posted there a moment ago, so here it is just for you):\n%s", name, text))
	}
	quote := MessageRef{Chat: r.Chat.ID, ID: prev.MsgID, Text: prev.First}
	_, err = e.out.queueSend(ctx, OutMessage{Chat: r.Chat.ID, Text: fmt.Sprintf("See the list above ↑ (posted %s).", ago(now.Sub(prev.At))), ReplyTo: &quote})
	return true, err
}

// ago says how long ago, the way people do.
func ago(d time.Duration) string {
	switch m := int(d / time.Minute); {
	case m < 1:
		return "just now"
	case m == 1:
		return "a minute ago"
	default:
		return fmt.Sprintf("%d minutes ago", m)
	}
}

package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
)

var _ bot.Transport = (*Adapter)(nil)

// Send sends a text, optionally quoting a message and mentioning people.
// Mentions are written "@Name" by the core; WhatsApp wants "@"+user of the
// mentioned JID in the text and the JID in MentionedJID.
func (a *Adapter) Send(ctx context.Context, m bot.OutMessage) (string, error) {
	chat, err := a.writableChat(m.Chat)
	if err != nil {
		return "", err
	}
	text, mentioned := a.rewriteMentions(ctx, chat, m.Text, m.Mentions)
	msg := &waE2E.Message{}
	if m.ReplyTo == nil && len(mentioned) == 0 {
		msg.Conversation = proto.String(text)
	} else {
		ci := &waE2E.ContextInfo{MentionedJID: mentioned}
		if r := m.ReplyTo; r != nil && r.ID != "" {
			ci.StanzaID = proto.String(r.ID)
			ci.QuotedMessage = &waE2E.Message{Conversation: proto.String(r.Text)}
			if p, err := parseAddr(r.Sender); err == nil {
				ci.Participant = proto.String(p.String())
			}
		}
		msg.ExtendedTextMessage = &waE2E.ExtendedTextMessage{Text: proto.String(text), ContextInfo: ci}
	}
	resp, err := a.cli.SendMessage(ctx, chat, msg, whatsmeow.SendRequestExtra{ID: m.ID})
	if err != nil {
		return "", fmt.Errorf("send: %w", mapError(err, opSend))
	}
	return resp.ID, nil
}

// NewMessageID returns a WhatsApp message id for a send queued now and sent
// later, possibly more than once: the server keeps one message per id.
func (a *Adapter) NewMessageID() string { return string(a.cli.GenerateMessageID()) }

// SendPoll sends a single-choice poll.
func (a *Adapter) SendPoll(ctx context.Context, p bot.OutPoll) (string, error) {
	to, err := a.writableChat(p.Chat)
	if err != nil {
		return "", err
	}
	resp, err := a.cli.SendMessage(ctx, to, a.cli.BuildPollCreation(p.Question, p.Options, 1), whatsmeow.SendRequestExtra{ID: p.ID})
	if err != nil {
		return "", fmt.Errorf("send poll: %w", mapError(err, opSend))
	}
	return resp.ID, nil
}

// Edit replaces the text of a message the bot sent (WhatsApp allows this
// for 20 minutes).
func (a *Adapter) Edit(ctx context.Context, chat bot.ChatID, id string, text string) error {
	to, err := a.writableChat(chat)
	if err != nil {
		return err
	}
	msg := a.cli.BuildEdit(to, id, &waE2E.Message{Conversation: proto.String(text)})
	if _, err := a.cli.SendMessage(ctx, to, msg); err != nil {
		return fmt.Errorf("edit: %w", mapError(err, opSend))
	}
	return nil
}

// React puts an emoji on a message; an empty emoji removes the reaction.
func (a *Adapter) React(ctx context.Context, target bot.MessageRef, emoji string) error {
	to, err := a.writableChat(target.Chat)
	if err != nil {
		return err
	}
	sender := types.EmptyJID // empty: the bot's own message
	if target.Sender != "" {
		if sender, err = parseAddr(target.Sender); err != nil {
			return fmt.Errorf("react: %w", err)
		}
	}
	if _, err := a.cli.SendMessage(ctx, to, a.cli.BuildReaction(to, sender, target.ID, emoji)); err != nil {
		return fmt.Errorf("react: %w", mapError(err, opSend))
	}
	return nil
}

// Delete revokes a message for everyone. For a member's message the bot
// must be group admin, and the revoke must name the original sender exactly
// as WhatsApp addressed them (the LID in LID groups), or it is ignored.
func (a *Adapter) Delete(ctx context.Context, target bot.MessageRef) error {
	to, err := a.writableChat(target.Chat)
	if err != nil {
		return err
	}
	sender := types.EmptyJID
	if target.Sender != "" {
		if sender, err = parseAddr(target.Sender); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
	}
	if to.Server == types.GroupServer && !sender.IsEmpty() && !ownAddrs(a.cli)[bot.Address(sender.String())] {
		g, err := a.group(ctx, target.Chat)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if !g.info.BotIsAdmin {
			return fmt.Errorf("delete %s: %w", target.ID, bot.ErrNotAdmin)
		}
	}
	if _, err := a.cli.SendMessage(ctx, to, a.cli.BuildRevoke(to, sender, target.ID)); err != nil {
		return fmt.Errorf("delete: %w", mapError(err, opDelete))
	}
	return nil
}

// RemoveMember removes a participant from a group; the bot must be admin.
// WhatsApp answers per participant, so a refused removal shows up in the
// result rather than as a request error.
func (a *Adapter) RemoveMember(ctx context.Context, chat bot.ChatID, member bot.Address) error {
	to, err := a.writableChat(chat)
	if err != nil {
		return err
	}
	target, err := parseAddr(member)
	if err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	g, err := a.group(ctx, chat)
	if err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	if !g.info.BotIsAdmin {
		return fmt.Errorf("remove member: %w", bot.ErrNotAdmin)
	}
	// Address the member the way the group does (its primary JID).
	alt := a.altJID(ctx, target)
	if p, ok := g.info.Find(bot.Address(target.String()), bot.Address(alt.String())); ok && len(p.Addrs) > 0 {
		if primary, err := parseAddr(p.Addrs[0]); err == nil {
			target = primary
		}
	}
	results, err := a.cli.UpdateGroupParticipants(ctx, to, []types.JID{target}, whatsmeow.ParticipantChangeRemove)
	if err != nil {
		return fmt.Errorf("remove member: %w", mapError(err, opAdmin))
	}
	a.InvalidateGroup(to)
	for _, r := range results {
		switch r.Error {
		case 0:
		case 401, 403:
			return fmt.Errorf("remove member: WhatsApp refused (code %d): %w", r.Error, bot.ErrNotAdmin)
		default:
			return fmt.Errorf("remove member %s: WhatsApp refused with code %d", r.JID, r.Error)
		}
	}
	return nil
}

// Download fetches and decrypts an attachment the translator described.
func (a *Adapter) Download(ctx context.Context, m *bot.Media) ([]byte, error) {
	if m == nil {
		return nil, errors.New("download: no media")
	}
	dm, ok := m.Handle.(whatsmeow.DownloadableMessage)
	if !ok {
		return nil, fmt.Errorf("download: %s attachment has no WhatsApp media handle", m.Kind)
	}
	if !a.cli.IsConnected() {
		return nil, fmt.Errorf("download: %w", bot.ErrNotConnected)
	}
	data, err := a.cli.Download(ctx, dm)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", m.Kind, mapError(err, opRead))
	}
	return data, nil
}

// writableChat parses the chat and fails fast when offline.
func (a *Adapter) writableChat(chat bot.ChatID) (types.JID, error) {
	to, err := parseChat(chat)
	if err != nil {
		return types.EmptyJID, err
	}
	if !a.cli.IsConnected() {
		return types.EmptyJID, bot.ErrNotConnected
	}
	return to, nil
}

// rewriteMentions turns "@Name" into "@"+user and collects the JIDs. In a
// LID-addressed group the LID is preferred (and the phone number in a
// phone-addressed one), so the mention resolves for everyone.
func (a *Adapter) rewriteMentions(ctx context.Context, chat types.JID, text string, mentions []bot.Mention) (string, []string) {
	if len(mentions) == 0 {
		return text, nil
	}
	lidMode, knowMode := false, false
	if chat.Server == types.GroupServer {
		if g, err := a.group(ctx, bot.ChatID(chat.String())); err == nil {
			lidMode, knowMode = g.lidMode, true
		} else {
			a.log.Debug("mention without group info", "chat", chat, "err", err)
		}
	}
	type pair struct{ name, user string }
	var pairs []pair
	var jids []string
	seen := map[string]bool{}
	for _, mn := range mentions {
		j, err := parseAddr(mn.Addr)
		if err != nil {
			a.log.Debug("mention skipped", "addr", mn.Addr, "err", err)
			continue
		}
		if knowMode && (lidMode != (j.Server == types.HiddenUserServer)) {
			alt := a.altJID(ctx, j)
			if alt.IsEmpty() && lidMode && j.Server == types.DefaultUserServer {
				// A LID group hides members' numbers; with no LID known
				// for this person, "@447…" would show theirs to everyone.
				// Leave "@Name" as plain text instead.
				a.log.Debug("mention left as text: no LID known in a LID group")
				continue
			}
			if !alt.IsEmpty() {
				j = alt
			}
		}
		if mn.Name != "" {
			pairs = append(pairs, pair{"@" + mn.Name, "@" + j.User})
		}
		if s := j.String(); !seen[s] {
			seen[s] = true
			jids = append(jids, s)
		}
	}
	// Longest names first, one pass: "@Al" never eats into "@Alice", and
	// a replaced "@4477…" is never matched again.
	sort.SliceStable(pairs, func(i, k int) bool { return len(pairs[i].name) > len(pairs[k].name) })
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.name, p.user)
	}
	if len(args) > 0 {
		text = strings.NewReplacer(args...).Replace(text)
	}
	return text, jids
}

// parseAddr reads a person's address (a JID without device part).
func parseAddr(addr bot.Address) (types.JID, error) {
	j, err := types.ParseJID(string(addr))
	if err != nil || !strings.Contains(string(addr), "@") || j.User == "" {
		return types.EmptyJID, fmt.Errorf("%q is not a WhatsApp address", addr)
	}
	return j.ToNonAD(), nil
}

type operation int

const (
	opRead   operation = iota
	opSend             // a message to a chat
	opDelete           // revoking a member's message
	opAdmin            // changing participants
)

// mapError translates whatsmeow errors into the core's sentinel errors
// where the cause is identifiable, keeping the original for the log.
func mapError(err error, op operation) error {
	var disc *whatsmeow.DisconnectedError
	switch {
	case errors.Is(err, whatsmeow.ErrNotConnected), errors.Is(err, whatsmeow.ErrNotLoggedIn), errors.As(err, &disc):
		return fmt.Errorf("%w: %w", bot.ErrNotConnected, err)
	case errors.Is(err, whatsmeow.ErrNotInGroup), errors.Is(err, whatsmeow.ErrGroupNotFound):
		return fmt.Errorf("%w: %w", bot.ErrNotInChat, err)
	case errors.Is(err, whatsmeow.ErrIQForbidden), errors.Is(err, whatsmeow.ErrIQNotAuthorized):
		if op == opAdmin {
			return fmt.Errorf("%w: %w", bot.ErrNotAdmin, err)
		}
		return fmt.Errorf("%w: %w", bot.ErrNotInChat, err)
	case serverRefused(err, 403) || serverRefused(err, 401):
		// A message ack with error 403: for an admin revoke it means the
		// bot is not admin; for anything else it may no longer write here.
		if op == opDelete {
			return fmt.Errorf("%w: %w", bot.ErrNotAdmin, err)
		}
		return fmt.Errorf("%w: %w", bot.ErrNotInChat, err)
	}
	return err
}

// serverRefused reports whether a send failed with the given ack error code
// (whatsmeow formats these as ErrServerReturnedError followed by the code).
func serverRefused(err error, code int) bool {
	return errors.Is(err, whatsmeow.ErrServerReturnedError) && strings.HasSuffix(err.Error(), fmt.Sprintf(" %d", code))
}

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
	if m.Attachment != nil {
		return a.sendMedia(ctx, chat, m) // media_out.go
	}
	text, mentioned := a.rewriteMentions(ctx, chat, m.Text, m.Mentions)
	expiration := a.expiration(ctx, chat)
	msg := &waE2E.Message{}
	if m.ReplyTo == nil && len(mentioned) == 0 && expiration == 0 {
		msg.Conversation = proto.String(text)
	} else {
		ci := a.replyContext(ctx, chat, m.ReplyTo)
		if ci == nil {
			ci = &waE2E.ContextInfo{}
		}
		ci.MentionedJID = mentioned
		setExpiration(ci, expiration)
		msg.ExtendedTextMessage = &waE2E.ExtendedTextMessage{Text: proto.String(text), ContextInfo: ci}
	}
	resp, err := a.cli.SendMessage(ctx, chat, msg, whatsmeow.SendRequestExtra{ID: m.ID})
	if err != nil {
		return "", fmt.Errorf("send: %w", mapError(err, opSend))
	}
	return resp.ID, nil
}

// expiration is the chat's disappearing-message timer in seconds (0: off or
// unknown). WhatsApp does not apply a chat's timer to a message by itself:
// each message must carry it, or residents see "this message will not
// disappear" (mautrix-whatsapp's from-matrix.go sets it the same way).
func (a *Adapter) expiration(ctx context.Context, chat types.JID) uint32 {
	if chat.Server != types.GroupServer {
		// A direct chat's timer as its latest message showed it.
		a.groupsMu.Lock()
		defer a.groupsMu.Unlock()
		return a.timers[chat]
	}
	if _, err := a.group(ctx, bot.ChatID(chat.String())); err != nil {
		a.log.Debug("disappearing timer from the last known value", "chat", chat, "err", err)
	}
	a.groupsMu.Lock()
	defer a.groupsMu.Unlock()
	return a.timers[chat]
}

func setExpiration(ci *waE2E.ContextInfo, seconds uint32) {
	if seconds > 0 {
		ci.Expiration = proto.Uint32(seconds)
	}
}

// ownAddrFor is the bot's own address as the chat addresses members: its
// LID in LID groups (and when the mode is unknown), else its phone number.
func (a *Adapter) ownAddrFor(ctx context.Context, chat types.JID) types.JID {
	pn, lid := a.cli.OwnJID().ToNonAD(), a.cli.OwnLID().ToNonAD()
	lidMode := true
	if g, err := a.group(ctx, bot.ChatID(chat.String())); err == nil {
		lidMode = g.lidMode
	}
	if (lidMode && !lid.IsEmpty()) || pn.IsEmpty() {
		return lid
	}
	return pn
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
	selectable := 1
	if p.Multiple {
		selectable = 0 // WhatsApp's "any number of answers"
	}
	msg := a.cli.BuildPollCreation(p.Question, p.Options, selectable)
	if err := a.keepPollSecret(ctx, to, types.MessageID(p.ID), msg); err != nil {
		return "", err
	}
	if exp := a.expiration(ctx, to); exp > 0 && msg.GetPollCreationMessage() != nil {
		pc := msg.GetPollCreationMessage()
		if pc.ContextInfo == nil {
			pc.ContextInfo = &waE2E.ContextInfo{}
		}
		setExpiration(pc.ContextInfo, exp)
	}
	resp, err := a.cli.SendMessage(ctx, to, msg, whatsmeow.SendRequestExtra{ID: p.ID})
	if err != nil {
		return "", fmt.Errorf("send poll: %w", mapError(err, opSend))
	}
	return resp.ID, nil
}

// keepPollSecret gives a poll sent again under the same id (the send queue
// retries after an offline error, a timeout or a restart) the secret its
// first attempt carried. Votes are encrypted with the secret on residents'
// phones, and whatsmeow keeps only the first secret stored for an id
// (PutMessageSecret … ON CONFLICT DO NOTHING, store/sqlstore/store.go;
// SendMessage stores it before sending, send.go): a fresh secret from
// BuildPollCreation on a retry would make every vote undecryptable.
func (a *Adapter) keepPollSecret(ctx context.Context, chat types.JID, id types.MessageID, msg *waE2E.Message) error {
	if id == "" || msg.GetMessageContextInfo() == nil {
		return nil
	}
	secret, err := a.cli.MessageSecret(ctx, chat, id)
	if err != nil {
		// Sending without knowing would risk a second secret: retry later.
		return fmt.Errorf("send poll: read the secret of an earlier attempt: %w", err)
	}
	if len(secret) > 0 {
		msg.MessageContextInfo.MessageSecret = secret
	}
	return nil
}

// Edit replaces the text of a message the bot sent. WhatsApp shows edits
// only within whatsmeow.EditWindow (20 minutes) of the original; features
// keep their edits inside it (power's window is capped for this).
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
		case 404:
			// Not in the group (any more): what the removal wanted. A retry
			// would get the same answer for ever.
			a.log.Info("member to remove had already left", "chat", chat)
		case 401, 403:
			return fmt.Errorf("remove member: WhatsApp refused (code %d): %w", r.Error, bot.ErrNotAdmin)
		default:
			return fmt.Errorf("remove member %s: WhatsApp refused with code %d", r.JID, r.Error)
		}
	}
	return nil
}

// ErrMediaTooLarge refuses an attachment over Options.MaxDownloadBytes.
var ErrMediaTooLarge = errors.New("attachment is larger than the download cap")

// Download fetches and decrypts an attachment the translator described,
// within a deadline and a size cap: a declared size over the cap is refused
// before any request, and the transfer stops once it passes the cap (a
// sender can declare any size).
func (a *Adapter) Download(ctx context.Context, m *bot.Media) ([]byte, error) {
	if m == nil {
		return nil, errors.New("download: no media")
	}
	dm, err := mediaHandle(m)
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	limit := a.opts.MaxDownloadBytes
	if m.Size > limit {
		return nil, fmt.Errorf("download %s of %d bytes: %w (%d bytes)", m.Kind, m.Size, ErrMediaTooLarge, limit)
	}
	if !a.online() {
		return nil, fmt.Errorf("download: %w", bot.ErrNotConnected)
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.DownloadTimeout)
	defer cancel()
	// The encrypted body is the plaintext padded to the AES block plus a
	// 10-byte MAC: allow for that overhead while streaming.
	f := &memFile{limit: limit + 32}
	if err := a.cli.DownloadToFile(ctx, dm, f); err != nil {
		if errors.Is(err, ErrMediaTooLarge) {
			return nil, fmt.Errorf("download %s: %w (%d bytes)", m.Kind, ErrMediaTooLarge, limit)
		}
		return nil, fmt.Errorf("download %s: %w", m.Kind, mapError(err, opRead))
	}
	if int64(len(f.data)) > limit {
		return nil, fmt.Errorf("download %s: %w (%d bytes)", m.Kind, ErrMediaTooLarge, limit)
	}
	return f.data, nil
}

// writableChat parses the chat and fails fast when not logged in.
func (a *Adapter) writableChat(chat bot.ChatID) (types.JID, error) {
	to, err := parseChat(chat)
	if err != nil {
		return types.EmptyJID, err
	}
	if !a.online() {
		return types.EmptyJID, bot.ErrNotConnected
	}
	return to, nil
}

// rewriteMentions turns "@Name" into "@"+user and collects the JIDs. In a
// LID-addressed group the LID is preferred (and the phone number in a
// phone-addressed one), so the mention resolves for everyone. A phone
// number is never written into a group whose addressing is LID or unknown:
// that would show it to everyone.
func (a *Adapter) rewriteMentions(ctx context.Context, chat types.JID, text string, mentions []bot.Mention) (string, []string) {
	if len(mentions) == 0 {
		return text, nil
	}
	lidMode, knowMode := false, chat.Server != types.GroupServer
	if chat.Server == types.GroupServer {
		if g, err := a.group(ctx, bot.ChatID(chat.String())); err == nil {
			lidMode, knowMode = g.lidMode, true
		} else {
			a.log.Debug("mention without group info", "chat", chat, "err", err)
		}
	}
	users := map[string][]string{} // "@Name" → "@user" per mention, in order
	var names []string
	var jids []string
	seen := map[string]bool{}
	for _, mn := range mentions {
		j, err := parseAddr(mn.Addr)
		if err != nil {
			a.log.Debug("mention skipped", "addr", mn.Addr, "err", err)
			continue
		}
		j, ok := a.mentionJID(ctx, j, lidMode, knowMode)
		if !ok {
			// Leave "@Name" as plain text: no LID is known for this person.
			a.log.Debug("mention left as text: no LID known", "known_mode", knowMode)
			continue
		}
		if mn.Name != "" {
			key := "@" + mn.Name
			if _, dup := users[key]; !dup {
				names = append(names, key)
			}
			users[key] = append(users[key], "@"+j.User)
		}
		if s := j.String(); !seen[s] {
			seen[s] = true
			jids = append(jids, s)
		}
	}
	return replaceMentions(text, names, users), jids
}

// mentionJID picks the address to mention j by. ok is false when only a
// phone number is known and the group hides numbers (or its addressing is
// unknown).
func (a *Adapter) mentionJID(ctx context.Context, j types.JID, lidMode, knowMode bool) (types.JID, bool) {
	if knowMode && lidMode == (j.Server == types.HiddenUserServer) {
		return j, true
	}
	alt := a.altJID(ctx, j)
	switch {
	case knowMode && !lidMode:
		// A phone-number group: the number is what members see anyway.
		if !alt.IsEmpty() && j.Server == types.HiddenUserServer {
			return alt, true
		}
		return j, true
	case j.Server == types.HiddenUserServer:
		return j, true
	case !alt.IsEmpty() && alt.Server == types.HiddenUserServer:
		return alt, true
	}
	return types.EmptyJID, false
}

// replaceMentions rewrites each "@Name" in one left-to-right pass. The
// longest name wins at each position ("@Al" never eats into "@Alice"), a
// written "@4477…" is never matched again, and two people shown under the
// same name get their own ids in the order they were mentioned.
func replaceMentions(text string, names []string, users map[string][]string) string {
	if len(names) == 0 {
		return text
	}
	sort.SliceStable(names, func(i, k int) bool { return len(names[i]) > len(names[k]) })
	used := map[string]int{}
	var b strings.Builder
	for i := 0; i < len(text); {
		matched := ""
		if text[i] == '@' {
			for _, n := range names {
				if strings.HasPrefix(text[i:], n) {
					matched = n
					break
				}
			}
		}
		if matched == "" {
			b.WriteByte(text[i])
			i++
			continue
		}
		list := users[matched]
		k := used[matched]
		if k >= len(list) {
			k = len(list) - 1 // more "@Name"s than mentions: the last one
		}
		used[matched]++
		b.WriteString(list[k])
		i += len(matched)
	}
	return b.String()
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
	case errors.Is(err, whatsmeow.ErrMessageTimedOut):
		// No answer within 75 s: the message may or may not have gone. A
		// retry under the same fixed id cannot post it twice, so it is
		// retried like being offline.
		return fmt.Errorf("%w: %w", bot.ErrNotConnected, err)
	case serverRefused(err, 463):
		// WhatsApp's reach-out time-lock: this account may not start a
		// chat with this person now. Retrying makes it worse.
		return fmt.Errorf("%w: WhatsApp refused to start a chat with this person (463): %w", bot.ErrNoContact, err)
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

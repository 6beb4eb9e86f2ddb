package whatsapp

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
)

// Reasons Translate gives for ignoring a message, for debug logs and tests.
const (
	ReasonEmpty       = "empty message"
	ReasonOwn         = "own message"
	ReasonBroadcast   = "status or broadcast"
	ReasonNewsletter  = "newsletter"
	ReasonHistory     = "history sync"
	ReasonProtocol    = "protocol message"
	ReasonBacklog     = "offline backlog"
	ReasonNoSender    = "no sender"
	ReasonPollVote    = "poll vote not decryptable"
	ReasonUnsupported = "unsupported content"
)

// Translate turns a whatsmeow message event into a bot.Message. It returns
// nil and the reason when the message is one the bot must not act on.
func (a *Adapter) Translate(ctx context.Context, evt *events.Message) (*bot.Message, string) {
	a.noteDirectTimer(evt)
	if reason := a.dropReason(evt); reason != "" {
		return nil, reason
	}
	info := evt.Info
	msg := evt.Message
	// whatsmeow's UnwrapRaw turns an edit into ProtocolMessage{MESSAGE_EDIT,
	// Key: the original, EditedMessage: the new content} (events.go). The
	// new text is inspected like a new message (a member must not edit
	// "hello" into a blocked word or link) but never run as a command.
	editOf := ""
	if pm := msg.GetProtocolMessage(); pm != nil {
		if pm.GetEditedMessage() == nil || pm.GetKey().GetID() == "" {
			return nil, fmt.Sprintf("%s (%s without content)", ReasonProtocol, pm.GetType())
		}
		editOf = pm.GetKey().GetID()
		msg = pm.GetEditedMessage()
	}

	chatJID := info.Chat.ToNonAD()
	out := &bot.Message{
		ID:     info.ID,
		EditOf: editOf,
		Chat:   bot.Chat{ID: bot.ChatID(chatJID.String()), IsGroup: chatJID.Server == types.GroupServer},
		Sender: a.groupSender(ctx, chatJID, info.Sender, info.SenderAlt, pushName(info.PushName)),
		Time:   info.Timestamp,
	}
	if out.Chat.IsGroup {
		out.Chat.Name = a.cachedGroupName(chatJID)
	}
	switch {
	case editOf != "":
		// Only the text changes in an edit; votes, reactions and media
		// handles never come this way.
		out.Text = textOf(msg)
		if ci := contextInfoOf(msg); ci != nil {
			out.Mentions = a.mentionsOf(ctx, ci)
		}
		if out.Text == "" {
			return nil, ReasonUnsupported
		}
		return out, ""
	case msg.PollUpdateMessage != nil:
		vote, err := a.decryptVote(ctx, evt)
		if err != nil {
			return nil, fmt.Sprintf("%s: %v", ReasonPollVote, err)
		}
		out.PollVote = &bot.PollVote{
			PollID:       msg.GetPollUpdateMessage().GetPollCreationMessageKey().GetID(),
			OptionHashes: vote.GetSelectedOptions(),
		}
		return out, ""
	case msg.ReactionMessage != nil:
		out.Reaction = &bot.Reaction{
			TargetID: msg.GetReactionMessage().GetKey().GetID(),
			Emoji:    msg.GetReactionMessage().GetText(),
		}
		return out, ""
	}
	a.content(ctx, out, msg)
	if out.Text == "" && out.Media == nil && out.Location == nil && out.Quote == nil {
		return nil, ReasonUnsupported
	}
	return out, ""
}

// noteDirectTimer learns a direct chat's disappearing-message timer from
// what arrives in it: a timer change (a protocol message) or the
// expiration each message carries while the timer is on. Groups have
// theirs in the group info; a direct chat has nothing else to ask.
func (a *Adapter) noteDirectTimer(evt *events.Message) {
	chat := evt.Info.Chat.ToNonAD()
	msg := evt.Message
	if msg == nil || (chat.Server != types.DefaultUserServer && chat.Server != types.HiddenUserServer) {
		return
	}
	var seconds uint32
	switch pm := msg.GetProtocolMessage(); {
	case pm != nil && pm.GetType() == waE2E.ProtocolMessage_EPHEMERAL_SETTING:
		seconds = pm.GetEphemeralExpiration()
	case pm != nil || msg.ReactionMessage != nil || msg.PollUpdateMessage != nil:
		return // these carry no timer either way
	default:
		if ci := contextInfoOf(msg); ci != nil {
			seconds = ci.GetExpiration()
		}
		if seconds == 0 && evt.IsEphemeral {
			return // wrapped as disappearing but without the figure: keep what is known
		}
	}
	a.groupsMu.Lock()
	a.timers[chat] = seconds
	a.groupsMu.Unlock()
}

// dropReason says why the bot must not act on evt at all, or "": its own
// messages, broadcasts and channels, history, protocol messages other than
// edits, a backlog from before the bot came back online, no sender.
func (a *Adapter) dropReason(evt *events.Message) string {
	info := evt.Info
	msg := evt.Message
	switch {
	case msg == nil:
		return ReasonEmpty
	case info.IsFromMe:
		return ReasonOwn
	case info.Chat.Server == types.BroadcastServer:
		return ReasonBroadcast
	case info.Chat.Server == types.NewsletterServer:
		return ReasonNewsletter
	case evt.SourceWebMsg != nil && evt.UnavailableRequestID == "":
		// Parsed from a history blob, not delivered live.
		return ReasonHistory
	case msg.ProtocolMessage != nil && msg.ProtocolMessage.GetType() != waE2EEdit:
		// Revokes, history notifications, key shares. Test the pointer: a
		// nil ProtocolMessage's GetType() is REVOKE (enum 0).
		return fmt.Sprintf("%s (%s)", ReasonProtocol, msg.ProtocolMessage.GetType())
	case info.Timestamp.Before(a.backlogBefore()):
		return ReasonBacklog
	case info.Sender.IsEmpty():
		return ReasonNoSender
	}
	return ""
}

// content fills in an ordinary message's text, attachment, location, the
// message it quotes and whom it mentions.
func (a *Adapter) content(ctx context.Context, out *bot.Message, msg *waE2E.Message) {
	out.Text = textOf(msg)
	out.Media = mediaOf(msg)
	out.Location = locationOf(msg)
	ci := contextInfoOf(msg)
	if ci == nil {
		return
	}
	if id := ci.GetStanzaID(); id != "" {
		q := &bot.Quote{ID: id, Text: textOf(ci.GetQuotedMessage())}
		if ci.QuotedMessage != nil {
			q.Media = mediaOf(ci.QuotedMessage)
			q.Location = locationOf(ci.QuotedMessage)
		}
		if p, err := types.ParseJID(ci.GetParticipant()); err == nil && !p.IsEmpty() {
			q.Sender = a.sender(ctx, p, types.EmptyJID, "")
		}
		out.Quote = q
	}
	out.Mentions = a.mentionsOf(ctx, ci)
}

// waE2EEdit is the protocol message type of an edit.
const waE2EEdit = waE2E.ProtocolMessage_MESSAGE_EDIT

// pushName is the sender's chosen name. WhatsApp sends "-" for someone who
// has none (whatsmeow ignores it too, message.go): that is no name.
func pushName(name string) string {
	if name == "-" {
		return ""
	}
	return name
}

// mentionsOf reads the people a message mentions.
func (a *Adapter) mentionsOf(ctx context.Context, ci *waE2E.ContextInfo) []bot.Sender {
	var out []bot.Sender
	for _, s := range ci.GetMentionedJID() {
		j, err := types.ParseJID(s)
		if err != nil || j.IsEmpty() {
			continue
		}
		out = append(out, a.sender(ctx, j, types.EmptyJID, ""))
	}
	return out
}

// sender builds a neutral sender from a primary address and, when known,
// the other form. When WhatsApp did not send the other form, whatsmeow's
// LID store may know it from earlier traffic or group lists: looking it up
// keeps one person one identity across LID and phone-number addressing.
func (a *Adapter) sender(ctx context.Context, primary, alt types.JID, name string) bot.Sender {
	primary = primary.ToNonAD()
	alt = alt.ToNonAD()
	if alt.IsEmpty() {
		alt = a.altJID(ctx, primary)
	}
	s := bot.Sender{Addr: bot.Address(primary.String()), Name: name}
	if !alt.IsEmpty() && alt != primary {
		s.Alt = bot.Address(alt.String())
	}
	return s
}

// groupSender is sender for the author of a group message. A first message
// from a LID-only sender (no SenderAlt, the pair not yet in the LID store)
// would leave the person without a phone-number form, so an owner or admin
// configured by number would be refused: the group's participant list
// (cached; fetched at most once per GroupInfoMaxAge or membership change)
// carries both forms, and fetching it also fills whatsmeow's LID store.
func (a *Adapter) groupSender(ctx context.Context, chat, primary, alt types.JID, name string) bot.Sender {
	s := a.sender(ctx, primary, alt, name)
	if s.Alt != "" || chat.Server != types.GroupServer {
		return s
	}
	g, err := a.group(ctx, bot.ChatID(chat.String()))
	if err != nil {
		a.log.Debug("sender's other address unknown; group info failed", "chat", chat, "err", err)
		return s
	}
	if p, ok := g.info.Find(s.Addr); ok {
		for _, addr := range p.Addrs {
			if addr != s.Addr {
				s.Alt = addr
				return s
			}
		}
	}
	// The fetch stored the group's pairs in whatsmeow's LID store.
	if alt := a.altJID(ctx, primary.ToNonAD()); !alt.IsEmpty() && alt != primary.ToNonAD() {
		s.Alt = bot.Address(alt.String())
	}
	return s
}

// altJID returns the other address form of j from the LID store, or an
// empty JID when unknown.
func (a *Adapter) altJID(ctx context.Context, j types.JID) types.JID {
	var (
		alt types.JID
		err error
	)
	switch j.Server {
	case types.HiddenUserServer:
		alt, err = a.cli.PNForLID(ctx, j)
	case types.DefaultUserServer:
		alt, err = a.cli.LIDForPN(ctx, j)
	default:
		return types.EmptyJID
	}
	if err != nil {
		a.log.Debug("LID store lookup failed", "addr", j, "err", err)
		return types.EmptyJID
	}
	return alt.ToNonAD()
}

// TranslateGroupInfo turns a group notification into membership changes,
// one per kind present (join, leave, promote, demote).
func (a *Adapter) TranslateGroupInfo(ctx context.Context, evt *events.GroupInfo) []bot.GroupChange {
	group := evt.JID.ToNonAD()
	chat := bot.Chat{ID: bot.ChatID(group.String()), IsGroup: true, Name: a.cachedGroupName(group)}
	if evt.Name != nil && evt.Name.Name != "" {
		chat.Name = evt.Name.Name
	}
	var by *bot.Sender
	if evt.Sender != nil && !evt.Sender.IsEmpty() {
		alt := types.EmptyJID
		if evt.SenderPN != nil {
			alt = *evt.SenderPN
		}
		s := a.sender(ctx, *evt.Sender, alt, "")
		by = &s
	}
	own := ownAddrs(a.cli)
	var out []bot.GroupChange
	for _, c := range []struct {
		kind bot.GroupChangeKind
		jids []types.JID
	}{
		{bot.MemberJoined, evt.Join},
		{bot.MemberLeft, evt.Leave},
		{bot.MemberPromoted, evt.Promote},
		{bot.MemberDemoted, evt.Demote},
	} {
		if len(c.jids) == 0 {
			continue
		}
		ch := bot.GroupChange{Chat: chat, Kind: c.kind, By: by, Time: evt.Timestamp}
		for _, j := range c.jids {
			// The bot's own promotion or removal is not a neighbour's;
			// its own leaving or joining is a change of its own.
			if own[bot.Address(j.ToNonAD().String())] {
				if k, ok := botKind[c.kind]; ok {
					out = append(out, bot.GroupChange{Chat: chat, Kind: k, By: by, Time: evt.Timestamp})
				}
				continue
			}
			ch.Members = append(ch.Members, a.sender(ctx, j, types.EmptyJID, ""))
		}
		if len(ch.Members) > 0 {
			out = append(out, ch)
		}
	}
	return out
}

// botKind is the change a join or leave of the bot's own address makes.
var botKind = map[bot.GroupChangeKind]bot.GroupChangeKind{bot.MemberJoined: bot.BotAdded, bot.MemberLeft: bot.BotRemoved}

// textOf is the readable text of a message: plain conversation, extended
// text, or a media caption.
func textOf(m *waE2E.Message) string {
	switch {
	case m == nil:
		return ""
	case m.Conversation != nil:
		return m.GetConversation()
	case m.ExtendedTextMessage != nil:
		return m.GetExtendedTextMessage().GetText()
	case m.ImageMessage != nil:
		return m.GetImageMessage().GetCaption()
	case m.VideoMessage != nil:
		return m.GetVideoMessage().GetCaption()
	case m.DocumentMessage != nil:
		return m.GetDocumentMessage().GetCaption()
	}
	return ""
}

// contextInfoOf finds the reply and mention context on any message kind
// that can carry one.
func contextInfoOf(m *waE2E.Message) *waE2E.ContextInfo {
	switch {
	case m.ExtendedTextMessage != nil:
		return m.GetExtendedTextMessage().GetContextInfo()
	case m.ImageMessage != nil:
		return m.GetImageMessage().GetContextInfo()
	case m.VideoMessage != nil:
		return m.GetVideoMessage().GetContextInfo()
	case m.DocumentMessage != nil:
		return m.GetDocumentMessage().GetContextInfo()
	case m.AudioMessage != nil:
		return m.GetAudioMessage().GetContextInfo()
	case m.StickerMessage != nil:
		return m.GetStickerMessage().GetContextInfo()
	case m.LocationMessage != nil:
		return m.GetLocationMessage().GetContextInfo()
	}
	return nil
}

// mediaOf describes an attachment; the protobuf message itself is the
// handle Download needs later, and its bytes (Ref) the handle after a
// restart, when the core downloads for a stored message.
func mediaOf(m *waE2E.Message) *bot.Media {
	var md *bot.Media
	var handle proto.Message
	switch {
	case m == nil:
		return nil
	case m.ImageMessage != nil:
		im := m.GetImageMessage()
		md, handle = &bot.Media{Kind: bot.MediaImage, MimeType: im.GetMimetype(), Size: int64(im.GetFileLength())}, im
	case m.VideoMessage != nil:
		vm := m.GetVideoMessage()
		md, handle = &bot.Media{Kind: bot.MediaVideo, MimeType: vm.GetMimetype(), Size: int64(vm.GetFileLength()), Seconds: int(vm.GetSeconds())}, vm
	case m.AudioMessage != nil:
		am := m.GetAudioMessage()
		md, handle = &bot.Media{Kind: bot.MediaAudio, MimeType: am.GetMimetype(), Size: int64(am.GetFileLength()), Seconds: int(am.GetSeconds()), Voice: am.GetPTT()}, am
	case m.DocumentMessage != nil:
		dm := m.GetDocumentMessage()
		md, handle = &bot.Media{Kind: bot.MediaDocument, MimeType: dm.GetMimetype(), Size: int64(dm.GetFileLength()), FileName: dm.GetFileName()}, dm
	case m.StickerMessage != nil:
		sm := m.GetStickerMessage()
		md, handle = &bot.Media{Kind: bot.MediaSticker, MimeType: sm.GetMimetype(), Size: int64(sm.GetFileLength())}, sm
	default:
		return nil
	}
	md.Handle = handle
	if ref, err := proto.Marshal(handle); err == nil {
		md.Ref = ref
	}
	return md
}

// mediaHandle is the downloadable protobuf behind m: its Handle, or its Ref
// read back by kind.
func mediaHandle(m *bot.Media) (whatsmeow.DownloadableMessage, error) {
	if dm, ok := m.Handle.(whatsmeow.DownloadableMessage); ok {
		return dm, nil
	}
	if len(m.Ref) == 0 {
		return nil, fmt.Errorf("%s attachment has no WhatsApp media handle", m.Kind)
	}
	var pm interface {
		proto.Message
		whatsmeow.DownloadableMessage
	}
	switch m.Kind {
	case bot.MediaImage:
		pm = &waE2E.ImageMessage{}
	case bot.MediaVideo:
		pm = &waE2E.VideoMessage{}
	case bot.MediaAudio:
		pm = &waE2E.AudioMessage{}
	case bot.MediaDocument:
		pm = &waE2E.DocumentMessage{}
	case bot.MediaSticker:
		pm = &waE2E.StickerMessage{}
	default:
		return nil, fmt.Errorf("%q attachment cannot be downloaded", m.Kind)
	}
	if err := proto.Unmarshal(m.Ref, pm); err != nil {
		return nil, fmt.Errorf("read the stored %s handle: %w", m.Kind, err)
	}
	return pm, nil
}

// locationOf reads a dropped pin.
func locationOf(m *waE2E.Message) *bot.Location {
	if m == nil || m.LocationMessage == nil {
		return nil
	}
	lm := m.GetLocationMessage()
	return &bot.Location{Lat: lm.GetDegreesLatitude(), Long: lm.GetDegreesLongitude(), Name: lm.GetName()}
}

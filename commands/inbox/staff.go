package inbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"neighbourbot/bot"
)

// Limits on what one staff post carries: WhatsApp shows captions of about
// a thousand characters well, and texts of a few thousand.
const (
	maxCaptionRunes = 1000
	maxPostRunes    = 4000
	maxReplyRunes   = 4000
)

// flushJob posts waiting messages to the staff chats, oldest first. When a
// staff chat cannot be reached (the bot is offline, was removed, or the
// group switched it off) the posts stay queued and the job tries again
// later, so nothing is lost; the log says how many wait.
func (f *Feature) flushJob(ctx context.Context, _ bot.Job) error {
	now := f.clock.Now()
	items, err := f.st.pendingPosts(ctx, 50)
	if err != nil {
		return err
	}
	// A staff group that cannot be written to holds up only its own posts
	// (in order); other desks' groups still get theirs.
	failed := map[bot.ChatID]error{}
	for _, it := range items {
		t, err := f.st.byID(ctx, it.TicketID)
		if err != nil {
			return err
		}
		chat := f.deskByName(t.Desk).chat
		if failed[chat] != nil {
			continue
		}
		// Posts are queued and go after the job commits, so whether the
		// staff chat can take them is asked first (the cached group
		// info): while it cannot, they wait here, in order.
		if _, err := f.groups.Info(ctx, chat); err != nil {
			failed[chat] = err
			continue
		}
		outs, err := f.buildPost(ctx, t, it, chat)
		if err != nil {
			return err
		}
		var sf sendFailure
		if err := f.sendPost(ctx, it, t, chat, outs, now); errors.As(err, &sf) {
			failed[chat] = sf.err
		} else if err != nil {
			return err
		}
	}
	for chat, err := range failed {
		return f.postsWait(ctx, now, chat, err)
	}
	if len(items) == 50 {
		return f.scheduleFlush(ctx, now)
	}
	return nil
}

// sendPost sends one queued post's messages, skipping parts sent before
// a failure, and unqueues it.
func (f *Feature) sendPost(ctx context.Context, it outboxItem, t ticket, chat bot.ChatID, outs []bot.OutMessage, now time.Time) error {
	for i, out := range outs {
		if i < it.PartsSent {
			continue // sent before a failure on a later part
		}
		id, err := f.out.Send(ctx, out)
		if err != nil {
			return sendFailure{err}
		}
		if err := f.st.recordPost(ctx, chat, id, t.ID, now); err != nil {
			return err
		}
		if len(outs) > 1 {
			if err := f.st.partSent(ctx, it.ID, i+1); err != nil {
				return err
			}
		}
	}
	if it.MessageID != 0 {
		if err := f.st.setForwarded(ctx, it.MessageID); err != nil {
			return err
		}
	}
	return f.st.unqueue(ctx, it.ID)
}

// sendFailure is a staff post the engine would not send: the staff group
// waits, unlike a database error, which fails the job.
type sendFailure struct{ err error }

func (s sendFailure) Error() string { return s.err.Error() }
func (s sendFailure) Unwrap() error { return s.err }

// postsWait plans the next try after a staff chat could not be written to.
func (f *Feature) postsWait(ctx context.Context, now time.Time, chat bot.ChatID, err error) error {
	n, cerr := f.st.countPending(ctx)
	if cerr != nil {
		return cerr
	}
	retry := time.Minute
	reason := "unreachable"
	if errors.Is(err, bot.ErrGroupOff) {
		retry, reason = 5*time.Minute, "switched the bot off (an admin there types !bot on)"
	}
	if f.warnedPosts.IsZero() || now.Sub(f.warnedPosts) >= 15*time.Minute {
		f.warnedPosts = now
		f.log().Warn("staff chat "+reason+"; ticket posts wait and go when it is back", bot.KeyChat, chat, "waiting", n, bot.KeyErr, bot.RedactPhones(err.Error()))
	}
	return f.scheduleFlush(ctx, now.Add(retry))
}

// residentName names a ticket's resident for staff: their name and the
// neighbourhood group they are in ("Erin (Elm Road)"), never a number.
func (f *Feature) residentName(ctx context.Context, t ticket, withGroup bool) (string, error) {
	if t.PersonID == 0 || t.Forgotten {
		return "a former resident", nil
	}
	p, err := f.core.PersonByID(ctx, t.PersonID)
	if errors.Is(err, bot.ErrNotFound) {
		return "a former resident", nil
	}
	if err != nil {
		return "", err
	}
	name := p.DisplayName()
	if !withGroup {
		return name, nil
	}
	groups, err := f.core.MemberGroups(ctx, p.ID)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		if f.staff[g] {
			continue
		}
		gs, err := f.core.GroupSettings(ctx, g)
		if err != nil {
			return "", err
		}
		if gs.Enabled && gs.Name != "" {
			return name + " (" + gs.Name + ")", nil
		}
	}
	return name, nil
}

// buildPost writes one queued post: a resident's message (written from the
// ticket when it goes, so a forgotten resident is never named) or a note.
func (f *Feature) buildPost(ctx context.Context, t ticket, it outboxItem, chat bot.ChatID) ([]bot.OutMessage, error) {
	who, err := f.residentName(ctx, t, true)
	if err != nil {
		return nil, err
	}
	p := f.prefix
	if it.Kind == "note" {
		return []bot.OutMessage{{Chat: chat, Text: noteText(t, who, it.Note, p)}}, nil
	}
	m, err := f.st.message(ctx, it.MessageID)
	if errors.Is(err, bot.ErrNotFound) {
		return nil, nil // erased meanwhile
	}
	if err != nil {
		return nil, err
	}
	first, err := f.isFirst(ctx, t, m)
	if err != nil {
		return nil, err
	}
	text := f.postText(t, m, who, first)
	if m.Media == nil || m.Media.File == "" {
		return textPosts(chat, text), nil
	}
	path := filepath.Join(f.deps.MediaDir, m.Media.File)
	if _, err := os.Stat(path); err != nil {
		// The file is gone (deleted by hand, a lost disk): post the words,
		// so one missing file never holds up every post behind it.
		f.log().Warn("media file missing; posting without it", "ticket", t.Ref(), bot.KeyErr, err)
		return textPosts(chat, text+"\n(the "+mediaWord(m.Media.Kind, m.Media.Voice)+" could not be found on the bot's disk)"), nil
	}
	att := &bot.Attachment{Kind: m.Media.Kind, Path: path, MimeType: m.Media.Mime,
		FileName: m.Media.Name, Seconds: m.Media.Seconds, Voice: m.Media.Voice}
	if m.Media.Kind == bot.MediaAudio {
		// Audio has no caption: the words go first, the recording after.
		return append(textPosts(chat, text), bot.OutMessage{Chat: chat, Attachment: att}), nil
	}
	caption, rest := splitRunes(text, maxCaptionRunes)
	att.Caption = caption
	outs := []bot.OutMessage{{Chat: chat, Attachment: att}}
	if rest != "" {
		outs = append(outs, textPosts(chat, t.Ref()+" (continued):\n"+rest)...)
	}
	return outs, nil
}

// noteText is the staff group's line for a note on ticket t (no message of
// the resident's: a flood held back, the resident closing it).
func noteText(t ticket, who, note, p string) string {
	switch note {
	case "flood":
		return fmt.Sprintf("%s · %s is sending many messages: the rest of this hour's are kept on the ticket — %sticket %s shows them.", t.Ref(), who, p, t.Ref())
	case "resident-closed":
		return fmt.Sprintf("%s · closed by %s.", t.Ref(), who)
	case "reopened-by-resident":
		return fmt.Sprintf("%s · reopened: %s wrote again after it was closed.", t.Ref(), who)
	case "held-while-closed":
		return fmt.Sprintf("%s · %s wrote again while it was closed (below).", t.Ref(), who)
	}
	return fmt.Sprintf("%s · %s", t.Ref(), note)
}

// postText is the words of the staff group's post of resident message m
// on ticket t: a heading (new ticket, who, the attachment) and the body.
func (f *Feature) postText(t ticket, m message, who string, first bool) string {
	p := f.prefix
	var head string
	if first {
		head = "New ticket " + t.Ref() + " · " + who
		if t.Desk != "" && len(f.desks) > 1 {
			head += " · " + t.Desk
		}
	} else {
		head = t.Ref() + " · " + who
	}
	if m.Media != nil {
		head += " · " + mediaWord(m.Media.Kind, m.Media.Voice)
		if m.Media.Seconds > 0 {
			head += fmt.Sprintf(" (%ds)", m.Media.Seconds)
		}
		if m.Media.Name != "" {
			head += " " + m.Media.Name
		}
	}
	body := m.Text
	if l := m.Location; l != nil {
		pin := fmt.Sprintf("📍 %.5f, %.5f https://www.openstreetmap.org/?mlat=%.5f&mlon=%.5f#map=18/%.5f/%.5f",
			l.Lat, l.Long, l.Lat, l.Long, l.Lat, l.Long)
		body = strings.TrimSpace(body + "\n" + pin)
	}
	if m.MediaFailed != "" {
		body = strings.TrimSpace(body + "\n(" + strings.TrimSuffix(m.MediaFailed, ".") + ")")
	}
	if m.Forgotten() {
		body = "(erased at the resident's request)"
	}
	if first {
		body = strings.TrimSpace(body + "\n" + fmt.Sprintf("Reply to this message to answer, or type %sreply %s …", p, t.Ref()))
	}
	text := head
	if body != "" {
		text += ":\n" + body
	}
	return text
}

// Forgotten reports whether an inbound message was erased.
func (m message) Forgotten() bool {
	return m.Direction == "in" && m.Text == "" && m.Media == nil && m.Location == nil && m.MediaFailed == ""
}

func (f *Feature) isFirst(ctx context.Context, t ticket, m message) (bool, error) {
	first, err := f.st.firstResidentMessage(ctx, t.ID)
	if err != nil {
		return false, err
	}
	return first == m.ID, nil
}

// textPosts splits a long text into posts WhatsApp shows whole.
func textPosts(chat bot.ChatID, text string) []bot.OutMessage {
	var outs []bot.OutMessage
	for text != "" {
		var part string
		part, text = splitRunes(text, maxPostRunes)
		outs = append(outs, bot.OutMessage{Chat: chat, Text: part})
	}
	return outs
}

// splitRunes cuts s after at most n runes, at a line break or space when
// one is near.
func splitRunes(s string, n int) (string, string) {
	if utf8.RuneCountInString(s) <= n {
		return s, ""
	}
	r := []rune(s)
	cut := n
	for i := n; i > n*3/4; i-- {
		if r[i] == '\n' || r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " \n"), strings.TrimLeft(string(r[cut:]), " \n")
}

var ticketRef = regexp.MustCompile(`(?i)^c(\d{1,9})$`)

// ticketRefInPost finds the ticket a bot post is about from its first
// words ("New ticket C12 · …", "C12 · …"), for posts older than the
// record of post ids.
var ticketRefInPost = regexp.MustCompile(`^(?:New ticket )?C(\d{1,9}) `)

// staffListen sends a staff member's reply quoting a ticket post to the
// resident.
func (f *Feature) staffListen(ctx context.Context, req *bot.Request) error {
	q := req.Msg.Quote
	if q == nil || q.ID == "" {
		return nil
	}
	ticketID, known, err := f.st.post(ctx, req.Chat.ID, q.ID)
	if err != nil {
		return err
	}
	var t ticket
	switch {
	case known && ticketID != 0:
		if t, err = f.st.byID(ctx, ticketID); err != nil {
			return err
		}
	case known:
		return f.staffSay(ctx, req, 0, fmt.Sprintf("That message isn't a ticket post, so I haven't sent your reply to anyone. Reply to a ticket's post, or type %sreply C12 your answer.", req.Cmd("")))
	default:
		mm := ticketRefInPost.FindStringSubmatch(q.Text)
		if mm == nil {
			return nil // staff talking among themselves
		}
		n, _ := strconv.ParseInt(mm[1], 10, 64)
		if t, err = f.st.byNumber(ctx, n); errors.Is(err, bot.ErrNotFound) {
			return f.staffSay(ctx, req, 0, fmt.Sprintf("I can't find ticket C%d any more (closed tickets are deleted after %d days), so I haven't sent that.", n, f.cfg.RetentionDays))
		} else if err != nil {
			return err
		}
		if f.deskByName(t.Desk).chat != req.Chat.ID {
			return nil
		}
	}
	text := strings.TrimSpace(req.Msg.Text)
	if text == "" {
		if req.Msg.Media != nil {
			return f.staffSay(ctx, req, t.ID, "Only text replies reach residents for now, so I haven't sent that. Type your answer as a message.")
		}
		return nil
	}
	return f.sendReply(ctx, req, t, text)
}

// sendReply delivers a staff answer typed in the staff group (or by an
// owner in a direct message) and says so there.
func (f *Feature) sendReply(ctx context.Context, req *bot.Request, t ticket, text string) error {
	who, err := f.reply(ctx, t, req.Sender, text, replyFrom{})
	if msg, ok := bot.UserMessage(err); ok {
		return f.staffSay(ctx, req, t.ID, msg)
	}
	if err != nil {
		return err
	}
	return f.staffSay(ctx, req, t.ID, fmt.Sprintf("Sent to %s on %s.", who, t.Ref()))
}

// replyFrom says where a reply was written: the staff group (zero) or the
// staff page, with the key of the form it came from.
type replyFrom struct {
	web bool
	key string
}

// reply delivers a staff answer to the ticket's resident by direct message
// (they wrote first, so this is never cold outreach), records it on the
// ticket and audits it, all in the unit of work of ctx: the one path for a
// reply from the staff group and from the staff page. It returns the
// resident's name; a refusal (closed, erased, too long, not reachable) is
// a bot.Userf error with the reason, and nothing is sent.
func (f *Feature) reply(ctx context.Context, t ticket, staff bot.Person, text string, from replyFrom) (string, error) {
	if n := utf8.RuneCountInString(text); n > maxReplyRunes {
		return "", bot.Userf("That reply is %d characters; please keep it under %d (split it in two), so it reads well on a phone. Nothing was sent.", n, maxReplyRunes)
	}
	if t.PersonID == 0 || t.Forgotten {
		return "", bot.Userf("The resident of %s asked to be forgotten, so they can't be reached. Nothing was sent.", t.Ref())
	}
	if t.State == stateClosed {
		if from.web {
			return "", bot.Userf("%s is closed, so nothing was sent. Reopen it first if you want to answer it.", t.Ref())
		}
		return "", bot.Userf("%s is closed, so I haven't sent that. Type %sreopen %s first if you want to answer it.", t.Ref(), f.prefix, t.Ref())
	}
	resident, err := f.core.PersonByID(ctx, t.PersonID)
	if err != nil {
		return "", err
	}
	err = f.out.DM(ctx, resident, f.signature(staff)+": "+text)
	if errors.Is(err, bot.ErrNoContact) {
		return "", bot.Userf("I can't message the resident of %s privately any more, so nothing was sent.", t.Ref())
	}
	if err != nil {
		return "", err
	}
	now := f.clock.Now()
	if _, err := f.st.addMessage(ctx, message{TicketID: t.ID, At: now, Direction: "out", AuthorID: staff.ID,
		AuthorName: staff.DisplayName(), Text: text, Forwarded: true, WebKey: from.key}); err != nil {
		return "", err
	}
	if err := f.st.markReplied(ctx, t.ID, now); err != nil {
		return "", err
	}
	detail := t.Ref()
	if from.web {
		detail += " · on the staff page"
	}
	if err := f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.reply", resident, detail); err != nil {
		return "", err
	}
	return f.residentName(ctx, t, false)
}

// signature is how staff messages to residents are signed: the team's
// name as a label, never inside a sentence (so any name reads well:
// "Shropshire Council customer services (Sam): …"), with the staff
// member's name when show_staff_names is set.
func (f *Feature) signature(staff bot.Person) string {
	if f.cfg.ShowStaffNames {
		return f.cfg.TeamName + " (" + staff.DisplayName() + ")"
	}
	return f.cfg.TeamName
}

// staffSay answers in the staff chat, quoting the staff member, and
// remembers the post so replying to it reaches the same ticket. In a
// direct message (an owner) it is a plain reply.
func (f *Feature) staffSay(ctx context.Context, req *bot.Request, ticketID int64, text string) error {
	if !req.Chat.IsGroup {
		return req.Reply(ctx, text)
	}
	out := bot.OutMessage{Chat: req.Chat.ID, Text: text}
	if req.Msg != nil && req.Msg.ID != "" {
		ref := req.Msg.Ref()
		out.ReplyTo = &ref
	}
	id, err := f.out.Send(ctx, out)
	if err != nil {
		return err
	}
	return f.st.recordPost(ctx, req.Chat.ID, id, ticketID, f.clock.Now())
}

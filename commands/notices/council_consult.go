package notices

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Consultations: a notice may carry "consultation": {"closes", "link"},
// and a group's admins can start a local one (!consult "question" until
// FRI). Residents answer with !say N text or, for a council notice, by
// replying to it. Comments are stored without names or phone numbers (the
// link to their author, kept so they can see and delete their own, is cut
// at close), pass the group's blocklist and are counted in the group.

// ConsultSpec is the consultation a notice carries.
type ConsultSpec struct {
	Closes time.Time
	Link   string
}

type consultInput struct {
	Closes string `json:"closes"`
	Link   string `json:"link"`
}

// maxComment keeps one comment to a readable paragraph or two;
// maxCommentsEach keeps one person from flooding a consultation.
const (
	maxComment      = 1000
	maxCommentsEach = 20
)

const jobConsultClose = "notices.consult_close"

// decodeConsultation validates the notice's consultation.
func decodeConsultation(in *consultInput, n *Notice, now time.Time) error {
	if in == nil {
		return nil
	}
	if n.MsgType != MsgAlert {
		return &FieldError{Field: "consultation", Msg: "only a new notice (not an update or cancel) can open a consultation"}
	}
	c := &ConsultSpec{}
	if in.Link != "" {
		link, err := cleanLink(in.Link)
		if err != nil {
			return &FieldError{Field: "consultation.link", Msg: err.Error()}
		}
		c.Link = link
	}
	if in.Closes == "" {
		return &FieldError{Field: "consultation.closes", Msg: "required: when comments close, an RFC 3339 time"}
	}
	t, err := time.Parse(time.RFC3339, in.Closes)
	if err != nil {
		return &FieldError{Field: "consultation.closes", Msg: "must be an RFC 3339 time such as 2026-01-30T17:00:00Z"}
	}
	start := laterOf(now, n.Effective)
	switch {
	case !t.After(now):
		return &FieldError{Field: "consultation.closes", Msg: "is in the past"}
	case !t.After(start):
		return &FieldError{Field: "consultation.closes", Msg: "must be after effective"}
	case t.Sub(start) > maxPollOpen:
		return &FieldError{Field: "consultation.closes", Msg: "is more than 90 days after the notice goes out"}
	}
	c.Closes = t.UTC()
	n.Consultation = c
	return nil
}

// consultation is a stored consultation.
type consultation struct {
	ID       int64
	NoticeID int64 // 0 for a local one
	Chat     string
	Question string
	Link     string
	Closes   time.Time
	State    string
	Created  time.Time
}

// open reports whether comments are still taken at now.
func (c *consultation) open(now time.Time) bool { return c.State == "open" && now.Before(c.Closes) }

// consultLines is what a notice's message says about its consultation.
func (r *Feature) consultLines(c *consultation) string {
	s := fmt.Sprintf("\n\n💬 *Have your say* until %s: reply to this message, or type %ssay %s and your comment. Comments are kept without your name.",
		r.when(c.Closes), r.prefix, consultNumber(c.ID))
	if c.Link != "" {
		s += "\nThe full consultation: " + c.Link
	}
	return s
}

func (r *Feature) scheduleConsultClose(ctx context.Context, c *consultation) error {
	return r.jobs.Schedule(ctx, jobConsultClose, jobConsultClose+":"+strconv.FormatInt(c.ID, 10), c.Closes, map[string]int64{"consultation": c.ID})
}

// bookConsultClose books the close of a notice's open consultation.
func (r *Feature) bookConsultClose(ctx context.Context, notice int64) error {
	c, err := r.st.consultationOf(ctx, notice)
	if err != nil || c == nil || c.State != "open" {
		return err
	}
	return r.scheduleConsultClose(ctx, c)
}

// rebookConsultations gives every open consultation its close job back.
func (r *Feature) rebookConsultations(ctx context.Context) error {
	list, err := r.st.openConsultations(ctx)
	if err != nil {
		return err
	}
	for _, c := range list {
		if err := r.scheduleConsultClose(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// reachable lists the open consultations a chat can comment on: those
// whose notice was delivered there, and the chat's local ones.
func (r *Feature) reachable(ctx context.Context, req *bot.Request) ([]*consultation, error) {
	list, err := r.st.reachableConsultations(ctx, req.Now(), req.Chat.ID, voteTarget(req))
	if err != nil {
		return nil, err
	}
	if !req.Chat.IsGroup {
		// A direct chat reaches only council consultations sent to it.
		var out []*consultation
		for _, c := range list {
			if c.NoticeID != 0 {
				out = append(out, c)
			}
		}
		return out, nil
	}
	return list, nil
}

// phoneLike finds phone numbers typed in text: a run of at least nine
// digits, possibly with +, spaces, dots, dashes or brackets between them.
var phoneLike = regexp.MustCompile(`\+?\(?\d[\d\s().-]{7,}\d`)

// redactNumbers replaces phone numbers in a comment with "[phone number]".
func redactNumbers(s string) (string, bool) {
	changed := false
	out := phoneLike.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, c := range m {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if digits < 9 || digits > 15 {
			return m
		}
		changed = true
		return "[phone number]"
	})
	return bot.RedactPhones(out), changed
}

// handleSay takes a comment: !say N text, or !say text when only one
// consultation is open here.
func (r *Feature) handleSay(ctx context.Context, req *bot.Request) error {
	list, err := r.reachable(ctx, req)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return bot.Userf("There's no open consultation here to comment on.")
	}
	f := req.Fields()
	text := strings.TrimSpace(req.Args)
	var c *consultation
	named, id := false, int64(0)
	if len(f) > 0 {
		var ok bool
		var err error
		id, ok, err = r.saysConsultNumber(ctx, f[0])
		if err != nil {
			return err
		}
		if ok {
			// A consultation named but not open here is asked about,
			// never kept as the comment ("2 text").
			named = true
			for _, k := range list {
				if k.ID == id {
					c = k
				}
			}
			text = strings.TrimSpace(strings.TrimPrefix(text, f[0]))
		}
	}
	if c == nil && !named && len(list) == 1 {
		c = list[0]
	}
	if c == nil {
		var ids []string
		for _, k := range list {
			ids = append(ids, fmt.Sprintf("%s (%s)", consultNumber(k.ID), bot.Truncate(k.Question, 40)))
		}
		lead := "Which consultation?"
		if named {
			lead = fmt.Sprintf("There's no open consultation %s here.", consultNumber(id))
		}
		return bot.Userf("%s Type %s %s and your comment (the number of the one you mean) — open here: %s.", lead, req.Cmd("say"), consultNumber(list[0].ID), strings.Join(ids, ", "))
	}
	if text == "" {
		return bot.Userf("Type %s %s and your comment, e.g. %s %s I'd like a crossing by the school.", req.Cmd("say"), consultNumber(c.ID), req.Cmd("say"), consultNumber(c.ID))
	}
	return r.addComment(ctx, req, c, text)
}

// replyComment takes a reply to a council notice that opened a
// consultation as a comment on it.
func (r *Feature) replyComment(ctx context.Context, req *bot.Request) error {
	if req.Msg == nil || req.Msg.Quote == nil || req.Msg.Quote.ID == "" || strings.TrimSpace(req.Msg.Text) == "" {
		return nil
	}
	if req.Chat.IsGroup && (!req.Group.Enabled || !req.Group.FeatureOn(featureName)) {
		return nil
	}
	// The notice's own message, or the poll that follows it.
	notice, ok, err := r.st.quotedNotice(ctx, voteTarget(req), req.Msg.Quote.ID)
	if err != nil || !ok {
		return err
	}
	c, err := r.st.consultationOf(ctx, notice)
	if err != nil || c == nil {
		return err
	}
	if !c.open(req.Now()) {
		// Neighbours go on talking under an old notice; the bot stays out.
		return nil
	}
	return r.addComment(ctx, req, c, req.Msg.Text)
}

// addComment stores one comment: cleaned, phone numbers redacted, checked
// against the group's blocklist, counted in the group.
func (r *Feature) addComment(ctx context.Context, req *bot.Request, c *consultation, text string) error {
	text = bot.CleanText(text)
	if bot.RuneLen(text) > maxComment {
		return bot.Userf("That comment is too long for me (over %d characters). Please send a shorter one, or several.", maxComment)
	}
	scope := subscribersScope
	area := ""
	if req.Chat.IsGroup {
		scope = string(req.Chat.ID)
		area = strings.Join(req.Group.Areas, ", ")
		if r.deps.Blocked != nil {
			blocked, err := r.deps.Blocked(ctx, req.Chat.ID, text)
			if err != nil {
				return err
			}
			if blocked {
				return bot.Userf("Sorry, that comment has a word or phrase this group's blocklist doesn't allow, so I haven't kept it. Please reword it.")
			}
		}
	} else if c.NoticeID != 0 {
		n, err := r.st.notice(ctx, c.NoticeID)
		if err != nil {
			return err
		}
		if area, err = r.countArea(ctx, n, outboxRow{Target: personTarget(req.Sender.ID), Person: req.Sender.ID}); err != nil {
			return err
		}
	}
	body, redacted := redactNumbers(text)
	added, err := r.st.addComment(ctx, c, newComment{Scope: scope, Area: area, Person: req.Sender.ID, Body: body, At: req.Now()}, maxCommentsEach)
	if err != nil {
		return err
	}
	if added.ID == 0 {
		return bot.Userf("You've already left %d comments on this consultation, the most I keep from one person. %s by direct message shows them; you can delete one to make room.", added.Mine, req.Cmd("mycomments"))
	}
	msg := fmt.Sprintf("Thanks — comment %d kept, without your name", added.ID)
	if redacted {
		msg += " (I removed a phone number)"
	}
	where := "in this group"
	if !req.Chat.IsGroup {
		where = "from subscribers"
	}
	msg += fmt.Sprintf(". %s so far %s. You can see or delete yours with %s by direct message until %s.",
		capitalise(bot.Count(added.Here, "comment")), where, req.Cmd("mycomments"), r.when(c.Closes))
	return req.Reply(ctx, msg)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// myComment is one of a person's comments still linked to them.
type myComment struct {
	ID           int64
	Consultation int64
	Question     string
	Body         string
	Closes       time.Time
}

// handleMyComments lists (or deletes one of) the sender's own comments, by
// direct message only: a list in a group would name its author.
func (r *Feature) handleMyComments(ctx context.Context, req *bot.Request) error {
	f := req.Fields()
	if len(f) >= 1 && (strings.EqualFold(f[0], "delete") || strings.EqualFold(f[0], "del")) {
		if len(f) != 2 {
			return bot.Userf("Usage: %s delete N — the comment number from %s.", req.Cmd("mycomments"), req.Cmd("mycomments"))
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(f[1], "#"), 10, 64)
		if err != nil {
			return bot.Userf("Usage: %s delete N — the comment number from %s.", req.Cmd("mycomments"), req.Cmd("mycomments"))
		}
		deleted, err := r.st.deleteComment(ctx, id, req.Sender.ID)
		if err != nil {
			return err
		}
		if !deleted {
			return bot.Userf("You have no comment %d I can delete (comments can only be deleted until their consultation closes). %s lists yours.", id, req.Cmd("mycomments"))
		}
		return req.Reply(ctx, fmt.Sprintf("Deleted comment %d.", id))
	}
	if len(f) > 0 {
		return bot.Userf("Usage: %s (list yours) or %s delete N.", req.Cmd("mycomments"), req.Cmd("mycomments"))
	}
	list, err := r.st.myComments(ctx, req.Sender.ID)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return req.Reply(ctx, "You have no comments in open consultations.")
	}
	var b strings.Builder
	b.WriteString("Your comments (kept without your name; you can delete them until the consultation closes):")
	for _, m := range list {
		fmt.Fprintf(&b, "\n%d. On %q (closes %s): %s", m.ID, bot.Truncate(m.Question, 60), r.when(m.Closes), bot.Truncate(m.Body, 300))
	}
	fmt.Fprintf(&b, "\n%s delete N removes one.", req.Cmd("mycomments"))
	return req.Reply(ctx, b.String())
}

// consultCloseJob closes a consultation: comments lose the link to their
// authors; each group that could comment hears how many came.
func (r *Feature) consultCloseJob(ctx context.Context, job bot.Job, pl map[string]int64) error {
	c, err := r.st.consultation(ctx, pl["consultation"])
	if err != nil || c == nil || c.State != "open" {
		return err
	}
	now := r.clock.Now()
	if now.Before(c.Closes) {
		return r.scheduleConsultClose(ctx, c)
	}
	if err := r.st.closeConsultation(ctx, c, now); err != nil {
		return err
	}
	counts, total, err := r.st.commentsByScope(ctx, c.ID)
	if err != nil {
		return err
	}
	var chats []string
	if c.NoticeID == 0 {
		chats = []string{c.Chat}
	} else if n, err := r.st.notice(ctx, c.NoticeID); err != nil {
		return err
	} else if cancelled, err := r.cancelled(ctx, n); err != nil || cancelled {
		return err
	} else if chats, err = r.st.groupsSent(ctx, c.NoticeID); err != nil {
		return err
	}
	for _, chat := range chats {
		line := fmt.Sprintf("💬 Comments closed on %q: %s from this group", bot.Truncate(c.Question, 80), bot.Count(counts[chat], "comment"))
		if c.NoticeID != 0 {
			line += fmt.Sprintf(", %d in all. They go to the council without anyone's name.", total)
		} else {
			line += ". They are kept without names, for the group's admins to take to the council."
		}
		if _, err := r.out.Send(ctx, bot.OutMessage{Chat: bot.ChatID(chat), Text: line}); err != nil {
			if !sendSkippable(err) {
				return err
			}
			r.log.Warn("consultation close line not sent", "consultation", c.ID, bot.KeyChat, chat, bot.KeyErr, errorText(err))
		}
	}
	return nil
}

// handleConsult is the admins' local consultation: !consult "question" until
// FRI starts one in this group; !consult alone lists the open ones here.
func (r *Feature) handleConsult(ctx context.Context, req *bot.Request) error {
	args := strings.TrimSpace(req.Args)
	if args == "" {
		return r.listConsultations(ctx, req)
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return fmt.Errorf("admin check: %w", err)
	}
	if !admin {
		return bot.Userf("Sorry, only group admins can start a consultation. Anyone can comment with %s.", req.Cmd("say"))
	}
	usage := bot.Userf("Usage: %s \"question\" until FRI (a weekday, tomorrow or a date like 2026-01-30), e.g. %s \"The Crown's late licence: what do you think?\" until Fri.",
		req.Cmd("consult"), req.Cmd("consult"))
	question, rest, ok := quoted(args)
	if !ok {
		return usage
	}
	question = strings.Join(strings.Fields(question), " ")
	rest = strings.TrimSpace(rest)
	if question == "" || !strings.HasPrefix(strings.ToLower(rest), "until ") {
		return usage
	}
	if bot.RuneLen(question) > maxTitle {
		return bot.Userf("That question is too long (over %d characters). Please shorten it.", maxTitle)
	}
	closes, err := closingDay(strings.TrimSpace(rest[len("until "):]), req.Now(), r.location())
	if err != nil {
		return bot.Userf("%s %s", err.Error(), usage.Error())
	}
	open, err := r.st.openConsultationsIn(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	if len(open) >= 5 {
		return bot.Userf("This group already has %d open consultations, the most I run at once.", len(open))
	}
	id, err := r.st.startConsultation(ctx, req.Chat.ID, question, closes, req.Now())
	if err != nil {
		return err
	}
	c := &consultation{ID: id, Chat: string(req.Chat.ID), Question: question, Closes: closes, State: "open"}
	if err := r.scheduleConsultClose(ctx, c); err != nil {
		return err
	}
	if err := r.audit(ctx, req, "consult.start", fmt.Sprintf("consultation %s until %s", consultNumber(id), r.when(closes))); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("💬 Consultation %s: %s\nHave your say until %s: type %s %s and your comment. Comments are kept without names (phone numbers removed) for the group's admins to take to the council.",
		consultNumber(id), question, r.when(closes), req.Cmd("say"), consultNumber(id)))
}

func (r *Feature) listConsultations(ctx context.Context, req *bot.Request) error {
	list, err := r.reachable(ctx, req)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return req.Reply(ctx, fmt.Sprintf("No consultations are open here. Admins can start one with %s \"question\" until FRI.", req.Cmd("consult")))
	}
	var b strings.Builder
	b.WriteString("Open consultations here:")
	for _, c := range list {
		k, err := r.st.commentsIn(ctx, c.ID, string(req.Chat.ID))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n%s %s — until %s, %s from this group", consultNumber(c.ID), bot.Truncate(c.Question, 80), r.when(c.Closes), bot.Count(k, "comment"))
	}
	fmt.Fprintf(&b, "\nType %s %s and your comment to add yours.", req.Cmd("say"), consultNumber(list[0].ID))
	return req.Reply(ctx, b.String())
}

// quoted splits `"question" rest` (straight or curly quotes).
func quoted(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"“", "“"}, {"”", "”"}} {
		if strings.HasPrefix(s, q[0]) {
			rest := s[len(q[0]):]
			if i := strings.Index(rest, q[1]); i >= 0 {
				return rest[:i], rest[i+len(q[1]):], true
			}
		}
	}
	return "", "", false
}

// closingDay reads "FRI", "friday", "tomorrow" or "2026-01-30": comments
// close at 18:00 local time that day (a weekday means the next one, never
// today). At most 60 days ahead.
func closingDay(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	local := now.In(loc)
	var day time.Time
	days := map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "tues": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "fri": time.Friday, "sat": time.Saturday}
	for _, full := range []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"} {
		days[full] = days[full[:3]]
	}
	if wd, ok := days[s]; ok {
		ahead := (int(wd) - int(local.Weekday()) + 7) % 7
		if ahead == 0 {
			ahead = 7
		}
		day = local.AddDate(0, 0, ahead)
	} else if s == "tomorrow" {
		day = local.AddDate(0, 0, 1)
	} else if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		day = t
	} else {
		return time.Time{}, fmt.Errorf("I can't read %q as a day.", bot.Truncate(s, 20))
	}
	closes := time.Date(day.Year(), day.Month(), day.Day(), 18, 0, 0, 0, loc)
	if !closes.After(now) {
		return time.Time{}, errors.New("That day has already passed.")
	}
	if closes.Sub(now) > 60*24*time.Hour {
		return time.Time{}, errors.New("That's more than 60 days away.")
	}
	return closes.UTC(), nil
}

// saysConsultNumber reports whether a comment's first word names a
// consultation: "C2" or "#2" always does; a bare number only when such a
// consultation exists, so "20 minutes' walk…" stays a comment.
func (r *Feature) saysConsultNumber(ctx context.Context, word string) (int64, bool, error) {
	id, ok := parseConsultNumber(word)
	if !ok {
		return 0, false, nil
	}
	if _, err := strconv.ParseInt(word, 10, 64); err != nil {
		return id, true, nil // written as C2 or #2
	}
	c, err := r.st.consultation(ctx, id)
	if err != nil {
		return 0, false, err
	}
	return id, c != nil, nil
}

// consultNumber is how a consultation is named everywhere — group posts,
// replies, exports, the command line: "C3".
func consultNumber(id int64) string { return "C" + strconv.FormatInt(id, 10) }

// parseConsultNumber reads a consultation number in any form people type:
// "C3", "c3", "#3", "#C3" or "3".
func parseConsultNumber(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(s) > 1 && (s[0] == 'C' || s[0] == 'c') {
		s = s[1:]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// cutNoticePrefix takes "notice:12" or "notice 12" apart.
func cutNoticePrefix(s string) (string, bool) {
	low := strings.ToLower(s)
	for _, p := range []string{"notice:", "notice "} {
		if strings.HasPrefix(low, p) {
			return strings.TrimSpace(s[len(p):]), true
		}
	}
	return "", false
}

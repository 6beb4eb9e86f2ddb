package notices

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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

func saveConsultation(ctx context.Context, tx bot.Tx, n *Notice) error {
	if n.Consultation == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notice_consultations (notice_id, question, link, closes_at, state, created_at) VALUES (?, ?, ?, ?, 'open', ?)`,
		n.ID, n.Title, n.Consultation.Link, ms(n.Consultation.Closes), ms(n.Received)); err != nil {
		return fmt.Errorf("save consultation: %w", err)
	}
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

const consultCols = `id, COALESCE(notice_id, 0), chat, question, link, closes_at, state, created_at`

func scanConsultation(sc interface{ Scan(...any) error }) (*consultation, error) {
	c := &consultation{}
	var closes, created int64
	if err := sc.Scan(&c.ID, &c.NoticeID, &c.Chat, &c.Question, &c.Link, &closes, &c.State, &created); err != nil {
		return nil, err
	}
	c.Closes, c.Created = fromMS(closes), fromMS(created)
	return c, nil
}

func (s store) consultations(ctx context.Context, where string, args ...any) ([]*consultation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+consultCols+` FROM notice_consultations WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load consultations: %w", err)
	}
	defer rows.Close()
	var out []*consultation
	for rows.Next() {
		c, err := scanConsultation(rows)
		if err != nil {
			return nil, fmt.Errorf("scan consultation: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s store) consultationOf(ctx context.Context, notice int64) (*consultation, error) {
	list, err := s.consultations(ctx, `notice_id = ?`, notice)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
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
	list, err := r.st.consultations(ctx, `state = 'open'`)
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
	target := voteTarget(req)
	list, err := r.st.consultations(ctx, `state = 'open' AND closes_at > ? AND (chat = ? OR notice_id IN
		(SELECT notice_id FROM notice_outbox WHERE target = ? AND state = 'sent')) ORDER BY id`, ms(req.Now()), string(req.Chat.ID), target)
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
	var notice int64
	// The notice's own message, or the poll that follows it.
	err := r.st.db.QueryRowContext(ctx, `SELECT notice_id FROM notice_outbox WHERE target = ? AND msg_id = ? AND state = 'sent'
		UNION SELECT notice_id FROM notice_poll_chats WHERE target = ? AND poll_msg = ? AND poll_msg != '' LIMIT 1`,
		voteTarget(req), req.Msg.Quote.ID, voteTarget(req), req.Msg.Quote.ID).Scan(&notice)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find quoted notice: %w", err)
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
	var mine int
	if err := r.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ? AND person_id = ?`, c.ID, req.Sender.ID).Scan(&mine); err != nil {
		return fmt.Errorf("count own comments: %w", err)
	}
	if mine >= maxCommentsEach {
		return bot.Userf("You've already left %d comments on this consultation, the most I keep from one person. %s by direct message shows them; you can delete one to make room.", mine, req.Cmd("mycomments"))
	}
	body, redacted := redactNumbers(text)
	res, err := r.st.db.ExecContext(ctx, `INSERT INTO notice_comments (consultation_id, scope, area, person_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, scope, area, req.Sender.ID, body, ms(req.Now()))
	if err != nil {
		return fmt.Errorf("save comment: %w", err)
	}
	id, _ := res.LastInsertId()
	var here int
	if err := r.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ? AND scope = ?`, c.ID, scope).Scan(&here); err != nil {
		return fmt.Errorf("count comments: %w", err)
	}
	msg := fmt.Sprintf("Thanks — comment %d kept, without your name", id)
	if redacted {
		msg += " (I removed a phone number)"
	}
	where := "in this group"
	if !req.Chat.IsGroup {
		where = "from subscribers"
	}
	msg += fmt.Sprintf(". %s so far %s. You can see or delete yours with %s by direct message until %s.",
		capitalise(countOf(int64(here), "comment")), where, req.Cmd("mycomments"), r.when(c.Closes))
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

func (r *Feature) myComments(ctx context.Context, person int64) ([]myComment, error) {
	rows, err := r.st.db.QueryContext(ctx, `SELECT m.id, c.id, c.question, m.body, c.closes_at FROM notice_comments m
		JOIN notice_consultations c ON c.id = m.consultation_id WHERE m.person_id = ? ORDER BY m.id`, person)
	if err != nil {
		return nil, fmt.Errorf("load comments: %w", err)
	}
	defer rows.Close()
	var out []myComment
	for rows.Next() {
		var m myComment
		var closes int64
		if err := rows.Scan(&m.ID, &m.Consultation, &m.Question, &m.Body, &closes); err != nil {
			return nil, fmt.Errorf("scan comment: %w", err)
		}
		m.Closes = fromMS(closes)
		out = append(out, m)
	}
	return out, rows.Err()
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
		res, err := r.st.db.ExecContext(ctx, `DELETE FROM notice_comments WHERE id = ? AND person_id = ?`, id, req.Sender.ID)
		if err != nil {
			return fmt.Errorf("delete comment: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return bot.Userf("You have no comment %d I can delete (comments can only be deleted until their consultation closes). %s lists yours.", id, req.Cmd("mycomments"))
		}
		return req.Reply(ctx, fmt.Sprintf("Deleted comment %d.", id))
	}
	if len(f) > 0 {
		return bot.Userf("Usage: %s (list yours) or %s delete N.", req.Cmd("mycomments"), req.Cmd("mycomments"))
	}
	list, err := r.myComments(ctx, req.Sender.ID)
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
	list, err := r.st.consultations(ctx, `id = ?`, pl["consultation"])
	if err != nil || len(list) == 0 || list[0].State != "open" {
		return err
	}
	c := list[0]
	now := r.clock.Now()
	if now.Before(c.Closes) {
		return r.scheduleConsultClose(ctx, c)
	}
	err = r.st.tx(ctx, func(tx bot.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notice_consultations SET state = 'closed' WHERE id = ? AND state = 'open'`, c.ID); err != nil {
			return fmt.Errorf("close consultation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notice_comments SET person_id = NULL WHERE consultation_id = ?`, c.ID); err != nil {
			return fmt.Errorf("unlink comments: %w", err)
		}
		if c.NoticeID != 0 {
			return audit(ctx, tx, AuditRecord{NoticeID: c.NoticeID, At: now, Event: "consultation_closed", Actor: "bot", Detail: "comments kept without any link to their authors"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	counts := map[string]int{}
	total := 0
	rows, err := r.st.db.QueryContext(ctx, `SELECT scope, COUNT(*) FROM notice_comments WHERE consultation_id = ? GROUP BY scope`, c.ID)
	if err != nil {
		return fmt.Errorf("count comments: %w", err)
	}
	for rows.Next() {
		var scope string
		var k int
		if err := rows.Scan(&scope, &k); err != nil {
			rows.Close()
			return fmt.Errorf("scan comment count: %w", err)
		}
		counts[scope] = k
		total += k
	}
	rows.Close()
	var chats []string
	if c.NoticeID == 0 {
		chats = []string{c.Chat}
	} else if n, err := r.st.notice(ctx, c.NoticeID); err != nil {
		return err
	} else if cancelled, err := r.cancelled(ctx, n); err != nil || cancelled {
		return err
	} else {
		rows, err := r.st.db.QueryContext(ctx, `SELECT target FROM notice_outbox WHERE notice_id = ? AND state = 'sent' AND person_id IS NULL ORDER BY id`, c.NoticeID)
		if err != nil {
			return fmt.Errorf("consultation groups: %w", err)
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			chats = append(chats, t)
		}
		rows.Close()
	}
	for _, chat := range chats {
		line := fmt.Sprintf("💬 Comments closed on %q: %s from this group", bot.Truncate(c.Question, 80), countOf(int64(counts[chat]), "comment"))
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
	open, err := r.st.consultations(ctx, `chat = ? AND state = 'open'`, string(req.Chat.ID))
	if err != nil {
		return err
	}
	if len(open) >= 5 {
		return bot.Userf("This group already has %d open consultations, the most I run at once.", len(open))
	}
	res, err := r.st.db.ExecContext(ctx, `INSERT INTO notice_consultations (chat, question, closes_at, state, created_at) VALUES (?, ?, ?, 'open', ?)`,
		string(req.Chat.ID), question, ms(closes), ms(req.Now()))
	if err != nil {
		return fmt.Errorf("save consultation: %w", err)
	}
	id, _ := res.LastInsertId()
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
		var k int
		if err := r.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ? AND scope = ?`, c.ID, string(req.Chat.ID)).Scan(&k); err != nil {
			return fmt.Errorf("count comments: %w", err)
		}
		fmt.Fprintf(&b, "\n%s %s — until %s, %s from this group", consultNumber(c.ID), bot.Truncate(c.Question, 80), r.when(c.Closes), countOf(int64(k), "comment"))
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

// Comment is one stored comment as exported: no name, no number.
type Comment struct {
	Consultation int64
	Notice       int64
	Question     string
	ID           int64
	At           time.Time
	Group        string
	Area         string
	Body         string
}

// CommentsOf lists a consultation's comments for export: by its number
// ("C3" or "3", as groups see it), or by its notice ("notice 12" or
// "notice:12").
func CommentsOf(ctx context.Context, core bot.Core, ref string) ([]Comment, error) {
	st := store{db: core.DB()}
	ref = strings.TrimSpace(ref)
	var list []*consultation
	var err error
	if rest, ok := cutNoticePrefix(ref); ok {
		id, perr := strconv.ParseInt(strings.TrimPrefix(rest, "#"), 10, 64)
		if perr != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a notice number like notice:12", ref)
		}
		list, err = st.consultations(ctx, `notice_id = ?`, id)
	} else {
		id, ok := parseConsultNumber(ref)
		if !ok {
			return nil, fmt.Errorf("%q is not a consultation number like C3 (or a notice, notice:12)", ref)
		}
		list, err = st.consultations(ctx, `id = ?`, id)
	}
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("no consultation %s (see: neighbourbot notices consultations)", ref)
	}
	c := list[0]
	rows, err := st.db.QueryContext(ctx, `SELECT id, created_at, scope, area, body FROM notice_comments WHERE consultation_id = ? ORDER BY id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("load comments: %w", err)
	}
	defer rows.Close()
	out := []Comment{}
	names := map[string]string{}
	for rows.Next() {
		m := Comment{Consultation: c.ID, Notice: c.NoticeID, Question: c.Question}
		var at int64
		var scope string
		if err := rows.Scan(&m.ID, &at, &scope, &m.Area, &m.Body); err != nil {
			return nil, fmt.Errorf("scan comment: %w", err)
		}
		m.At = fromMS(at)
		if scope == subscribersScope {
			m.Group = "private subscribers"
		} else {
			if _, ok := names[scope]; !ok {
				names[scope] = scope
				if gs, err := core.GroupSettings(ctx, bot.ChatID(scope)); err == nil && gs.Name != "" {
					names[scope] = gs.Name
				}
			}
			m.Group = names[scope]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// WriteComments prints comments as text or CSV.
func WriteComments(w io.Writer, list []Comment, asCSV bool, loc *time.Location) error {
	if asCSV {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"consultation", "notice", "comment", "time", "group", "area", "text"}); err != nil {
			return err
		}
		for _, m := range list {
			notice := ""
			if m.Notice != 0 {
				notice = strconv.FormatInt(m.Notice, 10)
			}
			if err := cw.Write([]string{consultNumber(m.Consultation), notice, strconv.FormatInt(m.ID, 10), m.At.UTC().Format(time.RFC3339), m.Group, m.Area, m.Body}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "No comments yet.")
		return err
	}
	for _, m := range list {
		if _, err := fmt.Fprintf(w, "%s  %s (%s): %s\n", m.At.In(loc).Format("2006-01-02 15:04"), m.Group, m.Area, m.Body); err != nil {
			return err
		}
	}
	return nil
}

// ConsultationInfo is a consultation as the command line lists it.
type ConsultationInfo struct {
	ID       int64
	Notice   int64
	Group    string
	Question string
	Closes   time.Time
	State    string
	Comments int
}

// Consultations lists every consultation, newest first.
func Consultations(ctx context.Context, core bot.Core) ([]ConsultationInfo, error) {
	st := store{db: core.DB()}
	list, err := st.consultations(ctx, `1 = 1 ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	var out []ConsultationInfo
	for _, c := range list {
		info := ConsultationInfo{ID: c.ID, Notice: c.NoticeID, Question: c.Question, Closes: c.Closes, State: c.State}
		if c.Chat != "" {
			info.Group = c.Chat
			if gs, err := core.GroupSettings(ctx, bot.ChatID(c.Chat)); err == nil && gs.Name != "" {
				info.Group = gs.Name
			}
		}
		if err := st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ?`, c.ID).Scan(&info.Comments); err != nil {
			return nil, fmt.Errorf("count comments: %w", err)
		}
		out = append(out, info)
	}
	return out, nil
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
	list, err := r.st.consultations(ctx, `id = ?`, id)
	if err != nil {
		return 0, false, err
	}
	return id, len(list) > 0, nil
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

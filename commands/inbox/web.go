package inbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"neighbourbot/bot"
)

// This file is the inbox as the staff web page sees it: lists and threads
// to read, and the same actions as the staff group's commands. A reply
// from the page takes the path a !reply takes (Feature.reply) in one unit
// of work, and the staff group is told of everything done on the page, so
// staff in either place see the same tickets.

// Scope is which desks a member of staff on the page sees: every desk (an
// owner), or those whose staff group they are in.
type Scope struct {
	All   bool
	Chats []bot.ChatID
}

// Enabled reports whether the inbox is switched on.
func (f *Feature) Enabled() bool { return f.cfg.Enabled }

// visibleDesks is the names of the desks sc sees; nil for every desk.
func (f *Feature) visibleDesks(sc Scope) []string {
	if sc.All {
		return nil
	}
	names := []string{}
	for _, d := range f.desks {
		for _, c := range sc.Chats {
			if d.chat == c {
				names = append(names, d.Name)
				break
			}
		}
	}
	if len(names) == len(f.desks) {
		return nil
	}
	return names
}

// Desks lists the desks sc sees by name (one "" when desks are not set up).
func (f *Feature) Desks(sc Scope) []string {
	if v := f.visibleDesks(sc); v != nil {
		return v
	}
	var all []string
	for _, d := range f.desks {
		all = append(all, d.Name)
	}
	return all
}

// sees reports whether sc may see ticket t.
func (sc Scope) sees(f *Feature, t ticket) bool {
	if sc.All {
		return true
	}
	chat := f.deskByName(t.Desk).chat
	for _, c := range sc.Chats {
		if c == chat {
			return true
		}
	}
	return false
}

// ListQuery is the staff page's choice of tickets.
type ListQuery struct {
	// State is open, waiting (on the resident), closed, or "" for all.
	State string
	// Desk is one desk's name, or "" for every desk in scope.
	Desk string
	// Assignee is "me", "nobody", a staff member's person id, or "".
	Assignee string
	// OlderThan keeps tickets opened at least this long ago.
	OlderThan time.Duration
	// Text searches messages, notes and residents' names; "C12" finds
	// ticket 12.
	Text string
	// After continues a list from a ticket number; Oldest lists oldest
	// first.
	After  int64
	Oldest bool
}

// ListItem is one ticket in the list.
type ListItem struct {
	Number                     int64
	Ref, Resident, Desk, State string
	Assignee                   string
	Opened, LastAt             time.Time
	Unread                     bool
	Timers                     Timers
}

// ListPage is a page of the list: Next continues it (0: the end), Unread
// counts the open tickets in scope with news for the viewer.
type ListPage struct {
	Items  []ListItem
	Next   int64
	Unread int
}

// ListSize is how many tickets a page of the list shows.
const ListSize = 50

// List reads a page of tickets for viewer within sc.
func (f *Feature) List(ctx context.Context, sc Scope, viewer int64, q ListQuery) (ListPage, error) {
	flt := listFilter{desks: f.visibleDesks(sc), state: q.State, after: q.After, oldest: q.Oldest, limit: ListSize + 1, viewer: viewer}
	if q.Desk != "" {
		if flt.desks != nil && !contains(flt.desks, q.Desk) {
			return ListPage{}, nil
		}
		flt.desks = []string{q.Desk}
	}
	switch q.Assignee {
	case "":
	case "me":
		flt.assignee = viewer
	case "nobody":
		flt.nobody = true
	default:
		fmt.Sscan(q.Assignee, &flt.assignee)
	}
	now := f.clock.Now()
	if q.OlderThan > 0 {
		flt.openedTo = now.Add(-q.OlderThan)
	}
	if n, ok := parseRef(q.Text); ok && ticketRef.MatchString(strings.TrimSpace(q.Text)) {
		flt.number = n
	} else {
		flt.text = strings.TrimSpace(q.Text)
	}
	rows, err := f.st.listTickets(ctx, flt)
	if err != nil {
		return ListPage{}, err
	}
	var page ListPage
	if len(rows) > ListSize {
		rows = rows[:ListSize]
		page.Next = rows[len(rows)-1].Number
	}
	cal := f.calendar(ctx)
	for _, r := range rows {
		who, err := f.residentName(ctx, r.ticket, true)
		if err != nil {
			return ListPage{}, err
		}
		page.Items = append(page.Items, ListItem{Number: r.Number, Ref: r.Ref(), Resident: who, Desk: r.Desk, State: webState(r.ticket),
			Assignee: r.AssigneeName, Opened: r.OpenedAt, LastAt: r.LastAt, Unread: r.LastInID > r.seenInID && r.State == stateOpen,
			Timers: f.timers(cal, r.ticket, now)})
	}
	page.Unread, err = f.Unread(ctx, sc, viewer)
	return page, err
}

// Unread counts the open tickets in sc with a message viewer has not seen.
func (f *Feature) Unread(ctx context.Context, sc Scope, viewer int64) (int, error) {
	return f.st.countUnread(ctx, f.visibleDesks(sc), viewer)
}

// Version changes whenever a ticket, message or note does: the page's live
// updates watch it.
func (f *Feature) Version(ctx context.Context) (int64, error) { return f.st.version(ctx) }

func webState(t ticket) string {
	switch {
	case t.State == stateClosed:
		return "closed"
	case !t.WaitingSince.IsZero():
		return "waiting"
	}
	return "open"
}

// Timers are a ticket's working-hours clocks against its desk's targets:
// time to the first reply (still running while unanswered) and time open
// (until closed).
type Timers struct {
	ToReply, Open            time.Duration
	ReplyTarget, CloseTarget time.Duration
	Replied, Closed          bool
}

// ReplyLate and OpenLate report a clock past its target.
func (t Timers) ReplyLate() bool { return t.ReplyTarget > 0 && t.ToReply > t.ReplyTarget }
func (t Timers) OpenLate() bool  { return t.CloseTarget > 0 && t.Open > t.CloseTarget }

func (f *Feature) timers(cal calendar, t ticket, now time.Time) Timers {
	var tm Timers
	tm.ReplyTarget, tm.CloseTarget = f.cfg.targets(f.deskByName(t.Desk).Desk)
	replyEnd, openEnd := now, now
	if !t.FirstReplyAt.IsZero() {
		replyEnd, tm.Replied = t.FirstReplyAt, true
	}
	if t.State == stateClosed && !t.ClosedAt.IsZero() {
		openEnd, tm.Closed = t.ClosedAt, true
		if !tm.Replied {
			replyEnd = t.ClosedAt
		}
	}
	tm.ToReply = cal.workingTime(t.OpenedAt, replyEnd)
	tm.Open = cal.workingTime(t.OpenedAt, openEnd)
	return tm
}

// TicketView is one ticket as the page shows it.
type TicketView struct {
	Number                       int64
	Ref, Resident, Desk, State   string
	Forgotten                    bool
	Assignee                     string
	AssigneeID                   int64
	Opened, Closed, WaitingSince time.Time
	ClosedBy, CloseNote          string
	Timers                       Timers
	Entries                      []Entry
	Earlier                      int   // entries before the first shown
	Latest                       int64 // the latest message's id (for "answered meanwhile")
	Staff                        []StaffMember
	// Activity is the ticket's audit, newest first: who did what, when.
	Activity []Activity
}

// Activity is one audited event on a ticket.
type Activity struct {
	At        time.Time
	Who, What string
}

// StaffMember is someone a ticket can be given to.
type StaffMember struct {
	ID   int64
	Name string
}

// Entry is one item of a ticket's thread: a message from the resident
// ("in"), a reply ("out") or an internal note ("note").
type Entry struct {
	ID       int64
	Kind     string
	At       time.Time
	Author   string
	Text     string
	Media    *MediaInfo
	Location *bot.Location
	Failed   string
	Erased   bool
}

// MediaInfo is an attachment kept on a message.
type MediaInfo struct {
	Kind    string // photo, video, voice, audio, document
	Mime    string
	Name    string
	Size    int64
	Seconds int
	Missing bool // the file is no longer on the bot's disk
}

// threadShown is how many entries of a thread the page shows at first.
const threadShown = 200

// Ticket reads ticket number for viewer within sc and marks it read;
// bot.ErrNotFound when there is none in scope. all shows the whole thread.
func (f *Feature) Ticket(ctx context.Context, sc Scope, viewer, number int64, all bool) (TicketView, error) {
	t, err := f.scopedTicket(ctx, sc, number)
	if err != nil {
		return TicketView{}, err
	}
	who, err := f.residentName(ctx, t, true)
	if err != nil {
		return TicketView{}, err
	}
	v := TicketView{Number: t.Number, Ref: t.Ref(), Resident: who, Desk: t.Desk, State: webState(t), Forgotten: t.Forgotten || t.PersonID == 0,
		Assignee: t.AssigneeName, AssigneeID: t.AssigneeID, Opened: t.OpenedAt, Closed: t.ClosedAt, WaitingSince: t.WaitingSince,
		ClosedBy: t.ClosedBy, CloseNote: t.CloseNote, Timers: f.timers(f.calendar(ctx), t, f.clock.Now())}
	if v.Entries, v.Latest, err = f.thread(ctx, t); err != nil {
		return TicketView{}, err
	}
	if !all && len(v.Entries) > threadShown {
		v.Earlier = len(v.Entries) - threadShown
		v.Entries = v.Entries[v.Earlier:]
	}
	if v.Staff, err = f.assignable(ctx, t); err != nil {
		return TicketView{}, err
	}
	if v.Activity, err = f.activity(ctx, t); err != nil {
		return TicketView{}, err
	}
	return v, f.st.markRead(ctx, viewer, t.ID, t.LastInID)
}

func (f *Feature) scopedTicket(ctx context.Context, sc Scope, number int64) (ticket, error) {
	t, err := f.st.byNumber(ctx, number)
	if err != nil {
		return ticket{}, err
	}
	if !sc.sees(f, t) {
		return ticket{}, bot.ErrNotFound
	}
	return t, nil
}

// thread merges a ticket's messages and notes in time order.
func (f *Feature) thread(ctx context.Context, t ticket) ([]Entry, int64, error) {
	ms, err := f.st.messages(ctx, t.ID)
	if err != nil {
		return nil, 0, err
	}
	ns, err := f.st.notes(ctx, t.ID)
	if err != nil {
		return nil, 0, err
	}
	resident, err := f.residentName(ctx, t, false)
	if err != nil {
		return nil, 0, err
	}
	var out []Entry
	var latest int64
	i := 0
	for _, m := range ms {
		for ; i < len(ns) && ns[i].At.Before(m.At); i++ {
			out = append(out, noteEntry(ns[i]))
		}
		out = append(out, f.messageEntry(m, resident))
		latest = max(latest, m.ID)
	}
	for ; i < len(ns); i++ {
		out = append(out, noteEntry(ns[i]))
	}
	return out, latest, nil
}

func noteEntry(n note) Entry {
	return Entry{ID: n.ID, Kind: "note", At: n.At, Author: n.AuthorName, Text: n.Text}
}

func (f *Feature) messageEntry(m message, resident string) Entry {
	e := Entry{ID: m.ID, Kind: m.Direction, At: m.At, Author: resident, Text: m.Text, Location: m.Location, Failed: m.MediaFailed, Erased: m.Forgotten()}
	if m.Direction == "out" {
		e.Author = m.AuthorName
	}
	if md := m.Media; md != nil && md.File != "" {
		kind := mediaWord(md.Kind, md.Voice)
		switch kind {
		case "voice note":
			kind = "voice"
		case "audio clip":
			kind = "audio"
		}
		_, statErr := os.Stat(filepath.Join(f.deps.MediaDir, md.File))
		e.Media = &MediaInfo{Kind: kind, Mime: md.Mime, Name: md.Name, Size: md.Size, Seconds: md.Seconds, Missing: statErr != nil}
	}
	return e
}

// assignable lists the members of the ticket's desk's staff group.
func (f *Feature) assignable(ctx context.Context, t ticket) ([]StaffMember, error) {
	people, err := f.core.GroupMembers(ctx, f.deskByName(t.Desk).chat)
	if err != nil {
		return nil, err
	}
	var out []StaffMember
	for _, p := range people {
		out = append(out, StaffMember{ID: p.ID, Name: p.DisplayName()})
	}
	return out, nil
}

// MediaFile is where the attachment of message msg on ticket number is
// kept, for a member of staff within sc; bot.ErrNotFound otherwise.
func (f *Feature) MediaFile(ctx context.Context, sc Scope, number, msg int64) (path string, info MediaInfo, err error) {
	t, err := f.scopedTicket(ctx, sc, number)
	if err != nil {
		return "", MediaInfo{}, err
	}
	m, err := f.st.message(ctx, msg)
	if err != nil {
		return "", MediaInfo{}, err
	}
	if m.TicketID != t.ID || m.Media == nil || m.Media.File == "" || strings.ContainsAny(m.Media.File, `/\`) {
		return "", MediaInfo{}, bot.ErrNotFound
	}
	e := f.messageEntry(m, "")
	return filepath.Join(f.deps.MediaDir, m.Media.File), *e.Media, nil
}

// ReplyResult is what a reply from the page did.
type ReplyResult struct {
	// Again is true when the form had been sent before: nothing was sent
	// this time.
	Again bool
	// Resident is whom it went to; Meanwhile names the other replies
	// sent since the page was opened ("Alex at 10:02").
	Resident  string
	Meanwhile []string
}

// Reply sends staff's answer from the page to ticket number's resident:
// the path of a !reply in the staff group (Feature.reply), in the unit of
// work of ctx, and the staff group is shown it. key is the form's one-time
// key (a form sent twice sends once); seen the latest message the page
// showed, so staff learn of a reply sent meanwhile. A refusal is a
// bot.Userf error saying why.
func (f *Feature) Reply(ctx context.Context, sc Scope, staff bot.Person, number int64, text, key string, seen int64) (ReplyResult, error) {
	var res ReplyResult
	err := f.core.Atomic(ctx, func(ctx context.Context) error {
		t, err := f.scopedTicket(ctx, sc, number)
		if err != nil {
			return err
		}
		if key != "" {
			if _, err := f.st.replyByKey(ctx, key); err == nil {
				res.Again = true
				return nil
			} else if !errors.Is(err, bot.ErrNotFound) {
				return err
			}
		}
		text = strings.TrimSpace(text)
		if text == "" {
			return bot.Userf("Write a reply first; nothing was sent.")
		}
		others, err := f.st.repliesAfter(ctx, t.ID, seen)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.AuthorID == staff.ID {
				continue // their own, from another tab
			}
			res.Meanwhile = append(res.Meanwhile, o.AuthorName+" at "+o.At.In(f.loc).Format("15:04"))
		}
		if res.Resident, err = f.reply(ctx, t, staff, text, replyFrom{web: true, key: key}); err != nil {
			return err
		}
		return f.tellStaffGroup(ctx, t, fmt.Sprintf("%s answered on the staff page: %s", staff.DisplayName(), clip(text, maxPostRunes-200)))
	})
	return res, err
}

// tellStaffGroup posts a line about ticket t to its desk's staff group,
// through the inbox's own queue of posts (it waits there while the group
// cannot be reached).
func (f *Feature) tellStaffGroup(ctx context.Context, t ticket, line string) error {
	now := f.clock.Now()
	if err := f.st.queue(ctx, t.ID, 0, "note", line, now); err != nil {
		return err
	}
	return f.scheduleFlush(ctx, now)
}

// maxNoteRunes bounds an internal note.
const maxNoteRunes = 4000

// Note adds an internal note to ticket number: staff only, never sent to
// the resident (nor posted in the staff group, so it stays on the page).
// A form sent twice (the same key) adds it once.
func (f *Feature) Note(ctx context.Context, sc Scope, staff bot.Person, number int64, text, key string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return bot.Userf("Write the note first; nothing was added.")
	}
	if n := utf8.RuneCountInString(text); n > maxNoteRunes {
		return bot.Userf("That note is %d characters; please keep it under %d. Nothing was added.", n, maxNoteRunes)
	}
	return f.core.Atomic(ctx, func(ctx context.Context) error {
		t, err := f.scopedTicket(ctx, sc, number)
		if err != nil {
			return err
		}
		added, err := f.st.addNote(ctx, t.ID, note{At: f.clock.Now(), AuthorID: staff.ID, AuthorName: staff.DisplayName(), Text: text}, key)
		if err != nil || !added {
			return err
		}
		return f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.note", bot.Person{}, t.Ref()+" · on the staff page")
	})
}

// Assign gives ticket number to a member of its desk's staff group (0:
// nobody), as !assign does, and tells the staff group.
func (f *Feature) Assign(ctx context.Context, sc Scope, staff bot.Person, number, to int64) (string, error) {
	var done string
	err := f.core.Atomic(ctx, func(ctx context.Context) error {
		t, err := f.scopedTicket(ctx, sc, number)
		if err != nil {
			return err
		}
		if to == 0 {
			if err := f.st.assign(ctx, t.ID, 0, ""); err != nil {
				return err
			}
			done = t.Ref() + " is unassigned now."
			if err := f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.unassigned", bot.Person{}, t.Ref()+" · on the staff page"); err != nil {
				return err
			}
			return f.tellStaffGroup(ctx, t, fmt.Sprintf("%s unassigned it on the staff page.", staff.DisplayName()))
		}
		member, err := f.core.PersonByID(ctx, to)
		if err != nil {
			return err
		}
		in, err := f.core.IsMember(ctx, f.deskByName(t.Desk).chat, to)
		if err != nil {
			return err
		}
		if !in {
			return bot.Userf("%s isn't in this desk's staff group, so %s can't be given to them.", member.DisplayName(), t.Ref())
		}
		if err := f.st.assign(ctx, t.ID, member.ID, member.DisplayName()); err != nil {
			return err
		}
		done = fmt.Sprintf("%s is now with %s.", t.Ref(), member.DisplayName())
		if err := f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.assigned", member, t.Ref()+" · on the staff page"); err != nil {
			return err
		}
		return f.tellStaffGroup(ctx, t, fmt.Sprintf("%s gave it to %s on the staff page.", staff.DisplayName(), member.DisplayName()))
	})
	return done, err
}

// SetState closes (with a note for the resident), reopens, or marks ticket
// number as waiting on the resident or not, as the staff group's commands
// do, and tells the staff group.
func (f *Feature) SetState(ctx context.Context, sc Scope, staff bot.Person, number int64, state, closeNote string) (string, error) {
	var done string
	err := f.core.Atomic(ctx, func(ctx context.Context) error {
		t, err := f.scopedTicket(ctx, sc, number)
		if err != nil {
			return err
		}
		done, err = f.setState(ctx, t, staff, state, closeNote)
		return err
	})
	return done, err
}

func (f *Feature) setState(ctx context.Context, t ticket, staff bot.Person, state, closeNote string) (string, error) {
	const via = " · on the staff page"
	name := staff.DisplayName()
	switch {
	case state == "closed" && t.State == stateClosed:
		return "", bot.Userf("%s is already closed.", t.Ref())
	case state == "closed":
		told, err := f.closeTicket(ctx, t, staff, closeNote, via)
		if err != nil {
			return "", err
		}
		return "Closed " + t.Ref() + told + ".", f.tellStaffGroup(ctx, t, fmt.Sprintf("closed by %s on the staff page%s.", name, told))
	case t.State == stateClosed && state == "open":
		if err := f.reopenTicket(ctx, t, staff, via); err != nil {
			return "", err
		}
		return t.Ref() + " is open again.", f.tellStaffGroup(ctx, t, fmt.Sprintf("reopened by %s on the staff page.", name))
	case t.State == stateClosed:
		return "", bot.Userf("%s is closed; reopen it first.", t.Ref())
	case state == "waiting":
		if err := f.st.setWaiting(ctx, t.ID, f.clock.Now()); err != nil {
			return "", err
		}
		if err := f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.waiting", bot.Person{}, t.Ref()+via); err != nil {
			return "", err
		}
		return t.Ref() + " is waiting on the resident; their next message brings it back.", nil
	case state == "open":
		if err := f.st.setWaiting(ctx, t.ID, time.Time{}); err != nil {
			return "", err
		}
		return t.Ref() + " is no longer waiting on the resident.", f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.not-waiting", bot.Person{}, t.Ref()+via)
	}
	return "", bot.Userf("Choose close, reopen or waiting on the resident.")
}

// SavedReplies lists the replies kept for ticket desk's staff: the
// configured answers ([[inbox.answers]], ID 0) and those written on the
// page for that desk or every desk.
func (f *Feature) SavedReplies(ctx context.Context, desk string) ([]SavedReply, error) {
	var out []SavedReply
	for _, a := range f.cfg.Answers {
		text := strings.TrimSpace(a.Text)
		if a.Link != "" {
			text += " " + a.Link
		}
		out = append(out, SavedReply{Title: clip(strings.Join(a.Keywords, ", "), 60), Text: text, Author: "the bot's settings"})
	}
	all, err := f.st.savedReplies(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.Desk == "" || r.Desk == desk {
			out = append(out, r)
		}
	}
	return out, nil
}

// SaveReply keeps a reply for reuse on desk ("" for every desk the staff
// member sees).
func (f *Feature) SaveReply(ctx context.Context, sc Scope, staff bot.Person, desk, title, text string) error {
	title, text = strings.TrimSpace(title), strings.TrimSpace(text)
	switch {
	case title == "" || utf8.RuneCountInString(title) > 80:
		return bot.Userf("Give the saved reply a name of 1 to 80 characters.")
	case text == "" || utf8.RuneCountInString(text) > maxReplyRunes:
		return bot.Userf("A saved reply needs its text, at most %d characters.", maxReplyRunes)
	case desk == "" && !sc.All && f.visibleDesks(sc) != nil:
		return bot.Userf("Only an owner can save a reply for every desk; choose your desk.")
	case desk != "" && !contains(f.Desks(sc), desk):
		return bot.Userf("You can only save replies for your own desks.")
	}
	return f.core.Atomic(ctx, func(ctx context.Context) error {
		if err := f.st.addSavedReply(ctx, SavedReply{Desk: desk, Title: title, Text: text, Author: staff.DisplayName()}, f.clock.Now()); err != nil {
			return err
		}
		return f.audit(ctx, f.deskByName(desk).chat, staff, "inbox.saved-reply", bot.Person{}, title+" · on the staff page")
	})
}

// DeleteSavedReply removes a saved reply written on the page, for staff of
// its desk (an owner for every desk's).
func (f *Feature) DeleteSavedReply(ctx context.Context, sc Scope, staff bot.Person, id int64) error {
	return f.core.Atomic(ctx, func(ctx context.Context) error {
		r, err := f.st.savedReply(ctx, id)
		if err != nil {
			return err
		}
		if (r.Desk == "" && !sc.All && f.visibleDesks(sc) != nil) || (r.Desk != "" && !contains(f.Desks(sc), r.Desk)) {
			return bot.ErrNotFound
		}
		if _, err := f.st.deleteSavedReply(ctx, id); err != nil {
			return err
		}
		return f.audit(ctx, f.deskByName(r.Desk).chat, staff, "inbox.saved-reply-deleted", bot.Person{}, r.Title+" · on the staff page")
	})
}

// Staff lists the members of the staff groups of the desks sc sees, for
// the list's "with" filter.
func (f *Feature) Staff(ctx context.Context, sc Scope) ([]StaffMember, error) {
	seen := map[int64]bool{}
	chats := map[bot.ChatID]bool{}
	var out []StaffMember
	for _, d := range f.desks {
		if chats[d.chat] || !sc.sees(f, ticket{Desk: d.Name}) {
			continue
		}
		chats[d.chat] = true
		people, err := f.core.GroupMembers(ctx, d.chat)
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			if !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, StaffMember{ID: p.ID, Name: p.DisplayName()})
			}
		}
	}
	return out, nil
}

// activityShown is how many audited events a ticket's page lists.
const activityShown = 50

// activity reads the audit of ticket t in words for the page.
func (f *Feature) activity(ctx context.Context, t ticket) ([]Activity, error) {
	to := f.clock.Now()
	if t.State == stateClosed && !t.ClosedAt.IsZero() {
		to = t.ClosedAt.Add(time.Minute)
	}
	list, err := f.st.ticketActivity(ctx, f.deskByName(t.Desk).chat, t.Ref(), t.CreatedAt, to, activityShown)
	if err != nil {
		return nil, err
	}
	out := make([]Activity, 0, len(list))
	for _, a := range list {
		out = append(out, Activity{At: a.At, Who: a.Actor, What: activityWords(a, t.Ref())})
	}
	return out, nil
}

// activityWords says what an audited event did, from its action and
// detail ("C12 · on the staff page" → "replied on the staff page").
func activityWords(a activity, ref string) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(a.Detail, ref), " · ")
	where := ""
	if rest == "on the staff page" {
		where, rest = " on the staff page", ""
	}
	var what string
	switch a.Action {
	case "inbox.opened":
		what = "opened it"
	case "inbox.message":
		what = "wrote (" + rest + ")"
	case "inbox.reply":
		what = "replied"
	case "inbox.note":
		what = "added an internal note"
	case "inbox.assigned":
		what = "gave it to " + a.Target
	case "inbox.unassigned":
		what = "unassigned it"
	case "inbox.closed":
		what = "closed it"
	case "inbox.reopened":
		what = "reopened it"
	case "inbox.waiting":
		what = "marked it waiting on the resident"
	case "inbox.not-waiting":
		what = "ended waiting on the resident"
	default:
		what = strings.TrimPrefix(a.Action, "inbox.")
	}
	if a.Action != "inbox.message" && rest != "" && !strings.Contains(rest, "\n") {
		what += " (" + rest + ")"
	}
	return what + where
}

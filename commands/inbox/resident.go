package inbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// listenStaff takes replies in a staff chat that quote a ticket post.
func (f *Feature) listenStaff(ctx context.Context, req *bot.Request) error {
	if !req.Chat.IsGroup || !f.staff[req.Chat.ID] || req.Msg == nil || req.Msg.Reaction != nil || req.Taken() {
		return nil
	}
	return f.staffListen(ctx, req)
}

// listenResident takes a resident's direct message for a ticket: every
// direct message that is not a command, a reaction or a yes/no answer is
// the inbox's, and nothing else answers it (see bot.Request.Take).
func (f *Feature) listenResident(ctx context.Context, req *bot.Request) error {
	req.Take()
	if err := f.residentMessage(ctx, req); err != nil {
		if msg, ok := bot.UserMessage(err); ok {
			return req.Reply(ctx, msg)
		}
		return err
	}
	return nil
}

// residentMessage files a resident's direct message.
func (f *Feature) residentMessage(ctx context.Context, req *bot.Request) error {
	person := req.Sender.ID
	t, err := f.st.active(ctx, person)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		if f.reopenWithin > 0 {
			closed, err := f.st.recentClosed(ctx, person, f.clock.Now().Add(-f.reopenWithin))
			switch {
			case err == nil && !f.namesOtherDesk(req.Msg.Text, closed):
				return f.reopenWith(ctx, req, closed)
			case err != nil && !errors.Is(err, bot.ErrNotFound):
				return err
			}
		}
		return f.firstMessage(ctx, req)
	case err != nil:
		return err
	}
	switch t.State {
	case stateOpen:
		return f.addToOpen(ctx, req, t)
	case stateChoosing:
		return f.menuAnswer(ctx, req, t)
	case stateSelfHelp:
		return f.selfHelpAnswer(ctx, req, t)
	}
	return fmt.Errorf("ticket %d in unknown state %q", t.ID, t.State)
}

// firstMessage handles a message from a resident with no ticket running:
// the daily limit, a self-help answer, the desks menu, or a new ticket.
func (f *Feature) firstMessage(ctx context.Context, req *bot.Request) error {
	now := f.clock.Now()
	person := req.Sender.ID
	n, err := f.st.openedSince(ctx, person, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if n >= f.cfg.MaxTicketsPerDay {
		told, err := f.st.limitToldAt(ctx, person)
		if err != nil {
			return err
		}
		if !told.IsZero() && now.Sub(told) < 24*time.Hour {
			return nil // told once already; the message is not taken
		}
		if err := f.st.setLimitTold(ctx, person, now); err != nil {
			return err
		}
		text := fmt.Sprintf("You've opened %d tickets with the council in the last 24 hours, the most I can take in a day, so I haven't passed this message on. Please write again tomorrow.", n)
		if f.cfg.UrgentText != "" {
			text += " " + f.cfg.UrgentText
		}
		return req.Reply(ctx, text)
	}
	m, note, err := f.capture(ctx, req)
	if err != nil {
		return err
	}
	if m == nil {
		return req.Reply(ctx, note)
	}
	if i := f.selfHelp(m.Text); i >= 0 {
		t, err := f.st.create(ctx, person, stateSelfHelp, now)
		if err != nil {
			return err
		}
		if err := f.st.setPending(ctx, t.ID, stateSelfHelp, i); err != nil {
			return err
		}
		if err := f.hold(ctx, t, m); err != nil {
			return err
		}
		return req.Reply(ctx, withNote(f.answerText(i), note))
	}
	t, err := f.st.create(ctx, person, stateChoosing, now)
	if err != nil {
		return err
	}
	if err := f.hold(ctx, t, m); err != nil {
		return err
	}
	return f.route(ctx, req, t, m.Text, note)
}

// route opens a pending ticket on the desk its words name, on the only
// desk there is, or asks which desk with the numbered menu.
func (f *Feature) route(ctx context.Context, req *bot.Request, t ticket, text, note string) error {
	if len(f.desks) == 1 {
		return f.openTicket(ctx, req, t, 0, note)
	}
	if d := f.deskFor(text); d >= 0 {
		return f.openTicket(ctx, req, t, d, note)
	}
	if err := f.st.setPending(ctx, t.ID, stateChoosing, -1); err != nil {
		return err
	}
	// A menu left unanswered goes to the first desk after a while, so a
	// message never waits unseen for a choice nobody makes.
	if err := f.jobs.Schedule(ctx, jobMenu, fmt.Sprintf("%s:%d", jobMenu, t.ID), f.clock.Now().Add(f.menuWait), menuPayload{Ticket: t.ID}); err != nil {
		return err
	}
	return req.Reply(ctx, withNote(f.menu("Which team is your message for? Reply with a number:"), note))
}

// menuAnswer takes the resident's choice of desk. A message that is not a
// choice is kept with the ticket and the menu is shown again.
func (f *Feature) menuAnswer(ctx context.Context, req *bot.Request, t ticket) error {
	if n, err := strconv.Atoi(strings.TrimRight(strings.TrimSpace(req.Msg.Text), ".)")); err == nil && req.Msg.Media == nil && req.Msg.Location == nil {
		if n >= 1 && n <= len(f.desks) {
			return f.openTicket(ctx, req, t, n-1, "")
		}
		return req.Reply(ctx, f.menu(fmt.Sprintf("There's no team %d. Reply with a number from 1 to %d:", n, len(f.desks))))
	}
	m, note, err := f.capture(ctx, req)
	if err != nil {
		return err
	}
	if m == nil {
		return req.Reply(ctx, note)
	}
	if err := f.hold(ctx, t, m); err != nil {
		return err
	}
	if d := f.deskFor(m.Text); d >= 0 {
		return f.openTicket(ctx, req, t, d, note)
	}
	return req.Reply(ctx, withNote(f.menu("I've kept that with your message. Which team is it for? Reply with a number:"), note))
}

// selfHelpAnswer follows a self-help answer: "1" passes the message on,
// thanks closes the matter, anything else is taken as still needing the
// team, with the first message kept.
func (f *Feature) selfHelpAnswer(ctx context.Context, req *bot.Request, t ticket) error {
	text := strings.TrimSpace(req.Msg.Text)
	plain := req.Msg.Media == nil && req.Msg.Location == nil
	if plain && (text == "1" || strings.EqualFold(text, "yes")) {
		held, err := f.st.messages(ctx, t.ID)
		if err != nil {
			return err
		}
		var all []string
		for _, m := range held {
			all = append(all, m.Text)
		}
		return f.route(ctx, req, t, strings.Join(all, " "), "")
	}
	if plain && thanks(text) {
		if err := f.st.discard(ctx, t.ID); err != nil {
			return err
		}
		return req.Reply(ctx, "Glad that helped. Write here any time if you need the team.")
	}
	m, note, err := f.capture(ctx, req)
	if err != nil {
		return err
	}
	if m == nil {
		return req.Reply(ctx, note)
	}
	if err := f.hold(ctx, t, m); err != nil {
		return err
	}
	return f.route(ctx, req, t, m.Text, note)
}

// hold keeps a message on a ticket that has not opened yet.
func (f *Feature) hold(ctx context.Context, t ticket, m *message) error {
	m.TicketID = t.ID
	_, err := f.st.addMessage(ctx, *m)
	return err
}

// openTicket numbers a pending ticket on desk d, acknowledges it (with the
// out-of-hours text when the office is closed), audits it and queues every
// message held so far for the staff chat.
func (f *Feature) openTicket(ctx context.Context, req *bot.Request, pending ticket, d int, note string) error {
	reply := func(ctx context.Context, text string) error { return req.Reply(ctx, text) }
	return f.open(ctx, req.Sender, pending, d, note, false, reply)
}

// open does openTicket's work for a resident (sender), answering with
// reply; timedOut says the menu went unanswered, so the resident is told
// which desk has the message.
func (f *Feature) open(ctx context.Context, sender bot.Person, pending ticket, d int, note string, timedOut bool, reply func(context.Context, string) error) error {
	now := f.clock.Now()
	desk := f.desks[d]
	t, err := f.st.open(ctx, pending.ID, desk.Name, now)
	if err != nil {
		return err
	}
	held, err := f.st.messages(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, m := range held {
		if err := f.st.queue(ctx, t.ID, m.ID, "message", "", now); err != nil {
			return err
		}
	}
	detail := t.Ref()
	if desk.Name != "" {
		detail += " · " + desk.Name
	}
	if err := f.audit(ctx, desk.chat, sender, "inbox.opened", bot.Person{}, detail); err != nil {
		return err
	}
	if err := f.scheduleFlush(ctx, now); err != nil {
		return err
	}
	cal := f.calendar(ctx)
	var b strings.Builder
	if timedOut {
		fmt.Fprintf(&b, "You didn't choose a team, so I've passed your message to %s as %s. ", desk.Name, t.Ref())
	} else {
		fmt.Fprintf(&b, "Thanks — this is %s", t.Ref())
		if desk.Name != "" && len(f.desks) > 1 {
			fmt.Fprintf(&b, " for %s", desk.Name)
		}
		b.WriteString(". ")
	}
	if cal.open(now) {
		if h := f.hours.Text(); h != "" {
			fmt.Fprintf(&b, "The team answers %s, here in this chat.", h)
		} else {
			b.WriteString("The team will answer here in this chat.")
		}
	} else {
		b.WriteString(f.closedText(cal, now))
		if err := f.st.markOOHTold(ctx, t.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b, "\nAdd details, photos or voice notes here any time; type %sclose when it's sorted.", f.prefix)
	return reply(ctx, withNote(b.String(), note))
}

// addToOpen adds a message to the resident's open ticket and forwards it,
// unless the ticket is over the hourly limit (then it is kept on the ticket
// and the resident and staff are told once an hour).
func (f *Feature) addToOpen(ctx context.Context, req *bot.Request, t ticket) error {
	now := f.clock.Now()
	m, note, err := f.capture(ctx, req)
	if err != nil {
		return err
	}
	if m == nil {
		return req.Reply(ctx, note)
	}
	m.TicketID = t.ID
	id, err := f.st.addMessage(ctx, *m)
	if err != nil {
		return err
	}
	desk := f.deskByName(t.Desk)
	if err := f.audit(ctx, desk.chat, req.Sender, "inbox.message", bot.Person{}, t.Ref()+" · "+m.kindWord()); err != nil {
		return err
	}
	sent, err := f.st.forwardedSince(ctx, t.ID, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	var lines []string
	if sent >= f.cfg.MaxMessagesPerHour {
		if t.FloodToldAt.IsZero() || now.Sub(t.FloodToldAt) >= time.Hour {
			if err := f.st.markFloodTold(ctx, t.ID, now); err != nil {
				return err
			}
			if err := f.st.queue(ctx, t.ID, 0, "note", "flood", now); err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("That's a lot of messages in an hour, so I'm keeping the rest on %s rather than passing each one on; the team will read them all there.", t.Ref()))
		}
	} else if err := f.st.queue(ctx, t.ID, id, "message", "", now); err != nil {
		return err
	}
	if err := f.scheduleFlush(ctx, now); err != nil {
		return err
	}
	cal := f.calendar(ctx)
	if !t.OOHTold && !cal.open(now) {
		if err := f.st.markOOHTold(ctx, t.ID); err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("Your message is on %s. %s", t.Ref(), f.closedText(cal, now)))
	}
	if note != "" {
		lines = append(lines, note)
	}
	if len(lines) == 0 {
		return nil // the acknowledgement said more can be sent; no reply to each
	}
	return req.Reply(ctx, strings.Join(lines, "\n"))
}

// closedText says the office is closed, when it opens, and the
// out-of-hours and urgent texts.
func (f *Feature) closedText(cal calendar, now time.Time) string {
	var b strings.Builder
	if why := cal.closedReason(now); why != "" {
		fmt.Fprintf(&b, "We're closed today (%s)", why)
	} else if cal.closedDay(now) && len(f.hours.windows) > 0 {
		b.WriteString("We're closed today")
	} else {
		b.WriteString("We're closed right now")
	}
	if at, ok := cal.nextOpen(now); ok {
		fmt.Fprintf(&b, " and open again %s.", cal.whenOpen(now, at))
	} else {
		b.WriteString(".")
	}
	if f.cfg.OutOfHoursText != "" {
		b.WriteString(" " + f.cfg.OutOfHoursText)
	}
	if f.cfg.UrgentText != "" {
		b.WriteString(" " + f.cfg.UrgentText)
	}
	return b.String()
}

// selfHelp returns the index of the self-help answer the text asks for, or -1.
func (f *Feature) selfHelp(text string) int {
	lists := make([][]string, len(f.cfg.Answers))
	for i, a := range f.cfg.Answers {
		lists[i] = a.Keywords
	}
	return matchAny(text, lists)
}

func (f *Feature) answerText(i int) string {
	a := f.cfg.Answers[i]
	text := strings.TrimSpace(a.Text)
	if a.Link != "" {
		text += " " + a.Link
	}
	return text + "\nStill need the team? Reply 1 and I'll pass your message on."
}

// deskFor returns the desk whose keywords the text names, or -1.
func (f *Feature) deskFor(text string) int {
	if len(f.desks) < 2 {
		return -1
	}
	lists := make([][]string, len(f.desks))
	for i, d := range f.desks {
		lists[i] = d.Keywords
	}
	return matchAny(text, lists)
}

func (f *Feature) menu(intro string) string {
	var b strings.Builder
	b.WriteString(intro)
	for i, d := range f.desks {
		fmt.Fprintf(&b, "\n%d. %s", i+1, d.Name)
	}
	return b.String()
}

func withNote(text, note string) string {
	if note == "" {
		return text
	}
	return text + "\n" + note
}

// audit records a ticket event in the core's audit log under the desk's
// staff chat. It never holds what was said, only who did what to which
// ticket.
func (f *Feature) audit(ctx context.Context, chat bot.ChatID, actor bot.Person, action string, target bot.Person, detail string) error {
	entry := bot.AuditEntry{Chat: chat, ActorID: actor.ID, ActorName: actor.DisplayName(), Action: action, Detail: detail}
	if target.ID != 0 {
		entry.TargetID, entry.TargetName = target.ID, target.DisplayName()
	}
	return f.auditLog.Record(ctx, entry)
}

type menuPayload struct {
	Ticket int64 `json:"ticket"`
}

// menuJob opens a ticket whose menu was never answered on the default
// desk and tells the resident which.
func (f *Feature) menuJob(ctx context.Context, j bot.Job, p menuPayload) error {
	t, err := f.st.byID(ctx, p.Ticket)
	if errors.Is(err, bot.ErrNotFound) || (err == nil && (t.State != stateChoosing || t.PersonID == 0)) {
		return nil // answered, dropped or forgotten meanwhile
	}
	if err != nil {
		return err
	}
	resident, err := f.core.PersonByID(ctx, t.PersonID)
	if err != nil {
		return err
	}
	reply := func(ctx context.Context, text string) error {
		if err := f.out.DM(ctx, resident, text); err != nil && !errors.Is(err, bot.ErrNoContact) {
			return err
		}
		return nil
	}
	return f.open(ctx, resident, t, f.defaultDesk, "", true, reply)
}

// namesOtherDesk reports whether text names a desk other than ticket t's
// ("my bin wasn't emptied" after a closed library question): that is a
// new matter for another team, not more on the closed ticket.
func (f *Feature) namesOtherDesk(text string, t ticket) bool {
	d := f.deskFor(text)
	return d >= 0 && f.desks[d].Name != t.Desk
}

// reopenWith reopens the resident's ticket t, closed within reopen_within,
// with their new message on it: the staff group is told why it is back
// and gets the message; the resident is told which ticket has it.
func (f *Feature) reopenWith(ctx context.Context, req *bot.Request, t ticket) error {
	now := f.clock.Now()
	m, note, err := f.capture(ctx, req)
	if err != nil {
		return err
	}
	if m == nil {
		return req.Reply(ctx, note) // nothing kept (a sticker, a file too big): nothing to reopen for
	}
	if err := f.st.reopen(ctx, t.ID); err != nil {
		return err
	}
	m.TicketID = t.ID
	id, err := f.st.addMessage(ctx, *m)
	if err != nil {
		return err
	}
	if err := f.st.queue(ctx, t.ID, 0, "note", "reopened-by-resident", now); err != nil {
		return err
	}
	if err := f.st.queue(ctx, t.ID, id, "message", "", now); err != nil {
		return err
	}
	if err := f.audit(ctx, f.deskByName(t.Desk).chat, req.Sender, "inbox.reopened", bot.Person{}, t.Ref()+" · by the resident's message"); err != nil {
		return err
	}
	if err := f.scheduleFlush(ctx, now); err != nil {
		return err
	}
	text := fmt.Sprintf("I've reopened %s, closed %s, and added this to it; the team will see it there.", t.Ref(), f.day(t.ClosedAt))
	if cal := f.calendar(ctx); !cal.open(now) {
		if err := f.st.markOOHTold(ctx, t.ID); err != nil {
			return err
		}
		text += " " + f.closedText(cal, now)
	}
	return req.Reply(ctx, withNote(text, note))
}

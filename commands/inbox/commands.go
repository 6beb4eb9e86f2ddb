package inbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"neighbourbot/bot"
)

func (f *Feature) routes() {
	p := f.prefix
	e := f.reg
	e.Handle(bot.Route{Name: "inbox", Usage: "", Help: "how writing to the council works here (in the staff group: the staff commands)",
		Handler: f.handleInbox})
	// The staff commands are listed by !inbox in the staff group rather
	// than in everyone's !help: residents cannot use them.
	e.Handle(bot.Route{Name: "reply", Usage: "C12 TEXT", Help: "answer a ticket's resident (staff group)", Hidden: true, For: f.isStaff, Role: staffRole, Handler: f.handleReply})
	e.Handle(bot.Route{Name: "tickets", Help: "open tickets, oldest first (staff group); in a direct message, your own", Hidden: true, For: f.isStaff, Role: staffRole, Handler: f.handleTickets})
	e.Handle(bot.Route{Name: "ticket", Usage: "C12", Help: "a ticket's history (staff group); in a direct message, your own ticket", Hidden: true, For: f.isStaff, Role: staffRole, Handler: f.handleTicket})
	e.Handle(bot.Route{Name: "assign", Usage: "C12 @NAME|me|nobody", Help: "give a ticket to a staff member (staff group)", Hidden: true, For: f.isStaff, Role: staffRole, Handler: f.handleAssign})
	e.Handle(bot.Route{Name: "close", Usage: "[C12] [note]", Help: fmt.Sprintf("close a ticket: in the staff group %sclose C12 [note]; in a direct message, your own", p), Hidden: true, For: f.isStaff, Role: staffRole, Handler: f.handleClose})
	e.Handle(bot.Route{Name: "reopen", Usage: "C12", Help: "reopen a closed ticket (staff group)", Hidden: true, For: f.isStaff, Role: staffRole, Handler: f.handleReopen})
}

// staffRole heads the staff commands in !help, shown in a staff group
// (and to an owner).
const staffRole = "For the council inbox's staff"

// isStaff tells !help whether the asker may use the staff commands here.
func (f *Feature) isStaff(_ context.Context, req *bot.Request) bool { return f.staffScope(req).staff }

// scope is where a staff command may act: the desks of the staff chat it
// was typed in, or every desk for an owner.
type scope struct {
	staff bool
	chat  bot.ChatID // "" for an owner anywhere
}

func (f *Feature) staffScope(req *bot.Request) scope {
	if req.Chat.IsGroup && f.staff[req.Chat.ID] {
		return scope{staff: true, chat: req.Chat.ID}
	}
	if req.Msg != nil && f.groups.IsOwner(req.Msg.Sender.Addrs()...) {
		return scope{staff: true}
	}
	return scope{}
}

func (s scope) sees(f *Feature, t ticket) bool {
	return s.staff && (s.chat == "" || f.deskByName(t.Desk).chat == s.chat)
}

func (f *Feature) notStaff(req *bot.Request) error {
	if !req.Chat.IsGroup {
		// Already in a direct message: the way to the council is right here.
		return bot.Userf("%s is for the council's staff group. To write to the council, just send your message here.", req.Cmd(req.Command))
	}
	return bot.Userf("%s is for the council's staff group. To write to the council, send me a direct message.", req.Cmd(req.Command))
}

// parseRef reads "C12" (or "c12", "12").
func parseRef(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if m := ticketRef.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// staffTicket finds the ticket a staff command names, within its scope.
func (f *Feature) staffTicket(ctx context.Context, req *bot.Request, sc scope, ref string, usage string) (ticket, error) {
	if ref == "" {
		return ticket{}, bot.Userf("Which ticket? Type %s %s.", req.Cmd(req.Command), usage)
	}
	n, ok := parseRef(ref)
	if !ok {
		return ticket{}, bot.Userf("%q isn't a ticket number. Type %s %s.", clip(ref, 20), req.Cmd(req.Command), usage)
	}
	t, err := f.st.byNumber(ctx, n)
	if errors.Is(err, bot.ErrNotFound) || (err == nil && !sc.sees(f, t)) {
		return ticket{}, bot.Userf("There's no ticket C%d here. %stickets lists the open ones.", n, f.prefix)
	}
	return t, err
}

func (f *Feature) handleInbox(ctx context.Context, req *bot.Request) error {
	p := f.prefix
	if sc := f.staffScope(req); sc.staff {
		return req.Reply(ctx, strings.Join([]string{
			"Council inbox — staff commands:",
			"• reply to a ticket's post to answer the resident, or " + p + "reply C12 your answer",
			"• " + p + "tickets — open tickets, oldest first",
			"• " + p + "ticket C12 — a ticket's history",
			"• " + p + "assign C12 @name (or me, or nobody)",
			"• " + p + "close C12 [note] — the resident is told; " + p + "reopen C12",
			"Residents are never shown each other's tickets, and their phone numbers are never shown here.",
		}, "\n"))
	}
	lines := []string{fmt.Sprintf("Council inbox — %s.", f.cfg.TeamName), "Write to me here and your message goes to the team as a ticket; they answer here."}
	if h := f.hours.Text(); h != "" {
		lines = append(lines, "They answer "+h+".")
	}
	lines = append(lines, "You can send text, photos, videos, voice notes, documents and locations.",
		p+"tickets lists your tickets; "+p+"close closes your open one; "+p+"mydata shows what I keep about you.")
	return req.Reply(ctx, strings.Join(lines, "\n"))
}

func (f *Feature) handleReply(ctx context.Context, req *bot.Request) error {
	sc := f.staffScope(req)
	if !sc.staff {
		return f.notStaff(req)
	}
	ref, text := firstWord(req.Args)
	t, err := f.staffTicket(ctx, req, sc, ref, "C12 your answer")
	if err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return bot.Userf("What should I send? Type %s %s your answer.", req.Cmd("reply"), t.Ref())
	}
	return f.sendReply(ctx, req, t, strings.TrimSpace(text))
}

func (f *Feature) handleTickets(ctx context.Context, req *bot.Request) error {
	sc := f.staffScope(req)
	if !sc.staff {
		if req.Chat.IsGroup {
			return f.notStaff(req)
		}
		return f.ownTickets(ctx, req, "")
	}
	all, err := f.st.openTickets(ctx)
	if err != nil {
		return err
	}
	now := f.clock.Now()
	var lines []string
	shown := 0
	for _, t := range all {
		if !sc.sees(f, t) {
			continue
		}
		shown++
		if shown > 30 {
			continue
		}
		who, err := f.residentName(ctx, t, true)
		if err != nil {
			return err
		}
		line := t.Ref() + " · " + who
		if t.Desk != "" && len(f.desks) > 1 {
			line += " · " + t.Desk
		}
		if a := age(now.Sub(t.OpenedAt)); a == "just now" {
			line += " · opened just now"
		} else {
			line += " · opened " + a + " ago"
		}
		if t.AssigneeName != "" {
			line += " · with " + t.AssigneeName
		} else {
			line += " · unassigned"
		}
		if t.FirstReplyAt.IsZero() {
			line += " · not answered yet"
		}
		if !t.WaitingSince.IsZero() {
			line += " · waiting on the resident"
		}
		lines = append(lines, line)
	}
	if shown == 0 {
		return req.Reply(ctx, "No open tickets.")
	}
	head := fmt.Sprintf("Open tickets, oldest first (%d):", shown)
	if shown > 30 {
		lines = append(lines, fmt.Sprintf("…and %d more.", shown-30))
	}
	return f.staffSay(ctx, req, 0, head+"\n"+strings.Join(lines, "\n"))
}

// ownTickets lists a resident's own tickets, after lead (a sentence, or
// "") when they have some.
func (f *Feature) ownTickets(ctx context.Context, req *bot.Request, lead string) error {
	ts, err := f.st.personTickets(ctx, req.Sender.ID)
	if err != nil {
		return err
	}
	var parts []string
	for _, t := range ts {
		if t.Number == 0 {
			continue
		}
		if t.State == stateOpen {
			parts = append(parts, fmt.Sprintf("%s (open since %s)", t.Ref(), f.day(t.OpenedAt)))
		} else {
			parts = append(parts, fmt.Sprintf("%s (closed %s)", t.Ref(), f.day(t.ClosedAt)))
		}
		if len(parts) == 10 {
			break
		}
	}
	if len(parts) == 0 {
		return req.Reply(ctx, "You have no tickets with the council. Write to me here to start one.")
	}
	return req.Reply(ctx, lead+"Your tickets: "+strings.Join(parts, ", ")+".")
}

func (f *Feature) handleTicket(ctx context.Context, req *bot.Request) error {
	sc := f.staffScope(req)
	ref := strings.TrimSpace(req.Args)
	var t ticket
	var err error
	if sc.staff {
		if t, err = f.staffTicket(ctx, req, sc, ref, "C12"); err != nil {
			return err
		}
	} else {
		if req.Chat.IsGroup {
			return f.notStaff(req)
		}
		// A resident sees only their own tickets.
		n, ok := parseRef(ref)
		if ref == "" {
			t, err = f.st.active(ctx, req.Sender.ID)
			ok = err == nil && t.Number != 0
		} else if ok {
			t, err = f.st.byNumber(ctx, n)
			ok = err == nil && t.PersonID == req.Sender.ID
		}
		if err != nil && !errors.Is(err, bot.ErrNotFound) {
			return err
		}
		if !ok {
			// Say why the list comes instead of the ticket asked for.
			lead := ""
			if ref != "" {
				lead = fmt.Sprintf("You have no ticket %s. ", bot.Truncate(strings.ToUpper(ref), 12))
			}
			return f.ownTickets(ctx, req, lead)
		}
	}
	if sc.staff {
		// Recorded with the ticket, so replying to the history answers it.
		return f.staffSay(ctx, req, t.ID, f.history(ctx, t, true))
	}
	return req.Reply(ctx, f.history(ctx, t, false))
}

// history writes a ticket's header and its latest messages.
func (f *Feature) history(ctx context.Context, t ticket, staff bool) string {
	who, err := f.residentName(ctx, t, staff)
	if err != nil {
		f.log().Error("resident name", bot.KeyErr, err)
		who = "the resident"
	}
	head := t.Ref() + " · " + who
	if t.Desk != "" && len(f.desks) > 1 {
		head += " · " + t.Desk
	}
	lines := []string{head + f.stateWords(t, staff)}
	ms, err := f.st.messages(ctx, t.ID)
	if err != nil {
		f.log().Error("ticket history", bot.KeyErr, err)
		return head
	}
	if len(ms) > 20 {
		lines = append(lines, fmt.Sprintf("(%d earlier messages not shown)", len(ms)-20))
		ms = ms[len(ms)-20:]
	}
	resident, _ := f.residentName(ctx, t, false)
	for _, m := range ms {
		author := resident
		if m.Direction == "out" {
			author = m.AuthorName + " (staff)"
			if !staff {
				author = f.cfg.TeamName
				if f.cfg.ShowStaffNames {
					author += " (" + m.AuthorName + ")"
				}
			}
		}
		what := m.Text
		switch {
		case m.Forgotten():
			what = "(erased)"
		case m.Media != nil:
			what = strings.TrimSpace("[" + mediaWord(m.Media.Kind, m.Media.Voice) + "] " + what)
		case m.Location != nil:
			what = strings.TrimSpace("[location] " + what)
		case m.MediaFailed != "":
			what = strings.TrimSpace("[" + strings.TrimSuffix(m.MediaFailed, ".") + "] " + what)
		}
		lines = append(lines, f.stamp(m.At)+" "+author+": "+clip(what, 300))
	}
	if staff {
		lines = append(lines, f.noteLines(ctx, t)...)
	}
	return strings.Join(lines, "\n")
}

// stateWords is a history heading's state: open (for staff: with whom,
// waiting on the resident) or when and by whom it was closed.
func (f *Feature) stateWords(t ticket, staff bool) string {
	if t.State == stateOpen {
		head := " · open"
		if staff {
			if t.AssigneeName != "" {
				head += " · with " + t.AssigneeName
			} else {
				head += " · unassigned"
			}
			if !t.WaitingSince.IsZero() {
				head += " · waiting on the resident"
			}
		}
		return head
	}
	head := " · closed " + f.day(t.ClosedAt)
	switch t.ClosedBy {
	case "resident":
		head += " by the resident"
	case "staff":
		head += " by staff"
	}
	if t.CloseNote != "" {
		head += ": " + t.CloseNote
	}
	return head
}

// noteLines are the staff page's internal notes on a ticket, latest five,
// for the staff group's history (they are never sent to the resident).
func (f *Feature) noteLines(ctx context.Context, t ticket) []string {
	ns, err := f.st.notes(ctx, t.ID)
	if err != nil {
		f.log().Error("ticket notes", bot.KeyErr, err)
		return nil
	}
	if len(ns) == 0 {
		return nil
	}
	lines := []string{"Internal notes (staff only):"}
	if len(ns) > 5 {
		lines = append(lines, fmt.Sprintf("(%d earlier notes on the staff page)", len(ns)-5))
		ns = ns[len(ns)-5:]
	}
	for _, n := range ns {
		lines = append(lines, f.stamp(n.At)+" "+n.AuthorName+": "+clip(n.Text, 300))
	}
	return lines
}

func (f *Feature) handleAssign(ctx context.Context, req *bot.Request) error {
	sc := f.staffScope(req)
	if !sc.staff {
		return f.notStaff(req)
	}
	ref, who := firstWord(req.Args)
	t, err := f.staffTicket(ctx, req, sc, ref, "C12 @name")
	if err != nil {
		return err
	}
	who = strings.TrimSpace(req.StripMentions(who))
	var staff bot.Person
	switch {
	case strings.EqualFold(who, "nobody") || strings.EqualFold(who, "none"):
		if err := f.st.assign(ctx, t.ID, 0, ""); err != nil {
			return err
		}
		if err := f.audit(ctx, f.deskByName(t.Desk).chat, req.Sender, "inbox.unassigned", bot.Person{}, t.Ref()); err != nil {
			return err
		}
		return f.staffSay(ctx, req, t.ID, t.Ref()+" is unassigned now.")
	case strings.EqualFold(who, "me"):
		staff = req.Sender
	default:
		people, err := req.Mentioned(ctx)
		if err != nil {
			return err
		}
		if len(people) != 1 || who != "" {
			return bot.Userf("Whom to? Type %s %s @name (or me, or nobody).", req.Cmd("assign"), t.Ref())
		}
		staff = people[0]
		if req.Chat.IsGroup {
			in, err := f.groups.InGroup(ctx, req.Chat.ID, staff)
			if err != nil {
				return err
			}
			if !in {
				return bot.Userf("%s isn't in this staff group, so I can't give them %s.", staff.DisplayName(), t.Ref())
			}
		}
	}
	if err := f.st.assign(ctx, t.ID, staff.ID, staff.DisplayName()); err != nil {
		return err
	}
	if err := f.audit(ctx, f.deskByName(t.Desk).chat, req.Sender, "inbox.assigned", staff, t.Ref()); err != nil {
		return err
	}
	return f.staffSay(ctx, req, t.ID, fmt.Sprintf("%s is now with %s.", t.Ref(), staff.DisplayName()))
}

func (f *Feature) handleClose(ctx context.Context, req *bot.Request) error {
	sc := f.staffScope(req)
	ref, note := firstWord(req.Args)
	if !sc.staff || (!req.Chat.IsGroup && ref == "") {
		if req.Chat.IsGroup {
			return f.notStaff(req)
		}
		return f.residentClose(ctx, req, ref)
	}
	t, err := f.staffTicket(ctx, req, sc, ref, "C12 [note for the resident]")
	if err != nil {
		return err
	}
	if t.State == stateClosed {
		return f.staffSay(ctx, req, t.ID, fmt.Sprintf("%s is already closed (%s).", t.Ref(), f.day(t.ClosedAt)))
	}
	told, err := f.closeTicket(ctx, t, req.Sender, note, "")
	if err != nil {
		return err
	}
	return f.staffSay(ctx, req, t.ID, fmt.Sprintf("Closed %s%s.", t.Ref(), told))
}

// closeTicket closes open ticket t for staff, tells the resident (with the
// note, if any) and audits it; told is "; the resident has been told" when
// they were. via is "" from the staff group, " · on the staff page" from
// the page.
func (f *Feature) closeTicket(ctx context.Context, t ticket, staff bot.Person, note, via string) (told string, err error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 1000 {
		return "", bot.Userf("That note is over 1,000 characters; please shorten it. %s is still open.", t.Ref())
	}
	now := f.clock.Now()
	if err := f.st.close(ctx, t.ID, "staff", note, now); err != nil {
		return "", err
	}
	var resident bot.Person
	if t.PersonID != 0 && !t.Forgotten {
		if resident, err = f.core.PersonByID(ctx, t.PersonID); err != nil {
			return "", err
		}
		text := f.signature(staff) + ": We've closed " + t.Ref()
		if note != "" {
			text += " — " + note
		}
		text = bot.EndSentence(text) + " Thanks for getting in touch; write here any time if you need us again."
		switch err := f.out.DM(ctx, resident, text); {
		case err == nil:
			told = "; the resident has been told"
		case errors.Is(err, bot.ErrNoContact):
		default:
			return "", err
		}
	}
	return told, f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.closed", resident, t.Ref()+via)
}

// residentClose closes the resident's own open ticket, or drops a message
// waiting at the menu or a self-help answer.
func (f *Feature) residentClose(ctx context.Context, req *bot.Request, ref string) error {
	t, err := f.st.active(ctx, req.Sender.ID)
	if errors.Is(err, bot.ErrNotFound) {
		return req.Reply(ctx, "You have no open ticket with the council.")
	}
	if err != nil {
		return err
	}
	if n, ok := parseRef(ref); ref != "" && (!ok || n != t.Number) {
		return req.Reply(ctx, fmt.Sprintf("You have no open ticket %s. %s lists yours.", clip(ref, 20), req.Cmd("tickets")))
	}
	if t.State != stateOpen {
		if err := f.st.discard(ctx, t.ID); err != nil {
			return err
		}
		return req.Reply(ctx, "OK — I've dropped that message; nothing was sent to the council.")
	}
	now := f.clock.Now()
	if err := f.st.close(ctx, t.ID, "resident", "", now); err != nil {
		return err
	}
	if err := f.st.queue(ctx, t.ID, 0, "note", "resident-closed", now); err != nil {
		return err
	}
	if err := f.scheduleFlush(ctx, now); err != nil {
		return err
	}
	if err := f.audit(ctx, f.deskByName(t.Desk).chat, req.Sender, "inbox.closed", bot.Person{}, t.Ref()+" · by the resident"); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Closed %s. Thanks — write here any time if you need the team again.", t.Ref()))
}

func (f *Feature) handleReopen(ctx context.Context, req *bot.Request) error {
	sc := f.staffScope(req)
	if !sc.staff {
		return f.notStaff(req)
	}
	t, err := f.staffTicket(ctx, req, sc, strings.TrimSpace(req.Args), "C12")
	if err != nil {
		return err
	}
	if t.State == stateOpen {
		return f.staffSay(ctx, req, t.ID, t.Ref()+" is open already.")
	}
	if err := f.reopenTicket(ctx, t, req.Sender, ""); err != nil {
		if msg, ok := bot.UserMessage(err); ok {
			return f.staffSay(ctx, req, t.ID, msg)
		}
		return err
	}
	text := fmt.Sprintf("%s is open again. Reply to its posts or use %sreply %s to answer.", t.Ref(), f.prefix, t.Ref())
	return f.staffSay(ctx, req, t.ID, text)
}

// reopenTicket reopens closed ticket t for staff: a message the resident
// left waiting at the menu or a self-help answer meanwhile joins it (and
// they are told), and it is audited. A resident who has opened another
// ticket since is a bot.Userf refusal. via is as for closeTicket.
func (f *Feature) reopenTicket(ctx context.Context, t ticket, staff bot.Person, via string) error {
	var held []message
	if t.PersonID != 0 {
		if other, err := f.st.active(ctx, t.PersonID); err == nil {
			if other.Number != 0 {
				return bot.Userf("The resident has opened %s since; answer there.", other.Ref())
			}
			// A message waiting at the menu or a self-help answer joins
			// the reopened ticket: it is never dropped.
			if held, err = f.takeHeld(ctx, other, t); err != nil {
				return err
			}
		} else if !errors.Is(err, bot.ErrNotFound) {
			return err
		}
	}
	if err := f.st.reopen(ctx, t.ID); err != nil {
		return err
	}
	var resident bot.Person
	if t.PersonID != 0 {
		var err error
		if resident, err = f.core.PersonByID(ctx, t.PersonID); err != nil && !errors.Is(err, bot.ErrNotFound) {
			return err
		}
	}
	if err := f.audit(ctx, f.deskByName(t.Desk).chat, staff, "inbox.reopened", resident, t.Ref()+via); err != nil {
		return err
	}
	if len(held) > 0 {
		return f.tellHeldJoined(ctx, resident, t, len(held))
	}
	return nil
}

// takeHeld moves the messages held on pending (a menu or self-help answer
// the resident never answered) onto the reopened ticket t, queues them for
// the staff group after a line saying why, and drops the pending ticket.
func (f *Feature) takeHeld(ctx context.Context, pending, t ticket) ([]message, error) {
	held, err := f.st.messages(ctx, pending.ID)
	if err != nil {
		return nil, err
	}
	if err := f.st.moveMessages(ctx, pending.ID, t.ID); err != nil {
		return nil, err
	}
	if err := f.st.discard(ctx, pending.ID); err != nil {
		return nil, err
	}
	if len(held) == 0 {
		return nil, nil
	}
	now := f.clock.Now()
	if err := f.st.queue(ctx, t.ID, 0, "note", "held-while-closed", now); err != nil {
		return nil, err
	}
	for _, m := range held {
		if err := f.st.queue(ctx, t.ID, m.ID, "message", "", now); err != nil {
			return nil, err
		}
	}
	return held, f.scheduleFlush(ctx, now)
}

// tellHeldJoined tells the resident that what they wrote while their
// ticket was closed is on it now that staff reopened it.
func (f *Feature) tellHeldJoined(ctx context.Context, resident bot.Person, t ticket, n int) error {
	if resident.ID == 0 || t.Forgotten {
		return nil
	}
	what := "Your message since it closed is"
	if n > 1 {
		what = "Your messages since it closed are"
	}
	text := fmt.Sprintf("The team has reopened %s. %s on it now, so there's no need to choose a team; they'll answer here.", t.Ref(), what)
	if err := f.out.DM(ctx, resident, text); err != nil && !errors.Is(err, bot.ErrNoContact) {
		return err
	}
	return nil
}

// firstWord splits s at its first white space (a space or a line break):
// "C12\nthe answer" is ("C12", "the answer").
func firstWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// age writes a duration briefly: "just now", "25m", "3h", "2d".
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func (f *Feature) day(t time.Time) string   { return t.In(f.loc).Format("Mon 2 Jan") }
func (f *Feature) stamp(t time.Time) string { return t.In(f.loc).Format("Mon 2 Jan 15:04") }

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

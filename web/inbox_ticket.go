package web

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"neighbourbot/bot"
	"neighbourbot/commands/inbox"
)

// ticketView is /inbox/{n}.
type ticketView struct {
	T                   inbox.TicketView
	Resident            string
	Opened, Closed      string
	Reply, Open         timerView
	StateText, StateCls string
	Entries             []entryView
	Key, NoteKey        string
	Reply0              string // the reply box's text (a saved reply chosen, or kept after a mistake)
	Note0, CloseNote0   string
	Saved               []savedView
	Desks               []string
	Unread              int
	Version             int64
	CanSaveAll          bool
	HasMap              bool // a message has a location: load the map's scripts
	Activity            []activityRow
}

type activityRow struct{ When, Who, What string }

type entryView struct {
	ID                   int64
	Kind, Author, When   string
	Text                 string
	Erased               bool
	Failed               string
	Media                *inbox.MediaInfo
	MediaURL, MediaLabel string
	Map                  *mapBox
	Lat, Long            string
	OSM                  string
}

type savedView struct {
	Key, Title, Text, Author, Desk string
	ID                             int64
}

func (s *Server) inboxTicket(w http.ResponseWriter, r *http.Request, v visitor) {
	s.showTicket(w, r, v, http.StatusOK, s.takeFlash(w, r), nil, nil)
}

// showTicket draws a ticket's page; kept holds form fields to show again
// after a mistake (reply, note, closenote).
func (s *Server) showTicket(w http.ResponseWriter, r *http.Request, v visitor, status int, banner string, errs []fieldError, kept map[string]string) {
	sc, ok := s.inboxScope(w, r, v)
	if !ok {
		return
	}
	n, ok := ticketNumber(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	t, err := s.deps.Inbox.Ticket(ctx, sc, v.Person.ID, n, r.URL.Query().Get("all") == "1")
	if errors.Is(err, bot.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "message", page{Title: "No such ticket", Nav: "inbox", Message: fmt.Sprintf("There is no ticket C%d on your desks.", n)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view := ticketView{T: t, Resident: noPhones(t.Resident), Opened: s.when(t.Opened), Closed: s.when(t.Closed),
		Reply: replyTimer(t.Timers), Open: openTimer(t.Timers), StateText: stateText(t.State), StateCls: stateClass(t.State),
		Key: newSecret(), NoteKey: newSecret(), Desks: s.deps.Inbox.Desks(sc), CanSaveAll: sc.All,
		Reply0: kept["reply"], Note0: kept["note"], CloseNote0: kept["closenote"]}
	for _, e := range t.Entries {
		ev := s.entry(t, e)
		view.HasMap = view.HasMap || ev.Map != nil
		view.Entries = append(view.Entries, ev)
	}
	for _, a := range t.Activity {
		view.Activity = append(view.Activity, activityRow{When: s.when(a.At), Who: noPhones(a.Who), What: noPhones(a.What)})
	}
	if err := s.savedFor(r, &view, t.Desk); err != nil {
		s.fail(w, r, err)
		return
	}
	if view.Unread, err = s.deps.Inbox.Unread(ctx, sc, v.Person.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if view.Version, err = s.deps.Inbox.Version(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "inbox_ticket", page{Title: inboxTitle(view.Unread, t.Ref+" · "+view.Resident), Nav: "inbox", Notice: banner, Errors: errs, Data: view})
}

// savedFor fills the saved replies of desk, and the reply box with the one
// chosen by ?use= (the way to pick one with JavaScript off).
func (s *Server) savedFor(r *http.Request, view *ticketView, desk string) error {
	saved, err := s.deps.Inbox.SavedReplies(r.Context(), desk)
	if err != nil {
		return err
	}
	use := r.URL.Query().Get("use")
	for i, sr := range saved {
		key := "s" + strconv.FormatInt(sr.ID, 10)
		if sr.ID == 0 {
			key = "a" + strconv.Itoa(i)
		}
		view.Saved = append(view.Saved, savedView{Key: key, ID: sr.ID, Title: sr.Title, Text: sr.Text, Author: noPhones(sr.Author), Desk: sr.Desk})
		if use == key && view.Reply0 == "" {
			view.Reply0 = sr.Text
		}
	}
	return nil
}

func (s *Server) entry(t inbox.TicketView, e inbox.Entry) entryView {
	ev := entryView{ID: e.ID, Kind: e.Kind, Author: noPhones(e.Author), When: s.when(e.At), Text: noPhones(e.Text), Erased: e.Erased, Failed: e.Failed, Media: e.Media}
	if m := e.Media; m != nil && !m.Missing {
		ev.MediaURL = fmt.Sprintf("/inbox/%d/media/%d", t.Number, e.ID)
		ev.MediaLabel = mediaLabel(*m, ev.Author)
	}
	if l := e.Location; l != nil {
		box := s.mapAt(fmt.Sprintf("where-%d", e.ID), "Where "+ev.Author+" pinned", l.Lat, l.Long, t.Ref)
		ev.Map = &box
		ev.Lat, ev.Long = strconv.FormatFloat(l.Lat, 'f', 5, 64), strconv.FormatFloat(l.Long, 'f', 5, 64)
		ev.OSM = fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.5f&mlon=%.5f#map=18/%.5f/%.5f", l.Lat, l.Long, l.Lat, l.Long)
	}
	return ev
}

// mediaLabel names an attachment for a screen reader and a download link.
func mediaLabel(m inbox.MediaInfo, author string) string {
	size := fmt.Sprintf("%.0f KB", float64(m.Size)/1024)
	if m.Size >= 1<<20 {
		size = fmt.Sprintf("%.1f MB", float64(m.Size)/(1<<20))
	}
	switch m.Kind {
	case "photo":
		return "Photo from " + author
	case "voice":
		return fmt.Sprintf("Voice note from %s (%ds)", author, m.Seconds)
	case "audio":
		return fmt.Sprintf("Audio clip from %s (%ds)", author, m.Seconds)
	case "video":
		return fmt.Sprintf("Video from %s (%ds, %s)", author, m.Seconds, size)
	}
	name := m.Name
	if name == "" {
		name = "the document"
	}
	return fmt.Sprintf("Download %s (%s)", name, size)
}

// inboxAction does what a ticket page's form asks: reply, note, assign,
// close, reopen, waiting on the resident.
func (s *Server) inboxAction(w http.ResponseWriter, r *http.Request, v visitor) {
	sc, ok := s.inboxScope(w, r, v)
	if !ok {
		return
	}
	n, ok := ticketNumber(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	var done, field string
	// The action and its line in the page's audit (which /audit searches
	// by name) commit together; a repeated reply writes neither.
	err := s.deps.Core.Atomic(ctx, func(ctx context.Context) error {
		var audit bool
		var err error
		done, field, audit, err = s.inboxDo(ctx, r, sc, v, n)
		if err != nil || !audit {
			return err
		}
		return s.auditEvent(ctx, v.Actor(), "inbox "+r.PostFormValue("action"), fmt.Sprintf("ticket C%d", n))
	})
	s.afterAction(w, r, v, n, done, field, err)
}

// inboxDo does one ticket action; audit says whether it changed anything
// the page's audit should show.
func (s *Server) inboxDo(ctx context.Context, r *http.Request, sc inbox.Scope, v visitor, n int64) (done, field string, audit bool, err error) {
	form := func(k string) string { return r.PostFormValue(k) }
	field = "main-content"
	switch form("action") {
	case "reply":
		field = "reply"
		seen, _ := strconv.ParseInt(form("seen"), 10, 64)
		var res inbox.ReplyResult
		if res, err = s.deps.Inbox.Reply(ctx, sc, v.Person, n, form("reply"), form("key"), seen); err == nil {
			return replyDone(res), field, !res.Again, nil
		}
	case "note":
		field = "note"
		if err = s.deps.Inbox.Note(ctx, sc, v.Person, n, form("note"), form("key")); err == nil {
			done = "Note added. Only staff see it; it was not sent to the resident."
		}
	case "assign":
		to, _ := strconv.ParseInt(form("to"), 10, 64)
		done, err = s.deps.Inbox.Assign(ctx, sc, v.Person, n, to)
	case "close", "reopen", "waiting", "not-waiting":
		state := map[string]string{"close": "closed", "reopen": "open", "waiting": "waiting", "not-waiting": "open"}[form("action")]
		if form("action") == "close" {
			field = "closenote"
		}
		done, err = s.deps.Inbox.SetState(ctx, sc, v.Person, n, state, form("closenote"))
	default:
		err = bot.Userf("Choose what to do with the ticket.")
	}
	return done, field, err == nil, err
}

// replyDone says what a reply did, naming replies sent meanwhile.
func replyDone(res inbox.ReplyResult) string {
	if res.Again {
		return "That reply was sent already; it was not sent again."
	}
	done := "Reply sent to " + noPhones(res.Resident) + " on WhatsApp."
	if len(res.Meanwhile) > 0 {
		done += " Meanwhile " + strings.Join(res.Meanwhile, ", ") + " also replied (shown below); both replies went, in order."
	}
	return done
}

// afterAction answers an action: back to the ticket (after a post, so a
// reload never sends again), or its page again with the mistake.
func (s *Server) afterAction(w http.ResponseWriter, r *http.Request, v visitor, n int64, done, field string, err error) {
	if errors.Is(err, bot.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "message", page{Title: "No such ticket", Nav: "inbox", Message: fmt.Sprintf("There is no ticket C%d on your desks.", n)})
		return
	}
	if msg, ok := bot.UserMessage(err); ok {
		kept := map[string]string{"reply": r.PostFormValue("reply"), "note": r.PostFormValue("note"), "closenote": r.PostFormValue("closenote")}
		s.showTicket(w, r, v, http.StatusConflict, "", []fieldError{{Field: field, Text: msg}}, kept)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.afterChange(r.Context())
	s.flash(w, done)
	http.Redirect(w, r, fmt.Sprintf("/inbox/%d#thread", n), http.StatusSeeOther)
}

// inboxSaved adds or deletes a saved reply, then goes back to the ticket.
func (s *Server) inboxSaved(w http.ResponseWriter, r *http.Request, v visitor) {
	sc, ok := s.inboxScope(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	back, _ := strconv.ParseInt(r.PostFormValue("ticket"), 10, 64)
	done := "Saved reply added."
	err := s.deps.Core.Atomic(ctx, func(ctx context.Context) error {
		if id, _ := strconv.ParseInt(r.PostFormValue("delete"), 10, 64); id > 0 {
			done = "Saved reply deleted."
			if err := s.deps.Inbox.DeleteSavedReply(ctx, sc, v.Person, id); err != nil {
				return err
			}
			return s.auditEvent(ctx, v.Actor(), "inbox saved reply deleted", fmt.Sprintf("saved reply %d", id))
		}
		desk, title := r.PostFormValue("desk"), r.PostFormValue("title")
		if err := s.deps.Inbox.SaveReply(ctx, sc, v.Person, desk, title, r.PostFormValue("text")); err != nil {
			return err
		}
		return s.auditEvent(ctx, v.Actor(), "inbox saved reply added", fmt.Sprintf("%q for %s", bot.Truncate(title, 60), bot.Truncate(desk, 40)))
	})
	if msg, ok := bot.UserMessage(err); ok && back > 0 {
		r.SetPathValue("n", strconv.FormatInt(back, 10))
		s.showTicket(w, r, v, http.StatusConflict, "", []fieldError{{Field: "saved-title", Text: msg}}, nil)
		return
	}
	if errors.Is(err, bot.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, done)
	http.Redirect(w, r, fmt.Sprintf("/inbox/%d#saved", back), http.StatusSeeOther)
}

// flashCookie carries an action's outcome across the redirect after it,
// for the ticket page to show once.
const flashCookie = "nb_inbox_done"

func (s *Server) flash(w http.ResponseWriter, text string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(text)), Path: "/inbox",
		MaxAge: 60, HttpOnly: true, Secure: s.cfg.HTTPS(), SameSite: http.SameSiteStrictMode})
}

// takeFlash reads and clears the outcome of the last action.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/inbox", MaxAge: -1, HttpOnly: true, Secure: s.cfg.HTTPS(), SameSite: http.SameSiteStrictMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 1000 {
		return ""
	}
	return string(b)
}

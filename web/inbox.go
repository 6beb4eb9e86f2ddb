package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/inbox"
)

// Inbox is the council inbox as the page uses it (commands/inbox's
// Feature): reads within a member of staff's desks, and the staff group's
// actions, each in a unit of work of its own.
type Inbox interface {
	Enabled() bool
	Desks(sc inbox.Scope) []string
	Staff(ctx context.Context, sc inbox.Scope) ([]inbox.StaffMember, error)
	List(ctx context.Context, sc inbox.Scope, viewer int64, q inbox.ListQuery) (inbox.ListPage, error)
	Unread(ctx context.Context, sc inbox.Scope, viewer int64) (int, error)
	Version(ctx context.Context) (int64, error)
	Ticket(ctx context.Context, sc inbox.Scope, viewer, number int64, all bool) (inbox.TicketView, error)
	MediaFile(ctx context.Context, sc inbox.Scope, number, msg int64) (string, inbox.MediaInfo, error)
	Reply(ctx context.Context, sc inbox.Scope, staff bot.Person, number int64, text, key string, seen int64) (inbox.ReplyResult, error)
	Note(ctx context.Context, sc inbox.Scope, staff bot.Person, number int64, text, key string) error
	Assign(ctx context.Context, sc inbox.Scope, staff bot.Person, number, to int64) (string, error)
	SetState(ctx context.Context, sc inbox.Scope, staff bot.Person, number int64, state, closeNote string) (string, error)
	SavedReplies(ctx context.Context, desk string) ([]inbox.SavedReply, error)
	SaveReply(ctx context.Context, sc inbox.Scope, staff bot.Person, desk, title, text string) error
	DeleteSavedReply(ctx context.Context, sc inbox.Scope, staff bot.Person, id int64) error
}

func (s *Server) inboxRoutes(mux *http.ServeMux) {
	mux.Handle("GET /inbox", s.auth(s.inboxList))
	mux.Handle("GET /inbox/events", s.auth(s.inboxEvents))
	mux.Handle("GET /inbox/{n}", s.auth(s.inboxTicket))
	mux.Handle("POST /inbox/{n}", s.auth(s.inboxAction))
	mux.Handle("GET /inbox/{n}/media/{msg}", s.auth(s.inboxMedia))
	mux.Handle("POST /inbox/saved", s.auth(s.inboxSaved))
}

// inboxScope is the desks v sees: every desk for an owner, else those of
// the staff groups they are in; ok is false for someone with no inbox role
// (answered here) or with the inbox off.
func (s *Server) inboxScope(w http.ResponseWriter, r *http.Request, v visitor) (inbox.Scope, bool) {
	if s.deps.Inbox == nil || !s.deps.Inbox.Enabled() {
		s.render(w, r, http.StatusNotFound, "message", page{Title: "Inbox", Nav: "inbox", Message: "The council inbox is not switched on for this bot ([inbox] enabled in its settings)."})
		return inbox.Scope{}, false
	}
	if !v.Roles.Owner && !v.Roles.Inbox {
		s.forbidden(w, r, "Only the council inbox's staff can see the inbox.")
		return inbox.Scope{}, false
	}
	return inbox.Scope{All: v.Roles.Owner, Chats: v.Roles.InboxChats}, true
}

// inboxTitle is a page title with the count of unread tickets first, as
// the live updates keep it.
func inboxTitle(unread int, title string) string {
	if unread > 0 {
		return fmt.Sprintf("(%d) %s", unread, title)
	}
	return title
}

// listView is /inbox.
type listView struct {
	State, Desk, With, Age, Q string
	Order                     string
	Desks                     []string
	Staff                     []inbox.StaffMember
	Rows                      []listRow
	Next                      string
	First                     string
	Unread                    int
	Version                   int64
	Filtered                  bool
	Ages                      []option
	States                    []option
}

type option struct{ Value, Text string }

type listRow struct {
	Number                                 int64
	Ref, Resident, Desk, State, StateClass string
	Assignee, Opened, Last                 string
	Unread                                 bool
	Reply                                  timerView
}

// inboxAges are the list's age filter: opened at least this long ago.
var inboxAges = []option{{"", "Any age"}, {"1d", "Over a day old"}, {"3d", "Over 3 days old"}, {"7d", "Over a week old"}, {"30d", "Over 30 days old"}}

var inboxStates = []option{{"open", "Open"}, {"waiting", "Waiting on the resident"}, {"closed", "Closed"}, {"all", "All"}}

func (s *Server) inboxList(w http.ResponseWriter, r *http.Request, v visitor) {
	sc, ok := s.inboxScope(w, r, v)
	if !ok {
		return
	}
	ctx, qs := r.Context(), r.URL.Query()
	view := listView{State: qs.Get("state"), Desk: qs.Get("desk"), With: qs.Get("with"), Age: qs.Get("age"),
		Q: strings.TrimSpace(qs.Get("q")), Order: qs.Get("order"), Ages: inboxAges, States: inboxStates}
	if view.State == "" {
		view.State = "open"
	}
	q := inbox.ListQuery{State: view.State, Desk: view.Desk, Assignee: view.With, Text: view.Q, Oldest: view.Order == "oldest"}
	if q.State == "all" {
		q.State = ""
	}
	if d, err := bot.ParseDuration(view.Age); err == nil && view.Age != "" {
		q.OlderThan = d
	}
	q.After, _ = strconv.ParseInt(qs.Get("after"), 10, 64)
	view.Filtered = view.Desk != "" || view.With != "" || view.Age != "" || view.Q != ""
	list, err := s.deps.Inbox.List(ctx, sc, v.Person.ID, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if view.Version, err = s.deps.Inbox.Version(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if view.Staff, err = s.deps.Inbox.Staff(ctx, sc); err != nil {
		s.fail(w, r, err)
		return
	}
	view.Desks, view.Unread = s.deps.Inbox.Desks(sc), list.Unread
	now := s.deps.Clock.Now()
	for _, it := range list.Items {
		view.Rows = append(view.Rows, listRow{Number: it.Number, Ref: it.Ref, Resident: noPhones(it.Resident), Desk: it.Desk,
			State: stateText(it.State), StateClass: stateClass(it.State), Assignee: noPhones(it.Assignee), Opened: s.ago(now, it.Opened),
			Last: s.ago(now, it.LastAt), Unread: it.Unread, Reply: replyTimer(it.Timers)})
	}
	if list.Next != 0 {
		next := cloneValues(qs)
		next.Set("after", strconv.FormatInt(list.Next, 10))
		view.Next = "/inbox?" + next.Encode()
	}
	if q.After != 0 {
		first := cloneValues(qs)
		first.Del("after")
		view.First = "/inbox?" + first.Encode()
	}
	s.render(w, r, http.StatusOK, "inbox", page{Title: inboxTitle(view.Unread, "Inbox"), Nav: "inbox", Data: view})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func stateText(st string) string {
	switch st {
	case "waiting":
		return "Waiting on the resident"
	case "closed":
		return "Closed"
	}
	return "Open"
}

func stateClass(st string) string {
	switch st {
	case "waiting":
		return "govuk-tag--yellow"
	case "closed":
		return "govuk-tag--grey"
	}
	return "govuk-tag--blue"
}

// ago writes a time for a list: "10:02" today, else "Mon 5 Jan".
func (s *Server) ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt, ln := t.In(s.deps.Loc), now.In(s.deps.Loc)
	if lt.Format(time.DateOnly) == ln.Format(time.DateOnly) {
		return lt.Format("15:04")
	}
	if lt.Year() == ln.Year() {
		return lt.Format("Mon 2 Jan")
	}
	return lt.Format("2 Jan 2006")
}

// timerView is one working-hours clock against its target.
type timerView struct {
	Text, Target, Verdict, Class string
}

// workTime writes a working-time duration: "45m", "3h 10m", "2d 4h"
// (days of 24 working hours are rare: targets are in hours).
func workTime(d time.Duration) string {
	d = d.Truncate(time.Minute)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 100*time.Hour:
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh %dm", int(d.Hours()), m)
		}
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dh", int(d.Hours()))
}

func replyTimer(t inbox.Timers) timerView {
	v := timerView{Text: workTime(t.ToReply)}
	if !t.Replied {
		v.Text += " so far"
	}
	return judge(v, t.ReplyTarget, t.ReplyLate())
}

func openTimer(t inbox.Timers) timerView {
	v := timerView{Text: workTime(t.Open)}
	if !t.Closed {
		v.Text += " so far"
	}
	return judge(v, t.CloseTarget, t.OpenLate())
}

func judge(v timerView, target time.Duration, late bool) timerView {
	if target <= 0 {
		return v
	}
	v.Target = workTime(target)
	if late {
		v.Verdict, v.Class = "Over target", "govuk-tag--red"
	} else {
		v.Verdict, v.Class = "Within target", "govuk-tag--green"
	}
	return v
}

// phoneLike is a run of digits and separators long enough to be a phone
// number ("07700 900123", "+44 (0)7700-900-123").
var phoneLike = regexp.MustCompile(`\+?\d[\d\s().-]{7,}\d`)

// noPhones hides phone numbers in what residents wrote: no page shows one.
func noPhones(s string) string {
	return phoneLike.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 9 {
			return m
		}
		return "[phone number]"
	})
}

// ticketNumber reads /inbox/{n} ("12" or "C12").
func ticketNumber(r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(r.PathValue("n")), "C"), 10, 64)
	return n, err == nil && n > 0
}

func (s *Server) inboxMedia(w http.ResponseWriter, r *http.Request, v visitor) {
	sc, ok := s.inboxScope(w, r, v)
	if !ok {
		return
	}
	n, ok := ticketNumber(r)
	msg, err := strconv.ParseInt(r.PathValue("msg"), 10, 64)
	if !ok || err != nil {
		s.notFound(w, r)
		return
	}
	path, info, err := s.deps.Inbox.MediaFile(r.Context(), sc, n, msg)
	if errors.Is(err, bot.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		s.render(w, r, http.StatusNotFound, "message", page{Title: "File not found", Message: "This file is no longer on the bot's disk."})
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", mediaType(info))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	if info.Kind == "document" {
		// Documents are downloaded, never shown in the page's origin.
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(fileName(info)))
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// mediaType is the type a kept file is served as: a photo, recording or
// video as WhatsApp gave it, anything else as bytes to download.
func mediaType(info inbox.MediaInfo) string {
	m := strings.ToLower(strings.TrimSpace(info.Mime))
	for _, p := range []string{"image/jpeg", "image/png", "image/webp", "video/mp4", "video/3gpp", "audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr"} {
		if strings.HasPrefix(m, p) && info.Kind != "document" {
			return m
		}
	}
	return "application/octet-stream"
}

func fileName(info inbox.MediaInfo) string {
	if info.Name != "" {
		return info.Name
	}
	return info.Kind
}

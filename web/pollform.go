package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

// Creating a snap poll or a consultation on the page. Either is a notice
// carrying it, submitted through the relay exactly as the webhook's JSON
// is: the sender's topics, approval, two-person emergencies and election
// periods apply as to any notice, and the audit records who wrote it.

// pollDraft is the form as sent, kept whole so a mistake loses nothing.
type pollDraft struct {
	Kind                                                         string // "poll" or "consultation"
	Sender, Title, Question, Body, Link, Options, Closes, SendAt string
	Multiple                                                     bool
	Topics, Areas                                                []string
}

func pollDraftOf(r *http.Request, kind string) pollDraft {
	_ = r.ParseForm()
	f := r.PostForm
	return pollDraft{Kind: kind, Sender: f.Get("sender"), Title: f.Get("title"), Question: f.Get("question"), Body: f.Get("body"),
		Link: strings.TrimSpace(f.Get("link")), Options: f.Get("options"), Closes: f.Get("closes"), SendAt: f.Get("send_at"),
		Multiple: f.Get("multiple") == "yes", Topics: f["topics"], Areas: f["areas"]}
}

// Bounds the relay holds a poll to, checked here first so the form can
// list every mistake at once.
const (
	minOptions   = 2
	maxOptions   = 12
	maxOptionLen = 100
	maxQuestion  = 255
	maxHeadline  = 200
	maxOpenFor   = 90 * 24 * time.Hour
)

// options reads the options, one a line, blank lines left out.
func (d pollDraft) options() []string {
	var out []string
	for _, l := range strings.Split(d.Options, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// optionErrors says what is wrong with a poll's options: too few or too
// many, too long, or one that repeats another (in any case).
func optionErrors(opts []string) []fieldError {
	switch {
	case len(opts) == 0:
		return []fieldError{{"options", "Enter at least two options, one on each line"}}
	case len(opts) < minOptions:
		return []fieldError{{"options", "Enter at least two options, one on each line; there is only one"}}
	case len(opts) > maxOptions:
		return []fieldError{{"options", fmt.Sprintf("Enter no more than %d options; there are %d", maxOptions, len(opts))}}
	}
	var errs []fieldError
	seen := map[string]int{}
	for i, o := range opts {
		if n := utf8.RuneCountInString(o); n > maxOptionLen {
			errs = append(errs, fieldError{"options", fmt.Sprintf("Option %d must be %d characters or fewer (it has %d)", i+1, maxOptionLen, n)})
		}
		key := strings.ToLower(o)
		if j, dup := seen[key]; dup {
			errs = append(errs, fieldError{"options", fmt.Sprintf("Option %d, %q, is the same as option %d; each option must be different", i+1, bot.Truncate(o, 40), j+1)})
			continue
		}
		seen[key] = i
	}
	return errs
}

// knownAreas are the areas a poll can be asked in: those of the groups
// that take notices, and those private subscribers subscribed under.
func (s *Server) knownAreas(ctx context.Context) ([]string, error) {
	groups, err := s.deps.Core.EnabledGroups(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range groups {
		on, _, err := notices.GroupNotices(ctx, s.deps.Core, g.Chat)
		if err != nil {
			return nil, err
		}
		if on {
			out = append(out, g.Areas...)
		}
	}
	subs, err := notices.SubscriptionAreas(ctx, s.deps.Core)
	if err != nil {
		return nil, err
	}
	out = append(out, subs...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// check lists every mistake in the draft it can find before the relay
// sees it; closes is the closing time as RFC 3339 when it reads.
func (s *Server) check(d pollDraft, known []string) (closes string, errs []fieldError) {
	for _, f := range []struct{ name, label, v string }{{"title", "Headline", d.Title}, {"question", "Question", d.Question}, {"body", "Message", d.Body}, {"link", "Link", d.Link}} {
		if !utf8.ValidString(f.v) {
			errs = append(errs, fieldError{f.name, f.label + " has characters that cannot be read; paste it again as plain text"})
		} else if n := utf8.RuneCountInString(f.v); n > maxFieldChars {
			errs = append(errs, fieldError{f.name, fmt.Sprintf("%s must be %d characters or fewer (it has %d)", f.label, maxFieldChars, n)})
		}
	}
	q := utf8.RuneCountInString(strings.TrimSpace(d.Question))
	switch {
	case q == 0:
		errs = append(errs, fieldError{"question", "Enter the question"})
	case d.Kind == "poll" && q > maxQuestion:
		errs = append(errs, fieldError{"question", fmt.Sprintf("The question must be %d characters or fewer; WhatsApp allows no more in a poll", maxQuestion)})
	case d.Kind == "consultation" && q > maxHeadline:
		errs = append(errs, fieldError{"question", fmt.Sprintf("The question must be %d characters or fewer", maxHeadline)})
	}
	if utf8.RuneCountInString(strings.TrimSpace(d.Title)) > maxHeadline {
		errs = append(errs, fieldError{"title", fmt.Sprintf("The headline must be %d characters or fewer", maxHeadline)})
	}
	if d.Kind == "poll" {
		errs = append(errs, optionErrors(d.options())...)
	}
	if l := strings.ToLower(d.Link); l != "" && !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "http://") {
		errs = append(errs, fieldError{"link", "Enter a link that starts with https://"})
	}
	if len(d.Topics) == 0 {
		errs = append(errs, fieldError{"topics", "Choose at least one topic"})
	}
	for _, a := range d.Areas {
		if !slices.Contains(known, a) {
			errs = append(errs, fieldError{"areas", fmt.Sprintf("%q is not an area any group or subscriber is in; choose areas from the list", bot.Truncate(a, 40))})
		}
	}
	closes, errs = s.checkCloses(d, errs)
	if _, err := s.localTime(d.SendAt); err != nil {
		errs = append(errs, fieldError{"send_at", "Enter when to send as a date and time, for example 2026-01-06 09:00"})
	}
	return closes, errs
}

// checkCloses reads the closing time: required, in the future, within 90
// days.
func (s *Server) checkCloses(d pollDraft, errs []fieldError) (string, []fieldError) {
	what := map[string]string{"poll": "the poll closes", "consultation": "comments close"}[d.Kind]
	closes, err := s.localTime(d.Closes)
	switch {
	case err != nil:
		return "", append(errs, fieldError{"closes", "Enter when " + what + " as a date and time, for example 2026-01-09 17:00"})
	case closes == "":
		return "", append(errs, fieldError{"closes", "Enter when " + what})
	}
	t, _ := time.Parse(time.RFC3339, closes)
	now := s.deps.Clock.Now()
	switch {
	case !t.After(now):
		return closes, append(errs, fieldError{"closes", fmt.Sprintf("The closing time must be in the future; it is now %s", s.when(now))})
	case t.Sub(now) > maxOpenFor:
		return closes, append(errs, fieldError{"closes", "The closing time must be within 90 days"})
	}
	return closes, errs
}

// pollPayload is the draft as the webhook's JSON.
func (d pollDraft) payload(id, closes, sendAt string) []byte {
	title := strings.TrimSpace(d.Title)
	if d.Kind == "consultation" || title == "" {
		// A poll's headline is its question unless staff wrote one.
		title = bot.Truncate(strings.TrimSpace(d.Question), maxHeadline)
	}
	in := map[string]any{"id": id, "title": title, "body": d.Body, "topics": d.Topics, "areas": d.Areas, "urgency": "normal"}
	if d.Areas == nil {
		in["areas"] = []string{}
	}
	if sendAt != "" {
		in["effective"] = sendAt
	}
	if d.Kind == "poll" {
		in["link"] = d.Link
		in["poll"] = map[string]any{"question": d.Question, "options": d.options(), "multiple": d.Multiple, "closes": closes}
	} else {
		in["consultation"] = map[string]any{"closes": closes, "link": d.Link}
	}
	raw, _ := json.Marshal(in)
	return raw
}

// pollFields maps the relay's field names onto the form's.
var pollFields = map[string][2]string{
	"poll.question": {"question", "Question"}, "poll.options": {"options", "Options"}, "poll.closes": {"closes", "Closes"},
	"consultation.closes": {"closes", "Closes"}, "consultation.link": {"link", "Link"}, "effective": {"send_at", "Send at"},
	// An election period refusing all but emergencies names the urgency,
	// which this form does not ask: the areas are what to change.
	"urgency": {"areas", "Areas"},
}

// pollFieldError words a relay error for the error summary.
func pollFieldError(err error) (fieldError, bool) {
	var fe *notices.FieldError
	if errors.As(err, &fe) {
		key := fe.Field
		if i := strings.IndexByte(key, '['); i >= 0 {
			key = key[:i]
		}
		if f, ok := pollFields[key]; ok {
			return fieldError{f[0], f[1] + ": " + fe.Msg}, true
		}
	}
	return fieldErrorOf(err)
}

// pageHandler is a signed-in page's handler, as auth takes it.
type pageHandler = func(http.ResponseWriter, *http.Request, visitor)

// kindWords are the form's words for each kind.
var kindWords = map[string]struct{ Title, Path, Nav, Refused, Link, Closes string }{
	"poll": {"Ask a poll", "/polls/new", "polls", "Only staff named for a sender can ask a poll.",
		"Link (optional, https)", "Voting closes"},
	"consultation": {"Open a consultation", "/consultations/new", "consultations", "Only staff named for a sender can open a consultation.",
		"Link to the full consultation (optional, https)", "Comments close"},
}

func (s *Server) pollForm(kind string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v visitor) {
		if len(v.Roles.Senders) == 0 {
			s.forbidden(w, r, kindWords[kind].Refused)
			return
		}
		s.showPollForm(w, r, v, http.StatusOK, pollDraft{Kind: kind, Sender: v.Roles.Senders[0]}, nil, nil)
	}
}

func (s *Server) showPollForm(w http.ResponseWriter, r *http.Request, v visitor, status int, d pollDraft, errs []fieldError, pv *notices.NoticePreview, timing ...string) {
	known, err := s.knownAreas(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	k := kindWords[d.Kind]
	s.render(w, r, status, "pollform", page{Title: k.Title, Nav: k.Nav, Errors: errs, Data: map[string]any{
		"Draft": d, "Path": k.Path, "Senders": v.Roles.Senders, "Topics": s.deps.Topics, "Areas": known, "Preview": pv, "Timing": timing,
		"LinkLabel": k.Link, "ClosesLabel": fmt.Sprintf("%s (for example %s)", k.Closes, s.deps.Clock.Now().Add(7*24*time.Hour).In(s.deps.Loc).Format("2006-01-02 17:00")),
	}})
}

// pollPost previews (action=preview) or submits (action=send) a poll or
// a consultation through the relay, as the notices compose form does.
func (s *Server) pollPost(kind string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v visitor) {
		d := pollDraftOf(r, kind)
		if len(v.Roles.Senders) == 0 {
			s.forbidden(w, r, kindWords[kind].Refused)
			return
		}
		ctx := r.Context()
		if !v.Roles.CanCompose(d.Sender) {
			_ = s.auditEvent(ctx, v.Actor(), "refused", fmt.Sprintf("tried to write a %s for sender %q", kind, bot.Truncate(d.Sender, 40)))
			s.showPollForm(w, r, v, http.StatusForbidden, d, []fieldError{{"sender", "You can only write for " + strings.Join(senderNames(v.Roles.Senders), " or ")}}, nil)
			return
		}
		known, err := s.knownAreas(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		closes, errs := s.check(d, known)
		if len(errs) > 0 {
			s.showPollForm(w, r, v, http.StatusUnprocessableEntity, d, errs, nil)
			return
		}
		sendAt, _ := s.localTime(d.SendAt)
		raw := d.payload("web-"+newSecret()[:16], closes, sendAt)
		if r.PostFormValue("action") != "send" {
			pv, err := s.deps.Notices.PollDraftPreview(ctx, raw, "web", d.Sender)
			if fe, ok := pollFieldError(err); ok {
				s.showPollForm(w, r, v, http.StatusUnprocessableEntity, d, []fieldError{fe}, nil)
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			timing, err := s.timing(ctx, &pv)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			timing = append(timing, s.heldPastClose(pv.Notice, closes)...)
			s.showPollForm(w, r, v, http.StatusOK, d, nil, &pv, timing...)
			return
		}
		s.submitPoll(w, r, v, d, raw)
	}
}

// submitPoll sends the notice carrying the poll or consultation through
// the relay and shows its page.
func (s *Server) submitPoll(w http.ResponseWriter, r *http.Request, v visitor, d pollDraft, raw []byte) {
	ctx := r.Context()
	res, err := s.deps.Notices.SubmitAs(ctx, raw, "web", d.Sender, v.Actor())
	if fe, ok := pollFieldError(err); ok {
		s.showPollForm(w, r, v, http.StatusUnprocessableEntity, d, []fieldError{fe}, nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.st.noteComposer(ctx, res.ID, v.Person.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.afterChange(ctx)
	if d.Kind == "poll" {
		http.Redirect(w, r, fmt.Sprintf("/polls/%d?sent=1", res.ID), http.StatusSeeOther)
		return
	}
	cid, err := notices.ConsultationOfNotice(ctx, s.deps.Core, res.ID)
	if err != nil || cid == 0 {
		// Stored, but its consultation cannot be found: the notice's page
		// shows where it stands.
		http.Redirect(w, r, fmt.Sprintf("/notices/%d?sent=1", res.ID), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/consultations/%d?sent=1", cid), http.StatusSeeOther)
}

// heldPastClose warns when an election period over the notice's areas
// would hold it until after voting or comments close: residents there
// could never take part.
func (s *Server) heldPastClose(n *notices.Notice, closes string) []string {
	end, err := time.Parse(time.RFC3339, closes)
	if err != nil || s.deps.Periods == nil || n.Urgency == notices.UrgencyEmergency {
		return nil
	}
	at := s.deps.Clock.Now()
	if n.Effective.After(at) {
		at = n.Effective
	}
	var out []string
	for _, p := range s.deps.Periods() {
		if at.Before(p.Start) || !at.Before(p.End) || !areasOverlap(n.Areas, p.Areas) || end.After(p.End) {
			continue
		}
		out = append(out, fmt.Sprintf("It closes before the %s ends, so residents in %s would get it only after it has closed. Choose a later closing time or other areas.", p.Name, strings.Join(p.Areas, ", ")))
	}
	return out
}

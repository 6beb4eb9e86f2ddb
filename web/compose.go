package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

// draft is the compose form as sent, kept whole so a mistake loses
// nothing.
type draft struct {
	Sender, Title, Body, Link, Areas, Urgency, Expires, SendAt string
	// TitleCy and BodyCy are the Welsh text (optional).
	TitleCy, BodyCy string
	Topics          []string
}

func draftOf(r *http.Request) draft {
	_ = r.ParseForm()
	f := r.PostForm
	return draft{Sender: f.Get("sender"), Title: f.Get("title"), Body: f.Get("body"), Link: strings.TrimSpace(f.Get("link")),
		Areas: f.Get("areas"), Urgency: f.Get("urgency"), Expires: f.Get("expires"), SendAt: f.Get("send_at"), Topics: f["topics"],
		TitleCy: f.Get("title_cy"), BodyCy: f.Get("body_cy")}
}

// maxBodyChars bounds the body before it reaches the relay, whose own
// limit then names the field; a body far past it is refused here.
const maxFieldChars = 5000

// payload turns the draft into the webhook's JSON; bad times and sizes
// come back as field errors naming the form's fields.
func (s *Server) payload(d draft, id string) ([]byte, []fieldError) {
	var errs []fieldError
	for _, f := range []struct{ name, label, v string }{{"title", "Title", d.Title}, {"body", "Message", d.Body}, {"link", "Link", d.Link},
		{"title_cy", "Welsh title", d.TitleCy}, {"body_cy", "Welsh message", d.BodyCy}} {
		if !utf8.ValidString(f.v) {
			errs = append(errs, fieldError{f.name, f.label + " has characters that cannot be read; paste it again as plain text"})
		} else if n := utf8.RuneCountInString(f.v); n > maxFieldChars {
			errs = append(errs, fieldError{f.name, fmt.Sprintf("%s must be %d characters or fewer (it has %d)", f.label, maxFieldChars, n)})
		}
	}
	// The relay reports only the first mistake; these common ones are
	// checked here too, so the summary lists them all at once.
	if strings.TrimSpace(d.Title) == "" {
		errs = append(errs, fieldError{"title", "Enter a title"})
	}
	if l := strings.ToLower(d.Link); l != "" && !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "http://") {
		errs = append(errs, fieldError{"link", "Enter a link that starts with https://"})
	}
	errs = append(errs, welshDraftErrors(d)...)
	if len(d.Topics) == 0 {
		errs = append(errs, fieldError{"topics", "Choose at least one topic"})
	}
	expires, err := s.localTime(d.Expires)
	if err != nil {
		errs = append(errs, fieldError{"expires", "Enter the expiry as a date and time, for example 2026-01-06 18:00"})
	}
	sendAt, err := s.localTime(d.SendAt)
	if err != nil {
		errs = append(errs, fieldError{"send_at", "Enter when to send as a date and time, for example 2026-01-06 09:00"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	in := map[string]any{"id": id, "title": d.Title, "body": d.Body, "link": d.Link, "topics": d.Topics,
		"areas": splitAreas(d.Areas), "urgency": d.Urgency}
	if d.Topics == nil {
		in["topics"] = []string{}
	}
	if d.TitleCy != "" || d.BodyCy != "" {
		in["title_cy"], in["body_cy"] = d.TitleCy, d.BodyCy
	}
	if expires != "" {
		in["expires"] = expires
	}
	if sendAt != "" {
		in["effective"] = sendAt
	}
	raw, _ := json.Marshal(in)
	return raw, nil
}

// localTime reads a datetime-local value ("2026-01-06T18:00", seconds
// optional, a space for the T) in the council's zone as RFC 3339.
func (s *Server) localTime(v string) (string, error) {
	v = strings.TrimSpace(strings.Replace(v, " ", "T", 1))
	if v == "" {
		return "", nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, s.deps.Loc); err == nil {
			return t.Format(time.RFC3339), nil
		}
	}
	return "", errors.New("not a time")
}

func splitAreas(s string) []string {
	out := []string{}
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// formFields maps the relay's field names onto the form's, with labels.
var formFields = map[string][2]string{
	"title": {"title", "Title"}, "body": {"body", "Message"}, "link": {"link", "Link"}, "topics": {"topics", "Topics"},
	"areas": {"areas", "Areas"}, "urgency": {"urgency", "Urgency"}, "expires": {"expires", "Expiry"},
	"effective": {"send_at", "Send at"}, "sender": {"sender", "Sender"}, "references": {"title", "Notice"},
	"title_cy": {"title_cy", "Welsh title"}, "body_cy": {"body_cy", "Welsh message"},
}

// requiredWords say what to do about an empty field, as GOV.UK's error
// messages do.
var requiredWords = map[string]string{
	"title": "Enter a title", "body": "Enter the message", "topics": "Choose at least one topic",
}

// fieldErrorOf words a relay error for the error summary.
func fieldErrorOf(err error) (fieldError, bool) {
	var fe *notices.FieldError
	if errors.As(err, &fe) {
		key := fe.Field
		if i := strings.IndexByte(key, '['); i >= 0 {
			key = key[:i]
		}
		f, ok := formFields[key]
		if !ok {
			f = [2]string{"title", strings.ToUpper(key[:1]) + key[1:]}
		}
		if fe.Msg == "required" {
			if w, ok := requiredWords[key]; ok {
				return fieldError{f[0], w}, true
			}
			return fieldError{f[0], "Enter " + strings.ToLower(f[1])}, true
		}
		return fieldError{f[0], f[1] + ": " + fe.Msg}, true
	}
	if msg, ok := bot.UserMessage(err); ok {
		return fieldError{"title", msg}, true
	}
	return fieldError{}, false
}

func (s *Server) composeForm(w http.ResponseWriter, r *http.Request, v visitor) {
	if len(v.Roles.Senders) == 0 {
		s.forbidden(w, r, "Only staff named for a sender can write notices.")
		return
	}
	s.showCompose(w, r, v, http.StatusOK, draft{Sender: v.Roles.Senders[0], Urgency: "normal"}, nil, nil)
}

func (s *Server) showCompose(w http.ResponseWriter, r *http.Request, v visitor, status int, d draft, errs []fieldError, pv *notices.NoticePreview, timing ...string) {
	var msgs messagesView
	if pv != nil {
		var err error
		if msgs, err = s.messages(r.Context(), *pv); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, "compose", page{Title: "Write a notice", Nav: "new", Errors: errs, Data: map[string]any{
		"Draft": d, "Senders": v.Roles.Senders, "Topics": s.deps.Topics, "Preview": pv, "Timing": timing, "Messages": msgs,
	}})
}

// timing says what would hold the notice back if it went out now: the
// quiet hours of the groups it reaches (for a normal notice) and election
// periods over its areas (for anything but an emergency).
func (s *Server) timing(ctx context.Context, pv *notices.NoticePreview) ([]string, error) {
	n := pv.Notice
	now := s.deps.Clock.Now()
	at := now
	if n.Effective.After(now) {
		at = n.Effective
	}
	var out []string
	if n.Urgency == notices.UrgencyNormal {
		quiet, err := s.quietGroups(ctx, pv.Chats, at)
		if err != nil {
			return nil, err
		}
		out = append(out, quiet...)
	}
	if n.Urgency == notices.UrgencyEmergency || s.deps.Periods == nil {
		return out, nil
	}
	for _, p := range s.deps.Periods() {
		if at.Before(p.Start) || !at.Before(p.End) || !areasOverlap(n.Areas, p.Areas) {
			continue
		}
		out = append(out, fmt.Sprintf("The %s runs until %s: groups and subscribers in %s get it only after that.", p.Name, s.when(p.End), strings.Join(p.Areas, ", ")))
	}
	return out, nil
}

// quietGroups names the groups the plan reaches that are in their quiet
// hours at at (the bot's, or a group's own), with when each gets it.
func (s *Server) quietGroups(ctx context.Context, chats []bot.ChatID, at time.Time) ([]string, error) {
	var out []string
	for _, chat := range chats {
		g, err := s.deps.Core.GroupSettings(ctx, chat)
		if err != nil {
			return nil, err
		}
		q, _ := bot.GroupQuiet(g, &s.deps.Quiet)
		if q.Start != q.End && q.Contains(at) {
			out = append(out, fmt.Sprintf("%s is in its quiet hours (%s–%s), so it gets this at %s.", groupName(g), q.Start, q.End, s.when(q.NextAllowed(at))))
		}
	}
	return out, nil
}

// areasOverlap reports whether a notice's areas (none: council-wide) meet
// a period's (none: everywhere); areas are postcode prefixes, "SY3" holds
// "SY3 7".
func areasOverlap(notice, period []string) bool {
	if len(notice) == 0 || len(period) == 0 {
		return true
	}
	for _, a := range notice {
		for _, p := range period {
			if strings.HasPrefix(a, p) || strings.HasPrefix(p, a) {
				return true
			}
		}
	}
	return false
}

// composePost previews (action=preview) or submits (action=send) a
// notice. Either way the relay checks it as it checks the webhook's, and
// the form comes back with everything typed when something is wrong.
func (s *Server) composePost(w http.ResponseWriter, r *http.Request, v visitor) {
	d := draftOf(r)
	if len(v.Roles.Senders) == 0 {
		s.forbidden(w, r, "Only staff named for a sender can write notices.")
		return
	}
	if !v.Roles.CanCompose(d.Sender) {
		_ = s.auditEvent(r.Context(), v.Actor(), "refused", fmt.Sprintf("tried to write for sender %q", bot.Truncate(d.Sender, 40)))
		s.showCompose(w, r, v, http.StatusForbidden, d, []fieldError{{"sender", "You can only write notices for " + strings.Join(senderNames(v.Roles.Senders), " or ")}}, nil)
		return
	}
	id := "web-" + newSecret()[:16]
	raw, errs := s.payload(d, id)
	if len(errs) > 0 {
		s.showCompose(w, r, v, http.StatusUnprocessableEntity, d, errs, nil)
		return
	}
	ctx := r.Context()
	if r.PostFormValue("action") != "send" {
		pv, err := s.deps.Notices.DraftPreview(ctx, raw, "web", d.Sender)
		if fe, ok := fieldErrorOf(err); ok {
			s.showCompose(w, r, v, http.StatusUnprocessableEntity, d, []fieldError{fe}, nil)
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
		s.showCompose(w, r, v, http.StatusOK, d, nil, &pv, timing...)
		return
	}
	res, err := s.deps.Notices.SubmitAs(ctx, raw, "web", d.Sender, v.Actor())
	if fe, ok := fieldErrorOf(err); ok {
		s.showCompose(w, r, v, http.StatusUnprocessableEntity, d, []fieldError{fe}, nil)
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
	http.Redirect(w, r, fmt.Sprintf("/notices/%d?sent=1", res.ID), http.StatusSeeOther)
}

func senderNames(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s
		if s == "" {
			out[i] = "the council"
		}
	}
	return out
}

// correctPost sends an update (action=update) or a cancellation
// (action=cancel) of a notice, through the same governance.
func (s *Server) correctPost(w http.ResponseWriter, r *http.Request, v visitor) {
	ctx := r.Context()
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	n, err := notices.NoticeByID(ctx, s.deps.Core, id)
	if errors.Is(err, bot.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base, sender, ok := splitSource(n.Source)
	if !ok || !v.Roles.CanCompose(sender) {
		s.forbidden(w, r, "Only staff of this notice's sender can correct or cancel it.")
		return
	}
	form := map[string]string{"title": r.PostFormValue("title"), "body": r.PostFormValue("body"),
		"title_cy": r.PostFormValue("title_cy"), "body_cy": r.PostFormValue("body_cy")}
	in := map[string]any{"id": "web-" + newSecret()[:16], "references": n.Identifier, "topics": n.Topics, "areas": n.Areas,
		"urgency": string(n.Urgency), "title": form["title"], "body": form["body"], "link": n.Link,
		"title_cy": form["title_cy"], "body_cy": form["body_cy"]}
	if r.PostFormValue("action") == "cancel" {
		in["msg_type"], in["title"], in["body"], in["title_cy"], in["body_cy"] = "cancel", n.Title, "", n.TitleCy, ""
	} else {
		in["msg_type"] = "update"
	}
	for _, k := range []string{"title", "body", "title_cy", "body_cy"} {
		if utf8.RuneCountInString(form[k]) > maxFieldChars {
			s.showNotice(w, r, v, http.StatusUnprocessableEntity, "", []fieldError{{k, fmt.Sprintf("%s must be %d characters or fewer", formFields[k][1], maxFieldChars)}}, form)
			return
		}
	}
	raw, _ := json.Marshal(in)
	res, err := s.deps.Notices.SubmitAs(ctx, raw, base, sender, v.Actor())
	if fe, ok := fieldErrorOf(err); ok {
		s.showNotice(w, r, v, http.StatusUnprocessableEntity, "", []fieldError{fe}, form)
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
	http.Redirect(w, r, fmt.Sprintf("/notices/%d?sent=1", res.ID), http.StatusSeeOther)
}

func parseID(s string) (int64, error) {
	var id int64
	_, err := fmt.Sscan(s, &id)
	if err != nil || id <= 0 || fmt.Sprint(id) != s {
		return 0, errors.New("bad id")
	}
	return id, nil
}

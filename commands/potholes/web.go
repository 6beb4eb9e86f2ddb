package potholes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"neighbourbot/bot"
)

// What the council staff's web page (package web) reads and does. Staff
// see each report's facts — what, where, photos, "me too"s, state, what
// went to the council and what it said — never who reported it: people
// are named only when the page's caller says they are staff. A state set
// on the page goes through setStatus, as the chat command's does.

// The states a list can be filtered by besides one status.
const (
	stateUnresolved = "unresolved"
	stateResolved   = "resolved"
)

// FaultQuery is the staff page's choice of reports.
type FaultQuery struct {
	Category string // "" for every category
	// State is "" for every report, "unresolved", "resolved", or one
	// status as stored ("in progress").
	State string
	// Area, a postcode area ("SY3 7"), keeps the reports of groups whose
	// areas overlap it.
	Area          string
	Offset, Limit int
}

// FaultStates lists what FaultQuery.State may be, in the order a filter
// offers them.
func FaultStates() []string {
	out := []string{stateUnresolved, stateResolved}
	for _, st := range allStatuses {
		out = append(out, string(st))
	}
	return out
}

// SettableStatuses are the statuses staff may give a report, as group
// admins can with !pothole P7 STATUS ("sent" is the bot's own).
func SettableStatuses() []Status {
	return []Status{StatusOpen, StatusInvestigating, StatusInProgress, StatusActionScheduled, StatusFixed, StatusNotResponsible, StatusDuplicate, StatusClosed}
}

// Fault is a report as council staff see it.
type Fault struct {
	ID                          int64
	Ref, Category, Description  string
	Status                      Status
	DuplicateOf                 int64
	Chat                        bot.ChatID
	HasLocation                 bool
	Lat, Long                   float64
	Created, Updated, CheckedAt time.Time
	// MeToo counts neighbours' confirmations (the reporter not included).
	MeToo      int
	Photos     int
	FirstPhoto string
	// Sent says what went to the council: "Open311 request 293944",
	// "Emailed to highways@…", or how far sending has got.
	Sent string
	// RequestID is the council's Open311 service request id, if any.
	RequestID string
	// Answer is the council's latest word: its status, notes and
	// expected date; "" before it has said anything.
	Answer string
}

// FaultDetail is one report's page: its photos and history as well.
type FaultDetail struct {
	Fault
	PhotoFiles []string
	// CouncilSaid are the council's answers, oldest first.
	CouncilSaid []FaultEvent
	History     []FaultEvent
}

// FaultEvent is one line of a report's history.
type FaultEvent struct {
	At   time.Time
	Text string
}

// filterOf resolves q's area to the groups it covers; an unknown state or
// area is a bot.Userf error for the page to show.
func (f *Feature) filterOf(ctx context.Context, q FaultQuery) (faultFilter, error) {
	ff := faultFilter{Category: q.Category, State: q.State}
	if q.State != "" && !slices.Contains(FaultStates(), q.State) {
		return ff, bot.Userf("There is no state %q.", bot.Truncate(q.State, 30))
	}
	if q.Area == "" {
		return ff, nil
	}
	area, ok := bot.NormalizeArea(q.Area)
	if !ok {
		return ff, bot.Userf("%q is not a postcode area; write one like SY3 or SY3 7.", bot.Truncate(q.Area, 20))
	}
	chats, err := f.store.reportChats(ctx)
	if err != nil {
		return ff, err
	}
	ff.Chats = []bot.ChatID{}
	for _, c := range chats {
		gs, err := f.core.GroupSettings(ctx, c)
		if err != nil {
			return ff, fmt.Errorf("group settings: %w", err)
		}
		if slices.ContainsFunc(gs.Areas, func(a string) bool { return bot.AreaCovers(a, area) }) {
			ff.Chats = append(ff.Chats, c)
		}
	}
	return ff, nil
}

// Faults lists a page of reports, newest first, and how many match.
func (f *Feature) Faults(ctx context.Context, q FaultQuery) ([]Fault, int, error) {
	ff, err := f.filterOf(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	rows, total, err := f.store.faultPage(ctx, ff, q.Offset, q.Limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Fault, 0, len(rows))
	for _, fr := range rows {
		out = append(out, f.faultOf(fr.Report, fr.EmailedDetail))
	}
	return out, total, nil
}

// FaultPins lists the pins of up to limit reports matching q (its page
// ignored), newest first.
func (f *Feature) FaultPins(ctx context.Context, q FaultQuery, limit int) ([]FaultPin, error) {
	ff, err := f.filterOf(ctx, q)
	if err != nil {
		return nil, err
	}
	return f.store.faultPins(ctx, ff, limit)
}

// FaultCategories are the categories residents can file in and any
// others reports were filed in before.
func (f *Feature) FaultCategories(ctx context.Context) ([]string, error) {
	used, err := f.store.usedCategories(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(f.cfg.Categories)
	for _, c := range used {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// faultOf is r as staff see it; emailed is the history's latest "emailed"
// detail ("to highways@…, attempt 1").
func (f *Feature) faultOf(r Report, emailed string) Fault {
	ft := Fault{ID: r.ID, Ref: r.Ref(), Category: r.Category, Description: hidePhones(r.Description), Status: r.Status,
		DuplicateOf: r.DuplicateOf, Chat: r.Chat, HasLocation: r.HasLocation, Lat: r.Lat, Long: r.Long,
		Created: r.Created, Updated: r.Updated, CheckedAt: r.CouncilCheckedAt, MeToo: r.Confirmations, Photos: r.Photos,
		FirstPhoto: r.FirstPhoto, RequestID: r.ServiceRequestID}
	ft.Sent = hidePhones(f.sentText(r, emailed))
	var said []string
	if r.CouncilStatus != "" {
		said = append(said, r.CouncilStatus)
	}
	if r.CouncilNotes != "" {
		said = append(said, hidePhones(r.CouncilNotes))
	}
	if d, ok := f.formatExpected(r.CouncilExpected, f.clock.Now()); ok {
		said = append(said, "expected by "+d)
	}
	ft.Answer = strings.Join(said, " — ")
	return ft
}

// sentText says what went to the council, or how far sending has got.
func (f *Feature) sentText(r Report, emailed string) string {
	switch {
	case r.ServiceRequestID != "":
		return "Open311 request " + r.ServiceRequestID
	case r.Token != "":
		return "Sent over Open311; waiting for the council's reference"
	case r.SendState == sendDone && emailed != "":
		to, _, _ := strings.Cut(strings.TrimPrefix(emailed, "to "), ",")
		return "Emailed to " + to
	case r.SendState == sendDone:
		return "Sent"
	case r.SendState == sendQueued:
		return "Queued to send"
	case r.SendState == sendRetrying:
		return fmt.Sprintf("Not sent yet: %s (attempt %d failed; next try %s)", r.LastSendError, r.SendAttempts, f.when(r.NextSendAt))
	case r.SendState == sendFailed:
		return "Not sent: " + r.LastSendError
	case r.SendState == sendWaiting:
		return "Waiting for answers to the council's questions"
	case r.SendState == sendSending || r.SendState == sendUnsure:
		return "May have reached the council: the bot stopped while sending it"
	}
	return "Not sent"
}

// FaultPage loads one report with its photos and history. Residents'
// own lines (filed, confirmed, a photo) say "a resident"; nameOf names
// whoever took an admin's step (a status, sending) as the page may show
// them — staff by name, anyone else as a group admin; 0 is someone
// forgotten.
func (f *Feature) FaultPage(ctx context.Context, id int64, nameOf func(person int64) string) (FaultDetail, error) {
	r, err := f.store.report(ctx, id)
	if err != nil {
		return FaultDetail{}, err
	}
	var emailed string
	if ev, ok, err := f.store.latestEvent(ctx, id, emailedEvent); err != nil {
		return FaultDetail{}, err
	} else if ok {
		emailed = ev.Detail
	}
	d := FaultDetail{Fault: f.faultOf(r, emailed)}
	if d.PhotoFiles, err = f.store.photoFiles(ctx, id); err != nil {
		return FaultDetail{}, err
	}
	evs, err := f.store.events(ctx, id)
	if err != nil {
		return FaultDetail{}, err
	}
	for _, ev := range evs {
		if ev.Kind == fixedDueEvent {
			continue // bookkeeping for the day's question
		}
		who := "a resident"
		if adminEvent(ev) {
			who = nameOf(ev.ActorID)
		}
		line := FaultEvent{At: ev.At, Text: hidePhones(f.eventTextAs(ev, who))}
		d.History = append(d.History, line)
		if ev.Kind == councilUpdateEvent || ev.Kind == councilNoticeEvent {
			d.CouncilSaid = append(d.CouncilSaid, FaultEvent{At: ev.At, Text: hidePhones(ev.Detail)})
		}
	}
	return d, nil
}

// adminEvent reports whether a history line is an admin's or staff's
// action (a status, sending, restarting the checks) rather than a
// resident's own (filing, "me too", a photo, a pin, an answer).
func adminEvent(ev event) bool {
	switch ev.Kind {
	case "status", pollRestartedEvent, sendAnywayEvent:
		return true
	case "send queued":
		return ev.ActorID != 0
	}
	return false
}

// typedPhone is a phone number written out, UK national ("07700 900123")
// or international ("+44 7700 900123"), as bot.HasTypedPhone finds them.
var typedPhone = regexp.MustCompile(`(^|[^\d/.:])((?:\+\d{1,3}[\s-]?(?:\(0\)\s?)?\d|0\d)(?:[\s-]?\d){8,11})($|[^\d/.:])`)

// hidePhones is text from residents, the council or its server as the staff
// page shows it: no phone number, neither a WhatsApp address nor one
// written out (a council's notes may quote a crew's mobile).
func hidePhones(s string) string {
	s = bot.RedactPhones(s)
	for range 3 { // neighbouring numbers share a boundary character
		s = typedPhone.ReplaceAllString(s, "${1}[phone number]${3}")
	}
	return s
}

// photoName is how photos are stored: the SHA-256 of their bytes and an
// image extension (savePhoto).
var photoName = regexp.MustCompile(`^[0-9a-f]{64}\.(?:jpg|png|webp|gif)$`)

// PhotoPath is the file of report id's photo named file, for the page to
// serve; bot.ErrNotFound for a name that is not one of its photos.
func (f *Feature) PhotoPath(ctx context.Context, id int64, file string) (string, error) {
	if !photoName.MatchString(file) {
		return "", bot.ErrNotFound
	}
	ok, err := f.store.hasPhotoFile(ctx, id, file)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bot.ErrNotFound
	}
	path := filepath.Join(f.deps.PhotoDir, file)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return "", bot.ErrNotFound
	}
	return path, nil
}

// SetStatusAs gives report id a status on behalf of council staff (name
// as the audit writes it, "Sam (web)"), through setStatus as the chat
// command does, and tells the group. dupOf names the original for
// "duplicate" ("P3"). Run it in a unit of work (bot.Core.Atomic): the
// change, its jobs, the audit and the group's message commit together.
func (f *Feature) SetStatusAs(ctx context.Context, id int64, status, dupOf string, person int64, name string) (string, error) {
	st, _, ok := parseStatus(strings.Fields(strings.ToLower(status)))
	if !ok || st == StatusSent {
		return "", bot.Userf("Choose a state from the list.")
	}
	r, err := f.store.report(ctx, id)
	if err != nil {
		return "", err
	}
	reply, err := f.setStatus(ctx, statusActor{PersonID: person, Name: name, Now: f.clock.Now()}, r, st, strings.TrimSpace(dupOf))
	if err != nil {
		return "", err
	}
	if r, err = f.store.report(ctx, id); err != nil {
		return "", err
	}
	return reply, f.tellGroup(ctx, r, postStaffStatus)
}

// tellGroup posts the message about r of kind what now, or, in quiet
// hours, when they end.
func (f *Feature) tellGroup(ctx context.Context, r Report, what string) error {
	if now := f.clock.Now(); f.deps.Quiet.Contains(now) {
		at := f.deps.Quiet.NextAllowed(now)
		return f.jobs.Schedule(ctx, jobHeldPost, fmt.Sprintf("potholes.heldpost:%d:%s:%d", r.ID, what, at.UnixMilli()), at, heldPost{Report: r.ID, What: what})
	}
	return f.post(ctx, r, what)
}

package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/potholes"
)

// Street faults (/faults): residents' reports from commands/potholes with
// their photos, "me too" counts, states, what went to the council and what
// it said, on a list with filters and pages and on a map. Owners and
// [potholes] staff see them and may set a report's state, which goes
// through the same code as an admin's !pothole P7 STATUS and is audited
// with their name. No page names who reported a fault or shows a phone
// number: people in a report's history are named only when they are staff.

const (
	faultsPerPage = 25
	// maxPins bounds the map's pins; the list pages through the rest.
	maxPins = 2000
)

// faultRoutes adds the street-fault pages.
func (s *Server) faultRoutes(mux *http.ServeMux) {
	mux.Handle("GET /faults", s.auth(s.faultList))
	mux.Handle("GET /faults/map.json", s.auth(s.faultPins))
	mux.Handle("GET /faults/{id}", s.auth(s.faultPage))
	mux.Handle("GET /faults/{id}/photos/{file}", s.auth(s.faultPhoto))
	mux.Handle("POST /faults/{id}/state", s.auth(s.faultState))
}

// faultFilters is /faults' filter form as typed, and the page asked for.
type faultFilters struct {
	Category, State, Area string
	Page                  int
}

// encode is the filters as a query string ("" for none), without the page.
func (f faultFilters) encode() string {
	q := url.Values{}
	for k, v := range map[string]string{"category": f.Category, "state": f.State, "area": f.Area} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// faultQuery reads the filters from the address, cats being the
// categories there are; each bad one is a field error, and the query is
// not run.
func faultQuery(q url.Values, cats []string) (potholes.FaultQuery, faultFilters, []fieldError) {
	ff := faultFilters{Category: strings.TrimSpace(q.Get("category")), State: strings.TrimSpace(q.Get("state")),
		Area: strings.TrimSpace(q.Get("area")), Page: 1}
	var errs []fieldError
	if ff.Category != "" && !slices.Contains(cats, ff.Category) {
		errs = append(errs, fieldError{"category", "Choose a category from the list"})
	}
	if ff.State != "" && !slices.Contains(potholes.FaultStates(), ff.State) {
		errs = append(errs, fieldError{"state", "Choose a state from the list"})
	}
	if ff.Area != "" {
		if a, ok := bot.NormalizeArea(ff.Area); ok {
			ff.Area = a
		} else {
			errs = append(errs, fieldError{"area", "Enter a postcode area like SY3 or SY3 7"})
		}
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			errs = append(errs, fieldError{"main-content", "The page number must be a whole number from 1"})
		} else {
			ff.Page = n
		}
	}
	fq := potholes.FaultQuery{Category: ff.Category, State: ff.State, Area: ff.Area, Offset: (ff.Page - 1) * faultsPerPage, Limit: faultsPerPage}
	return fq, ff, errs
}

// faultsOff answers when the street-fault feature is not running, or the
// visitor may not see faults; it reports whether it answered.
func (s *Server) faultsOff(w http.ResponseWriter, r *http.Request, v visitor) bool {
	switch {
	case !v.Roles.Faults:
		s.forbidden(w, r, "Only owners and the council's street-fault staff ([potholes] staff) can see street faults.")
	case s.deps.Potholes == nil:
		s.render(w, r, http.StatusNotFound, "message", page{Title: "Street faults", Message: "Street-fault reports are not running on this bot."})
	default:
		return false
	}
	return true
}

// faultsView is /faults.
type faultsView struct {
	Filters          faultFilters
	Categories       []string
	States           []string
	Rows             []faultRow
	Total            int
	First, Last      int
	Pages            int
	PrevURL, NextURL string
	Map              mapBox
	CSVURL           string
	Bad              bool
}

// faultRow is one line of the list.
type faultRow struct {
	potholes.Fault
	Group, Reported, Tag string
}

// stateTag is the GOV.UK tag colour of a state: blue while new, yellow
// while the council works on it, green fixed, grey otherwise closed.
func stateTag(st potholes.Status) string {
	switch {
	case st == potholes.StatusFixed:
		return "govuk-tag--green"
	case st == potholes.StatusOpen:
		return "govuk-tag--blue"
	case st == potholes.StatusSent:
		return "govuk-tag--light-blue"
	case st.Resolved():
		return "govuk-tag--grey"
	}
	return "govuk-tag--yellow"
}

func (s *Server) faultList(w http.ResponseWriter, r *http.Request, v visitor) {
	if s.faultsOff(w, r, v) {
		return
	}
	ctx := r.Context()
	cats, err := s.deps.Potholes.FaultCategories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fq, ff, errs := faultQuery(r.URL.Query(), cats)
	if r.URL.Query().Get("format") == "csv" && len(errs) == 0 {
		s.faultsCSV(w, r, fq)
		return
	}
	view := faultsView{Filters: ff, Categories: cats, States: potholes.FaultStates(), Bad: len(errs) > 0}
	if view.Bad {
		s.render(w, r, http.StatusBadRequest, "faults", page{Title: "Street faults", Nav: "faults", Errors: errs, Data: view})
		return
	}
	list, total, err := s.deps.Potholes.Faults(ctx, fq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view.Total, view.Pages = total, max(1, (total+faultsPerPage-1)/faultsPerPage)
	if ff.Page > view.Pages {
		errs = []fieldError{{"main-content", fmt.Sprintf("There is no page %d: these filters give %s", ff.Page, plural(view.Pages, "page", "pages"))}}
		view.Bad = true
		s.render(w, r, http.StatusBadRequest, "faults", page{Title: "Street faults", Nav: "faults", Errors: errs, Data: view})
		return
	}
	names := map[bot.ChatID]string{}
	for _, f := range list {
		view.Rows = append(view.Rows, faultRow{Fault: f, Group: s.groupNameOf(ctx, names, f.Chat), Reported: s.when(f.Created), Tag: stateTag(f.Status)})
	}
	view.First, view.Last = fq.Offset+1, fq.Offset+len(list)
	base := "/faults?" + ff.encode()
	if ff.Page > 1 {
		view.PrevURL = base + "&page=" + strconv.Itoa(ff.Page-1)
	}
	if ff.Page < view.Pages {
		view.NextURL = base + "&page=" + strconv.Itoa(ff.Page+1)
	}
	view.Map = s.mapOf("faults-map", "Map of the faults these filters show", "/faults/map.json?"+ff.encode())
	view.CSVURL = base + "&format=csv"
	s.render(w, r, http.StatusOK, "faults", page{Title: "Street faults", Nav: "faults", Data: view})
}

// faultsCSV streams every fault the filters choose, a page at a time:
// the street's facts, never who reported them or a phone number.
func (s *Server) faultsCSV(w http.ResponseWriter, r *http.Request, fq potholes.FaultQuery) {
	ctx := r.Context()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="street-faults.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"ref", "category", "description", "state", "me_too", "photos", "group", "latitude", "longitude",
		"reported", "last_change", "sent_to_council", "council_status"})
	names := map[bot.ChatID]string{}
	fq.Offset, fq.Limit = 0, 500
	for {
		list, _, err := s.deps.Potholes.Faults(ctx, fq)
		if err != nil {
			s.deps.Log.Error("web: faults export", "err", err)
			_ = cw.Write([]string{"", "", "export stopped: the database could not be read"})
			break
		}
		for _, f := range list {
			lat, long := "", ""
			if f.HasLocation {
				lat, long = strconv.FormatFloat(f.Lat, 'f', 6, 64), strconv.FormatFloat(f.Long, 'f', 6, 64)
			}
			_ = cw.Write([]string{f.Ref, f.Category, csvSafe(f.Description), string(f.Status), strconv.Itoa(f.MeToo), strconv.Itoa(f.Photos),
				csvSafe(s.groupNameOf(ctx, names, f.Chat)), lat, long, f.Created.In(s.deps.Loc).Format(time.RFC3339),
				f.Updated.In(s.deps.Loc).Format(time.RFC3339), csvSafe(f.Sent), csvSafe(f.Answer)})
		}
		if len(list) < fq.Limit {
			break
		}
		fq.Offset += fq.Limit
	}
	cw.Flush()
}

// groupNameOf names a fault's group as /groups does, never by its id or
// a number; names caches them for one request.
func (s *Server) groupNameOf(ctx context.Context, names map[bot.ChatID]string, chat bot.ChatID) string {
	if n, ok := names[chat]; ok {
		return n
	}
	gs, err := s.deps.Core.GroupSettings(ctx, chat)
	n := groupName(gs)
	if err != nil {
		n = "A group"
	}
	names[chat] = n
	return n
}

// pinJSON is one pin of /faults/map.json.
type pinJSON struct {
	Lat   float64 `json:"lat"`
	Long  float64 `json:"long"`
	Label string  `json:"label"`
	URL   string  `json:"url"`
}

// faultPins is the map's data: the pins of the faults the same filters
// list (every page), newest first, up to maxPins.
func (s *Server) faultPins(w http.ResponseWriter, r *http.Request, v visitor) {
	if s.faultsOff(w, r, v) {
		return
	}
	ctx := r.Context()
	cats, err := s.deps.Potholes.FaultCategories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fq, _, errs := faultQuery(r.URL.Query(), cats)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if len(errs) > 0 {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": errs[0].Text})
		return
	}
	pins, err := s.deps.Potholes.FaultPins(ctx, fq, maxPins+1)
	if err != nil {
		s.deps.Log.Error("web: fault pins", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "The map could not be loaded."})
		return
	}
	out := struct {
		Points []pinJSON `json:"points"`
		Note   string    `json:"note,omitempty"`
	}{Points: []pinJSON{}}
	if len(pins) > maxPins {
		pins = pins[:maxPins]
		out.Note = fmt.Sprintf("The map shows the newest %d of these faults; narrow the filters to see the rest.", maxPins)
	}
	for _, p := range pins {
		out.Points = append(out.Points, pinJSON{Lat: p.Lat, Long: p.Long, Label: fmt.Sprintf("P%d %s (%s)", p.ID, p.Category, p.Status), URL: fmt.Sprintf("/faults/%d", p.ID)})
	}
	_ = json.NewEncoder(w).Encode(out)
}

// faultView is /faults/{id}.
type faultView struct {
	potholes.FaultDetail
	Group, Reported, Changed, Checked, Tag string
	History, CouncilSaid                   []eventRow
	PhotoLinks                             []photoLink
	Map                                    mapBox
	HasMap                                 bool
	States                                 []potholes.Status
	Chosen, DupOf                          string
}

type eventRow struct{ When, Text string }

type photoLink struct{ URL, Alt string }

// faultID reads the {id} of a fault's address ("7" or "P7").
func faultID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(r.PathValue("id"), "P"), "p"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) faultPage(w http.ResponseWriter, r *http.Request, v visitor) {
	if s.faultsOff(w, r, v) {
		return
	}
	s.showFault(w, r, http.StatusOK, "", nil, "", "")
}

// showFault draws a fault's page with a banner or errors, keeping what was
// chosen in the state form.
func (s *Server) showFault(w http.ResponseWriter, r *http.Request, status int, banner string, errs []fieldError, chosen, dupOf string) {
	id, ok := faultID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	d, err := s.deps.Potholes.FaultPage(ctx, id, s.staffNamer(ctx))
	if errors.Is(err, bot.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "message", page{Title: "Fault not found", Message: fmt.Sprintf("There is no street fault P%d.", id)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fv := faultView{FaultDetail: d, Group: s.groupNameOf(ctx, map[bot.ChatID]string{}, d.Chat), Reported: s.when(d.Created),
		Changed: s.when(d.Updated), Checked: s.when(d.CheckedAt), Tag: stateTag(d.Status), States: potholes.SettableStatuses(), Chosen: chosen, DupOf: dupOf}
	for i, f := range d.PhotoFiles {
		fv.PhotoLinks = append(fv.PhotoLinks, photoLink{URL: fmt.Sprintf("/faults/%d/photos/%s", d.ID, f), Alt: fmt.Sprintf("Photo %d of %s", i+1, d.Ref)})
	}
	for _, e := range d.History {
		fv.History = append(fv.History, eventRow{When: s.when(e.At), Text: e.Text})
	}
	for _, e := range d.CouncilSaid {
		fv.CouncilSaid = append(fv.CouncilSaid, eventRow{When: s.when(e.At), Text: e.Text})
	}
	if d.HasLocation {
		fv.HasMap = true
		fv.Map = s.mapAt("fault-map", "Map of where "+d.Ref+" is", d.Lat, d.Long, d.Ref+" "+d.Category)
	}
	s.render(w, r, status, "fault", page{Title: d.Ref + " " + d.Category, Nav: "faults", Notice: banner, Errors: errs, Data: fv})
}

// staffNamer names whoever took an admin's step in a fault's history
// (set a status, asked for sending): staff by name, anyone else as "a
// group admin". Residents' own steps never come here: who reported or
// confirmed a fault is theirs to tell.
func (s *Server) staffNamer(ctx context.Context) func(int64) string {
	seen := map[int64]string{}
	staff := s.deps.Staff()
	return func(person int64) string {
		if n, ok := seen[person]; ok {
			return n
		}
		n := "a group admin"
		if person != 0 {
			if roles, err := staff.rolesOf(ctx, s.deps.Core, person); err == nil && roles.Any() {
				if p, err := s.deps.Core.PersonByID(ctx, person); err == nil {
					n = p.DisplayName() + " (staff)"
				}
			}
		}
		seen[person] = n
		return n
	}
}

// faultPhoto serves one of a fault's photos to signed-in fault staff.
func (s *Server) faultPhoto(w http.ResponseWriter, r *http.Request, v visitor) {
	if s.faultsOff(w, r, v) {
		return
	}
	id, ok := faultID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	path, err := s.deps.Potholes.PhotoPath(r.Context(), id, r.PathValue("file"))
	if errors.Is(err, bot.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Residents' photos: kept by this browser only, never by a proxy.
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeFile(w, r, path)
}

// faultState sets a fault's state as an admin's !pothole P7 STATUS does,
// in one unit of work with its audit lines (the bot's, as the command
// writes, and the page's, which /audit searches) and the group's message.
func (s *Server) faultState(w http.ResponseWriter, r *http.Request, v visitor) {
	if s.faultsOff(w, r, v) {
		return
	}
	id, ok := faultID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	state, dupOf := r.PostFormValue("state"), strings.TrimSpace(r.PostFormValue("duplicate_of"))
	if !slices.Contains(potholes.SettableStatuses(), potholes.Status(state)) {
		s.showFault(w, r, http.StatusBadRequest, "", []fieldError{{"state", "Choose the fault's new state"}}, state, dupOf)
		return
	}
	if potholes.Status(state) == potholes.StatusDuplicate && dupOf == "" {
		s.showFault(w, r, http.StatusBadRequest, "", []fieldError{{"duplicate_of", "Enter the fault this one duplicates, for example P3"}}, state, dupOf)
		return
	}
	ctx := r.Context()
	var reply string
	err := s.deps.Core.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if reply, err = s.deps.Potholes.SetStatusAs(ctx, id, state, dupOf, v.Person.ID, v.Actor()); err != nil {
			return err
		}
		// Also in the page's own audit, where /audit finds it by name.
		return s.auditEvent(ctx, v.Actor(), "street fault state", strings.TrimSpace(fmt.Sprintf("P%d %s %s", id, state, dupOf)))
	})
	if errors.Is(err, bot.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if msg, ok := bot.UserMessage(err); ok {
		field := "state"
		if potholes.Status(state) == potholes.StatusDuplicate {
			field = "duplicate_of"
		}
		s.showFault(w, r, http.StatusConflict, "", []fieldError{{field, pageWords(msg)}}, state, dupOf)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.afterChange(ctx)
	s.showFault(w, r, http.StatusOK, pageWords(reply)+" The group has been told.", nil, "", "")
}

// pageWords keeps the first sentence of the chat command's answer: the
// rest are hints for the chat ("Confirmations go to P3: !metoo P3.",
// "!potholes lists the open ones.") that mean nothing on the page.
func pageWords(msg string) string {
	if i := strings.Index(msg, ". "); i >= 0 {
		msg = msg[:i+1]
	}
	return strings.TrimSpace(msg)
}

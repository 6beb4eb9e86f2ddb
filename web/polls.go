package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

// Polls on the staff page: a list, open and closed, and a page per poll
// with its results overall, per area and per group as charts and tables,
// and a CSV export. A poll is a notice's (see commands/notices/council_polls.go);
// its page is at the notice's number.

const pollsPerPage = 50

// pollRow is one line of /polls.
type pollRow struct {
	ID                                 int64
	Question, From, State, Closes, Tag string
	Voters                             int
}

// listState reads ?state= for a list: "open", "closed" or "" for all.
func listState(r *http.Request) string {
	switch st := r.URL.Query().Get("state"); st {
	case "open", "closed":
		return st
	}
	return ""
}

func (s *Server) pollList(w http.ResponseWriter, r *http.Request, v visitor) {
	if !v.Roles.SeesPolls() {
		s.forbidden(w, r, "Only notice approvers and staff who write notices can see polls.")
		return
	}
	state := listState(r)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	now := s.deps.Clock.Now()
	list, err := notices.ListPolls(r.Context(), s.deps.Core, notices.PollQuery{State: state, Now: now, Before: before, Limit: pollsPerPage + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var next int64
	if len(list) > pollsPerPage {
		list = list[:pollsPerPage]
		next = list[len(list)-1].Notice
	}
	var rows []pollRow
	for _, p := range list {
		word, tag := s.runState(p.NoticeState, p.Closed, p.Closes)
		rows = append(rows, pollRow{ID: p.Notice, Question: p.Question, From: p.Sender, State: word, Tag: tag, Closes: s.when(p.Closes), Voters: p.Voters})
	}
	s.render(w, r, http.StatusOK, "polls", page{Title: "Polls", Nav: "polls", Data: map[string]any{
		"Rows": rows, "Next": next, "State": state, "CanCreate": len(v.Roles.Senders) > 0,
	}})
}

// runState words where a poll or consultation stands, with the GOV.UK tag
// colour for it: its notice's state until it goes out, then open or
// closed. Past its closing time it is closed, even in the moment before
// its close job has run.
func (s *Server) runState(n notices.State, closed bool, closes time.Time) (string, string) {
	switch n {
	case notices.StateAwaitingApproval, notices.StatePaused:
		return stateWords(n), "govuk-tag--yellow"
	case notices.StateRejected, notices.StateExpired, notices.StateWithdrawn:
		return stateWords(n), "govuk-tag--grey"
	}
	if closed {
		return "Closed", "govuk-tag--grey"
	}
	return "Open", "govuk-tag--green"
}

// pathID reads the notice number of a poll, or a consultation's number,
// from the path.
func pathID(r *http.Request) (int64, bool) {
	id, err := parseID(r.PathValue("id"))
	return id, err == nil
}

// resultsTable is one table of counts, beside its chart.
type resultsTable struct {
	Chart                 template.HTML
	Heading, Column, Unit string
	Rows                  []resultLine
	Total                 string
}

type resultLine struct {
	Label   string
	Count   int
	Percent string
}

// scopeName names a poll's or a comment's group for a page: never its
// WhatsApp id.
func (s *Server) scopeName(ctx context.Context, chat bot.ChatID) (string, error) {
	if chat == "" || chat == "subscribers" {
		return "Private subscribers", nil
	}
	g, err := s.deps.Core.GroupSettings(ctx, chat)
	if err != nil {
		return "", err
	}
	return groupName(g), nil
}

// groupNames is scopeName remembered for one request: a consultation's
// thousands of comments come from a few groups.
type groupNames struct {
	s    *Server
	seen map[bot.ChatID]string
}

func (s *Server) groupNames() *groupNames { return &groupNames{s: s, seen: map[bot.ChatID]string{}} }

func (n *groupNames) of(ctx context.Context, chat bot.ChatID) (string, error) {
	if name, ok := n.seen[chat]; ok {
		return name, nil
	}
	name, err := n.s.scopeName(ctx, chat)
	if err == nil {
		n.seen[chat] = name
	}
	return name, err
}

// chartTable draws a chart of counts with the same figures as a table.
func chartTable(d chartData) (resultsTable, error) {
	chart, err := barChart(d)
	if err != nil {
		return resultsTable{}, err
	}
	t := resultsTable{Chart: chart, Heading: d.Heading, Column: d.Column, Unit: strings.ToUpper(d.Unit[1][:1]) + d.Unit[1][1:], Total: d.OfWords}
	for i, l := range d.Labels {
		t.Rows = append(t.Rows, resultLine{Label: l, Count: d.Counts[i], Percent: share(d.Counts[i], d.Of)})
	}
	return t, nil
}

// pollCharts draws a poll's results: overall, then per area.
func pollCharts(res notices.PollResults) ([]resultsTable, error) {
	unit := [2]string{"vote", "votes"}
	voters := func(n int) string {
		if res.Multiple {
			return plural(n, "voter", "voters") + " in all (each may choose several)"
		}
		return plural(n, "voter", "voters") + " in all"
	}
	all, err := chartTable(chartData{ID: "chart-all", Heading: "All areas", Column: "Option", Title: "All areas: " + res.Question, Labels: res.Options, Counts: res.Counts, Of: res.Voters, Unit: unit, OfWords: voters(res.Voters)})
	if err != nil {
		return nil, err
	}
	out := []resultsTable{all}
	for i, a := range res.Areas {
		t, err := chartTable(chartData{ID: fmt.Sprintf("chart-area-%d", i), Heading: "Area " + a.Name, Column: "Option", Title: "Area " + a.Name + ": " + res.Question, Labels: res.Options, Counts: a.Counts, Of: a.Voters, Unit: unit, OfWords: voters(a.Voters)})
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// groupResult is one group's line of a poll's results.
type groupResult struct {
	Name, Area string
	Counts     []int
	Voters     int
}

// pollGroups are a poll's counts per group, named for a page. The results
// already carry each group's name (its id when it has none), so no group
// is looked up again.
func (s *Server) pollGroups(res notices.PollResults) []groupResult {
	var out []groupResult
	for _, g := range res.Groups {
		name := "Private subscribers"
		if g.Scope != "subscribers" {
			name = "A group with no name"
			if g.Name != g.Scope {
				name = groupName(bot.GroupSettings{Name: g.Name})
			}
		}
		area := g.Area
		if area == "" {
			area = "No area set"
		}
		out = append(out, groupResult{Name: name, Area: area, Counts: g.Counts, Voters: g.Voters})
	}
	return out
}

// loadPoll reads a poll's results and its notice; ok is false when the
// answer has been written (not found, or a failure).
func (s *Server) loadPoll(w http.ResponseWriter, r *http.Request, v visitor) (notices.PollResults, *notices.Notice, bool) {
	if !v.Roles.SeesPolls() {
		s.forbidden(w, r, "Only notice approvers and staff who write notices can see polls.")
		return notices.PollResults{}, nil, false
	}
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return notices.PollResults{}, nil, false
	}
	ctx := r.Context()
	res, err := notices.PollResultsOf(ctx, s.deps.Core, id)
	if errors.Is(err, bot.ErrNotFound) || errors.Is(err, notices.ErrNoPoll) {
		s.notFound(w, r)
		return res, nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return res, nil, false
	}
	n, err := notices.NoticeByID(ctx, s.deps.Core, id)
	if err != nil {
		s.fail(w, r, err)
		return res, nil, false
	}
	return res, n, true
}

func (s *Server) pollPage(w http.ResponseWriter, r *http.Request, v visitor) {
	res, n, ok := s.loadPoll(w, r, v)
	if !ok {
		return
	}
	now := s.deps.Clock.Now()
	closed := res.State != "open" || !now.Before(res.Closes)
	charts, err := pollCharts(res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	groups := s.pollGroups(res)
	word, tag := s.runState(n.State, closed, res.Closes)
	banner := ""
	if r.URL.Query().Get("sent") == "1" {
		banner = "Your poll has been received; where it stands is below."
	}
	var notSent []string
	for _, ns := range res.NotSent {
		notSent = append(notSent, fmt.Sprintf("%s and %s: %s", plural(ns.Groups, "group", "groups"), plural(ns.Subscribers, "subscriber", "subscribers"), ns.Reason))
	}
	s.render(w, r, http.StatusOK, "poll", page{Title: "Poll: " + res.Question, Nav: "polls", Notice: banner, Data: map[string]any{
		"Res": res, "Notice": n, "State": word, "Tag": tag, "Closed": closed, "Final": res.State == "closed" || neverSent(n.State),
		"Waiting": waitingToGo(n.State), "NeverSent": neverSent(n.State),
		"Closes": s.when(res.Closes), "AsOf": s.when(now), "Charts": charts, "Groups": groups, "NotSent": notSent,
	}})
}

// pollCSV exports a poll's results: overall, per area and per group, one
// row per option. Cells a spreadsheet would run as a formula are defused.
func (s *Server) pollCSV(w http.ResponseWriter, r *http.Request, v visitor) {
	res, _, ok := s.loadPoll(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	groups := s.pollGroups(res)
	if err := s.auditNotice(ctx, v, res.Notice, "exported poll results", "CSV of the counts per area and group"); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="poll-%d-results.csv"`, res.Notice))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"notice", "question", "state", "level", "name", "area", "option", "votes", "voters"})
	state := "open (counts so far)"
	switch {
	case res.State == "closed":
		state = "closed"
	case !s.deps.Clock.Now().Before(res.Closes):
		state = "closed (final counts being made)"
	}
	row := func(level, name, area string, counts []int, voters int) {
		for i, o := range res.Options {
			_ = cw.Write([]string{strconv.FormatInt(res.Notice, 10), csvSafe(res.Question), state, level, csvSafe(name), csvSafe(area), csvSafe(o), strconv.Itoa(counts[i]), strconv.Itoa(voters)})
		}
	}
	row("all", "All areas", "", res.Counts, res.Voters)
	for _, a := range res.Areas {
		row("area", a.Name, a.Name, a.Counts, a.Voters)
	}
	for _, g := range groups {
		row("group", g.Name, g.Area, g.Counts, g.Voters)
	}
	cw.Flush()
}

// auditNotice records what a person did on the page about one notice.
func (s *Server) auditNotice(ctx context.Context, v visitor, notice int64, event, detail string) error {
	return notices.RecordAudit(ctx, s.deps.Core, notices.AuditRecord{NoticeID: notice, At: s.deps.Clock.Now(), Event: event, Actor: v.Actor(), Target: "web", Detail: detail})
}

// pollRoutes adds the polls' and consultations' pages.
func (s *Server) pollRoutes(mux *http.ServeMux) {
	mux.Handle("GET /polls", s.auth(s.pollList))
	mux.Handle("GET /polls/new", s.auth(s.pollForm("poll")))
	mux.Handle("POST /polls/new", s.auth(s.pollPost("poll")))
	mux.Handle("GET /polls/{id}", s.auth(s.pollPage))
	mux.Handle("GET /polls/{id}/results.csv", s.auth(s.pollCSV))
	mux.Handle("GET /consultations", s.auth(s.consultList))
	mux.Handle("GET /consultations/new", s.auth(s.pollForm("consultation")))
	mux.Handle("POST /consultations/new", s.auth(s.pollPost("consultation")))
	mux.Handle("GET /consultations/{id}", s.auth(s.consultPage))
	mux.Handle("GET /consultations/{id}/comments.csv", s.auth(s.consultCSV))
}

// waitingToGo: the poll's notice has not gone out yet, but may.
func waitingToGo(st notices.State) bool {
	return st == notices.StateAwaitingApproval || st == notices.StatePaused || st == notices.StateApproved
}

// neverSent: the poll's notice will never go out, so no vote will come.
func neverSent(st notices.State) bool {
	return st == notices.StateRejected || st == notices.StateExpired || st == notices.StateWithdrawn
}

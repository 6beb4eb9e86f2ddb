package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

// Consultations on the staff page: a list, open and closed, and a page
// per consultation with its comments (no names; phone numbers removed
// when kept and again when shown), a chart of where they came from, and
// a CSV export.

const (
	consultationsPerPage = 50
	commentsPerPage      = 100
)

// consultRow is one line of /consultations.
type consultRow struct {
	ID                                         int64
	Number, Question, From, State, Tag, Closes string
	Comments                                   int
}

// consultFrom says who asked: the notice's sender, or the group whose
// admins started it.
func (s *Server) consultFrom(ctx context.Context, c notices.ConsultSummary) (string, error) {
	if c.Notice != 0 {
		return c.Sender, nil
	}
	name, err := s.scopeName(ctx, c.Chat)
	if err != nil {
		return "", err
	}
	return "The admins of " + name, nil
}

func (s *Server) consultList(w http.ResponseWriter, r *http.Request, v visitor) {
	if !v.Roles.SeesPolls() {
		s.forbidden(w, r, "Only notice approvers and staff who write notices can see consultations.")
		return
	}
	ctx := r.Context()
	state := listState(r)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := notices.ListConsultations(ctx, s.deps.Core, notices.ConsultQuery{State: state, Now: s.deps.Clock.Now(), Before: before, Limit: consultationsPerPage + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var next int64
	if len(list) > consultationsPerPage {
		list = list[:consultationsPerPage]
		next = list[len(list)-1].ID
	}
	var rows []consultRow
	for _, c := range list {
		from, err := s.consultFrom(ctx, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		word, tag := s.runState(c.NoticeState, c.Closed, c.Closes)
		rows = append(rows, consultRow{ID: c.ID, Number: c.Number(), Question: c.Question, From: from, State: word, Tag: tag, Closes: s.when(c.Closes), Comments: c.Comments})
	}
	s.render(w, r, http.StatusOK, "consultations", page{Title: "Consultations", Nav: "consultations", Data: map[string]any{
		"Rows": rows, "Next": next, "State": state, "CanCreate": len(v.Roles.Senders) > 0,
	}})
}

// loadConsultation reads the consultation in the path; ok is false when
// the answer has been written.
func (s *Server) loadConsultation(w http.ResponseWriter, r *http.Request, v visitor) (notices.ConsultSummary, bool) {
	if !v.Roles.SeesPolls() {
		s.forbidden(w, r, "Only notice approvers and staff who write notices can see consultations.")
		return notices.ConsultSummary{}, false
	}
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return notices.ConsultSummary{}, false
	}
	c, err := notices.ConsultationByID(r.Context(), s.deps.Core, id, s.deps.Clock.Now())
	if errors.Is(err, bot.ErrNotFound) {
		s.notFound(w, r)
		return c, false
	}
	if err != nil {
		s.fail(w, r, err)
		return c, false
	}
	return c, true
}

// commentView is one comment on the page.
type commentView struct {
	ID                      int64
	When, Group, Area, Text string
}

func (s *Server) commentViews(ctx context.Context, names *groupNames, list []notices.StaffComment) ([]commentView, error) {
	var out []commentView
	for _, m := range list {
		name, err := names.of(ctx, m.Chat)
		if err != nil {
			return nil, err
		}
		area := m.Area
		if area == "" {
			area = "No area set"
		}
		out = append(out, commentView{ID: m.ID, When: s.when(m.At), Group: name, Area: area, Text: bot.RedactPhones(m.Body)})
	}
	return out, nil
}

// commentChart draws where a consultation's comments came from, by area.
func commentChart(c notices.ConsultSummary, counts []notices.CommentCount) (resultsTable, error) {
	by := map[string]int{}
	var labels []string
	for _, k := range counts {
		area := k.Area
		if area == "" {
			area = "No area set"
		}
		if _, ok := by[area]; !ok {
			labels = append(labels, area)
		}
		by[area] += k.Comments
	}
	values := make([]int, len(labels))
	for i, l := range labels {
		values[i] = by[l]
	}
	return chartTable(chartData{ID: "chart-comments", Heading: "Comments by area", Column: "Area", Title: "Comments by area: " + c.Question, Labels: labels, Counts: values,
		Of: c.Comments, Unit: [2]string{"comment", "comments"}, OfWords: plural(c.Comments, "comment", "comments") + " in all"})
}

func (s *Server) consultPage(w http.ResponseWriter, r *http.Request, v visitor) {
	c, ok := s.loadConsultation(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	list, err := notices.ConsultationComments(ctx, s.deps.Core, c.ID, max(after, 0), commentsPerPage+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var next int64
	if len(list) > commentsPerPage {
		list = list[:commentsPerPage]
		next = list[len(list)-1].ID
	}
	comments, err := s.commentViews(ctx, s.groupNames(), list)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := notices.CommentCounts(ctx, s.deps.Core, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	chart, err := commentChart(c, counts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, err := s.consultFrom(ctx, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	word, tag := s.runState(c.NoticeState, c.Closed, c.Closes)
	banner := ""
	if r.URL.Query().Get("sent") == "1" {
		banner = "Your consultation has been received; where it stands is below."
	}
	s.render(w, r, http.StatusOK, "consultation", page{Title: "Consultation " + c.Number() + ": " + c.Question, Nav: "consultations", Notice: banner, Data: map[string]any{
		"C": c, "From": from, "State": word, "Tag": tag, "Closes": s.when(c.Closes), "AsOf": s.when(s.deps.Clock.Now()),
		"Chart": chart, "Comments": comments, "Next": next, "After": after,
	}})
}

// consultCSV exports a consultation's comments, without names or
// numbers. Residents wrote them: every cell a spreadsheet would run as a
// formula is defused.
func (s *Server) consultCSV(w http.ResponseWriter, r *http.Request, v visitor) {
	c, ok := s.loadConsultation(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := s.auditNotice(ctx, v, c.Notice, "exported comments", "CSV of the comments on consultation "+c.Number()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="consultation-%s-comments.csv"`, c.Number()))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"consultation", "question", "comment", "time", "group", "area", "text"})
	var after int64
	names := s.groupNames()
	for {
		list, err := notices.ConsultationComments(ctx, s.deps.Core, c.ID, after, 1000)
		if err == nil {
			var views []commentView
			views, err = s.commentViews(ctx, names, list)
			for i, m := range views {
				_ = cw.Write([]string{c.Number(), csvSafe(c.Question), strconv.FormatInt(m.ID, 10), list[i].At.In(s.deps.Loc).Format(time.RFC3339),
					csvSafe(m.Group), csvSafe(m.Area), csvSafe(m.Text)})
			}
		}
		if err != nil {
			s.deps.Log.Error("web: comments export", "err", err)
			_ = cw.Write([]string{"", "", "", "", "", "", "export stopped: the database could not be read"})
			break
		}
		if len(list) < 1000 {
			break
		}
		after = list[len(list)-1].ID
	}
	cw.Flush()
}

package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

const auditPerPage = 50

// auditView is /audit's search and its results.
type auditView struct {
	Person, Service, Notice, From, To string
	Rows                              []auditRow
	Page                              int
	PrevURL, NextURL, CSVURL          string
}

type auditRow struct {
	When, Event, Actor, Detail string
	Notice                     int64
}

// auditQuery reads /audit's search from the address; bad values come
// back as field errors and are left out of the search.
func (s *Server) auditQuery(q url.Values) (notices.AuditQuery, auditView, []fieldError) {
	v := auditView{Person: q.Get("person"), Service: q.Get("service"), Notice: q.Get("notice"), From: q.Get("from"), To: q.Get("to")}
	aq := notices.AuditQuery{Actor: v.Person, Service: v.Service, Limit: auditPerPage + 1}
	var errs []fieldError
	if v.Notice != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(v.Notice), "#"), 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, fieldError{"notice", "Enter a notice number, for example 12"})
		}
		aq.Notice = id
	}
	for _, d := range []struct {
		field, val string
		into       *time.Time
		add        int
	}{{"from", v.From, &aq.From, 0}, {"to", v.To, &aq.To, 1}} {
		if d.val == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(d.val), s.deps.Loc)
		if err != nil {
			errs = append(errs, fieldError{d.field, "Enter a date like 2026-01-05"})
			continue
		}
		*d.into = t.AddDate(0, 0, d.add)
	}
	v.Page, _ = strconv.Atoi(q.Get("page"))
	if v.Page < 1 || v.Page > 100000 {
		v.Page = 1
	}
	aq.Offset = (v.Page - 1) * auditPerPage
	return aq, v, errs
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request, vis visitor) {
	if !vis.Roles.Owner && !vis.Roles.Approver {
		s.forbidden(w, r, "Only owners and approvers can read the audit.")
		return
	}
	aq, v, errs := s.auditQuery(r.URL.Query())
	if r.URL.Query().Get("format") == "csv" {
		s.auditCSV(w, r, aq)
		return
	}
	list, err := notices.SearchAudit(r.Context(), s.deps.Core, aq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	more := len(list) > auditPerPage
	if more {
		list = list[:auditPerPage]
	}
	for _, a := range list {
		v.Rows = append(v.Rows, auditRow{When: s.when(a.At), Event: a.Event, Actor: a.Actor, Detail: bot.RedactPhones(a.Detail), Notice: a.NoticeID})
	}
	q := r.URL.Query()
	if v.Page > 1 {
		q.Set("page", strconv.Itoa(v.Page-1))
		v.PrevURL = "/audit?" + q.Encode()
	}
	if more {
		q.Set("page", strconv.Itoa(v.Page+1))
		v.NextURL = "/audit?" + q.Encode()
	}
	q.Del("page")
	q.Set("format", "csv")
	v.CSVURL = "/audit?" + q.Encode()
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "audit", page{Title: "Audit", Nav: "audit", Errors: errs, Data: v})
}

// auditCSV streams every matching record, a page at a time.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, aq notices.AuditQuery) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="notice-audit.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "notice", "event", "actor", "detail"})
	aq.Offset, aq.Limit = 0, 1000
	for {
		list, err := notices.SearchAudit(r.Context(), s.deps.Core, aq)
		if err != nil {
			s.deps.Log.Error("web: audit export", "err", err)
			_ = cw.Write([]string{"", "", "export stopped: the database could not be read", "", ""})
			break
		}
		for _, a := range list {
			_ = cw.Write([]string{a.At.In(s.deps.Loc).Format(time.RFC3339), fmt.Sprint(a.NoticeID), a.Event, csvSafe(a.Actor), csvSafe(bot.RedactPhones(a.Detail))})
		}
		if len(list) < aq.Limit {
			break
		}
		aq.Offset += aq.Limit
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// groupView is one opted-in group on /groups: never its id or anyone's
// number.
type groupView struct {
	Name, Areas, Topics, Quiet, Notices, Language string
}

func (s *Server) groups(w http.ResponseWriter, r *http.Request, v visitor) {
	ctx := r.Context()
	list, err := s.deps.Core.EnabledGroups(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []groupView
	for _, g := range list {
		on, topics, err := notices.GroupNotices(ctx, s.deps.Core, g.Chat)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		gv := groupView{Name: groupName(g), Areas: strings.Join(g.Areas, ", "), Topics: "All topics", Quiet: s.botQuiet(), Notices: "Off"}
		if gv.Areas == "" {
			gv.Areas = "No area set"
		}
		if len(topics) > 0 {
			gv.Topics = strings.Join(topics, ", ")
		}
		if on {
			gv.Notices = "On"
		}
		if gv.Language, err = s.groupLanguage(ctx, g.Chat); err != nil {
			s.fail(w, r, err)
			return
		}
		if g.Quiet != "" {
			gv.Quiet = bot.DescribeQuiet(g, &s.deps.Quiet)
		}
		rows = append(rows, gv)
	}
	s.render(w, r, http.StatusOK, "groups", page{Title: "Groups", Nav: "groups", Data: rows})
}

// botQuiet is the bot's own quiet hours, which a group follows unless its
// admins set their own.
func (s *Server) botQuiet() string {
	q := s.deps.Quiet
	if q.Start == q.End {
		return "None"
	}
	return q.Start.String() + "–" + q.End.String() + " (the bot's)"
}

package notices

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Consultations for the command line: the list, and one's comments as
// text or CSV.

// Comment is one stored comment as exported: no name, no number.
type Comment struct {
	Consultation int64
	Notice       int64
	Question     string
	ID           int64
	At           time.Time
	Group        string
	Area         string
	Body         string
}

// CommentsOf lists a consultation's comments for export: by its number
// ("C3" or "3", as groups see it), or by its notice ("notice 12" or
// "notice:12").
func CommentsOf(ctx context.Context, core bot.Core, ref string) ([]Comment, error) {
	st := storeOf(core)
	ref = strings.TrimSpace(ref)
	var c *consultation
	var err error
	if rest, ok := cutNoticePrefix(ref); ok {
		id, perr := strconv.ParseInt(strings.TrimPrefix(rest, "#"), 10, 64)
		if perr != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a notice number like notice:12", ref)
		}
		c, err = st.consultationOf(ctx, id)
	} else {
		id, ok := parseConsultNumber(ref)
		if !ok {
			return nil, fmt.Errorf("%q is not a consultation number like C3 (or a notice, notice:12)", ref)
		}
		c, err = st.consultation(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("no consultation %s (see: neighbourbot notices consultations)", ref)
	}
	stored, err := st.comments(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := []Comment{}
	names := map[string]string{}
	for _, sc := range stored {
		m := Comment{Consultation: c.ID, Notice: c.NoticeID, Question: c.Question, ID: sc.ID, At: sc.At, Area: sc.Area, Body: sc.Body}
		scope := sc.Scope
		if scope == subscribersScope {
			m.Group = "private subscribers"
		} else {
			if _, ok := names[scope]; !ok {
				names[scope] = scope
				if gs, err := core.GroupSettings(ctx, bot.ChatID(scope)); err == nil && gs.Name != "" {
					names[scope] = gs.Name
				}
			}
			m.Group = names[scope]
		}
		out = append(out, m)
	}
	return out, nil
}

// WriteComments prints comments as text or CSV.
func WriteComments(w io.Writer, list []Comment, asCSV bool, loc *time.Location) error {
	if asCSV {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"consultation", "notice", "comment", "time", "group", "area", "text"}); err != nil {
			return err
		}
		for _, m := range list {
			notice := ""
			if m.Notice != 0 {
				notice = strconv.FormatInt(m.Notice, 10)
			}
			if err := cw.Write([]string{consultNumber(m.Consultation), notice, strconv.FormatInt(m.ID, 10), m.At.UTC().Format(time.RFC3339), m.Group, m.Area, m.Body}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "No comments yet.")
		return err
	}
	for _, m := range list {
		if _, err := fmt.Fprintf(w, "%s  %s (%s): %s\n", m.At.In(loc).Format("2006-01-02 15:04"), m.Group, m.Area, m.Body); err != nil {
			return err
		}
	}
	return nil
}

// ConsultationInfo is a consultation as the command line lists it.
type ConsultationInfo struct {
	ID       int64
	Notice   int64
	Group    string
	Question string
	Closes   time.Time
	State    string
	Comments int
}

// Consultations lists every consultation, newest first.
func Consultations(ctx context.Context, core bot.Core) ([]ConsultationInfo, error) {
	st := storeOf(core)
	list, err := st.allConsultations(ctx)
	if err != nil {
		return nil, err
	}
	var out []ConsultationInfo
	for _, c := range list {
		info := ConsultationInfo{ID: c.ID, Notice: c.NoticeID, Question: c.Question, Closes: c.Closes, State: c.State}
		if c.Chat != "" {
			info.Group = c.Chat
			if gs, err := core.GroupSettings(ctx, bot.ChatID(c.Chat)); err == nil && gs.Name != "" {
				info.Group = gs.Name
			}
		}
		if info.Comments, err = st.commentCount(ctx, c.ID); err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

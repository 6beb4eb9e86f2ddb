package notices

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Campaign figures: per notice and postcode area, how many groups and
// subscribers it reached, how many voted in its poll and how many
// comments it drew. Counts only: nothing here names or numbers a person.

// ReportRow is one notice in one area.
type ReportRow struct {
	Notice      int64
	Identifier  string
	Title       string
	Sender      string
	Urgency     Urgency
	Received    time.Time
	Area        string
	Groups      int
	Subscribers int
	PollVotes   int
	Comments    int
	// NotSent counts deliveries never made because the notice's poll or
	// consultation closed first (held by an election period, say).
	NotSent int
}

// noArea labels recipients without a postcode area.
const noArea = "no area set"

// CampaignReport computes the figures for notices received at or after
// since, newest first, areas in order within a notice.
func CampaignReport(ctx context.Context, core bot.Core, since time.Time) ([]ReportRow, error) {
	st := storeOf(core)
	list, err := st.noticesSince(ctx, since)
	if err != nil {
		return nil, err
	}
	// A group's areas are looked up once for the whole report, however
	// many notices reached it.
	groupArea := map[string]string{}
	areaOfGroup := func(chat string) (string, error) {
		if a, ok := groupArea[chat]; ok {
			return a, nil
		}
		gs, err := core.GroupSettings(ctx, bot.ChatID(chat))
		if err != nil {
			return "", err
		}
		groupArea[chat] = label(strings.Join(gs.Areas, ", "))
		return groupArea[chat], nil
	}
	var out []ReportRow
	for _, n := range list {
		rows, err := noticeReport(ctx, st, core, n, areaOfGroup)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// noticeReport is one notice's rows of the campaign report, one per area in
// order: deliveries (sent or lapsed), poll voters and consultation comments.
// A notice that reached no one still gets a row.
func noticeReport(ctx context.Context, st store, core bot.Core, n *Notice, areaOfGroup func(string) (string, error)) ([]ReportRow, error) {
	byArea := map[string]*ReportRow{}
	row := func(area string) *ReportRow {
		r, ok := byArea[area]
		if !ok {
			r = &ReportRow{Notice: n.ID, Identifier: n.Identifier, Title: n.Title, Sender: n.SourceName, Urgency: n.Urgency, Received: n.Received, Area: area}
			byArea[area] = r
		}
		return r
	}
	rows, err := st.reachedOrLapsed(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range rows {
		a, err := deliveryArea(ctx, st, n, o, areaOfGroup)
		if err != nil {
			return nil, err
		}
		switch r := row(a); {
		case o.State == lapsedState:
			r.NotSent++
		case o.Person == 0:
			r.Groups++
		default:
			r.Subscribers++
		}
	}
	res, err := pollResults(ctx, st, core, n.ID)
	if err == nil {
		for _, a := range res.Areas {
			row(label(a.Name)).PollVotes += a.Voters
		}
	} else if !isNoPoll(err) {
		return nil, err
	}
	comments, err := st.commentsByArea(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		row(label(c.Area)).Comments += c.Count
	}
	if len(byArea) == 0 {
		row("")
	}
	areas := make([]string, 0, len(byArea))
	for a := range byArea {
		areas = append(areas, a)
	}
	sort.Strings(areas)
	out := make([]ReportRow, 0, len(areas))
	for _, a := range areas {
		out = append(out, *byArea[a])
	}
	return out, nil
}

// deliveryArea is the area a delivery counts under: a group's !area, a
// subscriber's matching subscription area.
func deliveryArea(ctx context.Context, st store, n *Notice, o outboxRow, areaOfGroup func(string) (string, error)) (string, error) {
	if o.Person == 0 {
		return areaOfGroup(o.Target)
	}
	subs, err := st.subscriptions(ctx, o.Person)
	if err != nil {
		return "", err
	}
	for _, s := range subs {
		if subscriberWants(n, s) {
			return s.Area, nil
		}
	}
	return noArea, nil
}

func label(area string) string {
	if area == "" {
		return noArea
	}
	return area
}

func isNoPoll(err error) bool { return errors.Is(err, ErrNoPoll) }

// WriteReport prints the campaign figures as CSV or aligned text.
func WriteReport(w io.Writer, list []ReportRow, asCSV bool) error {
	if asCSV {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"notice", "id", "title", "sender", "urgency", "received", "area", "groups_reached", "subscribers_reached", "poll_votes", "comments", "not_sent"}); err != nil {
			return err
		}
		for _, r := range list {
			if err := cw.Write([]string{strconv.FormatInt(r.Notice, 10), r.Identifier, r.Title, r.Sender, string(r.Urgency), r.Received.UTC().Format(time.RFC3339),
				r.Area, strconv.Itoa(r.Groups), strconv.Itoa(r.Subscribers), strconv.Itoa(r.PollVotes), strconv.Itoa(r.Comments), strconv.Itoa(r.NotSent)}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "No notices in that period.")
		return err
	}
	last := int64(0)
	for _, r := range list {
		if r.Notice != last {
			if _, err := fmt.Fprintf(w, "#%d %s (%s, %s)\n", r.Notice, r.Title, r.Sender, r.Received.UTC().Format("2006-01-02")); err != nil {
				return err
			}
			last = r.Notice
		}
		notSent := ""
		if r.NotSent > 0 {
			notSent = fmt.Sprintf(", %d not sent (closed first)", r.NotSent)
		}
		if _, err := fmt.Fprintf(w, "    %-14s %d groups, %d subscribers, %d poll votes, %d comments%s\n", r.Area, r.Groups, r.Subscribers, r.PollVotes, r.Comments, notSent); err != nil {
			return err
		}
	}
	return nil
}

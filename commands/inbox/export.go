package inbox

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"neighbourbot/bot"
)

// ExportOptions choose what Export writes.
type ExportOptions struct {
	// ByDesk writes one summary row per desk instead of one per ticket.
	ByDesk bool
	// Location formats times and places office hours (default UTC).
	Location *time.Location
	// Config, when set, gives the office hours, closed days and bank
	// holidays division for the working-hours columns (the bank holidays
	// are the copy the bot keeps in the database); nil counts every
	// minute as a working one.
	Config *Config
}

// Export writes the inbox's tickets as CSV for the council's records: the
// number, desk, state, times, minutes to the first reply and to closing
// (wall-clock, and working minutes within office hours), message counts
// and the staff member holding it. It holds no resident's name, number or
// words.
func Export(ctx context.Context, db bot.DB, w io.Writer, opts ExportOptions) error {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	cal, err := exportCalendar(ctx, &store{db: db}, opts.Config, loc)
	if err != nil {
		return err
	}
	all, err := (&store{db: db}).exportRows(ctx)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if opts.ByDesk {
		writeByDesk(cw, all, cal)
	} else {
		writeTickets(cw, all, cal, loc)
	}
	cw.Flush()
	return cw.Error()
}

// exportRow is one numbered ticket as exported.
type exportRow struct {
	number                  int64
	desk, state, by, holder string
	opened, replied, closed time.Time
	in, out                 int
}

// writeTickets writes one row per ticket: wall-clock minutes, then (last,
// so older readers of the file keep their columns) working minutes.
func writeTickets(cw *csv.Writer, all []exportRow, cal calendar, loc *time.Location) {
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	minutes := func(d time.Duration, from, to time.Time) string {
		if from.IsZero() || to.IsZero() {
			return ""
		}
		return strconv.FormatInt(int64(d/time.Minute), 10)
	}
	cw.Write([]string{"ticket", "desk", "state", "opened_at", "first_reply_at", "minutes_to_first_reply", "closed_at",
		"minutes_to_close", "closed_by", "messages_in", "replies_out", "assignee",
		"working_minutes_to_first_reply", "working_minutes_to_close"})
	for _, r := range all {
		cw.Write([]string{"C" + strconv.FormatInt(r.number, 10), r.desk, r.state, stamp(r.opened), stamp(r.replied),
			minutes(r.replied.Sub(r.opened), r.opened, r.replied), stamp(r.closed), minutes(r.closed.Sub(r.opened), r.opened, r.closed), r.by,
			strconv.Itoa(r.in), strconv.Itoa(r.out), r.holder,
			minutes(cal.workingTime(r.opened, r.replied), r.opened, r.replied), minutes(cal.workingTime(r.opened, r.closed), r.opened, r.closed)})
	}
}

// writeByDesk writes one summary row per desk, with median wall-clock and
// working minutes.
func writeByDesk(cw *csv.Writer, all []exportRow, cal calendar) {
	type sum struct {
		tickets, open, closed, answered int
		toReply, toClose                []float64
		workReply, workClose            []float64
	}
	by := map[string]*sum{}
	for _, r := range all {
		s := by[r.desk]
		if s == nil {
			s = &sum{}
			by[r.desk] = s
		}
		s.tickets++
		if r.state == stateOpen {
			s.open++
		} else {
			s.closed++
		}
		if !r.replied.IsZero() {
			s.answered++
			s.toReply = append(s.toReply, r.replied.Sub(r.opened).Minutes())
			s.workReply = append(s.workReply, cal.workingTime(r.opened, r.replied).Minutes())
		}
		if !r.closed.IsZero() {
			s.toClose = append(s.toClose, r.closed.Sub(r.opened).Minutes())
			s.workClose = append(s.workClose, cal.workingTime(r.opened, r.closed).Minutes())
		}
	}
	desks := make([]string, 0, len(by))
	for d := range by {
		desks = append(desks, d)
	}
	sort.Strings(desks)
	cw.Write([]string{"desk", "tickets", "open", "closed", "answered", "median_minutes_to_first_reply", "median_minutes_to_close",
		"median_working_minutes_to_first_reply", "median_working_minutes_to_close"})
	for _, d := range desks {
		s := by[d]
		cw.Write([]string{d, strconv.Itoa(s.tickets), strconv.Itoa(s.open), strconv.Itoa(s.closed), strconv.Itoa(s.answered),
			median(s.toReply), median(s.toClose), median(s.workReply), median(s.workClose)})
	}
}

// exportCalendar is the office's calendar for the working-hours columns:
// cfg's hours and closed days, and the bank holidays of its division from
// the copy kept in the database (none when no copy was ever fetched).
func exportCalendar(ctx context.Context, st *store, cfg *Config, loc *time.Location) (calendar, error) {
	cal := calendar{loc: loc, closed: map[string]string{}}
	if cfg == nil {
		return cal, nil
	}
	hours, err := ParseHours(cfg.Hours)
	if err != nil {
		return cal, fmt.Errorf("hours %q: %w", cfg.Hours, err)
	}
	cal.hours = hours
	if cfg.BankHolidays != "" {
		raw, _, ok, err := st.getState(ctx, holidaysKey)
		if err != nil {
			return cal, err
		}
		if ok {
			days, err := parseBankHolidays([]byte(raw), cfg.BankHolidays)
			if err != nil {
				return cal, err
			}
			for d, title := range days {
				cal.closed[d] = title
			}
			cal.holidays = true
		}
	}
	for _, d := range cfg.ClosedDays {
		cal.closed[d] = "closed"
	}
	return cal, nil
}

func median(xs []float64) string {
	if len(xs) == 0 {
		return ""
	}
	sort.Float64s(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return strconv.FormatFloat(m, 'f', 0, 64)
}

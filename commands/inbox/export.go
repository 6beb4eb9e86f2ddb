package inbox

import (
	"context"
	"database/sql"
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
	// Location formats times (default UTC).
	Location *time.Location
}

// Export writes the inbox's tickets as CSV for the council's records: the
// number, desk, state, times, minutes to the first reply and to closing,
// message counts and the staff member holding it. It holds no resident's
// name, number or words.
func Export(ctx context.Context, db bot.DB, w io.Writer, opts ExportOptions) error {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	rows, err := db.QueryContext(ctx, `SELECT t.number, t.desk, t.state, t.opened_at, t.first_reply_at, t.closed_at, t.closed_by,
		t.assignee_name,
		(SELECT COUNT(*) FROM inbox_messages m WHERE m.ticket_id = t.id AND m.direction = 'in'),
		(SELECT COUNT(*) FROM inbox_messages m WHERE m.ticket_id = t.id AND m.direction = 'out')
		FROM inbox_tickets t WHERE t.number IS NOT NULL ORDER BY t.number`)
	if err != nil {
		return fmt.Errorf("export tickets: %w", err)
	}
	defer rows.Close()
	type row struct {
		number                  int64
		desk, state, by, holder string
		opened, replied, closed time.Time
		in, out                 int
	}
	var all []row
	for rows.Next() {
		var r row
		var opened, replied, closed sql.NullInt64
		if err := rows.Scan(&r.number, &r.desk, &r.state, &opened, &replied, &closed, &r.by, &r.holder, &r.in, &r.out); err != nil {
			return fmt.Errorf("export tickets: %w", err)
		}
		r.opened, r.replied, r.closed = fromMS(opened), fromMS(replied), fromMS(closed)
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export tickets: %w", err)
	}
	cw := csv.NewWriter(w)
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	minutes := func(from, to time.Time) string {
		if from.IsZero() || to.IsZero() {
			return ""
		}
		return strconv.FormatInt(int64(to.Sub(from)/time.Minute), 10)
	}
	if !opts.ByDesk {
		cw.Write([]string{"ticket", "desk", "state", "opened_at", "first_reply_at", "minutes_to_first_reply", "closed_at",
			"minutes_to_close", "closed_by", "messages_in", "replies_out", "assignee"})
		for _, r := range all {
			cw.Write([]string{"C" + strconv.FormatInt(r.number, 10), r.desk, r.state, stamp(r.opened), stamp(r.replied),
				minutes(r.opened, r.replied), stamp(r.closed), minutes(r.opened, r.closed), r.by,
				strconv.Itoa(r.in), strconv.Itoa(r.out), r.holder})
		}
		cw.Flush()
		return cw.Error()
	}
	type sum struct {
		tickets, open, closed, answered int
		toReply, toClose                []float64
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
		}
		if !r.closed.IsZero() {
			s.toClose = append(s.toClose, r.closed.Sub(r.opened).Minutes())
		}
	}
	desks := make([]string, 0, len(by))
	for d := range by {
		desks = append(desks, d)
	}
	sort.Strings(desks)
	cw.Write([]string{"desk", "tickets", "open", "closed", "answered", "median_minutes_to_first_reply", "median_minutes_to_close"})
	for _, d := range desks {
		s := by[d]
		cw.Write([]string{d, strconv.Itoa(s.tickets), strconv.Itoa(s.open), strconv.Itoa(s.closed), strconv.Itoa(s.answered),
			median(s.toReply), median(s.toClose)})
	}
	cw.Flush()
	return cw.Error()
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

package potholes

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// The staff page's reads (web/faults.go): lists with filters and pages,
// the pins for its map, a report's photos.

// faultFilter is FaultQuery resolved for SQL: the groups an area chose
// (nil for every group; empty for none).
type faultFilter struct {
	Category string
	State    string
	Chats    []bot.ChatID
}

// where is the filter's WHERE clause (with its leading " WHERE ") and
// arguments.
func (q faultFilter) where() (string, []any) {
	var conds []string
	var args []any
	if q.Category != "" {
		conds, args = append(conds, "r.category = ?"), append(args, q.Category)
	}
	switch q.State {
	case "":
	case stateUnresolved, stateResolved:
		var marks []string
		for _, st := range allStatuses {
			if st.Resolved() == (q.State == stateResolved) {
				marks, args = append(marks, "?"), append(args, string(st))
			}
		}
		conds = append(conds, "r.status IN ("+strings.Join(marks, ",")+")")
	default:
		conds, args = append(conds, "r.status = ?"), append(args, q.State)
	}
	if q.Chats != nil {
		if len(q.Chats) == 0 {
			conds = append(conds, "1 = 0") // no group: nothing (a bare 0 is no boolean on PostgreSQL)
		} else {
			marks := strings.TrimSuffix(strings.Repeat("?,", len(q.Chats)), ",")
			for _, c := range q.Chats {
				args = append(args, string(c))
			}
			conds = append(conds, "r.chat IN ("+marks+")")
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// faultRow is a report with the address it was last emailed to ("" when
// it never was).
type faultRow struct {
	Report
	EmailedDetail string
}

// faultPage loads one page of reports, newest first, and how many match.
func (s store) faultPage(ctx context.Context, q faultFilter, offset, limit int) ([]faultRow, int, error) {
	where, args := q.where()
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_reports r`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count faults: %w", err)
	}
	// The page's ids first, then their columns: the counted columns are
	// subqueries, worked out for the page's rows only rather than for
	// every matching report before the sort.
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportColumns+`,
		COALESCE((SELECT e.detail FROM pothole_events e WHERE e.report_id = r.id AND e.kind = ? ORDER BY e.at DESC, e.id DESC LIMIT 1), '')
		FROM pothole_reports r WHERE r.id IN (SELECT r.id FROM pothole_reports r`+where+` ORDER BY r.id DESC LIMIT ? OFFSET ?)
		ORDER BY r.id DESC`,
		append(append([]any{emailedEvent}, args...), limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list faults: %w", err)
	}
	out, err := sqlkit.ScanAll(rows, func(sc sqlkit.Scanner) (faultRow, error) {
		var fr faultRow
		r, err := scanReport(withExtra{sc, &fr.EmailedDetail})
		if err != nil {
			return faultRow{}, fmt.Errorf("scan fault: %w", err)
		}
		fr.Report = r
		return fr, nil
	})
	return out, total, err
}

// withExtra scans one more column after a report's.
type withExtra struct {
	sc    sqlkit.Scanner
	extra any
}

func (w withExtra) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.extra)...) }

// FaultPin is one report on the staff page's map.
type FaultPin struct {
	ID        int64
	Category  string
	Status    Status
	Lat, Long float64
}

// faultPins lists up to limit pinned reports matching q, newest first.
func (s store) faultPins(ctx context.Context, q faultFilter, limit int) ([]FaultPin, error) {
	where, args := q.where()
	if where == "" {
		where = " WHERE r.has_location = 1"
	} else {
		where += " AND r.has_location = 1"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.category, r.status, r.lat, r.long FROM pothole_reports r`+where+
		` ORDER BY r.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list pins: %w", err)
	}
	return sqlkit.ScanAll(rows, func(sc sqlkit.Scanner) (FaultPin, error) {
		var p FaultPin
		var st string
		if err := sc.Scan(&p.ID, &p.Category, &st, &p.Lat, &p.Long); err != nil {
			return FaultPin{}, fmt.Errorf("scan pin: %w", err)
		}
		p.Status = Status(st)
		return p, nil
	})
}

// photoFiles lists a report's photo files, in the order they were added.
func (s store) photoFiles(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT file FROM pothole_photos WHERE report_id = ? ORDER BY added_at, sha256`, id)
	if err != nil {
		return nil, fmt.Errorf("list photos: %w", err)
	}
	return sqlkit.ScanAll(rows, func(sc sqlkit.Scanner) (string, error) {
		var f string
		err := sc.Scan(&f)
		return f, err
	})
}

// hasPhotoFile reports whether file is one of report id's photos.
func (s store) hasPhotoFile(ctx context.Context, id int64, file string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_photos WHERE report_id = ? AND file = ?`, id, file).Scan(&n); err != nil {
		return false, fmt.Errorf("check photo: %w", err)
	}
	return n > 0, nil
}

// usedCategories lists the categories reports were filed in.
func (s store) usedCategories(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT category FROM pothole_reports ORDER BY category`)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	return sqlkit.ScanAll(rows, func(sc sqlkit.Scanner) (string, error) {
		var c string
		err := sc.Scan(&c)
		return c, err
	})
}

// reportChats lists the groups that have reports.
func (s store) reportChats(ctx context.Context) ([]bot.ChatID, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT chat FROM pothole_reports`)
	if err != nil {
		return nil, fmt.Errorf("list report groups: %w", err)
	}
	return sqlkit.ScanAll(rows, func(sc sqlkit.Scanner) (bot.ChatID, error) {
		var c string
		err := sc.Scan(&c)
		return bot.ChatID(c), err
	})
}

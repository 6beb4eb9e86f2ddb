package potholes

import (
	"context"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"strings"
	"time"

	"neighbourbot/bot"
)

// unresolvedMarks is the SQL list of the statuses still open in some form,
// with its arguments.
func unresolvedMarks() (string, []any) {
	var marks []string
	var args []any
	for _, st := range allStatuses {
		if !st.Resolved() {
			marks, args = append(marks, "?"), append(args, string(st))
		}
	}
	return "(" + strings.Join(marks, ",") + ")", args
}

// indexReport stores a report's pin cell and description keys, within the
// unit of work that files it (or first looks it up).
func indexReport(ctx context.Context, tx bot.Tx, id int64, chat bot.ChatID, r Report) error {
	if r.HasLocation {
		y, x := cellOf(r.Lat, r.Long)
		if _, err := tx.ExecContext(ctx, `UPDATE pothole_reports SET cell_y = ?, cell_x = ? WHERE id = ?`, y, x, id); err != nil {
			return fmt.Errorf("index pin: %w", err)
		}
	}
	for _, k := range indexKeys(r.Description, r.Category) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pothole_words (chat, category, key, report_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			string(chat), r.Category, k, id); err != nil {
			return fmt.Errorf("index words: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pothole_reports SET words_indexed = 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("index words: %w", err)
	}
	return nil
}

// indexPending indexes the group's reports of a category filed before the
// index existed. After the first lookup there are none, and the partial
// index makes asking cheap.
func (s store) indexPending(ctx context.Context, chat bot.ChatID, category string) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, description, has_location, lat, long FROM pothole_reports
		WHERE chat = ? AND category = ? AND words_indexed = 0`, string(chat), category)
	if err != nil {
		return fmt.Errorf("reports to index: %w", err)
	}
	pending, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Report, error) {
		r := Report{Category: category}
		err := rows.Scan(&r.ID, &r.Description, &r.HasLocation, &r.Lat, &r.Long)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("reports to index: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index reports: %w", err)
	}
	defer tx.Rollback()
	for _, r := range pending {
		if err := indexReport(ctx, tx, r.ID, chat, r); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index reports: %w", err)
	}
	return nil
}

// nearby loads the group's open, pinned reports of a category in the
// given cells, newest first.
func (s store) nearby(ctx context.Context, chat bot.ChatID, category string, y0, y1, x0, x1 int64) ([]Report, error) {
	marks, args := unresolvedMarks()
	q := `SELECT ` + reportColumns + ` FROM pothole_reports r
		WHERE r.chat = ? AND r.category = ? AND r.cell_y BETWEEN ? AND ? AND r.cell_x BETWEEN ? AND ?
		AND r.has_location = 1 AND r.status IN ` + marks + ` ORDER BY r.id DESC LIMIT ?`
	return s.reportList(ctx, "nearby reports", q, append([]any{string(chat), category, y0, y1, x0, x1}, append(args, maxIndexCandidates)...)...)
}

// byWords loads the group's open reports of a category stored under any
// of keys, newest first; only unpinned ones when unpinnedOnly.
func (s store) byWords(ctx context.Context, chat bot.ChatID, category string, keys []string, unpinnedOnly bool) ([]Report, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	marks, statusArgs := unresolvedMarks()
	// Each key gives its newest reports only, so a word that many reports
	// share ("12" in a street of fifty reports about no. 12) costs no more
	// than a rare one: one index seek per key, at most perKeyCandidates rows.
	branch := `SELECT report_id FROM (SELECT report_id FROM pothole_words
		WHERE chat = ? AND category = ? AND key = ? ORDER BY report_id DESC LIMIT ?) AS newest`
	branches := make([]string, len(keys))
	var args []any
	for i, k := range keys {
		branches[i] = branch
		args = append(args, string(chat), category, k, perKeyCandidates)
	}
	q := `SELECT ` + reportColumns + ` FROM pothole_reports r
		WHERE r.id IN (` + strings.Join(branches, " UNION ") + `)
		AND r.status IN ` + marks
	if unpinnedOnly {
		q += ` AND r.has_location = 0`
	}
	q += ` ORDER BY r.id DESC LIMIT ?`
	return s.reportList(ctx, "reports by words", q, append(append(args, statusArgs...), maxIndexCandidates)...)
}

func (s store) reportList(ctx context.Context, what, q string, args ...any) ([]Report, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Report, error) {
		r, err := scanReport(rows)
		if err != nil {
			return Report{}, fmt.Errorf("%s: %w", what, err)
		}
		return r, nil
	})
}

// latestUnpinned loads the person's newest open report in the group filed
// since since without a location; bot.ErrNotFound when there is none.
func (s store) latestUnpinned(ctx context.Context, chat bot.ChatID, person int64, since time.Time) (Report, error) {
	marks, args := unresolvedMarks()
	list, err := s.reportList(ctx, "latest unpinned report", `SELECT `+reportColumns+` FROM pothole_reports r
		WHERE r.chat = ? AND r.reporter_id = ? AND r.created_at >= ? AND r.status IN `+marks+`
		ORDER BY r.id DESC LIMIT 1`, append([]any{string(chat), person, sqlkit.Millis(since)}, args...)...)
	if err != nil {
		return Report{}, err
	}
	if len(list) == 0 || list[0].HasLocation {
		return Report{}, bot.ErrNotFound
	}
	return list[0], nil
}

// setLocation writes a report's pin, its grid cell and a history line.
func (s store) setLocation(ctx context.Context, r Report, ev event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set location: %w", err)
	}
	defer tx.Rollback()
	y, x := cellOf(r.Lat, r.Long)
	if _, err := tx.ExecContext(ctx, `UPDATE pothole_reports SET has_location = 1, lat = ?, long = ?, cell_y = ?, cell_x = ?, updated_at = ?
		WHERE id = ?`, r.Lat, r.Long, y, x, sqlkit.Millis(r.Updated), r.ID); err != nil {
		return fmt.Errorf("set location: %w", err)
	}
	if err := insertEvents(ctx, tx, r.ID, ev); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set location: %w", err)
	}
	return nil
}

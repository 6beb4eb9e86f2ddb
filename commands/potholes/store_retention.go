package potholes

import (
	"context"
	"fmt"
	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
	"time"
)

// purgeClosed deletes the reports PurgeClosed describes in one transaction
// and returns the rows deleted and the photos those reports had.
func (s store) purgeClosed(ctx context.Context, before time.Time) (int64, []purgedPhoto, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("purge resolved reports: %w", err)
	}
	defer tx.Rollback()
	cutoff := sqlkit.Millis(before)
	// A report named as duplicate_of by another is not deleted while that
	// one remains (the link has no ON DELETE); deleting in rounds, each
	// taking only reports nothing points at, clears a purgeable duplicate
	// before its purgeable original.
	candidates := `SELECT id FROM pothole_reports r
		WHERE r.status IN (?, ?, ?, ?) AND r.updated_at < ?
		AND NOT EXISTS (SELECT 1 FROM pothole_events e WHERE e.report_id = r.id AND e.at >= ?)
		AND NOT EXISTS (SELECT 1 FROM pothole_confirmations c WHERE c.report_id = r.id AND c.at >= ?)
		AND NOT EXISTS (SELECT 1 FROM pothole_photos p WHERE p.report_id = r.id AND p.added_at >= ?)
		AND NOT EXISTS (SELECT 1 FROM pothole_reports d WHERE d.duplicate_of = r.id)
		ORDER BY id`
	args := []any{string(StatusFixed), string(StatusClosed), string(StatusDuplicate), string(StatusNotResponsible), cutoff, cutoff, cutoff, cutoff}
	var total int64
	var photos []purgedPhoto
	for {
		ids, err := queryIDs(ctx, tx, candidates, args...)
		if err != nil {
			return 0, nil, fmt.Errorf("find resolved reports: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			p, err := reportPhotos(ctx, tx, id)
			if err != nil {
				return 0, nil, err
			}
			photos = append(photos, p...)
			// Children first, explicitly rather than by cascade, so they
			// are counted.
			for _, q := range []string{
				`DELETE FROM pothole_confirmations WHERE report_id = ?`,
				`DELETE FROM pothole_events WHERE report_id = ?`,
				`DELETE FROM pothole_photos WHERE report_id = ?`,
				`DELETE FROM pothole_reports WHERE id = ?`,
			} {
				res, err := tx.ExecContext(ctx, q, id)
				if err != nil {
					return 0, nil, fmt.Errorf("purge report P%d: %w", id, err)
				}
				n, err := res.RowsAffected()
				if err != nil {
					return 0, nil, fmt.Errorf("purge report P%d: %w", id, err)
				}
				total += n
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, fmt.Errorf("purge resolved reports: %w", err)
	}
	return total, photos, nil
}

func queryIDs(ctx context.Context, tx bot.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (int64, error) {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		return id, nil
	})
}

func reportPhotos(ctx context.Context, tx bot.Tx, id int64) ([]purgedPhoto, error) {
	rows, err := tx.QueryContext(ctx, `SELECT sha256, file FROM pothole_photos WHERE report_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("photos of P%d: %w", id, err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (purgedPhoto, error) {
		var p purgedPhoto
		if err := rows.Scan(&p.sha256, &p.file); err != nil {
			return purgedPhoto{}, fmt.Errorf("photos of P%d: %w", id, err)
		}
		return p, nil
	})
}

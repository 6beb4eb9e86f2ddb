package potholes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"neighbourbot/bot"
	"os"
	"path/filepath"
	"time"
)

// PurgeClosed deletes reports in a final state (fixed, closed, duplicate,
// not the council's responsibility) whose last change — the report itself,
// a history line, a confirmation or a photo — is before the cutoff, with
// their confirmations, history and photo rows; the send attempts live on
// the report row. A photo file goes too once no remaining report has the
// same picture. Open reports, and resolved ones a remaining report still
// names as the original of a duplicate, are kept. Any of the report's jobs
// still pending find it gone and do nothing.
func (d dataProvider) PurgeClosed(ctx context.Context, before time.Time) (int64, error) {
	n, photos, err := d.f.store.purgeClosed(ctx, before)
	if err != nil {
		return 0, err
	}
	return n, d.f.removeUnusedPhotos(ctx, photos)
}

// purgedPhoto is a photo row of a purged report.
type purgedPhoto struct{ sha256, file string }

// purgeClosed deletes the reports PurgeClosed describes in one transaction
// and returns the rows deleted and the photos those reports had.
func (s store) purgeClosed(ctx context.Context, before time.Time) (int64, []purgedPhoto, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("purge resolved reports: %w", err)
	}
	defer tx.Rollback()
	cutoff := ms(before)
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
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func reportPhotos(ctx context.Context, tx bot.Tx, id int64) ([]purgedPhoto, error) {
	rows, err := tx.QueryContext(ctx, `SELECT sha256, file FROM pothole_photos WHERE report_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("photos of P%d: %w", id, err)
	}
	defer rows.Close()
	var out []purgedPhoto
	for rows.Next() {
		var p purgedPhoto
		if err := rows.Scan(&p.sha256, &p.file); err != nil {
			return nil, fmt.Errorf("photos of P%d: %w", id, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// removeUnusedPhotos deletes the files of purged photos that no remaining
// report or held attempt uses (the same picture may be attached to several
// reports). It runs after the purge has committed, so a file is never
// missing for a row that stays; a file that cannot be removed is reported,
// not retried.
func (f *Feature) removeUnusedPhotos(ctx context.Context, photos []purgedPhoto) error {
	var errs []error
	done := map[string]bool{}
	for _, p := range photos {
		if done[p.file] {
			continue
		}
		done[p.file] = true
		var used int
		if err := f.store.db.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM pothole_photos WHERE sha256 = ? OR file = ?) +
			(SELECT COUNT(*) FROM pothole_held_attempts WHERE photo_sha256 = ? OR photo_file = ?)`,
			p.sha256, p.file, p.sha256, p.file).Scan(&used); err != nil {
			errs = append(errs, fmt.Errorf("check photo %s: %w", p.file, err))
			continue
		}
		if used > 0 {
			continue
		}
		// The name is ours (hash and extension), but never let a stored
		// name reach outside the photos directory.
		path := filepath.Join(f.deps.PhotoDir, filepath.Base(p.file))
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove photo: %w", err))
		}
	}
	return errors.Join(errs...)
}

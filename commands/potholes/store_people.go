package potholes

import (
	"context"
	"fmt"
	"time"

	"neighbourbot/bot/sqlkit"
)

// personReport is a report as a person's own data shows it.
type personReport struct {
	id                    int64
	category, description string
	created               time.Time
}

// reportsBy lists the reports a person made, oldest first.
func (s store) reportsBy(ctx context.Context, person int64) ([]personReport, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, category, description, created_at FROM pothole_reports
		WHERE reporter_id = ? ORDER BY id`, person)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	out, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (personReport, error) {
		var p personReport
		err := r.Scan(&p.id, &p.category, &p.description, sqlkit.TimeCol(&p.created))
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan report: %w", err)
	}
	return out, nil
}

// personCounts is how much else the feature holds that a person did.
type personCounts struct {
	confirmed, photos, claims, answered int
	held, expired                       int // held attempts kept, and noted as expired
}

// personCounts counts a person's confirmations, photos, fix claims, council
// answers and held attempts.
func (s store) personCounts(ctx context.Context, person int64) (personCounts, error) {
	var c personCounts
	if err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM pothole_confirmations WHERE person_id = ?),
		(SELECT COUNT(*) FROM pothole_photos WHERE added_by = ?),
		(SELECT COUNT(*) FROM pothole_reports WHERE fix_claim_by = ?)`, person, person, person).Scan(&c.confirmed, &c.photos, &c.claims); err != nil {
		return c, fmt.Errorf("count confirmations: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_events WHERE actor_id = ? AND kind = ?`, person, councilAnswerEvent).Scan(&c.answered); err != nil {
		return c, fmt.Errorf("count answers: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE expired = 0), COUNT(*) FILTER (WHERE expired = 1)
		FROM pothole_held_attempts WHERE person_id = ?`, person).Scan(&c.held, &c.expired); err != nil {
		return c, fmt.Errorf("count held attempts: %w", err)
	}
	return c, nil
}

// forgetPerson unlinks a person from every report, confirmation, photo,
// claim and history line (they stay, for the street) and deletes their held
// attempts, in one transaction. It returns the reports and confirmations
// kept without their name and the photos of the deleted attempts.
func (s store) forgetPerson(ctx context.Context, person int64) (reports, confirmations int64, heldPhotos []purgedPhoto, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var counts [5]int64
	for i, q := range []string{
		`UPDATE pothole_reports SET reporter_id = NULL WHERE reporter_id = ?`,
		`UPDATE pothole_confirmations SET person_id = NULL WHERE person_id = ?`,
		`UPDATE pothole_photos SET added_by = NULL WHERE added_by = ?`,
		`UPDATE pothole_reports SET fix_claim_by = NULL WHERE fix_claim_by = ?`,
		`UPDATE pothole_events SET actor_id = NULL WHERE actor_id = ?`,
	} {
		res, err := tx.ExecContext(ctx, q, person)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("anonymise: %w", err)
		}
		counts[i], _ = res.RowsAffected()
	}
	// A held attempt is only the person's: it goes, not kept anonymised.
	heldPhotos, err = deleteHeldAttempts(ctx, tx, `person_id = ?`, person)
	if err != nil {
		return 0, 0, nil, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, nil, fmt.Errorf("commit: %w", err)
	}
	return counts[0], counts[1], heldPhotos, nil
}

// photoUses counts the remaining reports and held attempts that use a
// photo's picture or file.
func (s store) photoUses(ctx context.Context, p purgedPhoto) (int, error) {
	var used int
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM pothole_photos WHERE sha256 = ? OR file = ?) +
		(SELECT COUNT(*) FROM pothole_held_attempts WHERE photo_sha256 = ? OR photo_file = ?)`,
		p.sha256, p.file, p.sha256, p.file).Scan(&used)
	return used, err
}

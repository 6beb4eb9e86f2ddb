package potholes

import (
	"context"
	"fmt"

	"neighbourbot/bot"
)

// dataProvider shows and erases what the feature holds about a person.
// Forgetting keeps the reports (they describe the street, not the person)
// but removes every link to the person: reporter, confirmations, photos
// added and history lines.
type dataProvider struct{ f *Feature }

func (d dataProvider) DataName() string { return "Street reports" }

func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	db := d.f.store.db
	var lines []string
	rows, err := db.QueryContext(ctx, `SELECT id, category, description, created_at FROM pothole_reports
		WHERE reporter_id = ? ORDER BY id`, person)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, created int64
		var cat, desc string
		if err := rows.Scan(&id, &cat, &desc, &created); err != nil {
			return nil, fmt.Errorf("scan report: %w", err)
		}
		lines = append(lines, fmt.Sprintf("You reported P%d (%s: %s) on %s.", id, cat, bot.Truncate(desc, 60),
			fromMS(created).In(d.f.deps.Location).Format("2 Jan 2006")))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var confirmed, photos, claims int
	if err := db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM pothole_confirmations WHERE person_id = ?),
		(SELECT COUNT(*) FROM pothole_photos WHERE added_by = ?),
		(SELECT COUNT(*) FROM pothole_reports WHERE fix_claim_by = ?)`, person, person, person).Scan(&confirmed, &photos, &claims); err != nil {
		return nil, fmt.Errorf("count confirmations: %w", err)
	}
	if confirmed > 0 {
		lines = append(lines, fmt.Sprintf("You confirmed %s made by neighbours.", bot.Count(confirmed, "report")))
	}
	if photos > 0 {
		lines = append(lines, fmt.Sprintf("You added %s to reports.", bot.Count(photos, "photo")))
	}
	var answered int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_events WHERE actor_id = ? AND kind = ?`, person, councilAnswerEvent).Scan(&answered); err != nil {
		return nil, fmt.Errorf("count answers: %w", err)
	}
	if answered > 0 {
		lines = append(lines, fmt.Sprintf("You answered %s from the council about reports (the answers stay with the reports; %s unlinks them from you).",
			bot.Count(answered, "question"), d.f.prefix+"forgetme"))
	}
	if claims > 0 {
		if claims == 1 {
			lines = append(lines, "You said 1 report was fixed; it is waiting for a second neighbour to confirm.")
		} else {
			lines = append(lines, fmt.Sprintf("You said %d reports were fixed; they are waiting for a second neighbour to confirm.", claims))
		}
	}
	var held, expired int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE expired = 0), COUNT(*) FILTER (WHERE expired = 1)
		FROM pothole_held_attempts WHERE person_id = ?`, person).Scan(&held, &expired); err != nil {
		return nil, fmt.Errorf("count held attempts: %w", err)
	}
	if expired > 0 {
		lines = append(lines, fmt.Sprintf("For a day after a held pin or photo is deleted I note only that you had sent one (%d now), so %spothole new can say it wasn't kept.",
			expired, d.f.prefix))
	}
	keep := bot.FormatDuration(heldAttemptFor)
	switch {
	case held == 1:
		lines = append(lines, fmt.Sprintf("You sent a location pin or photo with a report that looked already reported; I keep it for up to %s so %spothole new can use it, then delete it.",
			keep, d.f.prefix))
	case held > 1:
		lines = append(lines, fmt.Sprintf("You sent location pins or photos with %d reports that looked already reported; I keep each for up to %s so %spothole new can use them, then delete them.",
			held, keep, d.f.prefix))
	}
	return lines, nil
}

func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	tx, err := d.f.store.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("begin: %w", err)
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
			return "", fmt.Errorf("anonymise: %w", err)
		}
		counts[i], _ = res.RowsAffected()
	}
	// A held attempt is only the person's: it goes, not kept anonymised.
	heldPhotos, err := deleteHeldAttempts(ctx, tx, `person_id = ?`, person)
	if err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	if err := d.f.removeUnusedPhotos(ctx, heldPhotos); err != nil {
		d.f.log().Warn("remove photos of forgotten held attempts", bot.KeyErr, err)
	}
	return fmt.Sprintf("%s and %s kept for the street without your name",
		bot.Count(int(counts[0]), "report"), bot.Count(int(counts[1]), "confirmation")), nil
}

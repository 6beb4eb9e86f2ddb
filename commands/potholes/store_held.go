package potholes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"

	"neighbourbot/bot"
)

const heldAttemptColumns = `chat, person_id, category, held_at, has_location, lat, long,
	photo_sha256, photo_file, photo_size, photo_problem`

// expireHeldAttempt turns the person's attempt held at heldAt into an
// expired marker and returns its photo, for removal.
func (s store) expireHeldAttempt(ctx context.Context, chat bot.ChatID, person, heldAt int64) ([]purgedPhoto, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("expire held attempt: %w", err)
	}
	defer tx.Rollback()
	var photos []purgedPhoto
	var p purgedPhoto
	err = tx.QueryRowContext(ctx, `SELECT photo_sha256, photo_file FROM pothole_held_attempts
		WHERE chat = ? AND person_id = ? AND held_at = ? AND expired = 0 AND photo_file != ''`, string(chat), person, heldAt).Scan(&p.sha256, &p.file)
	switch {
	case err == nil:
		photos = append(photos, p)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("expire held attempt: %w", err)
	}
	// A photo, kept or not, leaves "photo" as its problem on the marker.
	if _, err := tx.ExecContext(ctx, `UPDATE pothole_held_attempts SET expired = 1, has_location = 0,
		photo_problem = CASE WHEN photo_file != '' OR photo_problem != '' THEN 'photo' ELSE '' END,
		photo_sha256 = '', photo_file = '' WHERE chat = ? AND person_id = ? AND held_at = ? AND expired = 0`,
		string(chat), person, heldAt); err != nil {
		return nil, fmt.Errorf("expire held attempt: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("expire held attempt: %w", err)
	}
	return photos, nil
}

// holdAttempt stores a held attempt in place of the person's earlier one
// in the group and returns the earlier one's photo, for removal.
func (s store) holdAttempt(ctx context.Context, a heldAttempt) ([]purgedPhoto, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("hold attempt: %w", err)
	}
	defer tx.Rollback()
	replaced, err := deleteHeldAttempts(ctx, tx, `chat = ? AND person_id = ?`, a.Chat, a.PersonID)
	if err != nil {
		return nil, err
	}
	var sha, file string
	size := a.PhotoSize
	if a.Photo != nil {
		sha, file, size = a.Photo.SHA256, a.Photo.File, a.Photo.Size
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pothole_held_attempts (`+heldAttemptColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(a.Chat), a.PersonID, a.Category, sqlkit.Millis(a.HeldAt), sqlkit.Flag(a.HasLocation), a.Lat, a.Long,
		sha, file, size, a.PhotoProblem); err != nil {
		return nil, fmt.Errorf("hold attempt: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("hold attempt: %w", err)
	}
	return replaced, nil
}

// heldAttempt loads the person's held attempt in the group.
func (s store) heldAttempt(ctx context.Context, chat bot.ChatID, person int64) (heldAttempt, bool, error) {
	var a heldAttempt
	var chatText, sha, file, problem string
	var size int64
	var heldAt sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT `+heldAttemptColumns+`, expired FROM pothole_held_attempts
		WHERE chat = ? AND person_id = ?`, string(chat), person).Scan(
		&chatText, &a.PersonID, &a.Category, &heldAt, &a.HasLocation, &a.Lat, &a.Long, &sha, &file, &size, &problem, &a.Expired)
	if errors.Is(err, sql.ErrNoRows) {
		return heldAttempt{}, false, nil
	}
	if err != nil {
		return heldAttempt{}, false, fmt.Errorf("load held attempt: %w", err)
	}
	a.Chat, a.HeldAt, a.PhotoProblem = bot.ChatID(chatText), sqlkit.Time(heldAt), problem
	if a.Expired {
		a.HadPhoto, a.PhotoProblem = problem == "photo", ""
		return a, true, nil
	}
	if file != "" {
		a.Photo = &Photo{SHA256: sha, File: file, Size: size}
	} else {
		a.PhotoSize = size
	}
	return a, true, nil
}

// dropHeldAttempts deletes the held attempts matching where and returns
// their photos.
func (s store) dropHeldAttempts(ctx context.Context, where string, args ...any) ([]purgedPhoto, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("drop held attempts: %w", err)
	}
	defer tx.Rollback()
	photos, err := deleteHeldAttempts(ctx, tx, where, args...)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("drop held attempts: %w", err)
	}
	return photos, nil
}

// deleteHeldAttempts deletes held attempts within tx; where is one of this
// file's fixed conditions, never resident text.
func deleteHeldAttempts(ctx context.Context, tx bot.Tx, where string, args ...any) ([]purgedPhoto, error) {
	for i, a := range args {
		if c, ok := a.(bot.ChatID); ok {
			args[i] = string(c)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT photo_sha256, photo_file FROM pothole_held_attempts
		WHERE photo_file != '' AND `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("held attempt photos: %w", err)
	}
	photos, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (purgedPhoto, error) {
		var p purgedPhoto
		err := rows.Scan(&p.sha256, &p.file)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("held attempt photos: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pothole_held_attempts WHERE `+where, args...); err != nil {
		return nil, fmt.Errorf("drop held attempts: %w", err)
	}
	return photos, nil
}

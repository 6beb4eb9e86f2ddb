package inbox

import (
	"context"
	"fmt"
	"time"

	"neighbourbot/bot/sqlkit"
)

// residentMessages counts what a resident sent on a ticket: messages, and
// those with an attachment.
func (s *store) residentMessages(ctx context.Context, ticket int64) (n, media int, err error) {
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(NULLIF(media_kind, '')) FROM inbox_messages
		WHERE ticket_id = ? AND direction = 'in'`, ticket).Scan(&n, &media); err != nil {
		return 0, 0, fmt.Errorf("describe tickets: %w", err)
	}
	return n, media, nil
}

// staffWork counts the replies and internal notes a staff member wrote and
// the tickets they hold.
func (s *store) staffWork(ctx context.Context, person int64) (replies, held, notes int, err error) {
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM inbox_messages WHERE author_id = ? AND direction = 'out'),
		(SELECT COUNT(*) FROM inbox_tickets WHERE assignee_id = ?), (SELECT COUNT(*) FROM inbox_notes WHERE author_id = ?)`,
		person, person, person).Scan(&replies, &held, &notes); err != nil {
		return 0, 0, 0, fmt.Errorf("describe staff work: %w", err)
	}
	return replies, held, notes, nil
}

// ticketFiles lists the media files a ticket's messages refer to.
func (s *store) ticketFiles(ctx context.Context, ticket int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT media_file FROM inbox_messages WHERE ticket_id = ? AND media_file <> ''`, ticket)
	if err != nil {
		return nil, fmt.Errorf("forget tickets: %w", err)
	}
	files, err := sqlkit.ScanAll(rows, scanString)
	if err != nil {
		return nil, fmt.Errorf("forget tickets: %w", err)
	}
	return files, nil
}

func scanString(r sqlkit.Scanner) (string, error) {
	var v string
	err := r.Scan(&v)
	return v, err
}

// forgetPendingTicket deletes a ticket that never reached the council.
func (s *store) forgetPendingTicket(ctx context.Context, ticket int64) error {
	return s.exec(ctx, "forget pending ticket", `DELETE FROM inbox_tickets WHERE id = ?`, ticket)
}

// emptyTicket erases what the resident wrote and sent on a ticket, closes
// it for a former resident and drops its posts still waiting.
func (s *store) emptyTicket(ctx context.Context, ticket int64, now time.Time) error {
	if err := s.exec(ctx, "forget messages", `UPDATE inbox_messages SET text = '', media_kind = '', media_file = '', media_mime = '',
			media_name = '', media_size = 0, media_seconds = 0, media_voice = 0, lat = NULL, long = NULL, author_id = NULL, media_failed = ''
			WHERE ticket_id = ? AND direction = 'in'`, ticket); err != nil {
		return err
	}
	if err := s.exec(ctx, "forget ticket", `UPDATE inbox_tickets SET person_id = NULL, forgotten = 1, state = CASE WHEN state = 'open' THEN 'closed' ELSE state END,
			closed_at = COALESCE(closed_at, ?), closed_by = CASE WHEN closed_by = '' THEN 'resident' ELSE closed_by END WHERE id = ?`, sqlkit.Millis(now), ticket); err != nil {
		return err
	}
	return s.exec(ctx, "forget waiting posts", `DELETE FROM inbox_outbox WHERE ticket_id = ? AND kind = 'message'`, ticket)
}

// forgetStaffAndLimit drops a person's rate limit and replaces their name
// on the replies they wrote and the tickets they hold as staff; it returns
// the replies renamed.
func (s *store) forgetStaffAndLimit(ctx context.Context, person int64) (int64, error) {
	if err := s.exec(ctx, "forget limit", `DELETE FROM inbox_limits WHERE person_id = ?`, person); err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE inbox_messages SET author_name = 'a former staff member', author_id = NULL WHERE author_id = ? AND direction = 'out'`, person)
	if err != nil {
		return 0, fmt.Errorf("forget staff replies: %w", err)
	}
	replies, _ := res.RowsAffected()
	if err := s.exec(ctx, "forget assignments", `UPDATE inbox_tickets SET assignee_name = 'a former staff member', assignee_id = NULL WHERE assignee_id = ?`, person); err != nil {
		return 0, err
	}
	return replies, nil
}

// purgeTickets deletes closed tickets closed before cutoff and unsent ones
// created before staleBefore, with their messages, and posts not tied to a
// ticket posted before cutoff. It returns the tickets deleted and the media
// files their messages referred to.
func (s *store) purgeTickets(ctx context.Context, cutoff, staleBefore time.Time) (int64, []string, error) {
	const old = `SELECT id FROM inbox_tickets WHERE (state = 'closed' AND closed_at < ?) OR (number IS NULL AND created_at < ?)`
	args := []any{sqlkit.Millis(cutoff), sqlkit.Millis(staleBefore)}
	rows, err := s.db.QueryContext(ctx, `SELECT media_file FROM inbox_messages WHERE media_file <> '' AND ticket_id IN (`+old+`)`, args...)
	if err != nil {
		return 0, nil, fmt.Errorf("purge tickets: %w", err)
	}
	files, err := sqlkit.ScanAll(rows, scanString)
	if err != nil {
		return 0, nil, fmt.Errorf("purge tickets: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM inbox_tickets WHERE id IN (`+old+`)`, args...)
	if err != nil {
		return 0, nil, fmt.Errorf("purge tickets: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := s.exec(ctx, "purge posts", `DELETE FROM inbox_posts WHERE ticket_id IS NULL AND posted_at < ?`, sqlkit.Millis(cutoff)); err != nil {
		return 0, nil, err
	}
	return n, files, nil
}

// anyTickets reports whether the inbox holds any ticket at all.
func (s *store) anyTickets(ctx context.Context) (bool, error) {
	var held bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM inbox_tickets)`).Scan(&held)
	return held, err
}

// waitingPosts counts the posts waiting to go to the staff group and when
// the oldest was queued (the zero time when none).
func (s *store) waitingPosts(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest time.Time
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM inbox_outbox`).Scan(&n, sqlkit.TimeCol(&oldest)); err != nil {
		return 0, time.Time{}, fmt.Errorf("read waiting posts: %w", err)
	}
	return n, oldest, nil
}

// mediaUses counts the messages that refer to a media file.
func (s *store) mediaUses(ctx context.Context, file string) (int, error) {
	var used int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_messages WHERE media_file = ?`, file).Scan(&used); err != nil {
		return 0, fmt.Errorf("media in use: %w", err)
	}
	return used, nil
}

// firstResidentMessage is the id of a ticket's first message from the
// resident.
func (s *store) firstResidentMessage(ctx context.Context, ticket int64) (int64, error) {
	var first int64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(id) FROM inbox_messages WHERE ticket_id = ? AND direction = 'in'`, ticket).Scan(&first); err != nil {
		return 0, fmt.Errorf("first message: %w", err)
	}
	return first, nil
}

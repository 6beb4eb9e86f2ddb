package notices

import (
	"context"
	"fmt"
)

// What notices holds about one person, for !mydata, !forgetme and merging
// two records of one person.

// sentToPerson counts the notices sent to person by direct message.
func (s store) sentToPerson(ctx context.Context, person int64) (int, error) {
	var n int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_outbox WHERE person_id = ? AND state = 'sent'`, person).Scan(&n); err != nil {
		return 0, fmt.Errorf("count notices sent: %w", err)
	}
	return n, nil
}

// pollsVotedIn counts the open polls person has a current vote in.
func (s store) pollsVotedIn(ctx context.Context, person int64) (int, error) {
	var n int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(DISTINCT notice_id) FROM notice_poll_votes WHERE person_id = ?`, person).Scan(&n); err != nil {
		return 0, fmt.Errorf("count poll votes: %w", err)
	}
	return n, nil
}

// forgotten is what forgetPerson removed.
type forgotten struct {
	Subscriptions, Queued, Approvals int64
}

// forgetPerson deletes person's subscriptions, drops the notices still
// queued for them, and replaces their name (former) in the approvals they
// gave under key. Approvals stay, keyed by id, so a notice still waiting
// for a second approver keeps this one; only the name goes.
func (s store) forgetPerson(ctx context.Context, person int64, key, former string) (forgotten, error) {
	var f forgotten
	res, err := s.q().ExecContext(ctx, `DELETE FROM notice_subscriptions WHERE person_id = ?`, person)
	if err != nil {
		return f, fmt.Errorf("delete subscriptions: %w", err)
	}
	f.Subscriptions, _ = res.RowsAffected()
	res, err = s.q().ExecContext(ctx, `UPDATE notice_outbox SET state = 'dropped' WHERE person_id = ? AND state IN ('pending', 'digest')`, person)
	if err != nil {
		return f, fmt.Errorf("drop queued notices: %w", err)
	}
	f.Queued, _ = res.RowsAffected()
	res, err = s.q().ExecContext(ctx, `UPDATE notice_approvals SET approver_name = ? WHERE approver = ?`, former, key)
	if err != nil {
		return f, fmt.Errorf("anonymise approvals: %w", err)
	}
	f.Approvals, _ = res.RowsAffected()
	return f, nil
}

// forgetVotesAndComments deletes person's open poll choices and the
// comments still linked to them, and counts each.
func (s store) forgetVotesAndComments(ctx context.Context, person int64) (votes, comments int64, err error) {
	v, err := s.q().ExecContext(ctx, `DELETE FROM notice_poll_votes WHERE person_id = ?`, person)
	if err != nil {
		return 0, 0, fmt.Errorf("delete poll votes: %w", err)
	}
	c, err := s.q().ExecContext(ctx, `DELETE FROM notice_comments WHERE person_id = ?`, person)
	if err != nil {
		return 0, 0, fmt.Errorf("delete comments: %w", err)
	}
	votes, _ = v.RowsAffected()
	comments, _ = c.RowsAffected()
	return votes, comments, nil
}

// mergePerson moves the person:ID keys and targets of from onto into.
func (s store) mergePerson(ctx context.Context, from, into int64) error {
	oldKey, newKey := approverKey(from), approverKey(into)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		// An approval moves unless the other record approved the same
		// notice (what SQLite's UPDATE OR IGNORE did, written so that
		// PostgreSQL runs it too); the one left is deleted next.
		{`UPDATE notice_approvals SET approver = ? WHERE approver = ?
			AND NOT EXISTS (SELECT 1 FROM notice_approvals o WHERE o.notice_id = notice_approvals.notice_id AND o.approver = ?)`, []any{newKey, oldKey, newKey}},
		{`DELETE FROM notice_approvals WHERE approver = ?`, []any{oldKey}},
		{`UPDATE notices SET rejected_by = ? WHERE rejected_by = ?`, []any{newKey, oldKey}},
		// Where both records had the same notice queued, one delivery is
		// enough: the other is marked superseded.
		{`UPDATE notice_outbox SET target = ?, person_id = ? WHERE person_id = ?
			AND NOT EXISTS (SELECT 1 FROM notice_outbox o WHERE o.notice_id = notice_outbox.notice_id AND o.target = ?)`, []any{newKey, into, from, newKey}},
		{`UPDATE notice_outbox SET state = 'superseded', person_id = ? WHERE person_id = ? AND state IN ('pending', 'digest')`, []any{into, from}},
		// Rows that could not move (the same notice already reached the
		// other record) keep their history under the surviving id, so
		// !mydata counts them and !forgetme reaches them.
		{`UPDATE notice_outbox SET person_id = ? WHERE person_id = ?`, []any{into, from}},
	} {
		if _, err := s.q().ExecContext(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("merge notices records: %w", err)
		}
	}
	// The person:ID targets of private poll votes and poll chats
	// (person_id columns are moved by the core).
	oldTarget, newTarget := personTarget(from), personTarget(into)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE notice_poll_votes SET target = ? WHERE target = ?`, []any{newTarget, oldTarget}},
		{`UPDATE notice_poll_chats SET target = ? WHERE target = ?
			AND NOT EXISTS (SELECT 1 FROM notice_poll_chats o WHERE o.notice_id = notice_poll_chats.notice_id AND o.target = ?)`, []any{newTarget, oldTarget, newTarget}},
	} {
		if _, err := s.q().ExecContext(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("merge council records: %w", err)
		}
	}
	return nil
}

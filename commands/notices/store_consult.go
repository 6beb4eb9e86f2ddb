package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// Consultations and their comments. A comment keeps its author's id only
// while its consultation is open (so they can see and delete it); closing
// cuts that link.

// saveConsultation stores a new notice's consultation, in the notice's
// transaction.
func (s store) saveConsultation(ctx context.Context, n *Notice) error {
	if n.Consultation == nil {
		return nil
	}
	if _, err := s.q().ExecContext(ctx, `INSERT INTO notice_consultations (notice_id, question, link, closes_at, state, created_at) VALUES (?, ?, ?, ?, 'open', ?)`,
		n.ID, n.Title, n.Consultation.Link, sqlkit.Millis(n.Consultation.Closes), sqlkit.Millis(n.Received)); err != nil {
		return fmt.Errorf("save consultation: %w", err)
	}
	return nil
}

// startConsultation stores a group's own consultation and returns its id.
func (s store) startConsultation(ctx context.Context, chat bot.ChatID, question string, closes, now time.Time) (int64, error) {
	id, err := sqlkit.InsertID(ctx, s.q(), `INSERT INTO notice_consultations (chat, question, closes_at, state, created_at) VALUES (?, ?, ?, 'open', ?) RETURNING id`,
		string(chat), question, sqlkit.Millis(closes), sqlkit.Millis(now))
	if err != nil {
		return 0, fmt.Errorf("save consultation: %w", err)
	}
	return id, nil
}

const consultCols = `id, COALESCE(notice_id, 0), chat, question, link, closes_at, state, created_at`

func scanConsultation(sc sqlkit.Scanner) (*consultation, error) {
	c := &consultation{}
	if err := sc.Scan(&c.ID, &c.NoticeID, &c.Chat, &c.Question, &c.Link, sqlkit.TimeCol(&c.Closes), &c.State, sqlkit.TimeCol(&c.Created)); err != nil {
		return nil, fmt.Errorf("scan consultation: %w", err)
	}
	return c, nil
}

func (s store) consultationsWhere(ctx context.Context, where string, args ...any) ([]*consultation, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT `+consultCols+` FROM notice_consultations WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load consultations: %w", err)
	}
	return sqlkit.ScanAll(rows, scanConsultation)
}

// firstOf is the first consultation of list, or nil.
func firstOf(list []*consultation, err error) (*consultation, error) {
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// consultation loads consultation id; nil when there is none.
func (s store) consultation(ctx context.Context, id int64) (*consultation, error) {
	return firstOf(s.consultationsWhere(ctx, `id = ?`, id))
}

// consultationOf is the consultation notice carries; nil when none.
func (s store) consultationOf(ctx context.Context, notice int64) (*consultation, error) {
	return firstOf(s.consultationsWhere(ctx, `notice_id = ?`, notice))
}

// openConsultations lists every open consultation.
func (s store) openConsultations(ctx context.Context) ([]*consultation, error) {
	return s.consultationsWhere(ctx, `state = 'open'`)
}

// openConsultationsIn lists a group's own open consultations.
func (s store) openConsultationsIn(ctx context.Context, chat bot.ChatID) ([]*consultation, error) {
	return s.consultationsWhere(ctx, `chat = ? AND state = 'open'`, string(chat))
}

// allConsultations lists every consultation, newest first.
func (s store) allConsultations(ctx context.Context) ([]*consultation, error) {
	return s.consultationsWhere(ctx, `1 = 1 ORDER BY id DESC`)
}

// reachableConsultations lists the consultations taking comments at now
// that chat (outbox target target) can comment on: those whose notice was
// delivered there, and the chat's own.
func (s store) reachableConsultations(ctx context.Context, now time.Time, chat bot.ChatID, target string) ([]*consultation, error) {
	return s.consultationsWhere(ctx, `state = 'open' AND closes_at > ? AND (chat = ? OR notice_id IN
		(SELECT notice_id FROM notice_outbox WHERE target = ? AND state = 'sent')) ORDER BY id`, sqlkit.Millis(now), string(chat), target)
}

// quotedNotice is the notice whose message (or poll) msgID sent to target
// was; ok is false when it was none.
func (s store) quotedNotice(ctx context.Context, target, msgID string) (id int64, ok bool, err error) {
	err = s.q().QueryRowContext(ctx, `SELECT notice_id FROM notice_outbox WHERE target = ? AND msg_id = ? AND state = 'sent'
		UNION SELECT notice_id FROM notice_poll_chats WHERE target = ? AND poll_msg = ? AND poll_msg != '' LIMIT 1`,
		target, msgID, target, msgID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find quoted notice: %w", err)
	}
	return id, true, nil
}

// newComment is a comment to keep: by Person, counted under Scope (a
// group, or subscribersScope) and Area.
type newComment struct {
	Scope, Area string
	Person      int64
	Body        string
	At          time.Time
}

// commentAdded is what adding a comment did: its ID (0 when the author
// already had maxEach comments on it and nothing was kept), how many the
// author had before, and how many the consultation has now in its scope.
type commentAdded struct {
	ID         int64
	Mine, Here int
}

// addComment keeps m on consultation c unless its author already left
// maxEach there, in one transaction with the counts it reports.
func (s store) addComment(ctx context.Context, c *consultation, m newComment, maxEach int) (commentAdded, error) {
	var out commentAdded
	err := s.tx(ctx, func(tx bot.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ? AND person_id = ?`, c.ID, m.Person).Scan(&out.Mine); err != nil {
			return fmt.Errorf("count own comments: %w", err)
		}
		if out.Mine >= maxEach {
			return nil
		}
		id, err := sqlkit.InsertID(ctx, tx, `INSERT INTO notice_comments (consultation_id, scope, area, person_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			c.ID, m.Scope, m.Area, m.Person, m.Body, sqlkit.Millis(m.At))
		if err != nil {
			return fmt.Errorf("save comment: %w", err)
		}
		out.ID = id
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ? AND scope = ?`, c.ID, m.Scope).Scan(&out.Here); err != nil {
			return fmt.Errorf("count comments: %w", err)
		}
		return nil
	})
	return out, err
}

// commentsIn counts consultation id's comments from scope.
func (s store) commentsIn(ctx context.Context, id int64, scope string) (int, error) {
	var k int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ? AND scope = ?`, id, scope).Scan(&k); err != nil {
		return 0, fmt.Errorf("count comments: %w", err)
	}
	return k, nil
}

// commentCount counts all of consultation id's comments.
func (s store) commentCount(ctx context.Context, id int64) (int, error) {
	var k int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id = ?`, id).Scan(&k); err != nil {
		return 0, fmt.Errorf("count comments: %w", err)
	}
	return k, nil
}

// commentsByScope counts consultation id's comments per scope, and in all.
func (s store) commentsByScope(ctx context.Context, id int64) (map[string]int, int, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT scope, COUNT(*) FROM notice_comments WHERE consultation_id = ? GROUP BY scope ORDER BY scope`, id)
	if err != nil {
		return nil, 0, fmt.Errorf("count comments: %w", err)
	}
	list, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (scopeCount, error) {
		var c scopeCount
		if err := r.Scan(&c.scope, &c.n); err != nil {
			return c, fmt.Errorf("scan comment count: %w", err)
		}
		return c, nil
	})
	if err != nil {
		return nil, 0, err
	}
	counts, total := map[string]int{}, 0
	for _, c := range list {
		counts[c.scope] = c.n
		total += c.n
	}
	return counts, total, nil
}

type scopeCount struct {
	scope string
	n     int
}

// myComments lists the comments still linked to person, oldest first.
func (s store) myComments(ctx context.Context, person int64) ([]myComment, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT m.id, c.id, c.question, m.body, c.closes_at FROM notice_comments m
		JOIN notice_consultations c ON c.id = m.consultation_id WHERE m.person_id = ? ORDER BY m.id`, person)
	if err != nil {
		return nil, fmt.Errorf("load comments: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (myComment, error) {
		var m myComment
		if err := r.Scan(&m.ID, &m.Consultation, &m.Question, &m.Body, sqlkit.TimeCol(&m.Closes)); err != nil {
			return m, fmt.Errorf("scan comment: %w", err)
		}
		return m, nil
	})
}

// deleteComment deletes comment id if person wrote it and it is still
// linked to them; ok is false otherwise.
func (s store) deleteComment(ctx context.Context, id, person int64) (bool, error) {
	res, err := s.q().ExecContext(ctx, `DELETE FROM notice_comments WHERE id = ? AND person_id = ?`, id, person)
	if err != nil {
		return false, fmt.Errorf("delete comment: %w", err)
	}
	k, _ := res.RowsAffected()
	return k > 0, nil
}

// closeConsultation closes c and cuts its comments' link to their
// authors, auditing it against c's notice if it has one.
func (s store) closeConsultation(ctx context.Context, c *consultation, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notice_consultations SET state = 'closed' WHERE id = ? AND state = 'open'`, c.ID); err != nil {
			return fmt.Errorf("close consultation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notice_comments SET person_id = NULL WHERE consultation_id = ?`, c.ID); err != nil {
			return fmt.Errorf("unlink comments: %w", err)
		}
		if c.NoticeID != 0 {
			return audit(ctx, tx, AuditRecord{NoticeID: c.NoticeID, At: now, Event: "consultation_closed", Actor: "bot", Detail: "comments kept without any link to their authors"})
		}
		return nil
	})
}

// groupsSent lists the groups notice was sent to, in planning order.
func (s store) groupsSent(ctx context.Context, notice int64) ([]string, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT target FROM notice_outbox WHERE notice_id = ? AND state = 'sent' AND person_id IS NULL ORDER BY id`, notice)
	if err != nil {
		return nil, fmt.Errorf("consultation groups: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (string, error) {
		var t string
		err := r.Scan(&t)
		return t, err
	})
}

// storedComment is one comment as kept: no name, no number.
type storedComment struct {
	ID    int64
	At    time.Time
	Scope string
	Area  string
	Body  string
}

// comments lists consultation id's comments, oldest first.
func (s store) comments(ctx context.Context, id int64) ([]storedComment, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT id, created_at, scope, area, body FROM notice_comments WHERE consultation_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("load comments: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (storedComment, error) {
		var m storedComment
		if err := r.Scan(&m.ID, sqlkit.TimeCol(&m.At), &m.Scope, &m.Area, &m.Body); err != nil {
			return m, fmt.Errorf("scan comment: %w", err)
		}
		return m, nil
	})
}

// closeConsultationNow brings an open consultation's close forward to now
// (when it was later); ok says whether it did.
func (s store) closeConsultationNow(ctx context.Context, notice int64, now time.Time) (bool, error) {
	res, err := s.q().ExecContext(ctx, `UPDATE notice_consultations SET closes_at = ? WHERE notice_id = ? AND state = 'open' AND closes_at > ?`,
		sqlkit.Millis(now), notice, sqlkit.Millis(now))
	if err != nil {
		return false, fmt.Errorf("close cancelled consultation: %w", err)
	}
	k, _ := res.RowsAffected()
	return k > 0, nil
}

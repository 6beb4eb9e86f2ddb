package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// listFilter is the staff page's choice of tickets, as the store reads it.
type listFilter struct {
	desks    []string // nil: every desk
	state    string   // open, waiting, closed, or "" for all
	assignee int64    // a staff member's person id (0: anyone)
	nobody   bool     // only tickets with nobody on them
	openedTo time.Time
	text     string // words in a message, a note or the resident's name
	number   int64  // a ticket number asked for ("C12")
	after    int64  // keyset: numbers past this one
	oldest   bool   // oldest first (default newest first)
	limit    int
	viewer   int64 // whose read marks say "unread"
}

// listRow is one ticket of the list with the viewer's read mark.
type listRow struct {
	ticket
	seenInID int64
}

// where writes the filter's conditions and their arguments.
func (q listFilter) where() (string, []any) {
	conds := []string{"t.number IS NOT NULL"}
	var args []any
	switch q.state {
	case "open":
		conds = append(conds, "t.state = 'open' AND t.waiting_since IS NULL")
	case "waiting":
		conds = append(conds, "t.state = 'open' AND t.waiting_since IS NOT NULL")
	case "closed":
		conds = append(conds, "t.state = 'closed'")
	}
	if q.desks != nil {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.desks)), ", ")
		if len(q.desks) == 0 {
			marks = "NULL"
		}
		conds = append(conds, "t.desk IN ("+marks+")")
		for _, d := range q.desks {
			args = append(args, d)
		}
	}
	if q.assignee != 0 {
		conds, args = append(conds, "t.assignee_id = ?"), append(args, q.assignee)
	}
	if q.nobody {
		conds = append(conds, "t.assignee_id IS NULL AND t.assignee_name = ''")
	}
	if !q.openedTo.IsZero() {
		conds, args = append(conds, "t.opened_at <= ?"), append(args, sqlkit.Millis(q.openedTo))
	}
	if q.number != 0 {
		conds, args = append(conds, "t.number = ?"), append(args, q.number)
	}
	if q.text != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q.text) + "%"
		// One pass over the messages (and notes, and names) builds the
		// set of matching tickets: quicker than asking per ticket when
		// the words are rare.
		// lower() on both sides: SQLite's LIKE ignores case (in ASCII),
		// PostgreSQL's does not, and the search should on both.
		conds = append(conds, `(t.id IN (SELECT m.ticket_id FROM inbox_messages m WHERE lower(m.text) LIKE lower(?) ESCAPE '\')
			OR t.id IN (SELECT n.ticket_id FROM inbox_notes n WHERE lower(n.text) LIKE lower(?) ESCAPE '\')
			OR t.person_id IN (SELECT id FROM people WHERE lower(name) LIKE lower(?) ESCAPE '\'))`)
		args = append(args, like, like, like)
	}
	if q.after != 0 {
		if q.oldest {
			conds = append(conds, "t.number > ?")
		} else {
			conds = append(conds, "t.number < ?")
		}
		args = append(args, q.after)
	}
	return strings.Join(conds, " AND "), args
}

// listTickets reads a page of tickets, keyed by number.
func (s *store) listTickets(ctx context.Context, q listFilter) ([]listRow, error) {
	where, args := q.where()
	order := "DESC"
	if q.oldest {
		order = "ASC"
	}
	cols := "t." + strings.ReplaceAll(strings.ReplaceAll(ticketCols, "\n\t", " "), ", ", ", t.")
	query := `SELECT ` + cols + `, COALESCE(r.seen_in_id, 0) FROM inbox_tickets t
		LEFT JOIN inbox_reads r ON r.person_id = ? AND r.ticket_id = t.id
		WHERE ` + where + ` ORDER BY t.number ` + order + ` LIMIT ?`
	rows, err := s.db.QueryContext(ctx, query, append(append([]any{q.viewer}, args...), q.limit)...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (listRow, error) {
		var r listRow
		var seen int64
		t, err := scanTicket(scanTail{rows, &seen})
		if err != nil {
			return listRow{}, fmt.Errorf("list tickets: %w", err)
		}
		r.ticket, r.seenInID = t, seen
		return r, nil
	})
}

// scanTail scans a ticket's columns followed by extra ones.
type scanTail struct {
	r     sqlkit.Scanner
	extra *int64
}

func (s scanTail) Scan(dest ...any) error { return s.r.Scan(append(dest, s.extra)...) }

// countUnread counts the open tickets on desks (nil: all) with a message
// from the resident that viewer has not seen.
func (s *store) countUnread(ctx context.Context, desks []string, viewer int64) (int, error) {
	q := listFilter{desks: desks}
	where, args := q.where()
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_tickets t
		LEFT JOIN inbox_reads r ON r.person_id = ? AND r.ticket_id = t.id
		WHERE `+where+` AND t.state = 'open' AND t.last_in_id > COALESCE(r.seen_in_id, 0)`,
		append([]any{viewer}, args...)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unread tickets: %w", err)
	}
	return n, nil
}

// markRead records that viewer has seen the ticket's messages up to inID.
func (s *store) markRead(ctx context.Context, viewer, ticketID, inID int64) error {
	return s.exec(ctx, "mark ticket read", `INSERT INTO inbox_reads (person_id, ticket_id, seen_in_id) VALUES (?, ?, ?)
		ON CONFLICT (person_id, ticket_id) DO UPDATE SET seen_in_id = CASE WHEN excluded.seen_in_id > inbox_reads.seen_in_id
			THEN excluded.seen_in_id ELSE inbox_reads.seen_in_id END`, viewer, ticketID, inID)
}

// setWaiting marks an open ticket as waiting on the resident (at) or not
// (zero).
func (s *store) setWaiting(ctx context.Context, id int64, at time.Time) error {
	return s.exec(ctx, "waiting on the resident", `UPDATE inbox_tickets SET waiting_since = ? WHERE id = ?`, sqlkit.Millis(at), id)
}

// note is one internal note on a ticket.
type note struct {
	ID         int64
	At         time.Time
	AuthorID   int64
	AuthorName string
	Text       string
}

// addNote keeps an internal note; a key already used (the same form sent
// twice) adds nothing and reports false.
func (s *store) addNote(ctx context.Context, ticketID int64, n note, key string) (bool, error) {
	var k any
	if key != "" {
		k = key
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO inbox_notes (ticket_id, at, author_id, author_name, text, web_key) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (web_key) DO NOTHING`, ticketID, sqlkit.Millis(n.At), nullID(n.AuthorID), n.AuthorName, n.Text, k)
	if err != nil {
		return false, fmt.Errorf("add note: %w", err)
	}
	added, _ := res.RowsAffected()
	return added == 1, nil
}

func (s *store) notes(ctx context.Context, ticketID int64) ([]note, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, author_id, author_name, text FROM inbox_notes WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("load notes: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (note, error) {
		var n note
		var author sql.NullInt64
		err := rows.Scan(&n.ID, sqlkit.TimeCol(&n.At), &author, &n.AuthorName, &n.Text)
		n.AuthorID = author.Int64
		return n, err
	})
}

// replyByKey finds the reply sent from a staff page form with key.
func (s *store) replyByKey(ctx context.Context, key string) (message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageCols+` FROM inbox_messages WHERE web_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return message{}, bot.ErrNotFound
	}
	if err != nil {
		return message{}, fmt.Errorf("load reply: %w", err)
	}
	return m, nil
}

// repliesAfter lists the staff replies on a ticket after message id.
func (s *store) repliesAfter(ctx context.Context, ticketID, after int64) ([]message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM inbox_messages WHERE ticket_id = ? AND id > ? AND direction = 'out' ORDER BY id`, ticketID, after)
	if err != nil {
		return nil, fmt.Errorf("load replies: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (message, error) { return scanMessage(rows) })
}

// SavedReply is a reply staff keep for reuse: from [[inbox.answers]]
// (ID 0) or written on the staff page for a desk ("" for every desk).
type SavedReply struct {
	ID     int64
	Desk   string
	Title  string
	Text   string
	Author string
}

func (s *store) savedReplies(ctx context.Context) ([]SavedReply, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, desk, title, text, author_name FROM inbox_saved_replies ORDER BY title, id`)
	if err != nil {
		return nil, fmt.Errorf("load saved replies: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (SavedReply, error) {
		var r SavedReply
		err := rows.Scan(&r.ID, &r.Desk, &r.Title, &r.Text, &r.Author)
		return r, err
	})
}

func (s *store) addSavedReply(ctx context.Context, r SavedReply, at time.Time) error {
	return s.exec(ctx, "save reply", `INSERT INTO inbox_saved_replies (desk, title, text, author_name, created_at) VALUES (?, ?, ?, ?, ?)`,
		r.Desk, r.Title, r.Text, r.Author, sqlkit.Millis(at))
}

func (s *store) deleteSavedReply(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM inbox_saved_replies WHERE id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("delete saved reply: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s *store) savedReply(ctx context.Context, id int64) (SavedReply, error) {
	var r SavedReply
	err := s.db.QueryRowContext(ctx, `SELECT id, desk, title, text, author_name FROM inbox_saved_replies WHERE id = ?`, id).
		Scan(&r.ID, &r.Desk, &r.Title, &r.Text, &r.Author)
	if errors.Is(err, sql.ErrNoRows) {
		return SavedReply{}, bot.ErrNotFound
	}
	if err != nil {
		return SavedReply{}, fmt.Errorf("load saved reply: %w", err)
	}
	return r, nil
}

// version is the counter the inbox's triggers bump on every change.
func (s *store) version(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT n FROM inbox_version`).Scan(&n); err != nil {
		return 0, fmt.Errorf("inbox version: %w", err)
	}
	return n, nil
}

// forgetNotes deletes the internal notes of a ticket whose resident was
// forgotten: they are about that resident.
func (s *store) forgetNotes(ctx context.Context, ticketID int64) error {
	return s.exec(ctx, "forget notes", `DELETE FROM inbox_notes WHERE ticket_id = ?`, ticketID)
}

// forgetNoteAuthor replaces a staff member's name on the notes they wrote.
func (s *store) forgetNoteAuthor(ctx context.Context, person int64) error {
	return s.exec(ctx, "forget note authors", `UPDATE inbox_notes SET author_name = 'a former staff member', author_id = NULL WHERE author_id = ?`, person)
}

// activity is one audited event on a ticket.
type activity struct {
	At                            time.Time
	Actor, Action, Target, Detail string
}

// ticketActivity reads the audit log's events about ticket ref in chat
// between from and to, newest first: the audit keeps the ticket as the
// start of each entry's detail ("C12", "C12 · on the staff page"). The
// time range keeps the scan of the (chat, at) index to the ticket's life.
func (s *store) ticketActivity(ctx context.Context, chat bot.ChatID, ref string, from, to time.Time, limit int) ([]activity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor_name, action, target_name, detail FROM audit_log
		WHERE chat = ? AND at >= ? AND at <= ? AND (detail = ? OR lower(detail) LIKE lower(?))
		ORDER BY at DESC, id DESC LIMIT ?`, string(chat), sqlkit.Millis(from), sqlkit.Millis(to), ref, ref+` · %`, limit)
	if err != nil {
		return nil, fmt.Errorf("ticket activity: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (activity, error) {
		var a activity
		err := rows.Scan(sqlkit.TimeCol(&a.At), &a.Actor, &a.Action, &a.Target, &a.Detail)
		return a, err
	})
}

package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"strconv"
	"time"

	"neighbourbot/bot"
)

// Ticket states.
const (
	stateChoosing = "choosing" // the desks menu was shown; waiting for a number
	stateSelfHelp = "selfhelp" // a self-help answer was offered
	stateOpen     = "open"
	stateClosed   = "closed"
)

// ticket is one row of inbox_tickets.
type ticket struct {
	ID           int64
	Number       int64 // 0 until it opens
	PersonID     int64 // 0 once the resident was forgotten
	Desk         string
	State        string
	Answer       int
	CreatedAt    time.Time
	OpenedAt     time.Time
	FirstReplyAt time.Time
	ClosedAt     time.Time
	ClosedBy     string
	CloseNote    string
	AssigneeID   int64
	AssigneeName string
	OOHTold      bool
	FloodToldAt  time.Time
	Forgotten    bool
	// WaitingSince is when staff marked the ticket as waiting on the
	// resident (zero: not waiting); LastInID the resident's latest message
	// and LastAt the latest message either way.
	WaitingSince time.Time
	LastInID     int64
	LastAt       time.Time
}

// Ref is the ticket's number as people write it: "C12".
func (t ticket) Ref() string { return "C" + strconv.FormatInt(t.Number, 10) }

// storedMedia is a message's attachment as kept.
type storedMedia struct {
	Kind    bot.MediaKind
	File    string // name inside the media directory
	Mime    string
	Name    string // a document's file name
	Size    int64
	Seconds int
	Voice   bool
}

// message is one row of inbox_messages.
type message struct {
	ID         int64
	TicketID   int64
	At         time.Time
	Direction  string // "in" from the resident, "out" a staff reply
	AuthorID   int64
	AuthorName string
	Text       string
	Media      *storedMedia
	Location   *bot.Location
	Forwarded  bool
	// MediaFailed says why the resident's attachment was not kept ("" when
	// it was, or there was none); WebKey is the staff page's form key of a
	// reply sent from it.
	MediaFailed string
	WebKey      string
}

type store struct{ db bot.DB }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const ticketCols = `id, number, person_id, desk, state, answer, created_at, opened_at, first_reply_at, closed_at,
	closed_by, close_note, assignee_id, assignee_name, ooh_told, flood_told_at, forgotten, waiting_since, last_in_id, last_at`

func scanTicket(r sqlkit.Scanner) (ticket, error) {
	var t ticket
	var number, person, assignee sql.NullInt64
	var created int64
	var opened, firstReply, closed, flood, waiting, last sql.NullInt64
	if err := r.Scan(&t.ID, &number, &person, &t.Desk, &t.State, &t.Answer, &created, &opened, &firstReply, &closed,
		&t.ClosedBy, &t.CloseNote, &assignee, &t.AssigneeName, &t.OOHTold, &flood, &t.Forgotten, &waiting, &t.LastInID, &last); err != nil {
		return ticket{}, err
	}
	t.Number, t.PersonID, t.AssigneeID = number.Int64, person.Int64, assignee.Int64
	t.CreatedAt = time.UnixMilli(created).UTC()
	t.OpenedAt, t.FirstReplyAt, t.ClosedAt, t.FloodToldAt = sqlkit.Time(opened), sqlkit.Time(firstReply), sqlkit.Time(closed), sqlkit.Time(flood)
	t.WaitingSince, t.LastAt = sqlkit.Time(waiting), sqlkit.Time(last)
	return t, nil
}

func (s *store) queryTickets(ctx context.Context, where string, args ...any) ([]ticket, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+ticketCols+` FROM inbox_tickets `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load tickets: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (ticket, error) {
		t, err := scanTicket(rows)
		if err != nil {
			return ticket{}, fmt.Errorf("load tickets: %w", err)
		}
		return t, nil
	})
}

func (s *store) oneTicket(ctx context.Context, where string, args ...any) (ticket, error) {
	t, err := scanTicket(s.db.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM inbox_tickets `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return ticket{}, bot.ErrNotFound
	}
	if err != nil {
		return ticket{}, fmt.Errorf("load ticket: %w", err)
	}
	return t, nil
}

// active is the resident's unfinished ticket (open, or waiting at the menu
// or a self-help answer).
func (s *store) active(ctx context.Context, person int64) (ticket, error) {
	return s.oneTicket(ctx, `WHERE person_id = ? AND state <> 'closed' ORDER BY id DESC LIMIT 1`, person)
}

// recentClosed is the resident's ticket closed most recently, if that was
// at or after since.
func (s *store) recentClosed(ctx context.Context, person int64, since time.Time) (ticket, error) {
	return s.oneTicket(ctx, `WHERE person_id = ? AND state = 'closed' AND number IS NOT NULL AND forgotten = 0 AND closed_at >= ?
		ORDER BY closed_at DESC, id DESC LIMIT 1`, person, sqlkit.Millis(since))
}

// moveMessages puts the messages of ticket from (one that never opened)
// on ticket to.
func (s *store) moveMessages(ctx context.Context, from, to int64) error {
	if err := s.exec(ctx, "move messages", `UPDATE inbox_messages SET ticket_id = ? WHERE ticket_id = ?`, to, from); err != nil {
		return err
	}
	return s.exec(ctx, "move messages", `UPDATE inbox_tickets SET
		last_in_id = COALESCE((SELECT MAX(id) FROM inbox_messages WHERE ticket_id = ? AND direction = 'in'), 0),
		last_at = (SELECT MAX(at) FROM inbox_messages WHERE ticket_id = ?) WHERE id = ?`, to, to, to)
}

func (s *store) byNumber(ctx context.Context, n int64) (ticket, error) {
	return s.oneTicket(ctx, `WHERE number = ?`, n)
}

func (s *store) byID(ctx context.Context, id int64) (ticket, error) {
	return s.oneTicket(ctx, `WHERE id = ?`, id)
}

// create starts an unnumbered ticket in state (choosing or selfhelp) or,
// for state open, numbers it at once.
func (s *store) create(ctx context.Context, person int64, state string, at time.Time) (ticket, error) {
	id, err := sqlkit.InsertID(ctx, s.db, `INSERT INTO inbox_tickets (person_id, state, created_at) VALUES (?, ?, ?) RETURNING id`,
		person, stateChoosing, sqlkit.Millis(at))
	if err != nil {
		return ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	if state == stateOpen {
		return s.open(ctx, id, "", at)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE inbox_tickets SET state = ? WHERE id = ?`, state, id); err != nil {
		return ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	return s.byID(ctx, id)
}

// open gives a pending ticket its number and desk. Numbers come from a
// counter, so a purged ticket's number is never given again.
func (s *store) open(ctx context.Context, id int64, desk string, at time.Time) (ticket, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO inbox_state (key, value, updated_at) VALUES ('next_number', '1', ?)
		ON CONFLICT (key) DO NOTHING`, sqlkit.Millis(at)); err != nil {
		return ticket{}, fmt.Errorf("ticket number: %w", err)
	}
	// One statement takes the number and moves the counter on, so two
	// processes sharing a PostgreSQL hub never take the same number.
	var n int64
	if err := s.db.QueryRowContext(ctx, `UPDATE inbox_state SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT), updated_at = ?
		WHERE key = 'next_number' RETURNING CAST(value AS BIGINT) - 1`, sqlkit.Millis(at)).Scan(&n); err != nil {
		return ticket{}, fmt.Errorf("ticket number: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE inbox_tickets SET number = ?, desk = ?, state = 'open', opened_at = ? WHERE id = ?`,
		n, desk, sqlkit.Millis(at), id); err != nil {
		return ticket{}, fmt.Errorf("open ticket: %w", err)
	}
	return s.byID(ctx, id)
}

func (s *store) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (s *store) setPending(ctx context.Context, id int64, state string, answer int) error {
	return s.exec(ctx, "update pending ticket", `UPDATE inbox_tickets SET state = ?, answer = ? WHERE id = ?`, state, answer, id)
}

func (s *store) close(ctx context.Context, id int64, by, note string, at time.Time) error {
	return s.exec(ctx, "close ticket", `UPDATE inbox_tickets SET state = 'closed', closed_by = ?, close_note = ?, closed_at = ? WHERE id = ?`,
		by, note, sqlkit.Millis(at), id)
}

func (s *store) reopen(ctx context.Context, id int64) error {
	return s.exec(ctx, "reopen ticket", `UPDATE inbox_tickets SET state = 'open', closed_by = '', close_note = '', closed_at = NULL, ooh_told = 0 WHERE id = ?`, id)
}

// discard deletes a pending ticket that never opened, with its messages.
func (s *store) discard(ctx context.Context, id int64) error {
	return s.exec(ctx, "discard pending ticket", `DELETE FROM inbox_tickets WHERE id = ? AND number IS NULL`, id)
}

func (s *store) assign(ctx context.Context, id, person int64, name string) error {
	return s.exec(ctx, "assign ticket", `UPDATE inbox_tickets SET assignee_id = ?, assignee_name = ? WHERE id = ?`, nullID(person), name, id)
}

func (s *store) markReplied(ctx context.Context, id int64, at time.Time) error {
	return s.exec(ctx, "mark replied", `UPDATE inbox_tickets SET first_reply_at = COALESCE(first_reply_at, ?) WHERE id = ?`, sqlkit.Millis(at), id)
}

func (s *store) markOOHTold(ctx context.Context, id int64) error {
	return s.exec(ctx, "mark out-of-hours told", `UPDATE inbox_tickets SET ooh_told = 1 WHERE id = ?`, id)
}

func (s *store) markFloodTold(ctx context.Context, id int64, at time.Time) error {
	return s.exec(ctx, "mark flood told", `UPDATE inbox_tickets SET flood_told_at = ? WHERE id = ?`, sqlkit.Millis(at), id)
}

// openTickets lists open tickets, oldest first.
func (s *store) openTickets(ctx context.Context) ([]ticket, error) {
	return s.queryTickets(ctx, `WHERE state = 'open' ORDER BY opened_at, id`)
}

// personTickets lists a resident's numbered tickets, newest first, and any
// pending one.
func (s *store) personTickets(ctx context.Context, person int64) ([]ticket, error) {
	return s.queryTickets(ctx, `WHERE person_id = ? ORDER BY id DESC`, person)
}

// openedSince counts the tickets a resident opened since t.
func (s *store) openedSince(ctx context.Context, person int64, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_tickets WHERE person_id = ? AND opened_at > ?`, person, sqlkit.Millis(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count tickets: %w", err)
	}
	return n, nil
}

func (s *store) limitToldAt(ctx context.Context, person int64) (time.Time, error) {
	var at sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT told_at FROM inbox_limits WHERE person_id = ?`, person).Scan(&at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("ticket limit: %w", err)
	}
	return sqlkit.Time(at), nil
}

func (s *store) setLimitTold(ctx context.Context, person int64, at time.Time) error {
	return s.exec(ctx, "ticket limit", `INSERT INTO inbox_limits (person_id, told_at) VALUES (?, ?)
		ON CONFLICT (person_id) DO UPDATE SET told_at = excluded.told_at`, person, sqlkit.Millis(at))
}

const messageCols = `id, ticket_id, at, direction, author_id, author_name, text, media_kind, media_file, media_mime,
	media_name, media_size, media_seconds, media_voice, lat, long, forwarded, media_failed, COALESCE(web_key, '')`

func scanMessage(r sqlkit.Scanner) (message, error) {
	var m message
	var at int64
	var author sql.NullInt64
	var md storedMedia
	var kind string
	var lat, long sql.NullFloat64
	if err := r.Scan(&m.ID, &m.TicketID, &at, &m.Direction, &author, &m.AuthorName, &m.Text, &kind, &md.File, &md.Mime,
		&md.Name, &md.Size, &md.Seconds, &md.Voice, &lat, &long, &m.Forwarded, &m.MediaFailed, &m.WebKey); err != nil {
		return message{}, err
	}
	m.At, m.AuthorID = time.UnixMilli(at).UTC(), author.Int64
	if kind != "" {
		md.Kind = bot.MediaKind(kind)
		m.Media = &md
	}
	if lat.Valid && long.Valid {
		m.Location = &bot.Location{Lat: lat.Float64, Long: long.Float64}
	}
	return m, nil
}

func (s *store) addMessage(ctx context.Context, m message) (int64, error) {
	md := m.Media
	if md == nil {
		md = &storedMedia{}
	}
	var lat, long any
	if m.Location != nil {
		lat, long = m.Location.Lat, m.Location.Long
	}
	var key any
	if m.WebKey != "" {
		key = m.WebKey
	}
	id, err := sqlkit.InsertID(ctx, s.db, `INSERT INTO inbox_messages (ticket_id, at, direction, author_id, author_name, text,
		media_kind, media_file, media_mime, media_name, media_size, media_seconds, media_voice, lat, long, forwarded, media_failed, web_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.TicketID, sqlkit.Millis(m.At), m.Direction, nullID(m.AuthorID), m.AuthorName, m.Text,
		string(md.Kind), md.File, md.Mime, md.Name, md.Size, md.Seconds, sqlkit.Flag(md.Voice), lat, long, sqlkit.Flag(m.Forwarded), m.MediaFailed, key)
	if err != nil {
		return 0, fmt.Errorf("add message: %w", err)
	}
	return id, s.touchTicket(ctx, m.TicketID, id, m.Direction, m.At)
}

// touchTicket notes a ticket's latest message: the resident's latest (which
// also ends "waiting on the resident") or a staff reply.
func (s *store) touchTicket(ctx context.Context, ticket, msg int64, direction string, at time.Time) error {
	if direction == "in" {
		return s.exec(ctx, "note latest message", `UPDATE inbox_tickets SET last_in_id = ?, last_at = ?, waiting_since = NULL WHERE id = ?`,
			msg, sqlkit.Millis(at), ticket)
	}
	return s.exec(ctx, "note latest message", `UPDATE inbox_tickets SET last_at = ? WHERE id = ?`, sqlkit.Millis(at), ticket)
}

func (s *store) message(ctx context.Context, id int64) (message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageCols+` FROM inbox_messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return message{}, bot.ErrNotFound
	}
	if err != nil {
		return message{}, fmt.Errorf("load message: %w", err)
	}
	return m, nil
}

func (s *store) messages(ctx context.Context, ticketID int64) ([]message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM inbox_messages WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (message, error) {
		m, err := scanMessage(rows)
		if err != nil {
			return message{}, fmt.Errorf("load messages: %w", err)
		}
		return m, nil
	})
}

func (s *store) setForwarded(ctx context.Context, id int64) error {
	return s.exec(ctx, "mark forwarded", `UPDATE inbox_messages SET forwarded = 1 WHERE id = ?`, id)
}

// forwardedSince counts a ticket's resident messages forwarded one by one
// since t (the flood limit).
func (s *store) forwardedSince(ctx context.Context, ticketID int64, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_messages m
		WHERE m.ticket_id = ? AND m.direction = 'in' AND m.at >= ?
		AND (m.forwarded = 1 OR EXISTS (SELECT 1 FROM inbox_outbox o WHERE o.message_id = m.id))`, ticketID, sqlkit.Millis(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// outboxItem is a post waiting for a staff chat.
type outboxItem struct {
	ID        int64
	TicketID  int64
	MessageID int64
	Kind      string
	Note      string
	PartsSent int
}

func (s *store) queue(ctx context.Context, ticketID, messageID int64, kind, note string, at time.Time) error {
	return s.exec(ctx, "queue staff post", `INSERT INTO inbox_outbox (ticket_id, message_id, kind, note, created_at) VALUES (?, ?, ?, ?, ?)`,
		ticketID, nullID(messageID), kind, note, sqlkit.Millis(at))
}

func (s *store) pendingPosts(ctx context.Context, limit int) ([]outboxItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, ticket_id, message_id, kind, note, parts_sent FROM inbox_outbox ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("load staff posts: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (outboxItem, error) {
		var it outboxItem
		var msg sql.NullInt64
		if err := rows.Scan(&it.ID, &it.TicketID, &msg, &it.Kind, &it.Note, &it.PartsSent); err != nil {
			return outboxItem{}, fmt.Errorf("load staff posts: %w", err)
		}
		it.MessageID = msg.Int64
		return it, nil
	})
}

func (s *store) countPending(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count staff posts: %w", err)
	}
	return n, nil
}

func (s *store) partSent(ctx context.Context, id int64, n int) error {
	return s.exec(ctx, "staff post progress", `UPDATE inbox_outbox SET parts_sent = ? WHERE id = ?`, n, id)
}

func (s *store) unqueue(ctx context.Context, id int64) error {
	return s.exec(ctx, "unqueue staff post", `DELETE FROM inbox_outbox WHERE id = ?`, id)
}

// recordPost remembers a message the bot posted in a staff chat.
func (s *store) recordPost(ctx context.Context, chat bot.ChatID, msgID string, ticketID int64, at time.Time) error {
	if msgID == "" {
		return nil
	}
	return s.exec(ctx, "record staff post", `INSERT INTO inbox_posts (chat, msg_id, ticket_id, posted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (chat, msg_id) DO UPDATE SET ticket_id = excluded.ticket_id, posted_at = excluded.posted_at`,
		string(chat), msgID, nullID(ticketID), sqlkit.Millis(at))
}

// post finds a staff-chat post by id: known says the bot posted it,
// ticketID which ticket it is about (0: none).
func (s *store) post(ctx context.Context, chat bot.ChatID, msgID string) (ticketID int64, known bool, err error) {
	var t sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT ticket_id FROM inbox_posts WHERE chat = ? AND msg_id = ?`, string(chat), msgID).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("look up staff post: %w", err)
	}
	return t.Int64, true, nil
}

func (s *store) getState(ctx context.Context, key string) (string, time.Time, bool, error) {
	var v string
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT value, updated_at FROM inbox_state WHERE key = ?`, key).Scan(&v, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("inbox state %s: %w", key, err)
	}
	return v, time.UnixMilli(at).UTC(), true, nil
}

func (s *store) setState(ctx context.Context, key, value string, at time.Time) error {
	return s.exec(ctx, "inbox state "+key, `INSERT INTO inbox_state (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, sqlkit.Millis(at))
}

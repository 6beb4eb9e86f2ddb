package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"strings"
	"time"

	"neighbourbot/bot"
)

var _ bot.Store = (*Store)(nil)

// ResolvePerson returns the person behind a sender, creating them on first
// sight and linking any address not seen before (a LID learnt beside a known
// phone number, say) to the same person. The display name follows the
// latest push name.
func (s *Store) ResolvePerson(ctx context.Context, snd bot.Sender, at time.Time) (bot.Person, error) {
	addrs := snd.Addrs()
	if len(addrs) == 0 {
		return bot.Person{}, errors.New("resolve person: sender has no address")
	}
	name := strings.TrimSpace(bot.CleanText(snd.Name))
	if p, ok, err := s.knownUnchanged(ctx, addrs, name, at); err != nil || ok {
		return p, err
	}
	tx, err := s.conn().BeginTx(ctx, nil)
	if err != nil {
		return bot.Person{}, fmt.Errorf("resolve person: %w", err)
	}
	defer tx.Rollback()
	var id int64
	for _, a := range addrs {
		var found int64
		err := tx.QueryRowContext(ctx, `SELECT person_id FROM person_addresses WHERE addr = ?`, string(a)).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return bot.Person{}, fmt.Errorf("look up address: %w", err)
		}
		switch {
		case id == 0:
			id = found
		case found != id:
			// The two forms were first seen apart (a LID-only mention, a
			// phone-number message before WhatsApp paired them): they are
			// one person, so fold the newer record into the older.
			into, from := min(id, found), max(id, found)
			for _, fn := range s.mergers {
				if err := fn(ctx, tx, from, into); err != nil {
					return bot.Person{}, fmt.Errorf("merge people: %w", err)
				}
			}
			if err := s.mergePeople(ctx, tx, from, into); err != nil {
				return bot.Person{}, err
			}
			id = into
		}
	}
	if id == 0 {
		if err := tx.QueryRowContext(ctx, `INSERT INTO people (name, preferred, created_at, last_seen_at) VALUES (?, ?, ?, ?) RETURNING id`,
			name, string(addrs[0]), sqlkit.Millis(at), sqlkit.Millis(at)).Scan(&id); err != nil {
			return bot.Person{}, fmt.Errorf("create person: %w", err)
		}
	} else {
		// Keep the stored name when the transport gave none; an address
		// change of preferred form follows the latest sighting.
		if _, err := tx.ExecContext(ctx, `UPDATE people SET
			name = CASE WHEN ? <> '' THEN ? ELSE name END,
			preferred = ?, last_seen_at = `+s.greatest()+`(last_seen_at, ?), forgotten = 0 WHERE id = ?`,
			name, name, string(addrs[0]), sqlkit.Millis(at), id); err != nil {
			return bot.Person{}, fmt.Errorf("update person: %w", err)
		}
	}
	for _, a := range addrs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_addresses (addr, person_id) VALUES (?, ?) ON CONFLICT(addr) DO NOTHING`, string(a), id); err != nil {
			return bot.Person{}, fmt.Errorf("link address: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return bot.Person{}, fmt.Errorf("resolve person: %w", err)
	}
	return s.PersonByID(ctx, id)
}

// lastSeenStep is how stale last_seen_at may get before a message updates
// it: pruning departed people reads it in days, so a day is precise enough
// and most messages need not write it.
const lastSeenStep = 24 * time.Hour

// knownUnchanged returns the person behind addrs when nothing about them
// would change: every address already theirs, the same preferred address,
// the same name (or none given), and a last sighting under a day old. Most
// messages come from such a person, and then resolving them writes nothing.
func (s *Store) knownUnchanged(ctx context.Context, addrs []bot.Address, name string, at time.Time) (bot.Person, bool, error) {
	var id int64
	for _, a := range addrs {
		var found int64
		err := s.conn().QueryRowContext(ctx, `SELECT person_id FROM person_addresses WHERE addr = ?`, string(a)).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return bot.Person{}, false, nil
		}
		if err != nil {
			return bot.Person{}, false, fmt.Errorf("look up address: %w", err)
		}
		if id != 0 && found != id {
			return bot.Person{}, false, nil
		}
		id = found
	}
	var p bot.Person
	var pref string
	var forgotten bool
	var lastSeen int64
	err := s.conn().QueryRowContext(ctx, `SELECT id, name, preferred, forgotten, last_seen_at FROM people WHERE id = ?`, id).Scan(&p.ID, &p.Name, &pref, &forgotten, &lastSeen)
	if err != nil {
		return bot.Person{}, false, fmt.Errorf("load person %d: %w", id, err)
	}
	p.Addr = bot.Address(pref)
	if forgotten || p.Addr != addrs[0] || (name != "" && name != p.Name) || at.Sub(sqlkit.FromMillis(lastSeen)) > lastSeenStep {
		return bot.Person{}, false, nil
	}
	return p, true, nil
}

// mergePeople moves everything that points at person from onto person
// into and deletes from. It finds the references itself, from every
// table's foreign keys to people(id), so feature tables are covered without
// the core knowing them; the audit log, which keeps ids without a foreign
// key, is moved explicitly. Where a unique constraint already holds a row
// for into (both voted in the same check, say) the older person's row wins.
func (s *Store) mergePeople(ctx context.Context, tx bot.Tx, from, into int64) error {
	rows, err := tx.QueryContext(ctx, s.peopleRefsSQL())
	if err != nil {
		return fmt.Errorf("merge people: list references: %w", err)
	}
	type ref struct{ table, column string }
	refs, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (ref, error) {
		var r ref
		err := rows.Scan(&r.table, &r.column)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("merge people: %w", err)
	}
	for _, r := range refs {
		quoted := `"` + strings.ReplaceAll(r.table, `"`, `""`) + `"`
		col := `"` + strings.ReplaceAll(r.column, `"`, `""`) + `"`
		if err := s.moveReference(ctx, tx, r.table, r.column, from, into); err != nil {
			return fmt.Errorf("merge people: %s.%s: %w", r.table, r.column, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoted+` WHERE `+col+` = ?`, from); err != nil {
			return fmt.Errorf("merge people: %s.%s leftovers: %w", r.table, r.column, err)
		}
	}
	for _, q := range []string{
		`UPDATE audit_log SET actor_id = ? WHERE actor_id = ?`,
		`UPDATE audit_log SET target_id = ? WHERE target_id = ?`,
		`UPDATE outbox SET person_id = ? WHERE person_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return fmt.Errorf("merge people: audit: %w", err)
		}
	}
	if err := s.moveJobPayloads(ctx, tx, from, into); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE people SET contact_ok = `+s.greatest()+`(contact_ok, (SELECT contact_ok FROM people WHERE id = ?)) WHERE id = ?`, from, into); err != nil {
		return fmt.Errorf("merge people: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = ?`, from); err != nil {
		return fmt.Errorf("merge people: %w", err)
	}
	return nil
}

// PersonByID loads a person.
func (s *Store) PersonByID(ctx context.Context, id int64) (bot.Person, error) {
	var p bot.Person
	var pref string
	err := s.conn().QueryRowContext(ctx, `SELECT id, name, preferred FROM people WHERE id = ?`, id).Scan(&p.ID, &p.Name, &pref)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Person{}, fmt.Errorf("person %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return bot.Person{}, fmt.Errorf("load person %d: %w", id, err)
	}
	p.Addr = bot.Address(pref)
	return p, nil
}

// PersonByAddr finds the person with an address.
func (s *Store) PersonByAddr(ctx context.Context, addr bot.Address) (bot.Person, error) {
	var id int64
	err := s.conn().QueryRowContext(ctx, `SELECT person_id FROM person_addresses WHERE addr = ?`, string(addr)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Person{}, fmt.Errorf("address: %w", bot.ErrNotFound)
	}
	if err != nil {
		return bot.Person{}, fmt.Errorf("look up address: %w", err)
	}
	return s.PersonByID(ctx, id)
}

// PersonAddrs lists every address linked to a person.
func (s *Store) PersonAddrs(ctx context.Context, id int64) ([]bot.Address, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT addr FROM person_addresses WHERE person_id = ? ORDER BY addr`, id)
	if err != nil {
		return nil, fmt.Errorf("person addresses: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.Address, error) {
		var a string
		if err := rows.Scan(&a); err != nil {
			return "", fmt.Errorf("scan address: %w", err)
		}
		return bot.Address(a), nil
	})
}

// ForgetPerson unlinks a person's addresses and blanks their name. The row
// stays so other records keep a valid reference, now to nobody identifiable.
func (s *Store) ForgetPerson(ctx context.Context, id int64) error {
	tx, err := s.conn().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("forget person: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`DELETE FROM person_addresses WHERE person_id = ?`,
		`DELETE FROM memberships WHERE person_id = ?`,
		`UPDATE people SET name = 'former member', preferred = '', forgotten = 1, contact_ok = 0 WHERE id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("forget person: %w", err)
		}
	}
	return tx.Commit()
}

// MarkContactable records that the person addressed the bot.
func (s *Store) MarkContactable(ctx context.Context, id int64) error {
	if _, err := s.conn().ExecContext(ctx, `UPDATE people SET contact_ok = 1 WHERE id = ? AND contact_ok = 0`, id); err != nil {
		return fmt.Errorf("mark contactable: %w", err)
	}
	return nil
}

// Contactable reports whether the person ever addressed the bot.
func (s *Store) Contactable(ctx context.Context, id int64) (bool, error) {
	var ok int
	err := s.conn().QueryRowContext(ctx, `SELECT contact_ok FROM people WHERE id = ?`, id).Scan(&ok)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("contactable: %w", err)
	}
	return ok == 1, nil
}

// FirstSeen records a message id; false means it was seen before.
func (s *Store) FirstSeen(ctx context.Context, chat bot.ChatID, msgID string, at time.Time) (bool, error) {
	res, err := s.conn().ExecContext(ctx, `INSERT INTO seen_messages (chat, msg_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, string(chat), msgID, sqlkit.Millis(at))
	if err != nil {
		return false, fmt.Errorf("record message id: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record message id: %w", err)
	}
	return n == 1, nil
}

// PurgeSeen forgets message ids recorded before a time.
func (s *Store) PurgeSeen(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM seen_messages WHERE seen_at < ?`, sqlkit.Millis(before))
	if err != nil {
		return 0, fmt.Errorf("purge seen messages: %w", err)
	}
	return res.RowsAffected()
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// GroupSettings loads a group's settings; a group never configured comes
// back disabled with its id set.
func (s *Store) GroupSettings(ctx context.Context, chat bot.ChatID) (bot.GroupSettings, error) {
	g := bot.GroupSettings{Chat: chat}
	var enabled int
	var off, areas string
	var updated int64
	var removed sql.NullInt64
	var quiet sql.NullString
	err := s.conn().QueryRowContext(ctx, `SELECT name, enabled, features_off, areas, updated_at, removed_at, quiet FROM groups WHERE chat = ?`, string(chat)).
		Scan(&g.Name, &enabled, &off, &areas, &updated, &removed, &quiet)
	if errors.Is(err, sql.ErrNoRows) {
		return g, nil
	}
	if err != nil {
		return g, fmt.Errorf("load group %s: %w", chat, err)
	}
	g.Known = true
	g.Enabled = enabled == 1
	g.FeaturesOff = splitList(off)
	g.Areas = splitList(areas)
	g.UpdatedAt = sqlkit.FromMillis(updated)
	if removed.Valid {
		g.Removed = sqlkit.Time(removed)
	}
	g.Quiet = quiet.String
	return g, nil
}

// RecentListing finds a listing posted in the chat since since.
func (s *Store) RecentListing(ctx context.Context, chat bot.ChatID, hash string, since time.Time) (bot.Listing, bool, error) {
	l := bot.Listing{Chat: chat, Hash: hash}
	var at sql.NullInt64
	err := s.conn().QueryRowContext(ctx, `SELECT msg_id, first, sent_at FROM recent_listings WHERE chat = ? AND hash = ? AND sent_at >= ?`,
		string(chat), hash, sqlkit.Millis(since)).Scan(&l.MsgID, &l.First, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Listing{}, false, nil
	}
	if err != nil {
		return bot.Listing{}, false, fmt.Errorf("recent listing: %w", err)
	}
	l.At = sqlkit.Time(at)
	return l, true, nil
}

// SaveListing records a listing and forgets the chat's older ones.
func (s *Store) SaveListing(ctx context.Context, l bot.Listing, forgetBefore time.Time) error {
	if _, err := s.conn().ExecContext(ctx, `DELETE FROM recent_listings WHERE chat = ? AND sent_at < ?`, string(l.Chat), sqlkit.Millis(forgetBefore)); err != nil {
		return fmt.Errorf("forget old listings: %w", err)
	}
	if _, err := s.conn().ExecContext(ctx, `INSERT INTO recent_listings (chat, hash, msg_id, first, sent_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(chat, hash) DO UPDATE SET msg_id = excluded.msg_id, first = excluded.first, sent_at = excluded.sent_at`,
		string(l.Chat), l.Hash, l.MsgID, l.First, sqlkit.Millis(l.At)); err != nil {
		return fmt.Errorf("save listing: %w", err)
	}
	return nil
}

// SetGroupRemoved records the bot's removal from a known group (or, with a
// zero at, its return).
func (s *Store) SetGroupRemoved(ctx context.Context, chat bot.ChatID, at time.Time) (bool, error) {
	q, args := `UPDATE groups SET removed_at = ? WHERE chat = ? AND removed_at IS NULL`, []any{sqlkit.Millis(at), string(chat)}
	if at.IsZero() {
		q, args = `UPDATE groups SET removed_at = NULL WHERE chat = ? AND removed_at IS NOT NULL`, []any{string(chat)}
	}
	res, err := s.conn().ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("record the bot's membership of %s: %w", chat, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SaveGroupSettings writes a group's settings.
func (s *Store) SaveGroupSettings(ctx context.Context, g bot.GroupSettings) error {
	enabled := 0
	if g.Enabled {
		enabled = 1
	}
	var quiet any
	if g.Quiet != "" {
		quiet = g.Quiet
	}
	// updated_at is NOT NULL, so it cannot take sqlkit's NULL for an unset
	// time: that is written as the zero time's own milliseconds, which
	// sqlkit.Time reads back as the zero time all the same.
	_, err := s.conn().ExecContext(ctx, `INSERT INTO groups (chat, name, enabled, features_off, areas, updated_at, quiet) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(chat) DO UPDATE SET name = excluded.name, enabled = excluded.enabled,
		features_off = excluded.features_off, areas = excluded.areas, updated_at = excluded.updated_at, quiet = excluded.quiet`,
		string(g.Chat), g.Name, enabled, strings.Join(g.FeaturesOff, ","), strings.Join(g.Areas, ","), g.UpdatedAt.UnixMilli(), quiet)
	if err != nil {
		return fmt.Errorf("save group %s: %w", g.Chat, err)
	}
	return nil
}

// EnabledGroups lists the groups that opted in and that the bot is in.
func (s *Store) EnabledGroups(ctx context.Context) ([]bot.GroupSettings, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT chat FROM groups WHERE enabled = 1 AND removed_at IS NULL ORDER BY chat`)
	if err != nil {
		return nil, fmt.Errorf("enabled groups: %w", err)
	}
	chats, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.ChatID, error) {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", fmt.Errorf("scan group: %w", err)
		}
		return bot.ChatID(c), nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]bot.GroupSettings, 0, len(chats))
	for _, c := range chats {
		g, err := s.GroupSettings(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// SetMember records whether a person is in a group.
func (s *Store) SetMember(ctx context.Context, chat bot.ChatID, person int64, present bool, at time.Time) error {
	p := 0
	if present {
		p = 1
	}
	_, err := s.conn().ExecContext(ctx, `INSERT INTO memberships (chat, person_id, present, since) VALUES (?, ?, ?, ?)
		ON CONFLICT(chat, person_id) DO UPDATE SET since = excluded.since, present = excluded.present
		WHERE memberships.present <> excluded.present`, string(chat), person, p, sqlkit.Millis(at))
	if err != nil {
		return fmt.Errorf("set member: %w", err)
	}
	return nil
}

// IsMember reports whether the person is currently in the group (as far as
// the bot has seen: they spoke there or joined, and have not left).
func (s *Store) IsMember(ctx context.Context, chat bot.ChatID, person int64) (bool, error) {
	var p int
	err := s.conn().QueryRowContext(ctx, `SELECT present FROM memberships WHERE chat = ? AND person_id = ?`, string(chat), person).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("is member: %w", err)
	}
	return p == 1, nil
}

// MemberGroups lists the groups a person is currently in.
func (s *Store) MemberGroups(ctx context.Context, person int64) ([]bot.ChatID, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT chat FROM memberships WHERE person_id = ? AND present = 1 ORDER BY chat`, person)
	if err != nil {
		return nil, fmt.Errorf("member groups: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.ChatID, error) {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", fmt.Errorf("scan group: %w", err)
		}
		return bot.ChatID(c), nil
	})
}

// SavePoll remembers a poll the bot sent.
func (s *Store) SavePoll(ctx context.Context, p bot.Poll) error {
	opts, err := json.Marshal(p.Options)
	if err != nil {
		return fmt.Errorf("encode poll options: %w", err)
	}
	_, err = s.conn().ExecContext(ctx, `INSERT INTO polls (chat, msg_id, kind, ref, question, options, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (chat, msg_id) DO UPDATE SET kind = excluded.kind, ref = excluded.ref, question = excluded.question,
		options = excluded.options, created_at = excluded.created_at`,
		string(p.Chat), p.ID, p.Kind, p.Ref, p.Question, string(opts), sqlkit.Millis(p.Created))
	if err != nil {
		return fmt.Errorf("save poll: %w", err)
	}
	return nil
}

// Poll loads a poll the bot sent.
func (s *Store) Poll(ctx context.Context, chat bot.ChatID, id string) (bot.Poll, error) {
	p := bot.Poll{Chat: chat, ID: id}
	var opts string
	var created sql.NullInt64
	err := s.conn().QueryRowContext(ctx, `SELECT kind, ref, question, options, created_at FROM polls WHERE chat = ? AND msg_id = ?`, string(chat), id).
		Scan(&p.Kind, &p.Ref, &p.Question, &opts, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("poll %s: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("load poll: %w", err)
	}
	p.Created = sqlkit.Time(created)
	if err := json.Unmarshal([]byte(opts), &p.Options); err != nil {
		return p, fmt.Errorf("decode poll options: %w", err)
	}
	return p, nil
}

// ScheduleJob stores a job; a job with the same non-empty key is replaced.
func (s *Store) ScheduleJob(ctx context.Context, j bot.Job) (int64, error) {
	var key any
	if j.Key != "" {
		key = j.Key
	}
	var id int64
	err := s.conn().QueryRowContext(ctx, `INSERT INTO jobs (kind, key, run_at, payload) VALUES (?, ?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, run_at = excluded.run_at, payload = excluded.payload, attempts = 0, last_error = '',
		gen = jobs.gen + 1, claimed_by = '', lease_until = NULL
		RETURNING id`, j.Kind, key, sqlkit.Millis(j.RunAt), j.Payload).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("schedule job: %w", err)
	}
	return id, s.notify(ctx, wakeJobs)
}

// CancelJobs deletes jobs whose key starts with prefix.
func (s *Store) CancelJobs(ctx context.Context, prefix string) (int64, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)
	res, err := s.conn().ExecContext(ctx, `DELETE FROM jobs WHERE key LIKE ? ESCAPE '\'`, esc+"%")
	if err != nil {
		return 0, fmt.Errorf("cancel jobs: %w", err)
	}
	return res.RowsAffected()
}

// DueJobs returns jobs due at or before now, oldest first.
func (s *Store) DueJobs(ctx context.Context, now time.Time, limit int) ([]bot.Job, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT id, kind, COALESCE(key, ''), run_at, payload, attempts, last_error, gen FROM jobs
		WHERE run_at <= ? ORDER BY run_at, id LIMIT ?`, sqlkit.Millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due jobs: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.Job, error) {
		var j bot.Job
		var at sql.NullInt64
		if err := rows.Scan(&j.ID, &j.Kind, &j.Key, &at, &j.Payload, &j.Attempts, &j.LastErr, &j.Gen); err != nil {
			return bot.Job{}, fmt.Errorf("scan job: %w", err)
		}
		j.RunAt = sqlkit.Time(at)
		return j, nil
	})
}

// NextJobAt returns when the earliest pending job is due.
func (s *Store) NextJobAt(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	if err := s.conn().QueryRowContext(ctx, `SELECT MIN(run_at) FROM jobs`).Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("next job: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return sqlkit.Time(at), true, nil
}

// FinishJob removes a job that ran (or was given up), unless its handler
// rescheduled the same key meanwhile (a newer generation): that one stays.
func (s *Store) FinishJob(ctx context.Context, j bot.Job) error {
	if _, err := s.conn().ExecContext(ctx, `DELETE FROM jobs WHERE id = ? AND gen = ?`, j.ID, j.Gen); err != nil {
		return fmt.Errorf("finish job: %w", err)
	}
	return nil
}

// JobCurrent reports whether the job is still pending in the generation it
// was loaded in.
func (s *Store) JobCurrent(ctx context.Context, j bot.Job) (bool, error) {
	var one int
	// On PostgreSQL the row stays locked until the unit of work ends, so no
	// other process takes the job over while its handler runs here.
	err := s.conn().QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = ? AND gen = ?`+s.forUpdate(false), j.ID, j.Gen).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("job current: %w", err)
	}
	return true, nil
}

// PostponeJob moves a job later without counting an attempt (the transport
// was offline), unless it was rescheduled meanwhile.
func (s *Store) PostponeJob(ctx context.Context, j bot.Job, at time.Time) error {
	if _, err := s.conn().ExecContext(ctx, `UPDATE jobs SET run_at = ?, claimed_by = '', lease_until = NULL WHERE id = ? AND gen = ?`, sqlkit.Millis(at), j.ID, j.Gen); err != nil {
		return fmt.Errorf("postpone job: %w", err)
	}
	return s.notify(ctx, wakeJobs)
}

// RetryJob reschedules a failed job, unless it was rescheduled meanwhile.
func (s *Store) RetryJob(ctx context.Context, j bot.Job, at time.Time, lastErr string) error {
	if _, err := s.conn().ExecContext(ctx, `UPDATE jobs SET run_at = ?, attempts = attempts + 1, last_error = ?, claimed_by = '', lease_until = NULL
		WHERE id = ? AND gen = ?`, sqlkit.Millis(at), lastErr, j.ID, j.Gen); err != nil {
		return fmt.Errorf("retry job: %w", err)
	}
	return s.notify(ctx, wakeJobs)
}

// Audit appends to the audit log.
func (s *Store) Audit(ctx context.Context, e bot.AuditEntry) error {
	_, err := s.conn().ExecContext(ctx, `INSERT INTO audit_log (at, chat, actor_id, actor_name, action, target_id, target_name, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sqlkit.Millis(e.Time), string(e.Chat), e.ActorID, e.ActorName, e.Action, e.TargetID, e.TargetName, e.Detail)
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// AuditLog returns the latest entries for a chat (all chats when chat is
// empty), newest first.
func (s *Store) AuditLog(ctx context.Context, chat bot.ChatID, limit int) ([]bot.AuditEntry, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT id, at, chat, actor_id, actor_name, action, target_id, target_name, detail FROM audit_log
		WHERE ? = '' OR chat = ? ORDER BY at DESC, id DESC LIMIT ?`, string(chat), string(chat), limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return scanAudit(rows)
}

// scanAudit reads audit entries selected as id, at, chat, actor_id,
// actor_name, action, target_id, target_name, detail.
func scanAudit(rows *sql.Rows) ([]bot.AuditEntry, error) {
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.AuditEntry, error) {
		var e bot.AuditEntry
		var at sql.NullInt64
		var c string
		if err := rows.Scan(&e.ID, &at, &c, &e.ActorID, &e.ActorName, &e.Action, &e.TargetID, &e.TargetName, &e.Detail); err != nil {
			return bot.AuditEntry{}, fmt.Errorf("scan audit: %w", err)
		}
		e.Time, e.Chat = sqlkit.Time(at), bot.ChatID(c)
		return e, nil
	})
}

// AnonymiseAudit removes a person's name from audit entries they appear in,
// keeping the entries for the group's record.
func (s *Store) AnonymiseAudit(ctx context.Context, person int64) (int64, error) {
	var total int64
	for _, q := range []string{
		`UPDATE audit_log SET actor_name = 'former member' WHERE actor_id = ?`,
		`UPDATE audit_log SET target_name = 'former member' WHERE target_id = ?`,
	} {
		res, err := s.conn().ExecContext(ctx, q, person)
		if err != nil {
			return total, fmt.Errorf("anonymise audit: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// PurgeAudit deletes audit entries older than a time.
func (s *Store) PurgeAudit(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM audit_log WHERE at < ?`, sqlkit.Millis(before))
	if err != nil {
		return 0, fmt.Errorf("purge audit: %w", err)
	}
	return res.RowsAffected()
}

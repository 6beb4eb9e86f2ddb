package inbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// dataProvider shows and erases what the inbox holds about a person: the
// tickets they opened (with what they wrote and sent), and, for staff, the
// replies they wrote and the tickets they hold.
type dataProvider struct{ f *Feature }

func (dataProvider) DataName() string { return "Council inbox" }

func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	f := d.f
	ts, err := f.st.personTickets(ctx, person)
	if err != nil {
		return nil, err
	}
	var out, parts []string
	pending := false
	for _, t := range ts {
		if t.Number == 0 {
			pending = true
			continue
		}
		var n, media int
		if err := f.st.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(NULLIF(media_kind, '')) FROM inbox_messages
			WHERE ticket_id = ? AND direction = 'in'`, t.ID).Scan(&n, &media); err != nil {
			return nil, fmt.Errorf("describe tickets: %w", err)
		}
		desc := fmt.Sprintf("%s (%s, %s", t.Ref(), t.State, bot.Count(n, "message"))
		if media > 0 {
			desc += ", " + bot.Count(media, "attachment")
		}
		if t.State == stateOpen {
			desc += ", opened " + f.day(t.OpenedAt)
		} else {
			desc += ", closed " + f.day(t.ClosedAt)
		}
		parts = append(parts, desc+")")
	}
	if len(parts) > 0 {
		out = append(out, fmt.Sprintf("You wrote to the council inbox: %s. The council's staff group saw what you sent, and the tickets' times are kept for the council's records.", strings.Join(parts, "; ")))
	}
	if pending {
		out = append(out, "A message of yours is waiting for you to choose a team or answer a self-help reply; it has not been sent to the council.")
	}
	var replies, held int
	if err := f.st.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM inbox_messages WHERE author_id = ? AND direction = 'out'),
		(SELECT COUNT(*) FROM inbox_tickets WHERE assignee_id = ?)`, person, person).Scan(&replies, &held); err != nil {
		return nil, fmt.Errorf("describe staff work: %w", err)
	}
	if replies > 0 || held > 0 {
		var did []string
		if replies > 0 {
			did = append(did, "wrote "+bot.Count(replies, "reply")+" to residents")
		}
		if held > 0 {
			did = append(did, "hold "+bot.Count(held, "ticket"))
		}
		out = append(out, fmt.Sprintf("As council staff you %s; your name is shown with them.", strings.Join(did, " and ")))
	}
	return out, nil
}

// ForgetPerson erases a resident's ticket contents and media: each ticket
// keeps its number and times ("a former resident"), its messages lose
// their words, files and pins, and a message waiting at the menu is
// deleted. A staff member's name on replies and tickets is replaced.
func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	f := d.f
	ts, err := f.st.personTickets(ctx, person)
	if err != nil {
		return "", err
	}
	var files []string
	emptied := 0
	for _, t := range ts {
		rows, err := f.st.db.QueryContext(ctx, `SELECT media_file FROM inbox_messages WHERE ticket_id = ? AND media_file <> ''`, t.ID)
		if err != nil {
			return "", fmt.Errorf("forget tickets: %w", err)
		}
		for rows.Next() {
			var file string
			if err := rows.Scan(&file); err != nil {
				rows.Close()
				return "", fmt.Errorf("forget tickets: %w", err)
			}
			files = append(files, file)
		}
		rows.Close()
		if t.Number == 0 {
			if err := f.st.exec(ctx, "forget pending ticket", `DELETE FROM inbox_tickets WHERE id = ?`, t.ID); err != nil {
				return "", err
			}
			continue
		}
		emptied++
		if err := f.st.exec(ctx, "forget messages", `UPDATE inbox_messages SET text = '', media_kind = '', media_file = '', media_mime = '',
			media_name = '', media_size = 0, media_seconds = 0, media_voice = 0, lat = NULL, long = NULL, author_id = NULL
			WHERE ticket_id = ? AND direction = 'in'`, t.ID); err != nil {
			return "", err
		}
		if err := f.st.exec(ctx, "forget ticket", `UPDATE inbox_tickets SET person_id = NULL, forgotten = 1, state = CASE WHEN state = 'open' THEN 'closed' ELSE state END,
			closed_at = COALESCE(closed_at, ?), closed_by = CASE WHEN closed_by = '' THEN 'resident' ELSE closed_by END WHERE id = ?`, ms(f.clock.Now()), t.ID); err != nil {
			return "", err
		}
		if err := f.st.exec(ctx, "forget waiting posts", `DELETE FROM inbox_outbox WHERE ticket_id = ? AND kind = 'message'`, t.ID); err != nil {
			return "", err
		}
	}
	if err := f.st.exec(ctx, "forget limit", `DELETE FROM inbox_limits WHERE person_id = ?`, person); err != nil {
		return "", err
	}
	res, err := f.st.db.ExecContext(ctx, `UPDATE inbox_messages SET author_name = 'a former staff member', author_id = NULL WHERE author_id = ? AND direction = 'out'`, person)
	if err != nil {
		return "", fmt.Errorf("forget staff replies: %w", err)
	}
	replies, _ := res.RowsAffected()
	if err := f.st.exec(ctx, "forget assignments", `UPDATE inbox_tickets SET assignee_name = 'a former staff member', assignee_id = NULL WHERE assignee_id = ?`, person); err != nil {
		return "", err
	}
	removed, err := f.removeUnused(ctx, files)
	if err != nil {
		return "", err
	}
	var out []string
	if emptied > 0 {
		out = append(out, fmt.Sprintf("%s emptied (their numbers and times stay, as \"a former resident\")", bot.Count(emptied, "ticket")))
	}
	if removed > 0 {
		out = append(out, bot.Count(removed, "file")+" deleted")
	}
	if replies > 0 {
		out = append(out, fmt.Sprintf("your name removed from %s you wrote as staff", bot.Count(int(replies), "reply")))
	}
	if len(out) == 0 {
		return "nothing held", nil
	}
	return strings.Join(out, "; "), nil
}

// retentionJob deletes closed tickets older than retention_days with their
// messages and files, and menus or self-help offers left unanswered for a
// week (never sent to anyone), then plans the next night's run.
func (f *Feature) retentionJob(ctx context.Context, _ bot.Job) error {
	now := f.clock.Now()
	n, err := f.purge(ctx, now)
	if err != nil {
		f.log().Error("retention run", bot.KeyErr, err)
	} else if n > 0 {
		f.log().Info("deleted old tickets", "tickets", n)
	}
	return f.scheduleRetention(ctx)
}

func (f *Feature) purge(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.Add(-time.Duration(f.cfg.RetentionDays) * 24 * time.Hour)
	const old = `SELECT id FROM inbox_tickets WHERE (state = 'closed' AND closed_at < ?) OR (number IS NULL AND created_at < ?)`
	args := []any{ms(cutoff), ms(now.Add(-7 * 24 * time.Hour))}
	rows, err := f.st.db.QueryContext(ctx, `SELECT media_file FROM inbox_messages WHERE media_file <> '' AND ticket_id IN (`+old+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("purge tickets: %w", err)
	}
	var files []string
	for rows.Next() {
		var file string
		if err := rows.Scan(&file); err != nil {
			rows.Close()
			return 0, fmt.Errorf("purge tickets: %w", err)
		}
		files = append(files, file)
	}
	rows.Close()
	res, err := f.st.db.ExecContext(ctx, `DELETE FROM inbox_tickets WHERE id IN (`+old+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("purge tickets: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := f.st.exec(ctx, "purge posts", `DELETE FROM inbox_posts WHERE ticket_id IS NULL AND posted_at < ?`, ms(cutoff)); err != nil {
		return 0, err
	}
	if _, err := f.removeUnused(ctx, files); err != nil {
		return 0, err
	}
	return n, nil
}

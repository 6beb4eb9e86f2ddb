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
		n, media, err := f.st.residentMessages(ctx, t.ID)
		if err != nil {
			return nil, err
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
	replies, held, notes, err := f.st.staffWork(ctx, person)
	if err != nil {
		return nil, err
	}
	if replies > 0 || held > 0 || notes > 0 {
		var did []string
		if replies > 0 {
			did = append(did, "wrote "+bot.Count(replies, "reply")+" to residents")
		}
		if notes > 0 {
			did = append(did, "wrote "+bot.Count(notes, "internal note")+" on tickets")
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
		ticketFiles, err := f.st.ticketFiles(ctx, t.ID)
		if err != nil {
			return "", err
		}
		files = append(files, ticketFiles...)
		if t.Number == 0 {
			if err := f.st.forgetPendingTicket(ctx, t.ID); err != nil {
				return "", err
			}
			continue
		}
		emptied++
		if err := f.st.emptyTicket(ctx, t.ID, f.clock.Now()); err != nil {
			return "", err
		}
		if err := f.st.forgetNotes(ctx, t.ID); err != nil {
			return "", err
		}
	}
	replies, err := f.st.forgetStaffAndLimit(ctx, person)
	if err != nil {
		return "", err
	}
	if err := f.st.forgetNoteAuthor(ctx, person); err != nil {
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
	n, files, err := f.st.purgeTickets(ctx, cutoff, now.Add(-7*24*time.Hour))
	if err != nil {
		return 0, err
	}
	if _, err := f.removeUnused(ctx, files); err != nil {
		return 0, err
	}
	return n, nil
}

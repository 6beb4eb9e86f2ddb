package lending

import (
	"context"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// Loan reminders go by direct message, never to the group: to the borrower
// the day before the due date and on it; once overdue, to the borrower and
// the owner every overdue_every until the item is back. Each loan has one
// pending reminder job at a time (and, once one is overdue, the owner's
// note until it is sent), under its loan's key prefix, so !extend replaces
// them and !returned cancels them. A reminder that falls in quiet hours
// waits for their end, whether it was planned there or comes due there.
//
// The bot may only message people who have sent it a direct message (a
// command in the group is not enough), so a borrower who has not misses
// the reminders sent before they do: !lent asks them to, the chain of
// reminders goes on regardless, and once the loan is overdue the owner
// hears each time, told that the borrower could not be reminded.
//
// A loan whose borrower asked to be forgotten stays open until the owner
// types !returned, but nobody is left to remind: the owner alone hears when
// it is overdue, at the same cadence, at most maxFormerBorrowerReminders
// times counted from the due date, and then no more. A loan whose owner was
// forgotten gets no reminders at all: the borrower was told once, and the
// bot no longer chases anything on a forgotten person's behalf.
//
// A group that stops listening (the bot switched off or removed, lending
// left out of its features) hears nothing: each reminder sends nothing and
// plans the next, so the chain resumes on schedule if the group listens
// again. Stopping the chain instead would need restarting it when the group
// switches back on, and nothing tells lending when that happens.

// Reminder stages.
const (
	stageBefore  = "before"
	stageDue     = "due"
	stageOverdue = "overdue"
)

// maxFormerBorrowerReminders caps the overdue reminders an owner gets about
// a loan whose borrower was forgotten: the owner knows where the item is,
// and a reminder nobody can act on for ever would only be noise.
const maxFormerBorrowerReminders = 3

type remindPayload struct {
	Loan  int64  `json:"loan"`
	Stage string `json:"stage"`
	N     int    `json:"n,omitempty"` // which overdue reminder
	Due   int64  `json:"due"`         // the due date planned for, unix ms
}

// loanKey prefixes every job key of a loan; the trailing colon keeps loan
// 1's prefix from matching loan 12.
func loanKey(id int64) string { return fmt.Sprintf("lending:loan:%d:", id) }

// nextStage is the first reminder planned strictly after a moment, before
// quiet hours are applied.
func (f *Feature) nextStage(loan Loan, after time.Time) (stage string, n int, at time.Time) {
	due := loan.DueAt
	// A loan of under two days gets no "due tomorrow": it was just agreed.
	if before := due.Add(-24 * time.Hour); due.Sub(loan.LentAt) >= 48*time.Hour && before.After(after) {
		return stageBefore, 0, before
	}
	if due.After(after) {
		return stageDue, 0, due
	}
	every := f.cfg.OverdueEvery.D()
	n = int(after.Sub(due)/every) + 1
	return stageOverdue, n, due.Add(time.Duration(n) * every)
}

// scheduleReminder plans the loan's next reminder after a moment,
// replacing whatever was planned.
func (f *Feature) scheduleReminder(ctx context.Context, loan Loan, after time.Time) error {
	if err := f.jobs.Cancel(ctx, loanKey(loan.ID)); err != nil {
		return err
	}
	return f.scheduleNextReminder(ctx, loan, after)
}

// scheduleNextReminder adds the loan's next reminder, under its stage's
// own key. A running reminder must not cancel itself first: the engine
// finishes a job by id once its handler returns, so a successor given the
// freed id would be deleted with it. (Rescheduling under the job's own key,
// as heldByQuiet does, is safe: the core keeps a job replaced meanwhile.)
func (f *Feature) scheduleNextReminder(ctx context.Context, loan Loan, after time.Time) error {
	if loan.OwnerID == 0 {
		return nil // the owner was forgotten: nobody to remind on their behalf
	}
	if loan.BorrowerID == 0 && after.Before(loan.DueAt) {
		// Only the owner is left: no "due tomorrow" or "due today" for a
		// borrower, just the overdue reminders.
		after = loan.DueAt
	}
	stage, n, at := f.nextStage(loan, after)
	if loan.BorrowerID == 0 && n > maxFormerBorrowerReminders {
		return nil
	}
	run := f.quiet.NextAllowed(at)
	p := remindPayload{Loan: loan.ID, Stage: stage, N: n, Due: loan.DueAt.UnixMilli()}
	key := fmt.Sprintf("%sremind:%s%d", loanKey(loan.ID), stage, n)
	if err := f.jobs.Schedule(ctx, jobRemind, key, run, p); err != nil {
		return fmt.Errorf("schedule loan reminder: %w", err)
	}
	return nil
}

// runReminder plans the next reminder and sends this one.
//
// The next one is planned before anything is sent, under its own stage's
// key: a failure to plan it retries the job before anyone has heard, and a
// retry after a failed send plans the same reminder again rather than a
// second one. Each message is retried on its own: the borrower's is sent
// here, so a failed send retries this job, and the owner's overdue note,
// once the borrower's has gone, is a notice job of its own, so a dropped
// connection delays it rather than losing it and its retries never repeat
// the borrower's.
func (f *Feature) runReminder(ctx context.Context, job bot.Job, p remindPayload) error {
	if held, err := f.heldByQuiet(ctx, job); held || err != nil {
		return err
	}
	loan, err := f.st.loan(ctx, p.Loan)
	if errors.Is(err, bot.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// A reminder planned for an earlier due date, or a loan since returned,
	// is stale: extend and return replace or cancel jobs, this is a backstop.
	// A loan whose owner was forgotten is reminded about no more.
	if loan.State != stateOut || p.Due != loan.DueAt.UnixMilli() || loan.OwnerID == 0 {
		return nil
	}
	now := f.clock.Now()
	if err := f.scheduleNextReminder(ctx, loan, now); err != nil {
		return err
	}
	// A group that stopped listening hears nothing; the chain goes on.
	if listens, err := f.groupStillListens(ctx, loan.Chat); err != nil || !listens {
		return err
	}
	owner, err := f.person(ctx, loan.OwnerID)
	if err != nil {
		return err
	}
	if loan.BorrowerID == 0 {
		return f.remindOwnerOfFormerBorrower(ctx, loan, owner, p.N, now)
	}
	borrower, err := f.person(ctx, loan.BorrowerID)
	if err != nil {
		return err
	}
	group := f.groupName(ctx, loan.Chat)
	pre := f.prefix
	var toBorrower string
	switch {
	case p.Stage != stageOverdue && !loan.DueAt.Before(now):
		toBorrower = fmt.Sprintf("Reminder: %s's %s is due back %s (%s). Need longer? Ask %s — they can type %sextend %s 3d in %s. Once you've given it back, type %sreturned %s there.",
			owner.DisplayName(), loan.Item, f.relativeDay(loan.DueAt, now), formatDue(loan.DueAt, f.loc, f.cfg.DueTime),
			owner.DisplayName(), pre, typable(loan.Item), group, pre, typable(loan.Item))
	case p.Stage != stageOverdue:
		// The due-date reminder, held past the due time by quiet hours.
		toBorrower = fmt.Sprintf("Reminder: %s's %s was due back %s (%s). Need longer? Ask %s. Once you've given it back, type %sreturned %s in %s.",
			owner.DisplayName(), loan.Item, f.relativeDay(loan.DueAt, now), formatDue(loan.DueAt, f.loc, f.cfg.DueTime), owner.DisplayName(), pre, typable(loan.Item), group)
	default:
		toBorrower = fmt.Sprintf("%s's %s was due back %s. Please return it, or ask %s for more time. Once it's back, type %sreturned %s in %s.",
			owner.DisplayName(), loan.Item, f.relativeDay(loan.DueAt, now), owner.DisplayName(), pre, typable(loan.Item), group)
	}
	// A borrower the bot may not message (never addressed it) misses this
	// reminder, but the chain goes on, so the next one reaches them once
	// they have, and the owner still hears when it is overdue.
	reminded, err := f.dm(ctx, borrower, toBorrower)
	if err != nil || p.Stage != stageOverdue {
		return err
	}
	toOwner := fmt.Sprintf("Your %s is still with %s — it was due back %s. I've reminded them privately. When it's back, type %sreturned %s in %s.",
		loan.Item, borrower.DisplayName(), f.relativeDay(loan.DueAt, now), pre, typable(loan.Item), group)
	if !reminded {
		toOwner = fmt.Sprintf("Your %s is still with %s — it was due back %s. I can't remind them privately: they have never messaged me, so please ask them yourself. When it's back, type %sreturned %s in %s.",
			loan.Item, borrower.DisplayName(), f.relativeDay(loan.DueAt, now), pre, typable(loan.Item), group)
	}
	// Under the loan's key, so !returned and !extend cancel a note still
	// waiting; keyed by stage, so booking it again replaces it. A failure
	// to book it retries this job, repeating the borrower's reminder: only
	// the database failing between the two can cause that, where losing the
	// owner's note would be the alternative.
	note := noticePayload{Person: owner.ID, Text: toOwner, Chat: loan.Chat, Loan: loan.ID}
	if err := f.jobs.Schedule(ctx, jobNotice, fmt.Sprintf("%sowner:%s%d", loanKey(loan.ID), p.Stage, p.N), now, note); err != nil {
		return fmt.Errorf("book the owner's overdue note: %w", err)
	}
	return nil
}

// remindOwnerOfFormerBorrower is the overdue reminder, to the owner alone,
// for a loan whose borrower asked to be forgotten; the caller has planned
// the next.
func (f *Feature) remindOwnerOfFormerBorrower(ctx context.Context, loan Loan, owner bot.Person, n int, now time.Time) error {
	text := fmt.Sprintf("Your %s, lent on %s to a neighbour who has since asked me to forget them, was due back %s. I can't remind them. When it's back, type %sreturned %s in %s.",
		loan.Item, formatDay(loan.LentAt, f.loc), f.relativeDay(loan.DueAt, now), f.prefix, typable(loan.Item), f.groupName(ctx, loan.Chat))
	if n >= maxFormerBorrowerReminders {
		text += " This is my last reminder about it; it stays on your list until then."
	}
	// An owner the bot may not message misses this one; the capped chain
	// goes on so a later one reaches them once they have addressed it.
	_, err := f.dm(ctx, owner, text)
	return err
}

// relativeDay writes a date relative to now in the bot's time zone:
// "today", "tomorrow", "yesterday" or "on Mon 12 Jan".
func (f *Feature) relativeDay(t, now time.Time) string {
	a, b := t.In(f.loc), now.In(f.loc)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	switch int(da.Sub(db).Hours() / 24) {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	case -1:
		return "yesterday"
	}
	return "on " + formatDay(t, f.loc)
}

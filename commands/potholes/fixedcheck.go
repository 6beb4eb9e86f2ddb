package potholes

import (
	"context"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// jobFixedCheck asks the group, once, whether a report that is still
// unresolved fixed_check_after its filing has been fixed — FixMyStreet's
// four-week question, put to the neighbours who walk past it rather than
// to the reporter alone. Keys start with the report (fixedCheckPrefix) so
// resolving it cancels the question; each booking has its own key because
// a check held by quiet hours books its successor from inside the job.
const jobFixedCheck = "potholes.fixedcheck"

// askedFixedEvent is the history line that makes the question once only.
const askedFixedEvent = "asked if fixed"

func fixedCheckPrefix(id int64) string { return fmt.Sprintf("potholes.fixedcheck:%d:", id) }

type fixedCheckPayload struct {
	Report int64 `json:"report"`
}

// scheduleFixedCheck books the question for fixed_check_after from, unless
// it is switched off.
func (f *feature) scheduleFixedCheck(ctx context.Context, id int64, from time.Time) error {
	after := f.cfg.FixedCheckAfter.D()
	if after <= 0 {
		return nil
	}
	return f.bookFixedCheck(ctx, id, from.Add(after))
}

func (f *feature) bookFixedCheck(ctx context.Context, id int64, at time.Time) error {
	key := fmt.Sprintf("%s%d", fixedCheckPrefix(id), at.UnixMilli())
	return f.e.Schedule(ctx, jobFixedCheck, key, at, fixedCheckPayload{Report: id})
}

// runFixedCheck puts the question to the report's group.
func (f *feature) runFixedCheck(ctx context.Context, job bot.Job) error {
	var pl fixedCheckPayload
	r, ok, err := f.jobReport(ctx, job, &pl)
	if !ok {
		return err
	}
	if r.Status.Resolved() {
		return nil
	}
	asked, err := f.store.hasEvent(ctx, r.ID, askedFixedEvent)
	if err != nil || asked {
		return err
	}
	now := f.e.Now()
	if f.deps.Quiet.Contains(now) {
		return f.bookFixedCheck(ctx, r.ID, f.deps.Quiet.NextAllowed(now))
	}
	on, err := f.groupListening(ctx, r.Chat)
	if err != nil {
		return err
	}
	if !on {
		// The group switched the bot or potholes off: no question, now or
		// later.
		f.e.Log().Info("potholes: group has the bot or potholes off; not asking if fixed", "chat", r.Chat, "report", r.ID)
		return nil
	}
	// Recorded before asking, so a failed send never leads to asking twice.
	if err := f.store.apply(ctx, r, change{events: []event{{At: now, Kind: askedFixedEvent}}}); err != nil {
		return err
	}
	return f.post(ctx, r, postFixedCheck)
}

// fixedCheckText is the question put to the group about r.
func (f *feature) fixedCheckText(r Report, now time.Time) string {
	p := f.e.Prefix()
	return fmt.Sprintf("%s (%s) was reported %s — is it fixed? Type %sfixed %s, or %smetoo %s if it's still there.",
		r.Ref(), bot.Truncate(r.Description, 60), weeksAgo(r.Created, now), p, r.Ref(), p, r.Ref())
}

// weeksAgo says how long ago t was in weeks once that is the natural unit
// ("4 weeks ago"), and as age does below that.
func weeksAgo(t, now time.Time) string {
	days := int(now.Sub(t) / (24 * time.Hour))
	if days >= 14 || (days >= 7 && days%7 == 0) {
		return plural(days/7, "week") + " ago"
	}
	return age(t, now)
}

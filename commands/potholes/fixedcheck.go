package potholes

import (
	"context"
	"fmt"
	"strings"
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
func (f *Feature) scheduleFixedCheck(ctx context.Context, id int64, from time.Time) error {
	after := f.cfg.FixedCheckAfter.D()
	if after <= 0 {
		return nil
	}
	return f.bookFixedCheck(ctx, id, from.Add(after))
}

func (f *Feature) bookFixedCheck(ctx context.Context, id int64, at time.Time) error {
	key := fmt.Sprintf("%s%d", fixedCheckPrefix(id), at.UnixMilli())
	return f.jobs.Schedule(ctx, jobFixedCheck, key, at, fixedCheckPayload{Report: id})
}

// fixedCheckJob puts the question to the report's group.
func (f *Feature) fixedCheckJob(ctx context.Context, _ bot.Job, pl fixedCheckPayload) error {
	r, ok, err := f.jobReport(ctx, pl.Report)
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
	now := f.clock.Now()
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
		f.log().Info("group has the bot or potholes off; not asking if fixed", bot.KeyChat, r.Chat, "report", r.ID)
		return nil
	}
	// The question goes out with the others due in the group, in one
	// message a day (jobFixedDigest): never a burst of one per report.
	due, err := f.store.hasEvent(ctx, r.ID, fixedDueEvent)
	if err != nil {
		return err
	}
	if !due {
		if err := f.store.apply(ctx, r, change{events: []event{{At: now, Kind: fixedDueEvent}}}); err != nil {
			return err
		}
	}
	return f.bookFixedDigest(ctx, r.Chat, f.digestSlot(now))
}

// jobFixedDigest asks a group, in one message, about every report there
// that is due the "is it fixed?" question: at most one such message per
// group a day, at digestHour, listing up to maxDigest reports (the rest
// come the next day). Eight reports filed one morning do not become eight
// messages four weeks later — the burst that gets numbers banned.
const jobFixedDigest = "potholes.fixeddigest"

// fixedDueEvent marks a report whose question waits for the day's message;
// it is not shown in the report's history.
const fixedDueEvent = "fixed check due"

// digestHour is the local hour of the day's question (held past quiet hours).
const digestHour = 9

// maxDigest bounds the reports one message lists, keeping it short.
const maxDigest = 8

type digestPayload struct {
	Chat string `json:"chat"`
}

// digestSlot is the first digest time at or after t: digestHour that day
// or the next, moved out of quiet hours.
func (f *Feature) digestSlot(t time.Time) time.Time {
	lt := t.In(f.deps.Location)
	slot := time.Date(lt.Year(), lt.Month(), lt.Day(), digestHour, 0, 0, 0, f.deps.Location)
	if t.After(slot) {
		slot = slot.AddDate(0, 0, 1)
	}
	return f.deps.Quiet.NextAllowed(slot)
}

// bookFixedDigest books a group's message for a slot: the key is the group
// and the slot, so every report due before it shares one message.
func (f *Feature) bookFixedDigest(ctx context.Context, chat bot.ChatID, at time.Time) error {
	key := fmt.Sprintf("%s:%s:%d", jobFixedDigest, chat, at.UnixMilli())
	return f.jobs.Schedule(ctx, jobFixedDigest, key, at, digestPayload{Chat: string(chat)})
}

// fixedDigestJob puts the day's question to a group.
func (f *Feature) fixedDigestJob(ctx context.Context, _ bot.Job, pl digestPayload) error {
	if pl.Chat == "" {
		f.log().Error("fixed-check digest without a group; dropped")
		return nil
	}
	chat := bot.ChatID(pl.Chat)
	now := f.clock.Now()
	if f.deps.Quiet.Contains(now) {
		return f.bookFixedDigest(ctx, chat, f.deps.Quiet.NextAllowed(now))
	}
	on, err := f.groupListening(ctx, chat)
	if err != nil || !on {
		return err
	}
	reports, total, err := f.store.fixedCheckDue(ctx, chat, maxDigest)
	if err != nil || len(reports) == 0 {
		return err
	}
	// Recorded before asking, so a failed send never leads to asking twice.
	for _, r := range reports {
		if err := f.store.apply(ctx, r, change{events: []event{{At: now, Kind: askedFixedEvent}}}); err != nil {
			return err
		}
	}
	if total > len(reports) {
		if err := f.bookFixedDigest(ctx, chat, f.digestSlot(now.Add(time.Minute))); err != nil {
			return err
		}
	}
	if _, err := f.out.Send(ctx, bot.OutMessage{Chat: chat, Text: f.digestText(reports, total, now)}); err != nil {
		f.log().Warn("fixed-check question to group failed", bot.KeyChat, chat, bot.KeyErr, err)
	}
	return nil
}

// digestText is the day's question: one report as a sentence, several as
// a short list.
func (f *Feature) digestText(reports []Report, total int, now time.Time) string {
	if len(reports) == 1 && total == 1 {
		return f.fixedCheckText(reports[0], now)
	}
	p := f.prefix
	var b strings.Builder
	b.WriteString("Still there? These reports are still open:")
	for _, r := range reports {
		fmt.Fprintf(&b, "\n• %s — %s (reported %s)", r.Ref(), bot.Truncate(r.Description, 60), weeksAgo(r.Created, now))
	}
	if more := total - len(reports); more > 0 {
		fmt.Fprintf(&b, "\n…and %d more — I'll ask about the rest tomorrow; %spotholes lists every open report.", more, p)
	}
	ex := reports[0].Ref()
	fmt.Fprintf(&b, "\nIf one is fixed, reply %sfixed %s; if it's still there, %smetoo %s.", p, ex, p, ex)
	return b.String()
}

// fixedCheckText is the question put to the group about r.
func (f *Feature) fixedCheckText(r Report, now time.Time) string {
	p := f.prefix
	return fmt.Sprintf("%s (%s) was reported %s — is it fixed? Type %sfixed %s, or %smetoo %s if it's still there.",
		r.Ref(), bot.Truncate(r.Description, 60), weeksAgo(r.Created, now), p, r.Ref(), p, r.Ref())
}

// weeksAgo says how long ago t was in weeks once that is the natural unit
// ("4 weeks ago"), and as age does below that.
func weeksAgo(t, now time.Time) string {
	days := int(now.Sub(t) / (24 * time.Hour))
	if days >= 14 || (days >= 7 && days%7 == 0) {
		return bot.Count(days/7, "week") + " ago"
	}
	return age(t, now)
}

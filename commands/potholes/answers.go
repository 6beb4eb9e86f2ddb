package potholes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/potholes/open311"
)

// A report whose council asks questions it needs (required attributes)
// waits for the answers before it is sent: its send state is "waiting",
// the group is asked, reminded once a day later, and the last answer sends
// it. Where the council accepts requests without them (allow_unanswered),
// an admin can send it anyway.

const (
	sendWaiting = "waiting"
	// sendAnywayEvent queues a send without the council's required answers.
	sendAnywayEvent  = "send anyway"
	waitingEvent     = "waiting for answers"
	jobAnswerRemind  = "potholes.answerremind"
	answerRemindWait = 24 * time.Hour
)

func answerRemindPrefix(id int64) string { return fmt.Sprintf("potholes.answerremind:%d:", id) }

// handleAnswer is "!answer P7 VALUE": the answer to the council's next
// question about P7 ("skip" passes an optional one).
func (f *Feature) handleAnswer(ctx context.Context, req *bot.Request) error {
	p := f.prefix
	fields := req.Fields()
	if len(fields) < 2 {
		return bot.Userf("Usage: %sanswer P7 ANSWER — the answer to the council's question about report P7 (%spothole P7 shows it).", p, p)
	}
	r, err := f.loadRef(ctx, req, fields[0])
	if err != nil {
		return err
	}
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(req.Args), fields[0]))
	switch {
	case r.Status.Resolved():
		return bot.Userf("%s is already marked %s — the council doesn't need answers about it now.", r.Ref(), r.Status)
	case r.ServiceRequestID != "" || r.Token != "" || r.SendState == sendDone:
		return bot.Userf("%s has already gone to the council, so answers can't be added to it now.", r.Ref())
	}
	open, _, err := f.openQuestions(ctx, r)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		if len(f.questions(r)) == 0 {
			return bot.Userf("The council has no questions about %s reports.", r.Category)
		}
		return bot.Userf("All the council's questions about %s are answered — thanks.", r.Ref())
	}
	q := open[0]
	var val string
	if strings.EqualFold(text, "skip") {
		if q.Required {
			return bot.Userf("The council needs this one to take the report, so it can't be skipped. %s", f.askText(r, q))
		}
	} else {
		v, err := parseAnswer(q, text)
		if err != nil {
			return bot.Userf("%s. %s", upperFirst(err.Error()), f.askText(r, q))
		}
		val = v
	}
	now := req.Now()
	c := change{events: []event{{At: now, ActorID: req.Sender.ID, Kind: councilAnswerEvent, Detail: q.Code + "=" + val}}}
	var b strings.Builder
	if val == "" {
		b.WriteString("Skipped.")
	} else {
		fmt.Fprintf(&b, "Thanks — noted for the council: %s", bot.Truncate(shownAnswer(q, val), 60))
		b.WriteString(".")
	}
	rest := open[1:]
	missing := 0
	for _, o := range rest {
		if o.Required {
			missing++
		}
	}
	if r.SendState == sendWaiting && missing == 0 {
		r.SendState, r.NextSendAt, r.Updated = sendQueued, now, now
		c.saveMutables = true
		c.events = append(c.events, event{At: now, Kind: "send queued", Detail: "the council's questions answered"})
		if err := f.jobs.Cancel(ctx, answerRemindPrefix(r.ID)); err != nil {
			return err
		}
		if err := f.queueSend(ctx, r, c); err != nil {
			return err
		}
		fmt.Fprintf(&b, " That's what the council needed — sending %s now… %spothole %s shows how it went.", r.Ref(), p, r.Ref())
		return req.Reply(ctx, b.String())
	}
	if err := f.store.apply(ctx, r, c); err != nil {
		return err
	}
	if len(rest) > 0 {
		b.WriteString("\n" + f.askText(r, rest[0]))
	} else {
		fmt.Fprintf(&b, " That's all the council asks about %s.", r.Ref())
	}
	return req.Reply(ctx, b.String())
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// holdForAnswers is called by the send job: when r still lacks answers
// the council requires (and no admin chose to send it anyway), it waits
// instead of going, the group is asked, and a reminder is booked. It
// reports whether r is held.
func (f *Feature) holdForAnswers(ctx context.Context, r Report) (bool, error) {
	_, missing, err := f.openQuestions(ctx, r)
	if err != nil || missing == 0 {
		return false, err
	}
	latest, err := f.store.latestEventOf(ctx, r.ID, sendAnywayEvent, "send queued")
	if err != nil || latest == sendAnywayEvent {
		return false, err
	}
	r, err = f.markWaiting(ctx, r, missing)
	if err != nil {
		return true, err
	}
	return true, f.sendNews(ctx, r)
}

// markWaiting puts r in the waiting state with a reminder booked.
func (f *Feature) markWaiting(ctx context.Context, r Report, missing int) (Report, error) {
	now := f.clock.Now()
	r.SendState, r.NextSendAt, r.Updated = sendWaiting, time.Time{}, now
	if err := f.jobs.Cancel(ctx, sendPrefix(r.ID)); err != nil {
		return r, err
	}
	if err := f.jobs.Cancel(ctx, answerRemindPrefix(r.ID)); err != nil {
		return r, err
	}
	at := now.Add(answerRemindWait)
	if err := f.jobs.Schedule(ctx, jobAnswerRemind, fmt.Sprintf("%s%d", answerRemindPrefix(r.ID), at.UnixMilli()), at, sendPayload{Report: r.ID}); err != nil {
		return r, err
	}
	return r, f.store.apply(ctx, r, change{saveMutables: true, events: []event{{At: now, Kind: waitingEvent,
		Detail: bot.Count(missing, "required answer") + " missing"}}})
}

// waitingText asks the group for the answer r waits for.
func (f *Feature) waitingText(ctx context.Context, r Report, reminder bool) (string, error) {
	open, missing, err := f.openQuestions(ctx, r)
	if err != nil || missing == 0 {
		return "", err
	}
	var q open311.Attribute
	for _, o := range open {
		if o.Required {
			q = o
			break
		}
	}
	lead := fmt.Sprintf("%s is ready to go to the council, but they need an answer first.", r.Ref())
	if reminder {
		lead = fmt.Sprintf("Reminder: %s is still waiting for an answer before it can go to the council.", r.Ref())
	}
	msg := lead + " " + f.askText(r, q)
	if f.cfg.AllowUnanswered {
		msg += fmt.Sprintf(" (An admin can send it without: %spothole %s send anyway.)", f.prefix, r.Ref())
	}
	return msg, nil
}

// answerRemindJob reminds the group once that a report waits for answers.
func (f *Feature) answerRemindJob(ctx context.Context, _ bot.Job, pl sendPayload) error {
	r, ok, err := f.jobReport(ctx, pl.Report)
	if !ok || r.SendState != sendWaiting || r.Status.Resolved() {
		return err
	}
	if now := f.clock.Now(); f.deps.Quiet.Contains(now) {
		at := f.deps.Quiet.NextAllowed(now)
		return f.jobs.Schedule(ctx, jobAnswerRemind, fmt.Sprintf("%s%d", answerRemindPrefix(r.ID), at.UnixMilli()), at, pl)
	}
	return f.post(ctx, r, postAnswerReminder)
}

// adminSendAnyway is "!pothole P7 send anyway": send without the
// council's required answers, where the config says the council accepts
// that.
func (f *Feature) adminSendAnyway(ctx context.Context, req *bot.Request, r Report) error {
	p := f.prefix
	_, missing, err := f.openQuestions(ctx, r)
	if err != nil {
		return err
	}
	if missing == 0 {
		return f.adminSend(ctx, req, r)
	}
	if !f.cfg.AllowUnanswered {
		text, err := f.waitingText(ctx, r, false)
		if err != nil {
			return err
		}
		return bot.Userf("The council needs its questions answered before it takes a report (the bot's config doesn't allow sending without them, allow_unanswered). %s", strings.TrimPrefix(text, r.Ref()+" is ready to go to the council, but they need an answer first. "))
	}
	if err := f.cannotSend(r); err != nil {
		return err
	}
	switch {
	case r.Status.Resolved():
		return bot.Userf("%s is already marked %s — there's nothing to send.", r.Ref(), r.Status)
	case r.ServiceRequestID != "" || r.Token != "" || r.SendState == sendDone:
		return bot.Userf("%s was already sent.", r.Ref())
	case r.SendState == sendSending || r.SendState == sendUnsure:
		return bot.Userf("%s may already have reached the council; type %spothole %s send to try again.", r.Ref(), p, r.Ref())
	}
	now := req.Now()
	r.SendState, r.SendAttempts, r.NextSendAt, r.Updated = sendQueued, 0, now, now
	if err := f.jobs.Cancel(ctx, answerRemindPrefix(r.ID)); err != nil {
		return err
	}
	if err := f.queueSend(ctx, r, change{saveMutables: true, events: []event{{At: now, ActorID: req.Sender.ID, Kind: sendAnywayEvent,
		Detail: bot.Count(missing, "required answer") + " missing"}}}); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Sending %s to the council without the %s… %spothole %s shows how it went.", r.Ref(), bot.Count(missing, "missing answer"), p, r.Ref()))
}

package potholes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/potholes/open311"

	gomail "github.com/wneessen/go-mail"
)

// Job kinds. Keys start with the report id (sendPrefix, pollPrefix) so a
// report's pending jobs can be cancelled together. Each run that schedules
// a follow-up uses a new key (the attempt number, the check's time): the
// engine deletes a finished job by id, which would take a same-key
// follow-up scheduled from inside the job with it.
const (
	jobSend = "potholes.send"
	jobPoll = "potholes.poll"
)

func sendPrefix(id int64) string { return fmt.Sprintf("potholes.send:%d:", id) }
func pollPrefix(id int64) string { return fmt.Sprintf("potholes.poll:%d:", id) }

// sendKey names the job making a report's attempt-th send attempt.
func sendKey(id int64, attempt int) string { return fmt.Sprintf("%s%d", sendPrefix(id), attempt) }

// pollKey names the status check due at.
func pollKey(id int64, at time.Time) string {
	return fmt.Sprintf("%s%d", pollPrefix(id), at.UnixMilli())
}

// schedulePoll books the next status check. Payloads carry the report's id
// and timings only: nothing about people, nothing a resident typed.
func (f *Feature) schedulePoll(ctx context.Context, at time.Time, pl pollPayload) error {
	return f.jobs.Schedule(ctx, jobPoll, pollKey(pl.Report, at), at, pl)
}

// startPolling books a report's first status check after one interval,
// beginning a run of checks that lasts status_poll_for.
func (f *Feature) startPolling(ctx context.Context, id int64, now time.Time) error {
	return f.schedulePoll(ctx, now.Add(f.cfg.StatusPollInterval.D()), pollPayload{Report: id, Since: now.UnixMilli()})
}

type sendPayload struct {
	Report int64 `json:"report"`
}

type pollPayload struct {
	Report int64 `json:"report"`
	// Since is when this run of status checks began (unix milliseconds);
	// they stop status_poll_for after it. Absent in checks booked by older
	// versions, which count from the report's send instead.
	Since int64 `json:"since,omitempty"`
	// Wait is how long this check was put off after the council's server
	// timed out (milliseconds); 0 is the normal status_poll_interval.
	Wait int64 `json:"wait,omitempty"`
}

// History lines about the council follow-up.
const (
	// sendPausedEvent: the report was due to go while the group had the
	// bot or potholes off, so it was not sent.
	sendPausedEvent = "send paused"
	// pollStoppedEvent and pollRestartedEvent: status checks ended
	// without the council resolving the report, and an admin started them
	// again.
	pollStoppedEvent   = "status checks stopped"
	pollRestartedEvent = "status checks restarted"
)

// maxPollBackoff bounds how far a status check is put off after timeouts,
// as a multiple of status_poll_interval.
const maxPollBackoff = 8

// pollBackoff is the wait before the next check after one that timed out:
// double the last wait (at least one interval), at most maxPollBackoff
// intervals.
func pollBackoff(interval, last time.Duration) time.Duration {
	return min(max(last, interval)*2, maxPollBackoff*interval)
}

// Sending retries with backoff: 5m, 10m, 20m, 40m, 80m (or later when the
// council's server asks so with Retry-After), then gives up and says so; an
// admin can start again with !pothole P7 send.
const maxSendAttempts = 6

var sendRetry = bot.Backoff{Base: 5 * time.Minute, Max: 80 * time.Minute, MaxRetryAfter: 24 * time.Hour}

func sendBackoff(attempt int, callErr error) time.Duration {
	return sendRetry.Delay(attempt, "", bot.RetryAfterOf(callErr))
}

// adminSend queues a report for the council; the send job posts the outcome.
func (f *Feature) adminSend(ctx context.Context, req *bot.Request, r Report) error {
	p := f.prefix
	if !f.sendingSetUp() {
		return errNoCouncil
	}
	if !r.Status.Resolved() && f.council != nil && (r.ServiceRequestID != "" || r.Token != "") {
		// Already with the council: if its status checks have stopped,
		// "send" starts them again.
		stopped, err := f.pollingStopped(ctx, r.ID)
		if err != nil {
			return err
		}
		if stopped {
			return f.restartPolling(ctx, req, r)
		}
	}
	if err := f.sendRefusal(ctx, r); err != nil {
		return err
	}
	// The council's required questions come first: asked here, and the
	// report waits (the last answer sends it).
	if _, missing, err := f.openQuestions(ctx, r); err != nil {
		return err
	} else if missing > 0 && (r.SendState == sendNone || r.SendState == sendWaiting || r.SendState == sendFailed) {
		if r.SendState != sendWaiting {
			if r, err = f.markWaiting(ctx, r, missing); err != nil {
				return err
			}
		}
		text, err := f.waitingText(ctx, r, false)
		if err != nil {
			return err
		}
		return req.Reply(ctx, text)
	}
	now := req.Now()
	paused, err := f.sendPaused(ctx, r)
	if err != nil {
		return err
	}
	if r.SendState == sendQueued && !paused {
		// Queued but not sent: its job is due now, so normally it has
		// already run. Book it again rather than refuse, in case the job
		// was lost (the bot stopped at the wrong moment); booking replaces
		// any job still waiting, so the report still goes once.
		if err := f.bookSend(ctx, r); err != nil {
			return err
		}
		return req.Reply(ctx, fmt.Sprintf("%s is already queued — sending it to the council now… %spothole %s shows how it went.", r.Ref(), p, r.Ref()))
	}
	verb, detail := f.newSendRound(&r)
	r.SendState, r.NextSendAt, r.Updated = sendQueued, now, now
	if err := f.queueSend(ctx, r, change{saveMutables: true, events: []event{{At: now, ActorID: req.Sender.ID, Kind: "send queued", Detail: detail}}}); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("%s %s to the council… %spothole %s shows how it went.", verb, r.Ref(), p, r.Ref()))
}

// sendRefusal says why an admin's "send" cannot go ahead for r (already
// emailed or sent, resolved, or missing what the council needs), or nil.
func (f *Feature) sendRefusal(ctx context.Context, r Report) error {
	emailed, err := f.emailedTo(ctx, r)
	if err != nil {
		return err
	}
	switch {
	case emailed != "":
		return bot.Userf("%s was already emailed to the council (%s). Admins set its status here as the council replies.", r.Ref(), emailed)
	case f.cannotSend(r) != nil:
		return f.cannotSend(r)
	case r.Status.Resolved():
		return bot.Userf("%s is already marked %s — there's nothing to send.", r.Ref(), r.Status)
	case r.ServiceRequestID != "":
		return bot.Userf("%s was already sent (council reference %s).", r.Ref(), r.ServiceRequestID)
	case r.Token != "":
		return bot.Userf("%s was already sent; the council hasn't given it a reference number yet.", r.Ref())
	}
	return nil
}

// newSendRound words an admin's "send" for the state r is in, and starts a
// fresh retry budget where the earlier round has ended.
func (f *Feature) newSendRound(r *Report) (verb, detail string) {
	switch r.SendState {
	case sendRetrying:
		// Try now instead of waiting; the attempts so far still count.
		return "Trying again to send", "now instead of at " + f.when(r.NextSendAt)
	case sendFailed:
		// A new round with a fresh retry budget.
		detail = "again after " + bot.Count(r.SendAttempts, "failed attempt")
		r.SendAttempts = 0
		return "Trying again to send", detail
	case sendSending, sendUnsure:
		// The admin has decided the earlier attempt did not arrive (or
		// accepts a possible duplicate): a new round.
		r.SendAttempts = 0
		return "Trying again to send", "although the attempt at " + f.when(r.SendStartedAt) + " may have reached the council"
	}
	return "Sending", ""
}

var errNoCouncil = bot.Userf("Sending to the council isn't set up: the bot's config needs a [potholes] base_url for the council's Open311 service, or send_method = \"email\" with a [potholes.email] mail server.")

// sendingSetUp reports whether any category can go to the council.
func (f *Feature) sendingSetUp() bool {
	for _, cat := range f.cfg.Categories {
		if f.cannotSendCategory(cat, "") == nil {
			return true
		}
	}
	return false
}

// cannotSend says why r cannot go to the council as configured; nil when
// it can.
func (f *Feature) cannotSend(r Report) error { return f.cannotSendCategory(r.Category, r.Ref()) }

func (f *Feature) cannotSendCategory(cat, ref string) error {
	if ref == "" {
		ref = "it"
	}
	switch f.cfg.methodFor(cat) {
	case methodEmail:
		if f.mailer == nil || f.cfg.Email.recipient(cat) == "" {
			return bot.Userf("Sending %s reports by email isn't set up (the config's [potholes.email] needs a mail server and the council's address), so I can't send %s.", cat, ref)
		}
		return nil
	default:
		if f.council == nil {
			return bot.Userf("Sending %s reports by Open311 isn't set up (the config has no [potholes] base_url), so I can't send %s.", cat, ref)
		}
		if f.cfg.ServiceCodes[cat] == "" {
			return bot.Userf("There's no council service code for %s reports in the config ([potholes] service_codes), so I can't send %s.", cat, ref)
		}
		return nil
	}
}

// sendPaused reports whether r is queued but was held back because its
// group had the bot or potholes off when it was due (sendJob): it waits for
// an admin's !pothole P7 send.
func (f *Feature) sendPaused(ctx context.Context, r Report) (bool, error) {
	if r.SendState != sendQueued {
		return false, nil
	}
	latest, err := f.store.latestEventOf(ctx, r.ID, sendPausedEvent, "send queued", sendAnywayEvent, waitingEvent, "send failed", "send interrupted", "sent")
	return latest == sendPausedEvent, err
}

// pollingStopped reports whether r's status checks were stopped (the group
// switched the bot or potholes off, or status_poll_for ran out) and not
// restarted since.
func (f *Feature) pollingStopped(ctx context.Context, id int64) (bool, error) {
	latest, err := f.store.latestEventOf(ctx, id, pollStoppedEvent, pollRestartedEvent)
	return latest == pollStoppedEvent, err
}

// adminCheck is "!pothole P7 check": status checks of a sent report start
// again now, for another status_poll_for.
func (f *Feature) adminCheck(ctx context.Context, req *bot.Request, r Report) error {
	p := f.prefix
	switch {
	case f.council == nil && f.mailer == nil:
		return errNoCouncil
	case r.Status.Resolved():
		return bot.Userf("%s is already marked %s — there's nothing to check with the council.", r.Ref(), r.Status)
	case r.SendState == sendDone && r.ServiceRequestID == "" && r.Token == "":
		return bot.Userf("%s went to the council by email, which doesn't report back by itself: admins set its status here as the council replies (%spothole %s fixed, say).", r.Ref(), p, r.Ref())
	case r.ServiceRequestID == "" && r.Token == "":
		return bot.Userf("%s hasn't gone to the council yet, so there's nothing to check. An admin can send it with %spothole %s send.", r.Ref(), p, r.Ref())
	}
	return f.restartPolling(ctx, req, r)
}

// restartPolling replaces r's status checks with a new run starting now.
// The first check is due at once; the engine runs it after this command.
func (f *Feature) restartPolling(ctx context.Context, req *bot.Request, r Report) error {
	p := f.prefix
	now := req.Now()
	if err := f.jobs.Cancel(ctx, pollPrefix(r.ID)); err != nil {
		return err
	}
	if err := f.schedulePoll(ctx, now, pollPayload{Report: r.ID, Since: now.UnixMilli()}); err != nil {
		return err
	}
	if err := f.store.apply(ctx, r, change{events: []event{{At: now, ActorID: req.Sender.ID, Kind: pollRestartedEvent}}}); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Checking %s with the council again — I'll post here when they update it (every %s for up to %s; %spothole %s shows the latest).",
		r.Ref(), bot.FormatDuration(f.cfg.StatusPollInterval.D()), bot.FormatDuration(f.cfg.StatusPollFor.D()), p, r.Ref()))
}

// queueSend commits c, which moves r to "queued", together with the job
// that sends it, before anyone is told it is on its way. The job is booked
// first: it does nothing unless its report is queued or retrying, so if the
// change then fails to commit the job is harmless, and a report is never
// left queued with no job to send it (which would block !pothole P7 send).
func (f *Feature) queueSend(ctx context.Context, r Report, c change) error {
	if err := f.bookSend(ctx, r); err != nil {
		return err
	}
	return f.store.apply(ctx, r, c)
}

// bookSend replaces a report's pending send jobs with one making its next
// attempt at r.NextSendAt (now, when that has passed or is unset).
func (f *Feature) bookSend(ctx context.Context, r Report) error {
	at := r.NextSendAt
	if now := f.clock.Now(); at.Before(now) {
		at = now
	}
	if err := f.jobs.Cancel(ctx, sendPrefix(r.ID)); err != nil {
		return err
	}
	return f.jobs.Schedule(ctx, jobSend, sendKey(r.ID, r.SendAttempts+1), at, sendPayload{Report: r.ID})
}

// resumeSends books the send job of every report whose sending is under
// way, at start-up. Normally each already has its job and booking it again
// only replaces it; it matters for a report left without one (a job that
// failed for good on database errors, or state written by an older
// version), which would otherwise never be sent nor be sendable again.
func (f *Feature) resumeSends(ctx context.Context) error {
	if !f.sendingSetUp() {
		return nil
	}
	rs, err := f.store.unfinishedSends(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		// A report held back while its group was off waits for an admin.
		paused, err := f.sendPaused(ctx, r)
		if err != nil {
			return err
		}
		if paused {
			continue
		}
		if err := f.bookSend(ctx, r); err != nil {
			return fmt.Errorf("book send of %s: %w", r.Ref(), err)
		}
	}
	return nil
}

// seenBy says who saw the fault, after the description the council gets:
// the reporter alone is never "1 neighbour".
func seenBy(r Report) string {
	if r.Confirmations == 0 {
		return fmt.Sprintf("Reported by a resident in a residents' group (reference %s); no neighbour has confirmed it yet.", r.Ref())
	}
	return fmt.Sprintf("Reported by a resident in a residents' group and confirmed by %s (reference %s).", bot.Count(r.Confirmations, "other neighbour"), r.Ref())
}

// serviceRequest builds what goes to the council: the report, never the
// resident — contact details are the configured liaison's.
func (f *Feature) serviceRequest(ctx context.Context, r Report) (open311.Request, error) {
	req := open311.Request{
		ServiceCode: f.cfg.ServiceCodes[r.Category],
		Description: r.Description + "\n\n" + seenBy(r),
		Email:       f.cfg.LiaisonEmail,
	}
	req.FirstName, req.LastName, _ = strings.Cut(strings.TrimSpace(f.cfg.LiaisonName), " ")
	req.LastName = strings.TrimSpace(req.LastName)
	if r.HasLocation {
		req.HasLocation, req.Lat, req.Long = true, r.Lat, r.Long
	} else {
		// Only a place the resident wrote (a street, a postcode), or
		// nothing: the description has its own field.
		req.AddressString = bot.Truncate(placeIn(r.Description), 250)
	}
	if f.cfg.PhotoURLBase != "" && r.FirstPhoto != "" {
		req.MediaURL = strings.TrimRight(f.cfg.PhotoURLBase, "/") + "/" + r.FirstPhoto
	}
	attrs, err := f.attributesFor(ctx, r)
	if err != nil {
		return req, fmt.Errorf("answers: %w", err)
	}
	req.Attributes = attrs
	return req, nil
}

// jobReport loads the report a job's payload names (the core has decoded
// the payload; one it cannot read never reaches the job). ok is false when
// the report no longer exists, so there is nothing to do; err is set only
// for database failures.
func (f *Feature) jobReport(ctx context.Context, id int64) (r Report, ok bool, err error) {
	r, err = f.store.report(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return r, true, nil
}

// sendJob makes one attempt to send a report, in three steps so that no
// unit of work is held while the council's server or the mail server is
// talking: a short unit of work of its own checks the report and writes
// down that an Open311 attempt is under way; the call goes out with
// nothing held; the job's unit of work records the answer, if the report
// is still waiting for it. Council failures are handled here (recorded,
// retried with backoff, posted); only database errors go back to the
// engine.
func (f *Feature) sendJob(ctx context.Context, _ bot.Job, pl sendPayload) (bot.ApplyFunc, error) {
	var call sendCall
	if err := f.jobs.Step(ctx, func(ctx context.Context) error {
		var err error
		call, err = f.prepareSend(ctx, pl)
		return err
	}); err != nil {
		return nil, err
	}
	switch {
	case call.email != nil:
		sendErr := f.mailer.send(ctx, call.email)
		return func(ctx context.Context) error { return f.recordEmail(ctx, call, sendErr) }, nil
	case call.open311:
		created, callErr := f.council.Create(ctx, call.sreq)
		if callErr == nil && created.ServiceRequestID == "" && created.Token != "" {
			// Most servers have the id ready at once; if not, the status
			// poll asks again.
			if id, err := f.council.Token(ctx, created.Token); err == nil && id != "" {
				created.ServiceRequestID = id
			} else if err != nil {
				f.log().Warn("token lookup failed", "report", call.r.ID, bot.KeyErr, err)
			}
		}
		return func(ctx context.Context) error { return f.recordCreate(ctx, call, created, callErr) }, nil
	}
	return nil, nil
}

// sendCall is the outside call an attempt makes: an Open311 request or an
// email, or none when the attempt ended without one.
type sendCall struct {
	r       Report
	asked   bool
	open311 bool
	sreq    open311.Request
	email   *gomail.Msg
	to      string
}

// prepareSend checks that the report still goes, in a unit of work, and
// returns the call to make. Before an Open311 call it writes down that the
// attempt is under way: if the bot stops before recording the answer, the
// next run finds "sending" and does not post the report a second time.
func (f *Feature) prepareSend(ctx context.Context, pl sendPayload) (sendCall, error) {
	r, ok, err := f.jobReport(ctx, pl.Report)
	if !ok {
		return sendCall{}, err
	}
	if r.ServiceRequestID != "" || r.Token != "" || r.Status.Resolved() {
		return sendCall{}, nil
	}
	if err := f.cannotSend(r); err != nil {
		// The config changed since it was queued; an admin's
		// !pothole P7 send says why.
		f.log().Warn("report can't be sent as configured", "report", r.ID, "category", r.Category)
		return sendCall{}, nil
	}
	switch r.SendState {
	case sendQueued, sendRetrying:
	case sendSending:
		return sendCall{}, f.sendInterrupted(ctx, r)
	default:
		return sendCall{}, nil
	}
	on, err := f.groupListening(ctx, r.Chat)
	if err != nil {
		return sendCall{}, err
	}
	if !on {
		return sendCall{}, f.pauseSend(ctx, r)
	}
	// Someone asked for this attempt (an admin, or the confirmation that
	// reached the threshold) rather than it being a quiet retry.
	call := sendCall{r: r, asked: r.SendState == sendQueued}
	if held, err := f.holdForAnswers(ctx, r); err != nil || held {
		return sendCall{}, err
	}
	if f.cfg.methodFor(r.Category) == methodEmail {
		call.to = f.cfg.Email.recipient(r.Category)
		call.email, err = f.reportEmail(ctx, r, call.to)
		return call, err
	}
	if call.sreq, err = f.serviceRequest(ctx, r); err != nil {
		return sendCall{}, err
	}
	call.open311 = true
	r.SendState, r.SendStartedAt = sendSending, f.clock.Now()
	call.r = r
	return call, f.store.apply(ctx, r, change{saveMutables: true})
}

// sendCurrent reads the report again in the unit of work that records an
// answer, and reports whether it is still the attempt the call was for.
func (f *Feature) sendCurrent(ctx context.Context, call sendCall) (Report, bool, error) {
	r, ok, err := f.jobReport(ctx, call.r.ID)
	if !ok || err != nil {
		return r, false, err
	}
	if r.SendState != call.r.SendState || !r.SendStartedAt.Equal(call.r.SendStartedAt) || r.ServiceRequestID != "" || r.Token != "" {
		f.log().Warn("report changed while it was being sent; the answer is not recorded", "report", r.ID)
		return r, false, nil
	}
	return r, true, nil
}

// recordCreate records the council's answer to an Open311 attempt.
func (f *Feature) recordCreate(ctx context.Context, call sendCall, created open311.Created, callErr error) error {
	r, ok, err := f.sendCurrent(ctx, call)
	if !ok {
		return err
	}
	now := f.clock.Now()
	r.SendAttempts++
	r.Updated = now
	if callErr != nil {
		return f.sendFailed(ctx, r, callErr, call.asked)
	}
	r.SendState, r.LastSendError, r.NextSendAt = sendDone, "", time.Time{}
	r.ServiceRequestID, r.Token = created.ServiceRequestID, created.Token
	if r.Status == StatusOpen {
		r.Status = StatusSent
	}
	detail := "council reference " + r.ServiceRequestID
	if r.ServiceRequestID == "" {
		detail = "waiting for the council's reference number"
	}
	// The first status check is booked before the outcome is recorded;
	// should recording fail, the check finds no reference and does nothing.
	if err := f.startPolling(ctx, r.ID, now); err != nil {
		return err
	}
	evs := []event{{At: now, Kind: "sent", Detail: fmt.Sprintf("attempt %d, %s", r.SendAttempts, detail)}}
	// The council's notice is kept in the history, where the send result
	// (now or after quiet hours) reads it. Like its error texts it must not
	// carry a phone number, as an address or written out.
	if notice := strings.Join(strings.Fields(hidePhones(created.ServiceNotice)), " "); notice != "" {
		evs = append(evs, event{At: now, Kind: councilNoticeEvent, Detail: bot.Truncate(notice, 300)})
	}
	if err := f.store.apply(ctx, r, change{saveMutables: true, events: evs}); err != nil {
		return err
	}
	return f.sendNews(ctx, r)
}

// pauseSend holds back a report that fell due while its group had the bot
// or potholes off: nothing goes to the council in the name of a group that
// switched it off. The report stays queued, with no job, until an admin
// types !pothole P7 send (after switching it back on: the command itself
// needs both on).
func (f *Feature) pauseSend(ctx context.Context, r Report) error {
	paused, err := f.sendPaused(ctx, r)
	if err != nil || paused {
		return err
	}
	f.log().Info("group has the bot or potholes off; not sending", bot.KeyChat, r.Chat, "report", r.ID)
	r.SendState, r.NextSendAt = sendQueued, time.Time{}
	return f.store.apply(ctx, r, change{saveMutables: true, events: []event{{At: f.clock.Now(), Kind: sendPausedEvent,
		Detail: fmt.Sprintf("the group has the bot or potholes off; an admin can send it with %spothole %s send once it's back on", f.prefix, r.Ref())}}})
}

// sendInterrupted handles a report found still "sending": an attempt
// started at r.SendStartedAt and the bot stopped, or could not record the
// council's answer, before its outcome was written down. The report may
// well be with the council already, and posting it again could file it
// twice, so it is not retried: it is marked unsure, shown so in
// !pothole P7, and an admin decides (they can ask the council, or type
// !pothole P7 send to post it again).
func (f *Feature) sendInterrupted(ctx context.Context, r Report) error {
	now := f.clock.Now()
	r.SendAttempts++
	r.SendState, r.NextSendAt, r.Updated = sendUnsure, time.Time{}, now
	f.log().Warn("send was interrupted; not sending again", "report", r.ID, "started", r.SendStartedAt)
	if err := f.store.apply(ctx, r, change{saveMutables: true, events: []event{{At: now, Kind: "send interrupted",
		Detail: fmt.Sprintf("attempt %d, started %s, may already have reached the council; not sent again", r.SendAttempts, f.when(r.SendStartedAt))}}}); err != nil {
		return err
	}
	return f.sendNews(ctx, r)
}

// sendFailed records a failed attempt and retries temporary failures with
// backoff. The group hears about the failure when someone asked for the
// attempt, and once more when the bot gives up; quiet retries stay quiet
// (their history is in !pothole P7). During quiet hours the news waits for
// the morning (sendNews).
func (f *Feature) sendFailed(ctx context.Context, r Report, callErr error, asked bool) error {
	reason := sendSummary(callErr)
	// The reason is kept in the history and shown in the group: whatever
	// the council's server (or a proxy before it) echoed back, it must not
	// carry a phone number, as an address or written out.
	reason = bot.Truncate(hidePhones(reason), 200)
	f.log().Warn("send failed", "report", r.ID, "attempt", r.SendAttempts, bot.KeyErr, bot.RedactPhones(callErr.Error()))
	r.LastSendError = reason
	var c change
	c.saveMutables = true
	if temporaryErr(callErr) && r.SendAttempts < maxSendAttempts {
		next := f.clock.Now().Add(sendBackoff(r.SendAttempts, callErr))
		r.SendState, r.NextSendAt = sendRetrying, next
		c.events = []event{{At: r.Updated, Kind: "send failed", Detail: fmt.Sprintf("attempt %d: %s; next try %s", r.SendAttempts, reason, f.when(next))}}
		// The retry job is booked before the state is committed, as in
		// queueSend, so a retrying report always has one.
		if err := f.jobs.Schedule(ctx, jobSend, sendKey(r.ID, r.SendAttempts+1), next, sendPayload{Report: r.ID}); err != nil {
			return err
		}
		if err := f.store.apply(ctx, r, c); err != nil {
			return err
		}
		if asked {
			return f.sendNews(ctx, r)
		}
		return nil
	}
	r.SendState, r.NextSendAt = sendFailed, time.Time{}
	why := "gave up"
	if !temporaryErr(callErr) {
		why = "refused"
	}
	c.events = []event{{At: r.Updated, Kind: "send failed", Detail: fmt.Sprintf("attempt %d: %s; %s", r.SendAttempts, reason, why)}}
	if err := f.store.apply(ctx, r, c); err != nil {
		return err
	}
	return f.sendNews(ctx, r)
}

// pollJob asks the council about one sent report and posts what changed.
// The council is asked with no unit of work held; its answer is recorded
// in the job's, against the report as it stands then. Checks stop, with a
// line in the history, when the group has switched the bot or potholes off
// or status_poll_for has passed; an admin restarts them with !pothole P7
// check (or send). A check the council's server did not answer in time
// puts the next one off for longer (pollBackoff).
func (f *Feature) pollJob(ctx context.Context, _ bot.Job, pl pollPayload) (bot.ApplyFunc, error) {
	ans := &statusAnswers{}
	r, ok, err := f.jobReport(ctx, pl.Report)
	if err != nil {
		return nil, err
	}
	if ok {
		gated := pl
		local, err := f.pollGate(ctx, r, &gated, f.clock.Now())
		if err != nil {
			return nil, err
		}
		if local == nil {
			ans.ask(ctx, f.council, r)
		}
	}
	return func(ctx context.Context) error { return f.checkStatus(ctx, pl, ans) }, nil
}

// errNotAsked is what a status check finds when the report changed between
// asking the council and recording the answer (it was asked about another
// reference, or not at all): the next check asks again.
var errNotAsked = errors.New("the report changed while the council was asked; asking again at the next check")

// statusAnswers holds what the council said to a status check's calls, so
// the unit of work that records them makes none of its own.
type statusAnswers struct {
	token             string
	tokenID           string
	tokenErr          error
	askedToken, asked bool
	id                string
	requests          []open311.ServiceRequest
	requestsErr       error
}

// ask makes the calls a check of r needs: the reference for a token, then
// the request itself.
func (a *statusAnswers) ask(ctx context.Context, c *open311.Client, r Report) {
	id := r.ServiceRequestID
	if id == "" {
		a.token, a.askedToken = r.Token, true
		a.tokenID, a.tokenErr = c.Token(ctx, r.Token)
		if a.tokenErr != nil || a.tokenID == "" {
			return
		}
		id = a.tokenID
	}
	a.id, a.asked = id, true
	a.requests, a.requestsErr = c.Requests(ctx, id)
}

// Token is the council's answer to the token look-up asked for token.
func (a *statusAnswers) Token(token string) (string, error) {
	if !a.askedToken || token != a.token {
		return "", errNotAsked
	}
	return a.tokenID, a.tokenErr
}

// Requests is the council's answer about request id.
func (a *statusAnswers) Requests(id string) ([]open311.ServiceRequest, error) {
	if !a.asked || id != a.id {
		return nil, errNotAsked
	}
	return a.requests, a.requestsErr
}

// pollGate decides what a status check of r does short of asking the
// council: nil when it asks, else the step it takes instead (none for a
// report with nothing to check, the end of the checks, a later check after
// quiet hours). It fills in pl.Since for a check booked by an older
// version.
func (f *Feature) pollGate(ctx context.Context, r Report, pl *pollPayload, now time.Time) (func(ctx context.Context) error, error) {
	if f.council == nil || r.Status.Resolved() || (r.ServiceRequestID == "" && r.Token == "") {
		return func(context.Context) error { return nil }, nil
	}
	on, err := f.groupListening(ctx, r.Chat)
	if err != nil {
		return nil, err
	}
	if !on {
		return func(ctx context.Context) error { return f.stopPolling(ctx, r, "the group has the bot or potholes off") }, nil
	}
	if pl.Since == 0 {
		// Booked by an older version: the run counts from the send.
		since := r.SendStartedAt
		if since.IsZero() {
			since = now
		}
		pl.Since = since.UnixMilli()
	}
	if now.Sub(time.UnixMilli(pl.Since)) >= f.cfg.StatusPollFor.D() {
		return func(ctx context.Context) error {
			return f.stopPolling(ctx, r, "checked for "+bot.FormatDuration(f.cfg.StatusPollFor.D())+" without the council closing it")
		}, nil
	}
	if f.deps.Quiet.Contains(now) {
		next := *pl
		return func(ctx context.Context) error { return f.schedulePoll(ctx, f.deps.Quiet.NextAllowed(now), next) }, nil
	}
	return nil, nil
}

// checkStatus records a status check's answers in the job's unit of work.
func (f *Feature) checkStatus(ctx context.Context, pl pollPayload, ans *statusAnswers) error {
	r, ok, err := f.jobReport(ctx, pl.Report)
	if !ok {
		return err
	}
	now := f.clock.Now()
	if local, err := f.pollGate(ctx, r, &pl, now); err != nil || local != nil {
		if err != nil {
			return err
		}
		return local(ctx)
	}
	interval := f.cfg.StatusPollInterval.D()
	// again books the next check at the normal pace, or later after a
	// timeout.
	again := func(callErr error) error {
		next := pl
		next.Wait = 0
		wait := interval
		if open311.IsTimeout(callErr) {
			wait = pollBackoff(interval, time.Duration(pl.Wait)*time.Millisecond)
			next.Wait = wait.Milliseconds()
		}
		return f.schedulePoll(ctx, now.Add(wait), next)
	}
	if r.ServiceRequestID == "" {
		id, err := ans.Token(r.Token)
		if err != nil || id == "" {
			if err != nil {
				f.log().Warn("token lookup failed", "report", r.ID, bot.KeyErr, err)
			}
			return again(err)
		}
		r.ServiceRequestID, r.Updated = id, now
		if err := f.store.apply(ctx, r, change{saveMutables: true, events: []event{{At: now, Kind: "council reference", Detail: id}}}); err != nil {
			return err
		}
	}
	srs, err := ans.Requests(r.ServiceRequestID)
	if err != nil {
		f.log().Warn("status check failed", "report", r.ID, bot.KeyErr, err)
		return again(err)
	}
	var sr *open311.ServiceRequest
	for i := range srs {
		if srs[i].ServiceRequestID == r.ServiceRequestID {
			sr = &srs[i]
		}
	}
	if sr == nil {
		f.log().Warn("council did not return the request", "report", r.ID, "request", r.ServiceRequestID)
		return again(nil)
	}
	return f.recordStatus(ctx, r, *sr, now, again)
}

// recordStatus records what the council said about r and posts a change.
func (f *Feature) recordStatus(ctx context.Context, r Report, sr open311.ServiceRequest, now time.Time, again func(error) error) error {
	// The council's notes are kept in the history and posted to the group;
	// like its error texts they must not carry a phone number (a note may
	// quote a crew's mobile).
	notes := bot.Truncate(hidePhones(strings.Join(strings.Fields(sr.StatusNotes), " ")), 300)
	expected := strings.TrimSpace(sr.ExpectedAt)
	newStatus := r.Status
	mapped := councilStatus(sr.Status, notes)
	if mapped != "" {
		newStatus = mapped
	}
	changed := newStatus != r.Status || notes != r.CouncilNotes || expected != r.CouncilExpected
	r.CouncilStatus, r.CouncilNotes, r.CouncilExpected, r.CouncilCheckedAt = sr.Status, notes, expected, now
	if !changed {
		if err := f.store.apply(ctx, r, change{saveMutables: true}); err != nil {
			return err
		}
		return again(nil)
	}
	r.Status, r.Updated = newStatus, now
	if newStatus.Resolved() {
		r.FixClaimAt, r.FixClaimBy = time.Time{}, 0
	}
	d, _ := f.formatExpected(expected, now)
	line := councilLine(mapped, newStatus, notes, d)
	if err := f.store.apply(ctx, r, change{saveMutables: true, events: []event{{At: now, Kind: councilUpdateEvent, Detail: line}}}); err != nil {
		return err
	}
	if err := f.post(ctx, r, postCouncilUpdate); err != nil {
		return err
	}
	if newStatus.Resolved() {
		// This check's own job is finishing; the rest go with it.
		return f.cancelFollowUps(ctx, r.ID)
	}
	return again(nil)
}

// stopPolling ends r's status checks: no next one is booked, and the
// history says why and how to start them again.
func (f *Feature) stopPolling(ctx context.Context, r Report, why string) error {
	f.log().Info("status checks stopped", "report", r.ID, "why", why)
	return f.store.apply(ctx, r, change{events: []event{{At: f.clock.Now(), Kind: pollStoppedEvent,
		Detail: fmt.Sprintf("%s; an admin can restart them with %spothole %s check", why, f.prefix, r.Ref())}}})
}

// councilStatus maps what a council reports to a report status. GeoReport
// v2 itself only knows open and closed, with the detail in status_notes;
// FixMyStreet-style servers send extended statuses ("action_scheduled")
// directly. "" means no change worth recording (still open).
func councilStatus(status, notes string) Status {
	s := strings.Join(strings.Fields(strings.NewReplacer("_", " ", "-", " ", "'", "").Replace(strings.ToLower(status))), " ")
	n := strings.ToLower(notes)
	switch s {
	case "investigating":
		return StatusInvestigating
	case "in progress":
		return StatusInProgress
	case "action scheduled", "planned", "scheduled":
		return StatusActionScheduled
	case "fixed", "fixed council", "fixed user", "resolved":
		return StatusFixed
	case "not councils responsibility", "not responsible":
		return StatusNotResponsible
	case "duplicate":
		return StatusDuplicate
	case "closed", "unable to fix", "no further action", "internal referral", "cancelled":
		switch {
		case strings.Contains(n, "not our responsibility") || strings.Contains(n, "not the council") ||
			strings.Contains(n, "not responsible") || strings.Contains(n, "not council"):
			return StatusNotResponsible
		case strings.Contains(n, "duplicate"):
			return StatusDuplicate
		case strings.Contains(n, "fixed") || strings.Contains(n, "repaired") || strings.Contains(n, "completed"):
			return StatusFixed
		}
		return StatusClosed
	}
	// "open" (and FixMyStreet's "confirmed", "acknowledged") says only
	// that it is not closed: the notes are the council's own words, shown
	// as they are (see councilLine), never read as a status of ours.
	return ""
}

// councilLine is the history's and the group's line for a council update:
// a status the council named, with its expected date and notes; for a
// plain GeoReport "open", the council's own words from its notes, or
// "still open" without any.
func councilLine(mapped, status Status, notes, expected string) string {
	if mapped == "" {
		line := "still open"
		if notes != "" {
			line = notes
		}
		if expected != "" {
			line = bot.EndSentence(line) + " Expected by " + expected + "."
		}
		return line
	}
	line := string(status)
	if expected != "" && !status.Resolved() {
		line += ", expected by " + expected
	}
	switch {
	case notes != "" && strings.HasPrefix(strings.ToLower(notes), string(status)) && line == string(status):
		line = notes // "Fixed: pothole filled", not "fixed — Fixed: pothole filled"
	case notes != "":
		line += " — " + notes
	}
	return line
}

// formatExpected writes the council's expected_datetime as "14 March"
// (with the year when it isn't this year).
func (f *Feature) formatExpected(s string, now time.Time) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.In(f.deps.Location)
		if t.Year() != now.In(f.deps.Location).Year() {
			return t.Format("2 January 2006"), true
		}
		return t.Format("2 January"), true
	}
	return "", false
}

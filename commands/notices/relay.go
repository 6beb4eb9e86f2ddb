package notices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/polling"
)

// Deps is what wiring hands the relay besides the engine and config.
type Deps struct {
	// QuietHours holds normal notices until morning.
	QuietHours bot.QuietHours
	// HTTPClient fetches feeds; its own timeout is kept, and each fetch is
	// also bounded by fetch_timeout.
	HTTPClient *http.Client
	// Sources receives how each polled feed stands (metrics); optional.
	Sources polling.Observer
	// PublicSources lets built-in sources without a url in the config use
	// their public address (and postcodes.io). Run mode sets it; the
	// console and tests poll only the servers their config names.
	PublicSources bool
	// Blocked reports whether text hits the group's blocklist; consultation
	// comments that do are not kept. Nil: no blocklist.
	Blocked func(ctx context.Context, chat bot.ChatID, text string) (bool, error)
	// StaffPage is the staff web page's approvals address, added to the
	// messages that ask approvers to approve; "" when no page is served.
	StaffPage string
	// Rejected, when set, is called after !reject refuses notice id, with
	// the approver's name and reason: the staff page tells whoever wrote
	// the notice there. Its error is logged; the rejection stands.
	Rejected func(ctx context.Context, id int64, by, reason string) error
}

// Feature is the running feature: it owns the jobs that fan notices out and
// drain the outbox, the commands, the webhook handler and the feed pollers.
type Feature struct {
	clock    bot.Clock
	prefix   string
	core     bot.Core
	jobs     *bot.Jobs
	out      *bot.Outbox
	auditLog *bot.AuditLog
	reg      *bot.Registry
	// kit is kept for the feed poller, built once the sources are known.
	kit   bot.Kit
	cfg   Config
	deps  Deps
	st    store
	gov   *Governance
	log   *slog.Logger
	feeds []*feedSource
	// poller polls the feeds (and built-in sources) as scheduled jobs.
	poller *polling.Poller
	// periods are the election periods in force, replaced on SIGHUP.
	periods atomic.Pointer[periodSet]
}

// Register wires the feature in through the handles of k, its Kit, and returns the relay, whose
// Background work (pollers, webhook server) run mode starts and whose
// NoticeDirective the console registers as @notice.
func Register(k bot.Kit, cfg Config, deps Deps) (*Feature, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("notices config: %w", err)
	}
	if deps.HTTPClient == nil {
		deps.HTTPClient = &http.Client{}
	}
	r := &Feature{clock: k.Clock, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, reg: k.Reg, kit: k,
		cfg: cfg, deps: deps, st: storeOf(k.Core), log: k.Log}
	r.gov = NewGovernance(k.Core, cfg, k.Clock.Now)
	for _, fc := range cfg.Feeds {
		fs, err := newFeedSource(cfg, fc)
		if err != nil {
			return nil, err
		}
		r.feeds = append(r.feeds, fs)
	}
	k.Reg.Declare(bot.Feature{Name: featureName, Description: "council notices relayed to the group (gritting, bins, roads, …)"})
	bot.HandleJobOf(k.Jobs, jobPlan, r.planJob)
	k.Jobs.HandleJob(jobDrain, r.drainJob)
	bot.HandleJobOf(k.Jobs, jobDigest, r.digestJob)
	k.Reg.OnSendFailed(r.recordSendFailure)
	r.registerApproverAlerts()
	if err := r.registerCouncil(); err != nil {
		return nil, err
	}
	r.registerCommands()
	k.Reg.AddDataProvider(dataProvider{r})
	if err := r.addFeedPolls(); err != nil {
		return nil, err
	}
	if err := r.addBuiltinSources(); err != nil {
		return nil, err
	}
	k.Reg.Inspect(r.areaPin)

	ctx := context.Background()
	if err := r.gov.ReleaseHeld(ctx); err != nil {
		return nil, fmt.Errorf("notices start-up: %w", err)
	}
	// Whatever the outbox held when the bot stopped goes out now.
	if err := r.scheduleDrain(ctx, k.Clock.Now()); err != nil {
		return nil, err
	}
	// Digests whose job was lost or given up on are booked again.
	if err := r.scheduleHeldDigests(ctx, ""); err != nil {
		return nil, fmt.Errorf("notices start-up: %w", err)
	}
	if err := r.poller.Start(ctx); err != nil {
		return nil, fmt.Errorf("notices start-up: %w", err)
	}
	return r, nil
}

// Governance exposes approval and audit, for tests and the command line.
func (r *Feature) Governance() *Governance { return r.gov }

// Submit validates raw webhook-style JSON and ingests it from source
// ("webhook", "console").
func (r *Feature) Submit(ctx context.Context, raw []byte, source, from string) (IngestResult, error) {
	return r.SubmitAs(ctx, raw, source, "", from)
}

// SubmitAs is Submit for a named sender ("" is the default sender).
func (r *Feature) SubmitAs(ctx context.Context, raw []byte, source, sender, from string) (IngestResult, error) {
	n, err := decodeNotice(raw, r.cfg, r.clock.Now())
	if err != nil {
		return IngestResult{}, err
	}
	if err := r.applySender(n, source, sender); err != nil {
		return IngestResult{}, err
	}
	if err := r.refuseInPeriod(n, r.clock.Now()); err != nil {
		return IngestResult{}, err
	}
	if err := r.resolveReference(ctx, n); err != nil {
		return IngestResult{}, err
	}
	res, err := r.gov.Ingest(ctx, n, from)
	if err == nil {
		// Booked again for a duplicate: the retry of a submission whose
		// booking failed (the key makes it one job however often).
		err = r.bookPollClose(ctx, res.ID)
	}
	if err == nil {
		err = r.bookConsultClose(ctx, res.ID)
	}
	return res, err
}

// resolveReference checks that an update or cancel names a notice the
// source sent before.
func (r *Feature) resolveReference(ctx context.Context, n *Notice) error {
	if n.MsgType == MsgAlert {
		return nil
	}
	_, err := r.st.noticeByIdentifier(ctx, n.Source, n.References)
	if errors.Is(err, bot.ErrNotFound) {
		return &FieldError{Field: "references", Msg: fmt.Sprintf("no earlier notice with id %q", n.References)}
	}
	return err
}

// originalTitle is the title of the notice an update or cancellation
// refers to, for its heading; "" for a new alert or a lost original.
func (r *Feature) originalTitle(ctx context.Context, n *Notice) (string, error) {
	if n.MsgType == MsgAlert || n.References == "" {
		return "", nil
	}
	orig, err := r.st.noticeByIdentifier(ctx, n.Source, n.References)
	if errors.Is(err, bot.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("original notice: %w", err)
	}
	return orig.Title, nil
}

// NoticeDirective is the console's @notice {json}: the same JSON as the
// webhook, delivered at once.
func (r *Feature) NoticeDirective(ctx context.Context, args string) error {
	// "@notice Highways {json}" sends as a named sender.
	sender, raw := "", strings.TrimSpace(args)
	if i := strings.Index(raw, "{"); i > 0 {
		sender, raw = strings.TrimSpace(raw[:i]), raw[i:]
	}
	res, err := r.SubmitAs(ctx, []byte(raw), "console", sender, "the console")
	if err != nil {
		return fmt.Errorf("@notice: %w", err)
	}
	if res.Duplicate {
		return errors.New("@notice: a notice with this id was already received; ignored")
	}
	return nil
}

func (r *Feature) scheduleDrain(ctx context.Context, at time.Time) error {
	// A key per due time: the engine deletes a finished job by id, so a
	// drain must never reschedule under its own key.
	key := jobDrain + "@" + strconv.FormatInt(at.UnixMilli(), 10)
	if err := r.jobs.Schedule(ctx, jobDrain, key, at, nil); err != nil {
		return err
	}
	return nil
}

// planJob writes the outbox rows for an approved notice: one per matching
// group or subscriber, as planTargets decides.
func (r *Feature) planJob(ctx context.Context, job bot.Job, p planPayload) error {
	n, err := r.st.notice(ctx, p.Notice)
	if errors.Is(err, bot.ErrNotFound) {
		r.log.Warn("plan: notice gone", "notice", p.Notice)
		return nil
	}
	if err != nil {
		return err
	}
	if n.State != StateApproved {
		return nil
	}
	now := r.clock.Now()
	if n.notYetEffective(now) {
		// Booked again at start-up or by an approval: wait for effective.
		return r.gov.schedulePlan(ctx, n.ID, n.Effective)
	}
	if n.Expired(now) {
		return r.st.expireApproved(ctx, n.ID, now)
	}
	in, original, err := r.planInput(ctx, n, now)
	if err != nil {
		return err
	}
	plan := planTargets(in)
	nGroups, nPeople, err := r.st.savePlan(ctx, n, plan, now)
	if err != nil {
		return err
	}
	if n.MsgType == MsgCancel && original != nil {
		// A cancelled notice's poll and consultation close now.
		if err := r.closeEarly(ctx, original.ID, now); err != nil {
			return err
		}
	}
	r.log.Info("notice planned", "notice", n.ID, "title", n.Title, "groups", nGroups, "subscribers", nPeople)
	for _, d := range plan.digestChats() {
		if err := r.scheduleDigest(ctx, bot.ChatID(d.Target), d.Due); err != nil {
			return err
		}
	}
	return r.scheduleDrain(ctx, now)
}

// planInput loads what planTargets decides from, and the original notice
// an update or cancellation refers to (nil for an alert or a lost one).
func (r *Feature) planInput(ctx context.Context, n *Notice, now time.Time) (planInput, *Notice, error) {
	in := planInput{Notice: n, QuietHours: r.deps.QuietHours, Now: now}
	var err error
	if in.Groups, err = r.core.EnabledGroups(ctx); err != nil {
		return in, nil, err
	}
	if in.Prefs, err = r.st.enabledGroupPrefs(ctx); err != nil {
		return in, nil, err
	}
	if in.Subs, err = r.st.subscriptions(ctx, 0); err != nil {
		return in, nil, err
	}
	var original *Notice
	if n.MsgType != MsgAlert {
		original, err = r.st.noticeByIdentifier(ctx, n.Source, n.References)
		if err != nil && !errors.Is(err, bot.ErrNotFound) {
			return in, nil, err
		}
		if original != nil {
			// The original's deliveries and its other updates': a
			// correction replaces whichever of them still wait, and reaches
			// (quoting) whoever saw any of them.
			chain, err := r.st.chainOf(ctx, n)
			if err != nil {
				return in, nil, err
			}
			for _, c := range chain {
				rows, err := r.st.outboxOf(ctx, c.ID)
				if err != nil {
					return in, nil, err
				}
				in.Original = append(in.Original, rows...)
			}
		}
	}
	in.Interactive = n.Urgency == UrgencyNormal && r.interactive(ctx, n)
	return in, original, nil
}

func personTarget(id int64) string { return "person:" + strconv.FormatInt(id, 10) }

// drainJob sends what is due in the outbox at the notice pace, most
// urgent first, then books itself for when the next row may go.
func (r *Feature) drainJob(ctx context.Context, job bot.Job) error {
	now := r.clock.Now()
	if err := r.recoverInterrupted(ctx, now); err != nil {
		return err
	}
	allow, err := r.paceAllowance(ctx, now)
	if err != nil {
		return err
	}
	rows, err := r.st.duePending(ctx, now, r.cfg.SendBatch, r.quiet(now))
	if err != nil {
		return err
	}
	cache := map[int64]*Notice{}
	sent := 0
	for _, row := range rows {
		n, ok := cache[row.NoticeID]
		if !ok {
			if n, err = r.st.notice(ctx, row.NoticeID); err != nil {
				return err
			}
			cache[row.NoticeID] = n
		}
		if sent >= allow.of(n.Urgency) {
			break
		}
		delivered, err := r.deliver(ctx, n, row, now)
		if err != nil {
			return err
		}
		if delivered {
			sent++
		}
	}
	return r.scheduleNextDrain(ctx, now)
}

// allowance is how many messages the outbox may send now: send_batch in
// any send_gap. An emergency counts only other emergencies' sends, so one
// approved in the middle of a fan-out goes within seconds rather than
// after the gap; that lets at most one extra batch through per gap.
type allowance struct{ any, emergency int }

func (a allowance) of(u Urgency) int {
	if u == UrgencyEmergency {
		return a.emergency
	}
	return a.any
}

// paceAllowance counts what went in the last send_gap.
func (r *Feature) paceAllowance(ctx context.Context, now time.Time) (allowance, error) {
	since := now.Add(-r.cfg.SendGap.D())
	all, err := r.st.sentSince(ctx, since, false)
	if err != nil {
		return allowance{}, err
	}
	em, err := r.st.sentSince(ctx, since, true)
	if err != nil {
		return allowance{}, err
	}
	return allowance{any: max(r.cfg.SendBatch-all.Sent, 0), emergency: max(r.cfg.SendBatch-em.Sent, 0)}, nil
}

// scheduleNextDrain books the drain for the next pending row, or, while
// the last send_gap is full, for when its earliest send leaves the window.
// Every drain books the time the outbox itself says, so drains booked by
// several plans fall on the same job rather than pacing side by side.
func (r *Feature) scheduleNextDrain(ctx context.Context, now time.Time) error {
	at, ok, err := r.st.nextPendingDue(ctx, false)
	if err != nil || !ok {
		return err
	}
	if r.quiet(now) {
		// A normal notice's fan-out that ran into the night stops until
		// the morning, rather than filling the send queue with rows that
		// would all fall due at once then.
		at = r.deps.QuietHours.NextAllowed(now)
		if urgent, ok, err := r.st.nextPendingDue(ctx, true); err != nil {
			return err
		} else if ok && urgent.Before(at) {
			at = urgent
		}
	}
	if !at.After(now) {
		used, err := r.st.sentSince(ctx, now.Add(-r.cfg.SendGap.D()), false)
		if err != nil {
			return err
		}
		if used.Sent >= r.cfg.SendBatch {
			at = laterOf(at, used.First.Add(r.cfg.SendGap.D()))
		}
	}
	if !at.After(now) {
		at = now.Add(time.Second)
	}
	return r.scheduleDrain(ctx, at)
}

// quiet reports whether now is within quiet hours, when normal notices
// wait for the morning.
func (r *Feature) quiet(now time.Time) bool {
	return r.deps.QuietHours.NextAllowed(now).After(now)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// recoverInterrupted deals with rows left "sending" by a crash between
// handing a message to WhatsApp and recording it. Whether it arrived is
// unknown: emergencies are sent again (a duplicate beats a missed
// warning); anything else is recorded as unconfirmed and not repeated.
func (r *Feature) recoverInterrupted(ctx context.Context, now time.Time) error {
	rows, err := r.st.interrupted(ctx)
	if err != nil {
		return err
	}
	for _, row := range rows {
		n, err := r.st.notice(ctx, row.NoticeID)
		if err != nil {
			return err
		}
		to, event := "unconfirmed", "unconfirmed"
		if n.Urgency == UrgencyEmergency {
			to, event = "pending", "resending"
		}
		if err := r.st.settleInterrupted(ctx, row, to, event, now); err != nil {
			return err
		}
		r.log.Warn("notice delivery interrupted by a restart", "notice", row.NoticeID, "target", row.Target, "action", event)
	}
	return nil
}

// deliver sends one outbox row. It returns a retry time when the send
// failed for a reason worth retrying.
func (r *Feature) deliver(ctx context.Context, n *Notice, row outboxRow, now time.Time) (delivered bool, err error) {
	finish := func(to, event, detail string) error {
		return r.st.moveRow(ctx, row, to, AuditRecord{NoticeID: n.ID, At: now, Event: event, Actor: "bot", Detail: detail})
	}
	if n.Expired(now) {
		return false, finish("expired", "expired", "expired before it could be sent; dropped")
	}
	chat, reason, err := r.recipient(ctx, n, row)
	if err != nil {
		return false, err
	}
	if reason != "" {
		return false, finish("dropped", "dropped", reason)
	}
	if held, err := r.electionHold(ctx, n, row, now); err != nil || held {
		return false, err
	}
	if lapsed, err := r.lapseIfClosedBy(ctx, n, row, now, lapsedReason(row), now); err != nil || lapsed {
		return false, err
	}
	text, lang, err := r.messageFor(ctx, n, row)
	if err != nil {
		return false, err
	}
	extra, err := r.councilLines(ctx, n, now)
	if err != nil {
		return false, err
	}
	out := bot.OutMessage{Chat: chat, Text: text + extra}
	if row.ReplyTo != "" {
		out.ReplyTo = &bot.MessageRef{Chat: chat, ID: row.ReplyTo, Text: n.Title}
	}
	// The core's send queue takes it from here, under a message id fixed
	// now: it retries while WhatsApp is away or flaky, and tells
	// recordSendFailure if it never goes.
	msgID, sendErr := r.out.Send(bot.WithPriority(ctx, sendPriority(n.Urgency)), out)
	switch {
	case errors.Is(sendErr, bot.ErrGroupOff):
		// The group's own choice, made after planning: this delivery is
		// dropped, but its notice settings stay for when the bot is back.
		return false, finish("dropped", "dropped", "the group switched the bot off before delivery")
	case sendErr != nil:
		return false, sendErr
	}
	err = r.st.markSent(ctx, row, msgID, lang, now)
	if err == nil {
		err = r.afterDelivered(ctx, n, row, chat, msgID, now)
	}
	return err == nil, err
}

// sendPriority places a notice in the send queue: emergencies and urgent
// notices before everything but replies, normal fan-out last.
func sendPriority(u Urgency) bot.Priority {
	switch u {
	case UrgencyEmergency:
		return bot.PriorityEmergency
	case UrgencyUrgent:
		return bot.PriorityUrgent
	}
	return bot.PriorityBulk
}

// recordSendFailure is told by the send queue about a delivery that will
// never go. A chat the bot can no longer post to has its notices switched
// off; either way the delivery is marked failed and audited.
func (r *Feature) recordSendFailure(ctx context.Context, q bot.QueuedSend, sendErr error) error {
	if q.MsgID == "" {
		return nil
	}
	// A digest is one message for several rows.
	rows, err := r.st.sentAs(ctx, q.MsgID)
	if err != nil || len(rows) == 0 {
		return err
	}
	now, errText := r.clock.Now(), errorText(sendErr)
	if errors.Is(sendErr, bot.ErrNotInChat) && !errors.Is(sendErr, bot.ErrGroupOff) {
		for _, row := range rows {
			r.log.Warn("notice recipient unreachable; subscription disabled", "notice", row.NoticeID, "target", row.Target, bot.KeyErr, errText)
		}
	}
	return r.st.markFailed(ctx, rows, sendErr, errText, now)
}

// errorText is an error as stored in the outbox and the audit: short, and
// without phone numbers (subscribers' chats are their numbers).
func errorText(err error) string {
	return bot.Truncate(bot.RedactPhones(err.Error()), 300)
}

// recipient resolves where a row goes, or why it no longer should.
func (r *Feature) recipient(ctx context.Context, n *Notice, row outboxRow) (bot.ChatID, string, error) {
	if row.Person != 0 {
		p, err := r.core.PersonByID(ctx, row.Person)
		if errors.Is(err, bot.ErrNotFound) {
			return "", "subscriber no longer known", nil
		}
		if err != nil {
			return "", "", err
		}
		if p.Addr == "" {
			return "", "subscriber asked to be forgotten", nil
		}
		if row.ReplyTo == "" {
			subs, err := r.st.subscriptions(ctx, row.Person)
			if err != nil {
				return "", "", err
			}
			wants := false
			for _, s := range subs {
				wants = wants || subscriberWants(n, s)
			}
			if !wants {
				return "", "subscriber unsubscribed before delivery", nil
			}
		}
		return bot.ChatID(p.Addr), "", nil
	}
	chat := bot.ChatID(row.Target)
	gs, err := r.core.GroupSettings(ctx, chat)
	if err != nil {
		return "", "", err
	}
	prefs, err := r.st.groupPrefs(ctx, chat)
	if err != nil {
		return "", "", err
	}
	if !gs.Enabled || !gs.FeatureOn(featureName) || !prefs.Enabled {
		return "", "the group switched notices off before delivery", nil
	}
	return chat, "", nil
}

type digestPayload struct {
	Chat string `json:"chat"`
}

// scheduleDigest books a group's digest for its due time.
func (r *Feature) scheduleDigest(ctx context.Context, chat bot.ChatID, due time.Time) error {
	return r.scheduleDigestAt(ctx, chat, due, due)
}

// scheduleDigestAt books the digest due at due to run at runAt. The key
// names the due time, so planning, start-up and a finished digest all book
// the same job rather than one each.
func (r *Feature) scheduleDigestAt(ctx context.Context, chat bot.ChatID, due, runAt time.Time) error {
	key := jobDigest + ":" + string(chat) + "@" + strconv.FormatInt(due.UnixMilli(), 10)
	return r.jobs.Schedule(ctx, jobDigest, key, runAt, digestPayload{Chat: string(chat)})
}

// digestFallbackDelay is when a failed digest is looked at again besides
// the engine's own retries. Those span about two hours and then the engine
// drops the job, so the fallback is what keeps held rows from being
// stranded without a job.
const digestFallbackDelay = 3 * time.Hour

// scheduleDigestFallback books (or moves later) the chat's fallback digest.
// Its fixed key keeps it to one per chat however often the digest fails;
// a fallback that fails books itself again.
func (r *Feature) scheduleDigestFallback(ctx context.Context, chat string) error {
	at := r.deps.QuietHours.NextAllowed(r.clock.Now().Add(digestFallbackDelay))
	return r.jobs.Schedule(ctx, jobDigest, jobDigest+":"+chat+"@fallback", at, digestPayload{Chat: chat})
}

// scheduleHeldDigests books a digest for every chat (or just chat) with
// rows held for the digest, at their earliest due time; a due time that
// passed while the bot was stopped, or whose job was lost, is run at the
// first moment outside quiet hours from now.
func (r *Feature) scheduleHeldDigests(ctx context.Context, chat string) error {
	list, err := r.st.heldDigests(ctx, chat)
	if err != nil {
		return err
	}
	now := r.clock.Now()
	for _, h := range list {
		runAt := h.due
		if runAt.Before(now) {
			runAt = r.deps.QuietHours.NextAllowed(now)
		}
		if err := r.scheduleDigestAt(ctx, bot.ChatID(h.chat), h.due, runAt); err != nil {
			return err
		}
	}
	return nil
}

// digestJob sends a group's held notices as one message, then books the
// digest for whatever the group still holds. When it fails, a fallback is
// booked too (see digestFallbackDelay); being offline needs none, as the
// engine waits for the connection without giving up.
func (r *Feature) digestJob(ctx context.Context, job bot.Job, p digestPayload) error {
	if waiting, err := r.st.emergencyWaiting(ctx, r.clock.Now()); err != nil || waiting {
		if err == nil {
			// Bulk never goes ahead of an emergency's fan-out: look again
			// after the next batch, under a key naming that time (this
			// job's own key is deleted when it finishes).
			at := r.clock.Now().Add(r.cfg.SendGap.D() + time.Second)
			err = r.jobs.Schedule(ctx, jobDigest, jobDigest+":"+p.Chat+"@after-emergency-"+strconv.FormatInt(at.UnixMilli(), 10), at, p)
		}
		return err
	}
	err := r.sendDigest(ctx, p.Chat)
	if err == nil {
		return r.scheduleHeldDigests(ctx, p.Chat)
	}
	if !errors.Is(err, bot.ErrNotConnected) {
		if ferr := r.scheduleDigestFallback(ctx, p.Chat); ferr != nil {
			err = errors.Join(err, fmt.Errorf("book fallback digest: %w", ferr))
		}
	}
	return err
}

// sendDigest sends what the chat holds for a digest due by now.
func (r *Feature) sendDigest(ctx context.Context, target string) error {
	now := r.clock.Now()
	list, keep, err := r.digestContents(ctx, target, now)
	if err != nil || len(list) == 0 {
		return err
	}
	if _, reason, err := r.recipient(ctx, list[0], outboxRow{Target: target}); err != nil {
		return err
	} else if reason != "" {
		for i, row := range keep {
			if err := r.st.moveRow(ctx, row, "dropped", AuditRecord{NoticeID: list[i].ID, At: now, Event: "dropped", Actor: "bot", Detail: reason}); err != nil {
				return err
			}
		}
		return nil
	}
	loc := r.deps.QuietHours.Loc
	if loc == nil {
		loc = time.UTC
	}
	origs := map[int64]origTitles{}
	for _, n := range list {
		var err error
		if origs[n.ID], err = r.originalTitles(ctx, n); err != nil {
			return err
		}
	}
	want, err := r.st.groupLanguage(ctx, bot.ChatID(target))
	if err != nil {
		return err
	}
	text, langs := formatDigestIn(list, origs, now.In(loc), want)
	// The digest and its rows' new state commit together with the job; the
	// send queue delivers it under the id fixed now, retrying as needed,
	// and recordSendFailure marks the rows failed if it never goes.
	msgID, sendErr := r.out.Send(bot.WithPriority(ctx, bot.PriorityBulk), bot.OutMessage{Chat: bot.ChatID(target), Text: text})
	if sendErr != nil && !errors.Is(sendErr, bot.ErrGroupOff) {
		return fmt.Errorf("send digest: %w", sendErr)
	}
	to, rec := "sent", AuditRecord{At: now, Event: "delivered", Actor: "bot", Detail: "in the daily digest"}
	if sendErr != nil {
		// The group's choice: drop the digest, keep its notice settings.
		to, rec.Event, rec.Detail = "dropped", "dropped", "the group switched the bot off before the digest"
	}
	return r.st.markDigestSent(ctx, keep, list, langs, to, rec, msgID)
}

// digestContents is what the chat's digest due by now carries: the
// notices and their rows (list[i] is keep[i]'s). Rows whose notice
// expired are dropped; rows an election period holds wait for its end.
func (r *Feature) digestContents(ctx context.Context, target string, now time.Time) (list []*Notice, keep []outboxRow, err error) {
	rows, err := r.st.dueDigest(ctx, target, now)
	if err != nil {
		return nil, nil, err
	}
	for _, row := range rows {
		n, err := r.st.notice(ctx, row.NoticeID)
		if err != nil {
			return nil, nil, err
		}
		if n.Expired(now) {
			if err := r.st.moveRow(ctx, row, "expired", AuditRecord{NoticeID: n.ID, At: now, Event: "expired", Actor: "bot", Detail: "expired before the digest; dropped"}); err != nil {
				return nil, nil, err
			}
			continue
		}
		// An election period that began since planning takes the row
		// out of the digest until it ends.
		if held, err := r.electionHold(ctx, n, row, now); err != nil {
			return nil, nil, err
		} else if held {
			continue
		}
		list = append(list, n)
		keep = append(keep, row)
	}
	return list, keep, nil
}

// targetLabel writes a delivery target for the command line.
func targetLabel(t string) string {
	if strings.HasPrefix(t, "person:") {
		return "subscriber " + strings.TrimPrefix(t, "person:")
	}
	return t
}

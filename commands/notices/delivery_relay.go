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

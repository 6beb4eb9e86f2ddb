package notices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Job kinds this package registers.
const (
	jobPlan   = "notices.plan"
	jobDrain  = "notices.drain"
	jobDigest = "notices.digest"
)

// Governance admits notices and applies approval and the pre-election
// pause. It works on the database alone, so the command line can approve
// and reject while the bot runs: it hands approved notices to the running
// bot through a persisted job.
type Governance struct {
	core bot.Core
	st   store
	cfg  Config
	now  func() time.Time
}

// NewGovernance builds the governance over a store; now is the clock.
func NewGovernance(core bot.Core, cfg Config, now func() time.Time) *Governance {
	return &Governance{core: core, st: storeOf(core), cfg: cfg, now: now}
}

// Approver names whoever approves or rejects: Key is stable ("person:12",
// "cli:alice") and is what approvals and rejections are kept under; Name is
// written into the audit, the governance record, and into the approval
// until the approver asks to be forgotten.
type Approver struct {
	Key  string
	Name string
	// Addrs are the approver's addresses, checked against the approvers
	// of the notice's sender; nil (the command line) may decide any.
	Addrs []bot.Address
}

// IngestResult says what happened to a submitted notice.
type IngestResult struct {
	ID        int64
	Duplicate bool
	State     State
}

// Ingest stores a validated notice, once per (source, identifier), and
// decides whether it goes out now, waits for approval, is held by the
// pause or has already expired.
func (g *Governance) Ingest(ctx context.Context, n *Notice, from string) (IngestResult, error) {
	now := g.now()
	n.Received = now
	dated := firstSeen(n, now)
	if n.Sent.IsZero() {
		n.Sent = now
	}
	switch {
	case n.Expired(now):
		n.State = StateExpired
	case g.requiresApproval(n) && !n.Official:
		n.State = StateAwaitingApproval
	case g.cfg.PauseNonEssential && !n.Essential():
		n.State = StatePaused
	default:
		n.State = StateApproved
	}
	detail := fmt.Sprintf("%s %s %q from %s; %s", n.Urgency, n.MsgType, n.Identifier, from, stateWords(n.State))
	if dated != "" {
		detail += "; " + dated
	}
	if len(n.UnknownTopics) > 0 {
		detail += fmt.Sprintf("; unknown topics %q sent as an emergency to every group in its area", n.UnknownTopics)
	}
	dup, err := g.st.insertNotice(ctx, n, detail, func(st store) error { return withdrawEarlier(ctx, st, n, now) })
	if err != nil {
		return IngestResult{}, err
	}
	if dup {
		return g.duplicate(ctx, n)
	}
	if n.State == StateApproved {
		if err := g.schedulePlan(ctx, n.ID, laterOf(now, n.Effective)); err != nil {
			return IngestResult{}, err
		}
	}
	if n.State == StateAwaitingApproval {
		if err := g.scheduleApproverAlert(ctx, n, now); err != nil {
			return IngestResult{}, err
		}
	}
	return IngestResult{ID: n.ID, State: n.State}, nil
}

// firstSeen treats a notice dated in the future (a feed's typo, a wrong
// clock) as issued when first seen: its date becomes now, and an expiry
// after that date keeps the same lifetime counted from now, so the item is
// neither held back nor left waiting for weeks. It returns what to record
// in the audit, or "" for a notice dated now or earlier.
func firstSeen(n *Notice, now time.Time) string {
	if !n.Sent.After(now) {
		return ""
	}
	dated := n.Sent
	n.Sent = now
	if n.Expires.After(dated) {
		n.Expires = now.Add(n.Expires.Sub(dated))
	}
	return fmt.Sprintf("dated %s, in the future: taken as first seen at %s", dated.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
}

// duplicate answers a notice the source sent before. If that one is still
// approved but not planned, booking its fan-out failed (and the sender was
// told to try again), so the retry books it again: the job's key makes
// that safe however often it comes.
func (g *Governance) duplicate(ctx context.Context, n *Notice) (IngestResult, error) {
	have, err := g.st.noticeByIdentifier(ctx, n.Source, n.Identifier)
	if errors.Is(err, bot.ErrNotFound) {
		// Received long ago and deleted by retention: still a duplicate.
		return IngestResult{Duplicate: true, State: StateExpired}, nil
	}
	if err != nil {
		return IngestResult{}, err
	}
	if err := g.replanIfUnplanned(ctx, have); err != nil {
		return IngestResult{}, err
	}
	return IngestResult{ID: have.ID, Duplicate: true, State: have.State}, nil
}

// replanIfUnplanned books the fan-out of an approved notice not yet
// planned; for a notice in any other state it does nothing.
func (g *Governance) replanIfUnplanned(ctx context.Context, n *Notice) error {
	if n.State != StateApproved {
		return nil
	}
	// A plan job still waiting (perhaps retrying) is left alone: booking it
	// again would reset its attempts, and a feed repeating the item on every
	// poll would keep a failing fan-out from ever giving up.
	pending, err := g.core.JobPending(ctx, planKey(n.ID))
	if err != nil {
		return fmt.Errorf("look up fan-out job: %w", err)
	}
	if pending {
		return nil
	}
	return g.schedulePlan(ctx, n.ID, g.now())
}

// planKey is the job key of a notice's fan-out.
func planKey(id int64) string { return jobPlan + ":" + strconv.FormatInt(id, 10) }

func stateWords(s State) string {
	switch s {
	case StateAwaitingApproval:
		return "awaiting approval"
	case StatePaused:
		return "held: non-essential notices are paused"
	case StateExpired:
		return "already expired, not relayed"
	case StateApproved:
		return "queued"
	}
	return string(s)
}

// stateDescription finishes "Notice #3 is not waiting for approval: it …".
func stateDescription(s State) string {
	switch s {
	case StateApproved, StatePlanned:
		return "was already approved and sent"
	case StatePaused:
		return "was approved and is held while non-essential notices are paused"
	case StateRejected:
		return "was rejected"
	case StateExpired:
		return "has expired"
	case StateRecorded:
		return "cancelled a notice that was never sent, so it was only recorded"
	}
	return "is " + strings.ReplaceAll(string(s), "_", " ")
}

type planPayload struct {
	Notice int64 `json:"notice"`
}

func (g *Governance) schedulePlan(ctx context.Context, id int64, at time.Time) error {
	raw, err := json.Marshal(planPayload{Notice: id})
	if err != nil {
		return fmt.Errorf("encode plan job: %w", err)
	}
	if _, err := g.core.ScheduleJob(ctx, bot.Job{Kind: jobPlan, Key: planKey(id), RunAt: at, Payload: raw}); err != nil {
		return fmt.Errorf("schedule fan-out of notice %d: %w", id, err)
	}
	return nil
}

// IsApprover reports whether any of addrs is a configured approver. Phone
// numbers match with or without "+", spaces or the WhatsApp suffix.
func (g *Governance) IsApprover(addrs []bot.Address) bool {
	if matchesApprover(g.cfg.Approvers, addrs) {
		return true
	}
	for _, s := range g.cfg.Senders {
		if matchesApprover(s.Approvers, addrs) {
			return true
		}
	}
	return false
}

// approvalsNeeded is 2 for emergencies when so configured, else 1.
func (g *Governance) approvalsNeeded(n *Notice) int {
	if n.Urgency == UrgencyEmergency && g.twoForEmergencies(n) {
		return 2
	}
	return 1
}

// PendingNotice is a notice waiting for approval with its approvals so far.
type PendingNotice struct {
	*Notice
	Approvals []string
	Needed    int
}

// Pending lists the notices awaiting approval, oldest first.
func (g *Governance) Pending(ctx context.Context) ([]PendingNotice, error) {
	list, err := g.st.noticesInState(ctx, StateAwaitingApproval)
	if err != nil {
		return nil, err
	}
	out := make([]PendingNotice, 0, len(list))
	for _, n := range list {
		names, err := g.st.approvals(ctx, n.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, PendingNotice{Notice: n, Approvals: names, Needed: g.approvalsNeeded(n)})
	}
	return out, nil
}

// ErrNotPending is returned (wrapped in a user-facing message) when a
// notice is not waiting for approval.
var ErrNotPending = errors.New("notice is not awaiting approval")

func (g *Governance) loadPending(ctx context.Context, id int64) (*Notice, error) {
	n, err := g.st.notice(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return nil, bot.Userf("There is no notice #%d. Send !pending for the list.", id)
	}
	if err != nil {
		return nil, err
	}
	if n.State == StateWithdrawn {
		why, err := g.st.withdrawnBy(ctx, id)
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrNotPending, bot.Userf("Notice #%d is not waiting for approval: it was withdrawn by %s, so it will not be sent.", id, why))
	}
	if n.State != StateAwaitingApproval {
		return nil, fmt.Errorf("%w: %w", ErrNotPending, bot.Userf("Notice #%d is not waiting for approval: it %s.", id, stateDescription(n.State)))
	}
	return n, nil
}

// Approve records one approval; the notice is released once it has as many
// as it needs. It returns a sentence for the approver.
func (g *Governance) Approve(ctx context.Context, id int64, who Approver) (string, error) {
	n, err := g.loadPending(ctx, id)
	if errors.Is(err, ErrNotPending) {
		// Approving again is how an approver retries after booking the
		// fan-out failed: book it again if it is still missing.
		if have, lerr := g.st.notice(ctx, id); lerr != nil {
			return "", lerr
		} else if rerr := g.replanIfUnplanned(ctx, have); rerr != nil {
			return "", rerr
		}
	}
	if err != nil {
		return "", err
	}
	if !g.approverFor(n, who.Addrs) {
		return "", notYourSender(n)
	}
	now := g.now()
	needed := g.approvalsNeeded(n)
	var reply string
	released := false
	err = g.st.inTx(ctx, func(st store) error {
		added, err := st.recordApproval(ctx, id, who, now)
		if err != nil {
			return err
		}
		if !added {
			return bot.Userf("You have already approved #%d; it needs a different second approver.", id)
		}
		names, err := st.approvals(ctx, id)
		if err != nil {
			return err
		}
		if err := st.auditNotice(ctx, AuditRecord{NoticeID: id, At: now, Event: "approved", Actor: who.Name, Detail: fmt.Sprintf("approval %d of %d", len(names), needed)}); err != nil {
			return err
		}
		if len(names) < needed {
			reply = fmt.Sprintf("Approved #%d (%d of %d approvals) — it needs one more approver before it goes out.", id, len(names), needed)
			return nil
		}
		next, words := g.afterApproval(n, now)
		ok, err := st.setState(ctx, id, StateAwaitingApproval, next, AuditRecord{At: now, Event: releaseEvent(next), Actor: who.Name, Detail: words})
		if err != nil {
			return err
		}
		if !ok {
			return bot.Userf("Notice #%d was decided meanwhile; send !pending for the list.", id)
		}
		released = next == StateApproved
		reply = fmt.Sprintf("Approved #%d %s — %s.", id, n.Title, words)
		return nil
	})
	if err != nil {
		return "", err
	}
	if released {
		if err := g.schedulePlan(ctx, id, now); err != nil {
			return "", err
		}
	}
	return reply, nil
}

// afterApproval is where an approved notice goes next.
func (g *Governance) afterApproval(n *Notice, now time.Time) (State, string) {
	switch {
	case n.Expired(now):
		return StateExpired, "it has already expired, so it will not be sent"
	case g.cfg.PauseNonEssential && !n.Essential():
		return StatePaused, "held: non-essential notices are paused"
	}
	return StateApproved, "sending to matching groups and subscribers"
}

// releaseEvent names the audit event for a fully approved notice.
func releaseEvent(next State) string {
	switch next {
	case StatePaused:
		return "held"
	case StateExpired:
		return "expired"
	}
	return "released"
}

// Reject refuses a pending notice; it will never be sent.
func (g *Governance) Reject(ctx context.Context, id int64, who Approver, reason string) (string, error) {
	n, err := g.loadPending(ctx, id)
	if err != nil {
		return "", err
	}
	if !g.approverFor(n, who.Addrs) {
		return "", notYourSender(n)
	}
	reason = bot.Truncate(bot.CleanText(reason), 300)
	now := g.now()
	err = g.st.inTx(ctx, func(st store) error {
		if err := st.recordRejection(ctx, id, reason, who.Key); err != nil {
			return err
		}
		ok, err := st.setState(ctx, id, StateAwaitingApproval, StateRejected, AuditRecord{At: now, Event: "rejected", Actor: who.Name, Detail: reason})
		if err != nil {
			return err
		}
		if !ok {
			return bot.Userf("Notice #%d was decided meanwhile; send !pending for the list.", id)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Rejected #%d %s. It will not be sent.", id, n.Title), nil
}

// ReleaseHeld runs at start-up: notices held by the pause go out when the
// pause is off (expired ones are dropped), and approved notices whose
// fan-out job was lost to a crash get it back.
func (g *Governance) ReleaseHeld(ctx context.Context) error {
	now := g.now()
	states := []State{StateApproved}
	if !g.cfg.PauseNonEssential {
		states = append(states, StatePaused)
	}
	list, err := g.st.noticesInState(ctx, states...)
	if err != nil {
		return err
	}
	for _, n := range list {
		next := StateApproved
		if n.Expired(now) {
			next = StateExpired
		}
		if n.State != next {
			_, err := g.st.setState(ctx, n.ID, n.State, next, AuditRecord{At: now, Event: "released", Actor: "bot", Detail: "pause_non_essential is off; " + stateWords(next)})
			if err != nil {
				return err
			}
		}
		if next == StateApproved {
			if err := g.schedulePlan(ctx, n.ID, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// Audit returns the audit records at or after since, oldest first.
func (g *Governance) Audit(ctx context.Context, since time.Time) ([]AuditRecord, error) {
	return g.st.auditSince(ctx, since)
}

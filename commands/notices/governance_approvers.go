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

// Approvers hear by direct message when a notice waits for them: an
// emergency at once, with one reminder if it still waits after
// emergencyReminderAfter; other notices in one summary at most every
// approverSummaryEvery (held through quiet hours), so a busy feed never
// floods them. Only approvers who have written to the bot can be told (the
// bot never cold-messages anyone); the audit records who was told and who
// could not be.
const (
	jobApproverAsk    = "notices.approvers.ask"    // an emergency: tell its approvers now
	jobApproverRemind = "notices.approvers.remind" // the emergency still waits
	jobApproverDigest = "notices.approvers.summary"

	emergencyReminderAfter = 10 * time.Minute
	approverSummaryEvery   = 30 * time.Minute

	eventApproversTold = "approvers_told"
)

type approverJob struct {
	Notice int64 `json:"notice"`
}

func (r *Feature) registerApproverAlerts() {
	r.jobs.HandleJob(jobApproverAsk, r.approverAskJob)
	r.jobs.HandleJob(jobApproverRemind, r.approverRemindJob)
	r.jobs.HandleJob(jobApproverDigest, r.approverSummaryJob)
}

// scheduleApproverAlert books telling the approvers about a notice that now
// waits for approval. It runs in the transaction that stored the notice.
func (g *Governance) scheduleApproverAlert(ctx context.Context, n *Notice, now time.Time) error {
	if n.Urgency == UrgencyEmergency {
		raw, _ := json.Marshal(approverJob{Notice: n.ID})
		if _, err := g.core.ScheduleJob(ctx, bot.Job{Kind: jobApproverAsk, Key: jobApproverAsk + ":" + strconv.FormatInt(n.ID, 10), RunAt: now, Payload: raw}); err != nil {
			return fmt.Errorf("schedule approver alert: %w", err)
		}
		return nil
	}
	// One summary job at a time: a notice arriving while one is booked is
	// picked up by it.
	booked, err := g.core.JobPending(ctx, jobApproverDigest)
	if err != nil {
		return fmt.Errorf("look up approver summary: %w", err)
	}
	if booked {
		return nil
	}
	at := now
	last, err := g.st.lastApproverSummary(ctx)
	if err != nil {
		return err
	}
	if !last.IsZero() {
		if next := last.Add(approverSummaryEvery); next.After(at) {
			at = next
		}
	}
	if _, err := g.core.ScheduleJob(ctx, bot.Job{Kind: jobApproverDigest, Key: jobApproverDigest, RunAt: at}); err != nil {
		return fmt.Errorf("schedule approver summary: %w", err)
	}
	return nil
}

// approverPeople finds the people behind a sender's approver entries
// (phone numbers, LIDs or console names); entries nobody has used yet are
// returned as names, for the audit.
func (r *Feature) approverPeople(ctx context.Context, n *Notice) (found []bot.Person, unknown int, err error) {
	s, ok := r.cfg.sender(n.Sender)
	if !ok {
		return nil, 0, nil
	}
	seen := map[int64]bool{}
	for _, entry := range s.Approvers {
		a := strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(entry), " ", ""), "+")
		var p bot.Person
		hit := false
		for _, addr := range []bot.Address{bot.Address(a), bot.Address(a + "@s.whatsapp.net"), bot.Address(a + "@lid")} {
			got, err := r.core.PersonByAddr(ctx, addr)
			if errors.Is(err, bot.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, 0, fmt.Errorf("look up approver: %w", err)
			}
			p, hit = got, true
			break
		}
		switch {
		case !hit:
			unknown++
		case !seen[p.ID]:
			seen[p.ID] = true
			found = append(found, p)
		}
	}
	return found, unknown, nil
}

// tellApprovers messages each approver of n who has not approved it yet and
// audits the outcome once for the notice.
func (r *Feature) tellApprovers(ctx context.Context, n *Notice, text, kind string) error {
	people, unknown, err := r.approverPeople(ctx, n)
	if err != nil {
		return err
	}
	approved, err := r.st.approvalKeys(ctx, n.ID)
	if err != nil {
		return err
	}
	told, cannot := 0, unknown
	for _, p := range people {
		if approved[approverKey(p.ID)] {
			continue
		}
		switch err := r.out.DM(ctx, p, text); {
		case err == nil:
			told++
		case errors.Is(err, bot.ErrNoContact):
			cannot++
		default:
			return fmt.Errorf("tell approver: %w", err)
		}
	}
	detail := fmt.Sprintf("%s: %s by direct message", kind, bot.Plural(told, "approver told", "approvers told"))
	if cannot > 0 {
		detail += fmt.Sprintf("; %s could not be (never wrote to the bot)", bot.Count(cannot, "approver"))
	}
	if told == 0 && cannot > 0 {
		r.log.Warn("no approver could be told that a notice is waiting; approvers must message the bot once", "notice", n.ID)
	}
	return r.st.auditNotice(ctx, AuditRecord{NoticeID: n.ID, At: r.clock.Now(), Event: eventApproversTold, Actor: "bot", Detail: detail})
}

// waitingNotice loads the job's notice; nil when it no longer waits.
func (r *Feature) waitingNotice(ctx context.Context, job bot.Job) (*Notice, error) {
	var p approverJob
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return nil, fmt.Errorf("decode approver job: %w", err)
	}
	n, err := r.st.notice(ctx, p.Notice)
	if errors.Is(err, bot.ErrNotFound) {
		return nil, nil
	}
	if err != nil || n.State != StateAwaitingApproval {
		return nil, err
	}
	return n, nil
}

func (r *Feature) approverAskJob(ctx context.Context, job bot.Job) error {
	n, err := r.waitingNotice(ctx, job)
	if n == nil || err != nil {
		return err
	}
	pv, err := r.Preview(ctx, n, r.clock.Now())
	if err != nil {
		return err
	}
	p := r.prefix
	text := fmt.Sprintf("⚠️ Emergency notice waiting for your approval:\n%s\nSend %sapprove %d to send it now, or %sreject %d REASON.", pv.Text(p, r.location()), p, n.ID, p, n.ID) +
		r.staffPageLine()
	if err := r.tellApprovers(ctx, n, text, "emergency"); err != nil {
		return err
	}
	raw, _ := json.Marshal(approverJob{Notice: n.ID})
	return r.jobs.Schedule(ctx, jobApproverRemind, jobApproverRemind+":"+strconv.FormatInt(n.ID, 10), r.clock.Now().Add(emergencyReminderAfter), json.RawMessage(raw))
}

func (r *Feature) approverRemindJob(ctx context.Context, job bot.Job) error {
	n, err := r.waitingNotice(ctx, job)
	if n == nil || err != nil {
		return err
	}
	approved, err := r.st.approvalKeys(ctx, n.ID)
	if err != nil {
		return err
	}
	needed := r.gov.approvalsNeeded(n)
	waited := bot.FormatDuration(r.clock.Now().Sub(n.Received).Round(time.Minute))
	p := r.prefix
	text := fmt.Sprintf("Reminder: emergency notice #%d %s has waited %s for approval (%d of %d so far). Send %sapprove %d to send it, or %sreject %d REASON.",
		n.ID, n.Title, waited, len(approved), needed, p, n.ID, p, n.ID)
	return r.tellApprovers(ctx, n, text, "reminder")
}

// approverSummaryJob tells approvers, in one message each, about the
// normal and urgent notices that started waiting since the last summary.
func (r *Feature) approverSummaryJob(ctx context.Context, job bot.Job) error {
	now := r.clock.Now()
	if q := r.deps.QuietHours; q.Contains(now) {
		return r.jobs.Schedule(ctx, jobApproverDigest, jobApproverDigest, q.NextAllowed(now), nil)
	}
	pending, err := r.gov.Pending(ctx)
	if err != nil {
		return err
	}
	fresh, err := r.untoldPending(ctx, pending)
	if err != nil {
		return err
	}
	if len(fresh) == 0 {
		return nil
	}
	// One message per approver, listing only the notices they may approve.
	type inbox struct {
		person  bot.Person
		notices []*Notice
	}
	var order []int64
	byPerson := map[int64]*inbox{}
	unknown := map[int64]int{}
	for _, n := range fresh {
		people, missing, err := r.approverPeople(ctx, n)
		if err != nil {
			return err
		}
		unknown[n.ID] = missing
		for _, p := range people {
			if byPerson[p.ID] == nil {
				byPerson[p.ID] = &inbox{person: p}
				order = append(order, p.ID)
			}
			byPerson[p.ID].notices = append(byPerson[p.ID].notices, n)
		}
	}
	told, cannot := map[int64]int{}, map[int64]int{}
	for _, id := range order {
		in := byPerson[id]
		text, err := r.approverSummaryText(ctx, in.notices)
		if err != nil {
			return err
		}
		switch err := r.out.DM(ctx, in.person, text); {
		case err == nil:
			for _, n := range in.notices {
				told[n.ID]++
			}
		case errors.Is(err, bot.ErrNoContact):
			for _, n := range in.notices {
				cannot[n.ID]++
			}
		default:
			return fmt.Errorf("approver summary: %w", err)
		}
	}
	for _, n := range fresh {
		detail := fmt.Sprintf("summary: %s by direct message", bot.Plural(told[n.ID], "approver told", "approvers told"))
		if c := cannot[n.ID] + unknown[n.ID]; c > 0 {
			detail += fmt.Sprintf("; %s could not be (never wrote to the bot)", bot.Count(c, "approver"))
		}
		if err := r.st.auditNotice(ctx, AuditRecord{NoticeID: n.ID, At: now, Event: eventApproversTold, Actor: "bot", Detail: detail}); err != nil {
			return err
		}
	}
	return nil
}

// untoldPending is the pending normal and urgent notices approvers have
// not yet been told about in a summary (emergencies are told at once).
func (r *Feature) untoldPending(ctx context.Context, pending []PendingNotice) ([]*Notice, error) {
	var fresh []*Notice
	for _, p := range pending {
		if p.Urgency == UrgencyEmergency {
			continue
		}
		told, err := r.st.approversTold(ctx, p.ID)
		if err != nil {
			return nil, fmt.Errorf("approver summary: %w", err)
		}
		if !told {
			fresh = append(fresh, p.Notice)
		}
	}
	return fresh, nil
}

// approverSummaryText is one approver's summary of the notices waiting for
// them, each in full as residents would read it (the first pendingInFull;
// the rest by title).
func (r *Feature) approverSummaryText(ctx context.Context, notices []*Notice) (string, error) {
	p := r.prefix
	var b strings.Builder
	if len(notices) == 1 {
		b.WriteString("A council notice is waiting for your approval:")
	} else {
		fmt.Fprintf(&b, "%d council notices are waiting for your approval:", len(notices))
	}
	for i, n := range notices {
		if i >= pendingInFull {
			fmt.Fprintf(&b, "\n%s — %spending %d to read it in full", n.Label(), p, n.ID)
			continue
		}
		pv, err := r.Preview(ctx, n, r.clock.Now())
		if err != nil {
			return "", err
		}
		b.WriteString("\n\n" + pv.Text(p, r.location()))
	}
	b.WriteString("\n\n" + approvalHint(p, notices) + " " + p + "pending shows the list." + r.staffPageLine())
	return b.String(), nil
}

// staffPageLine points approvers at the staff web page's approvals, when
// it is served ("" otherwise).
func (r *Feature) staffPageLine() string {
	if r.deps.StaffPage == "" {
		return ""
	}
	return "\nOr on the staff page: " + r.deps.StaffPage
}

// approvalHint tells an approver what to type, with the real number when
// one notice is shown and the first one's as the example when several are:
// "!approve N" left people wondering what N was.
func approvalHint(prefix string, notices []*Notice) string {
	if len(notices) == 1 {
		id := notices[0].ID
		return fmt.Sprintf("Send %sapprove %d to send it, or %sreject %d REASON to refuse it.", prefix, id, prefix, id)
	}
	id := notices[0].ID
	return fmt.Sprintf("Send %sapprove and a number to send one (%sapprove %d), or %sreject %d REASON to refuse it.", prefix, prefix, id, prefix, id)
}

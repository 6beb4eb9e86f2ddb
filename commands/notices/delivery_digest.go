package notices

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Digests: a group that asked for one gets its normal notices together,
// once a day at its chosen time.

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

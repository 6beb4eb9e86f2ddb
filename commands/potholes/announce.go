package potholes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Messages the bot posts on its own (not as a reply to a command) follow
// two rules: nothing goes to a group that has switched the bot or potholes
// off, and nothing goes out during quiet hours. Council updates and the
// "is it fixed?" question wait by rescheduling their own job; send results
// are held by jobSendNews, below.

// jobSendNews posts the outcome of sending a report to the council once
// quiet hours are over. One held message per report (the key is the
// report's): a later outcome replaces an earlier one, and the text is
// written when it is posted, from the report as it stands then, so the
// morning brings one current line rather than a night's worth of stale ones.
const jobSendNews = "potholes.sendnews"

func sendNewsKey(id int64) string { return fmt.Sprintf("potholes.sendnews:%d:", id) }

type newsPayload struct {
	Report int64 `json:"report"`
	// Notice is the council's service_notice from a successful send, kept
	// because the report does not store it.
	Notice string `json:"notice,omitempty"`
}

// groupListening reports whether a group still wants the feature's own
// messages: the bot is on there and potholes is not switched off.
func (f *feature) groupListening(ctx context.Context, chat bot.ChatID) (bool, error) {
	gs, err := f.e.Store().GroupSettings(ctx, chat)
	if err != nil {
		return false, fmt.Errorf("group settings: %w", err)
	}
	return gs.Enabled && gs.FeatureOn(FeatureName), nil
}

// post sends a line into a group from a job. A group that has switched the
// bot or potholes off is skipped quietly. While WhatsApp is offline the line
// is held (jobHeldPost) until it is back; any other failed send (say, the
// bot has left the group) is logged, not retried.
func (f *feature) post(ctx context.Context, chat bot.ChatID, text string) error {
	on, err := f.groupListening(ctx, chat)
	if err != nil {
		return err
	}
	if !on {
		f.e.Log().Info("potholes: group has the bot or potholes off; not posting", "chat", chat)
		return nil
	}
	_, err = f.e.Send(ctx, bot.OutMessage{Chat: chat, Text: text})
	switch {
	case errors.Is(err, bot.ErrNotConnected):
		// The job that called post has already recorded what it did, so
		// running it again would not say it again: the line itself waits.
		return f.e.Schedule(ctx, jobHeldPost, "", f.e.Now().Add(time.Minute), heldPost{Chat: chat, Text: text})
	case err != nil:
		f.e.Log().Warn("potholes: post to group failed", "chat", chat, "err", err)
	}
	return nil
}

// jobHeldPost posts a line that could not go out because WhatsApp was
// offline. It fails with bot.ErrNotConnected for as long as the connection
// is down, which the engine answers by trying again a minute later without
// counting an attempt.
const jobHeldPost = "potholes.heldpost"

type heldPost struct {
	Chat bot.ChatID `json:"chat"`
	Text string     `json:"text"`
}

// runHeldPost posts a held line, still minding quiet hours and groups that
// have switched the bot or potholes off meanwhile.
func (f *feature) runHeldPost(ctx context.Context, job bot.Job) error {
	var pl heldPost
	if err := json.Unmarshal(job.Payload, &pl); err != nil {
		f.e.Log().Error("potholes: bad held post payload", "err", err)
		return nil
	}
	if now := f.e.Now(); f.deps.Quiet.Contains(now) {
		return f.e.Schedule(ctx, jobHeldPost, "", f.deps.Quiet.NextAllowed(now), pl)
	}
	on, err := f.groupListening(ctx, pl.Chat)
	if err != nil || !on {
		return err
	}
	if _, err := f.e.Send(ctx, bot.OutMessage{Chat: pl.Chat, Text: pl.Text}); err != nil {
		if errors.Is(err, bot.ErrNotConnected) {
			return err
		}
		f.e.Log().Warn("potholes: held post to group failed", "chat", pl.Chat, "err", err)
	}
	return nil
}

// sendNews tells the group how sending r went: now, or when quiet hours end.
func (f *feature) sendNews(ctx context.Context, r Report, notice string) error {
	now := f.e.Now()
	if f.deps.Quiet.Contains(now) {
		return f.e.Schedule(ctx, jobSendNews, sendNewsKey(r.ID), f.deps.Quiet.NextAllowed(now), newsPayload{Report: r.ID, Notice: notice})
	}
	if text := f.sendNewsText(r, notice); text != "" {
		return f.post(ctx, r.Chat, text)
	}
	return nil
}

// runSendNews posts a send result held over quiet hours.
func (f *feature) runSendNews(ctx context.Context, job bot.Job) error {
	var pl newsPayload
	r, ok, err := f.jobReport(ctx, job, &pl)
	if !ok {
		return err
	}
	return f.sendNews(ctx, r, pl.Notice)
}

// sendNewsText describes where sending r stands; "" when there is nothing
// to say (the report was resolved, or an admin has queued it again and that
// attempt will speak for itself).
func (f *feature) sendNewsText(r Report, notice string) string {
	p := f.e.Prefix()
	if r.Status.Resolved() {
		return ""
	}
	switch r.SendState {
	case sendDone:
		msg := fmt.Sprintf("%s has gone to the council (their reference %s). I'll post their updates here.", r.Ref(), r.ServiceRequestID)
		if r.ServiceRequestID == "" {
			msg = fmt.Sprintf("%s has gone to the council; they haven't given it a reference number yet. I'll post their updates here.", r.Ref())
		}
		if notice = strings.TrimSpace(notice); notice != "" {
			msg += "\nThe council says: " + bot.Truncate(notice, 300)
		}
		return msg
	case sendRetrying:
		return fmt.Sprintf("Couldn't send %s to the council yet: %s. I'll keep trying (next at %s); %spothole %s shows progress.",
			r.Ref(), r.LastSendError, f.when(r.NextSendAt), p, r.Ref())
	case sendFailed:
		return fmt.Sprintf("%s could not be sent to the council: %s. The report is kept here; an admin can try again with %spothole %s send.",
			r.Ref(), r.LastSendError, p, r.Ref())
	case sendUnsure:
		return fmt.Sprintf("I'm not sure %s reached the council: the bot stopped while sending it at %s, before hearing back. So it isn't sent twice, I won't send it again by myself; an admin can type %spothole %s send again to retry.",
			r.Ref(), f.when(r.SendStartedAt), p, r.Ref())
	}
	return ""
}

package potholes

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// Messages the bot posts on its own (not as a reply to a command) follow
// two rules: nothing goes to a group that has switched the bot or potholes
// off, and nothing goes out during quiet hours. Council updates and the
// "is it fixed?" question wait by rescheduling their own job; send results
// are held by jobSendNews, below. A message that has to wait is booked by
// its report's id and what it is about, never with its text: the text is
// written again from the report when it goes, so jobs hold nothing a
// resident typed or the council wrote.

// What a message the bot posts on its own is about.
const (
	postSendNews      = "send news"      // sendNewsText
	postCouncilUpdate = "council update" // the latest councilUpdateEvent
	postFixedCheck    = "fixed check"    // fixedCheckText
	// postAnswerReminder: a report still waits for the council's answers.
	postAnswerReminder = "answer reminder" // waitingText
	// postStaffStatus: council staff set the report's status on the
	// staff page.
	postStaffStatus = "staff status" // staffStatusText
)

// History lines the messages are written from.
const (
	councilUpdateEvent = "council update"
	// councilNoticeEvent keeps the council's service_notice on a new
	// request, for the send result posted after quiet hours.
	councilNoticeEvent = "council notice"
)

// jobSendNews posts the outcome of sending a report to the council once
// quiet hours are over. One held message per report (the key is the
// report's): a later outcome replaces an earlier one, and the text is
// written when it is posted, from the report as it stands then, so the
// morning brings one current line rather than a night's worth of stale ones.
const jobSendNews = "potholes.sendnews"

func sendNewsKey(id int64) string { return fmt.Sprintf("potholes.sendnews:%d:", id) }

// newsPayload names the report whose send result waits. Jobs booked by
// older versions also carry the council's notice; it is not used (the
// notice is in the report's history).
type newsPayload struct {
	Report int64 `json:"report"`
}

// groupListening reports whether a group still wants the feature's own
// messages: the bot is on there and potholes is not switched off.
func (f *Feature) groupListening(ctx context.Context, chat bot.ChatID) (bool, error) {
	gs, err := f.core.GroupSettings(ctx, chat)
	if err != nil {
		return false, fmt.Errorf("group settings: %w", err)
	}
	return gs.Enabled && gs.FeatureOn(FeatureName), nil
}

// postText writes the message about r of the given kind as it stands now;
// "" when there is nothing (left) to say.
func (f *Feature) postText(ctx context.Context, r Report, what string) (string, error) {
	switch what {
	case postAnswerReminder:
		if r.SendState != sendWaiting || r.Status.Resolved() {
			return "", nil
		}
		return f.waitingText(ctx, r, true)
	case postSendNews:
		if r.SendState == sendWaiting {
			if r.Status.Resolved() {
				return "", nil
			}
			return f.waitingText(ctx, r, false)
		}
		notice := ""
		if to, err := f.emailedTo(ctx, r); err != nil {
			return "", err
		} else if to != "" && !r.Status.Resolved() {
			return f.emailedText(r, to), nil
		}
		if r.SendState == sendDone {
			ev, ok, err := f.store.latestEvent(ctx, r.ID, councilNoticeEvent)
			if err != nil {
				return "", err
			}
			if ok {
				notice = ev.Detail
			}
		}
		return f.sendNewsText(r, notice), nil
	case postCouncilUpdate:
		ev, ok, err := f.store.latestEvent(ctx, r.ID, councilUpdateEvent)
		if err != nil || !ok {
			return "", err
		}
		return fmt.Sprintf("Council update on %s: %s", r.Ref(), ev.Detail), nil
	case postFixedCheck:
		if r.Status.Resolved() {
			return "", nil
		}
		return f.fixedCheckText(r, f.clock.Now()), nil
	case postStaffStatus:
		return f.staffStatusText(r), nil
	}
	return "", fmt.Errorf("unknown message kind %q", what)
}

// post queues the message about r of the given kind for its group, from a
// job. A group that has switched the bot or potholes off is skipped
// quietly. The core's send queue delivers it after the job commits, waiting
// for WhatsApp however long it is away.
func (f *Feature) post(ctx context.Context, r Report, what string) error {
	on, err := f.groupListening(ctx, r.Chat)
	if err != nil {
		return err
	}
	if !on {
		f.log().Info("group has the bot or potholes off; not posting", bot.KeyChat, r.Chat, "report", r.ID)
		return nil
	}
	text, err := f.postText(ctx, r, what)
	if err != nil || text == "" {
		return err
	}
	_, err = f.out.Send(ctx, bot.OutMessage{Chat: r.Chat, Text: text})
	if errors.Is(err, bot.ErrGroupOff) {
		return nil
	}
	return err
}

// jobHeldPost is a message held for quiet hours to end (a status set on
// the staff page at night), or one an older version held while WhatsApp
// was offline (this version leaves that to the send queue). It is posted,
// minding quiet hours, written from the report as it stands then.
const jobHeldPost = "potholes.heldpost"

// heldPost names a message waiting for WhatsApp: the report and what it is
// about. Jobs booked by even older versions held the chat and text
// instead; those are dropped.
type heldPost struct {
	Report int64  `json:"report"`
	What   string `json:"what"`
}

// heldPostJob posts a message held by an older version.
func (f *Feature) heldPostJob(ctx context.Context, _ bot.Job, pl heldPost) error {
	if pl.Report == 0 || pl.What == "" {
		f.log().Error("held post without a report; not posted")
		return nil
	}
	r, ok, err := f.jobReport(ctx, pl.Report)
	if !ok {
		return err
	}
	if now := f.clock.Now(); f.deps.Quiet.Contains(now) {
		at := f.deps.Quiet.NextAllowed(now)
		return f.jobs.Schedule(ctx, jobHeldPost, fmt.Sprintf("potholes.heldpost:%d:%s:%d", pl.Report, pl.What, at.UnixMilli()), at, pl)
	}
	return f.post(ctx, r, pl.What)
}

// sendNews tells the group how sending r went: now, or when quiet hours end.
func (f *Feature) sendNews(ctx context.Context, r Report) error {
	now := f.clock.Now()
	if f.deps.Quiet.Contains(now) {
		return f.jobs.Schedule(ctx, jobSendNews, sendNewsKey(r.ID), f.deps.Quiet.NextAllowed(now), newsPayload{Report: r.ID})
	}
	return f.post(ctx, r, postSendNews)
}

// sendNewsJob posts a send result held over quiet hours.
func (f *Feature) sendNewsJob(ctx context.Context, _ bot.Job, pl newsPayload) error {
	r, ok, err := f.jobReport(ctx, pl.Report)
	if !ok {
		return err
	}
	return f.sendNews(ctx, r)
}

// emailedText tells the group r went by email.
func (f *Feature) emailedText(r Report, to string) string {
	replies := "the bot's organisers"
	if f.cfg.LiaisonName != "" {
		replies = f.cfg.LiaisonName + ", the group's liaison"
	} else if f.cfg.LiaisonEmail != "" {
		replies = "the group's liaison"
	}
	return fmt.Sprintf("%s has been emailed to the council (%s). Their replies go to %s; an admin can set its status here (%spothole %s fixed, say).",
		r.Ref(), to, replies, f.prefix, r.Ref())
}

// sendNewsText describes where sending r stands; "" when there is nothing
// to say (the report was resolved, or an admin has queued it again and that
// attempt will speak for itself).
func (f *Feature) sendNewsText(r Report, notice string) string {
	p := f.prefix
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

// staffStatusText tells the group the status council staff gave r on the
// staff page, as it stands when posted.
func (f *Feature) staffStatusText(r Report) string {
	switch {
	case r.Status == StatusOpen:
		return fmt.Sprintf("Council update on %s: reopened.", r.Ref())
	case r.Status == StatusDuplicate && r.DuplicateOf != 0:
		return fmt.Sprintf("Council update on %s: a duplicate of P%d.", r.Ref(), r.DuplicateOf)
	}
	return fmt.Sprintf("Council update on %s: %s.", r.Ref(), r.Status)
}

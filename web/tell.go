package web

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// JobTellRejected is the job that tells a notice's writer on the page that
// it was rejected. The command line books it when it rejects a notice:
// it has no send queue of its own, so the running bot sends the message,
// once, from the job's unit of work.
const JobTellRejected = "web.tell-rejected"

// TellRejected is JobTellRejected's payload.
type TellRejected struct {
	Notice int64  `json:"notice"`
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// RegisterJobs registers the page's jobs with the bot's scheduler.
func (s *Server) RegisterJobs(jobs bot.JobHandlers) {
	bot.HandleJobOf(jobs, JobTellRejected, func(ctx context.Context, _ bot.Job, p TellRejected) error {
		return s.TellComposer(ctx, p.Notice, p.By, p.Reason)
	})
}

// JobBooker is the part of the bot's store that books a job.
type JobBooker interface {
	ScheduleJob(ctx context.Context, j bot.Job) (int64, error)
}

// BookTellRejected books the message telling notice id's writer that by
// rejected it, in the unit of work of ctx (the one that records the
// rejection), for the running bot to send at now.
func BookTellRejected(ctx context.Context, jobs JobBooker, id int64, by, reason string, now time.Time) error {
	payload, err := json.Marshal(TellRejected{Notice: id, By: by, Reason: reason})
	if err != nil {
		return fmt.Errorf("tell the writer of notice %d: %w", id, err)
	}
	_, err = jobs.ScheduleJob(ctx, bot.Job{Kind: JobTellRejected, Key: fmt.Sprintf("%s:%d", JobTellRejected, id), RunAt: now, Payload: payload})
	if err != nil {
		return fmt.Errorf("tell the writer of notice %d: %w", id, err)
	}
	return nil
}

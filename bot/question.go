package bot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A yes/no question the bot asked someone in a direct message, so a bare
// "yes" or "no" can answer it. Only the latest question counts: asking a
// new one replaces the old, so "yes" always answers what the person was
// asked last. Questions are kept as keyed rows of the jobs table (the job
// only expires the question), so a restart keeps them and no table of its
// own is needed.
const jobQuestion = "core.question"

type questionPayload struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

func questionKey(person int64) string { return jobQuestion + ":" + strconv.FormatInt(person, 10) }

// askYesNo records that the bot has just asked p a yes/no question on
// behalf of kind ("moderation.forgetme"), about ref (the feature's own
// reference), open for ttl.
func (e *Engine) askYesNo(ctx context.Context, p Person, kind, ref string, ttl time.Duration) error {
	if p.ID == 0 {
		return nil
	}
	return e.schedule(ctx, jobQuestion, questionKey(p.ID), e.now().Add(ttl), questionPayload{Kind: kind, Ref: ref})
}

// pendingQuestion returns the open question p was asked last, if any.
func (e *Engine) pendingQuestion(ctx context.Context, p Person) (kind, ref string, ok bool, err error) {
	var raw []byte
	var at int64
	err = e.store.DB().QueryRowContext(ctx, `SELECT payload, run_at FROM jobs WHERE key = ?`, questionKey(p.ID)).Scan(&raw, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("pending question: %w", err)
	}
	if !time.UnixMilli(at).After(e.now()) {
		return "", "", false, nil // expired, its job not run yet
	}
	var q questionPayload
	if err := json.Unmarshal(raw, &q); err != nil {
		return "", "", false, fmt.Errorf("pending question: %w", err)
	}
	return q.Kind, q.Ref, true, nil
}

// answered closes p's open question.
func (e *Engine) answered(ctx context.Context, p Person) error {
	return e.cancelJobs(ctx, questionKey(p.ID))
}

// expireQuestion is the question's job: when it runs the question has
// lapsed, and finishing the job removes it.
func expireQuestion(context.Context, Job) error { return nil }

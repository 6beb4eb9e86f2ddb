package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Questions puts yes/no questions to people in direct messages, so that a
// bare "yes" or "no" can answer them. Only the latest question counts:
// asking a new one replaces the old, so "yes" always answers what the
// person was asked last. Questions are kept as keyed rows of the jobs table
// (the job only expires the question), so a restart keeps them and no
// table of its own is needed.
type Questions struct {
	jobs  *Jobs
	store Store
	clock Clock
}

const jobQuestion = "core.question"

type questionPayload struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

func questionKey(person int64) string { return jobQuestion + ":" + strconv.FormatInt(person, 10) }

// Ask records that p has just been asked a yes/no question of kind
// ("moderation.forgetme") about ref (the feature's own reference), open
// for ttl.
func (q *Questions) Ask(ctx context.Context, p Person, kind, ref string, ttl time.Duration) error {
	if p.ID == 0 {
		return nil
	}
	return q.jobs.Schedule(ctx, jobQuestion, questionKey(p.ID), q.clock.Now().Add(ttl), questionPayload{Kind: kind, Ref: ref})
}

// Pending returns the open question p was asked last, if any.
func (q *Questions) Pending(ctx context.Context, p Person) (kind, ref string, ok bool, err error) {
	j, ok, err := q.store.KeyedJob(ctx, questionKey(p.ID))
	if err != nil || !ok {
		return "", "", false, err
	}
	if !j.RunAt.After(q.clock.Now()) {
		return "", "", false, nil // expired, its job not run yet
	}
	var qp questionPayload
	if err := json.Unmarshal(j.Payload, &qp); err != nil {
		return "", "", false, fmt.Errorf("pending question: %w", err)
	}
	return qp.Kind, qp.Ref, true, nil
}

// Answered closes p's open question.
func (q *Questions) Answered(ctx context.Context, p Person) error {
	return q.jobs.Cancel(ctx, questionKey(p.ID))
}

// expireQuestion is the question's job: when it runs the question has
// lapsed, and finishing the job removes it.
func expireQuestion(context.Context, Job) error { return nil }

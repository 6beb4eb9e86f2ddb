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

// pending returns the open question p was asked last, if any.
func (q *Questions) pending(ctx context.Context, p Person) (kind, ref string, ok bool, err error) {
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

// Close closes p's open question if it is of kind: the feature got its
// answer another way (a command), so a later bare "yes" answers nothing.
func (q *Questions) Close(ctx context.Context, p Person, kind string) error {
	open, _, ok, err := q.pending(ctx, p)
	if err != nil || !ok || open != kind {
		return err
	}
	return q.jobs.Cancel(ctx, questionKey(p.ID))
}

// Answers says how a feature takes the answers to its yes/no questions of
// one kind (Registry.HandleAnswers). A bare "yes" or "no" in a direct
// message goes to the handler for the kind of the question the person was
// asked last, once that question is closed; no other listener decides.
type Answers struct {
	// Kind is the questions' kind, as given to Questions.Ask.
	Kind string
	// Answer takes the answer; ref is what the question was asked about
	// ("" for a lapsed question).
	Answer func(ctx context.Context, req *Request, yes bool, ref string) error
	// Reaction, when set, reads a reaction to any message as a yes (👍 for
	// "is it back?"); other reactions answer nothing.
	Reaction func(emoji string) bool
	// Lapsed, when set, is asked when the person has no open question:
	// whether a question of this kind they were asked has lapsed and the
	// feature still answers it ("that request lapsed, send it again").
	Lapsed func(ctx context.Context, p Person) (bool, error)
}

// answerQuestion gives a bare yes or no in a direct message to the feature
// whose question it answers, and reports whether it did.
func (e *Engine) answerQuestion(ctx context.Context, req *Request) (bool, error) {
	a, answer, ref, err := e.reg.answerFor(ctx, e.questions, req)
	if err != nil || a.Answer == nil {
		return false, err
	}
	req.Take()
	err = e.callSafely(ctx, func(ctx context.Context, req *Request) error {
		if err := e.jobs.Cancel(ctx, questionKey(req.Sender.ID)); err != nil {
			return err
		}
		return a.Answer(ctx, req, answer == "yes", ref)
	}, req)
	if msg, ok := UserMessage(err); ok {
		return true, req.Reply(ctx, msg)
	}
	return true, err
}

// expireQuestion is the question's job: when it runs the question has
// lapsed, and finishing the job removes it.
func expireQuestion(context.Context, Job) error { return nil }

package bot

import (
	"context"
	"fmt"
	"time"
)

// DeparturePruner is what pruning needs from the store: the people who
// left every group they were seen in before a cutoff (and have not been
// seen since), and deleting one with their addresses and memberships
// unless a table still refers to them.
type DeparturePruner interface {
	DepartedPeople(ctx context.Context, before time.Time) ([]int64, error)
	DeletePersonIfUnreferenced(ctx context.Context, person int64) (bool, error)
}

// PruneDeparted deletes people who left every group before the cutoff and
// hold nothing: no feature describes anything about them (their loans,
// warnings, reports, subscriptions… would all show in !mydata) and no
// table refers to them. Someone who comes back is simply new to the bot,
// as after !forgetme. It runs one person per unit of work, on the engine's
// worker (call it from a job or Enqueue), and returns how many went.
func (e *Engine) PruneDeparted(ctx context.Context, st DeparturePruner, before time.Time) (int, error) {
	ids, err := st.DepartedPeople(ctx, before)
	if err != nil {
		return 0, err
	}
	pruned := 0
	for _, id := range ids {
		held, err := e.holdsRecords(ctx, id)
		if err != nil {
			return pruned, err
		}
		if held {
			continue
		}
		ok, err := st.DeletePersonIfUnreferenced(ctx, id)
		if err != nil {
			return pruned, fmt.Errorf("prune person %d: %w", id, err)
		}
		if ok {
			pruned++
		}
	}
	return pruned, nil
}

// holdsRecords asks every feature's data provider (not the core's profile,
// which always has the name) whether it has anything about the person.
func (e *Engine) holdsRecords(ctx context.Context, person int64) (bool, error) {
	for _, p := range e.reg.data {
		lines, err := p.DescribePerson(ctx, person)
		if err != nil {
			return true, fmt.Errorf("prune: %s: %w", p.DataName(), err)
		}
		if len(lines) > 0 {
			return true, nil
		}
	}
	return false, nil
}

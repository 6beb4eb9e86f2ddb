package sqlite_test

import (
	"context"
	"errors"
	"testing"
)

// A savepoint rolled back takes its after-commit hooks with it: what it did
// is undone, so nothing it planned for after the commit may run (a file
// deleted for a row that is still there). The unit's other hooks run.
func TestRolledBackSavepointDropsItsHooks(t *testing.T) {
	s, _ := open(t)
	var ran []string
	err := s.Atomic(context.Background(), func(ctx context.Context) error {
		s.AfterCommit(ctx, func() { ran = append(ran, "outer") })
		_ = s.Atomic(ctx, func(ctx context.Context) error {
			s.AfterCommit(ctx, func() { ran = append(ran, "rolled back") })
			return errors.New("undo")
		})
		return s.Atomic(ctx, func(ctx context.Context) error {
			s.AfterCommit(ctx, func() { ran = append(ran, "released") })
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 2 || ran[0] != "outer" || ran[1] != "released" {
		t.Fatalf("hooks run = %q, want outer and released only", ran)
	}
}

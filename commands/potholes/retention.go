package potholes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// PurgeClosed deletes reports in a final state (fixed, closed, duplicate,
// not the council's responsibility) whose last change — the report itself,
// a history line, a confirmation or a photo — is before the cutoff, with
// their confirmations, history and photo rows; the send attempts live on
// the report row. A photo file goes too once no remaining report has the
// same picture. Open reports, and resolved ones a remaining report still
// names as the original of a duplicate, are kept. Any of the report's jobs
// still pending find it gone and do nothing.
func (d dataProvider) PurgeClosed(ctx context.Context, before time.Time) (int64, error) {
	n, photos, err := d.f.store.purgeClosed(ctx, before)
	if err != nil {
		return 0, err
	}
	return n, d.f.removeUnusedPhotos(ctx, photos)
}

// purgedPhoto is a photo row of a purged report.
type purgedPhoto struct{ sha256, file string }

// removeUnusedPhotos deletes the files of purged photos that no remaining
// report or held attempt uses (the same picture may be attached to several
// reports). It runs after the purge has committed, so a file is never
// missing for a row that stays; a file that cannot be removed is reported,
// not retried.
func (f *Feature) removeUnusedPhotos(ctx context.Context, photos []purgedPhoto) error {
	var errs []error
	done := map[string]bool{}
	for _, p := range photos {
		if done[p.file] {
			continue
		}
		done[p.file] = true
		used, err := f.store.photoUses(ctx, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("check photo %s: %w", p.file, err))
			continue
		}
		if used > 0 {
			continue
		}
		// The name is ours (hash and extension), but never let a stored
		// name reach outside the photos directory.
		path := filepath.Join(f.deps.PhotoDir, filepath.Base(p.file))
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove photo: %w", err))
		}
	}
	return errors.Join(errs...)
}

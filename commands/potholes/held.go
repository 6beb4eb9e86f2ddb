package potholes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// A report that looks already reported is not filed: the resident is told
// to !metoo the match or to type "!pothole new …" to file theirs anyway.
// That second message rarely carries the pin and photo again (they went
// with the first one), so the first attempt's pin and photo are held for a
// while, per group and person, and the "new" command files with them.

// heldAttemptFor is how long a held attempt's pin and photo wait for the
// "new" command: long enough to read the matches and decide, short enough
// that a pin is not attached to an unrelated report later in the day.
const heldAttemptFor = 30 * time.Minute

const jobHeldAttempt = "potholes.heldattempt"

// Photo problems recorded with a held attempt whose photo was not kept.
const (
	heldPhotoTooLarge = "too large"
	heldPhotoFailed   = "failed"
)

func heldAttemptKey(chat bot.ChatID, person int64) string {
	return fmt.Sprintf("potholes.heldattempt:%s:%d:", chat, person)
}

type heldAttemptPayload struct {
	Chat   bot.ChatID `json:"chat"`
	Person int64      `json:"person"`
	HeldAt int64      `json:"held_at"`
	// Forget is the second run: the expired marker goes too.
	Forget bool `json:"forget,omitempty"`
}

// expiredMarkerFor is how long an expired attempt is remembered (without
// its photo), so that a late "new" can say the photo was not kept.
const expiredMarkerFor = 24 * time.Hour

// heldAttempt is the pin and photo of one person's unfiled report.
type heldAttempt struct {
	Chat        bot.ChatID
	PersonID    int64
	Category    string
	HeldAt      time.Time
	HasLocation bool
	Lat, Long   float64
	// Photo is the kept photo, nil when there was none or it was not kept.
	Photo        *Photo
	PhotoProblem string // heldPhotoTooLarge or heldPhotoFailed
	PhotoSize    int64  // the refused photo's size, for heldPhotoTooLarge
	// Expired marks an attempt whose time ran out: its photo is gone, and
	// it is kept only to say so.
	Expired bool
	// HadPhoto says an expired attempt came with a photo.
	HadPhoto bool
}

// photoOutcome is what became of the attempt's photo, as if it had been
// sent with the command that files the report.
func (a heldAttempt) photoOutcome() photoOutcome {
	switch {
	case a.Photo != nil:
		return photoOutcome{Photo: a.Photo, Size: a.Photo.Size}
	case a.PhotoProblem == heldPhotoTooLarge:
		return photoOutcome{TooLarge: true, Size: a.PhotoSize}
	case a.PhotoProblem == heldPhotoFailed:
		return photoOutcome{Failed: true}
	}
	return photoOutcome{}
}

// hasPhoto reports whether the attempt came with a photo, kept or not.
func (a heldAttempt) hasPhoto() bool { return a.Photo != nil || a.PhotoProblem != "" }

// holdAttempt keeps the pin and photo of an attempt that was not filed
// because it looked already reported, replacing the person's earlier held
// attempt in the group. An attempt with neither only drops the earlier one:
// "new" refers to the latest attempt. It returns what was kept, for the
// reply: "location pin", "photo", "location pin and photo" or "". Failing
// to hold is logged, not returned: the resident still needs the "Already
// reported?" answer.
func (f *Feature) holdAttempt(ctx context.Context, req *bot.Request, cat string, c candidate, media *bot.Media) (kept string) {
	chat, person := req.Chat.ID, req.Sender.ID
	if !c.HasLocation && media == nil {
		if err := f.dropHeldAttempt(ctx, chat, person); err != nil {
			f.log().Error("drop held attempt", bot.KeyErr, err)
		}
		return ""
	}
	a := heldAttempt{Chat: chat, PersonID: person, Category: cat, HeldAt: req.Now(),
		HasLocation: c.HasLocation, Lat: c.Lat, Long: c.Long}
	if media != nil {
		outcome, err := f.savePhoto(ctx, media)
		switch {
		case err != nil:
			f.log().Error("keep held attempt's photo", bot.KeyErr, err)
			a.PhotoProblem = heldPhotoFailed
		case outcome.TooLarge:
			a.PhotoProblem, a.PhotoSize = heldPhotoTooLarge, outcome.Size
		case outcome.Failed:
			a.PhotoProblem = heldPhotoFailed
		default:
			a.Photo = outcome.Photo
		}
	}
	replaced, err := f.store.holdAttempt(ctx, a)
	if err != nil {
		f.log().Error("hold attempt", bot.KeyErr, err)
		if err := f.removeUnusedPhotos(ctx, photosOf(a.Photo)); err != nil {
			f.log().Warn("remove photo of an attempt not held", bot.KeyErr, err)
		}
		return ""
	}
	if err := f.removeUnusedPhotos(ctx, replaced); err != nil {
		f.log().Warn("remove replaced held photo", bot.KeyErr, err)
	}
	pl := heldAttemptPayload{Chat: chat, Person: person, HeldAt: a.HeldAt.UnixMilli()}
	if err := f.jobs.Schedule(ctx, jobHeldAttempt, heldAttemptKey(chat, person), a.HeldAt.Add(heldAttemptFor), pl); err != nil {
		// Without its job the row outlives its time; it is never used
		// after heldAttemptFor and goes with the person's next attempt.
		f.log().Error("schedule end of held attempt", bot.KeyErr, err)
	}
	var what []string
	if a.HasLocation {
		what = append(what, "location pin")
	}
	if a.Photo != nil {
		what = append(what, "photo")
	}
	return strings.Join(what, " and ")
}

// dropHeldAttempt forgets the person's held attempt in the group once it
// is used up (a report filed, a match confirmed), with its job and its
// photo file when no report uses the picture.
func (f *Feature) dropHeldAttempt(ctx context.Context, chat bot.ChatID, person int64) error {
	photos, err := f.store.dropHeldAttempts(ctx, `chat = ? AND person_id = ?`, chat, person)
	if err != nil {
		return err
	}
	if err := f.jobs.Cancel(ctx, heldAttemptKey(chat, person)); err != nil {
		return err
	}
	return f.removeUnusedPhotos(ctx, photos)
}

// heldAttemptJob ends a held attempt heldAttemptFor after it was held: its
// photo goes and a marker stays for a day (a second run forgets it), so a
// late "new" can say the photo was not kept. A newer attempt replaced the
// job, so the row's time must match.
func (f *Feature) heldAttemptJob(ctx context.Context, _ bot.Job, pl heldAttemptPayload) error {
	if pl.Forget {
		_, err := f.store.dropHeldAttempts(ctx, `chat = ? AND person_id = ? AND held_at = ? AND expired = 1`, pl.Chat, pl.Person, pl.HeldAt)
		return err
	}
	photos, err := f.store.expireHeldAttempt(ctx, pl.Chat, pl.Person, pl.HeldAt)
	if err != nil {
		return err
	}
	if err := f.removeUnusedPhotos(ctx, photos); err != nil {
		return err
	}
	pl.Forget = true
	return f.jobs.Schedule(ctx, jobHeldAttempt, heldAttemptKey(pl.Chat, pl.Person), time.UnixMilli(pl.HeldAt).UTC().Add(expiredMarkerFor), pl)
}

func photosOf(p *Photo) []purgedPhoto {
	if p == nil {
		return nil
	}
	return []purgedPhoto{{sha256: p.SHA256, file: p.File}}
}

// freshHeldAttempt returns the person's held attempt in the group while it
// is fresh, whatever its category; the zero heldAttempt otherwise.
func (f *Feature) freshHeldAttempt(ctx context.Context, req *bot.Request) (heldAttempt, error) {
	a, ok, err := f.store.heldAttempt(ctx, req.Chat.ID, req.Sender.ID)
	if err != nil || !ok {
		return heldAttempt{}, err
	}
	if a.Expired || !req.Now().Before(a.HeldAt.Add(heldAttemptFor)) {
		// Its time ran out (the job may not have run yet): only whether
		// it had a photo is told, so a late "new" can say so.
		return heldAttempt{Chat: a.Chat, PersonID: a.PersonID, Category: a.Category, HeldAt: a.HeldAt,
			Expired: true, HadPhoto: a.HadPhoto || a.hasPhoto()}, nil
	}
	return a, nil
}

// settleHeldAttempt decides what a filed report does to the person's held
// attempt, and says so: used (dropped, the reply already names it),
// superseded by a "new" in its category that brought its own pin and
// photo (dropped, and said), or left for a later "new" when this report
// was another one (kept, and said — a photo is never lost in silence).
func (f *Feature) settleHeldAttempt(ctx context.Context, req *bot.Request, a heldAttempt, sameNew, used bool, ref string) (string, error) {
	if a.Expired {
		if !sameNew || !a.HadPhoto {
			return "", nil
		}
		return fmt.Sprintf("The photo you sent at %s was only kept for %s, so it isn't on this report — send %spothole %s as a reply to that photo to add it.",
			a.HeldAt.In(f.deps.Location).Format("15:04"), bot.FormatDuration(heldAttemptFor), f.prefix, ref), f.dropHeldAttempt(ctx, req.Chat.ID, req.Sender.ID)
	}
	if a.PersonID == 0 || (!a.HasLocation && !a.hasPhoto()) {
		return "", nil
	}
	what := heldWhat(a)
	switch {
	case used:
		return "", f.dropHeldAttempt(ctx, req.Chat.ID, req.Sender.ID)
	case sameNew:
		return fmt.Sprintf("The %s you sent earlier %s not used: this report came with its own.", what, wasWere(what)),
			f.dropHeldAttempt(ctx, req.Chat.ID, req.Sender.ID)
	}
	until := a.HeldAt.Add(heldAttemptFor).In(f.deps.Location).Format("15:04")
	return fmt.Sprintf("I'm still keeping the %s you sent earlier for %s new … until %s.", what, f.fileCommand(a.Category), until), nil
}

// heldWhat names what an attempt holds: "photo", "location pin and photo".
func heldWhat(a heldAttempt) string {
	var what []string
	if a.HasLocation {
		what = append(what, "location pin")
	}
	if a.hasPhoto() {
		what = append(what, "photo")
	}
	return strings.Join(what, " and ")
}

func wasWere(what string) string {
	if strings.Contains(what, " and ") {
		return "were"
	}
	return "was"
}

package potholes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// A pin often comes after the report ("that's where P1 is"): phones send a
// location as a message of its own. Two ways attach it: a pin from the
// reporter shortly after filing a report without one, and "!pothole P1"
// sent as a reply to a pin.

// latePinWithin is how long after filing a pin from the reporter, on its
// own, is taken as the report's location: long enough to open the map and
// drop it, short enough that a later pin about something else is not.
const latePinWithin = 10 * time.Minute

// listenForPin attaches a pin sent on its own to the sender's report filed
// in the last few minutes without one.
func (f *Feature) listenForPin(ctx context.Context, req *bot.Request) error {
	if !req.Chat.IsGroup || !req.Group.FeatureOn(FeatureName) || req.Msg == nil || req.Msg.Location == nil || req.Msg.EditOf != "" {
		return nil
	}
	now := req.Now()
	r, err := f.store.latestUnpinned(ctx, req.Chat.ID, req.Sender.ID, now.Add(-latePinWithin))
	if errors.Is(err, bot.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	req.Take()
	return f.attachPin(ctx, req, r, req.Msg.Location)
}

// attachPin sets a report's location from a pin and says so. A report
// that already went to the council keeps the pin here and says the
// council has not got it.
func (f *Feature) attachPin(ctx context.Context, req *bot.Request, r Report, loc *bot.Location) error {
	had := r.HasLocation
	now := req.Now()
	r.HasLocation, r.Lat, r.Long, r.Updated = true, loc.Lat, loc.Long, now
	kind := "pin added"
	if had {
		kind = "pin moved"
	}
	if err := f.store.setLocation(ctx, r, event{At: now, ActorID: req.Sender.ID, Kind: kind}); err != nil {
		return err
	}
	msg := fmt.Sprintf("📍 Location added to %s — thanks, that helps the council find it.", r.Ref())
	if had {
		msg = fmt.Sprintf("📍 Moved %s's location to that pin.", r.Ref())
	}
	if r.SendState == sendDone {
		msg += " It has already gone to the council, so they have the earlier details only."
	}
	return req.Reply(ctx, msg)
}

// pinForReport attaches the pin a "!pothole P1" replies to: anyone may add
// a missing pin; only the reporter or an admin may move one.
func (f *Feature) pinForReport(ctx context.Context, req *bot.Request, r Report, loc *bot.Location) error {
	if r.HasLocation && r.ReporterID != req.Sender.ID {
		admin, err := req.IsAdmin(ctx)
		if err != nil {
			return fmt.Errorf("admin check: %w", err)
		}
		if !admin {
			return bot.Userf("%s already has a location. Only the person who reported it or a group admin can move it.", r.Ref())
		}
	}
	if r.Status.Resolved() {
		return bot.Userf("%s is already marked %s, so I've not added the pin.", r.Ref(), r.Status)
	}
	return f.attachPin(ctx, req, r, loc)
}

package potholes

import (
	"context"
	"fmt"

	"neighbourbot/bot"
)

// dataProvider shows and erases what the feature holds about a person.
// Forgetting keeps the reports (they describe the street, not the person)
// but removes every link to the person: reporter, confirmations, photos
// added and history lines.
type dataProvider struct{ f *Feature }

func (d dataProvider) DataName() string { return "Street reports" }

func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	reports, err := d.f.store.reportsBy(ctx, person)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, r := range reports {
		lines = append(lines, fmt.Sprintf("You reported P%d (%s: %s) on %s.", r.id, r.category, bot.Truncate(r.description, 60),
			r.created.In(d.f.deps.Location).Format("2 Jan 2006")))
	}
	c, err := d.f.store.personCounts(ctx, person)
	if err != nil {
		return nil, err
	}
	confirmed, photos, claims, answered, held, expired := c.confirmed, c.photos, c.claims, c.answered, c.held, c.expired
	if confirmed > 0 {
		lines = append(lines, fmt.Sprintf("You confirmed %s made by neighbours.", bot.Count(confirmed, "report")))
	}
	if photos > 0 {
		lines = append(lines, fmt.Sprintf("You added %s to reports.", bot.Count(photos, "photo")))
	}
	if answered > 0 {
		lines = append(lines, fmt.Sprintf("You answered %s from the council about reports (the answers stay with the reports; %s unlinks them from you).",
			bot.Count(answered, "question"), d.f.prefix+"forgetme"))
	}
	if claims > 0 {
		if claims == 1 {
			lines = append(lines, "You said 1 report was fixed; it is waiting for a second neighbour to confirm.")
		} else {
			lines = append(lines, fmt.Sprintf("You said %d reports were fixed; they are waiting for a second neighbour to confirm.", claims))
		}
	}
	if expired > 0 {
		lines = append(lines, fmt.Sprintf("For a day after a held pin or photo is deleted I note only that you had sent one (%d now), so %spothole new can say it wasn't kept.",
			expired, d.f.prefix))
	}
	keep := bot.FormatDuration(heldAttemptFor)
	switch {
	case held == 1:
		lines = append(lines, fmt.Sprintf("You sent a location pin or photo with a report that looked already reported; I keep it for up to %s so %spothole new can use it, then delete it.",
			keep, d.f.prefix))
	case held > 1:
		lines = append(lines, fmt.Sprintf("You sent location pins or photos with %d reports that looked already reported; I keep each for up to %s so %spothole new can use them, then delete them.",
			held, keep, d.f.prefix))
	}
	return lines, nil
}

func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	reports, confirmations, heldPhotos, err := d.f.store.forgetPerson(ctx, person)
	if err != nil {
		return "", err
	}
	if err := d.f.removeUnusedPhotos(ctx, heldPhotos); err != nil {
		d.f.log().Warn("remove photos of forgotten held attempts", bot.KeyErr, err)
	}
	return fmt.Sprintf("%s and %s kept for the street without your name",
		bot.Count(reports, "report"), bot.Count(confirmations, "confirmation")), nil
}

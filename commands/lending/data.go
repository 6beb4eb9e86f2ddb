package lending

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// dataProvider shows and erases what lending holds about a person, for
// !mydata and !forgetme.
type dataProvider struct{ f *feature }

func (d dataProvider) DataName() string { return "Lending" }

// DescribePerson lists listings, loans, requests and errands in plain sentences.
func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	f := d.f
	now := f.e.Now()
	listings, err := f.st.ownerListings(ctx, "", person)
	if err != nil {
		return nil, err
	}
	loans, err := f.st.personLoanHistory(ctx, person)
	if err != nil {
		return nil, err
	}
	wants, err := f.st.personWants(ctx, "", person, now)
	if err != nil {
		return nil, err
	}
	errands, err := f.st.personErrands(ctx, "", person, now)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range listings {
		what := "You list"
		if l.Kind == kindFavour {
			what = "You offer the favour"
		}
		line := fmt.Sprintf("%s %q in %s (since %s)", what, l.Name, f.groupName(ctx, l.Chat), formatDay(l.Created, f.loc))
		if l.Note != "" {
			line += fmt.Sprintf(", with the note %q", l.Note)
		}
		lines = append(lines, line+".")
	}
	for _, l := range loans {
		var other bot.Person
		role, prep := "lent", "to"
		if l.OwnerID == person {
			if other, err = f.person(ctx, l.BorrowerID); err != nil {
				return nil, err
			}
		} else {
			role, prep = "borrowed", "from"
			if other, err = f.person(ctx, l.OwnerID); err != nil {
				return nil, err
			}
		}
		state := "still out, due " + formatDue(l.DueAt, f.loc, f.cfg.DueTime)
		switch {
		case l.State == stateReturning:
			state = "returned, waiting for the owner to confirm"
		case l.State == stateClosed:
			state = "back on " + formatDay(l.ClosedAt, f.loc)
		}
		lines = append(lines, fmt.Sprintf("You %s the %s %s %s on %s in %s (%s).", role, l.Item, prep, other.DisplayName(),
			formatDay(l.LentAt, f.loc), f.groupName(ctx, l.Chat), state))
	}
	for _, w := range wants {
		lines = append(lines, fmt.Sprintf("You asked for %q in %s; I'm looking until %s.", w.Text, f.groupName(ctx, w.Chat), formatDay(w.Expires, f.loc)))
	}
	for _, e := range errands {
		if e.RunnerID == person {
			lines = append(lines, fmt.Sprintf("You offered a %s run on %s in %s.", e.Place, formatWhen(e.StartsAt, f.loc), f.groupName(ctx, e.Chat)))
			continue
		}
		lines = append(lines, fmt.Sprintf("You joined a %s run on %s in %s.", e.Place, formatWhen(e.StartsAt, f.loc), f.groupName(ctx, e.Chat)))
	}
	if len(lines) == 0 {
		lines = append(lines, "Nothing: no listings, loans, requests or errands.")
	}
	return lines, nil
}

// ForgetPerson deletes listings, requests, errands and signups, and takes
// the person out of the loan ledger: the other side's history stays,
// without them. Their pending reminders and errand jobs are cancelled.
func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	f := d.f
	r, err := f.st.forget(ctx, person, f.e.Now())
	if err != nil {
		return "", err
	}
	for _, id := range r.ClosedLoans {
		if err := f.e.CancelJobs(ctx, loanKey(id)); err != nil {
			return "", err
		}
	}
	for _, id := range r.WantIDs {
		if err := f.e.CancelJobs(ctx, wantKey(id)); err != nil {
			return "", err
		}
	}
	for _, id := range r.ErrandIDs {
		if err := f.e.CancelJobs(ctx, errandKey(id)); err != nil {
			return "", err
		}
	}
	parts := []string{
		plural(r.Listings, "listing", "listings") + " deleted",
		plural(r.Wants, "request", "requests") + " deleted",
		plural(r.Errands, "errand", "errands") + " and " + plural(r.Signups, "errand signup", "errand signups") + " deleted",
		plural(r.LoansAnonymised, "loan", "loans") + " anonymised",
	}
	return strings.Join(parts, "; "), nil
}

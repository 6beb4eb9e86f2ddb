package lending

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// dataProvider shows and erases what lending holds about a person, for
// !mydata and !forgetme.
type dataProvider struct{ f *Feature }

func (d dataProvider) DataName() string { return "Lending" }

// DescribePerson lists listings, loans, requests and errands in plain sentences.
func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	f := d.f
	now := f.clock.Now()
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
	asked, err := f.questionLines(ctx, person)
	if err != nil {
		return nil, err
	}
	lines = append(lines, asked...)
	for _, e := range errands {
		if e.RunnerID == person {
			lines = append(lines, fmt.Sprintf("You offered a %s on %s in %s.", runName(e.Place), formatWhen(e.StartsAt, f.loc), f.groupName(ctx, e.Chat)))
			continue
		}
		lines = append(lines, fmt.Sprintf("You joined a %s on %s in %s.", runName(e.Place), formatWhen(e.StartsAt, f.loc), f.groupName(ctx, e.Chat)))
	}
	// Nothing at all is no lines, as for every feature: !mydata says
	// "Lending: nothing." and pruning knows the person holds nothing here.
	return lines, nil
}

// questionLines describe the !lent questions waiting for a period that the
// person is part of.
func (f *Feature) questionLines(ctx context.Context, person int64) ([]string, error) {
	qs, err := f.st.lentQuestionsOf(ctx, person)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, q := range qs {
		l, found, err := f.st.listing(ctx, q.ListingID)
		if err != nil || !found {
			if err != nil {
				return nil, err
			}
			continue
		}
		other, err := f.person(ctx, q.BorrowerID)
		if err != nil {
			return nil, err
		}
		line := fmt.Sprintf("On %s you started to record lending your %s to %s in %s; I asked until when and noted nothing yet.",
			formatDay(q.AskedAt, f.loc), l.Name, other.DisplayName(), f.groupName(ctx, q.Chat))
		if q.OwnerID != person {
			owner, err := f.person(ctx, q.OwnerID)
			if err != nil {
				return nil, err
			}
			line = fmt.Sprintf("On %s %s started to record lending you their %s in %s; nothing is noted until they say until when.",
				formatDay(q.AskedAt, f.loc), owner.DisplayName(), l.Name, f.groupName(ctx, q.Chat))
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// ForgetPerson deletes listings, requests, errands and signups, and takes
// the person out of the loan ledger: the other side's history stays,
// without them. A loan still out stays open, because the item is still
// out: the other side is told once, privately, that it stays on their
// list until it is marked returned. Reminders to the forgotten person
// stop; see reminders.go for what the other side still gets.
func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	f := d.f
	r, err := f.st.forget(ctx, person, f.clock.Now())
	if err != nil {
		return "", err
	}
	for _, id := range r.ClosedLoans {
		if err := f.jobs.Cancel(ctx, loanKey(id)); err != nil {
			return "", err
		}
	}
	told := 0
	for _, loan := range r.KeptLoans {
		reachable, err := f.keepLoanWithoutForgotten(ctx, loan)
		if err != nil {
			return "", err
		}
		if reachable {
			told++
		}
	}
	for _, id := range r.WantIDs {
		if err := f.jobs.Cancel(ctx, wantKey(id)); err != nil {
			return "", err
		}
	}
	for _, id := range r.ErrandIDs {
		if err := f.jobs.Cancel(ctx, errandKey(id)); err != nil {
			return "", err
		}
	}
	loans := bot.Plural(r.LoansAnonymised, "loan", "loans") + " anonymised"
	if n := len(r.KeptLoans); n > 0 {
		loans += fmt.Sprintf(" (%s still open: kept on the other side's list without your name until marked returned; %s)",
			bot.Plural(n, "loan", "loans"), toldClause(n, told, f.prefix))
	}
	parts := []string{
		bot.Plural(r.Listings, "listing", "listings") + " deleted",
		bot.Plural(r.Wants, "request", "requests") + " deleted",
		bot.Plural(r.Errands, "errand", "errands") + " and " + bot.Plural(r.Signups, "errand signup", "errand signups") + " deleted",
		loans,
	}
	return strings.Join(parts, "; "), nil
}

// toldClause says truthfully who of the other sides of n kept loans will
// hear about it: only someone who has messaged the bot can be told
// privately, and nobody is told in the group (that would say who asked to
// be forgotten).
func toldClause(n, told int, prefix string) string {
	switch {
	case told == n && n == 1:
		return "they will be told privately"
	case told == n:
		return "each will be told privately"
	case told == 0 && n == 1:
		return "they haven't messaged me privately, so I can't tell them; it shows on their " + prefix + "mine list"
	case told == 0:
		return "none of them has messaged me privately, so I can't tell them; it shows on their " + prefix + "mine lists"
	}
	untold := fmt.Sprintf("%d haven't messaged me", n-told)
	if n-told == 1 {
		untold = "1 hasn't messaged me"
	}
	return fmt.Sprintf("%d will be told privately; %s, so I can't tell them", told, untold)
}

// keepLoanWithoutForgotten replans a loan that stays open after one side
// was forgotten (its id already zeroed in loan) and tells the other side
// once, if the bot may message them: reachable says whether it may. The
// message never names the forgotten person, and waits for quiet hours to
// end like any other news.
func (f *Feature) keepLoanWithoutForgotten(ctx context.Context, loan Loan) (reachable bool, err error) {
	now := f.clock.Now()
	// Reminders to the forgotten person stop; an owner left alone gets
	// the capped overdue ones (scheduleReminder knows). A return already
	// reported waits for the owner, who is told below: no reminder.
	if loan.State == stateOut {
		if err := f.scheduleReminder(ctx, loan, now); err != nil {
			return false, err
		}
	} else if err := f.jobs.Cancel(ctx, loanKey(loan.ID)); err != nil {
		return false, err
	}
	group, pre := f.groupName(ctx, loan.Chat), f.prefix
	var to int64
	var text string
	switch {
	case loan.BorrowerID == 0 && loan.State == stateReturning:
		to = loan.OwnerID
		text = fmt.Sprintf("The neighbour who said your %s is back (lent on %s in %s) has asked me to forget them. Once you've checked it's back, type %sreturned %s there.",
			loan.Item, formatDay(loan.LentAt, f.loc), group, pre, typable(loan.Item))
	case loan.BorrowerID == 0:
		to = loan.OwnerID
		text = fmt.Sprintf("The neighbour who has your %s (lent on %s in %s) has asked me to forget them, so I can't remind them any more. It stays on your list, with a former member, until you type %sreturned %s there. If it's overdue I'll remind you, at most %d times.",
			loan.Item, formatDay(loan.LentAt, f.loc), group, pre, typable(loan.Item), maxFormerBorrowerReminders)
	default:
		to = loan.BorrowerID
		text = fmt.Sprintf("The owner of the %s you borrowed on %s in %s has asked me to forget them, so I won't send reminders about it. Please give it back as you agreed, then type %sreturned %s there to clear it from your list.",
			loan.Item, formatDay(loan.LentAt, f.loc), group, pre, typable(loan.Item))
	}
	other, err := f.person(ctx, to)
	if err != nil {
		return false, err
	}
	if reachable, err = f.canDM(ctx, other); err != nil || !reachable {
		return false, err
	}
	// A persisted notice, not a direct send: a failed delivery is retried
	// and must not stop the erasure half-way.
	p := noticePayload{Person: to, Text: text, Chat: loan.Chat, Loan: loan.ID}
	if err := f.jobs.Schedule(ctx, jobNotice, fmt.Sprintf("lending:forgotten:loan:%d", loan.ID), f.quiet.NextAllowed(now), p); err != nil {
		return false, fmt.Errorf("tell the other side of loan %d: %w", loan.ID, err)
	}
	return true, nil
}

// Lending needs no merge step of its own: its tables follow foreign keys,
// and its held messages (notice jobs, whose payload names the person to
// tell) are moved by the core with every job that names a "person".

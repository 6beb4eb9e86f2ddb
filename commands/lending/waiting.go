package lending

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// Libraries of things extend a loan only when nobody is waiting for the
// item. Here the owner decides, but is told who is waiting: when they
// extend a loan, when the borrower asks for longer, and when the item
// comes back (the people waiting hear privately then too, see
// tellWanters).

// waiter is a member with an open request an item answers.
type waiter struct {
	person bot.Person
	want   string // what they asked for, as they typed it
}

// waitingFor returns the members of the loan's group, other than its
// owner and borrower, with an unexpired request the loan's item answers:
// each person once, in the order they asked.
func (f *Feature) waitingFor(ctx context.Context, loan Loan) ([]waiter, error) {
	wants, err := f.st.activeWants(ctx, loan.Chat, f.clock.Now())
	if err != nil {
		return nil, err
	}
	item := parseItem(loan.Item)
	members := f.members(loan.Chat)
	seen := map[int64]bool{}
	var out []waiter
	for _, w := range wants {
		if seen[w.PersonID] || w.PersonID == loan.OwnerID || w.PersonID == loan.BorrowerID || matchRequest(parseItem(w.Text), item) == 0 {
			continue
		}
		in, err := members.has(ctx, w.PersonID)
		if err != nil {
			return nil, err
		}
		if !in {
			continue
		}
		p, err := f.person(ctx, w.PersonID)
		if err != nil {
			return nil, err
		}
		seen[w.PersonID] = true
		out = append(out, waiter{person: p, want: w.Text})
	}
	return out, nil
}

// waitingNote writes " Note: Dave is also waiting for a ladder." for an
// extension reply, or "" when nobody is waiting.
func waitingNote(ws []waiter, item string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" Note: %s is also waiting for %s.", ws[0].person.DisplayName(), articled(ws[0].want))
	}
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.person.DisplayName()
	}
	return fmt.Sprintf(" Note: %s are also waiting for %s.", joinNames(names), articled(item))
}

// lendOnNote writes, for the thanks when an item is back, who asked for
// one and how the owner lends it on: " Dave is waiting for one — Alice, to
// lend it on, type !lent ladder @Dave. I've let Dave know privately."
// Those who could not hear privately are @mentioned instead; the mentions
// to send are returned with the text.
func lendOnNote(heard []wanterNews, owner bot.Person, item, lentCmd string) (string, []bot.Mention) {
	if len(heard) == 0 {
		return "", nil
	}
	var names, toldNames []string
	var mentions []bot.Mention
	for _, w := range heard {
		if w.privately {
			names = append(names, w.person.DisplayName())
			toldNames = append(toldNames, w.person.DisplayName())
		} else {
			names = append(names, "@"+w.person.DisplayName())
			mentions = append(mentions, bot.MentionOf(w.person))
		}
	}
	var privately string
	switch {
	case len(toldNames) == 0:
	case len(heard) > 1 && len(toldNames) == len(heard):
		privately = " I've let them know privately."
	default:
		privately = fmt.Sprintf(" I've let %s know privately.", joinNames(toldNames))
	}
	if len(heard) == 1 {
		return fmt.Sprintf(" %s is waiting for one — %s, to lend it on, type %s %s @%s.%s",
			bot.AtSentenceStart(names[0]), owner.DisplayName(), lentCmd, typable(item), heard[0].person.DisplayName(), privately), mentions
	}
	return fmt.Sprintf(" %s are waiting for one — %s, to lend it on, type %s %s @name.%s",
		bot.AtSentenceStart(joinNames(names)), owner.DisplayName(), lentCmd, typable(item), privately), mentions
}

// joinNames writes "Dave", "Dave and Erin" or "Dave, Erin and Fred".
func joinNames(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

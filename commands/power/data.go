package power

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// dataProvider shows and erases what power checks hold about a person:
// their answers and the checks they started.
type dataProvider struct{ f *Feature }

func (dataProvider) DataName() string { return "Power checks" }

func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	answered, lastOff, lastAt, err := d.f.st.personVotes(ctx, person)
	if err != nil {
		return nil, err
	}
	started, err := d.f.st.startedBy(ctx, person)
	if err != nil {
		return nil, err
	}
	var out []string
	if answered > 0 {
		out = append(out, fmt.Sprintf("You answered %s; your latest answer was \"%s\" (%s).",
			bot.Count(answered, "power check"), onOff(lastOff), lastAt.In(d.f.loc).Format("Mon 2 Jan 2006 15:04")))
	}
	if started > 0 {
		out = append(out, fmt.Sprintf("You started %s (your name is shown as its starter).", bot.Count(started, "power check")))
	}
	return out, nil
}

func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	votes, started, err := d.f.st.forget(ctx, person)
	if err != nil {
		return "", err
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%s deleted", bot.Count(int(votes), "power-check answer")))
	if started > 0 {
		parts = append(parts, fmt.Sprintf("your name removed from %s you started (the counts stay)", bot.Count(int(started), "check")))
	}
	return strings.Join(parts, "; "), nil
}

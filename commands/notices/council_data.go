package notices

import (
	"context"
	"fmt"

	"neighbourbot/bot"
)

// describeCouncil adds to !mydata what the council side holds about a
// person: their current choices in open polls (deleted at close) and their
// consultation comments still linked to them (until the consultation
// closes; then they stay without any link to anyone).
func (r *Feature) describeCouncil(ctx context.Context, person int64) ([]string, error) {
	var lines []string
	votes, err := r.st.pollsVotedIn(ctx, person)
	if err != nil {
		return nil, err
	}
	if votes > 0 {
		lines = append(lines, fmt.Sprintf("Your current vote in %s (kept until the poll closes; then only the counts remain).", bot.Count(votes, "open council poll")))
	}
	comments, err := r.st.myComments(ctx, person)
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		lines = append(lines, fmt.Sprintf("Comment %d on consultation %s (%s): %q — yours to delete with %smycomments delete %d until it closes.",
			c.ID, consultNumber(c.Consultation), bot.Truncate(c.Question, 60), bot.Truncate(c.Body, 200), r.prefix, c.ID))
	}
	return lines, nil
}

// forgetCouncil deletes a person's open poll choices and the comments
// still linked to them.
func (r *Feature) forgetCouncil(ctx context.Context, person int64) (string, error) {
	nv, nc, err := r.st.forgetVotesAndComments(ctx, person)
	if err != nil {
		return "", err
	}
	if nv+nc == 0 {
		return "", nil
	}
	return fmt.Sprintf(", %s and %s deleted", bot.Count(nv, "poll vote"), bot.Count(nc, "consultation comment")), nil
}

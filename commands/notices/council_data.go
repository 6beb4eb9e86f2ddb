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
	var votes int
	if err := r.st.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT notice_id) FROM notice_poll_votes WHERE person_id = ?`, person).Scan(&votes); err != nil {
		return nil, fmt.Errorf("count poll votes: %w", err)
	}
	if votes > 0 {
		lines = append(lines, fmt.Sprintf("Your current vote in %s (kept until the poll closes; then only the counts remain).", countOf(int64(votes), "open council poll")))
	}
	comments, err := r.myComments(ctx, person)
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
	v, err := r.st.db.ExecContext(ctx, `DELETE FROM notice_poll_votes WHERE person_id = ?`, person)
	if err != nil {
		return "", fmt.Errorf("delete poll votes: %w", err)
	}
	c, err := r.st.db.ExecContext(ctx, `DELETE FROM notice_comments WHERE person_id = ?`, person)
	if err != nil {
		return "", fmt.Errorf("delete comments: %w", err)
	}
	nv, _ := v.RowsAffected()
	nc, _ := c.RowsAffected()
	if nv+nc == 0 {
		return "", nil
	}
	return fmt.Sprintf(", %s and %s deleted", countOf(nv, "poll vote"), countOf(nc, "consultation comment")), nil
}

// mergeCouncil moves the person:ID targets of private poll votes and poll
// chats (person_id columns are moved by the core).
func mergeCouncil(ctx context.Context, tx bot.Tx, from, into int64) error {
	oldT, newT := personTarget(from), personTarget(into)
	for _, q := range []string{
		`UPDATE notice_poll_votes SET target = ? WHERE target = ?`,
		`UPDATE OR IGNORE notice_poll_chats SET target = ? WHERE target = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, newT, oldT); err != nil {
			return fmt.Errorf("merge council records: %w", err)
		}
	}
	return nil
}

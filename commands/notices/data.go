package notices

import (
	"context"
	"fmt"
	"neighbourbot/bot"
	"strconv"
)

// formerApprover replaces a forgotten approver's name in their approvals.
const formerApprover = "a former approver"

// approverKey is how a resident approving in chat is recorded.
func approverKey(person int64) string { return "person:" + strconv.FormatInt(person, 10) }

// dataProvider shows and erases what notices holds about a person: their
// private subscriptions, notices still queued for them, and the notices
// they approved or rejected as an approver. The append-only notice audit
// keeps an approver's name as the council's governance record; the
// approvals themselves are kept by id and lose the name.
type dataProvider struct{ r *Feature }

func (d dataProvider) DataName() string { return "Council notices" }

func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	subs, err := d.r.st.subscriptions(ctx, person)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, s := range subs {
		lines = append(lines, fmt.Sprintf("Subscribed to %s notices for %s.", s.Topic, s.Area))
	}
	var sent int
	if err := d.r.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_outbox WHERE person_id = ? AND state = 'sent'`, person).Scan(&sent); err != nil {
		return nil, fmt.Errorf("count notices sent: %w", err)
	}
	if sent > 0 {
		lines = append(lines, plural(sent, "council notice", "council notices")+" sent to you by direct message.")
	}
	approved, rejected, err := d.decisions(ctx, person)
	if err != nil {
		return nil, err
	}
	if approved+rejected > 0 {
		lines = append(lines, fmt.Sprintf("You approved %s and rejected %s; the council's notice audit keeps your name as the approver of record (it is append-only, so erasing your data does not remove it).",
			noticeCount(approved), noticeCount(rejected)))
	}
	council, err := d.r.describeCouncil(ctx, person)
	if err != nil {
		return nil, err
	}
	return append(lines, council...), nil
}

// decisions counts the notices person approved and rejected as an approver.
func (d dataProvider) decisions(ctx context.Context, person int64) (approved, rejected int, err error) {
	key := approverKey(person)
	if err := d.r.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_approvals WHERE approver = ?`, key).Scan(&approved); err != nil {
		return 0, 0, fmt.Errorf("count approvals: %w", err)
	}
	if err := d.r.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE rejected_by = ?`, key).Scan(&rejected); err != nil {
		return 0, 0, fmt.Errorf("count rejections: %w", err)
	}
	return approved, rejected, nil
}

func noticeCount(n int) string {
	if n == 1 {
		return "1 council notice"
	}
	return fmt.Sprintf("%d council notices", n)
}

func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	res, err := d.r.st.db.ExecContext(ctx, `DELETE FROM notice_subscriptions WHERE person_id = ?`, person)
	if err != nil {
		return "", fmt.Errorf("delete subscriptions: %w", err)
	}
	n, _ := res.RowsAffected()
	q, err := d.r.st.db.ExecContext(ctx, `UPDATE notice_outbox SET state = 'dropped' WHERE person_id = ? AND state IN ('pending', 'digest')`, person)
	if err != nil {
		return "", fmt.Errorf("drop queued notices: %w", err)
	}
	k, _ := q.RowsAffected()
	summary := fmt.Sprintf("%s deleted, %s cancelled", countOf(n, "notice subscription"), countOf(k, "queued notice"))
	// Approvals stay, keyed by id, so a notice still waiting for a second
	// approver keeps this one; only the name goes.
	a, err := d.r.st.db.ExecContext(ctx, `UPDATE notice_approvals SET approver_name = ? WHERE approver = ?`, formerApprover, approverKey(person))
	if err != nil {
		return "", fmt.Errorf("anonymise approvals: %w", err)
	}
	if m, _ := a.RowsAffected(); m > 0 {
		summary += fmt.Sprintf(", your name removed from %s (the council's notice audit keeps it as the approver of record)", countOf(m, "notice approval"))
	}
	council, err := d.r.forgetCouncil(ctx, person)
	if err != nil {
		return "", err
	}
	return summary + council, nil
}

// countOf writes "1 notice subscription" or "3 notice subscriptions".
func countOf(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// MergePerson moves what notices keeps about a person outside foreign keys
// (the "person:ID" keys of approvals, rejections and subscriber deliveries)
// from one record to the other when they turn out to be one person.
func (d dataProvider) MergePerson(ctx context.Context, tx bot.Tx, from, into int64) error {
	oldKey, newKey := approverKey(from), approverKey(into)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE OR IGNORE notice_approvals SET approver = ? WHERE approver = ?`, []any{newKey, oldKey}},
		{`DELETE FROM notice_approvals WHERE approver = ?`, []any{oldKey}},
		{`UPDATE notices SET rejected_by = ? WHERE rejected_by = ?`, []any{newKey, oldKey}},
		// Where both records had the same notice queued, one delivery is
		// enough: the other is marked superseded.
		{`UPDATE OR IGNORE notice_outbox SET target = ?, person_id = ? WHERE person_id = ?`, []any{newKey, into, from}},
		{`UPDATE notice_outbox SET state = 'superseded', person_id = ? WHERE person_id = ? AND state IN ('pending', 'digest')`, []any{into, from}},
		// Rows that could not move (the same notice already reached the
		// other record) keep their history under the surviving id, so
		// !mydata counts them and !forgetme reaches them.
		{`UPDATE notice_outbox SET person_id = ? WHERE person_id = ?`, []any{into, from}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("merge notices records: %w", err)
		}
	}
	return mergeCouncil(ctx, tx, from, into)
}

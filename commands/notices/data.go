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
	if lang, err := d.r.st.subscriberLanguage(ctx, person); err != nil {
		return nil, err
	} else if lang != LangEnglish {
		lines = append(lines, "Your council notices by direct message come in "+lang.Label()+".")
	}
	sent, err := d.r.st.sentToPerson(ctx, person)
	if err != nil {
		return nil, err
	}
	if sent > 0 {
		lines = append(lines, bot.Count(sent, "council notice")+" sent to you by direct message.")
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
	return d.r.st.decisionsBy(ctx, approverKey(person))
}

func noticeCount(n int) string { return bot.Count(n, "council notice") }

func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	f, err := d.r.st.forgetPerson(ctx, person, approverKey(person), formerApprover)
	if err != nil {
		return "", err
	}
	summary := fmt.Sprintf("%s deleted, %s cancelled", bot.Count(f.Subscriptions, "notice subscription"), bot.Count(f.Queued, "queued notice"))
	if lang, err := d.r.st.forgetSubscriberLanguage(ctx, person); err != nil {
		return "", err
	} else if lang {
		summary += ", your choice of language deleted"
	}
	if f.Approvals > 0 {
		summary += fmt.Sprintf(", your name removed from %s (the council's notice audit keeps it as the approver of record)", bot.Count(f.Approvals, "notice approval"))
	}
	council, err := d.r.forgetCouncil(ctx, person)
	if err != nil {
		return "", err
	}
	return summary + council, nil
}

// MergePerson moves what notices keeps about a person outside foreign keys
// (the "person:ID" keys of approvals, rejections, subscriber deliveries,
// private poll votes and poll chats) from one record to the other when
// they turn out to be one person, in the core's transaction tx.
func (d dataProvider) MergePerson(ctx context.Context, tx bot.Tx, from, into int64) error {
	return store{in: tx}.mergePerson(ctx, from, into)
}

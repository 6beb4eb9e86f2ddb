package moderation

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// reportsShown bounds one !reports answer, like any list the bot sends.
const reportsShown = 10

// handleReports shows an admin, privately, the reports of their groups that
// have not reached any admin privately yet (the bot could not message
// them), and marks those shown as read.
func (m *Feature) handleReports(ctx context.Context, req *bot.Request) error {
	groups, err := m.core.EnabledGroups(ctx)
	if err != nil {
		return fmt.Errorf("enabled groups: %w", err)
	}
	var chats []bot.ChatID
	names := map[bot.ChatID]string{}
	for _, g := range groups {
		admin, err := m.groups.IsAdmin(ctx, g.Chat, req.Sender, req.Msg.Sender.Addrs()...)
		if err != nil {
			return err
		}
		if admin {
			chats = append(chats, g.Chat)
			names[g.Chat] = groupLabel(g.Name)
		}
	}
	if len(chats) == 0 {
		return bot.Userf("%s is for group admins: it shows reports waiting for the admins of your groups.", req.Cmd("reports"))
	}
	waiting, total, err := m.st.waitingReports(ctx, chats, reportsShown)
	if err != nil {
		return err
	}
	if total == 0 {
		return req.Reply(ctx, "No reports are waiting. Reports that reached an admin privately aren't listed again.")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s waiting, oldest first:", bot.Plural(int64(total), "report", "reports"))
	ids := make([]int64, 0, len(waiting))
	for _, w := range waiting {
		line, err := m.waitingLine(ctx, w, names[w.Chat])
		if err != nil {
			return err
		}
		b.WriteString("\n• " + line)
		ids = append(ids, w.ID)
	}
	if more := total - len(waiting); more > 0 {
		fmt.Fprintf(&b, "\n…and %d more — send %s again to see them.", more, req.Cmd("reports"))
	}
	if err := m.st.markReportsDelivered(ctx, m.clock.Now(), ids...); err != nil {
		return err
	}
	return req.Reply(ctx, b.String())
}

// waitingLine writes one waiting report for an admin: the reporter's name
// is shown, as it is in a report delivered by direct message.
func (m *Feature) waitingLine(ctx context.Context, w waitingReport, group string) (string, error) {
	reporter, err := m.personName(ctx, w.ReporterID, "a former member")
	if err != nil {
		return "", err
	}
	kind := "report"
	if w.Private {
		kind = "private report"
	}
	line := fmt.Sprintf("%s, %s: %s from %s", group, w.CreatedAt.In(m.loc).Format("Mon 2 Jan 15:04"), kind, reporter)
	if w.MsgID != "" {
		subject, err := m.personName(ctx, w.SubjectID, "someone")
		if err != nil {
			return "", err
		}
		q := "[message]"
		if t := strings.TrimSpace(w.Quote); t != "" {
			q = "“" + bot.Truncate(strings.Join(strings.Fields(t), " "), 200) + "”"
		}
		line += fmt.Sprintf(" about a message from %s: %s", subject, q)
	}
	if w.Reason != "" {
		line += " — " + w.Reason
	}
	return line, nil
}

func (m *Feature) personName(ctx context.Context, id int64, none string) (string, error) {
	if id == 0 {
		return none, nil
	}
	p, err := m.core.PersonByID(ctx, id)
	if err != nil {
		return "", fmt.Errorf("person: %w", err)
	}
	return p.DisplayName(), nil
}

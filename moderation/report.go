package moderation

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// maxReportsPerDay bounds how often one person can make the bot mention or
// message the admins.
const maxReportsPerDay = 10

// quoteExcerpt is what a report shows of the reported message.
func quoteExcerpt(q *bot.Quote) string {
	if q == nil {
		return ""
	}
	text := strings.TrimSpace(q.Text)
	switch {
	case text != "":
		return "“" + bot.Truncate(strings.Join(strings.Fields(text), " "), 200) + "”"
	case q.Media != nil:
		return "[" + string(q.Media.Kind) + "]"
	case q.Location != nil:
		return "[location]"
	}
	return "[message]"
}

func (m *Feature) handleReport(ctx context.Context, req *bot.Request) error {
	reason := strings.TrimSpace(req.Args)
	if n := bot.RuneLen(reason); n > maxReasonRunes {
		return bot.Userf("That reason is %d characters; please keep it under %d.", n, maxReasonRunes)
	}
	recent, err := m.st.reportsSince(ctx, req.Sender.ID, m.clock.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if recent >= maxReportsPerDay {
		return bot.Userf("You've sent %d reports today and the admins have them all. If something is urgent, message an admin directly.", recent)
	}
	if !req.Chat.IsGroup {
		return m.privateReport(ctx, req, reason)
	}
	q := req.Msg.Quote
	if q == nil || q.Sender.Addr == "" {
		return bot.Userf("Reply to the message you want to report with %s REASON — or send me %s REASON in a direct message to keep your name out of the group.%s",
			req.Cmd("report"), req.Cmd("report"), m.streetFaultHint(req))
	}
	dup, delivered, err := m.st.reported(ctx, req.Chat.ID, q.ID)
	if err != nil {
		return err
	}
	switch {
	case dup && delivered:
		return req.Reply(ctx, "That message has already been reported; the admins have been told.")
	case dup:
		// Kept for admins the bot can't message yet: say no more than that.
		return req.Reply(ctx, fmt.Sprintf("That message has already been reported; the report is waiting for the admins, who can read it by messaging me %s.", req.Cmd("reports")))
	}
	subject, _, err := req.QuotedAuthor(ctx)
	if err != nil {
		return err
	}
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	id, err := m.st.addReport(ctx, report{Chat: req.Chat.ID, ReporterID: req.Sender.ID, SubjectID: subject.ID, MsgID: q.ID,
		Quote: q.Text, Reason: reason, CreatedAt: m.clock.Now()})
	if err != nil {
		return err
	}
	if err := m.audit(ctx, req.Chat.ID, req.Sender, "report", &subject, reason); err != nil {
		return err
	}
	reasonText := ""
	if reason != "" {
		reasonText = " Reason: " + bot.EndSentence(reason)
	}
	about := fmt.Sprintf("a message from %s: %s.%s", subject.DisplayName(), quoteExcerpt(q), reasonText)
	if m.reportDelivery(r.cfg) == ReportByDM {
		return m.reportToAdminsPrivately(ctx, req, id, about)
	}
	who, mentions, err := m.adminMentions(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	ref := bot.MessageRef{Chat: req.Chat.ID, ID: q.ID, Sender: q.Sender.Addr, Text: q.Text}
	if _, err = m.out.Send(ctx, bot.OutMessage{Chat: req.Chat.ID, ReplyTo: &ref, Mentions: mentions,
		Text: fmt.Sprintf("%s: %s reported %s", who, req.Sender.DisplayName(), about)}); err != nil {
		return err
	}
	// The admins were told in the group: nothing waits for !reports.
	return m.st.markReportsDelivered(ctx, m.clock.Now(), id)
}

// reportToAdminsPrivately delivers report id by direct message to the
// group's admins, as the admins chose: the report's words never go into
// the group, not even for an admin the bot may not message.
func (m *Feature) reportToAdminsPrivately(ctx context.Context, req *bot.Request, id int64, about string) error {
	told, unreached, err := m.dmAdmins(ctx, req.Chat.ID, fmt.Sprintf("Report in %s: %s reported %s", groupLabel(req.Chat.Name), req.Sender.DisplayName(), about))
	if err != nil {
		return err
	}
	if told > 0 {
		if err := m.st.markReportsDelivered(ctx, m.clock.Now(), id); err != nil {
			return err
		}
		return req.Reply(ctx, "Thanks — I've passed this to the admins privately.")
	}
	if len(unreached) == 0 {
		return req.Reply(ctx, "I couldn't find any admins in this group to tell. I've kept your report: an admin can read it by messaging me "+req.Cmd("reports")+".")
	}
	announced, err := m.announceWaiting(ctx, req, req.Chat.ID, id, unreached, "report")
	if err != nil || announced {
		return err
	}
	return req.Reply(ctx, "Thanks — I've kept your report for the admins to read privately; they've already been told that reports are waiting.")
}

// announceWaiting tells a group, without any words of the report and
// without naming anyone but the admins it calls, that a report waits for
// its admins to read privately; once a day at most while reports stay
// unread. It says whether it posted.
func (m *Feature) announceWaiting(ctx context.Context, req *bot.Request, chat bot.ChatID, id int64, admins []bot.Person, kind string) (bool, error) {
	now := m.clock.Now()
	already, err := m.st.announcedSince(ctx, chat, now.Add(-24*time.Hour))
	if err != nil || already {
		return false, err
	}
	who, mentions := mentionList(admins)
	if _, err := m.out.Send(ctx, bot.OutMessage{Chat: chat, Mentions: mentions,
		Text: fmt.Sprintf("%s: an admin has a %s waiting — admins, message me %s to read it.", who, kind, req.Cmd("reports"))}); err != nil {
		return false, err
	}
	return true, m.st.markReportAnnounced(ctx, id, now)
}

// potholesFeature is the street-fault feature that shares !report: its
// route takes "!report streetlight …" and leaves everything else here.
const potholesFeature = "potholes"

// streetFaultHint adds a line to !report's usage pointing people who meant
// a street fault (the potholes route declined their words, or they gave
// none) to the right form, when that feature is there and on.
func (m *Feature) streetFaultHint(req *bot.Request) string {
	declared := false
	for _, f := range m.reg.Features() {
		declared = declared || f.Name == potholesFeature
	}
	if !declared || (req.Chat.IsGroup && !req.Group.FeatureOn(potholesFeature)) {
		return ""
	}
	return fmt.Sprintf("\nTo log a street fault (pothole, streetlight, …) type %s CATEGORY DESCRIPTION — see %s potholes.", req.Cmd("report"), req.Cmd("help"))
}

// mentionList writes "@Alice @Bob" with the mentions to send.
func mentionList(people []bot.Person) (string, []bot.Mention) {
	names := make([]string, len(people))
	mentions := make([]bot.Mention, len(people))
	for i, p := range people {
		names[i] = "@" + p.DisplayName()
		mentions[i] = bot.MentionOf(p)
	}
	return strings.Join(names, " "), mentions
}

func groupLabel(name string) string {
	if name == "" {
		return "a group"
	}
	return name
}

// dmAdmins sends text to each admin of a group. It says how many it
// reached and returns the admins it may not message privately (they never
// addressed the bot, and messaging people who never wrote to the account
// gets it banned), for the caller to tell in the group that a report
// waits. An admin whose message failed for another reason is logged and
// counted as not reached.
func (m *Feature) dmAdmins(ctx context.Context, chat bot.ChatID, text string) (told int, unreached []bot.Person, err error) {
	admins, err := m.groups.Admins(ctx, chat)
	if err != nil {
		return 0, nil, fmt.Errorf("group admins: %w", err)
	}
	for _, a := range admins {
		err := m.out.DM(ctx, a, text)
		switch {
		case errors.Is(err, bot.ErrNoContact):
			unreached = append(unreached, a)
		case err != nil:
			// Not reached either: the report waits for !reports.
			m.log().Warn("could not message an admin about a report", bot.KeyChat, chat, "admin", a.ID, bot.KeyErr, err)
			unreached = append(unreached, a)
		default:
			told++
		}
	}
	return told, unreached, nil
}

// reportGroup is a group a private report can go to.
type reportGroup struct {
	chat bot.ChatID
	name string
}

// privateReport handles !report sent to the bot directly: the reporter's
// name is kept out of the group. The group is the one the reporter shares
// with the bot (and with the quoted author when they used "reply
// privately"); with several, "!report #2 REASON" picks one.
func (m *Feature) privateReport(ctx context.Context, req *bot.Request, reason string) error {
	groups, err := m.reportGroups(ctx, req)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return bot.Userf("I don't share a group with you where I'm switched on, so I don't know whose admins to tell.")
	}
	g, reason, err := m.pickReportGroup(req, groups, reason)
	if err != nil {
		return err
	}
	if reason == "" && req.Msg.Quote == nil {
		return bot.Userf("Usage: %s REASON — tell me what the admins should look at.%s", req.Cmd("report"), m.streetFaultHint(req))
	}
	var subject bot.Person
	about := ""
	if q := req.Msg.Quote; q != nil && q.Sender.Addr != "" {
		if p, known, err := m.knownPerson(ctx, q.Sender); err != nil {
			return err
		} else if known {
			subject = p
		}
		about = fmt.Sprintf(" about a message from %s: %s", subject.DisplayName(), quoteExcerpt(q))
	}
	rep := report{Chat: g.chat, ReporterID: req.Sender.ID, SubjectID: subject.ID, Reason: reason, Private: true, CreatedAt: m.clock.Now()}
	if q := req.Msg.Quote; q != nil {
		rep.MsgID, rep.Quote = q.ID, q.Text
	}
	id, err := m.st.addReport(ctx, rep)
	if err != nil {
		return err
	}
	// The audit log is shown in the group by !audit: the entry names
	// neither the reporter nor whom the report is about, and holds none of
	// its words.
	if err := m.audit(ctx, g.chat, bot.Person{ID: 0, Name: "a member"}, "report.private", nil, ""); err != nil {
		return err
	}
	reasonText := ""
	if reason != "" {
		reasonText = ": " + reason
	}
	// A report sent privately reaches the admins privately, whatever
	// !reportmode says: that mode is about reports made in the group.
	told, unreached, err := m.dmAdmins(ctx, g.chat, fmt.Sprintf("Private report for %s from %s%s%s", g.name, req.Sender.DisplayName(), about, reasonText))
	if err != nil {
		return err
	}
	switch {
	case told > 0:
		if err := m.st.markReportsDelivered(ctx, m.clock.Now(), id); err != nil {
			return err
		}
		return req.Reply(ctx, fmt.Sprintf("Thanks — I've passed your report privately to %s of %s (they see your name, so they can reply to you). Nothing was posted in the group.",
			bot.Plural(int64(told), "admin", "admins"), g.name))
	case len(unreached) == 0:
		return req.Reply(ctx, fmt.Sprintf("I couldn't find any admins in %s to tell. I've kept your report, and nothing was posted in the group: an admin can read it by messaging me %s.",
			g.name, req.Cmd("reports")))
	}
	announced, err := m.announceWaiting(ctx, req, g.chat, id, unreached, "private report")
	if err != nil {
		return err
	}
	if announced {
		return req.Reply(ctx, fmt.Sprintf("The admins of %s haven't messaged me yet, so I can't write to them privately. I've said in the group that an admin has a private report waiting — without your name or your words — and they can read it by messaging me %s.",
			g.name, req.Cmd("reports")))
	}
	return req.Reply(ctx, fmt.Sprintf("The admins of %s haven't messaged me yet, so I can't write to them privately. They've already been told in the group that a private report is waiting; yours will be there when they message me %s. Nothing about it was posted.",
		g.name, req.Cmd("reports")))
}

// pickReportGroup finds which of the reporter's groups a private report
// is for: the only one, or the one named "#2" before the reason (which is
// returned without it).
func (m *Feature) pickReportGroup(req *bot.Request, groups []reportGroup, reason string) (reportGroup, string, error) {
	if f := strings.Fields(reason); len(f) > 0 && strings.HasPrefix(f[0], "#") {
		n, err := strconv.Atoi(f[0][1:])
		if err != nil || n < 1 || n > len(groups) {
			return reportGroup{}, "", bot.Userf("%s isn't one of the groups I listed. %s", truncate(f[0], 10), m.groupChoices(req, groups))
		}
		return groups[n-1], strings.TrimSpace(reason[len(f[0]):]), nil
	}
	if len(groups) > 1 {
		return reportGroup{}, "", bot.Userf("You're in more than one group with me. %s", m.groupChoices(req, groups))
	}
	return groups[0], reason, nil
}

func (m *Feature) groupChoices(req *bot.Request, groups []reportGroup) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprintf("%s #%d REASON for %s", req.Cmd("report"), i+1, g.name)
	}
	return "Send " + strings.Join(parts, ", or ") + "."
}

// reportGroups lists the enabled groups a private report could be about,
// sorted by name.
func (m *Feature) reportGroups(ctx context.Context, req *bot.Request) ([]reportGroup, error) {
	st := m.core
	chats, err := st.MemberGroups(ctx, req.Sender.ID)
	if err != nil {
		return nil, fmt.Errorf("member groups: %w", err)
	}
	var subject bot.Person
	hasSubject := false
	if q := req.Msg.Quote; q != nil && q.Sender.Addr != "" {
		if subject, hasSubject, err = m.knownPerson(ctx, q.Sender); err != nil {
			return nil, err
		}
	}
	var out []reportGroup
	for _, c := range chats {
		gs, err := st.GroupSettings(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("group settings: %w", err)
		}
		if !gs.Enabled {
			continue
		}
		if hasSubject {
			in, err := st.IsMember(ctx, c, subject.ID)
			if err != nil {
				return nil, fmt.Errorf("membership: %w", err)
			}
			if !in {
				continue
			}
		}
		out = append(out, reportGroup{chat: c, name: groupLabel(gs.Name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

package moderation

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"neighbourbot/bot"
)

// dataProvider is moderation's part of !mydata and !forgetme.
type dataProvider struct{ m *Feature }

func (d dataProvider) DataName() string { return "Moderation" }

func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	m := d.m
	now := m.clock.Now()
	names := map[bot.ChatID]string{}
	groupName := func(c bot.ChatID) (string, error) {
		if n, ok := names[c]; ok {
			return n, nil
		}
		gs, err := m.core.GroupSettings(ctx, c)
		if err != nil {
			return "", fmt.Errorf("group settings: %w", err)
		}
		names[c] = groupLabel(gs.Name)
		return names[c], nil
	}
	var lines []string
	warnings, err := m.st.warningsOf(ctx, person, now)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		g, err := groupName(w.Chat)
		if err != nil {
			return nil, err
		}
		lines = append(lines, fmt.Sprintf("A warning in %s on %s (%s): %s", g, w.CreatedAt.In(m.loc).Format("2 Jan 2006"), w.State, w.Reason))
	}
	reports, err := m.st.reportsBy(ctx, person)
	if err != nil {
		return nil, err
	}
	for _, r := range reports {
		g, err := groupName(r.Chat)
		if err != nil {
			return nil, err
		}
		how := ""
		if r.Private {
			how = " privately"
		}
		reason := r.Reason
		if reason == "" {
			reason = "no reason given"
		}
		lines = append(lines, fmt.Sprintf("A report you made%s in %s on %s: %s", how, g, r.CreatedAt.In(m.loc).Format("2 Jan 2006"), reason))
	}
	about, err := m.st.reportsAbout(ctx, person)
	if err != nil {
		return nil, err
	}
	if about > 0 {
		lines = append(lines, fmt.Sprintf("Reports other members made about your messages: %d (they include the message quoted)", about))
	}
	given, err := m.st.warningsGivenBy(ctx, person)
	if err != nil {
		return nil, err
	}
	if given > 0 {
		lines = append(lines, fmt.Sprintf("Warnings you gave as a group admin: %d", given))
	}
	return lines, nil
}

func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	sum, err := d.m.st.forgetPerson(ctx, person)
	if err != nil {
		return "", err
	}
	d.m.flood.forgetPerson(person)
	var parts []string
	if sum.warnings > 0 {
		parts = append(parts, bot.Plural(sum.warnings, "warning", "warnings")+" deleted")
	}
	if sum.given > 0 {
		parts = append(parts, "your name taken off "+bot.Plural(sum.given, "warning", "warnings")+" you gave")
	}
	if sum.reports > 0 {
		parts = append(parts, bot.Plural(sum.reports, "report", "reports")+" you made kept without your name")
	}
	if sum.about > 0 {
		parts = append(parts, "your words removed from "+bot.Plural(sum.about, "report", "reports")+" about your messages")
	}
	if len(parts) == 0 {
		return "nothing held", nil
	}
	return strings.Join(parts, "; "), nil
}

func (m *Feature) handleMyData(ctx context.Context, req *bot.Request) error {
	var b strings.Builder
	b.WriteString("Here is everything I hold about you:")
	for _, p := range m.reg.DataProviders() {
		lines, err := p.DescribePerson(ctx, req.Sender.ID)
		if err != nil {
			return fmt.Errorf("%s data: %w", p.DataName(), err)
		}
		b.WriteString("\n\n" + p.DataName() + ":")
		if len(lines) == 0 {
			b.WriteString(" nothing.")
			continue
		}
		for _, l := range lines {
			b.WriteString("\n• " + l)
		}
	}
	fmt.Fprintf(&b, "\n\nTo erase it, send %s.", req.Cmd("forgetme"))
	return req.Reply(ctx, b.String())
}

// questionForget is !forgetme's yes/no question.
const questionForget = "moderation.forgetme"

// answerForget takes a bare "yes" or "no" sent by direct message while a
// !forgetme confirmation is open (or has just lapsed) as "!forgetme yes" /
// "!forgetme no": people answer the question they were asked.
func (m *Feature) answerForget(ctx context.Context, req *bot.Request, yes bool, _ string) error {
	as := *req
	as.Command, as.Args = "forgetme", "no"
	if yes {
		as.Args = "yes"
	}
	return m.handleForgetMe(ctx, &as)
}

// forgetStillAnswered says whether a bare yes or no, with no question open,
// still answers a !forgetme: one that lapsed unanswered, or one still open
// after a later question was answered.
func (m *Feature) forgetStillAnswered(ctx context.Context, p bot.Person) (bool, error) {
	state, err := m.st.forgetRequest(ctx, p.ID, m.clock.Now())
	return state != forgetNone, err
}

func (m *Feature) handleForgetMe(ctx context.Context, req *bot.Request) error {
	now := m.clock.Now()
	me := req.Sender.ID
	switch arg := strings.ToLower(strings.TrimSpace(req.Args)); arg {
	case "":
		if err := m.st.setForgetRequest(ctx, me, now.Add(forgetTimeout)); err != nil {
			return err
		}
		if err := m.ask.Ask(ctx, req.Sender, questionForget, "", forgetTimeout); err != nil {
			return err
		}
		names := make([]string, 0, len(m.reg.DataProviders()))
		for _, p := range m.reg.DataProviders() {
			names = append(names, p.DataName())
		}
		return req.Reply(ctx, fmt.Sprintf("This erases what I hold about you (%s): your listings, wants and subscriptions go, "+
			"and your name is taken out of records kept for the groups (reports, loans, the audit log). "+
			"Messages you sent in groups stay in WhatsApp; I can't delete those.\n"+
			"To go ahead, send %s yes within %s. To keep everything, send %s no.",
			strings.Join(names, ", "), req.Cmd("forgetme"), bot.FormatDuration(forgetTimeout), req.Cmd("forgetme")))
	case "no", "cancel":
		if err := m.st.clearForgetRequest(ctx, me); err != nil {
			return err
		}
		if err := m.ask.Close(ctx, req.Sender, questionForget); err != nil {
			return err
		}
		return req.Reply(ctx, "Cancelled: nothing was erased.")
	case "yes":
		if err := m.ask.Close(ctx, req.Sender, questionForget); err != nil {
			return err
		}
	default:
		return bot.Userf("Usage: %s, then %s yes to confirm (or %s no).", req.Cmd("forgetme"), req.Cmd("forgetme"), req.Cmd("forgetme"))
	}
	state, err := m.st.forgetRequest(ctx, me, now)
	if err != nil {
		return err
	}
	switch state {
	case forgetNone:
		return bot.Userf("There's nothing to confirm: send %s first, then %s yes within %s.", req.Cmd("forgetme"), req.Cmd("forgetme"), bot.FormatDuration(forgetTimeout))
	case forgetLapsed:
		// Answered now, so a second late "yes" is simply nothing to confirm.
		if err := m.st.clearForgetRequest(ctx, me); err != nil {
			return err
		}
		return bot.Userf("Your request to erase your data lapsed: I wait %s for %s yes, and nothing was erased. To start again, send %s.",
			bot.FormatDuration(forgetTimeout), req.Cmd("forgetme"), req.Cmd("forgetme"))
	}
	return m.forgetConfirmed(ctx, req)
}

// forgetConfirmed erases what every provider holds about the sender, once
// they have confirmed with "!forgetme yes", and says what went.
func (m *Feature) forgetConfirmed(ctx context.Context, req *bot.Request) error {
	me := req.Sender.ID
	providers := m.reg.DataProviders()
	// The core's provider goes last: it removes the addresses that tie the
	// person to their records, so every feature must have finished first.
	// A failure stops before that step, so sending "!forgetme yes" again
	// can finish the job.
	core, features := providers[0], providers[1:]
	var done, heldNothing []string
	note := func(name, summary string) {
		if s := leaveOutZeroCounts(summary); s != "" {
			done = append(done, name+": "+s)
		} else {
			heldNothing = append(heldNothing, name)
		}
	}
	for _, p := range features {
		s, err := p.ForgetPerson(ctx, me)
		if err != nil {
			return fmt.Errorf("forget %s: %w", p.DataName(), err)
		}
		note(p.DataName(), s)
	}
	addrs, err := m.core.PersonAddrs(ctx, me)
	if err != nil {
		return fmt.Errorf("person addresses: %w", err)
	}
	if _, err := m.st.forgetDeliveries(ctx, append(addrs, req.Sender.Addr)); err != nil {
		return err
	}
	s, err := core.ForgetPerson(ctx, me)
	if err != nil {
		return fmt.Errorf("forget %s: %w", core.DataName(), err)
	}
	note(core.DataName(), s)
	m.log().Info("personal data erased on request", "person", me)
	var b strings.Builder
	b.WriteString("Done. What I erased:")
	for _, d := range done {
		b.WriteString("\n• " + d)
	}
	if len(heldNothing) > 0 {
		b.WriteString("\nNothing held by " + strings.Join(heldNothing, ", ") + ".")
	}
	b.WriteString("\nI no longer know who you are; if you message me again, you start afresh.")
	return req.Reply(ctx, b.String())
}

// leaveOutZeroCounts drops the parts of a data provider's erasure summary
// that count nothing, so a resident reads what was erased rather than a
// row of zeros. Summaries come from each feature as parts joined by "; "
// or ", ", a part sometimes pairing two counts with "and" ("0 errands and
// 1 errand signup deleted"); words in brackets are left alone. It returns
// "" when nothing is left, or when the provider said it held nothing.
func leaveOutZeroCounts(summary string) string {
	if strings.EqualFold(strings.TrimSpace(summary), "nothing held") {
		return ""
	}
	var kept []string
	for _, part := range splitOutsideBrackets(summary, "; ", ", ") {
		if p := withoutZeroCounts(part); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "; ")
}

// withoutZeroCounts handles one part of a summary: "0 listings deleted"
// goes; of "A and B deleted" with counts on both sides, the side counting
// zero goes and the rest keeps the closing words.
func withoutZeroCounts(part string) string {
	part = strings.TrimSpace(part)
	if sides := splitOutsideBrackets(part, " and "); len(sides) == 2 && countOf(sides[0]) >= 0 && countOf(sides[1]) >= 0 {
		first, second := countOf(sides[0]) > 0, countOf(sides[1]) > 0
		switch {
		case first && second:
			return part
		case second:
			return sides[1]
		case first:
			return sides[0] + closingWords(sides[1])
		}
		return ""
	}
	for _, w := range strings.Fields(outsideBrackets(part)) {
		if w == "0" {
			return ""
		}
	}
	return part
}

// countOf is the number a part starts with, or -1.
func countOf(s string) int {
	f := strings.Fields(s)
	if len(f) == 0 {
		return -1
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// closingWords is what follows the counted noun in "0 errand signups
// deleted" (" deleted"): from the first past participle on.
func closingWords(s string) string {
	f := strings.Fields(s)
	for i := 2; i < len(f); i++ {
		if w := f[i]; strings.HasSuffix(w, "ed") || w == "kept" || w == "sent" || w == "held" {
			return " " + strings.Join(f[i:], " ")
		}
	}
	return ""
}

// splitOutsideBrackets splits s at any of seps that is not inside ( ).
func splitOutsideBrackets(s string, seps ...string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
			continue
		case ')':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth > 0 {
			continue
		}
		for _, sep := range seps {
			if strings.HasPrefix(s[i:], sep) {
				parts = append(parts, s[start:i])
				start = i + len(sep)
				i = start - 1
				break
			}
		}
	}
	return append(parts, s[start:])
}

// outsideBrackets is s without the bracketed asides.
func outsideBrackets(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

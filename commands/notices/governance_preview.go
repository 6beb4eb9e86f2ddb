package notices

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"neighbourbot/bot"
)

// NoticePreview is what an approver signs off: the message exactly as
// residents will get it, who it will reach, and for an update or
// cancellation what it changes. The approval request, !pending and the
// command line all render it with Text; a web page can render its fields.
type NoticePreview struct {
	Notice *Notice
	// Message is the text residents get, poll and consultation lines
	// included.
	Message string
	// Original is the notice an update or cancellation refers to (nil for
	// an alert, or an original no longer kept).
	Original *Notice
	// Changes say, for an update, what differs from the latest earlier
	// text of the notice; for a cancellation, what it cancels.
	Changes []string
	// Reach is by area, sorted; Groups and Subscribers are its totals.
	Reach               []AreaReach
	Groups, Subscribers int
	// Chats are the groups the relay's plan reaches, in plan order: what
	// a page says of those groups (their quiet hours, say) is of exactly
	// these.
	Chats     []bot.ChatID
	Approvals []string
	Needed    int
	// MessageWelsh and MessageBoth are what groups that chose Welsh, or
	// Welsh and English, read; the same as Message when the notice has no
	// Welsh (see Notice.LanguageFor).
	MessageWelsh, MessageBoth string
	// Languages is what each group in Chats chose (absent: English).
	Languages map[bot.ChatID]Language
}

// AreaReach is how many groups and subscribers a notice reaches in one
// area: a group under its !area ("no area set" without one), a subscriber
// under the subscription area that matched.
type AreaReach struct {
	Area                string
	Groups, Subscribers int
}

// Preview builds what an approver sees for n as things stand at now.
func (r *Feature) Preview(ctx context.Context, n *Notice, now time.Time) (NoticePreview, error) {
	p := NoticePreview{Notice: n, Needed: r.gov.approvalsNeeded(n)}
	var err error
	if p.Approvals, err = r.st.approvals(ctx, n.ID); err != nil {
		return p, err
	}
	extra, err := r.councilLines(ctx, n, now)
	if err != nil {
		return p, err
	}
	in, original, err := r.planInput(ctx, n, now)
	if err != nil {
		return p, err
	}
	plan := planTargets(in)
	quotes := false
	for _, d := range plan.Deliveries {
		quotes = quotes || d.ReplyTo != ""
	}
	p.Original = original
	p.Reach, p.Groups, p.Subscribers = reachByArea(in, plan)
	for _, d := range plan.Deliveries {
		if d.Person == 0 {
			p.Chats = append(p.Chats, bot.ChatID(d.Target))
		}
	}
	if err := r.previewLanguages(ctx, &p, asSeenBy(n, quotes), extra); err != nil {
		return p, err
	}
	if original != nil {
		latest, err := r.latestText(ctx, n, original)
		if err != nil {
			return p, err
		}
		p.Changes = changes(n, latest, r.location())
	}
	return p, nil
}

// latestText is the text of n's chain residents would have in mind: the
// latest earlier update that went out, else the original.
func (r *Feature) latestText(ctx context.Context, n, original *Notice) (*Notice, error) {
	chain, err := r.st.chainOf(ctx, n)
	if err != nil {
		return nil, err
	}
	latest := original
	for _, c := range chain {
		if c.MsgType == MsgUpdate && c.ID < n.ID && c.State == StatePlanned {
			latest = c
		}
	}
	return latest, nil
}

// reachByArea counts a plan's deliveries by area.
func reachByArea(in planInput, plan deliveryPlan) (list []AreaReach, groups, people int) {
	groupAreas := map[string][]string{}
	for _, g := range in.Groups {
		groupAreas[string(g.Chat)] = g.Areas
	}
	by := map[string]*AreaReach{}
	add := func(area string) *AreaReach {
		if by[area] == nil {
			by[area] = &AreaReach{Area: area}
		}
		return by[area]
	}
	for _, d := range plan.Deliveries {
		if d.Person == 0 {
			add(areaLabel(groupAreas[d.Target])).Groups++
			groups++
			continue
		}
		add(subscriberArea(in, d.Person)).Subscribers++
		people++
	}
	for _, a := range by {
		list = append(list, *a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Area < list[j].Area })
	return list, groups, people
}

func areaLabel(areas []string) string {
	if len(areas) == 0 {
		return "no area set"
	}
	return strings.Join(areas, ", ")
}

// subscriberArea is the area of the person's first subscription the
// notice matches; one reached only because they saw the original is
// counted under "saw the original".
func subscriberArea(in planInput, person int64) string {
	for _, s := range in.Subs {
		if s.Person == person && subscriberWants(in.Notice, s) {
			return s.Area
		}
	}
	return "saw the original"
}

// changes says what an update changes from was, field by field ("the
// title (was “Belle Vue Road closed Tuesday”)"); a cancellation names what
// it cancels.
func changes(n, was *Notice, loc *time.Location) []string {
	if n.MsgType == MsgCancel {
		return []string{fmt.Sprintf("Cancels #%d %s", was.ID, was.Title)}
	}
	var out []string
	diff := func(field, old, now string) {
		if strings.TrimSpace(old) == strings.TrimSpace(now) {
			return
		}
		if strings.TrimSpace(old) == "" {
			old = "none"
		}
		out = append(out, fmt.Sprintf("%s (was “%s”)", field, bot.Truncate(old, 200)))
	}
	diff("the title", was.Title, n.Title)
	diff("the text", was.Body, n.Body)
	diff("the link", was.Link, n.Link)
	diff("the area", areaOrWide(was.Areas), areaOrWide(n.Areas))
	diff("the topics", strings.Join(was.Topics, ", "), strings.Join(n.Topics, ", "))
	diff("the urgency", string(was.Urgency), string(n.Urgency))
	diff("the expiry", whenOrNever(was.Expires, loc), whenOrNever(n.Expires, loc))
	if len(out) == 0 {
		return []string{fmt.Sprintf("Same text as #%d", was.ID)}
	}
	return []string{fmt.Sprintf("Changed since #%d: %s", was.ID, strings.Join(out, "; "))}
}

func areaOrWide(areas []string) string {
	if len(areas) == 0 {
		return "council-wide"
	}
	return strings.Join(areas, ", ")
}

func whenOrNever(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format("Mon 2 Jan 2006 15:04")
}

// Text renders the preview for a direct message or the command line; p is
// the command prefix, loc the council's time zone.
func (v NoticePreview) Text(p string, loc *time.Location) string {
	n := v.Notice
	var b strings.Builder
	fmt.Fprintf(&b, "#%d from %s (%s)", n.ID, n.SourceName, labelWhat(n))
	if v.Original != nil {
		fmt.Fprintf(&b, ", %s of #%d", n.MsgType, v.Original.ID)
	}
	b.WriteString("\nResidents will read:")
	quote(&b, v.Message)
	v.languageText(&b)
	if !n.Effective.IsZero() {
		fmt.Fprintf(&b, "\nGoes out %s at the earliest.", n.Effective.In(loc).Format("Mon 2 Jan 2006 15:04"))
	}
	if !n.Expires.IsZero() {
		fmt.Fprintf(&b, "\nExpires %s: not sent after that.", n.Expires.In(loc).Format("Mon 2 Jan 2006 15:04"))
	}
	for _, c := range v.Changes {
		b.WriteString("\n" + c + ".")
	}
	b.WriteString("\n" + v.reachText())
	if len(v.Approvals) > 0 {
		fmt.Fprintf(&b, "\nSo far approved by %s, needs %d.", strings.Join(v.Approvals, ", "), v.Needed)
	} else if v.Needed > 1 {
		fmt.Fprintf(&b, "\nNeeds %d different approvers.", v.Needed)
	}
	return b.String()
}

// reachText is "Reaches 3 groups and 1 subscriber now — SY3 7: 2 groups,
// 1 subscriber; no area set: 1 group."
func (v NoticePreview) reachText() string {
	if v.Groups+v.Subscribers == 0 {
		if v.Notice.MsgType == MsgCancel {
			return "Reaches nobody: nothing it cancels went out."
		}
		return "Reaches nobody as things stand: no opted-in group or subscriber matches."
	}
	parts := make([]string, 0, len(v.Reach))
	for _, a := range v.Reach {
		parts = append(parts, a.Area+": "+countsText(a.Groups, a.Subscribers))
	}
	return fmt.Sprintf("Reaches %s now — %s.", countsText(v.Groups, v.Subscribers), strings.Join(parts, "; "))
}

// countsText is "2 groups, 1 subscriber", leaving out a zero.
func countsText(groups, people int) string {
	var c []string
	if groups > 0 {
		c = append(c, bot.Count(groups, "group"))
	}
	if people > 0 {
		c = append(c, bot.Count(people, "subscriber"))
	}
	return strings.Join(c, ", ")
}

// labelWhat is "normal, roads; SY3 7" as in Label.
func labelWhat(n *Notice) string {
	what := string(n.Urgency)
	if len(n.Topics) > 0 {
		what += ", " + strings.Join(n.Topics, ",")
	}
	return what + "; " + areaOrWide(n.Areas)
}

// previewOf loads notice id and builds its preview; a notice that is not
// waiting for approval is refused as Approve would refuse it.
func (r *Feature) previewOf(ctx context.Context, id int64) (NoticePreview, error) {
	n, err := r.gov.loadPending(ctx, id)
	if err != nil {
		return NoticePreview{}, err
	}
	return r.Preview(ctx, n, r.clock.Now())
}

// PendingPreviews are the previews of the notices awaiting approval, built
// over a store alone for the command line: what !pending shows an
// approver. prefix is the bot's command prefix (residents' !vote lines),
// loc the council's time zone.
func PendingPreviews(ctx context.Context, core bot.Core, cfg Config, prefix string, loc *time.Location, now time.Time) ([]NoticePreview, error) {
	r := &Feature{core: core, cfg: cfg, st: storeOf(core), deps: Deps{QuietHours: bot.QuietHours{Loc: loc}}, prefix: prefix}
	r.gov = NewGovernance(core, cfg, func() time.Time { return now })
	list, err := r.gov.Pending(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]NoticePreview, 0, len(list))
	for _, p := range list {
		pv, err := r.Preview(ctx, p.Notice, now)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}

// WritePreviews prints previews for the command line, a blank line apart.
func WritePreviews(w io.Writer, list []NoticePreview, prefix string, loc *time.Location) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "No notices are waiting for approval.")
		return err
	}
	for i, pv := range list {
		sep := "\n"
		if i == 0 {
			sep = ""
		}
		if _, err := fmt.Fprintf(w, "%s%s\n", sep, pv.Text(prefix, loc)); err != nil {
			return err
		}
	}
	return nil
}

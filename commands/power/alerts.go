package power

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/polling"
)

// Power alerts: groups whose admins typed !power alerts on hear about the
// operator's own incidents in their area without anyone asking — each
// unplanned fault once (and again only when its estimated restoration
// moves by more than an hour), and each morning one message with the
// planned interruptions of the next 48 hours.

const (
	jobPoll    = "power.poll"
	jobPlanned = "power.planned"
	// etaMoved is how far an estimate must move to be posted again.
	etaMoved = time.Hour
	// plannedAhead is how far ahead the morning message looks.
	plannedAhead = 48 * time.Hour
	// maxAlertsPerGroup keeps one poll from filling a chat in a storm.
	maxAlertsPerGroup = 3
)

func (f *Feature) registerAlerts(ctx context.Context, k bot.Kit, obs polling.Observer) error {
	f.jobs.HandleFetch(jobPlanned, f.fetchPlanned)
	f.poller = polling.New(k, jobPoll, obs)
	if f.incidents == nil {
		return nil
	}
	if err := f.poller.Add(polling.Source{Name: "operator-incidents", Interval: f.cfg.AlertInterval.D(), Fetch: f.fetchIncidents}); err != nil {
		return err
	}
	if err := f.poller.Start(ctx); err != nil {
		return err
	}
	return f.bookPlanned(ctx, f.clock.Now())
}

// bookPlanned books the next morning message after now.
func (f *Feature) bookPlanned(ctx context.Context, now time.Time) error {
	at := f.cfg.PlannedAt.On(now, f.loc)
	if !at.After(now) {
		at = f.cfg.PlannedAt.On(now.In(f.loc).AddDate(0, 0, 1), f.loc)
	}
	return f.jobs.Schedule(ctx, jobPlanned, jobPlanned, at, nil)
}

func (f *Feature) alertsCommand(ctx context.Context, req *bot.Request, args []string) error {
	if len(args) == 0 {
		on, err := f.st.alertsOn(ctx, req.Chat.ID)
		if err != nil {
			return err
		}
		state := "off"
		if on {
			state = "on"
		}
		return req.Reply(ctx, fmt.Sprintf("Power alerts are %s here. A group admin can switch them with %s on or %s off.",
			state, req.Cmd("power alerts"), req.Cmd("power alerts")))
	}
	on, ok := bot.ParseOnOff(args[0])
	if !ok {
		return bot.Userf("Usage: %s on or %s off.", req.Cmd("power alerts"), req.Cmd("power alerts"))
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return err
	}
	if !admin {
		return bot.Userf("Sorry, only group admins can switch power alerts on or off.")
	}
	if err := f.st.setAlerts(ctx, req.Chat.ID, on); err != nil {
		return err
	}
	if err := f.auditLog.Record(ctx, bot.AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(),
		Action: "power.alerts", Detail: onOff(!on)}); err != nil {
		f.log().Warn("audit alerts switch", bot.KeyErr, err)
	}
	if !on {
		return req.Reply(ctx, "Power alerts off.")
	}
	msg := "Power alerts on: I'll post the network operator's power cuts in this group's area as they are reported, and each morning any planned work in the next two days."
	switch {
	case f.incidents == nil:
		msg += " (No operator feed is set up for this bot yet, so there is nothing to post until the bot's owner sets one up.)"
	case len(req.Group.Areas) == 0:
		msg += fmt.Sprintf(" First set the group's area: %s.", req.Cmd("area SY3 7"))
	}
	return req.Reply(ctx, msg)
}

// alertGroup is a group that gets alerts, with its areas.
type alertGroup struct {
	chat  bot.ChatID
	areas []string
}

func (f *Feature) alertGroups(ctx context.Context) ([]alertGroup, error) {
	chats, err := f.st.alertChats(ctx)
	if err != nil {
		return nil, err
	}
	var out []alertGroup
	for _, c := range chats {
		gs, err := f.core.GroupSettings(ctx, c)
		if err != nil {
			return nil, err
		}
		if gs.Enabled && gs.FeatureOn(FeatureName) && len(gs.Areas) > 0 {
			out = append(out, alertGroup{chat: c, areas: gs.Areas})
		}
	}
	return out, nil
}

// fetchFor asks the operators serving any of the groups once.
func (f *Feature) fetchFor(ctx context.Context, groups []alertGroup) ([]Incident, error) {
	var areas []string
	for _, g := range groups {
		for _, a := range g.areas {
			if !contains(areas, a) {
				areas = append(areas, a)
			}
		}
	}
	if as, ok := f.incidents.(AreaIncidentSource); ok {
		return as.IncidentsFor(ctx, areas)
	}
	return f.incidents.Incidents(ctx)
}

// fetchIncidents asks the operator, with no unit of work held, about the
// areas of the groups that get alerts, and returns what posts unplanned
// incidents new to a group, and estimates that moved by more than an hour.
// Nothing goes out in quiet hours; what is still going on is posted when
// they end.
func (f *Feature) fetchIncidents(ctx context.Context) (bot.ApplyFunc, error) {
	now := f.clock.Now()
	if f.quiet.Contains(now) {
		return nil, fmt.Errorf("quiet hours: %w", polling.ErrNothingToPoll)
	}
	groups, err := f.alertGroups(ctx)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("no group gets alerts: %w", polling.ErrNothingToPoll)
	}
	all, err := f.fetchFor(ctx, groups)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return f.postIncidents(ctx, all, now) }, nil
}

// postIncidents posts what was fetched to the groups that get alerts as
// they stand now: one switched off meanwhile gets nothing.
func (f *Feature) postIncidents(ctx context.Context, all []Incident, now time.Time) error {
	groups, err := f.alertGroups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		sent := 0
		for _, inc := range MatchIncidents(all, g.areas) {
			if inc.Planned || sent == maxAlertsPerGroup {
				continue
			}
			posted, err := f.postFault(ctx, g, inc, now)
			if err != nil {
				return err
			}
			if posted {
				sent++
			}
		}
	}
	return nil
}

func (f *Feature) postFault(ctx context.Context, g alertGroup, inc Incident, now time.Time) (bool, error) {
	prev, seen, err := f.st.posted(ctx, g.chat, inc.Ref, "fault")
	if err != nil {
		return false, err
	}
	var text string
	switch {
	case !seen:
		text = f.faultText(g, inc, now)
	case inc.EstimatedRestoration.IsZero():
		return false, nil
	case prev.IsZero():
		text = fmt.Sprintf("Update on the power cut %s: the operator now expects the power back by %s.", inc.Ref, f.when(inc.EstimatedRestoration, now))
	case absDuration(inc.EstimatedRestoration.Sub(prev)) > etaMoved:
		text = fmt.Sprintf("Update on the power cut %s: estimated restoration now %s (was %s).", inc.Ref, f.when(inc.EstimatedRestoration, now), f.when(prev, now))
	default:
		return false, nil
	}
	if _, err := f.out.Send(ctx, bot.OutMessage{Chat: g.chat, Text: text}); err != nil {
		if errors.Is(err, bot.ErrGroupOff) {
			return false, nil
		}
		return false, err
	}
	return true, f.st.markPosted(ctx, g.chat, inc.Ref, "fault", inc.EstimatedRestoration, now)
}

func (f *Feature) faultText(g alertGroup, inc Incident, now time.Time) string {
	var b strings.Builder
	who := "The network operator"
	if inc.Publisher != "" {
		who = inc.Publisher
	}
	where := strings.Join(overlap(inc.Sectors, g.areas), ", ")
	if where == "" {
		where = strings.Join(g.areas, ", ")
	}
	fmt.Fprintf(&b, "Power cut in %s: %s is working on it (incident %s", where, who, inc.Ref)
	if inc.Customers > 0 {
		fmt.Fprintf(&b, ", %s off", homes(inc.Customers))
	}
	b.WriteString(")")
	if !inc.EstimatedRestoration.IsZero() {
		fmt.Fprintf(&b, ", estimated restoration %s", f.when(inc.EstimatedRestoration, now))
	}
	fmt.Fprintf(&b, ". It already knows, so there is no need to call %s unless someone is at risk.", f.cfg.ReportNumber)
	return b.String()
}

// overlap lists the incident's sectors inside the group's areas.
func overlap(sectors, areas []string) []string {
	var out []string
	for _, s := range sectors {
		for _, a := range areas {
			if bot.AreaCovers(a, s) && !contains(out, s) {
				out = append(out, s)
			}
		}
	}
	if len(out) > 4 {
		out = append(out[:4], "…")
	}
	return out
}

// fetchPlanned asks the operator about the planned work in the alert
// groups' areas, with no unit of work held, and returns what sends each
// group one line about the next 48 hours and books tomorrow's.
func (f *Feature) fetchPlanned(ctx context.Context, j bot.Job) (bot.ApplyFunc, error) {
	now := f.clock.Now()
	var all []Incident
	if f.incidents != nil {
		groups, err := f.alertGroups(ctx)
		if err != nil {
			return nil, err
		}
		if len(groups) > 0 {
			if all, err = f.fetchFor(ctx, groups); err != nil {
				// The morning line is not retried hours later: tomorrow's comes.
				f.log().Warn("planned work not fetched; tomorrow's message is booked", bot.KeyErr, err)
				all = nil
			}
		}
	}
	return func(ctx context.Context) error { return f.postPlanned(ctx, all, now) }, nil
}

// postPlanned books tomorrow's message and posts the planned work fetched
// to the groups that get alerts as they stand now.
func (f *Feature) postPlanned(ctx context.Context, all []Incident, now time.Time) error {
	if err := f.bookPlanned(ctx, now); err != nil {
		return err
	}
	// What was posted is needed only while the incident can come back.
	if err := f.st.purgePosted(ctx, now.Add(-30*24*time.Hour)); err != nil {
		return err
	}
	if len(all) == 0 {
		return nil
	}
	groups, err := f.alertGroups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := f.postPlannedTo(ctx, g, all, now); err != nil {
			return err
		}
	}
	return nil
}

// postPlannedTo sends one group the planned work in its areas not posted
// there today.
func (f *Feature) postPlannedTo(ctx context.Context, g alertGroup, all []Incident, now time.Time) error {
	var lines []string
	for _, inc := range MatchIncidents(all, g.areas) {
		start := inc.Start
		if !inc.Planned || start.IsZero() || start.Before(now.Add(-time.Hour)) || start.After(now.Add(plannedAhead)) {
			continue
		}
		if posted, _, err := f.st.postedOn(ctx, g.chat, inc.Ref, now); err != nil {
			return err
		} else if posted {
			continue
		}
		lines = append(lines, f.plannedLine(g, inc, now))
		if err := f.st.markPosted(ctx, g.chat, inc.Ref, "planned", inc.EstimatedRestoration, now); err != nil {
			return err
		}
	}
	if len(lines) == 0 {
		return nil
	}
	sort.Strings(lines)
	if len(lines) > 5 {
		lines = append(lines[:5], fmt.Sprintf("… and %d more; the operator's website lists them all.", len(lines)-5))
	}
	if _, err := f.out.Send(ctx, bot.OutMessage{Chat: g.chat, Text: strings.Join(lines, "\n")}); err != nil && !errors.Is(err, bot.ErrGroupOff) {
		return err
	}
	return nil
}

// plannedLine is "Planned power cut in SY3 7 tomorrow 09:00–15:00, ref …".
func (f *Feature) plannedLine(g alertGroup, inc Incident, now time.Time) string {
	where := strings.Join(overlap(inc.Sectors, g.areas), ", ")
	if where == "" {
		where = strings.Join(g.areas, ", ")
	}
	start := inc.Start.In(f.loc)
	span := start.Format("15:04")
	if !inc.EstimatedRestoration.IsZero() {
		end := inc.EstimatedRestoration.In(f.loc)
		if end.YearDay() == start.YearDay() {
			span += "–" + end.Format("15:04")
		} else {
			span += " to " + f.dayWord(end, now) + " " + end.Format("15:04")
		}
	}
	who := ""
	if inc.Publisher != "" {
		who = " (" + inc.Publisher + ")"
	}
	return fmt.Sprintf("Planned power cut in %s %s %s, ref %s%s.", where, f.dayWord(start, now), span, inc.Ref, who)
}

// dayWord is "today", "tomorrow" or "on Wed 7 Jan".
func (f *Feature) dayWord(t, now time.Time) string {
	lt, ln := t.In(f.loc), now.In(f.loc)
	d0 := time.Date(ln.Year(), ln.Month(), ln.Day(), 0, 0, 0, 0, f.loc)
	d1 := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, f.loc)
	switch int(d1.Sub(d0).Hours()+12) / 24 {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	}
	return "on " + lt.Format("Mon 2 Jan")
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Store side.

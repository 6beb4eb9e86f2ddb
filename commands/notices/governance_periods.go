package notices

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"neighbourbot/bot"
)

// PeriodConfig is one [[notices.election_periods]] entry: the pre-election
// period ("purdah") of an election, council-wide or, for a by-election, in
// some areas only. During it non-essential notices for those areas wait
// (or are refused, see election_hold); emergencies go out.
type PeriodConfig struct {
	Name string `toml:"name"`
	// Start and End are dates (2026-04-16, both days included, in
	// [bot] timezone) or RFC 3339 times.
	Start string `toml:"start"`
	End   string `toml:"end"`
	// Areas limits the period to postcode areas, districts or sectors;
	// empty means the whole council.
	Areas []string `toml:"areas"`
}

// Election hold modes.
const (
	holdWait   = "wait"
	holdRefuse = "refuse"
)

// period is a parsed election period.
type period struct {
	Name       string
	Start, End time.Time // End exclusive
	Areas      []string
}

// parsePeriodTime reads a date or an RFC 3339 time; a date's end is the
// start of the following day.
func parsePeriodTime(s string, end bool, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q must be a date like 2026-04-16 or an RFC 3339 time", s)
}

// parsePeriods checks and parses election periods, naming the key.
func parsePeriods(list []PeriodConfig, loc *time.Location) ([]period, error) {
	if loc == nil {
		loc = time.UTC
	}
	var out []period
	for i, pc := range list {
		key := fmt.Sprintf("election_periods[%d]", i)
		p := period{Name: strings.TrimSpace(pc.Name)}
		if p.Name == "" {
			p.Name = "election period"
		}
		var err error
		if p.Start, err = parsePeriodTime(pc.Start, false, loc); err != nil {
			return nil, fmt.Errorf("%s.start: %w", key, err)
		}
		if p.End, err = parsePeriodTime(pc.End, true, loc); err != nil {
			return nil, fmt.Errorf("%s.end: %w", key, err)
		}
		if !p.End.After(p.Start) {
			return nil, fmt.Errorf("%s.end must be after start", key)
		}
		if p.End.Sub(p.Start) > 120*24*time.Hour {
			return nil, fmt.Errorf("%s lasts more than 120 days; check start and end", key)
		}
		for j, a := range pc.Areas {
			norm, ok := bot.NormalizeArea(a)
			if !ok {
				return nil, fmt.Errorf("%s.areas[%d]: %q is not a postcode area, district or sector", key, j, a)
			}
			if !contains(p.Areas, norm) {
				p.Areas = append(p.Areas, norm)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// validatePeriods checks [[notices.election_periods]] and election_hold.
func (c Config) validatePeriods() error {
	switch c.ElectionHold {
	case holdWait, holdRefuse:
	default:
		return fmt.Errorf("election_hold %q must be wait or refuse", c.ElectionHold)
	}
	_, err := parsePeriods(c.ElectionPeriods, time.UTC)
	return err
}

// covers reports whether the period applies at now to a recipient with
// these areas. A council-wide period covers everyone; an area period
// covers recipients whose areas meet its areas (a recipient without an
// area is not known to be in it).
func (p period) covers(now time.Time, areas []string) bool {
	if now.Before(p.Start) || !now.Before(p.End) {
		return false
	}
	if len(p.Areas) == 0 {
		return true
	}
	for _, pa := range p.Areas {
		for _, a := range areas {
			if bot.AreaCovers(pa, a) {
				return true
			}
		}
	}
	return false
}

// areaLabel writes a period's reach.
func (p period) areaLabel() string {
	if len(p.Areas) == 0 {
		return "whole council"
	}
	return strings.Join(p.Areas, ", ")
}

// periodSet is the election periods in force, swapped whole on reload.
type periodSet struct {
	list []period
	hold string
}

// periods returns the periods in force.
func (r *Feature) periodSet() *periodSet {
	if p := r.periods.Load(); p != nil {
		return p
	}
	return &periodSet{hold: holdWait}
}

// SetElectionPeriods replaces the election periods in force (on SIGHUP)
// and has deliveries held by a period looked at again at once, so a
// shortened or removed period releases them without a restart.
func (r *Feature) SetElectionPeriods(ctx context.Context, list []PeriodConfig, hold string) error {
	if hold == "" {
		hold = holdWait
	}
	if hold != holdWait && hold != holdRefuse {
		return fmt.Errorf("election_hold %q must be wait or refuse", hold)
	}
	parsed, err := parsePeriods(list, r.location())
	if err != nil {
		return err
	}
	r.periods.Store(&periodSet{list: parsed, hold: hold})
	r.log.Info("election periods loaded", "periods", len(parsed), "hold", hold)
	return r.jobs.Schedule(ctx, jobPeriods, jobPeriods, r.clock.Now(), nil)
}

// periodsJob runs after a reload: held rows become due now, and the drain
// checks each against the periods now in force.
func (r *Feature) periodsJob(ctx context.Context, _ bot.Job) error {
	now := r.clock.Now()
	if err := r.st.releasePeriodHolds(ctx, now); err != nil {
		return err
	}
	return r.scheduleDrain(ctx, now)
}

// periodNote is last_error while a delivery waits for an election period to
// end; seeing it keeps the wait to one audit line.
const periodNote = "held: election period"

// activePeriod returns the period holding a non-essential notice for a
// recipient with these areas at now, if any.
func (r *Feature) activePeriod(n *Notice, areas []string, now time.Time) (period, bool) {
	if n.Essential() {
		return period{}, false
	}
	for _, p := range r.periodSet().list {
		if p.covers(now, areas) {
			return p, true
		}
	}
	return period{}, false
}

// targetAreas are the postcode areas of a delivery target: a group's
// areas, or the areas of the subscriptions that brought the subscriber n.
func (r *Feature) targetAreas(ctx context.Context, n *Notice, target string, person int64) ([]string, error) {
	if person != 0 {
		subs, err := r.st.subscriptions(ctx, person)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, s := range subs {
			if subscriberWants(n, s) && !contains(out, s.Area) {
				out = append(out, s.Area)
			}
		}
		return out, nil
	}
	gs, err := r.core.GroupSettings(ctx, bot.ChatID(target))
	if err != nil {
		return nil, err
	}
	return gs.Areas, nil
}

// electionHold is checked at each send: a non-essential delivery to a
// recipient inside an election period waits for its end (quiet hours
// respected) or, with election_hold = "refuse", is dropped. It reports
// whether the row was held.
func (r *Feature) electionHold(ctx context.Context, n *Notice, row outboxRow, now time.Time) (bool, error) {
	if n.Essential() || len(r.periodSet().list) == 0 {
		return false, nil
	}
	areas, err := r.targetAreas(ctx, n, row.Target, row.Person)
	if err != nil {
		return false, err
	}
	p, held := r.activePeriod(n, areas, now)
	if !held {
		return false, nil
	}
	if r.periodSet().hold == holdRefuse {
		err := r.st.moveRow(ctx, row, "dropped", AuditRecord{NoticeID: n.ID, At: now, Event: "refused", Actor: "bot",
			Detail: fmt.Sprintf("%s (%s) until %s: non-essential notices are not sent", p.Name, p.areaLabel(), p.End.In(r.location()).Format("Mon 2 Jan 2006 15:04"))})
		return true, err
	}
	due := r.deps.QuietHours.NextAllowed(p.End)
	// A poll or consultation that closes before the period ends is never
	// sent: it would arrive with nothing left to answer.
	why := fmt.Sprintf("held by %s (%s) until it closed", p.Name, p.areaLabel())
	if lapsed, err := r.lapseIfClosedBy(ctx, n, row, due, why, now); err != nil || lapsed {
		return true, err
	}
	first := row.LastError != periodNote
	// Only the first hold is audited: a row re-checked at each drain
	// already says why it waits.
	var rec *AuditRecord
	if first {
		rec = &AuditRecord{NoticeID: n.ID, At: now, Event: "held", Actor: "bot",
			Detail: fmt.Sprintf("%s (%s): waits until %s", p.Name, p.areaLabel(), due.In(r.location()).Format("Mon 2 Jan 2006 15:04"))}
	}
	if err := r.st.holdForPeriod(ctx, row, due, rec); err != nil {
		return true, err
	}
	// A row taken out of a digest has no drain booked for it yet.
	return true, r.scheduleDrain(ctx, due)
}

// refuseInPeriod is the ingest check with election_hold = "refuse": a
// non-essential notice wholly inside a current period (a council-wide
// period, or one whose areas cover all the notice's) is refused with the
// period named, so the sender knows at once.
func (r *Feature) refuseInPeriod(n *Notice, now time.Time) error {
	set := r.periodSet()
	if set.hold != holdRefuse || n.Essential() {
		return nil
	}
	for _, p := range set.list {
		if now.Before(p.Start) || !now.Before(p.End) {
			continue
		}
		inside := len(p.Areas) == 0
		if !inside && len(n.Areas) > 0 {
			inside = true
			for _, a := range n.Areas {
				in := false
				for _, pa := range p.Areas {
					in = in || bot.AreaCovers(pa, a) && len(pa) <= len(a)
				}
				inside = inside && in
			}
		}
		if inside {
			return &FieldError{Field: "urgency", Msg: fmt.Sprintf("%s (%s) runs until %s: only emergency notices are sent",
				p.Name, p.areaLabel(), p.End.In(r.location()).Format("Mon 2 Jan 2006 15:04"))}
		}
	}
	return nil
}

// PeriodInfo is an election period as the command line lists it.
type PeriodInfo struct {
	Name       string
	Start, End time.Time
	Areas      []string
	Held       int // deliveries waiting for it to end
}

// ElectionPeriods parses the configured periods for listing.
func ElectionPeriods(cfg Config, loc *time.Location) ([]PeriodInfo, error) {
	list, err := parsePeriods(cfg.ElectionPeriods, loc)
	if err != nil {
		return nil, err
	}
	out := make([]PeriodInfo, 0, len(list))
	for _, p := range list {
		out = append(out, PeriodInfo{Name: p.Name, Start: p.Start, End: p.End, Areas: p.Areas})
	}
	return out, nil
}

// PeriodsInForce lists the election periods the relay holds notices by
// now: the configured ones, or those a SIGHUP reloaded since.
func (r *Feature) PeriodsInForce() []PeriodInfo {
	list := r.periodSet().list
	out := make([]PeriodInfo, 0, len(list))
	for _, p := range list {
		out = append(out, PeriodInfo{Name: p.Name, Start: p.Start, End: p.End, Areas: p.Areas})
	}
	return out
}

// HeldByPeriods counts deliveries waiting for an election period to end.
func HeldByPeriods(ctx context.Context, core bot.Core) (int, error) {
	return storeOf(core).heldByPeriods(ctx)
}

// WritePeriods lists election periods with whether each is past, in force
// or to come at now.
func WritePeriods(w io.Writer, list []PeriodInfo, hold string, held int, now time.Time, loc *time.Location) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "No election periods are configured.")
		return err
	}
	for _, p := range list {
		status := "to come"
		switch {
		case !now.Before(p.End):
			status = "past"
		case !now.Before(p.Start):
			status = "in force"
		}
		area := "whole council"
		if len(p.Areas) > 0 {
			area = strings.Join(p.Areas, ", ")
		}
		if _, err := fmt.Fprintf(w, "%s: %s to %s (%s) — %s\n", p.Name, p.Start.In(loc).Format("Mon 2 Jan 2006 15:04"),
			p.End.In(loc).Format("Mon 2 Jan 2006 15:04"), area, status); err != nil {
			return err
		}
	}
	verb := "wait until the period ends"
	if hold == holdRefuse {
		verb = "are refused"
	}
	_, err := fmt.Fprintf(w, "During a period non-essential notices for its areas %s; emergencies go out. %d deliveries are waiting now.\n", verb, held)
	return err
}

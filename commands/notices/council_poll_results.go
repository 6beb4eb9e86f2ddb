package notices

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"neighbourbot/bot"
)

// A poll's close and its results: the votes become counts per group and
// area, the groups hear the result, and the results are read back for the
// command line, the staff page and the results POST.

// subscribersScope is the count scope of all private subscribers, so no
// one's private vote can be read from the results.
const subscribersScope = "subscribers"

// pollCloseJob closes a poll: the current choices become counts per group
// and area and are deleted; the groups get a result line; the results
// POST is booked.
func (r *Feature) pollCloseJob(ctx context.Context, job bot.Job, pl planPayload) error {
	p, err := r.st.poll(ctx, pl.Notice)
	if err != nil || p == nil || p.State != "open" {
		return err
	}
	now := r.clock.Now()
	if now.Before(p.Closes) {
		return r.jobs.Schedule(ctx, jobPollClose, job.Key, p.Closes, pl)
	}
	n, err := r.st.notice(ctx, pl.Notice)
	if err != nil {
		return err
	}
	chats, err := r.st.pollChats(ctx, n.ID)
	if err != nil {
		return err
	}
	reached := len(chats) > 0
	err = r.st.closePoll(ctx, n.ID, now, reached, r.cfg.ResultsURL != "")
	if err != nil || !reached {
		return err
	}
	res, err := r.Results(ctx, n.ID)
	if err != nil {
		return err
	}
	if r.cfg.ResultsURL != "" {
		if err := r.scheduleResultsPost(ctx, n.ID, now); err != nil {
			return err
		}
	}
	if !r.cfg.ShareResults {
		return nil
	}
	if cancelled, err := r.cancelled(ctx, n); err != nil || cancelled {
		// The groups were told it is off; a result line would only confuse.
		return err
	}
	return r.shareResults(ctx, n.ID, chats, res)
}

// shareResults posts the result line in each group the poll reached.
func (r *Feature) shareResults(ctx context.Context, id int64, chats []pollChat, res PollResults) error {
	for _, c := range chats {
		if strings.HasPrefix(c.Target, "person:") {
			continue
		}
		_, err := r.out.Send(ctx, bot.OutMessage{Chat: bot.ChatID(c.Chat), Text: resultLine(res, c.Target)})
		if err != nil {
			if !sendSkippable(err) {
				return err
			}
			r.log.Warn("poll result line not sent", "notice", id, bot.KeyChat, c.Target, bot.KeyErr, errorText(err))
		}
	}
	return nil
}

// PollResults are a poll's counts: in total, per group (private
// subscribers together) and per postcode area.
type PollResults struct {
	Notice   int64     `json:"notice"`
	ID       string    `json:"id"`
	Sender   string    `json:"sender"`
	Question string    `json:"question"`
	Options  []string  `json:"options"`
	Multiple bool      `json:"multiple"`
	State    string    `json:"state"`
	Closes   time.Time `json:"closes"`
	// Voters is how many people voted; Total and Counts count ticks (the
	// same as voters in a single-choice poll).
	Voters int          `json:"voters"`
	Total  int          `json:"total"`
	Counts []int        `json:"counts"`
	Groups []ScopeCount `json:"groups"`
	Areas  []ScopeCount `json:"areas"`
	// Reached is how many groups and subscribers the poll went to.
	GroupsReached      int `json:"groups_reached"`
	SubscribersReached int `json:"subscribers_reached"`
	// NotSent is who the notice never reached because the poll closed
	// first, by reason ("held by … until it closed").
	NotSent []NotSent `json:"not_sent"`
}

// ScopeCount is one group's or one area's counts.
type ScopeCount struct {
	Scope  string `json:"-"`
	Name   string `json:"name"`
	Area   string `json:"area,omitempty"`
	Voters int    `json:"voters"`
	Total  int    `json:"total"`
	Counts []int  `json:"counts"`
}

// ErrNoPoll is returned for a notice without a poll.
var ErrNoPoll = errors.New("notice has no poll")

// Results reads a poll's counts: from the counts kept at close, or, while
// it is open, from the current choices (counted, never listed).
func (r *Feature) Results(ctx context.Context, id int64) (PollResults, error) {
	return pollResults(ctx, r.st, r.core, id)
}

// PollResultsOf is Results for the command line, over a store alone.
func PollResultsOf(ctx context.Context, core bot.Core, id int64) (PollResults, error) {
	return pollResults(ctx, storeOf(core), core, id)
}

func pollResults(ctx context.Context, st store, core bot.Core, id int64) (PollResults, error) {
	n, err := st.notice(ctx, id)
	if err != nil {
		return PollResults{}, err
	}
	p, err := st.poll(ctx, id)
	if err != nil {
		return PollResults{}, err
	}
	if p == nil {
		return PollResults{}, fmt.Errorf("notice #%d: %w", id, ErrNoPoll)
	}
	res := PollResults{Notice: n.ID, ID: n.Identifier, Sender: n.SourceName, Question: p.Question, Options: p.Options, Multiple: p.Multiple, State: p.State, Closes: p.Closes,
		Counts: make([]int, len(p.Options)), Groups: []ScopeCount{}, Areas: []ScopeCount{}}
	counts, err := st.pollCounts(ctx, id, p.State == "open")
	if err != nil {
		return res, err
	}
	groups, areas := tallyPoll(&res, counts)
	// Every group the poll reached is listed, with or without votes.
	reached, err := st.pollReachedChats(ctx, id)
	if err != nil {
		return res, err
	}
	for _, c := range reached {
		if strings.HasPrefix(c.Target, "person:") {
			continue
		}
		if _, ok := groups[c.Target]; !ok {
			groups[c.Target] = &ScopeCount{Scope: c.Target, Area: c.Area, Counts: make([]int, len(p.Options))}
		}
	}
	// Reached counts what the outbox sent, as the campaign report does.
	if res.GroupsReached, res.SubscribersReached, err = st.pollReach(ctx, id); err != nil {
		return res, err
	}
	if res.NotSent, err = st.notSent(ctx, id); err != nil {
		return res, err
	}
	for scope, g := range groups {
		g.Name = groupName(ctx, core, scope)
		res.Groups = append(res.Groups, *g)
	}
	for _, a := range areas {
		res.Areas = append(res.Areas, *a)
	}
	sort.Slice(res.Groups, func(i, j int) bool { return res.Groups[i].Name < res.Groups[j].Name })
	sort.Slice(res.Areas, func(i, j int) bool { return res.Areas[i].Name < res.Areas[j].Name })
	return res, nil
}

// tallyPoll adds the counts to res's totals and returns them split by group
// (scope) and by area. Choice -1 rows count voters, not votes: a
// multiple-answer poll has more ticks than voters.
func tallyPoll(res *PollResults, counts []pollCount) (groups, areas map[string]*ScopeCount) {
	groups, areas = map[string]*ScopeCount{}, map[string]*ScopeCount{}
	options := len(res.Options)
	for _, pc := range counts {
		choice, votes := pc.Choice, pc.Votes
		if choice < -1 || choice >= options {
			continue
		}
		if choice == -1 {
			res.Voters += votes
		} else {
			res.Total += votes
			res.Counts[choice] += votes
		}
		add := func(m map[string]*ScopeCount, key string, sc ScopeCount) {
			c, ok := m[key]
			if !ok {
				sc.Counts = make([]int, options)
				c = &sc
				m[key] = c
			}
			if choice == -1 {
				c.Voters += votes
				return
			}
			c.Total += votes
			c.Counts[choice] += votes
		}
		add(groups, pc.Scope, ScopeCount{Scope: pc.Scope, Area: pc.Area})
		areaName := pc.Area
		if areaName == "" {
			areaName = "no area set"
		}
		add(areas, areaName, ScopeCount{Scope: areaName, Name: areaName})
	}
	return groups, areas
}

// groupName is how results name a scope: the group's name when it has one,
// else its id, and "private subscribers" for the votes cast privately.
func groupName(ctx context.Context, core bot.Core, scope string) string {
	if scope == subscribersScope {
		return "private subscribers"
	}
	if gs, err := core.GroupSettings(ctx, bot.ChatID(scope)); err == nil && gs.Name != "" {
		return gs.Name
	}
	return scope
}

// tally writes "Yes 7, No 3".
func tally(options []string, counts []int) string {
	parts := make([]string, len(options))
	for i, o := range options {
		parts[i] = fmt.Sprintf("%s %d", o, counts[i])
	}
	return strings.Join(parts, ", ")
}

func votesWord(n int) string {
	if n == 1 {
		return "1 vote"
	}
	return fmt.Sprintf("%d votes", n)
}

// votersWord writes "3 votes" for a single-choice poll and "3 voters" for
// a multiple-answer one (where ticks outnumber people).
func votersWord(multiple bool, n int) string {
	if !multiple {
		return votesWord(n)
	}
	if n == 1 {
		return "1 voter"
	}
	return fmt.Sprintf("%d voters", n)
}

// resultLine is the one line a group gets at close.
func resultLine(res PollResults, scope string) string {
	here := ScopeCount{Counts: make([]int, len(res.Options))}
	for _, g := range res.Groups {
		if g.Scope == scope {
			here = g
		}
	}
	line := fmt.Sprintf("📊 Poll closed — %s Here: %s (%s).", res.Question, tally(res.Options, here.Counts), votersWord(res.Multiple, here.Voters))
	if res.GroupsReached > 1 || res.SubscribersReached > 0 {
		line += fmt.Sprintf(" Everywhere it was asked: %s (%s).", tally(res.Options, res.Counts), votersWord(res.Multiple, res.Voters))
	}
	return line
}

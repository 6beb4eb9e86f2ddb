package notices

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Snap polls: a notice may carry a poll. Each group (and subscriber) that
// gets the notice gets a native WhatsApp poll after it; votes arrive
// through the engine's poll registry (decrypted as power checks' are), or
// typed as !vote N. Each voter's current choice is kept only while the
// poll is open; at close only counts per group and area remain, each group
// gets one result line, and the council gets the results on the command
// line and, with results_url, as a signed POST.

// PollSpec is the poll a notice carries.
type PollSpec struct {
	Question string
	Options  []string
	Multiple bool // each voter may tick several options
	Closes   time.Time
	State    string // open, closed
}

// pollInput is the notice JSON's "poll".
type pollInput struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Multiple bool     `json:"multiple"`
	Closes   string   `json:"closes"`
}

// Limits WhatsApp puts on polls, and a sane bound on how long one runs.
const (
	maxPollQuestion = 255
	maxPollOption   = 100
	minPollOptions  = 2
	maxPollOptions  = 12
	maxPollOpen     = 90 * 24 * time.Hour
)

const (
	pollKind     = "notices.poll"
	jobPollClose = "notices.poll_close"
)

// decodePoll validates the notice's poll.
func decodePoll(in *pollInput, n *Notice, now time.Time) error {
	if in == nil {
		return nil
	}
	if n.MsgType != MsgAlert {
		return &FieldError{Field: "poll", Msg: "only a new notice (not an update or cancel) can carry a poll"}
	}
	p := &PollSpec{Question: strings.Join(strings.Fields(bot.CleanText(in.Question)), " "), State: "open"}
	switch {
	case p.Question == "":
		return &FieldError{Field: "poll.question", Msg: "required"}
	case bot.RuneLen(p.Question) > maxPollQuestion:
		return &FieldError{Field: "poll.question", Msg: fmt.Sprintf("longer than %d characters", maxPollQuestion)}
	}
	if len(in.Options) < minPollOptions || len(in.Options) > maxPollOptions {
		return &FieldError{Field: "poll.options", Msg: fmt.Sprintf("must have %d to %d options, not %d", minPollOptions, maxPollOptions, len(in.Options))}
	}
	seen := map[string]int{}
	for i, o := range in.Options {
		o = strings.Join(strings.Fields(bot.CleanText(o)), " ")
		field := fmt.Sprintf("poll.options[%d]", i)
		switch {
		case o == "":
			return &FieldError{Field: field, Msg: "must not be empty"}
		case bot.RuneLen(o) > maxPollOption:
			return &FieldError{Field: field, Msg: fmt.Sprintf("longer than %d characters", maxPollOption)}
		}
		key := strings.ToLower(o)
		if j, dup := seen[key]; dup {
			return &FieldError{Field: field, Msg: fmt.Sprintf("%q repeats poll.options[%d]", bot.Truncate(o, 40), j)}
		}
		seen[key] = i
		p.Options = append(p.Options, o)
	}
	p.Multiple = in.Multiple
	if in.Closes == "" {
		return &FieldError{Field: "poll.closes", Msg: "required: when the poll closes, an RFC 3339 time"}
	}
	t, err := time.Parse(time.RFC3339, in.Closes)
	if err != nil {
		return &FieldError{Field: "poll.closes", Msg: "must be an RFC 3339 time such as 2026-01-09T17:00:00Z"}
	}
	start := laterOf(now, n.Effective)
	switch {
	case !t.After(now):
		return &FieldError{Field: "poll.closes", Msg: "is in the past"}
	case !t.After(start):
		return &FieldError{Field: "poll.closes", Msg: "must be after effective"}
	case t.Sub(start) > maxPollOpen:
		return &FieldError{Field: "poll.closes", Msg: "is more than 90 days after the notice goes out"}
	}
	p.Closes = t.UTC()
	n.Poll = p
	return nil
}

// bookPollClose books an open poll's close for its closing time.
func (r *Feature) bookPollClose(ctx context.Context, id int64) error {
	p, err := r.st.poll(ctx, id)
	if err != nil || p == nil || p.State != "open" {
		return err
	}
	return r.jobs.Schedule(ctx, jobPollClose, jobPollClose+":"+strconv.FormatInt(id, 10), p.Closes, planPayload{Notice: id})
}

// rebookPolls runs at start-up: every open poll's close and every pending
// results POST gets its job back, should one have been lost.
func (r *Feature) rebookPolls(ctx context.Context) error {
	open, err := r.st.openPolls(ctx)
	if err != nil {
		return err
	}
	posts, err := r.st.pendingResultsPosts(ctx)
	if err != nil {
		return err
	}
	for _, id := range open {
		if err := r.bookPollClose(ctx, id); err != nil {
			return err
		}
	}
	for _, id := range posts {
		waiting, err := r.core.JobPending(ctx, jobResultsPost+":"+strconv.FormatInt(id, 10))
		if err != nil {
			return fmt.Errorf("look up results job: %w", err)
		}
		if !waiting {
			if err := r.scheduleResultsPost(ctx, id, r.clock.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// pollLines is what the notice text says about its poll.
func (r *Feature) pollLines(p *PollSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n\n📊 *Poll:* %s", p.Question)
	for i, o := range p.Options {
		fmt.Fprintf(&b, "\n%d. %s", i+1, o)
	}
	if p.Multiple {
		fmt.Fprintf(&b, "\nTick as many as you like in the poll below, or type e.g. %svote 1 %d. Closes %s.", r.prefix, len(p.Options), r.when(p.Closes))
	} else {
		fmt.Fprintf(&b, "\nVote in the poll below, or type %svote 1 to %svote %d. Closes %s.", r.prefix, r.prefix, len(p.Options), r.when(p.Closes))
	}
	return b.String()
}

// when writes a time for residents: "Fri 9 Jan 17:00".
func (r *Feature) when(t time.Time) string { return t.In(r.location()).Format("Mon 2 Jan 15:04") }

// sendPoll follows a delivered notice with its native poll and records
// where it went, so votes there count under the right group and area. A
// poll that cannot be sent leaves typed !vote working.
func (r *Feature) sendPoll(ctx context.Context, n *Notice, p *PollSpec, row outboxRow, chat bot.ChatID) error {
	area, err := r.countArea(ctx, n, row)
	if err != nil {
		return err
	}
	if err := r.st.recordPollChat(ctx, pollChat{NoticeID: n.ID, Target: row.Target, Chat: string(chat), Area: area}); err != nil {
		return err
	}
	// At the notice's own priority, so the poll follows its message.
	pctx := bot.WithPriority(ctx, sendPriority(n.Urgency))
	id, err := r.out.SendPoll(pctx, pollKind, strconv.FormatInt(n.ID, 10), bot.OutPoll{Chat: chat, Question: p.Question, Options: p.Options, Multiple: p.Multiple})
	if err != nil {
		if sendSkippable(err) {
			r.log.Warn("notice poll not sent; typed votes still count", "notice", n.ID, "target", row.Target, bot.KeyErr, errorText(err))
			return nil
		}
		return err
	}
	return r.st.recordPollMessage(ctx, n.ID, row.Target, id)
}

// sendSkippable tells a failure to send (logged: typed votes make up for
// a missing poll, and a missing result line loses no data) from a failure
// to store, which must fail the job so it is retried.
func sendSkippable(err error) bool {
	for _, e := range []error{bot.ErrGroupOff, bot.ErrNotConnected, bot.ErrNotInChat, bot.ErrNoContact} {
		if errors.Is(err, e) {
			return true
		}
	}
	// Anything else is the send queue failing to store the message.
	return false
}

// countArea is the area a target's votes and comments count under: a
// group's areas, or the subscriber's subscription area that matched.
func (r *Feature) countArea(ctx context.Context, n *Notice, row outboxRow) (string, error) {
	if row.Person == 0 {
		gs, err := r.core.GroupSettings(ctx, bot.ChatID(row.Target))
		if err != nil {
			return "", err
		}
		return strings.Join(gs.Areas, ", "), nil
	}
	subs, err := r.st.subscriptions(ctx, row.Person)
	if err != nil {
		return "", err
	}
	for _, s := range subs {
		if subscriberWants(n, s) {
			return s.Area, nil
		}
	}
	if len(subs) > 0 {
		return subs[0].Area, nil
	}
	return "", nil
}

// pollChat is where a poll went.
type pollChat struct {
	NoticeID int64
	Target   string
	Chat     string
	Area     string
}

// openPollIn finds the newest open poll delivered to target (a group chat
// or person:ID), or one by notice id.
func (r *Feature) openPollIn(ctx context.Context, target string, notice int64) (*Notice, *PollSpec, error) {
	id, ok, err := r.st.openPollSentTo(ctx, target, notice)
	if err != nil || !ok {
		return nil, nil, err
	}
	n, err := r.st.notice(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := r.st.poll(ctx, id)
	if err != nil || p == nil {
		return nil, nil, err
	}
	return n, p, nil
}

// voteTarget is the outbox target of the chat a request came from.
func voteTarget(req *bot.Request) string {
	if req.Chat.IsGroup {
		return string(req.Chat.ID)
	}
	return personTarget(req.Sender.ID)
}

// pollVote receives a native poll vote: the voter's whole current
// selection (empty withdraws it).
func (r *Feature) pollVote(ctx context.Context, req *bot.Request) error {
	id, err := strconv.ParseInt(req.Poll.Ref, 10, 64)
	if err != nil {
		r.log.Warn("poll with a bad reference", "ref", req.Poll.Ref)
		return nil
	}
	n, p, err := r.openPollIn(ctx, voteTarget(req), id)
	if err != nil || p == nil {
		return err // a vote after close, or from a chat the poll never reached: ignored
	}
	if !req.Now().Before(p.Closes) {
		return nil
	}
	var choices []int
	for _, v := range req.Votes {
		for i, o := range p.Options {
			if o == v && !slices.Contains(choices, i) {
				choices = append(choices, i)
			}
		}
	}
	if len(choices) == 0 {
		// Un-ticked everything (or nothing known): the vote is withdrawn.
		return r.withdrawVote(ctx, n.ID, req.Sender.ID)
	}
	if !p.Multiple {
		choices = choices[:1]
	}
	return r.recordVote(ctx, n.ID, req.Sender.ID, voteTarget(req), choices, req.Now())
}

// recordVote makes choices the voter's whole current selection.
func (r *Feature) recordVote(ctx context.Context, notice, person int64, target string, choices []int, now time.Time) error {
	return r.st.setVote(ctx, notice, person, target, choices, now)
}

// currentChoices is the voter's current selection, in option order.
func (r *Feature) currentChoices(ctx context.Context, notice, person int64) ([]int, error) {
	return r.st.choices(ctx, notice, person)
}

// choiceWords writes "1. Yes" or "1. Sat, 3. Mon".
func choiceWords(p *PollSpec, choices []int) string {
	parts := make([]string, len(choices))
	for i, c := range choices {
		parts[i] = fmt.Sprintf("%d. %s", c+1, p.Options[c])
	}
	return strings.Join(parts, ", ")
}

// parseChoices reads "2", "1 3", "1, 3" or an option's own words.
func parseChoices(p *PollSpec, f []string) ([]int, bool) {
	joined := strings.Join(f, " ")
	for i, o := range p.Options {
		if strings.EqualFold(joined, o) {
			return []int{i}, true
		}
	}
	var out []int
	for _, tok := range strings.FieldsFunc(joined, func(r rune) bool { return r == ',' || r == ' ' }) {
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(tok, "#"), "."))
		if err != nil || k < 1 || k > len(p.Options) {
			return nil, false
		}
		if !slices.Contains(out, k-1) {
			out = append(out, k-1)
		}
	}
	if len(out) == 0 || (!p.Multiple && len(out) > 1) {
		return nil, false
	}
	slices.Sort(out)
	return out, true
}

func (r *Feature) withdrawVote(ctx context.Context, notice, person int64) error {
	return r.st.withdrawVote(ctx, notice, person)
}

// handleVote is the typed vote: !vote N for the newest open poll here,
// !vote with nothing to see it and one's own choice, !vote off to
// withdraw.
func (r *Feature) handleVote(ctx context.Context, req *bot.Request) error {
	n, p, err := r.openPollIn(ctx, voteTarget(req), 0)
	if err != nil {
		return err
	}
	if p == nil || !req.Now().Before(p.Closes) {
		return bot.Userf("There's no open council poll here.")
	}
	f := req.Fields()
	current, err := r.currentChoices(ctx, n.ID, req.Sender.ID)
	if err != nil {
		return err
	}
	if len(f) == 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "📊 %s", p.Question)
		for i, o := range p.Options {
			fmt.Fprintf(&b, "\n%d. %s", i+1, o)
		}
		if len(current) > 0 {
			fmt.Fprintf(&b, "\nYour vote: %s. ", choiceWords(p, current))
		} else {
			b.WriteString("\n")
		}
		if p.Multiple {
			fmt.Fprintf(&b, "Type %s and the numbers you choose (e.g. %s 1 %d) until %s.", req.Cmd("vote"), req.Cmd("vote"), len(p.Options), r.when(p.Closes))
		} else {
			fmt.Fprintf(&b, "Type %s N to vote (or change your vote) until %s.", req.Cmd("vote"), r.when(p.Closes))
		}
		return req.Reply(ctx, b.String())
	}
	if len(f) == 1 && (strings.EqualFold(f[0], "off") || strings.EqualFold(f[0], "withdraw")) {
		if len(current) == 0 {
			return req.Reply(ctx, "You haven't voted in this poll.")
		}
		if err := r.withdrawVote(ctx, n.ID, req.Sender.ID); err != nil {
			return err
		}
		return req.Reply(ctx, "Your vote is withdrawn.")
	}
	choices, ok := parseChoices(p, f)
	if !ok {
		if p.Multiple {
			return bot.Userf("Type %s followed by the option numbers you choose, from 1 to %d, e.g. %s 1 %d.", req.Cmd("vote"), len(p.Options), req.Cmd("vote"), len(p.Options))
		}
		return bot.Userf("Type %s followed by an option number from 1 to %d, e.g. %s 1 for %q.", req.Cmd("vote"), len(p.Options), req.Cmd("vote"), bot.Truncate(p.Options[0], 40))
	}
	if slices.Equal(current, choices) {
		return req.Reply(ctx, fmt.Sprintf("You already voted %s — nothing changed.", choiceWords(p, choices)))
	}
	if err := r.recordVote(ctx, n.ID, req.Sender.ID, voteTarget(req), choices, req.Now()); err != nil {
		return err
	}
	verb := "Vote counted"
	if len(current) > 0 {
		verb = "Vote changed"
	}
	return req.Reply(ctx, fmt.Sprintf("%s: %s. You can change it until %s.", verb, choiceWords(p, choices), r.when(p.Closes)))
}

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

package notices

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

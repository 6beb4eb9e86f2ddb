package lending

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"neighbourbot/bot"
)

// Errands: a member offers a run ("!errand tip Saturday 10am — can take 2
// bags"), neighbours join it with what they want taken or fetched, the
// runner gets the list by direct message shortly before setting off, and
// the errand and its signups are deleted once it has started.

func errandKey(id int64) string { return fmt.Sprintf("lending:errand:%d:", id) }

type errandPayload struct {
	Errand int64 `json:"errand"`
}

// handleErrand offers an errand, or cancels one ("!errand cancel tip").
func (f *Feature) handleErrand(ctx context.Context, req *bot.Request) error {
	usage := fmt.Sprintf("Usage: %s PLACE WHEN — e.g. %s tip Saturday 10am — can take 2 bags", req.Cmd("errand"), req.Cmd("errand"))
	subject, rawNote := bot.SplitNote(req.Args)
	words := strings.Fields(subject)
	if len(words) > 1 && strings.EqualFold(words[0], "cancel") {
		return f.cancelErrand(ctx, req, strings.Join(words[1:], " "))
	}
	if len(words) == 0 {
		return bot.Userf("%s", usage)
	}
	now := req.Now()
	// The time is the longest tail of the words that reads as one, so
	// "garden centre on Sat 10am" keeps "garden centre" as the place and
	// "tip 12 Jan 2025 10am" is a past date, not a place called "tip 12 Jan".
	split, whenErr := -1, errNoWhen
	var at time.Time
	for i := range words {
		t, err := parseWhen(words[i:], now, f.loc, nil)
		if err == nil || errors.Is(err, errNeedTime) || errors.Is(err, errPast) {
			split, at, whenErr = i, t, err
			break
		}
	}
	switch {
	case split == 0:
		return bot.Userf("Where to? e.g. %s tip %s", req.Cmd("errand"), bot.Truncate(strings.Join(words, " "), 30))
	case errors.Is(whenErr, errNeedTime):
		return bot.Userf("What time? e.g. %s %s Saturday 10am", req.Cmd("errand"), bot.Truncate(words[0], 30))
	case errors.Is(whenErr, errPast):
		return bot.Userf("That time has already gone — give one still to come, e.g. %s tip Saturday 10am.", req.Cmd("errand"))
	case split < 0:
		return bot.Userf("When are you going? %s", usage)
	}
	if at.Sub(now) > maxErrandAhead {
		return bot.Userf("That's more than a month ahead — offer it nearer the time.")
	}
	place, _, err := f.checkName(strings.Join(errandPlace(words[:split]), " "), usage)
	if err != nil {
		return err
	}
	note, err := checkNote(rawNote)
	if err != nil {
		return err
	}
	e := Errand{Chat: req.Chat.ID, RunnerID: req.Sender.ID, Place: place, Note: note, StartsAt: at, Created: now}
	if e.ID, err = f.st.addErrand(ctx, e); err != nil {
		return err
	}
	if err := f.scheduleErrand(ctx, e, now); err != nil {
		return err
	}
	msg := fmt.Sprintf("Errand: %s's %s, %s", req.Sender.DisplayName(), runName(place), formatWhen(at, f.loc))
	if note != "" {
		msg += " — " + note
	}
	msg += fmt.Sprintf(". Want something taken or fetched? Type %s %s and what.", req.Cmd("join"), typable(place))
	return req.Reply(ctx, msg)
}

// dropLeadingFiller turns "the tip 1 bag" into "tip 1 bag".
func dropLeadingFiller(words []string) []string {
	for len(words) > 0 && (strings.EqualFold(words[0], "the") || strings.EqualFold(words[0], "to") || strings.EqualFold(words[0], "for")) {
		words = words[1:]
	}
	return words
}

// scheduleErrand plans the runner's summary and the errand's expiry.
func (f *Feature) scheduleErrand(ctx context.Context, e Errand, now time.Time) error {
	if err := f.jobs.Schedule(ctx, jobErrandSummary, errandKey(e.ID)+"summary", f.summaryAt(e.StartsAt, now), errandPayload{e.ID}); err != nil {
		return err
	}
	return f.jobs.Schedule(ctx, jobErrandExpire, errandKey(e.ID)+"expire", e.StartsAt, errandPayload{e.ID})
}

// summaryAt is when the runner hears who joined: errand_summary_before the
// start. The runner asked for it, but not in the night: a time in quiet
// hours moves to their end when that is still before the start, otherwise
// to just before they began. An errand offered at short notice gets its
// summary halfway between now and the start, so joins still have a chance.
func (f *Feature) summaryAt(start, now time.Time) time.Time {
	at := start.Add(-f.cfg.ErrandSummaryBefore.D())
	if f.quiet.Contains(at) {
		if end := f.quiet.NextAllowed(at); end.Before(start) {
			at = end
		} else {
			qs := f.quiet.Start.On(at, f.loc)
			if qs.After(at) {
				qs = f.quiet.Start.On(at.In(f.loc).AddDate(0, 0, -1), f.loc)
			}
			at = qs.Add(-time.Minute)
		}
	}
	if !at.After(now) {
		at = now.Add(start.Sub(now) / 2)
	}
	return at
}

// cancelErrand lets the runner call an errand off; those who joined hear privately.
func (f *Feature) cancelErrand(ctx context.Context, req *bot.Request, placeText string) error {
	errands, err := f.st.openErrands(ctx, req.Chat.ID, req.Now())
	if err != nil {
		return err
	}
	words := parseItem(placeText)
	var cands []scored[Errand]
	for _, e := range errands {
		if e.RunnerID != req.Sender.ID {
			continue
		}
		if s := matchItems(words, parseItem(e.Place)); s > 0 {
			cands = append(cands, scored[Errand]{e, s})
		}
	}
	e, ties, ok := best(cands, func(e Errand) string { return e.Place })
	if ties != nil {
		return whichOne(ties, req.Cmd("errand")+" cancel "+typable(ties[0]))
	}
	if !ok {
		return bot.Userf("You have no errand to %q coming up here. %s lists them.", bot.Truncate(placeText, 40), req.Cmd("errands"))
	}
	sg, err := f.st.signups(ctx, e.ID)
	if err != nil {
		return err
	}
	if err := f.st.deleteErrand(ctx, e.ID); err != nil {
		return err
	}
	if err := f.jobs.Cancel(ctx, errandKey(e.ID)); err != nil {
		return err
	}
	group := f.groupName(ctx, e.Chat)
	told := 0
	var unreached []string
	var mentions []bot.Mention
	for _, s := range sg {
		p, err := f.person(ctx, s.PersonID)
		if err != nil {
			return err
		}
		reachable, err := f.tell(ctx, e.Chat, p, fmt.Sprintf("%s has called off the %s on %s in %s.", bot.AtSentenceStart(req.Sender.DisplayName()), runName(e.Place), formatWhen(e.StartsAt, f.loc), group))
		switch {
		case err != nil:
			f.log().Warn("tell joiner of cancelled errand", "person", s.PersonID, bot.KeyErr, err)
			told++ // counted as told: the failure is the bot's, not a reason to mention them
		case reachable:
			told++
		case p.ID != 0:
			// Never addressed the bot: they hear it here instead.
			unreached = append(unreached, "@"+p.DisplayName())
			mentions = append(mentions, bot.MentionOf(p))
		}
	}
	msg := fmt.Sprintf("Called off: your %s on %s.", runName(e.Place), formatWhen(e.StartsAt, f.loc))
	if told > 0 {
		msg += fmt.Sprintf(" The %s who joined will hear from me privately.", bot.Plural(told, "neighbour", "neighbours"))
	}
	if len(unreached) > 0 {
		msg += fmt.Sprintf(" %s, you had joined it.", joinNames(unreached))
	}
	return req.Reply(ctx, msg, mentions...)
}

// findErrand picks the errand a !join or !unjoin means from the words
// typed after the command: the one whose place they start with, matched as
// forgivingly as items are (case, plurals, typos, one word or two, and
// "garden" for "garden centre"), so "shops" never lands on the tip run.
// rest is the text after the place. With no place typed (nothing, or an
// amount such as "1 bag" or "a box") and only one errand, that one is meant.
// ties names the places that fit equally well.
func (f *Feature) findErrand(errands []Errand, words []string) (e Errand, rest []string, ties []string, ok bool) {
	var cands []scored[Errand]
	var rests = map[int64][]string{}
	for _, er := range errands {
		if score, k, fits := placeMatch(words, parseItem(er.Place)); fits {
			cands = append(cands, scored[Errand]{er, score})
			rest := words[k:]
			// "!join tip run 1 bag": the run is the errand, not the bag's.
			for len(rest) > 0 && runWords[strings.ToLower(rest[0])] {
				rest = rest[1:]
			}
			rests[er.ID] = rest
		}
	}
	e, ties, ok = best(cands, func(e Errand) string { return e.Place })
	if ok {
		return e, rests[e.ID], nil, true
	}
	if ties == nil && len(errands) == 1 && noPlaceGiven(words) {
		return errands[0], words, nil, true
	}
	return Errand{}, nil, ties, false
}

// placeMatch scores how well the words start with a place: every meaningful
// word of the start must be a word of the place (the rest is what someone
// wants taken or fetched); the more of the place's words they name, the
// better, naming all of it better still; typos cost a little. k is how many words the place took; with
// several starts that name as much, the shortest, so "shops shopping bag"
// keeps "shopping bag" as the note.
func placeMatch(words []string, place itemWords) (score float64, k int, ok bool) {
	if place.empty() {
		return 0, 0, false
	}
	// A place is a few words; a few more allow for filler ("the", "of")
	// and a compound split in two.
	for n := 1; n <= min(len(words), len(place.stems)+4); n++ {
		head := parseItem(strings.Join(words[:n], " "))
		if head.empty() {
			continue
		}
		named, cost := 0, 0
		if c, same := wordCost(strings.Join(head.stems, ""), strings.Join(place.stems, "")); same && len(head.stems) != len(place.stems) {
			// A compound written as one word or two: gardencentre / garden centre.
			named, cost = len(place.stems), c
		} else if c, covers := covered(head.stems, place.stems); covers {
			named, cost = len(place.stems)-missing(place.stems, head.stems), c
		} else {
			continue // a longer start may still be a compound split in two
		}
		s := float64(named) - 0.1*float64(cost)
		if named == len(place.stems) {
			s += 0.5 // the whole place beats part of a longer one: "garden" is not "garden centre"
		}
		if !ok || s > score {
			score, k, ok = s, n, true
		}
	}
	return score, k, ok
}

// missing counts the words of want that no word of have matches.
func missing(want, have []string) int {
	n := 0
	for _, w := range want {
		if _, found := covered([]string{w}, have); !found {
			n++
		}
	}
	return n
}

// noPlaceGiven reports whether !join's words name no place at all: nothing,
// or an amount ("1 bag", "2 bags", "a box", "some bread").
func noPlaceGiven(words []string) bool {
	if len(words) == 0 {
		return true
	}
	first := strings.ToLower(words[0])
	if first == "a" || first == "an" || first == "some" {
		return true
	}
	return unicode.IsDigit([]rune(first)[0])
}

// errandList writes "tip (Carol, Sat 10 Jan 10:00)" for replies.
func (f *Feature) errandList(ctx context.Context, errands []Errand) (string, error) {
	parts := make([]string, 0, len(errands))
	for _, e := range errands {
		r, err := f.person(ctx, e.RunnerID)
		if err != nil {
			return "", err
		}
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", e.Place, r.DisplayName(), formatWhen(e.StartsAt, f.loc)))
	}
	return strings.Join(parts, "; "), nil
}

// handleJoin signs the sender up to an errand.
func (f *Feature) handleJoin(ctx context.Context, req *bot.Request) error {
	errands, err := f.st.openErrands(ctx, req.Chat.ID, req.Now())
	if err != nil {
		return err
	}
	if len(errands) == 0 {
		return bot.Userf("No errands are coming up here. Offer one with %s tip Saturday 10am — can take 2 bags.", req.Cmd("errand"))
	}
	words := dropLeadingFiller(strings.Fields(req.Args))
	e, rest, ties, ok := f.findErrand(errands, words)
	if !ok {
		if ties != nil {
			return whichOne(ties, req.Cmd("join")+" "+typable(ties[0])+" 1 bag")
		}
		list, err := f.errandList(ctx, errands)
		if err != nil {
			return err
		}
		if noPlaceGiven(words) {
			return bot.Userf("Which errand? Coming up: %s. Type %s PLACE and what, e.g. %s %s 1 bag.", list, req.Cmd("join"), req.Cmd("join"), typable(errands[0].Place))
		}
		// A place nobody is going to: never join another errand instead.
		place := "PLACE"
		if len(errands) == 1 {
			place = typable(errands[0].Place)
		}
		return bot.Userf("No errand to %s coming up here. Coming up: %s. Join with %s %s and what, e.g. %s %s 1 bag.",
			bot.Truncate(words[0], 30), list, req.Cmd("join"), place, req.Cmd("join"), typable(errands[0].Place))
	}
	if e.RunnerID == req.Sender.ID {
		return bot.Userf("That's your own errand — %s shows who joined.", req.Cmd("errands"))
	}
	note, err := checkNote(strings.Join(rest, " "))
	if err != nil {
		return err
	}
	already, err := f.st.join(ctx, Signup{ErrandID: e.ID, PersonID: req.Sender.ID, Note: note, Joined: req.Now()})
	if err != nil {
		return err
	}
	sg, err := f.st.signups(ctx, e.ID)
	if err != nil {
		return err
	}
	runner, err := f.person(ctx, e.RunnerID)
	if err != nil {
		return err
	}
	verb := "joins"
	switch {
	case already && note == "":
		// Nothing new said: the earlier note stands.
		verb = "is already on"
		for _, x := range sg {
			if x.PersonID == req.Sender.ID {
				note = x.Note
			}
		}
	case already:
		verb = "updated their place on"
	}
	msg := fmt.Sprintf("%s %s %s's %s (%s)", bot.AtSentenceStart(req.Sender.DisplayName()), verb, runner.DisplayName(), runName(e.Place), formatWhen(e.StartsAt, f.loc))
	if note != "" {
		msg += ": " + note
	}
	msg += fmt.Sprintf(". %s so far. %s %s takes you off.", bot.Plural(len(sg), "neighbour has joined", "neighbours have joined"), req.Cmd("unjoin"), typable(e.Place))
	return req.Reply(ctx, msg)
}

// handleUnjoin takes the sender off an errand.
func (f *Feature) handleUnjoin(ctx context.Context, req *bot.Request) error {
	errands, err := f.st.openErrands(ctx, req.Chat.ID, req.Now())
	if err != nil {
		return err
	}
	var joined []Errand
	for _, e := range errands {
		sg, err := f.st.signups(ctx, e.ID)
		if err != nil {
			return err
		}
		for _, s := range sg {
			if s.PersonID == req.Sender.ID {
				joined = append(joined, e)
			}
		}
	}
	if len(joined) == 0 {
		return bot.Userf("You haven't joined an errand here. %s lists them.", req.Cmd("errands"))
	}
	words := dropLeadingFiller(strings.Fields(req.Args))
	e, _, ties, ok := f.findErrand(joined, words)
	if !ok {
		if ties == nil && !noPlaceGiven(words) {
			list, err := f.errandList(ctx, joined)
			if err != nil {
				return err
			}
			return bot.Userf("You haven't joined an errand to %s here. You joined: %s. %s %s takes you off.",
				bot.Truncate(words[0], 30), list, req.Cmd("unjoin"), typable(joined[0].Place))
		}
		if ties == nil {
			for _, j := range joined {
				ties = append(ties, j.Place)
			}
		}
		return whichOne(ties, req.Cmd("unjoin")+" "+typable(ties[0]))
	}
	if _, err := f.st.unjoin(ctx, e.ID, req.Sender.ID); err != nil {
		return err
	}
	runner, err := f.person(ctx, e.RunnerID)
	if err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Done — you're off %s's %s (%s).", runner.DisplayName(), runName(e.Place), formatWhen(e.StartsAt, f.loc)))
}

// handleErrands lists the errands coming up and who joined.
func (f *Feature) handleErrands(ctx context.Context, req *bot.Request) error {
	if !req.Chat.IsGroup {
		return f.errandsPrivately(ctx, req)
	}
	errands, err := f.st.openErrands(ctx, req.Chat.ID, req.Now())
	if err != nil {
		return err
	}
	if len(errands) == 0 {
		return req.Reply(ctx, fmt.Sprintf("No errands are coming up here. Offer one with %s tip Saturday 10am — can take 2 bags.", req.Cmd("errand")))
	}
	// A short post: the soonest first; "Errands coming up:", "…and N
	// more" and the "Join with" line take three of the lines.
	lines, shown, err := f.errandLines(ctx, errands, groupListLines-3)
	if err != nil {
		return err
	}
	lines = append([]string{"Errands coming up:"}, lines...)
	if more := len(errands) - shown; more > 0 {
		lines = append(lines, fmt.Sprintf("…and %d more — message me %s for the full list.", more, req.Cmd("errands")))
	}
	lines = append(lines, fmt.Sprintf("Join with %s PLACE and what, e.g. %s %s 1 bag.", req.Cmd("join"), req.Cmd("join"), typable(errands[0].Place)))
	return req.Reply(ctx, strings.Join(lines, "\n"))
}

// errandsPrivately is !errands in a direct message: every errand coming up
// in each of the sender's groups where lending is on.
func (f *Feature) errandsPrivately(ctx context.Context, req *bot.Request) error {
	chats, err := f.core.MemberGroups(ctx, req.Sender.ID)
	if err != nil {
		return fmt.Errorf("member groups: %w", err)
	}
	var out []string
	for _, chat := range chats {
		gs, err := f.core.GroupSettings(ctx, chat)
		if err != nil {
			return fmt.Errorf("group settings: %w", err)
		}
		if !gs.Enabled || !gs.FeatureOn(FeatureName) {
			continue
		}
		errands, err := f.st.openErrands(ctx, chat, req.Now())
		if err != nil {
			return err
		}
		if len(errands) == 0 {
			continue
		}
		lines, shown, err := f.errandLines(ctx, errands, maxListed)
		if err != nil {
			return err
		}
		if more := len(errands) - shown; more > 0 {
			lines = append(lines, fmt.Sprintf("…and %d more.", more))
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, "*"+groupLabel(gs.Name)+"*")
		out = append(out, lines...)
	}
	if len(out) == 0 {
		return req.Reply(ctx, fmt.Sprintf("No errands are coming up in your groups. Offer one in a group with %s tip Saturday 10am.", req.Cmd("errand")))
	}
	out = append(out, fmt.Sprintf("Join in the group with %s PLACE and what.", req.Cmd("join")))
	return req.Reply(ctx, strings.Join(out, "\n"))
}

// errandLines writes errands, soonest first, each with who joined, in at
// most budget lines, and says how many it wrote.
func (f *Feature) errandLines(ctx context.Context, errands []Errand, budget int) ([]string, int, error) {
	var lines []string
	shown := 0
	for _, e := range errands {
		sg, err := f.st.signups(ctx, e.ID)
		if err != nil {
			return nil, 0, err
		}
		need := 1
		if len(sg) > 0 {
			need++
		}
		if len(lines)+need > budget {
			break
		}
		runner, err := f.person(ctx, e.RunnerID)
		if err != nil {
			return nil, 0, err
		}
		line := fmt.Sprintf("• %s — %s, %s", e.Place, runner.DisplayName(), formatWhen(e.StartsAt, f.loc))
		if e.Note != "" {
			line += ": " + e.Note
		}
		lines = append(lines, line)
		who, err := f.signupList(ctx, sg)
		if err != nil {
			return nil, 0, err
		}
		if len(who) > 0 {
			lines = append(lines, "  joined: "+strings.Join(who, "; "))
		}
		shown++
	}
	return lines, shown, nil
}

// signupList writes "Bob (1 bag of garden waste)" for each signup.
func (f *Feature) signupList(ctx context.Context, sg []Signup) ([]string, error) {
	out := make([]string, 0, len(sg))
	for _, s := range sg {
		p, err := f.person(ctx, s.PersonID)
		if err != nil {
			return nil, err
		}
		if s.Note != "" {
			out = append(out, fmt.Sprintf("%s (%s)", p.DisplayName(), s.Note))
		} else {
			out = append(out, p.DisplayName())
		}
	}
	return out, nil
}

// runErrandSummary tells the runner, privately, who joined. A runner the
// bot may not message (they have not addressed it since an upgrade brought
// in that rule) gets the list in the group instead, where !errands shows
// it anyway; only someone joined makes that worth a group post, and never
// in quiet hours. A group that stopped listening (see groupStillListens)
// gets no summary at all: it is a one-off about a group where the bot no
// longer answers.
func (f *Feature) runErrandSummary(ctx context.Context, job bot.Job, p errandPayload) error {
	e, ok, err := f.st.errand(ctx, p.Errand)
	if err != nil || !ok {
		return err
	}
	if held, err := f.summaryHeld(ctx, job, e); held || err != nil {
		return err
	}
	if listens, err := f.groupStillListens(ctx, e.Chat); err != nil || !listens {
		return err
	}
	runner, err := f.person(ctx, e.RunnerID)
	if err != nil || runner.Addr == "" {
		return err
	}
	sg, err := f.st.signups(ctx, e.ID)
	if err != nil {
		return err
	}
	group := f.groupName(ctx, e.Chat)
	when := formatWhen(e.StartsAt, f.loc)
	if len(sg) == 0 {
		_, err := f.dm(ctx, runner, fmt.Sprintf("Your %s (%s, %s) starts soon. Nobody has joined — enjoy the quiet trip!", runName(e.Place), when, group))
		return err
	}
	who, err := f.signupList(ctx, sg)
	if err != nil {
		return err
	}
	lines := []string{fmt.Sprintf("Your %s (%s, %s) starts soon. %s:", runName(e.Place), when, group, bot.Plural(len(sg), "neighbour joined", "neighbours joined"))}
	for _, w := range who {
		lines = append(lines, "• "+w)
	}
	sent, err := f.dm(ctx, runner, strings.Join(lines, "\n"))
	if sent || err != nil {
		return err
	}
	// A summary still due in quiet hours had no later useful moment (see
	// summaryHeld): the runner set off in the night, which is theirs to
	// choose, but the group did not, and !errands shows the list anyway.
	if f.quiet.Contains(f.clock.Now()) {
		return nil
	}
	lines[0] = fmt.Sprintf("@%s, your %s (%s) starts soon. %s:", runner.DisplayName(), runName(e.Place), when, bot.Plural(len(sg), "neighbour joined", "neighbours joined"))
	_, err = f.out.Send(ctx, bot.OutMessage{Chat: e.Chat, Text: strings.Join(lines, "\n"), Mentions: []bot.Mention{bot.MentionOf(runner)}})
	return err
}

// summaryHeld keeps a summary that comes due in quiet hours for their end
// when that is still before the errand starts; otherwise for the planned
// moment (errand_summary_before the start) if that is still to come. A
// summary with no later useful moment goes now: the runner chose to set
// off in the night, and a list after they left is no use.
func (f *Feature) summaryHeld(ctx context.Context, job bot.Job, e Errand) (bool, error) {
	now := f.clock.Now()
	if !f.quiet.Contains(now) {
		return false, nil
	}
	at := f.quiet.NextAllowed(now)
	if !at.Before(e.StartsAt) {
		at = e.StartsAt.Add(-f.cfg.ErrandSummaryBefore.D())
	}
	if !at.After(now) {
		return false, nil
	}
	return true, f.holdUntil(ctx, job, at)
}

// runErrandExpire deletes an errand once it has started.
func (f *Feature) runErrandExpire(ctx context.Context, job bot.Job, p errandPayload) error {
	return f.st.deleteErrand(ctx, p.Errand)
}

// runWords end a place that already says it is a run: "tip run", "school
// run", "shopping trip".
var runWords = map[string]bool{"run": true, "runs": true, "trip": true, "trips": true, "errand": true, "journey": true}

// errandPlace drops a trailing "run" or "trip" from the place words ("tip
// run" is the tip), unless nothing else is left: every reply says "run".
func errandPlace(words []string) []string {
	for len(words) > 1 && runWords[strings.ToLower(strings.Trim(words[len(words)-1], ",.!?"))] {
		words = words[:len(words)-1]
	}
	return words
}

// runName names an errand as a run: "tip run"; a place that already ends
// in one (stored before errandPlace, or "run" alone) is not doubled.
func runName(place string) string {
	f := strings.Fields(place)
	if len(f) > 0 && runWords[strings.ToLower(f[len(f)-1])] {
		return place
	}
	return place + " run"
}

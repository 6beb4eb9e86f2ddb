package lending

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// handleLent records that the sender lent a listed item to a mentioned
// member. A period it cannot read is asked about ("until when?") and the
// loan waits for the answer (onLentAnswer): it never runs to the default.
func (f *Feature) handleLent(ctx context.Context, req *bot.Request) error {
	usage := fmt.Sprintf("Usage: %s ITEM @name [for 3d | until Saturday] — e.g. %s ladder @Bob for 3d", req.Cmd("lent"), req.Cmd("lent"))
	mentioned, err := req.Mentioned(ctx)
	if err != nil {
		return err
	}
	now := req.Now()
	sp := findPeriod(strings.Fields(req.StripMentions(req.Args)), now, f.loc, f.cfg.DueTime)
	if sp.odd == "" {
		if several, ok, err := f.severalLoans(ctx, req, strings.Join(sp.item, " ")); err != nil || ok {
			if err != nil {
				return err
			}
			return f.lentSeveral(ctx, req, mentioned, several, sp)
		}
	}
	name, words, err := f.checkName(strings.Join(sp.item, " "), usage)
	if err != nil {
		if sp.odd != "" {
			return periodQuestion(sp.odd, sp.guess)
		}
		return err
	}
	borrower, err := f.lentBorrower(ctx, req, mentioned, name, sp.item, sp.period)
	if err != nil {
		return err
	}
	listing, err := f.ownListing(ctx, req, name, words, "lent")
	if err != nil {
		return err
	}
	if err := f.checkNotOut(ctx, req, listing); err != nil {
		return err
	}
	if sp.odd != "" {
		return f.askLentPeriod(ctx, req, listing, borrower, sp)
	}
	due, note := dueAfter(now, f.cfg.LoanPeriod.D(), f.loc, f.cfg.DueTime), ""
	if len(sp.period) > 0 {
		if due, note, err = f.readPeriod(sp.period, now, now); err != nil {
			return err
		}
	}
	return f.lend(ctx, req, listing, borrower, due, note)
}

// lend records the loan and says so in the group.
func (f *Feature) lend(ctx context.Context, req *bot.Request, listing Listing, borrower bot.Person, due time.Time, note string) error {
	now := req.Now()
	loan := Loan{Chat: req.Chat.ID, ListingID: listing.ID, Item: listing.Name, OwnerID: req.Sender.ID, BorrowerID: borrower.ID,
		LentAt: now, DueAt: due, State: stateOut}
	if err := f.recordLoan(ctx, &loan, now); err != nil {
		return err
	}
	if err := f.st.dropLentQuestion(ctx, req.Chat.ID, req.Sender.ID); err != nil {
		return err
	}
	ask, err := f.askToAddress(ctx, req, borrower)
	if err != nil {
		return err
	}
	remind := fmt.Sprintf(" I'll remind %s privately before it's due.", borrower.DisplayName())
	if ask != "" {
		remind = ""
	}
	return f.replyAbout(ctx, req, loan.ID, fmt.Sprintf("Noted: @%s has %s's %s until %s.%s%s %s, type %s %s when you give it back.%s",
		borrower.DisplayName(), req.Sender.DisplayName(), listing.Name, formatDue(due, f.loc, f.cfg.DueTime), noteSentence(note),
		remind, bot.AtSentenceStart(borrower.DisplayName()), req.Cmd("returned"), typable(listing.Name), ask), bot.MentionOf(borrower))
}

// replyAbout answers in the group, quoting the command, and remembers the
// answer as one about the loan, so that the owner's 👍 on it confirms a
// return the borrower reported (onReaction), whichever message they pick.
func (f *Feature) replyAbout(ctx context.Context, req *bot.Request, loanID int64, text string, mentions ...bot.Mention) error {
	return f.replyAboutAll(ctx, req, []int64{loanID}, text, mentions...)
}

// replyAboutAll is replyAbout for an answer about several loans.
func (f *Feature) replyAboutAll(ctx context.Context, req *bot.Request, loanIDs []int64, text string, mentions ...bot.Mention) error {
	out := bot.OutMessage{Chat: req.Chat.ID, Text: text, Mentions: mentions}
	if req.Msg != nil && req.Msg.ID != "" {
		ref := req.Msg.Ref()
		out.ReplyTo = &ref
	}
	req.Take()
	id, err := f.out.Send(ctx, out)
	if err != nil {
		return err
	}
	for _, loanID := range loanIDs {
		if err := f.st.noteLoanMsg(ctx, req.Chat.ID, id, loanID); err != nil {
			return err
		}
	}
	return nil
}

// noteSentence writes a period's note ("next Friday: I've taken that as
// Fri 16 Jan, not tomorrow") as a sentence of a reply.
func noteSentence(note string) string {
	if note == "" {
		return ""
	}
	return " (" + strings.ToUpper(note[:1]) + note[1:] + ".)"
}

// lentQuestionTTL is how long a !lent waits for the answer to "until when?".
const lentQuestionTTL = 30 * time.Minute

// askLentPeriod asks the lender until when, and keeps the !lent waiting
// for the answer; nothing is recorded yet.
func (f *Feature) askLentPeriod(ctx context.Context, req *bot.Request, listing Listing, borrower bot.Person, sp periodSpan) error {
	q := lentQuestion{Chat: req.Chat.ID, OwnerID: req.Sender.ID, ListingID: listing.ID, BorrowerID: borrower.ID, AskedAt: req.Now()}
	if err := f.st.askLent(ctx, q); err != nil {
		return err
	}
	guess := ""
	if sp.guess != "" {
		guess = fmt.Sprintf(" Did you mean %s?", sp.guess)
	}
	return req.Reply(ctx, fmt.Sprintf("I can't read %q as a loan period, so I haven't noted the %s yet.%s Until when? e.g. 3d, until Sat — just reply with that.",
		bot.Truncate(sp.odd, 40), listing.Name, guess))
}

// onLentAnswer takes the lender's next message in the group, when it reads
// as a period and nothing else, as the answer to "until when?" and records
// the loan. Other chatter is left alone; a period it still cannot read is
// asked about again.
func (f *Feature) onLentAnswer(ctx context.Context, req *bot.Request) error {
	m := req.Msg
	if !req.Chat.IsGroup || req.Taken() || m == nil || m.Reaction != nil || m.PollVote != nil || !req.Group.FeatureOn(FeatureName) {
		return nil
	}
	words := strings.Fields(m.Text)
	if len(words) == 0 || len(words) > maxPeriodWords {
		return nil
	}
	now := req.Now()
	q, ok, err := f.st.lentAsked(ctx, req.Chat.ID, req.Sender.ID, now.Add(-lentQuestionTTL))
	if err != nil || !ok {
		return err
	}
	sp := findPeriod(words, now, f.loc, f.cfg.DueTime)
	switch {
	case sp.odd != "" && len(sp.item) == 0:
		return replyUserError(ctx, req, periodQuestion(sp.odd, sp.guess))
	case len(sp.period) == 0 || len(sp.item) > 0:
		return nil // chatter, not the answer
	}
	return replyUserError(ctx, req, f.answerLent(ctx, req, q, sp.period))
}

// replyUserError answers a listener's user error in the chat, as the
// engine does for a command's; other errors are returned.
func replyUserError(ctx context.Context, req *bot.Request, err error) error {
	if msg, ok := bot.UserMessage(err); ok {
		return req.Reply(ctx, msg)
	}
	return err
}

// answerLent records the loan a !lent asked about, now its period is known.
func (f *Feature) answerLent(ctx context.Context, req *bot.Request, q lentQuestion, period []string) error {
	now := req.Now()
	listing, found, err := f.st.listing(ctx, q.ListingID)
	if err != nil || !found {
		return err
	}
	borrower, err := f.person(ctx, q.BorrowerID)
	if err != nil {
		return err
	}
	if err := f.checkNotOut(ctx, req, listing); err != nil {
		return err
	}
	due, note, err := f.readPeriod(period, now, now)
	if err != nil {
		return err
	}
	return f.lend(ctx, req, listing, borrower, due, note)
}

// lentBorrower is the one member of this group, other than the sender, that
// a !lent mentions; any other case is answered with how to name them.
func (f *Feature) lentBorrower(ctx context.Context, req *bot.Request, mentioned []bot.Person, name string, itemW, periodW []string) (bot.Person, error) {
	switch {
	case len(mentioned) == 0:
		// "!lent ladder Dave": a member's name typed without the @.
		typed, item, err := f.trailingMemberName(ctx, req.Chat.ID, itemW)
		if err != nil {
			return bot.Person{}, err
		}
		if typed != "" {
			suggest := append(append(append([]string{}, item...), "@"+typed), periodW...)
			return bot.Person{}, bot.Userf("Who to? Mention them with @: %s %s", req.Cmd("lent"), strings.Join(suggest, " "))
		}
		return bot.Person{}, bot.Userf("Who to? Mention them: %s %s @name [for 3d | until Saturday].", req.Cmd("lent"), typable(name))
	case len(distinctPeople(mentioned)) > 1:
		return bot.Person{}, bot.Userf("One borrower at a time, please: %s %s @name.", req.Cmd("lent"), typable(name))
	}
	borrower := distinctPeople(mentioned)[0]
	if borrower.ID == req.Sender.ID {
		return bot.Person{}, bot.Userf("That's you! Mention the neighbour who has it: %s %s @name.", req.Cmd("lent"), typable(name))
	}
	in, err := f.groups.InGroup(ctx, req.Chat.ID, borrower)
	if err != nil {
		return bot.Person{}, err
	}
	if !in {
		return bot.Person{}, bot.Userf("%s isn't in this group — mention someone here: %s %s @name.", borrower.DisplayName(), req.Cmd("lent"), typable(name))
	}
	return borrower, nil
}

// distinctPeople drops repeats: "!lent lawnmower @Jo, wheelbarrow @Jo"
// mentions one person twice.
func distinctPeople(ps []bot.Person) []bot.Person {
	var out []bot.Person
	seen := map[int64]bool{}
	for _, p := range ps {
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}

// lentSeveral is !lent of several listings to one borrower.
func (f *Feature) lentSeveral(ctx context.Context, req *bot.Request, mentioned []bot.Person, listings []Listing, sp periodSpan) error {
	names := make([]string, len(listings))
	for i, l := range listings {
		names[i] = l.Name
	}
	borrower, err := f.lentBorrower(ctx, req, mentioned, joinNames(names), sp.item, sp.period)
	if err != nil {
		return err
	}
	now := req.Now()
	due, note := dueAfter(now, f.cfg.LoanPeriod.D(), f.loc, f.cfg.DueTime), ""
	if len(sp.period) > 0 {
		if due, note, err = f.readPeriod(sp.period, now, now); err != nil {
			return err
		}
	}
	return f.lendSeveral(ctx, req, listings, borrower, due, note)
}

// checkNotOut refuses to lend a listing that is already out on loan.
func (f *Feature) checkNotOut(ctx context.Context, req *bot.Request, listing Listing) error {
	loan, out, err := f.st.openLoanOfListing(ctx, listing.ID)
	if err != nil || !out {
		return err
	}
	b, err := f.person(ctx, loan.BorrowerID)
	if err != nil {
		return err
	}
	return bot.Userf("Your %s is already out with %s — type %s %s when it's back.", listing.Name, b.DisplayName(), req.Cmd("returned"), typable(listing.Name))
}

// recordLoan stores a new loan, answering the borrower's own requests for
// the thing, and schedules its reminder.
func (f *Feature) recordLoan(ctx context.Context, loan *Loan, now time.Time) error {
	wants, err := f.st.personWants(ctx, loan.Chat, loan.BorrowerID, now)
	if err != nil {
		return err
	}
	var answered []int64
	for _, w := range wants {
		if matchRequest(parseItem(w.Text), parseItem(loan.Item)) > 0 {
			answered = append(answered, w.ID)
		}
	}
	if loan.ID, err = f.st.createLoan(ctx, *loan, answered); err != nil {
		return err
	}
	for _, id := range answered {
		if err := f.jobs.Cancel(ctx, wantKey(id)); err != nil {
			return err
		}
	}
	return f.scheduleReminder(ctx, *loan, now)
}

// trailingMemberName finds a group member's name typed at the end of the
// words without an @ ("ladder Dave"): the last two words or the last one,
// as the member's full name or first name, ignoring case and accents. It
// returns the name as typed and the words before it, or "" when the words
// do not end with a member's name or nothing would be left before it.
func (f *Feature) trailingMemberName(ctx context.Context, chat bot.ChatID, words []string) (typed string, rest []string, err error) {
	members, err := f.core.GroupMembers(ctx, chat)
	if err != nil {
		return "", nil, err
	}
	known := map[string]bool{}
	for _, m := range members {
		n := m.Name
		p := bot.Person{Name: n}
		if p.DisplayName() != strings.TrimSpace(n) {
			continue // a phone number in place of a name: nothing to type
		}
		full := foldText(strings.Join(strings.Fields(n), " "))
		f := strings.Fields(full)
		if len(f) == 0 {
			continue // a name of marks alone folds to nothing
		}
		known[full] = true
		known[f[0]] = true
	}
	for k := 2; k >= 1; k-- {
		if len(words) <= k {
			continue
		}
		tail := strings.TrimRight(strings.Join(words[len(words)-k:], " "), ".,;:!?")
		if known[foldText(tail)] {
			return tail, words[:len(words)-k], nil
		}
	}
	return "", nil, nil
}

// askToAddress is the line that asks a borrower the bot may not message
// yet to address it once, so their reminders can reach them; "" for
// someone it may message.
func (f *Feature) askToAddress(ctx context.Context, req *bot.Request, borrower bot.Person) (string, error) {
	ok, err := f.canDM(ctx, borrower)
	if err != nil || ok {
		return "", err
	}
	// Only a direct message makes someone reachable privately (a command in
	// the group is not enough: WhatsApp treats that DM as cold outreach).
	return fmt.Sprintf("\n%s, send me a private message (%s) once so I can remind you privately before it's due.",
		bot.AtSentenceStart(borrower.DisplayName()), req.Cmd("mine")), nil
}

// readPeriod reads a loan period and checks it against the group's limit;
// note says which date an ambiguous period was taken as.
func (f *Feature) readPeriod(words []string, now, base time.Time) (time.Time, string, error) {
	text := strings.Join(words, " ")
	r, err := readPeriodWords(words, now, base, f.loc, f.cfg.DueTime)
	due := r.at
	switch {
	case errors.Is(err, errPast):
		return time.Time{}, "", bot.Userf("%q is already past — pick a later day, e.g. until Saturday or for 3d.", bot.Truncate(text, 40))
	case err != nil:
		return time.Time{}, "", periodError(text)
	case !due.After(now):
		return time.Time{}, "", bot.Userf("%q is already past — pick a later day, e.g. until Saturday or for 3d.", bot.Truncate(text, 40))
	case due.Sub(now) > f.cfg.MaxLoanPeriod.D():
		return time.Time{}, "", bot.Userf("That's longer than loans can run here (%s) — pick a shorter period, e.g. for 2 weeks.", bot.FormatDuration(f.cfg.MaxLoanPeriod.D()))
	}
	return due, r.note, nil
}

// ownListing finds the sender's item listing by name, or says how to list it.
func (f *Feature) ownListing(ctx context.Context, req *bot.Request, name string, words itemWords, cmd string) (Listing, error) {
	mine, err := f.st.ownerListings(ctx, req.Chat.ID, req.Sender.ID)
	if err != nil {
		return Listing{}, err
	}
	var cands []scored[Listing]
	for _, l := range mine {
		if l.Kind != kindItem {
			continue
		}
		if s := matchItems(words, parseItem(l.Name)); s > 0 {
			cands = append(cands, scored[Listing]{l, s})
		}
	}
	l, ties, ok := best(cands, func(l Listing) string { return l.Name })
	if ties != nil {
		return Listing{}, whichOne(ties, req.Cmd(cmd)+" "+typable(ties[0])+" @name")
	}
	if !ok {
		short := bot.Truncate(name, 40)
		return Listing{}, bot.Userf("You haven't listed %s here — list it first with %s %s, then %s %s @name.",
			articled(short), req.Cmd("lend"), short, req.Cmd("lent"), typable(short))
	}
	return l, nil
}

// findLoan finds an open loan in this group by item name among those the
// sender is part of; keep filters them (nil = all). Ambiguous names get a
// "which one?" reply showing retry(item) for each, and no match gets
// notFound, both as user errors.
func (f *Feature) findLoan(ctx context.Context, req *bot.Request, words itemWords, keep func(Loan) bool, retry func(item string) string, notFound string) (Loan, error) {
	loans, err := f.st.personOpenLoans(ctx, req.Chat.ID, req.Sender.ID)
	if err != nil {
		return Loan{}, err
	}
	var cands []scored[Loan]
	for _, l := range loans {
		if keep != nil && !keep(l) {
			continue
		}
		if s := matchItems(words, parseItem(l.Item)); s > 0 {
			cands = append(cands, scored[Loan]{l, s})
		}
	}
	l, ties, ok := best(cands, func(l Loan) string { return l.Item })
	if ties != nil {
		return Loan{}, whichOne(ties, retry(typable(ties[0])))
	}
	if !ok {
		return Loan{}, bot.Userf("%s", notFound)
	}
	return l, nil
}

// notOnLoan is findLoan's refusal for a name matching none of the
// sender's loans.
func notOnLoan(req *bot.Request, name string) string {
	return fmt.Sprintf("Nothing called %q is out on loan to or from you here. %s shows your loans.", bot.Truncate(name, 40), req.Cmd("mine"))
}

// handleReturned closes a loan (owner) or asks the owner to confirm (borrower).
func (f *Feature) handleReturned(ctx context.Context, req *bot.Request) error {
	usage := fmt.Sprintf("Usage: %s ITEM — e.g. %s ladder. %s shows your loans.", req.Cmd("returned"), req.Cmd("returned"), req.Cmd("mine"))
	name, words, err := f.checkName(req.Args, usage)
	if err != nil {
		return err
	}
	loan, err := f.findLoan(ctx, req, words, nil, func(item string) string { return req.Cmd("returned") + " " + item }, notOnLoan(req, name))
	if err != nil {
		return err
	}
	if loan.OwnerID == req.Sender.ID {
		return f.closeReturned(ctx, req, loan)
	}
	owner, err := f.person(ctx, loan.OwnerID)
	if err != nil {
		return err
	}
	if loan.State == stateReturning {
		return f.replyAbout(ctx, req, loan.ID, fmt.Sprintf("Already noted — waiting for %s to confirm the %s is back.", owner.DisplayName(), loan.Item))
	}
	// An owner who has left the group cannot confirm there: the
	// borrower's word closes the loan.
	if in, err := f.core.IsMember(ctx, loan.Chat, loan.OwnerID); err != nil {
		return err
	} else if !in || loan.OwnerID == 0 {
		return f.closeReturned(ctx, req, loan)
	}
	// Commit the claim first so the reminders stop even if the question
	// cannot be sent; then remember which message to watch for reactions.
	if err := f.st.claimReturn(ctx, loan.ID, req.Now(), ""); err != nil {
		return err
	}
	if err := f.jobs.Cancel(ctx, loanKey(loan.ID)); err != nil {
		return err
	}
	// An owner who misses the question hears once, privately, a day later.
	nudge := f.quiet.NextAllowed(req.Now().Add(24 * time.Hour))
	if err := f.jobs.Schedule(ctx, jobConfirmNudge, loanKey(loan.ID)+"confirm", nudge, loanPayload{Loan: loan.ID}); err != nil {
		return err
	}
	msgID, err := req.Say(ctx, fmt.Sprintf("@%s, %s says your %s is back. React to this message or type %s %s to confirm.",
		owner.DisplayName(), req.Sender.DisplayName(), loan.Item, req.Cmd("confirm"), typable(loan.Item)), bot.MentionOf(owner))
	if err != nil {
		return err
	}
	return f.st.claimReturn(ctx, loan.ID, req.Now(), msgID)
}

type loanPayload struct {
	Loan int64 `json:"loan"`
}

// runConfirmNudge reminds an owner who has not confirmed a return. It is a
// one-off follow-up to the group question, so a group that stopped
// listening (see groupStillListens) since drops it rather than keeping it.
func (f *Feature) runConfirmNudge(ctx context.Context, job bot.Job, p loanPayload) error {
	if held, err := f.heldByQuiet(ctx, job); held || err != nil {
		return err
	}
	loan, err := f.st.loan(ctx, p.Loan)
	if errors.Is(err, bot.ErrNotFound) {
		return nil
	}
	if err != nil || loan.State != stateReturning {
		return err
	}
	if listens, err := f.groupStillListens(ctx, loan.Chat); err != nil || !listens {
		return err
	}
	owner, err := f.person(ctx, loan.OwnerID)
	if err != nil {
		return err
	}
	borrower, err := f.person(ctx, loan.BorrowerID)
	if err != nil {
		return err
	}
	pre := f.prefix
	// An owner the bot may not message (forgotten, or never addressed it
	// since an upgrade) misses the nudge: the group question mentioned them.
	sent, err := f.dm(ctx, owner, fmt.Sprintf("%s said on %s that your %s is back. Is it? Reply yes or no (or type %sconfirm %s in %s; if it isn't, %sextend %s 3d puts it back on loan).",
		bot.AtSentenceStart(borrower.DisplayName()), formatDay(loan.ClaimedAt, f.loc), loan.Item, pre, typable(loan.Item), f.groupName(ctx, loan.Chat), pre, typable(loan.Item)))
	if err != nil || !sent {
		return err
	}
	return f.ask.Ask(ctx, owner, questionConfirm, strconv.FormatInt(loan.ID, 10), 24*time.Hour)
}

// questionConfirm is the nudge's yes/no question: is the item back?
const questionConfirm = "lending.confirm"

// onConfirmAnswer takes a bare "yes" or "no" (or a yes-reaction such as
// 👍) by direct message as the answer to the nudge, when that is the
// question the owner was asked last (the registry gives it only that).
// "yes" closes the loan as !confirm would, thanking both in the group; "no"
// changes nothing and says how to put it back on loan.
func (f *Feature) onConfirmAnswer(ctx context.Context, req *bot.Request, yes bool, ref string) error {
	id, _ := strconv.ParseInt(ref, 10, 64)
	loan, err := f.st.loan(ctx, id)
	if errors.Is(err, bot.ErrNotFound) || (err == nil && (loan.State != stateReturning || loan.OwnerID != req.Sender.ID)) {
		return req.Reply(ctx, fmt.Sprintf("That loan is already settled. %s shows your loans.", req.Cmd("mine")))
	}
	if err != nil {
		return err
	}
	group := f.groupName(ctx, loan.Chat)
	borrower, err := f.person(ctx, loan.BorrowerID)
	if err != nil {
		return err
	}
	if !yes {
		return req.Reply(ctx, fmt.Sprintf("OK — I haven't marked your %s as returned. If %s still has it, type %sextend %s 3d in %s to put it back on loan.",
			loan.Item, borrower.DisplayName(), f.prefix, typable(loan.Item), group))
	}
	listens, err := f.groupStillListens(ctx, loan.Chat)
	if err != nil {
		return err
	}
	if !listens {
		return req.Reply(ctx, fmt.Sprintf("I can't post in %s just now (lending or the bot is switched off there), so nothing changed. Type %sconfirm %s there once it's back on.",
			group, f.prefix, typable(loan.Item)))
	}
	gs, err := f.core.GroupSettings(ctx, loan.Chat)
	if err != nil {
		return fmt.Errorf("group settings: %w", err)
	}
	inGroup := req.In(bot.Chat{ID: loan.Chat, IsGroup: true, Name: gs.Name}, gs)
	if err := f.closeReturned(ctx, inGroup, loan); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Thanks — I've marked your %s as returned and said so in %s.", loan.Item, group))
}

// closeReturned closes a loan as returned and thanks both in the group.
func (f *Feature) closeReturned(ctx context.Context, req *bot.Request, loan Loan) error {
	if err := f.st.closeLoan(ctx, loan.ID, req.Now(), reasonReturned); err != nil {
		return err
	}
	if err := f.jobs.Cancel(ctx, loanKey(loan.ID)); err != nil {
		return err
	}
	owner, err := f.person(ctx, loan.OwnerID)
	if err != nil {
		return err
	}
	borrower, err := f.person(ctx, loan.BorrowerID)
	if err != nil {
		return err
	}
	// A forgotten person has no count to show.
	var counts []string
	for _, p := range []bot.Person{owner, borrower} {
		if p.ID == 0 {
			continue
		}
		s, err := f.withLoans(ctx, loan.Chat, p)
		if err != nil {
			return err
		}
		counts = append(counts, s)
	}
	whose := owner.DisplayName() + "'s"
	if loan.OwnerID == 0 {
		whose = "A former member's"
	}
	msg := fmt.Sprintf("Thanks! %s %s is back from %s. Completed loans: %s.", whose, loan.Item, borrower.DisplayName(), strings.Join(counts, ", "))
	// It is free again: anyone still waiting for one hears privately, and
	// the owner hears who, to lend it on. Not when the owner has unlisted
	// it or left the group: it is not on offer any more.
	ownerIn, err := f.core.IsMember(ctx, loan.Chat, loan.OwnerID)
	if err != nil {
		return err
	}
	var mentions []bot.Mention
	if loan.ListingID != 0 && loan.OwnerID != 0 && ownerIn {
		l := Listing{ID: loan.ListingID, Chat: loan.Chat, OwnerID: loan.OwnerID, Kind: kindItem, Name: loan.Item}
		heard, err := f.tellWanters(ctx, loan.Chat, l, parseItem(loan.Item), loan.BorrowerID)
		if err != nil {
			return err
		}
		note, m := lendOnNote(heard, owner, loan.Item, req.Cmd("lent"))
		msg += note
		mentions = m
	}
	if _, err := req.Say(ctx, msg, mentions...); err != nil {
		return err
	}
	return nil
}

// handleConfirm lets the owner confirm a return the borrower reported.
func (f *Feature) handleConfirm(ctx context.Context, req *bot.Request) error {
	returning := func(l Loan) bool { return l.OwnerID == req.Sender.ID && l.State == stateReturning }
	var loan Loan
	if strings.TrimSpace(req.Args) == "" {
		loans, err := f.st.personOpenLoans(ctx, req.Chat.ID, req.Sender.ID)
		if err != nil {
			return err
		}
		var waiting []Loan
		for _, l := range loans {
			if returning(l) {
				waiting = append(waiting, l)
			}
		}
		if len(waiting) != 1 {
			return f.confirmUsage(req, waiting)
		}
		loan = waiting[0]
	} else {
		name, words, err := f.checkName(req.Args, fmt.Sprintf("Usage: %s ITEM — e.g. %s ladder", req.Cmd("confirm"), req.Cmd("confirm")))
		if err != nil {
			return err
		}
		l, err := f.findLoan(ctx, req, words, returning, func(item string) string { return req.Cmd("confirm") + " " + item },
			fmt.Sprintf("Nothing of yours called %q is waiting to be confirmed as returned here. %s shows your loans.", bot.Truncate(name, 40), req.Cmd("mine")))
		if err != nil {
			return err
		}
		loan = l
	}
	return f.closeReturned(ctx, req, loan)
}

func (f *Feature) confirmUsage(req *bot.Request, waiting []Loan) error {
	if len(waiting) == 0 {
		return bot.Userf("Nothing of yours is waiting to be confirmed as returned here. %s shows your loans.", req.Cmd("mine"))
	}
	names := make([]string, len(waiting))
	for i, l := range waiting {
		names[i] = l.Item
	}
	return whichOne(names, req.Cmd("confirm")+" "+typable(names[0]))
}

// onReaction confirms a return the borrower reported when the owner reacts
// with a yes (👍, ✅, 👌, ❤️ …) to any of the bot's messages about the loan:
// the question, the "Noted" that recorded it, a follow-up. A 👎 or ❌ is
// not a yes, and changes nothing.
func (f *Feature) onReaction(ctx context.Context, req *bot.Request) error {
	r := req.Msg.Reaction
	if r == nil || !yesReaction(r.Emoji) || !req.Chat.IsGroup || !req.Group.FeatureOn(FeatureName) {
		return nil
	}
	loan, ok, err := f.st.loanByConfirmMsg(ctx, req.Chat.ID, r.TargetID)
	if err != nil || !ok || loan.OwnerID != req.Sender.ID {
		return err
	}
	return f.closeReturned(ctx, req, loan)
}

// handleExtend moves a loan's due date (owner), or passes the borrower's
// request on to the owner.
func (f *Feature) handleExtend(ctx context.Context, req *bot.Request) error {
	usage := fmt.Sprintf("Usage: %s ITEM 3d or %s ITEM until Saturday — e.g. %s ladder 3d", req.Cmd("extend"), req.Cmd("extend"), req.Cmd("extend"))
	words := strings.Fields(req.Args)
	if len(words) == 0 {
		return bot.Userf("%s", usage)
	}
	now := req.Now()
	itemW, periodW, err := locatePeriod(words, now, f.loc, f.cfg.DueTime)
	if err != nil {
		return err
	}
	if len(periodW) == 0 {
		return bot.Userf("How much longer? %s", usage)
	}
	name, iw, err := f.checkName(strings.Join(itemW, " "), usage)
	if err != nil {
		return err
	}
	loan, err := f.findLoan(ctx, req, iw, nil, func(item string) string { return req.Cmd("extend") + " " + item + " 3d" }, notOnLoan(req, name))
	if err != nil {
		return err
	}
	base := loan.DueAt
	if base.Before(now) {
		base = now
	}
	due, dueNote, err := f.readPeriod(periodW, now, base)
	if err != nil {
		return err
	}
	owner, err := f.person(ctx, loan.OwnerID)
	if err != nil {
		return err
	}
	// Nobody waiting is a condition for an extension in libraries of
	// things; here the owner decides, knowing who is.
	waiting, err := f.waitingFor(ctx, loan)
	if err != nil {
		return err
	}
	note := noteSentence(dueNote) + waitingNote(waiting, loan.Item)
	if loan.OwnerID != req.Sender.ID {
		return f.askOwnerToExtend(ctx, req, loan, owner, due, periodW, note)
	}
	if !due.After(loan.DueAt) && loan.State == stateOut {
		return bot.Userf("It's already due back %s — give a later date to extend it.", formatDue(loan.DueAt, f.loc, f.cfg.DueTime))
	}
	if err := f.extendLoan(ctx, &loan, due, now); err != nil {
		return err
	}
	if loan.BorrowerID == 0 {
		return f.replyAbout(ctx, req, loan.ID, fmt.Sprintf("Extended: your %s can stay with a former member until %s. I can't remind them; I'll remind you if it's overdue.%s",
			loan.Item, formatDue(due, f.loc, f.cfg.DueTime), note))
	}
	borrower, err := f.person(ctx, loan.BorrowerID)
	if err != nil {
		return err
	}
	ask, err := f.askToAddress(ctx, req, borrower)
	if err != nil {
		return err
	}
	return f.replyAbout(ctx, req, loan.ID, fmt.Sprintf("Extended: @%s can keep %s's %s until %s.%s%s", borrower.DisplayName(), owner.DisplayName(), loan.Item,
		formatDue(due, f.loc, f.cfg.DueTime), note, ask), bot.MentionOf(borrower))
}

// askOwnerToExtend passes a borrower's !extend on to the owner, who decides,
// without changing anything.
func (f *Feature) askOwnerToExtend(ctx context.Context, req *bot.Request, loan Loan, owner bot.Person, due time.Time, periodW []string, note string) error {
	if loan.OwnerID == 0 {
		return bot.Userf("The owner of the %s asked me to forget them, so nobody here can agree a new date — sort it out with them, and type %s %s once it's back.",
			loan.Item, req.Cmd("returned"), typable(loan.Item))
	}
	_, err := req.Say(ctx, fmt.Sprintf("@%s, %s would like to keep your %s until %s. To agree, type %s %s %s.%s",
		owner.DisplayName(), req.Sender.DisplayName(), loan.Item, formatDue(due, f.loc, f.cfg.DueTime),
		req.Cmd("extend"), typable(loan.Item), strings.Join(periodW, " "), note), bot.MentionOf(owner))
	return err
}

// extendLoan moves a loan's due date, reopens it if the borrower had called
// it returned, and schedules its reminder afresh.
func (f *Feature) extendLoan(ctx context.Context, loan *Loan, due, now time.Time) error {
	if err := f.st.setDue(ctx, loan.ID, due); err != nil {
		return err
	}
	if loan.State == stateReturning {
		// Extending a loan the borrower called returned means it is not back.
		if err := f.st.reopen(ctx, loan.ID); err != nil {
			return err
		}
	}
	loan.DueAt, loan.State = due, stateOut
	return f.scheduleReminder(ctx, *loan, now)
}

// yesReactions are the reactions read as "yes, it's back", without skin
// tone or emoji presentation marks.
var yesReactions = map[string]bool{
	"👍": true, "✅": true, "✔": true, "☑": true, "👌": true, "❤": true, "🙏": true, "👏": true,
	"🙌": true, "💯": true, "🆗": true, "😊": true, "😀": true, "😃": true, "😄": true, "🥰": true,
	"😍": true, "🤝": true, "💪": true, "🎉": true, "⭐": true, "🌟": true, "💚": true, "💙": true,
}

// yesReaction says whether a reaction reads as a yes.
func yesReaction(emoji string) bool {
	base := strings.Map(func(r rune) rune {
		if r == '\ufe0f' || r == '\ufe0e' || (r >= 0x1f3fb && r <= 0x1f3ff) {
			return -1
		}
		return r
	}, emoji)
	return yesReactions[base]
}

package lending

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// handleLend lists an item in this group (!lend).
func (f *Feature) handleLend(ctx context.Context, req *bot.Request) error {
	return f.listOffer(ctx, req, kindItem)
}

// handleFavour lists a favour in this group (!favour).
func (f *Feature) handleFavour(ctx context.Context, req *bot.Request) error {
	return f.listOffer(ctx, req, kindFavour)
}

// listOffer lists an item or a favour and tells those who asked for one.
func (f *Feature) listOffer(ctx context.Context, req *bot.Request, kind string) error {
	usage := fmt.Sprintf("Usage: %s ITEM — e.g. %s ladder or %s hedge trimmer — petrol, bring it back clean. %s shows what's listed.",
		req.Cmd("lend"), req.Cmd("lend"), req.Cmd("lend"), req.Cmd("items"))
	if kind == kindFavour {
		usage = fmt.Sprintf("Usage: %s WHAT — e.g. %s mowing lawns or %s lifts to the station — weekdays only.",
			req.Cmd("favour"), req.Cmd("favour"), req.Cmd("favour"))
	}
	if startsWithLink(req.Args) {
		return bot.Userf("%s %s", linkNotName, usage)
	}
	args := strings.Join(strings.Fields(req.Args), " ")
	if subject, dashNote := bot.SplitNote(args); kind == kindItem && len(splitThings(subject)) > 1 {
		note, err := checkNote(dashNote)
		if err != nil {
			return err
		}
		return f.listSeveral(ctx, req, kind, splitThings(subject), note, usage)
	}
	subject, rawNote := splitItem(args)
	name, words, err := f.checkName(subject, usage)
	if err != nil {
		return err
	}
	note, err := checkNote(rawNote)
	if err != nil {
		return err
	}
	if err := f.checkCanList(ctx, req, kind, name, words); err != nil {
		return err
	}
	l := Listing{Chat: req.Chat.ID, OwnerID: req.Sender.ID, Kind: kind, Name: name, Note: note, Created: req.Now()}
	if l.ID, err = f.st.addListing(ctx, l, words.key()); err != nil {
		return err
	}
	wanters, err := f.tellWanters(ctx, req.Chat.ID, l, words, req.Sender.ID)
	if err != nil {
		return err
	}
	text, mentions := listedReply(req, l, wanters)
	return req.Reply(ctx, text, mentions...)
}

// checkCanList refuses a listing the sender already has here, or one past
// the most kept per person.
func (f *Feature) checkCanList(ctx context.Context, req *bot.Request, kind, name string, words itemWords) error {
	dup, err := f.st.hasListingKey(ctx, req.Chat.ID, req.Sender.ID, kind, words.key())
	if err != nil {
		return err
	}
	if dup {
		// Name it as it was listed: "!lend DRILL" repeats "drill".
		mine, err := f.st.ownerListings(ctx, req.Chat.ID, req.Sender.ID)
		if err != nil {
			return err
		}
		for _, l := range mine {
			if l.Kind == kind && parseItem(l.Name).key() == words.key() {
				name = l.Name
			}
		}
		return bot.Userf("You've already listed %s here. %s shows your listings.", articled(name), req.Cmd("mine"))
	}
	n, err := f.st.countListings(ctx, req.Chat.ID, req.Sender.ID)
	if err != nil {
		return err
	}
	if n >= maxListingsPerPerson {
		return bot.Userf("You have %d things listed here, the most I keep per person — %s one you no longer lend first.", n, req.Cmd("unlist"))
	}
	return nil
}

// listedReply confirms a new listing, says how many who asked for one hear
// privately, and mentions those the bot may not message privately.
func listedReply(req *bot.Request, l Listing, wanters []wanterNews) (string, []bot.Mention) {
	var b strings.Builder
	if l.Kind == kindFavour {
		fmt.Fprintf(&b, "Listed your favour: %s. Neighbours can ask with %s %s.", l.Name, req.Cmd("need"), typable(l.Name))
	} else {
		fmt.Fprintf(&b, "Listed: %s, lent by %s. Neighbours can ask with %s %s; when you hand it over, type %s %s @name.",
			l.Name, req.Sender.DisplayName(), req.Cmd("borrow"), typable(l.Name), req.Cmd("lent"), typable(l.Name))
	}
	note, mentions := wantersNote(req, wanters)
	return b.String() + note, mentions
}

// wantersNote says how many who asked for what was listed hear privately,
// and mentions those the bot may not message privately.
func wantersNote(req *bot.Request, wanters []wanterNews) (string, []bot.Mention) {
	told := 0
	var unreached []bot.Person
	for _, w := range wanters {
		if w.privately {
			told++
		} else {
			unreached = append(unreached, w.person)
		}
	}
	var b strings.Builder
	if told > 0 {
		fmt.Fprintf(&b, " %s who asked for one will hear from me privately.", bot.Plural(told, "neighbour", "neighbours"))
	}
	// Those the bot may not message privately hear it here instead.
	var mentions []bot.Mention
	if len(unreached) > 0 {
		names := make([]string, len(unreached))
		for i, p := range unreached {
			names[i] = "@" + p.DisplayName()
			mentions = append(mentions, bot.MentionOf(p))
		}
		fmt.Fprintf(&b, " %s, you asked for one: ask %s here.", joinNames(names), req.Sender.DisplayName())
	}
	return b.String(), mentions
}

// wanterNews is someone whose request a listing answered, and whether they
// heard about it privately: the bot may not message people who have not
// addressed it (since an upgrade brought in that rule), so the caller
// mentions those in the group instead.
type wanterNews struct {
	person    bot.Person
	privately bool
}

// tellWanters tells, privately where it may, everyone in the group whose
// open request the listing answers, and drops those requests. It returns
// them in the order they asked, each once; those the bot failed to reach
// for another reason (logged) are left out.
func (f *Feature) tellWanters(ctx context.Context, chat bot.ChatID, l Listing, words itemWords, skip int64) ([]wanterNews, error) {
	wants, err := f.st.activeWants(ctx, chat, f.clock.Now())
	if err != nil {
		return nil, err
	}
	owner, err := f.person(ctx, l.OwnerID)
	if err != nil {
		return nil, err
	}
	members := f.members(chat)
	group := f.groupName(ctx, chat)
	var answered []int64
	var heard []wanterNews
	seen := map[int64]bool{}
	for _, w := range wants {
		if w.PersonID == l.OwnerID || w.PersonID == skip || matchRequest(parseItem(w.Text), words) == 0 {
			continue
		}
		in, err := members.has(ctx, w.PersonID)
		if err != nil {
			return nil, err
		}
		if !in {
			continue
		}
		answered = append(answered, w.ID)
		if seen[w.PersonID] {
			continue
		}
		seen[w.PersonID] = true
		wanter, err := f.person(ctx, w.PersonID)
		if err != nil {
			return nil, err
		}
		var text string
		if l.Kind == kindFavour {
			text = fmt.Sprintf("Good news: %s offers %s in %s — you were looking for %s. Say hello to them there.",
				owner.DisplayName(), l.Name, group, articled(w.Text))
		} else {
			text = fmt.Sprintf("Good news: %s can lend %s in %s — you were looking for %s. Ask them there; %s records the loan with %slent.",
				owner.DisplayName(), articled(l.Name), group, articled(w.Text), owner.DisplayName(), f.prefix)
		}
		reachable, err := f.tell(ctx, chat, wanter, text)
		if err != nil {
			// The listing is saved: a failed send must not undo it.
			f.log().Warn("tell wanter", "person", w.PersonID, bot.KeyErr, err)
			continue
		}
		heard = append(heard, wanterNews{person: wanter, privately: reachable})
	}
	if len(answered) == 0 {
		return nil, nil
	}
	if err := f.st.deleteWants(ctx, answered); err != nil {
		return nil, err
	}
	for _, id := range answered {
		if err := f.jobs.Cancel(ctx, wantKey(id)); err != nil {
			return nil, err
		}
	}
	return heard, nil
}

// wantKey prefixes a request's job keys; the trailing colon keeps request
// 1's prefix from matching requests 10–19 when it is cancelled.
func wantKey(id int64) string { return fmt.Sprintf("lending:want:%d:", id) }

// handleUnlist removes one of the sender's listings.
func (f *Feature) handleUnlist(ctx context.Context, req *bot.Request) error {
	usage := fmt.Sprintf("Usage: %s ITEM — e.g. %s ladder. %s shows what you've listed.", req.Cmd("unlist"), req.Cmd("unlist"), req.Cmd("mine"))
	name, words, err := f.checkName(req.Args, usage)
	if err != nil {
		return err
	}
	mine, err := f.st.ownerListings(ctx, req.Chat.ID, req.Sender.ID)
	if err != nil {
		return err
	}
	var cands []scored[Listing]
	for _, l := range mine {
		if s := matchItems(words, parseItem(l.Name)); s > 0 {
			cands = append(cands, scored[Listing]{l, s})
		}
	}
	l, ties, ok := best(cands, func(l Listing) string { return l.Name })
	if ties != nil {
		return whichOne(ties, req.Cmd("unlist")+" "+typable(ties[0]))
	}
	if !ok {
		return bot.Userf("You haven't listed anything called %q here. %s shows your listings.", bot.Truncate(name, 40), req.Cmd("mine"))
	}
	loan, out, err := f.st.openLoanOfListing(ctx, l.ID)
	if err != nil {
		return err
	}
	if err := f.st.removeListing(ctx, l.ID); err != nil {
		return err
	}
	msg := fmt.Sprintf("Unlisted: %s.", l.Name)
	if out {
		borrower, err := f.person(ctx, loan.BorrowerID)
		if err != nil {
			return err
		}
		msg += fmt.Sprintf(" It's still out with %s until %s — type %s %s when it's back.",
			borrower.DisplayName(), formatDue(loan.DueAt, f.loc, f.cfg.DueTime), req.Cmd("returned"), typable(l.Name))
	}
	return req.Reply(ctx, msg)
}

// handleBorrow answers a request with the people who have the thing, or
// records it and tells the asker privately when someone lists one. Several
// things in one request ("!borrow hedge trimmer & extension lead") are
// answered each, in one reply.
func (f *Feature) handleBorrow(ctx context.Context, req *bot.Request) error {
	usage := fmt.Sprintf("Usage: %s ITEM — e.g. %s ladder or %s someone to feed the cat.", req.Cmd("borrow"), req.Cmd("borrow"), req.Cmd("need"))
	things := []string{req.Args}
	if subject, note := bot.SplitNote(strings.Join(strings.Fields(req.Args), " ")); note == "" {
		things = splitThings(subject)
	}
	// Every name is checked before anything is remembered.
	for _, t := range things {
		if _, _, _, err := f.checkQuery(t, usage); err != nil {
			return err
		}
	}
	var texts, nobody []string
	var mentions []bot.Mention
	for _, t := range things {
		text, m, missing, err := f.borrowOne(ctx, req, t, usage)
		if err != nil {
			return err
		}
		if missing != "" {
			nobody = append(nobody, missing)
			continue
		}
		texts, mentions = append(texts, text), append(mentions, m...)
	}
	if len(nobody) > 0 {
		// One line for all that nobody has listed.
		how, ask, err := f.howToldLater(ctx, req)
		if err != nil {
			return err
		}
		texts = append(texts, fmt.Sprintf("Nobody has listed %s here yet — I'll tell you %s if someone does (I'll keep looking for %s).%s",
			joinOr(nobody), how, bot.FormatDuration(f.cfg.WantExpiry.D()), ask))
	}
	return req.Reply(ctx, strings.Join(texts, "\n"), mentions...)
}

// joinOr writes "a drill, a saw or a ladder".
func joinOr(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// borrowOne answers a request for one thing; missing names it ("a
// drill") instead when nobody has one at all, for the caller to say so.
func (f *Feature) borrowOne(ctx context.Context, req *bot.Request, raw, usage string) (text string, mentions []bot.Mention, missing string, err error) {
	name, possessor, words, err := f.checkQuery(raw, usage)
	if err != nil {
		return "", nil, "", err
	}
	hits, err := f.borrowHits(ctx, req.Chat.ID, req.Sender.ID, words)
	if err != nil {
		return "", nil, "", err
	}
	free, out := splitBorrowHits(preferPossessor(hits, possessor))
	text, mentions, err = f.describeBorrowHits(ctx, req, free, out)
	if err != nil || len(free) > 0 {
		return text, mentions, "", err
	}
	// Nothing free: remember the request and say how the asker will hear.
	if err := f.rememberWant(ctx, req, name, words); err != nil {
		return "", nil, "", err
	}
	if len(out) == 0 {
		return "", nil, articled(name), nil
	}
	how, ask, err := f.howToldLater(ctx, req)
	if err != nil {
		return "", nil, "", err
	}
	keep := bot.FormatDuration(f.cfg.WantExpiry.D())
	return text + fmt.Sprintf("\nI'll tell you %s if another one is listed or it comes back (I'll keep looking for %s).%s", how, keep, ask), nil, "", nil
}

// borrowHit is a listing that answers a !borrow, with its owner and, for an
// item, the loan it is out on.
type borrowHit struct {
	l     Listing
	owner bot.Person
	loan  Loan
	out   bool
}

// borrowHits is every listing in the group by someone other than the asker,
// still a member, that matches the words, best match first.
func (f *Feature) borrowHits(ctx context.Context, chat bot.ChatID, asker int64, words itemWords) ([]scored[borrowHit], error) {
	listings, err := f.st.groupListings(ctx, chat, "")
	if err != nil {
		return nil, err
	}
	members := f.members(chat)
	var cands []scored[borrowHit]
	for _, l := range listings {
		if l.OwnerID == asker {
			continue
		}
		s := matchRequest(words, parseItem(l.Name))
		if s == 0 {
			continue
		}
		in, err := members.has(ctx, l.OwnerID)
		if err != nil {
			return nil, err
		}
		if !in {
			continue
		}
		h := borrowHit{l: l}
		if h.owner, err = f.person(ctx, l.OwnerID); err != nil {
			return nil, err
		}
		if l.Kind == kindItem {
			if h.loan, h.out, err = f.st.openLoanOfListing(ctx, l.ID); err != nil {
				return nil, err
			}
		}
		cands = append(cands, scored[borrowHit]{h, s})
	}
	return cands, nil
}

// preferPossessor keeps only the named person's listings for "Bob's
// ladder", if Bob has one, and orders the hits best match first.
func preferPossessor(cands []scored[borrowHit], possessor string) []scored[borrowHit] {
	if possessor != "" {
		var theirs []scored[borrowHit]
		for _, c := range cands {
			if namesPerson(possessor, c.v.owner) {
				theirs = append(theirs, c)
			}
		}
		if len(theirs) > 0 {
			cands = theirs
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	return cands
}

// maxBorrowOffers is how many free listings one !borrow answer names.
const maxBorrowOffers = 5

// splitBorrowHits parts the ordered hits into the first few free to borrow
// and all of those out on loan.
func splitBorrowHits(cands []scored[borrowHit]) (free, out []borrowHit) {
	for _, c := range cands {
		if c.v.out {
			out = append(out, c.v)
		} else if len(free) < maxBorrowOffers {
			free = append(free, c.v)
		}
	}
	return free, out
}

// describeBorrowHits writes the answer naming who has it free (mentioned),
// how to record the hand-over, and which ones are out on loan until when.
func (f *Feature) describeBorrowHits(ctx context.Context, req *bot.Request, free, out []borrowHit) (string, []bot.Mention, error) {
	var b strings.Builder
	var mentions []bot.Mention
	var lenders []borrowHit
	ids := make([]int64, len(free))
	for i, h := range free {
		ids[i] = h.l.ID
	}
	counts, err := f.st.listingLoanCounts(ctx, ids)
	if err != nil {
		return "", nil, err
	}
	for _, h := range free {
		mentions = append(mentions, bot.MentionOf(h.owner))
		// The count is that item's own: "has a ladder (lent twice)".
		what := "has " + articled(h.l.Name) + timesLent(counts[h.l.ID])
		if h.l.Kind == kindFavour {
			what = "offers " + h.l.Name
		} else {
			lenders = append(lenders, h)
		}
		fmt.Fprintf(&b, "@%s %s", h.owner.DisplayName(), what)
		if h.l.Note != "" {
			fmt.Fprintf(&b, " — %s", h.l.Note)
		}
		b.WriteString(".\n")
	}
	switch {
	case len(lenders) == 1:
		fmt.Fprintf(&b, "%s, type %s %s @%s when you hand it over.", bot.AtSentenceStart(lenders[0].owner.DisplayName()), req.Cmd("lent"), typable(lenders[0].l.Name), req.Sender.DisplayName())
	case len(lenders) > 1:
		fmt.Fprintf(&b, "Whoever hands it over, type %s ITEM @%s.", req.Cmd("lent"), req.Sender.DisplayName())
	}
	for _, h := range out {
		fmt.Fprintf(&b, "\n%s's %s: out on loan until %s.", h.owner.DisplayName(), h.l.Name, formatDue(h.loan.DueAt, f.loc, f.cfg.DueTime))
	}
	return strings.TrimSpace(b.String()), mentions, nil
}

// rememberWant records the asker's request, replacing the same one made
// before, and schedules its expiry.
func (f *Feature) rememberWant(ctx context.Context, req *bot.Request, name string, words itemWords) error {
	now := req.Now()
	mineBefore, err := f.st.personWants(ctx, req.Chat.ID, req.Sender.ID, now)
	if err != nil {
		return err
	}
	var replace []int64
	for _, w := range mineBefore {
		if parseItem(w.Text).key() == words.key() {
			replace = append(replace, w.ID)
		}
	}
	w := Want{Chat: req.Chat.ID, PersonID: req.Sender.ID, Text: name, Created: now, Expires: now.Add(f.cfg.WantExpiry.D())}
	id, err := f.st.addWant(ctx, w, replace)
	if err != nil {
		return err
	}
	for _, old := range replace {
		if err := f.jobs.Cancel(ctx, wantKey(old)); err != nil {
			return err
		}
	}
	return f.jobs.Schedule(ctx, jobWantExpire, wantKey(id), w.Expires, wantPayload{Want: id})
}

// howToldLater says where the asker will hear of a listing: only someone who
// has written to the bot can be told privately; anyone else is mentioned
// here when it turns up (see tellWanters), so the promise must say which,
// and ask asks them to write once.
func (f *Feature) howToldLater(ctx context.Context, req *bot.Request) (how, ask string, err error) {
	privately, err := f.canDM(ctx, req.Sender)
	if err != nil {
		return "", "", err
	}
	if privately {
		return "privately", "", nil
	}
	return "here", fmt.Sprintf(" %s, send me a private message (%s) once and I'll tell you privately instead.", bot.AtSentenceStart(req.Sender.DisplayName()), req.Cmd("mine")), nil
}

// articled writes "a ladder", "an axe", leaving plurals alone.
func articled(name string) string {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, "s") && !strings.HasSuffix(lower, "ss") {
		return name
	}
	if strings.ContainsRune("aeiou", rune(lower[0])) {
		return "an " + name
	}
	return "a " + name
}

type wantPayload struct {
	Want int64 `json:"want"`
}

// runWantExpire forgets a request nobody answered in time.
func (f *Feature) runWantExpire(ctx context.Context, job bot.Job, p wantPayload) error {
	return f.st.deleteWants(ctx, []int64{p.Want})
}

// handleItems lists what can be borrowed here and what is out on loan. In
// a group the post stays short (groupListLines): what can be borrowed
// first, then "…and 18 more"; a direct message gets the full list of each
// of the sender's groups.
func (f *Feature) handleItems(ctx context.Context, req *bot.Request) error {
	var query itemWords
	search := strings.TrimSpace(req.Args)
	if search != "" {
		_, w, err := f.checkName(search, fmt.Sprintf("Usage: %s [search words] — e.g. %s ladder", req.Cmd("items"), req.Cmd("items")))
		if err != nil {
			return err
		}
		query = w
	}
	if !req.Chat.IsGroup {
		return f.itemsPrivately(ctx, req, query, search)
	}
	// Two lines are kept for "…and N more" and "Ask with".
	budget := groupListLines - 2
	entries, total, over, err := f.itemsFor(ctx, req.Chat.ID, query, budget)
	if err != nil {
		return err
	}
	if total == 0 {
		if !query.empty() {
			return req.Reply(ctx, fmt.Sprintf("Nothing like %q is listed here. Ask with %s %s and I'll tell you if someone lists one.",
				bot.Truncate(search, 40), req.Cmd("borrow"), bot.Truncate(search, 40)))
		}
		return req.Reply(ctx, fmt.Sprintf("Nothing is listed here yet. List something you'd lend with %s ladder, or a favour with %s mowing lawns.",
			req.Cmd("lend"), req.Cmd("favour")))
	}
	lines, shown, err := f.itemLines(ctx, req.Chat.ID, entries, budget)
	if err != nil {
		return err
	}
	if more := total - shown; more > 0 {
		example := "drill"
		if search != "" {
			example = bot.Truncate(search, 20) + " WORD"
		}
		lines = append(lines, fmt.Sprintf("…and %s more — %s %s to search, or message me %s for the full list.", moreCount(more, over), req.Cmd("items"), example, req.Cmd("items")))
	}
	lines = append(lines, fmt.Sprintf("Ask with %s ITEM.", req.Cmd("borrow")))
	return req.Reply(ctx, strings.Join(lines, "\n"))
}

// itemsPrivately is !items in a direct message: the full list of every
// group the sender is in where lending is on, each under its name. A
// group's list goes only to its own members.
func (f *Feature) itemsPrivately(ctx context.Context, req *bot.Request, query itemWords, search string) error {
	chats, err := f.core.MemberGroups(ctx, req.Sender.ID)
	if err != nil {
		return fmt.Errorf("member groups: %w", err)
	}
	var out []string
	groups := 0
	for _, chat := range chats {
		gs, err := f.core.GroupSettings(ctx, chat)
		if err != nil {
			return fmt.Errorf("group settings: %w", err)
		}
		if !gs.Enabled || !gs.FeatureOn(FeatureName) {
			continue
		}
		groups++
		entries, total, over, err := f.itemsFor(ctx, chat, query, maxListed)
		if err != nil || total == 0 {
			if err != nil {
				return err
			}
			continue
		}
		lines, shown, err := f.itemLines(ctx, chat, entries, maxListed)
		if err != nil {
			return err
		}
		if more := total - shown; more > 0 {
			lines = append(lines, fmt.Sprintf("…and %s more — search with %s WORD.", moreCount(more, over), req.Cmd("items")))
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, "*"+groupLabel(gs.Name)+"*")
		out = append(out, lines...)
	}
	switch {
	case groups == 0:
		return bot.Userf("I don't share a group with you where lending is on, so there is no list to show.")
	case len(out) == 0 && !query.empty():
		return req.Reply(ctx, fmt.Sprintf("Nothing like %q is listed in your groups.", bot.Truncate(search, 40)))
	case len(out) == 0:
		return req.Reply(ctx, "Nothing is listed in your groups yet.")
	}
	out = append(out, fmt.Sprintf("Ask with %s ITEM in the group.", req.Cmd("borrow")))
	return req.Reply(ctx, strings.Join(out, "\n"))
}

func groupLabel(name string) string {
	if strings.TrimSpace(name) == "" {
		return "Your group"
	}
	return name
}

// Sections of !items, in the order shown.
const (
	sectionFree = iota
	sectionLent
	sectionFavours
)

var sectionTitles = [...]string{"Can be borrowed here:", "Out on loan:", "Favours on offer:"}

// itemEntry is one line of !items before it is written.
type itemEntry struct {
	section int
	listing Listing // zero for a loan whose listing was removed
	loan    Loan    // set in sectionLent
}

// itemsFor is what !items shows for a group in budget lines, and how many
// entries there are in all; over says the count stopped at countCap. Without
// search words only the entries that can be shown are read (a page per
// section, counted in SQL); a search reads every listing, since names are
// matched with typos and plurals.
func (f *Feature) itemsFor(ctx context.Context, chat bot.ChatID, query itemWords, budget int) (entries []itemEntry, total int, over bool, err error) {
	if !query.empty() {
		entries, err := f.itemEntries(ctx, chat, query)
		return entries, len(entries), false, err
	}
	// Each section needs a line for its title, so at most budget-1 of
	// its entries can show.
	limit := budget - 1
	free, nFree, err := f.st.listingsPage(ctx, chat, kindItem, limit)
	if err != nil {
		return nil, 0, false, err
	}
	lent, nLent, err := f.st.lentPage(ctx, chat, limit)
	if err != nil {
		return nil, 0, false, err
	}
	favours, nFavours, err := f.st.listingsPage(ctx, chat, kindFavour, limit)
	if err != nil {
		return nil, 0, false, err
	}
	entries = make([]itemEntry, 0, len(free)+len(lent)+len(favours))
	for _, l := range free {
		entries = append(entries, itemEntry{section: sectionFree, listing: l})
	}
	for _, loan := range lent {
		entries = append(entries, itemEntry{section: sectionLent, listing: Listing{ID: loan.ListingID}, loan: loan})
	}
	for _, l := range favours {
		entries = append(entries, itemEntry{section: sectionFavours, listing: l})
	}
	over = max(nFree, nLent, nFavours) > countCap+limit
	return entries, nFree + nLent + nFavours, over, nil
}

// moreCount writes how many entries a post left out: "18", or "over 500"
// when the count stopped.
func moreCount(more int, over bool) string {
	if over {
		return fmt.Sprintf("over %d", countCap)
	}
	return strconv.Itoa(more)
}

// itemEntries lists what !items shows for a group, in order, without
// writing any line yet: only the lines shown need their names and counts.
func (f *Feature) itemEntries(ctx context.Context, chat bot.ChatID, query itemWords) ([]itemEntry, error) {
	listings, err := f.st.groupListings(ctx, chat, "")
	if err != nil {
		return nil, err
	}
	loans, err := f.st.openLoans(ctx, chat)
	if err != nil {
		return nil, err
	}
	loanOf := map[int64]Loan{}
	var orphanLoans []Loan // listing since removed, item still out
	for _, l := range loans {
		if l.ListingID == 0 {
			orphanLoans = append(orphanLoans, l)
			continue
		}
		loanOf[l.ListingID] = l
	}
	members := f.members(chat)
	matches := func(name string) bool { return query.empty() || matchRequest(query, parseItem(name)) > 0 }
	var sections [3][]itemEntry
	for _, l := range listings {
		if !matches(l.Name) {
			continue
		}
		in, err := members.has(ctx, l.OwnerID)
		if err != nil {
			return nil, err
		}
		if !in {
			continue // left the group: their listings stop showing
		}
		switch {
		case l.Kind == kindFavour:
			sections[sectionFavours] = append(sections[sectionFavours], itemEntry{section: sectionFavours, listing: l})
		case loanOf[l.ID].ID != 0:
			sections[sectionLent] = append(sections[sectionLent], itemEntry{section: sectionLent, listing: l, loan: loanOf[l.ID]})
		default:
			sections[sectionFree] = append(sections[sectionFree], itemEntry{section: sectionFree, listing: l})
		}
	}
	for _, loan := range orphanLoans {
		if matches(loan.Item) {
			sections[sectionLent] = append(sections[sectionLent], itemEntry{section: sectionLent, loan: loan})
		}
	}
	return append(append(sections[sectionFree], sections[sectionLent]...), sections[sectionFavours]...), nil
}

// itemLines writes entries under their section titles in at most budget
// lines, and says how many entries it wrote. Each item shows how often
// that item was lent and came back, not its owner's total.
func (f *Feature) itemLines(ctx context.Context, chat bot.ChatID, entries []itemEntry, budget int) ([]string, int, error) {
	shown := fitEntries(entries, budget)
	var ids []int64
	for _, en := range entries[:shown] {
		if en.section == sectionFree {
			ids = append(ids, en.listing.ID)
		}
	}
	counts, err := f.st.listingLoanCounts(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	people := map[int64]bot.Person{}
	var lines []string
	section := -1
	for _, en := range entries[:shown] {
		if en.section != section {
			section = en.section
			lines = append(lines, sectionTitles[section])
		}
		ownerID := en.listing.OwnerID
		if en.section == sectionLent {
			ownerID = en.loan.OwnerID
		}
		owner, ok := people[ownerID]
		if !ok {
			if owner, err = f.person(ctx, ownerID); err != nil {
				return nil, 0, err
			}
			people[ownerID] = owner
		}
		line, err := f.entryLine(ctx, en, owner, counts[en.listing.ID])
		if err != nil {
			return nil, 0, err
		}
		lines = append(lines, line)
	}
	return lines, shown, nil
}

// fitEntries says how many entries fit in budget lines, with a title line
// before each section.
func fitEntries(entries []itemEntry, budget int) int {
	used, section := 0, -1
	for i, en := range entries {
		need := 1
		if en.section != section {
			need++
		}
		if used+need > budget {
			return i
		}
		used += need
		section = en.section
	}
	return len(entries)
}

// entryLine writes one line of !items: "• ladder (lent 3 times) — Alice:
// 3 metres", or a loan's line.
func (f *Feature) entryLine(ctx context.Context, en itemEntry, owner bot.Person, lent int) (string, error) {
	if en.section == sectionLent {
		return f.loanLine(ctx, en.loan, owner)
	}
	line := fmt.Sprintf("• %s%s — %s", en.listing.Name, timesLent(lent), owner.DisplayName())
	if en.listing.Note != "" {
		line += ": " + en.listing.Note
	}
	return line, nil
}

// timesLent writes " (lent 3 times)": how often one item was lent and came
// back. Nothing is added before the first.
func timesLent(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " (lent once)"
	case 2:
		return " (lent twice)"
	}
	return fmt.Sprintf(" (lent %d times)", n)
}

// loanLine writes "• drill — Alice's, with Bob until Sat 10 Jan".
func (f *Feature) loanLine(ctx context.Context, loan Loan, owner bot.Person) (string, error) {
	borrower, err := f.person(ctx, loan.BorrowerID)
	if err != nil {
		return "", err
	}
	due := formatDue(loan.DueAt, f.loc, f.cfg.DueTime)
	switch {
	case loan.State == stateReturning:
		return fmt.Sprintf("• %s — %s's, back with them (waiting for %s to confirm)", loan.Item, owner.DisplayName(), owner.DisplayName()), nil
	case !loan.DueAt.After(f.clock.Now()):
		return fmt.Sprintf("• %s — %s's, with %s (was due %s)", loan.Item, owner.DisplayName(), borrower.DisplayName(), due), nil
	}
	return fmt.Sprintf("• %s — %s's, with %s until %s", loan.Item, owner.DisplayName(), borrower.DisplayName(), due), nil
}

// handleMine shows the sender what they list, lend, borrow, want and run:
// in a group for that group, in a direct message for every group.
func (f *Feature) handleMine(ctx context.Context, req *bot.Request) error {
	var chat bot.ChatID
	if req.Chat.IsGroup {
		chat = req.Chat.ID
	}
	me := req.Sender.ID
	now := req.Now()
	// In a direct message every line says which group it belongs to.
	where := func(c bot.ChatID) string {
		if chat != "" {
			return ""
		}
		return " (" + f.groupName(ctx, c) + ")"
	}
	listed, err := f.mineListingLines(ctx, chat, me, where)
	if err != nil {
		return err
	}
	out, in, err := f.mineLoanLines(ctx, req, chat, where)
	if err != nil {
		return err
	}
	want, err := f.mineWantLines(ctx, chat, me, now, where)
	if err != nil {
		return err
	}
	runs, err := f.mineErrandLines(ctx, chat, me, now, where)
	if err != nil {
		return err
	}
	lines := titledSections([]section{{"You list:", listed}, {"Lent out:", out}, {"Borrowed:", in}, {"Looking for:", want}, {"Errands:", runs}})
	if len(lines) == 0 {
		// In a group the commands work right there; in a direct message
		// they have to be typed in a group.
		if chat != "" {
			return req.Reply(ctx, fmt.Sprintf("You have nothing listed, lent, borrowed or asked for here. Try %s ladder or %s ladder.",
				req.Cmd("lend"), req.Cmd("borrow")))
		}
		return req.Reply(ctx, fmt.Sprintf("You have nothing listed, lent, borrowed or asked for in any group. Try %s ladder or %s ladder in your group.",
			req.Cmd("lend"), req.Cmd("borrow")))
	}
	return req.Reply(ctx, strings.Join(lines, "\n"))
}

// section is a titled part of a listing such as !mine's.
type section struct {
	title string
	lines []string
}

// titledSections lays out the non-empty sections, each under its title.
func titledSections(parts []section) []string {
	var lines []string
	for _, p := range parts {
		if len(p.lines) > 0 {
			lines = append(lines, p.title)
			lines = append(lines, p.lines...)
		}
	}
	return lines
}

// mineListingLines are !mine's lines for what the person lists.
func (f *Feature) mineListingLines(ctx context.Context, chat bot.ChatID, me int64, where func(bot.ChatID) string) ([]string, error) {
	listings, err := f.st.ownerListings(ctx, chat, me)
	if err != nil {
		return nil, err
	}
	var listed []string
	for _, l := range listings {
		s := l.Name
		if l.Kind == kindFavour {
			s += " [favour]"
		}
		listed = append(listed, "• "+s+where(l.Chat))
	}
	return listed, nil
}

// mineLoanLines are !mine's lines for the person's open loans: those they
// lent out and those they borrowed.
func (f *Feature) mineLoanLines(ctx context.Context, req *bot.Request, chat bot.ChatID, where func(bot.ChatID) string) (out, in []string, err error) {
	me, now := req.Sender.ID, req.Now()
	loans, err := f.st.personOpenLoans(ctx, chat, me)
	if err != nil {
		return nil, nil, err
	}
	for _, loan := range loans {
		state := loanState(loan, now, f.loc, f.cfg.DueTime)
		if loan.OwnerID != me {
			o, err := f.person(ctx, loan.OwnerID)
			if err != nil {
				return nil, nil, err
			}
			in = append(in, fmt.Sprintf("• %s's %s, %s%s", o.DisplayName(), loan.Item, state, where(loan.Chat)))
			continue
		}
		b, err := f.person(ctx, loan.BorrowerID)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case loan.State == stateReturning && b.ID == 0:
			state = fmt.Sprintf("said to be back — confirm with %s %s", req.Cmd("confirm"), typable(loan.Item))
		case loan.State == stateReturning:
			state = fmt.Sprintf("%s says it's back — confirm with %s %s", b.DisplayName(), req.Cmd("confirm"), typable(loan.Item))
		}
		out = append(out, fmt.Sprintf("• %s with %s, %s%s", loan.Item, b.DisplayName(), state, where(loan.Chat)))
	}
	return out, in, nil
}

// loanState says where a loan stands: due back, overdue, or returned and
// waiting for the owner.
func loanState(loan Loan, now time.Time, loc *time.Location, dueTime bot.TimeOfDay) string {
	if loan.State == stateReturning {
		return "returned, waiting for the owner to confirm"
	}
	due := formatDue(loan.DueAt, loc, dueTime)
	if !loan.DueAt.After(now) {
		return "overdue since " + due
	}
	return "due back " + due
}

// mineWantLines are !mine's lines for what the person is looking for.
func (f *Feature) mineWantLines(ctx context.Context, chat bot.ChatID, me int64, now time.Time, where func(bot.ChatID) string) ([]string, error) {
	wants, err := f.st.personWants(ctx, chat, me, now)
	if err != nil {
		return nil, err
	}
	var want []string
	for _, w := range wants {
		want = append(want, fmt.Sprintf("• %s (until %s)%s", w.Text, formatDay(w.Expires, f.loc), where(w.Chat)))
	}
	return want, nil
}

// mineErrandLines are !mine's lines for the errands the person runs or joined.
func (f *Feature) mineErrandLines(ctx context.Context, chat bot.ChatID, me int64, now time.Time, where func(bot.ChatID) string) ([]string, error) {
	errands, err := f.st.personErrands(ctx, chat, me, now)
	if err != nil {
		return nil, err
	}
	var runs []string
	for _, e := range errands {
		if e.RunnerID == me {
			sg, err := f.st.signups(ctx, e.ID)
			if err != nil {
				return nil, err
			}
			runs = append(runs, fmt.Sprintf("• your %s %s, %s joined%s", runName(e.Place), formatWhen(e.StartsAt, f.loc), bot.Plural(len(sg), "neighbour", "neighbours"), where(e.Chat)))
			continue
		}
		runner, err := f.person(ctx, e.RunnerID)
		if err != nil {
			return nil, err
		}
		runs = append(runs, fmt.Sprintf("• %s's %s %s%s", runner.DisplayName(), runName(e.Place), formatWhen(e.StartsAt, f.loc), where(e.Chat)))
	}
	return runs, nil
}

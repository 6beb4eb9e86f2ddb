package lending

import (
	"context"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Several things in one message: "!lend hedge trimmer & extension lead"
// lists each, "!lent lawnmower @Jo, wheelbarrow @Jo" records a loan of
// each. A name with "and" in it ("fish & chips fryer", "dustpan and
// brush") stays one thing: !lend splits only between names of two words
// or more, or a list with commas ("ladder, drill and saw"); !lent splits
// only where every part is one of the lender's own listings and the whole
// is not.

// andSeparators join things in a list.
var andSeparators = []string{" & ", " and ", " + "}

// splitAnd cuts s at every "&", "and" or "+" between words.
func splitAnd(s string) []string {
	parts := []string{s}
	for _, sep := range andSeparators {
		var next []string
		for _, p := range parts {
			for {
				i := indexASCIIFold(p, sep)
				if i < 0 {
					break
				}
				next = append(next, p[:i])
				p = p[i+len(sep):]
			}
			next = append(next, p)
		}
		parts = next
	}
	return parts
}

// indexASCIIFold finds an ASCII separator in s ignoring its case ("AND"),
// at a byte offset into s itself: lower-casing s first could change its
// length ("İ", invalid bytes).
func indexASCIIFold(s, sep string) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sep)], sep) {
			return i
		}
	}
	return -1
}

// splitThings reads the things a !lend lists: one, unless the text is a
// list of two-word names or a comma list closed by "and".
func splitThings(s string) []string {
	parts := splitAnd(s)
	if len(parts) < 2 {
		return []string{s}
	}
	commaList := false
	if head := strings.Split(parts[0], ","); len(head) > 1 {
		commaList = true
		parts = append(head, parts[1:]...)
	}
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		words := len(strings.Fields(parts[i]))
		switch {
		case words == 0:
			return []string{s}
		case commaList && words > 2:
			return []string{s} // "drill, bits for wood and metal" is a drill
		case !commaList && words < 2:
			return []string{s} // "fish & chips fryer", "dustpan and brush"
		}
	}
	return parts
}

// splitLoanItems cuts the item words of a !lent at commas and "and".
func splitLoanItems(s string) []string {
	var out []string
	for _, p := range splitAnd(s) {
		for _, q := range strings.Split(p, ",") {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}

// listSeveral lists each of several things with the same note, skipping
// those already listed, and answers once.
func (f *Feature) listSeveral(ctx context.Context, req *bot.Request, kind string, things []string, note, usage string) error {
	var listed []Listing
	var already []string
	var wanters []wanterNews
	for _, t := range things {
		name, words, err := f.checkName(t, usage)
		if err != nil {
			return err
		}
		if err := f.checkCanList(ctx, req, kind, name, words); err != nil {
			if _, user := bot.UserMessage(err); user && len(things) > 1 {
				already = append(already, name)
				continue
			}
			return err
		}
		l := Listing{Chat: req.Chat.ID, OwnerID: req.Sender.ID, Kind: kind, Name: name, Note: note, Created: req.Now()}
		if l.ID, err = f.st.addListing(ctx, l, words.key()); err != nil {
			return err
		}
		heard, err := f.tellWanters(ctx, req.Chat.ID, l, words, req.Sender.ID)
		if err != nil {
			return err
		}
		listed, wanters = append(listed, l), append(wanters, heard...)
	}
	if len(listed) == 0 {
		return bot.Userf("You've already listed all of those here. %s shows your listings.", req.Cmd("mine"))
	}
	text, mentions := listedSeveralReply(req, listed, wanters)
	if len(already) > 0 {
		text += fmt.Sprintf(" (Already listed: %s.)", strings.Join(already, ", "))
	}
	return req.Reply(ctx, text, mentions...)
}

// listedSeveralReply is listedReply for more than one listing.
func listedSeveralReply(req *bot.Request, listed []Listing, wanters []wanterNews) (string, []bot.Mention) {
	if len(listed) == 1 {
		return listedReply(req, listed[0], wanters)
	}
	names := make([]string, len(listed))
	asks := make([]string, len(listed))
	for i, l := range listed {
		names[i] = l.Name
		asks[i] = req.Cmd("borrow") + " " + typable(l.Name)
	}
	note, mentions := wantersNote(req, wanters)
	return fmt.Sprintf("Listed: %s, lent by %s. Neighbours can ask with %s; when you hand one over, type %s %s @name.%s",
		joinNames(names), req.Sender.DisplayName(), strings.Join(asks, " or "), req.Cmd("lent"), typable(listed[0].Name), note), mentions
}

// severalLoans resolves a !lent of several things ("lawnmower, wheelbarrow")
// to the lender's listings, or ok=false when the words are one thing (the
// whole names a listing exactly, or a part names none): the single-thing
// path then answers.
func (f *Feature) severalLoans(ctx context.Context, req *bot.Request, itemText string) (listings []Listing, ok bool, err error) {
	parts := splitLoanItems(itemText)
	if len(parts) < 2 {
		return nil, false, nil
	}
	mine, err := f.st.ownerListings(ctx, req.Chat.ID, req.Sender.ID)
	if err != nil {
		return nil, false, err
	}
	bestOf := func(text string) (Listing, float64) {
		var top Listing
		score := 0.0
		for _, l := range mine {
			if s := matchItems(parseItem(text), parseItem(l.Name)); l.Kind == kindItem && s > score {
				top, score = l, s
			}
		}
		return top, score
	}
	if _, s := bestOf(itemText); s == 1 {
		return nil, false, nil // "dustpan and brush" is listed as one
	}
	seen := map[int64]bool{}
	var unknown []string
	for _, p := range parts {
		l, s := bestOf(p)
		switch {
		case s < looseMatch:
			unknown = append(unknown, p)
		case !seen[l.ID]:
			seen[l.ID] = true
			listings = append(listings, l)
		}
	}
	switch {
	case len(listings) == 0 || len(listings) == 1 && len(unknown) == 0:
		return nil, false, nil // one thing after all
	case len(unknown) > 0:
		// "rake and spade" with no spade listed: never lend the rake alone.
		short := bot.Truncate(unknown[0], 40)
		return nil, false, bot.Userf("You haven't listed %s here, so I haven't noted anything — list it first with %s %s, or leave it out.",
			articled(short), req.Cmd("lend"), short)
	}
	return listings, true, nil
}

// lendSeveral records a loan of each listing to the borrower, all due at
// once, and answers once; nothing is recorded if any is already out.
func (f *Feature) lendSeveral(ctx context.Context, req *bot.Request, listings []Listing, borrower bot.Person, due time.Time, note string) error {
	for _, l := range listings {
		if err := f.checkNotOut(ctx, req, l); err != nil {
			return err
		}
	}
	now := req.Now()
	ids := make([]int64, len(listings))
	names := make([]string, len(listings))
	returns := make([]string, len(listings))
	for i, l := range listings {
		loan := Loan{Chat: req.Chat.ID, ListingID: l.ID, Item: l.Name, OwnerID: req.Sender.ID, BorrowerID: borrower.ID, LentAt: now, DueAt: due, State: stateOut}
		if err := f.recordLoan(ctx, &loan, now); err != nil {
			return err
		}
		ids[i], names[i], returns[i] = loan.ID, l.Name, req.Cmd("returned")+" "+typable(l.Name)
	}
	if err := f.st.dropLentQuestion(ctx, req.Chat.ID, req.Sender.ID); err != nil {
		return err
	}
	ask, err := f.askToAddress(ctx, req, borrower)
	if err != nil {
		return err
	}
	remind := fmt.Sprintf(" I'll remind %s privately before they're due.", borrower.DisplayName())
	if ask != "" {
		remind = ""
	}
	text := fmt.Sprintf("Noted: @%s has %s's %s until %s.%s%s %s, type %s as you give each back.%s",
		borrower.DisplayName(), req.Sender.DisplayName(), joinNames(names), formatDue(due, f.loc, f.cfg.DueTime), noteSentence(note),
		remind, bot.AtSentenceStart(borrower.DisplayName()), strings.Join(returns, " or "), ask)
	return f.replyAboutAll(ctx, req, ids, text, bot.MentionOf(borrower))
}

package lending

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// The !items page: each section read in the order shown, only as many
// rows as fit, and counted in SQL, so a post of ten lines costs the same
// for 200 listings or 20,000. A listing shows only while its owner is
// still in the group (the core's memberships table says who is).

// countCap bounds how far a section is counted: past it a post says "over
// 500 more", which is all anyone needs, and the count stops costing more
// as the list grows.
const countCap = 500

// countUpTo counts the rows of a FROM … WHERE clause, stopping past cap.
func (s *store) countUpTo(ctx context.Context, where string, cap int, args ...any) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1`+where+` LIMIT ?) AS page`, append(args, cap+1)...).Scan(&n)
	return n, err
}

// ownerPresent keeps listings (aliased l) whose owner is still a member.
const ownerPresent = `EXISTS (SELECT 1 FROM memberships m WHERE m.chat = l.chat AND m.person_id = l.owner_id AND m.present = 1)`

// listingOut says a listing (aliased l) has a loan still open.
const listingOut = `EXISTS (SELECT 1 FROM lending_loans o WHERE o.listing_id = l.id AND o.state <> 'closed')`

// listingsPage returns a section of a group's listings of a kind: free
// items or favours, oldest first, at most limit of them, and how many there
// are in all, counted up to countCap+limit+1.
func (s *store) listingsPage(ctx context.Context, chat bot.ChatID, kind string, limit int) ([]Listing, int, error) {
	where := ` FROM lending_listings l WHERE l.chat = ? AND l.kind = ? AND ` + ownerPresent
	if kind == kindItem {
		where += ` AND NOT ` + listingOut
	}
	total, err := s.countUpTo(ctx, where, countCap+limit, string(chat), kind)
	if err != nil {
		return nil, 0, fmt.Errorf("count listings: %w", err)
	}
	if total == 0 || limit <= 0 {
		return nil, total, nil
	}
	cols := strings.ReplaceAll("l."+listingCols, ", ", ", l.")
	page, err := queryListings(ctx, s.db, `SELECT `+cols+where+` ORDER BY l.created_at, l.id LIMIT ?`, string(chat), kind, limit)
	return page, total, err
}

// lentPage returns the open loans !items shows, soonest due first, at most
// limit of them, and how many there are in all (up to countCap+limit+1):
// those of listings whose
// owner is still here, and those whose listing was since removed (the
// thing is still out).
func (s *store) lentPage(ctx context.Context, chat bot.ChatID, limit int) ([]Loan, int, error) {
	where := ` FROM lending_loans WHERE chat = ? AND state <> 'closed' AND (listing_id IS NULL OR EXISTS (
		SELECT 1 FROM lending_listings l WHERE l.id = listing_id AND ` + ownerPresent + `))`
	total, err := s.countUpTo(ctx, where, countCap+limit, string(chat))
	if err != nil {
		return nil, 0, fmt.Errorf("count loans out: %w", err)
	}
	if total == 0 || limit <= 0 {
		return nil, total, nil
	}
	page, err := s.queryLoans(ctx, `SELECT `+loanCols+where+` ORDER BY due_at, id LIMIT ?`, string(chat), limit)
	return page, total, err
}

// listingLoanCounts counts the completed loans of each listing given: how
// often that very thing was lent and came back.
func (s *store) listingLoanCounts(ctx context.Context, ids []int64) (map[int64]int, error) {
	counts := map[int64]int{}
	if len(ids) == 0 {
		return counts, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT listing_id, COUNT(*) FROM lending_loans
		WHERE listing_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) AND state = 'closed' AND close_reason = 'returned' GROUP BY listing_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("count loans of listings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("scan loan count: %w", err)
		}
		counts[id] = n
	}
	return counts, rows.Err()
}

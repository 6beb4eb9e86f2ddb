package lending

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"time"

	"neighbourbot/bot"
)

// Listing kinds.
const (
	kindItem   = "item"
	kindFavour = "favour"
)

// Loan states and close reasons.
const (
	stateOut       = "out"
	stateReturning = "returning"
	stateClosed    = "closed"

	reasonReturned  = "returned"
	reasonForgotten = "forgotten"
)

// Listing is something a member offers in one group.
type Listing struct {
	ID      int64
	Chat    bot.ChatID
	OwnerID int64
	Kind    string
	Name    string
	Note    string
	Created time.Time
}

// Loan is one hand-over recorded with !lent. OwnerID or BorrowerID is 0
// when that person has been forgotten.
type Loan struct {
	ID         int64
	Chat       bot.ChatID
	ListingID  int64 // 0 when the listing was removed since
	Item       string
	OwnerID    int64
	BorrowerID int64
	LentAt     time.Time
	DueAt      time.Time
	State      string
	ClaimedAt  time.Time
	ConfirmMsg string
	ClosedAt   time.Time
	Reason     string
}

// Want is a request nobody could answer when it was made.
type Want struct {
	ID       int64
	Chat     bot.ChatID
	PersonID int64
	Text     string
	Created  time.Time
	Expires  time.Time
}

// Errand is a run a member offers to make for neighbours.
type Errand struct {
	ID       int64
	Chat     bot.ChatID
	RunnerID int64
	Place    string
	Note     string
	StartsAt time.Time
	Created  time.Time
}

// Signup is a neighbour's place on an errand.
type Signup struct {
	ErrandID int64
	PersonID int64
	Note     string
	Joined   time.Time
}

// store keeps the lending tables in the shared database.
type store struct{ db bot.DB }

const listingCols = `id, chat, owner_id, kind, name, note, created_at`

func scanListing(r sqlkit.Scanner) (Listing, error) {
	var l Listing
	var chat string
	var created sql.NullInt64
	if err := r.Scan(&l.ID, &chat, &l.OwnerID, &l.Kind, &l.Name, &l.Note, &created); err != nil {
		return l, err
	}
	l.Chat, l.Created = bot.ChatID(chat), sqlkit.Time(created)
	return l, nil
}

func queryListings(ctx context.Context, db bot.DB, query string, args ...any) ([]Listing, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query listings: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Listing, error) {
		l, err := scanListing(rows)
		if err != nil {
			return Listing{}, fmt.Errorf("scan listing: %w", err)
		}
		return l, nil
	})
}

// addListing stores a new listing and returns its id.
func (s *store) addListing(ctx context.Context, l Listing, matchKey string) (int64, error) {
	id, err := sqlkit.InsertID(ctx, s.db, `INSERT INTO lending_listings (chat, owner_id, kind, name, match_key, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, string(l.Chat), l.OwnerID, l.Kind, l.Name, matchKey, l.Note, sqlkit.Millis(l.Created))
	if err != nil {
		return 0, fmt.Errorf("add listing: %w", err)
	}
	return id, nil
}

// hasListingKey reports whether the owner already lists the same thing here.
func (s *store) hasListingKey(ctx context.Context, chat bot.ChatID, owner int64, kind, matchKey string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM lending_listings WHERE chat = ? AND owner_id = ? AND kind = ? AND match_key = ?`,
		string(chat), owner, kind, matchKey).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check duplicate listing: %w", err)
	}
	return n > 0, nil
}

// countListings counts an owner's listings in a group.
func (s *store) countListings(ctx context.Context, chat bot.ChatID, owner int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM lending_listings WHERE chat = ? AND owner_id = ?`, string(chat), owner).Scan(&n); err != nil {
		return 0, fmt.Errorf("count listings: %w", err)
	}
	return n, nil
}

// groupListings returns a group's listings of a kind ("" for all), oldest first.
func (s *store) groupListings(ctx context.Context, chat bot.ChatID, kind string) ([]Listing, error) {
	return queryListings(ctx, s.db, `SELECT `+listingCols+` FROM lending_listings
		WHERE chat = ? AND (? = '' OR kind = ?) ORDER BY created_at, id`, string(chat), kind, kind)
}

// ownerListings returns what a person lists in one group, or everywhere
// when chat is empty.
func (s *store) ownerListings(ctx context.Context, chat bot.ChatID, owner int64) ([]Listing, error) {
	return queryListings(ctx, s.db, `SELECT `+listingCols+` FROM lending_listings
		WHERE owner_id = ? AND (? = '' OR chat = ?) ORDER BY chat, created_at, id`, owner, string(chat), string(chat))
}

// removeListing deletes a listing; loans of it keep the item's name.
func (s *store) removeListing(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM lending_listings WHERE id = ?`, id); err != nil {
		return fmt.Errorf("remove listing: %w", err)
	}
	return nil
}

// loanCols reads claimed_at and closed_at through NULLIF: those two columns
// were declared NOT NULL DEFAULT 0, so 0 is their "not yet", read as the
// zero time like a NULL elsewhere.
const loanCols = `id, chat, listing_id, item, owner_id, borrower_id, lent_at, due_at, state, NULLIF(claimed_at, 0), confirm_msg, NULLIF(closed_at, 0), close_reason`

func scanLoan(r sqlkit.Scanner) (Loan, error) {
	var l Loan
	var chat string
	var listing, owner, borrower sql.NullInt64
	if err := r.Scan(&l.ID, &chat, &listing, &l.Item, &owner, &borrower, sqlkit.TimeCol(&l.LentAt), sqlkit.TimeCol(&l.DueAt), &l.State,
		sqlkit.TimeCol(&l.ClaimedAt), &l.ConfirmMsg, sqlkit.TimeCol(&l.ClosedAt), &l.Reason); err != nil {
		return l, err
	}
	l.Chat = bot.ChatID(chat)
	l.ListingID, l.OwnerID, l.BorrowerID = listing.Int64, owner.Int64, borrower.Int64
	return l, nil
}

func (s *store) queryLoans(ctx context.Context, query string, args ...any) ([]Loan, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query loans: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Loan, error) {
		l, err := scanLoan(rows)
		if err != nil {
			return Loan{}, fmt.Errorf("scan loan: %w", err)
		}
		return l, nil
	})
}

// loan loads one loan.
func (s *store) loan(ctx context.Context, id int64) (Loan, error) {
	l, err := scanLoan(s.db.QueryRowContext(ctx, `SELECT `+loanCols+` FROM lending_loans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("loan %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("load loan %d: %w", id, err)
	}
	return l, nil
}

// openLoans returns a group's loans not yet closed, soonest due first.
func (s *store) openLoans(ctx context.Context, chat bot.ChatID) ([]Loan, error) {
	return s.queryLoans(ctx, `SELECT `+loanCols+` FROM lending_loans WHERE chat = ? AND state <> 'closed' ORDER BY due_at, id`, string(chat))
}

// personOpenLoans returns the open loans a person is owner or borrower of,
// in one group or everywhere when chat is empty.
func (s *store) personOpenLoans(ctx context.Context, chat bot.ChatID, person int64) ([]Loan, error) {
	return s.queryLoans(ctx, `SELECT `+loanCols+` FROM lending_loans
		WHERE state <> 'closed' AND (owner_id = ? OR borrower_id = ?) AND (? = '' OR chat = ?) ORDER BY due_at, id`,
		person, person, string(chat), string(chat))
}

// personLoanHistory returns every loan a person took part in.
func (s *store) personLoanHistory(ctx context.Context, person int64) ([]Loan, error) {
	return s.queryLoans(ctx, `SELECT `+loanCols+` FROM lending_loans WHERE owner_id = ? OR borrower_id = ? ORDER BY lent_at, id`, person, person)
}

// openLoanOfListing returns the open loan of a listing, if any.
func (s *store) openLoanOfListing(ctx context.Context, listing int64) (Loan, bool, error) {
	l, err := scanLoan(s.db.QueryRowContext(ctx, `SELECT `+loanCols+` FROM lending_loans WHERE listing_id = ? AND state <> 'closed' LIMIT 1`, listing))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("open loan of listing: %w", err)
	}
	return l, true, nil
}

// loanByConfirmMsg finds the loan waiting for its owner's confirmation
// that a given message of the bot's is about: the question itself, or any
// other message about the loan (noteLoanMsg).
func (s *store) loanByConfirmMsg(ctx context.Context, chat bot.ChatID, msgID string) (Loan, bool, error) {
	if msgID == "" {
		return Loan{}, false, nil
	}
	l, err := scanLoan(s.db.QueryRowContext(ctx, `SELECT `+loanCols+` FROM lending_loans WHERE chat = ? AND state = 'returning'
		AND (confirm_msg = ? OR id IN (SELECT loan_id FROM lending_loan_msgs WHERE chat = ? AND msg_id = ?)) LIMIT 1`, string(chat), msgID, string(chat), msgID))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("loan by confirm message: %w", err)
	}
	return l, true, nil
}

// createLoan records a loan and, in the same transaction, drops the
// borrower's wants it answers.
func (s *store) createLoan(ctx context.Context, l Loan, answeredWants []int64) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("create loan: %w", err)
	}
	defer tx.Rollback()
	id, err := sqlkit.InsertID(ctx, tx, `INSERT INTO lending_loans (chat, listing_id, item, owner_id, borrower_id, lent_at, due_at, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'out') RETURNING id`, string(l.Chat), l.ListingID, l.Item, l.OwnerID, l.BorrowerID, sqlkit.Millis(l.LentAt), sqlkit.Millis(l.DueAt))
	if err != nil {
		return 0, fmt.Errorf("create loan: %w", err)
	}
	for _, w := range answeredWants {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lending_wants WHERE id = ?`, w); err != nil {
			return 0, fmt.Errorf("drop answered want: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("create loan: %w", err)
	}
	return id, nil
}

// setDue moves a loan's due date and puts it back with the borrower (an
// extension of a loan awaiting confirmation means it was not back after all).
func (s *store) setDue(ctx context.Context, id int64, due time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE lending_loans SET due_at = ? WHERE id = ? AND state <> 'closed'`, sqlkit.Millis(due), id); err != nil {
		return fmt.Errorf("set due date: %w", err)
	}
	return nil
}

// claimReturn marks a loan as returned according to the borrower, waiting
// for the owner, and remembers the bot's question for reactions.
func (s *store) claimReturn(ctx context.Context, id int64, at time.Time, confirmMsg string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE lending_loans SET state = 'returning', claimed_at = ?, confirm_msg = ? WHERE id = ? AND state <> 'closed'`,
		sqlkit.Millis(at), confirmMsg, id); err != nil {
		return fmt.Errorf("claim return: %w", err)
	}
	return nil
}

// reopen puts a loan the borrower called returned back with the borrower.
func (s *store) reopen(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE lending_loans SET state = 'out', claimed_at = 0, confirm_msg = '' WHERE id = ? AND state = 'returning'`, id); err != nil {
		return fmt.Errorf("reopen loan: %w", err)
	}
	return nil
}

// closeLoan closes a loan.
func (s *store) closeLoan(ctx context.Context, id int64, at time.Time, reason string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE lending_loans SET state = 'closed', closed_at = ?, close_reason = ? WHERE id = ? AND state <> 'closed'`,
		sqlkit.Millis(at), reason, id); err != nil {
		return fmt.Errorf("close loan: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM lending_loan_msgs WHERE loan_id = ?`, id); err != nil {
		return fmt.Errorf("close loan: its messages: %w", err)
	}
	return nil
}

// noteLoanMsg remembers that a message of the bot's in a group is about a
// loan, so a reaction to it can be read as being about that loan.
func (s *store) noteLoanMsg(ctx context.Context, chat bot.ChatID, msgID string, loan int64) error {
	if msgID == "" {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO lending_loan_msgs (chat, msg_id, loan_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, string(chat), msgID, loan); err != nil {
		return fmt.Errorf("note loan message: %w", err)
	}
	return nil
}

// completedLoans counts a person's loans in a group that ended with the
// item back, as lender or borrower: the only trust signal shown.
func (s *store) completedLoans(ctx context.Context, chat bot.ChatID, person int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM lending_loans WHERE chat = ? AND state = 'closed' AND close_reason = 'returned'
		AND (owner_id = ? OR borrower_id = ?)`, string(chat), person, person).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count completed loans: %w", err)
	}
	return n, nil
}

func (s *store) queryWants(ctx context.Context, query string, args ...any) ([]Want, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query wants: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Want, error) {
		var w Want
		var chat string
		if err := rows.Scan(&w.ID, &chat, &w.PersonID, &w.Text, sqlkit.TimeCol(&w.Created), sqlkit.TimeCol(&w.Expires)); err != nil {
			return Want{}, fmt.Errorf("scan want: %w", err)
		}
		w.Chat = bot.ChatID(chat)
		return w, nil
	})
}

const wantCols = `id, chat, person_id, text, created_at, expires_at`

// addWant records a request, replacing the same person's earlier request
// for the same thing in the group, and returns its id.
func (s *store) addWant(ctx context.Context, w Want, replace []int64) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("add want: %w", err)
	}
	defer tx.Rollback()
	for _, id := range replace {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lending_wants WHERE id = ?`, id); err != nil {
			return 0, fmt.Errorf("replace want: %w", err)
		}
	}
	id, err := sqlkit.InsertID(ctx, tx, `INSERT INTO lending_wants (chat, person_id, text, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		string(w.Chat), w.PersonID, w.Text, sqlkit.Millis(w.Created), sqlkit.Millis(w.Expires))
	if err != nil {
		return 0, fmt.Errorf("add want: %w", err)
	}
	return id, tx.Commit()
}

// activeWants returns a group's unexpired wants, oldest first.
func (s *store) activeWants(ctx context.Context, chat bot.ChatID, now time.Time) ([]Want, error) {
	return s.queryWants(ctx, `SELECT `+wantCols+` FROM lending_wants WHERE chat = ? AND expires_at > ? ORDER BY created_at, id`, string(chat), sqlkit.Millis(now))
}

// personWants returns a person's unexpired wants in one group, or
// everywhere when chat is empty.
func (s *store) personWants(ctx context.Context, chat bot.ChatID, person int64, now time.Time) ([]Want, error) {
	return s.queryWants(ctx, `SELECT `+wantCols+` FROM lending_wants WHERE person_id = ? AND expires_at > ? AND (? = '' OR chat = ?)
		ORDER BY chat, created_at, id`, person, sqlkit.Millis(now), string(chat), string(chat))
}

// deleteWants removes wants (answered or expired).
func (s *store) deleteWants(ctx context.Context, ids []int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete wants: %w", err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lending_wants WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete want: %w", err)
		}
	}
	return tx.Commit()
}

const errandCols = `id, chat, runner_id, place, note, starts_at, created_at`

func (s *store) queryErrands(ctx context.Context, query string, args ...any) ([]Errand, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query errands: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Errand, error) {
		var e Errand
		var chat string
		if err := rows.Scan(&e.ID, &chat, &e.RunnerID, &e.Place, &e.Note, sqlkit.TimeCol(&e.StartsAt), sqlkit.TimeCol(&e.Created)); err != nil {
			return Errand{}, fmt.Errorf("scan errand: %w", err)
		}
		e.Chat = bot.ChatID(chat)
		return e, nil
	})
}

// addErrand stores an errand and returns its id.
func (s *store) addErrand(ctx context.Context, e Errand) (int64, error) {
	id, err := sqlkit.InsertID(ctx, s.db, `INSERT INTO lending_errands (chat, runner_id, place, note, starts_at, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		string(e.Chat), e.RunnerID, e.Place, e.Note, sqlkit.Millis(e.StartsAt), sqlkit.Millis(e.Created))
	if err != nil {
		return 0, fmt.Errorf("add errand: %w", err)
	}
	return id, nil
}

// errand loads one errand.
func (s *store) errand(ctx context.Context, id int64) (Errand, bool, error) {
	es, err := s.queryErrands(ctx, `SELECT `+errandCols+` FROM lending_errands WHERE id = ?`, id)
	if err != nil || len(es) == 0 {
		return Errand{}, false, err
	}
	return es[0], true, nil
}

// openErrands returns a group's errands that have not started, soonest first.
func (s *store) openErrands(ctx context.Context, chat bot.ChatID, now time.Time) ([]Errand, error) {
	return s.queryErrands(ctx, `SELECT `+errandCols+` FROM lending_errands WHERE chat = ? AND starts_at > ? ORDER BY starts_at, id`, string(chat), sqlkit.Millis(now))
}

// personErrands returns the open errands a person runs or joined, in one
// group or everywhere when chat is empty.
func (s *store) personErrands(ctx context.Context, chat bot.ChatID, person int64, now time.Time) ([]Errand, error) {
	return s.queryErrands(ctx, `SELECT `+errandCols+` FROM lending_errands e WHERE starts_at > ? AND (? = '' OR chat = ?)
		AND (runner_id = ? OR EXISTS (SELECT 1 FROM lending_errand_signups s WHERE s.errand_id = e.id AND s.person_id = ?))
		ORDER BY starts_at, id`, sqlkit.Millis(now), string(chat), string(chat), person, person)
}

// deleteErrand removes an errand and its signups.
func (s *store) deleteErrand(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM lending_errands WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete errand: %w", err)
	}
	return nil
}

// join adds or updates a signup; it reports whether the person was already on it.
// join signs someone up, or updates what they asked for; joining again
// without saying what ("!join the tip") keeps the earlier note.
func (s *store) join(ctx context.Context, sg Signup) (already bool, err error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM lending_errand_signups WHERE errand_id = ? AND person_id = ?`, sg.ErrandID, sg.PersonID).Scan(&n); err != nil {
		return false, fmt.Errorf("check signup: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO lending_errand_signups (errand_id, person_id, note, joined_at) VALUES (?, ?, ?, ?)
		ON CONFLICT(errand_id, person_id) DO UPDATE SET note = CASE WHEN excluded.note = '' THEN lending_errand_signups.note ELSE excluded.note END`, sg.ErrandID, sg.PersonID, sg.Note, sqlkit.Millis(sg.Joined)); err != nil {
		return false, fmt.Errorf("join errand: %w", err)
	}
	return n > 0, nil
}

// unjoin removes a signup and reports whether there was one.
func (s *store) unjoin(ctx context.Context, errand, person int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM lending_errand_signups WHERE errand_id = ? AND person_id = ?`, errand, person)
	if err != nil {
		return false, fmt.Errorf("leave errand: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// signups lists who joined an errand, in order of joining.
func (s *store) signups(ctx context.Context, errand int64) ([]Signup, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT errand_id, person_id, note, joined_at FROM lending_errand_signups WHERE errand_id = ? ORDER BY joined_at, person_id`, errand)
	if err != nil {
		return nil, fmt.Errorf("query signups: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Signup, error) {
		var sg Signup
		var joined sql.NullInt64
		if err := rows.Scan(&sg.ErrandID, &sg.PersonID, &sg.Note, &joined); err != nil {
			return Signup{}, fmt.Errorf("scan signup: %w", err)
		}
		sg.Joined = sqlkit.Time(joined)
		return sg, nil
	})
}

// forgetResult says what forgetting a person removed, which loans stay
// open without them, and which scheduled jobs to cancel.
type forgetResult struct {
	Listings, Wants, Signups, Errands, LoansAnonymised int
	// KeptLoans are loans still out, kept open with the forgotten side
	// zeroed: the item has not come back, so the other side's ledger must
	// still show it.
	KeptLoans []Loan
	// ClosedLoans are returns the forgotten owner can no longer confirm.
	ClosedLoans        []int64
	WantIDs, ErrandIDs []int64
}

// forget deletes a person's listings, wants, errands and signups, and
// takes them out of the loan ledger. Loans still out stay open without
// them (a ladder is still in someone's shed whoever asked to be
// forgotten); a return waiting for a forgotten owner's confirmation, or a
// loan whose other side was forgotten before, is closed, since nobody is
// left to confirm or close it. One transaction.
func (s *store) forget(ctx context.Context, person int64, now time.Time) (forgetResult, error) {
	var r forgetResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return r, fmt.Errorf("forget: %w", err)
	}
	defer tx.Rollback()
	open, err := forgetOpenLoans(ctx, tx, person)
	if err != nil {
		return r, fmt.Errorf("forget: open loans: %w", err)
	}
	r.KeptLoans, r.ClosedLoans = planForgetLoans(open, person)
	for _, id := range r.ClosedLoans {
		if _, err := tx.ExecContext(ctx, `UPDATE lending_loans SET state = 'closed', closed_at = ?, close_reason = 'forgotten' WHERE id = ?`, sqlkit.Millis(now), id); err != nil {
			return r, fmt.Errorf("forget: close loan: %w", err)
		}
	}
	if r.WantIDs, err = forgetIDs(ctx, tx, `SELECT id FROM lending_wants WHERE person_id = ? OR person_id = ?`, person); err != nil {
		return r, fmt.Errorf("forget: wants: %w", err)
	}
	if r.ErrandIDs, err = forgetIDs(ctx, tx, `SELECT id FROM lending_errands WHERE runner_id = ? OR runner_id = ?`, person); err != nil {
		return r, fmt.Errorf("forget: errands: %w", err)
	}
	if err := forgetRows(ctx, tx, person, &r); err != nil {
		return r, fmt.Errorf("forget: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return r, fmt.Errorf("forget: %w", err)
	}
	return r, nil
}

// planForgetLoans takes the person out of their open loans: those still
// out are kept with the forgotten side zeroed; those nobody is left to
// close are returned by id to be closed.
func planForgetLoans(open []Loan, person int64) (kept []Loan, closed []int64) {
	for _, l := range open {
		if l.OwnerID == person {
			l.OwnerID = 0
		} else {
			l.BorrowerID = 0
		}
		// Nobody can confirm a return for a forgotten owner, and a loan
		// with both sides forgotten has nobody left to close it.
		if (l.OwnerID == 0 && l.State == stateReturning) || (l.OwnerID == 0 && l.BorrowerID == 0) {
			closed = append(closed, l.ID)
			continue
		}
		kept = append(kept, l)
	}
	return kept, closed
}

// forgetIDs runs a query taking the person twice and returns the ids it
// selects.
func forgetIDs(ctx context.Context, tx bot.Tx, query string, person int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, person, person)
	if err != nil {
		return nil, err
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (int64, error) {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		return id, nil
	})
}

// forgetRows takes the person out of the loan ledger and deletes their
// listings, wants, signups and errands, counting each into r.
func forgetRows(ctx context.Context, tx bot.Tx, person int64, r *forgetResult) error {
	steps := []struct {
		n     *int
		query string
		args  []any
	}{
		{&r.LoansAnonymised, `UPDATE lending_loans SET owner_id = CASE WHEN owner_id = ? THEN NULL ELSE owner_id END,
			borrower_id = CASE WHEN borrower_id = ? THEN NULL ELSE borrower_id END WHERE owner_id = ? OR borrower_id = ?`, []any{person, person, person, person}},
		{new(int), `DELETE FROM lending_lent_questions WHERE owner_id = ? OR borrower_id = ?`, []any{person, person}},
		{&r.Listings, `DELETE FROM lending_listings WHERE owner_id = ?`, []any{person}},
		{&r.Wants, `DELETE FROM lending_wants WHERE person_id = ?`, []any{person}},
		{&r.Signups, `DELETE FROM lending_errand_signups WHERE person_id = ?`, []any{person}},
		{&r.Errands, `DELETE FROM lending_errands WHERE runner_id = ?`, []any{person}},
	}
	for _, st := range steps {
		res, err := tx.ExecContext(ctx, st.query, st.args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		*st.n = int(n)
	}
	return nil
}

// forgetOpenLoans reads, inside the forgetting transaction, the open loans
// a person is part of, before their id is taken out.
func forgetOpenLoans(ctx context.Context, tx bot.Tx, person int64) ([]Loan, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+loanCols+` FROM lending_loans WHERE state <> 'closed' AND (owner_id = ? OR borrower_id = ?) ORDER BY id`, person, person)
	if err != nil {
		return nil, err
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Loan, error) {
		l, err := scanLoan(rows)
		if err != nil {
			return Loan{}, err
		}
		return l, nil
	})
}

// lentQuestion is a !lent waiting for its period.
type lentQuestion struct {
	Chat       bot.ChatID
	OwnerID    int64
	ListingID  int64
	BorrowerID int64
	AskedAt    time.Time
}

// askLent stores a !lent waiting for its period, replacing the lender's
// earlier one in the group.
func (s *store) askLent(ctx context.Context, q lentQuestion) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO lending_lent_questions (chat, owner_id, listing_id, borrower_id, asked_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (chat, owner_id) DO UPDATE SET listing_id = excluded.listing_id, borrower_id = excluded.borrower_id, asked_at = excluded.asked_at`,
		string(q.Chat), q.OwnerID, q.ListingID, q.BorrowerID, sqlkit.Millis(q.AskedAt))
	if err != nil {
		return fmt.Errorf("ask lent period: %w", err)
	}
	return nil
}

// lentAsked finds the lender's !lent waiting for its period in a group,
// asked after since.
func (s *store) lentAsked(ctx context.Context, chat bot.ChatID, owner int64, since time.Time) (lentQuestion, bool, error) {
	q := lentQuestion{Chat: chat, OwnerID: owner}
	var asked sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT listing_id, borrower_id, asked_at FROM lending_lent_questions WHERE chat = ? AND owner_id = ? AND asked_at > ?`,
		string(chat), owner, sqlkit.Millis(since)).Scan(&q.ListingID, &q.BorrowerID, &asked)
	if errors.Is(err, sql.ErrNoRows) {
		return q, false, nil
	}
	if err != nil {
		return q, false, fmt.Errorf("lent question: %w", err)
	}
	q.AskedAt = sqlkit.Time(asked)
	return q, true, nil
}

// dropLentQuestion forgets a lender's question in a group, answered or not.
func (s *store) dropLentQuestion(ctx context.Context, chat bot.ChatID, owner int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM lending_lent_questions WHERE chat = ? AND owner_id = ?`, string(chat), owner); err != nil {
		return fmt.Errorf("drop lent question: %w", err)
	}
	return nil
}

// listing loads one listing.
func (s *store) listing(ctx context.Context, id int64) (Listing, bool, error) {
	l, err := scanListing(s.db.QueryRowContext(ctx, `SELECT `+listingCols+` FROM lending_listings WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("load listing: %w", err)
	}
	return l, true, nil
}

// lentQuestionsOf lists the !lent questions waiting that a person is part
// of, as lender or borrower, for !mydata.
func (s *store) lentQuestionsOf(ctx context.Context, person int64) ([]lentQuestion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT chat, owner_id, listing_id, borrower_id, asked_at FROM lending_lent_questions
		WHERE owner_id = ? OR borrower_id = ? ORDER BY asked_at`, person, person)
	if err != nil {
		return nil, fmt.Errorf("lent questions: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (lentQuestion, error) {
		var q lentQuestion
		var chat string
		var asked sql.NullInt64
		if err := rows.Scan(&chat, &q.OwnerID, &q.ListingID, &q.BorrowerID, &asked); err != nil {
			return lentQuestion{}, fmt.Errorf("scan lent question: %w", err)
		}
		q.Chat, q.AskedAt = bot.ChatID(chat), sqlkit.Time(asked)
		return q, nil
	})
}

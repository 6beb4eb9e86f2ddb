package potholes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Status is where a report stands. Stored as the text residents see.
type Status string

const (
	StatusOpen            Status = "open"
	StatusSent            Status = "sent"
	StatusInvestigating   Status = "investigating"
	StatusInProgress      Status = "in progress"
	StatusActionScheduled Status = "action scheduled"
	StatusFixed           Status = "fixed"
	StatusNotResponsible  Status = "not council's responsibility"
	StatusDuplicate       Status = "duplicate"
	StatusClosed          Status = "closed"
)

// allStatuses lists every status in lifecycle order.
var allStatuses = []Status{StatusOpen, StatusSent, StatusInvestigating, StatusInProgress, StatusActionScheduled,
	StatusFixed, StatusNotResponsible, StatusDuplicate, StatusClosed}

// Resolved reports whether the status ends the report's life.
func (s Status) Resolved() bool {
	switch s {
	case StatusFixed, StatusNotResponsible, StatusDuplicate, StatusClosed:
		return true
	}
	return false
}

// Send states.
const (
	sendNone     = ""
	sendQueued   = "queued"
	sendRetrying = "retrying"
	sendDone     = "sent"
	sendFailed   = "failed"
	// sendSending marks an attempt in flight: written just before the
	// report is posted to the council, replaced by the outcome after.
	sendSending = "sending"
	// sendUnsure is an attempt found still "sending" later: the bot stopped
	// (or could not record the answer) after posting, so the report may
	// already be with the council. It is not posted again by itself.
	sendUnsure = "unsure"
)

// Report is one street-fault report.
type Report struct {
	ID          int64
	Chat        bot.ChatID
	ReporterID  int64 // 0 once the reporter asked to be forgotten
	Category    string
	Description string
	HasLocation bool
	Lat, Long   float64
	Status      Status
	DuplicateOf int64
	Created     time.Time
	Updated     time.Time

	FixClaimAt time.Time // zero when no "!fixed" awaits a second neighbour
	FixClaimBy int64

	SendState        string
	SendAttempts     int
	LastSendError    string
	NextSendAt       time.Time
	SendStartedAt    time.Time // when the latest attempt started
	ServiceRequestID string
	Token            string
	CouncilStatus    string
	CouncilNotes     string
	CouncilExpected  string
	CouncilCheckedAt time.Time

	// Read-only, counted from other tables.
	Confirmations int
	Photos        int
	FirstPhoto    string // file name of the first photo, "" when none
}

// Ref is the short reference residents type.
func (r Report) Ref() string { return fmt.Sprintf("P%d", r.ID) }

// event is one line of a report's history.
type event struct {
	At      time.Time
	ActorID int64 // 0 for the bot or the council
	Kind    string
	Detail  string
}

// Photo is a stored photo file.
type Photo struct {
	SHA256 string
	File   string
	Size   int64
}

type store struct{ db bot.DB }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const reportColumns = `r.id, r.chat, COALESCE(r.reporter_id, 0), r.category, r.description, r.has_location, r.lat, r.long,
	r.status, COALESCE(r.duplicate_of, 0), r.created_at, r.updated_at, r.fix_claim_at, COALESCE(r.fix_claim_by, 0),
	r.send_state, r.send_attempts, r.last_send_error, r.next_send_at, r.send_started_at, r.service_request_id, r.token,
	r.council_status, r.council_notes, r.council_expected, r.council_checked_at,
	(SELECT COUNT(*) FROM pothole_confirmations c WHERE c.report_id = r.id),
	(SELECT COUNT(*) FROM pothole_photos p WHERE p.report_id = r.id),
	COALESCE((SELECT p.file FROM pothole_photos p WHERE p.report_id = r.id ORDER BY p.added_at, p.sha256 LIMIT 1), '')`

// scanReportWrapped is scanReport for sqlkit.ScanAll, its error saying what
// failed.
func scanReportWrapped(sc sqlkit.Scanner) (Report, error) {
	r, err := scanReport(sc)
	if err != nil {
		return Report{}, fmt.Errorf("scan report: %w", err)
	}
	return r, nil
}

func scanReport(sc sqlkit.Scanner) (Report, error) {
	var r Report
	var chat, status string
	if err := sc.Scan(&r.ID, &chat, &r.ReporterID, &r.Category, &r.Description, &r.HasLocation, &r.Lat, &r.Long,
		&status, &r.DuplicateOf, sqlkit.TimeCol(&r.Created), sqlkit.TimeCol(&r.Updated), sqlkit.TimeCol(&r.FixClaimAt), &r.FixClaimBy,
		&r.SendState, &r.SendAttempts, &r.LastSendError, sqlkit.TimeCol(&r.NextSendAt), sqlkit.TimeCol(&r.SendStartedAt), &r.ServiceRequestID, &r.Token,
		&r.CouncilStatus, &r.CouncilNotes, &r.CouncilExpected, sqlkit.TimeCol(&r.CouncilCheckedAt),
		&r.Confirmations, &r.Photos, &r.FirstPhoto); err != nil {
		return Report{}, err
	}
	r.Chat, r.Status = bot.ChatID(chat), Status(status)
	return r, nil
}

// report loads one report by id.
func (s store) report(ctx context.Context, id int64) (Report, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM pothole_reports r WHERE r.id = ?`, id)
	r, err := scanReport(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, bot.ErrNotFound
	}
	if err != nil {
		return Report{}, fmt.Errorf("load report %d: %w", id, err)
	}
	return r, nil
}

// ReportFilter selects reports for lists and exports.
type ReportFilter struct {
	Chat       bot.ChatID // "" for every group
	Category   string     // "" for every category
	Unresolved bool       // only reports still open in some form
	Resolved   bool       // only finished reports
	Status     Status     // one exact status
}

func (s store) reports(ctx context.Context, f ReportFilter) ([]Report, error) {
	var where []string
	var args []any
	if f.Chat != "" {
		where, args = append(where, "r.chat = ?"), append(args, string(f.Chat))
	}
	if f.Category != "" {
		where, args = append(where, "r.category = ?"), append(args, f.Category)
	}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, string(f.Status))
	}
	if f.Unresolved || f.Resolved {
		var marks []string
		for _, st := range allStatuses {
			if st.Resolved() == f.Resolved {
				marks, args = append(marks, "?"), append(args, string(st))
			}
		}
		where = append(where, "r.status IN ("+strings.Join(marks, ",")+")")
	}
	q := `SELECT ` + reportColumns + ` FROM pothole_reports r`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY r.id"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (Report, error) {
		r, err := scanReport(rows)
		if err != nil {
			return Report{}, fmt.Errorf("scan report: %w", err)
		}
		return r, nil
	})
}

// create inserts a new report with its photo and first history line in
// one transaction, returning the report's id.
func (s store) create(ctx context.Context, r Report, photo *Photo, ev event) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	id, err := sqlkit.InsertID(ctx, tx, `INSERT INTO pothole_reports
		(chat, reporter_id, category, description, has_location, lat, long, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		string(r.Chat), nullID(r.ReporterID), r.Category, r.Description, sqlkit.Flag(r.HasLocation), r.Lat, r.Long,
		string(r.Status), sqlkit.Millis(r.Created), sqlkit.Millis(r.Created))
	if err != nil {
		return 0, fmt.Errorf("insert report: %w", err)
	}
	if photo != nil {
		if err := insertPhoto(ctx, tx, id, *photo, r.ReporterID, r.Created); err != nil {
			return 0, err
		}
	}
	if err := indexReport(ctx, tx, id, r.Chat, r); err != nil {
		return 0, err
	}
	if err := insertEvents(ctx, tx, id, ev); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit report: %w", err)
	}
	return id, nil
}

func insertPhoto(ctx context.Context, tx bot.Tx, reportID int64, p Photo, by int64, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO pothole_photos (report_id, sha256, file, size, added_by, added_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, reportID, p.SHA256, p.File, p.Size, nullID(by), sqlkit.Millis(at)); err != nil {
		return fmt.Errorf("insert photo: %w", err)
	}
	return nil
}

func insertEvents(ctx context.Context, tx bot.Tx, reportID int64, evs ...event) error {
	for _, ev := range evs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pothole_events (report_id, at, actor_id, kind, detail) VALUES (?, ?, ?, ?, ?)`,
			reportID, sqlkit.Millis(ev.At), nullID(ev.ActorID), ev.Kind, ev.Detail); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	}
	return nil
}

// change describes what one action does to a report, applied atomically.
type change struct {
	photo        *Photo
	photoBy      int64
	confirmBy    int64 // adds a confirmation from this person
	events       []event
	saveMutables bool // write the report's mutable columns from the Report
}

// apply writes a report's mutable columns (when asked), a photo, a
// confirmation and history lines in one transaction.
func (s store) apply(ctx context.Context, r Report, c change) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if c.saveMutables {
		if _, err := tx.ExecContext(ctx, `UPDATE pothole_reports SET
			status = ?, duplicate_of = ?, updated_at = ?, fix_claim_at = ?, fix_claim_by = ?,
			send_state = ?, send_attempts = ?, last_send_error = ?, next_send_at = ?, send_started_at = ?,
			service_request_id = ?, token = ?, council_status = ?, council_notes = ?, council_expected = ?,
			council_checked_at = ?
			WHERE id = ?`,
			string(r.Status), nullID(r.DuplicateOf), sqlkit.Millis(r.Updated), sqlkit.Millis(r.FixClaimAt), nullID(r.FixClaimBy),
			r.SendState, r.SendAttempts, r.LastSendError, sqlkit.Millis(r.NextSendAt), sqlkit.Millis(r.SendStartedAt),
			r.ServiceRequestID, r.Token, r.CouncilStatus, r.CouncilNotes, r.CouncilExpected,
			sqlkit.Millis(r.CouncilCheckedAt), r.ID); err != nil {
			return fmt.Errorf("update report %d: %w", r.ID, err)
		}
	}
	at := r.Updated
	if c.photo != nil {
		if err := insertPhoto(ctx, tx, r.ID, *c.photo, c.photoBy, at); err != nil {
			return err
		}
	}
	if c.confirmBy != 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pothole_confirmations (report_id, person_id, at) VALUES (?, ?, ?)`,
			r.ID, c.confirmBy, sqlkit.Millis(at)); err != nil {
			return fmt.Errorf("insert confirmation: %w", err)
		}
	}
	if err := insertEvents(ctx, tx, r.ID, c.events...); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit report %d: %w", r.ID, err)
	}
	return nil
}

func (s store) hasConfirmed(ctx context.Context, reportID, person int64) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_confirmations WHERE report_id = ? AND person_id = ?`,
		reportID, person).Scan(&n); err != nil {
		return false, fmt.Errorf("check confirmation: %w", err)
	}
	return n > 0, nil
}

func (s store) hasPhoto(ctx context.Context, reportID int64, sha string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_photos WHERE report_id = ? AND sha256 = ?`,
		reportID, sha).Scan(&n); err != nil {
		return false, fmt.Errorf("check photo: %w", err)
	}
	return n > 0, nil
}

// events returns a report's history, oldest first.
func (s store) events(ctx context.Context, reportID int64) ([]event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, COALESCE(actor_id, 0), kind, detail FROM pothole_events
		WHERE report_id = ? ORDER BY at, id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("load history: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (event, error) {
		var ev event
		var at sql.NullInt64
		if err := rows.Scan(&at, &ev.ActorID, &ev.Kind, &ev.Detail); err != nil {
			return event{}, fmt.Errorf("scan history: %w", err)
		}
		ev.At = sqlkit.Time(at)
		return ev, nil
	})
}

// hasEvent reports whether a report's history has a line of this kind.
func (s store) hasEvent(ctx context.Context, reportID int64, kind string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_events WHERE report_id = ? AND kind = ?`,
		reportID, kind).Scan(&n); err != nil {
		return false, fmt.Errorf("check history: %w", err)
	}
	return n > 0, nil
}

// latestEvent returns the most recent line of a kind in a report's history.
func (s store) latestEvent(ctx context.Context, reportID int64, kind string) (event, bool, error) {
	var ev event
	var at sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT at, COALESCE(actor_id, 0), kind, detail FROM pothole_events
		WHERE report_id = ? AND kind = ? ORDER BY at DESC, id DESC LIMIT 1`, reportID, kind).Scan(&at, &ev.ActorID, &ev.Kind, &ev.Detail)
	if errors.Is(err, sql.ErrNoRows) {
		return event{}, false, nil
	}
	if err != nil {
		return event{}, false, fmt.Errorf("load history: %w", err)
	}
	ev.At = sqlkit.Time(at)
	return ev, true, nil
}

// latestEventOf returns the kind of the most recent line in a report's
// history among kinds, "" when it has none of them.
func (s store) latestEventOf(ctx context.Context, reportID int64, kinds ...string) (string, error) {
	if len(kinds) == 0 {
		return "", nil
	}
	args := []any{reportID}
	for _, k := range kinds {
		args = append(args, k)
	}
	var kind string
	err := s.db.QueryRowContext(ctx, `SELECT kind FROM pothole_events WHERE report_id = ? AND kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
		ORDER BY at DESC, id DESC LIMIT 1`, args...).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("check history: %w", err)
	}
	return kind, nil
}

// unfinishedSends lists unresolved reports whose sending is under way —
// queued, waiting to retry, or caught mid-attempt — and not yet with the
// council, so their send jobs can be booked again at start-up.
func (s store) unfinishedSends(ctx context.Context) ([]Report, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportColumns+` FROM pothole_reports r
		WHERE r.send_state IN (?, ?, ?) AND r.service_request_id = '' AND r.token = '' ORDER BY r.id`,
		sendQueued, sendRetrying, sendSending)
	if err != nil {
		return nil, fmt.Errorf("list unfinished sends: %w", err)
	}
	all, err := sqlkit.ScanAll(rows, scanReportWrapped)
	if err != nil {
		return nil, err
	}
	var out []Report
	for _, r := range all {
		if !r.Status.Resolved() {
			out = append(out, r)
		}
	}
	return out, nil
}

// fixedCheckDue lists up to limit open reports of a group that wait for the
// "is it fixed?" question and have not been asked, oldest first, with how
// many there are in all.
func (s store) fixedCheckDue(ctx context.Context, chat bot.ChatID, limit int) ([]Report, int, error) {
	args := []any{string(chat)}
	var marks []string
	for _, st := range allStatuses {
		if !st.Resolved() {
			marks, args = append(marks, "?"), append(args, string(st))
		}
	}
	args = append(args, fixedDueEvent, askedFixedEvent)
	where := ` FROM pothole_reports r WHERE r.chat = ? AND r.status IN (` + strings.Join(marks, ",") + `)
		AND EXISTS (SELECT 1 FROM pothole_events e WHERE e.report_id = r.id AND e.kind = ?)
		AND NOT EXISTS (SELECT 1 FROM pothole_events e WHERE e.report_id = r.id AND e.kind = ?)`
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count reports due a fixed check: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportColumns+where+` ORDER BY r.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("reports due a fixed check: %w", err)
	}
	out, err := sqlkit.ScanAll(rows, scanReportWrapped)
	return out, total, err
}

// openReports loads up to limit unresolved reports of a group and how many
// there are. When there are more than limit, the most confirmed are chosen
// (the oldest first among equals); those shown are in report order.
func (s store) openReports(ctx context.Context, chat bot.ChatID, limit int) ([]Report, int, error) {
	args := []any{string(chat)}
	var marks []string
	for _, st := range allStatuses {
		if !st.Resolved() {
			marks, args = append(marks, "?"), append(args, string(st))
		}
	}
	where := ` FROM pothole_reports r WHERE r.chat = ? AND r.status IN (` + strings.Join(marks, ",") + `)`
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count open reports: %w", err)
	}
	q := `SELECT ` + reportColumns + where + ` ORDER BY r.id LIMIT ?`
	if total > limit {
		q = `SELECT ` + reportColumns + ` FROM pothole_reports r WHERE r.id IN (SELECT r.id` + where +
			` ORDER BY (SELECT COUNT(*) FROM pothole_confirmations c WHERE c.report_id = r.id) DESC, r.id LIMIT ?) ORDER BY r.id`
	}
	rows, err := s.db.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list open reports: %w", err)
	}
	out, err := sqlkit.ScanAll(rows, scanReportWrapped)
	return out, total, err
}

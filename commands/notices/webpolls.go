package notices

import (
	"context"
	"time"

	"neighbourbot/bot"
)

// What the staff page shows of polls and consultations. Their SQL is in
// store_webpolls.go.

// PollQuery pages through the polls, newest first.
type PollQuery struct {
	// State is "open", "closed" or "" for both; a poll past its closing
	// time is closed, whether or not its close job has run yet.
	State  string
	Now    time.Time
	Before int64 // the notice id to list below (0: from the newest)
	Limit  int
}

// PollSummary is one poll in a list.
type PollSummary struct {
	Notice      int64 // the notice that carries it
	Title       string
	Question    string
	Sender      string // the notice's sender as residents see it
	NoticeState State
	Closes      time.Time
	// Closed: closed, or past its closing time (no vote counts after it).
	Closed bool
	Voters int
}

// ConsultQuery pages through the consultations, newest first.
type ConsultQuery struct {
	State  string // "open", "closed" or "" for both
	Now    time.Time
	Before int64 // the consultation id to list below
	Limit  int
}

// ConsultSummary is one consultation: a council notice's (Notice set) or
// one a group's admins started (Chat set).
type ConsultSummary struct {
	ID          int64
	Notice      int64
	Chat        bot.ChatID
	Question    string
	Link        string
	Closes      time.Time
	Created     time.Time
	State       string
	NoticeState State  // "" for a group's own
	Sender      string // "" for a group's own
	Comments    int
	// Closed: closed, or past its closing time (no comment is taken after it).
	Closed bool
}

// Number is how residents and the command line name it: "C3".
func (c ConsultSummary) Number() string { return consultNumber(c.ID) }

func (c *ConsultSummary) settle(now time.Time) {
	c.Closed = c.State != "open" || !now.Before(c.Closes)
}

// StaffComment is one comment as staff read it: no name, no number; Chat
// is the group it came from ("" for a private subscriber).
type StaffComment struct {
	ID   int64
	At   time.Time
	Chat bot.ChatID
	Area string
	Body string
}

// CommentCount is how many comments came from one group (Chat "" for the
// private subscribers) in one area.
type CommentCount struct {
	Chat     bot.ChatID
	Area     string
	Comments int
}

// RedactComment removes phone numbers from a comment's text, as they are
// removed when it is kept.
func RedactComment(s string) string {
	out, _ := redactNumbers(s)
	return out
}

// PollDraftPreview is DraftPreview for a notice carrying a poll or a
// consultation: the message shows the poll's or the consultation's lines
// as residents will get them (a stored notice's come from its stored
// poll; a draft has none yet).
func (r *Feature) PollDraftPreview(ctx context.Context, raw []byte, source, sender string) (NoticePreview, error) {
	pv, err := r.DraftPreview(ctx, raw, source, sender)
	if err != nil {
		return pv, err
	}
	n := pv.Notice
	if n.Poll != nil {
		pv.Message += r.pollLines(n.Poll)
	}
	if n.Consultation != nil {
		id, err := r.st.nextConsultationID(ctx)
		if err != nil {
			return pv, err
		}
		pv.Message += r.consultLines(&consultation{ID: id, Link: n.Consultation.Link, Closes: n.Consultation.Closes, State: "open"})
	}
	return pv, nil
}

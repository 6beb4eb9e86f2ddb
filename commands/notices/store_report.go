package notices

import (
	"context"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"time"
)

// The campaign report's reads: notices received in a period, and the
// comments on each one's consultation per area.

// noticesSince lists the notices received at or after since, newest first.
func (s store) noticesSince(ctx context.Context, since time.Time) ([]*Notice, error) {
	return scanNotices(s.q().QueryContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE received_at >= COALESCE(CAST(? AS BIGINT), 0) ORDER BY id DESC`, sqlkit.Millis(since)))
}

// areaCount is a count within one postcode area ("" when none is set).
type areaCount struct {
	Area  string
	Count int
}

// commentsByArea counts the comments on notice id's consultations per area.
func (s store) commentsByArea(ctx context.Context, id int64) ([]areaCount, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT m.area, COUNT(*) FROM notice_comments m JOIN notice_consultations c ON c.id = m.consultation_id
		WHERE c.notice_id = ? GROUP BY m.area ORDER BY m.area`, id)
	if err != nil {
		return nil, fmt.Errorf("report comments: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (areaCount, error) {
		var c areaCount
		if err := r.Scan(&c.Area, &c.Count); err != nil {
			return c, fmt.Errorf("scan comments: %w", err)
		}
		return c, nil
	})
}

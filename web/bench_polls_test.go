package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPollPages measures the poll and consultation pages' server time
// over 10,000 polls (half open) and 1,000 consultations, with the newest
// poll open with 20,000 voters in 200 groups across 20 areas, the oldest
// closed with its counts kept for the same 200 groups, and consultation
// C1 holding 20,000 comments. The floor, in the same run, is the
// signed-out page (the layout, no database): compare ns/op as ratios to
// it. An open poll's page is fetched again every 30 seconds by each
// browser showing it, so its cost is the one to watch.
func BenchmarkPollPages(b *testing.B) {
	s := newBenchSite(b)
	db := s.h.Store.DB()
	seed := []string{
		`INSERT INTO people (name, created_at, last_seen_at)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 20000) SELECT 'Voter '||i, 0, 0 FROM c`,
		`INSERT INTO notices (source, source_name, identifier, msg_type, urgency, title, body, topics, areas, sent_at, received_at, state)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 10000)
		 SELECT 'webhook', 'Shropshire Council', 'bench-'||i, 'alert', 'normal', 'Notice '||i, 'Body', 'roads', '', 1767603600000, 1767603600000, 'planned' FROM c`,
		`INSERT INTO notice_polls (notice_id, question, options, closes_at, state)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 10000)
		 SELECT i, 'Poll '||i||'?', '["Yes","No","Not sure"]', CASE WHEN i > 5000 THEN 1767690000000 ELSE 1767500000000 END,
		 CASE WHEN i > 5000 THEN 'open' ELSE 'closed' END FROM c`,
		`INSERT INTO notice_poll_chats (notice_id, target, chat, area)
		 WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < 199)
		 SELECT n, 'group:g'||i, 'group:g'||i, 'SY'||(i % 20)||' 1' FROM c, (SELECT 1 AS n UNION ALL SELECT 10000)`,
		`INSERT INTO notice_poll_votes (notice_id, person_id, target, choice, voted_at)
		 SELECT 10000, id, 'group:g'||(id % 200), id % 3, 1767603600000 FROM people WHERE name LIKE 'Voter %'`,
		`INSERT INTO notice_poll_counts (notice_id, scope, area, choice, votes)
		 WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < 199)
		 SELECT 1, 'group:g'||i, 'SY'||(i % 20)||' 1', ch, 33 + ch FROM c, (SELECT -1 AS ch UNION ALL SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2)`,
		`INSERT INTO notice_consultations (notice_id, question, closes_at, state, created_at)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 1000)
		 SELECT i, 'Consultation '||i, 1767690000000, 'open', 1767603600000 FROM c`,
		`INSERT INTO notice_comments (consultation_id, scope, area, body, created_at)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 20000)
		 SELECT 1, 'group:g'||(i % 200), 'SY'||(i % 20)||' 1', 'Comment number '||i||' about the crossing.', 1767603600000 + i FROM c`,
	}
	for _, q := range seed {
		if _, err := db.ExecContext(b.Context(), q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	cookie := s.sessionCookie("Olive")
	h := s.srv.Handler()
	page := func(path string) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
				}
			}
		}
	}
	b.Run("floor", page("/signed-out"))
	for _, p := range []string{"/polls", "/polls?state=open", "/polls?state=closed", "/polls?before=5000", "/polls/10000", "/polls/1",
		"/polls/10000/results.csv", "/polls/new", "/consultations", "/consultations?state=closed", "/consultations/1", "/consultations/1?after=19900",
		"/consultations/1/comments.csv"} {
		b.Run(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(p), page(p))
	}
}

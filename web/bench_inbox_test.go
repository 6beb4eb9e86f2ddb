package web_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/commands/inbox"
)

// BenchmarkInbox measures the inbox pages' server time over 20,000 tickets
// (2,000 of them open) with 60,000 messages and 100,000 audit entries,
// against a floor in the same
// run: the signed-out page, which renders the layout and touches no
// database. Compare ns/op as ratios to the floor; the target is
// the list and a ticket under 50 ms. Office hours are on, so the timers
// count working time day by day.
func BenchmarkInbox(b *testing.B) {
	s := newInboxSiteIn(b, filepath.Join(b.TempDir(), "inbox"), func(c *inbox.Config) { c.Hours = "Mon-Fri 09:00-17:00" })
	s.h.Run("dm Erin: pothole on the main road\ndm Finn: General question\ndm Finn: 1\n")
	ctx := b.Context()
	db := s.h.Store.DB()
	const now = 1767603600000 // the harness's clock: Mon 5 Jan 2026 09:00 UTC
	seed := []string{
		`DELETE FROM inbox_messages`, `DELETE FROM inbox_tickets`,
		`INSERT INTO inbox_tickets (id, number, person_id, desk, state, created_at, opened_at, first_reply_at, closed_at, closed_by, assignee_id, assignee_name, last_in_id, last_at)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 20000)
		 SELECT i, i, (SELECT id FROM people WHERE name = CASE i % 2 WHEN 0 THEN 'Erin' ELSE 'Finn' END),
		   CASE i % 2 WHEN 0 THEN 'Highways' ELSE 'General' END,
		   CASE WHEN i > 18000 THEN 'open' ELSE 'closed' END,
		   ` + "?1" + ` - (20000 - i) * 1500000, ?1 - (20000 - i) * 1500000,
		   CASE WHEN i % 3 = 0 THEN NULL ELSE ?1 - (20000 - i) * 1500000 + 3600000 END,
		   CASE WHEN i > 18000 THEN NULL ELSE ?1 - (20000 - i) * 1500000 + 86400000 END,
		   CASE WHEN i > 18000 THEN '' ELSE 'staff' END,
		   CASE WHEN i % 5 = 0 THEN (SELECT id FROM people WHERE name = 'Sam') END,
		   CASE WHEN i % 5 = 0 THEN 'Sam' ELSE '' END,
		   i * 3, ?1 - (20000 - i) * 1500000 + 7200000 FROM c`,
		`INSERT INTO inbox_messages (id, ticket_id, at, direction, author_id, author_name, text)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 60000)
		 SELECT i, (i + 2) / 3, ?1 - (20000 - (i + 2) / 3) * 1500000 + (i % 3) * 3600000,
		   CASE i % 3 WHEN 2 THEN 'out' ELSE 'in' END, NULL, CASE i % 3 WHEN 2 THEN 'Sam' ELSE '' END,
		   'Message ' || i || ' about the pothole on the main road near number ' || (i % 200) FROM c`,
		`INSERT INTO audit_log (at, chat, actor_id, actor_name, action, target_id, target_name, detail)
		 WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < 99999)
		 SELECT ?1 - (20000 - (i / 5 + 1)) * 1500000 + (i % 5) * 600000,
		   CASE (i / 5 + 1) % 2 WHEN 0 THEN 'group:roads' ELSE 'group:staff' END, 0, 'Sam',
		   CASE i % 5 WHEN 0 THEN 'inbox.opened' WHEN 1 THEN 'inbox.message' WHEN 2 THEN 'inbox.reply' WHEN 3 THEN 'inbox.assigned' ELSE 'inbox.closed' END,
		   0, 'Alex', 'C' || (i / 5 + 1) || CASE i % 5 WHEN 1 THEN ' · photo' WHEN 2 THEN ' · on the staff page' ELSE '' END FROM c`,
	}
	for _, q := range seed {
		if _, err := db.ExecContext(ctx, q, now); err != nil {
			b.Fatal(err)
		}
	}
	h := s.srv.Handler()
	page := func(cookie *http.Cookie, path string) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d\n%s", path, rec.Code, rec.Body.String())
				}
			}
		}
	}
	olive, rita := s.sessionCookie("Olive"), s.sessionCookie("Rita")
	b.Run("floor", page(olive, "/signed-out"))
	for _, p := range []string{"/inbox", "/inbox?state=closed", "/inbox?state=all&after=10000", "/inbox?state=all&order=oldest",
		"/inbox?state=waiting", "/inbox?state=all&with=nobody&age=30d", "/inbox?state=all&q=C15000", "/inbox?state=all&q=number+42",
		"/inbox?state=all&q=no+such+words", "/inbox/15000", "/inbox/19999", "/inbox/18002"} {
		b.Run("owner"+strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-", "+", "-").Replace(p), page(olive, p))
	}
	for _, p := range []string{"/inbox", "/inbox?state=closed&desk=Highways", "/inbox/15000"} {
		b.Run("desk"+strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-", "+", "-").Replace(p), page(rita, p))
	}
}

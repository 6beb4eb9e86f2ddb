package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPages measures each page's server time over 10,000 notices
// and 100,000 audit rows, against a floor in the same run: the signed-out
// page, which renders the layout and touches no database. Compare ns/op as
// ratios to the floor; the target is each page under 50 ms.
func BenchmarkPages(b *testing.B) {
	s := newBenchSite(b)
	ctx := b.Context()
	db := s.h.Store.DB()
	seed := []string{
		`INSERT INTO notices (source, source_name, identifier, msg_type, urgency, title, body, topics, areas, sent_at, received_at, state)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 10000)
		 SELECT 'webhook', 'Shropshire Council', 'bench-'||i, 'alert', 'normal', 'Notice '||i, 'Body of notice '||i, 'roads', 'SY3 7', 1767603600000, 1767603600000, 'planned' FROM c`,
		`INSERT INTO notice_audit (notice_id, at, event, actor, target, detail)
		 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 100000)
		 SELECT 1 + i % 10000, 1767603600000 + i * 1000, 'delivered', 'Person '||(i % 50), '', 'row '||i FROM c`,
	}
	for _, q := range seed {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 20 {
		s.h.Run(grit(fmt.Sprintf("bench-grit-%d", i)))
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
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		}
	}
	b.Run("floor", page("/signed-out"))
	for _, p := range []string{"/", "/approvals", "/notices", "/notices?before=5000", "/notices/5000", "/notices/new", "/audit",
		"/audit?person=person+7", "/audit?service=council", "/audit?notice=42", "/audit?from=2026-01-06&to=2026-01-06", "/audit?from=2026-01-05&to=2026-01-05&person=person+7", "/audit?page=1000", "/groups", "/account"} {
		b.Run(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-", "+", "-").Replace(p), page(p))
	}
}

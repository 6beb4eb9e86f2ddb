package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkFaultPages measures the street-fault pages' server time over
// 20,000 reports (each with a pin, a photo, a confirmation and two history
// lines) in two groups, against a floor in the same run: the signed-out
// page, which renders the layout and touches no database. Compare ns/op
// as ratios to the floor.
func BenchmarkFaultPages(b *testing.B) {
	fs := newFaultSite(b)
	fs.h.Run("@group street\nBob [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n")
	ctx := b.Context()
	db := fs.h.Store.DB()
	seed := []string{
		`INSERT INTO pothole_reports (chat, category, description, has_location, lat, long, status, created_at, updated_at)
		 WITH RECURSIVE c(i) AS (SELECT 2 UNION ALL SELECT i+1 FROM c WHERE i < 20000)
		 SELECT (SELECT chat FROM pothole_reports WHERE id = 1), CASE i % 4 WHEN 0 THEN 'pothole' WHEN 1 THEN 'streetlight' WHEN 2 THEN 'flytipping' ELSE 'drain' END,
		   'Fault number '||i||' on Long Lane', 1, 52.6 + (i % 200) * 0.001, -2.8 + (i / 200) * 0.001,
		   CASE i % 5 WHEN 0 THEN 'fixed' WHEN 1 THEN 'sent' ELSE 'open' END, 1767603600000 + i * 60000, 1767603600000 + i * 60000 FROM c`,
		`INSERT INTO pothole_photos (report_id, sha256, file, size, added_at)
		 SELECT id, printf('%064x', id), printf('%064x', id)||'.jpg', 1000, created_at FROM pothole_reports WHERE id > 1`,
		`INSERT INTO pothole_confirmations (report_id, person_id, at) SELECT id, NULL, created_at FROM pothole_reports WHERE id > 1`,
		`INSERT INTO pothole_events (report_id, at, actor_id, kind, detail)
		 SELECT id, created_at, NULL, 'filed', 'photo, location' FROM pothole_reports WHERE id > 1
		 UNION ALL SELECT id, created_at + 1000, NULL, 'confirmed', '' FROM pothole_reports WHERE id > 1`,
	}
	for _, q := range seed {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	cookie := fs.sessionCookie("Olive")
	h := fs.srv.Handler()
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
	for _, p := range []string{"/faults", "/faults?state=unresolved", "/faults?category=drain", "/faults?state=fixed&category=pothole",
		"/faults?area=SY3+7", "/faults?page=800", "/faults/10000", "/faults/map.json", "/faults/map.json?category=drain&state=fixed"} {
		b.Run(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-", "+", "-").Replace(p), page(p))
	}
}

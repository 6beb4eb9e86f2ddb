package potholes

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// indexFixture is a harness with a Feature on its store, for filing
// reports straight into the database.
type indexFixture struct {
	h *bottest.Harness
	f *Feature
}

func newIndexFixture(tb testing.TB) indexFixture {
	h := bottest.New(tb, harnessOptions(tb, testConfig(), ""))
	return indexFixture{h: h, f: &Feature{cfg: testConfig(), store: store{db: h.Store.DB()}}}
}

func (x indexFixture) file(tb testing.TB, r Report) int64 {
	tb.Helper()
	r.Chat, r.Status, r.Created = "group:street", StatusOpen, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if r.Category == "" {
		r.Category = "pothole"
	}
	id, err := x.f.store.create(context.Background(), r, nil, event{At: r.Created, Kind: "filed"})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func refs(ms []match) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.Report.ID)
	}
	return out
}

// TestIndexFindsWhatAFullScanFinds: for many candidates over many
// reports, the index hands findDuplicates every report a scan of all open
// reports would have matched, in the same order.
func TestIndexFindsWhatAFullScanFinds(t *testing.T) {
	x := newIndexFixture(t)
	rng := rand.New(rand.NewPCG(1, 2))
	places := []string{"Elm Road", "Elm Rd", "Oak Lane", "Ash Close", "the school gates", "the scool gates", "the post box",
		"the postbox", "the lamp post", "the lamppost", "Mill Lane", "the park", "Birch Avenue", "the bus stop", "the garages"}
	describe := func() string {
		return fmt.Sprintf("%s outside no. %d %s", []string{"deep hole", "crack", "sunken", "huge pothole"}[rng.IntN(4)],
			rng.IntN(20)+1, places[rng.IntN(len(places))])
	}
	for i := range 400 {
		r := Report{Description: describe()}
		if i%3 == 0 {
			r.HasLocation, r.Lat, r.Long = true, 52.70+rng.Float64()*0.01, -2.76+rng.Float64()*0.01
		}
		x.file(t, r)
	}
	ctx := context.Background()
	all, err := x.f.store.reports(ctx, ReportFilter{Chat: "group:street", Category: "pothole", Unresolved: true})
	if err != nil {
		t.Fatal(err)
	}
	radius := float64(x.f.cfg.DuplicateRadiusM)
	for i := range 300 {
		c := candidate{Category: "pothole", Description: describe()}
		if i%2 == 0 {
			c.HasLocation, c.Lat, c.Long = true, 52.70+rng.Float64()*0.01, -2.76+rng.Float64()*0.01
		}
		got, err := x.f.duplicateCandidates(ctx, "group:street", c)
		if err != nil {
			t.Fatal(err)
		}
		want := refs(findDuplicates(c, all, radius))
		if have := refs(findDuplicates(c, got, radius)); !slices.Equal(have, want) {
			t.Fatalf("%+v:\nindex found %v\nscan found  %v", c, have, want)
		}
	}
}

// TestSpacingVariantsFoldTogether: the same thing written as one word or
// two is the same report.
func TestSpacingVariantsFoldTogether(t *testing.T) {
	tests := []struct{ filed, typed string }{
		{"broken by the post box on Mill Lane", "by the postbox, Mill Lane"},
		{"by the postbox on the green", "next to the post box by the green"},
		{"leaning lamp post by the garages", "leaning lamppost by garages"},
		{"speed bump cracked by the school", "speedbump by school cracked"},
		{"by the bus stop", "at the busstop"},
		{"by the post-box", "by the post box"},
	}
	for _, tt := range tests {
		x := newIndexFixture(t)
		x.file(t, Report{Description: tt.filed})
		c := candidate{Category: "pothole", Description: tt.typed}
		got, err := x.f.duplicateCandidates(context.Background(), "group:street", c)
		if err != nil {
			t.Fatal(err)
		}
		if len(findDuplicates(c, got, 50)) != 1 {
			t.Errorf("%q is not taken for %q", tt.typed, tt.filed)
		}
		// Both ways round, and without the index.
		if !descriptionsMatch(tt.filed, tt.typed, "pothole") || !descriptionsMatch(tt.typed, tt.filed, "pothole") {
			t.Errorf("%q and %q do not match", tt.filed, tt.typed)
		}
	}
}

// TestIndexCatchesReportsFiledBeforeIt: reports written before the index
// (words_indexed = 0, no cell) are indexed by the first lookup.
func TestIndexCatchesReportsFiledBeforeIt(t *testing.T) {
	x := newIndexFixture(t)
	id := x.file(t, Report{Description: "deep outside no. 12 Elm Road", HasLocation: true, Lat: 52.7069, Long: -2.7540})
	db := x.h.Store.Raw()
	if _, err := db.Exec(`DELETE FROM pothole_words`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE pothole_reports SET words_indexed = 0`); err != nil {
		t.Fatal(err)
	}
	c := candidate{Category: "pothole", Description: "hole by no. 12 Elm Rd"}
	got, err := x.f.duplicateCandidates(context.Background(), "group:street", c)
	if err != nil || len(got) != 1 || got[0].ID != id {
		t.Fatalf("got %v, %v; want P%d", got, err, id)
	}
	// The migration's cell and Go's agree.
	var y, xx int64
	if err := db.QueryRow(`SELECT CAST((lat + 90) * 1000 AS INTEGER), CAST((long + 180) / 0.0015 AS INTEGER) FROM pothole_reports`).Scan(&y, &xx); err != nil {
		t.Fatal(err)
	}
	if gy, gx := cellOf(52.7069, -2.7540); gy != y || gx != xx {
		t.Errorf("cell in Go %d,%d; in SQL %d,%d", gy, gx, y, xx)
	}
}

// benchmarkFiling measures one duplicate lookup in a group with n open
// reports: three near and alike (the same spot, the same street), the
// rest elsewhere in town on other streets — though one in forty shares
// the house number. Flat cost means the rest do not count.
func benchmarkFiling(b *testing.B, n int, c candidate) {
	x := newIndexFixture(b)
	db := x.h.Store.DB()
	ctx := context.Background()
	err := x.h.Store.Atomic(ctx, func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for i := range n {
			r := Report{Chat: "group:street", Category: "pothole", Status: StatusOpen,
				Description: fmt.Sprintf("deep hole outside no. %d Street%d Road", i%40+1, i/40)}
			if i%2 == 0 {
				// Elsewhere in town: a few kilometres away.
				r.HasLocation, r.Lat, r.Long = true, 52.72+float64(i%211)*0.0002, -2.80+float64(i%307)*0.0003
			}
			if i < 3 {
				r.Description = fmt.Sprintf("deep outside no. 12 Elm Road, the %s side", []string{"north", "south", "east"}[i])
				r.HasLocation, r.Lat, r.Long = true, 52.7069, -2.7540+float64(i)*0.0001
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO pothole_reports (chat, category, description, has_location, lat, long, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)`, string(r.Chat), r.Category, r.Description, r.HasLocation, r.Lat, r.Long, string(r.Status))
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			if err := indexReport(ctx, tx, id, r.Chat, r); err != nil {
				return err
			}
		}
		return tx.Commit()
	})
	if err != nil {
		b.Fatal(err)
	}
	radius := float64(x.f.cfg.DuplicateRadiusM)
	b.ReportAllocs()
	for b.Loop() {
		got, err := x.f.duplicateCandidates(ctx, "group:street", c)
		if err != nil {
			b.Fatal(err)
		}
		if len(findDuplicates(c, got, radius)) == 0 {
			b.Fatal("the three alike reports were not found")
		}
	}
}

// BenchmarkFilingDuplicateCheck files against 200, 2,000 and 20,000 open
// reports; the floor is the same lookup in an empty group, so results
// read as ratios to it in the same run (see docs/architecture.md, "Tests, benchmarks and CI").
func BenchmarkFilingDuplicateCheck(b *testing.B) {
	pinned := candidate{Category: "pothole", Description: "deep outside no. 12 Elm Road", HasLocation: true, Lat: 52.7069, Long: -2.7540}
	words := candidate{Category: "pothole", Description: "deep outside no. 12 Elm Road"}
	for _, n := range []int{3, 200, 2000, 20000} {
		name := fmt.Sprint(n)
		if n == 3 {
			name = "floor"
		}
		b.Run("pin/"+name, func(b *testing.B) { benchmarkFiling(b, n, pinned) })
		b.Run("words/"+name, func(b *testing.B) { benchmarkFiling(b, n, words) })
	}
}

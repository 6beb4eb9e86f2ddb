package potholes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// heldSetup files P1 with a pin and has Gina's pinned, photographed attempt
// at the same spot held back as "Already reported?".
const heldSetup = `@admin Alice
Alice: !bot on
Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Gina [photo] [location 52.70700,-2.7540]: !pothole big hole by number 12
`

func heldCount(t *testing.T, h *bottest.Harness) int {
	t.Helper()
	var n int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM pothole_held_attempts WHERE expired = 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func photoFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(entries)
}

func TestHeldAttemptSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "photos")
	h := bottest.New(t, harnessOptions(t, testConfig(), dir))
	h.Expect(heldSetup, "within 30 minutes, it uses the location pin and photo you just sent")
	h.Restart()
	h.Run("@group street\n@advance 20m\n")
	h.Expect("Gina: !pothole new big hole by number 12\n",
		"Logged P2 (pothole, with the photo and location from your earlier message): big hole by number 12.")
	var lat, long float64
	var photos int
	if err := h.Store.Raw().QueryRow(`SELECT lat, long, (SELECT COUNT(*) FROM pothole_photos WHERE report_id = 2)
		FROM pothole_reports WHERE id = 2`).Scan(&lat, &long, &photos); err != nil {
		t.Fatal(err)
	}
	if lat != 52.70700 || long != -2.7540 || photos != 1 {
		t.Errorf("P2 filed at %v,%v with %d photos; want the held pin and photo", lat, long, photos)
	}
	if n := heldCount(t, h); n != 0 {
		t.Errorf("%d held attempts after filing, want 0", n)
	}
	// The photo is the report's now: the expiry job must not remove it.
	h.Run("@advance 1h\n")
	if n := photoFiles(t, dir); n != 1 {
		t.Errorf("%d photo files, want the report's 1", n)
	}
}

func TestHeldAttemptExpires(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "photos")
	h := bottest.New(t, harnessOptions(t, testConfig(), dir))
	h.Run(heldSetup)
	if n, files := heldCount(t, h), photoFiles(t, dir); n != 1 || files != 1 {
		t.Fatalf("after the attempt: %d held, %d photo files; want 1, 1", n, files)
	}
	h.Run("@advance 29m\n")
	if n := heldCount(t, h); n != 1 {
		t.Fatalf("%d held attempts before 30 minutes, want 1", n)
	}
	h.Run("@advance 1m\n")
	if n, files := heldCount(t, h), photoFiles(t, dir); n != 0 || files != 0 {
		t.Errorf("after 30 minutes: %d held, %d photo files; want 0, 0", n, files)
	}
	out := h.Expect("Gina: !pothole new big hole by number 12\n", "Logged P2 (pothole): big hole by number 12. No location pin")
	if strings.Contains(out, "earlier message") {
		t.Errorf("expired attempt used:\n%s", out)
	}
}

// TestHeldPhotoSharedWithReport: a held photo that a report also has is
// not removed when the hold ends, and a newer attempt replaces an older
// one's photo.
func TestHeldPhotoSharedWithReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "photos")
	h := bottest.New(t, harnessOptions(t, testConfig(), dir))
	h.Run(`@admin Alice
Alice: !bot on
Bob [photo]: look at this
Carol [reply Bob]: !pothole outside no. 12 Elm Road, deep
`)
	h.Expect("Dave [reply Bob]: !pothole deep outside no. 12 Elm Road\n", "within 30 minutes, it uses the photo you just sent")
	if n := photoFiles(t, dir); n != 1 {
		t.Fatalf("%d photo files, want 1 shared by P1 and the held attempt", n)
	}
	h.Run("@advance 31m\n")
	if n, files := heldCount(t, h), photoFiles(t, dir); n != 0 || files != 1 {
		t.Errorf("after the hold: %d held, %d photo files; want 0 and P1's file", n, files)
	}
	// A newer attempt's photo replaces the older one's, whose file goes.
	h.Run("Dave [photo]: !pothole deep outside no. 12 Elm Road, again\n")
	h.Run("Dave [photo]: !pothole deep outside number 12 Elm Road\n")
	if n, files := heldCount(t, h), photoFiles(t, dir); n != 1 || files != 2 {
		t.Errorf("after a replaced attempt: %d held, %d photo files; want 1, 2", n, files)
	}
}

// TestHeldAttemptBadInputKeepsIt: a "new" that is refused leaves the held
// attempt for the corrected command.
func TestHeldAttemptBadInputKeepsIt(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(heldSetup)
	before := tableCounts(t, h)
	for _, b := range []struct{ line, want string }{
		{"Gina: !pothole new\n", "Please say where it is"},
		{"Gina: !pothole new " + strings.Repeat("deep ", 250) + "\n", "please keep it under 1000"},
		{"Gina: !report drains new\n", "Please say where it is"},
	} {
		h.Expect(b.line, b.want)
		if after := tableCounts(t, h); after != before || heldCount(t, h) != 1 {
			t.Fatalf("%q changed the store:\nbefore %s\nafter  %s (held %d)", b.line, before, after, heldCount(t, h))
		}
	}
	h.Expect("Gina: !pothole new big hole by number 12\n", "with the photo and location from your earlier message")
}

func TestForgetPersonDeletesHeldAttempt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "photos")
	h := bottest.New(t, harnessOptions(t, testConfig(), dir))
	h.Run(heldSetup)
	ctx := context.Background()
	dp := provider(t, h)
	gina := personID(t, h, "Gina")
	lines, err := dp.DescribePerson(ctx, gina)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, "\n"); !strings.Contains(got, "You sent a location pin or photo with a report that looked already reported; I keep it for up to 30 minutes") {
		t.Errorf("description lacks the held attempt:\n%s", got)
	}
	if _, err := dp.ForgetPerson(ctx, gina); err != nil {
		t.Fatal(err)
	}
	if n, files := heldCount(t, h), photoFiles(t, dir); n != 0 || files != 0 {
		t.Errorf("after forgetting: %d held, %d photo files; want 0, 0", n, files)
	}
	if lines, err := dp.DescribePerson(ctx, gina); err != nil || len(lines) != 0 {
		t.Errorf("after forgetting: %v, %v", lines, err)
	}
}

func TestWithText(t *testing.T) {
	cases := []struct {
		with, earlier    []string
		reply, historyTo string
	}{
		{[]string{"photo", "location"}, nil, "photo and location", "photo, location"},
		{[]string{"location"}, nil, "location", "location"},
		{[]string{"photo", "location"}, []string{"photo", "location"}, "the photo and location from your earlier message", "photo and location from an earlier message"},
		{[]string{"photo", "location"}, []string{"photo"}, "location and the photo from your earlier message", "location; photo from an earlier message"},
		{[]string{"location"}, []string{"location"}, "the location from your earlier message", "location from an earlier message"},
	}
	for _, c := range cases {
		if got := withText(c.with, c.earlier); got != c.reply {
			t.Errorf("withText(%v, %v) = %q, want %q", c.with, c.earlier, got, c.reply)
		}
		if got := historyWith(c.with, c.earlier); got != c.historyTo {
			t.Errorf("historyWith(%v, %v) = %q, want %q", c.with, c.earlier, got, c.historyTo)
		}
	}
}

// TestHeldPhotoOutlivesAnotherReport: a held photo is not lost when its
// owner files another report first; a later "new" or "!metoo" uses it.
func TestHeldPhotoOutlivesAnotherReport(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), filepath.Join(t.TempDir(), "photos")))
	h.Run(heldSetup)
	h.Expect("Gina: !pothole loose drain cover on Mill Lane", "Logged P2", "I'm still keeping the location pin and photo you sent earlier for !pothole new … until")
	h.Expect("Gina: !pothole new big hole by number 12", "Logged P3 (pothole, with the photo and location from your earlier message)")
	h.Expect("Hal [photo]: !pothole big hole outside number 12", "Either way, your photo goes with it.")
	h.Expect("Hal: !metoo P1", "P1 now has 1 confirmation and the photo from your earlier message.")
	for id, want := range map[int]int{1: 1, 2: 0, 3: 1} {
		var n int
		if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM pothole_photos WHERE report_id = ?`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("P%d has %d photos, want %d", id, n, want)
		}
	}
	if n := heldCount(t, h); n != 0 {
		t.Errorf("%d held attempts left, want 0", n)
	}
}

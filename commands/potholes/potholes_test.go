package potholes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// tableCounts snapshots the feature's tables and the job queue.
func tableCounts(t *testing.T, h *bottest.Harness) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"pothole_reports", "pothole_photos", "pothole_confirmations", "pothole_events", "jobs"} {
		var n int
		if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", table, n))
	}
	var state string
	if err := h.Store.Raw().QueryRow(`SELECT COALESCE(group_concat(id || ':' || status || ':' || COALESCE(fix_claim_by, '') || ':' || send_state, ','), '')
		FROM pothole_reports`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return strings.Join(parts, " ") + " " + state
}

func TestBadInputChangesNothing(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\nBob: !fixed P1\n")
	before := tableCounts(t, h)
	huge := strings.Repeat("pothole ", 130) // 1,040 characters
	odd := "P\uff11"                        // a full-width digit one
	bad := []struct{ line, want string }{
		{"Carol: !pothole", "Usage: !pothole DESCRIPTION"},
		{"Carol: !pothole new   ", "Please say where it is"},
		{"Carol: !pothole " + huge, "please keep it under 1000"},
		{"Carol: !report", "To log a street fault: !report CATEGORY DESCRIPTION — categories: pothole, streetlight"},
		{"Carol: !report graffiti on the bus shelter", "Usage: !report CATEGORY DESCRIPTION"},
		{"Carol: !pothole P404", "There's no report P404 in this group."},
		{"Carol: !pothole P1 fixed", "only group admins can change a report's status"},
		{"Carol: !pothole P1 send", "only group admins can send"},
		{"Alice: !pothole P1 squashed", `I don't know "squashed" for P1.`},
		{"Alice: !pothole P1 duplicate P1", "P1 can't be a duplicate of itself."},
		{"Alice: !pothole P1 duplicate", "Which report is P1 a duplicate of?"},
		{"Alice: !metoo P1", "P1 is your own report"},
		{"Carol: !metoo", "Usage: !metoo P7"},
		{"Carol: !metoo " + odd, "isn't a report reference"},
		{"Carol: !metoo P0", "isn't a report reference"},
		{"Carol: !metoo 0", "isn't a report reference"},
		{"Carol: !metoo -1", "isn't a report reference"},
		{"Carol: !metoo 99999999999999999999", "There's no report P99999999999999999999 in this group."},
		{"Carol: !pothole 9223372036854775808", "There's no report P9223372036854775808 in this group."},
		{"Carol: !fixed 2", "There's no report P2 in this group."},
		{"Carol: !pothole 1 fixed", "only group admins can change a report's status"},
		{"Bob: !fixed P1", "You've already said P1 is fixed"},
		{"Carol: !fixed", "Usage: !fixed P7"},
		{"Carol: !fixed P2", "There's no report P2 in this group."},
		{"dm Carol: !pothole outside no. 3", "only works inside a group"},
		{"Carol: !pothole " + strings.Repeat("x", 5000), "That command is too long for me"},
	}
	for _, b := range bad {
		h.Expect(b.line+"\n", b.want)
		if after := tableCounts(t, h); after != before {
			t.Fatalf("%q changed the store:\nbefore %s\nafter  %s", b.line, before, after)
		}
	}
	// A redelivered command is ignored, not applied twice.
	h.Run("Carol: !metoo P1\n")
	before = tableCounts(t, h)
	h.Expect("@redeliver\n", "duplicate delivery ignored")
	if after := tableCounts(t, h); after != before {
		t.Errorf("redelivery changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

func TestPhotosStoredByHashAndCapped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "photos")
	cfg := testConfig()
	cfg.MaxPhotoMB = 1
	h := bottest.New(t, harnessOptions(t, cfg, dir))
	h.Run(`@admin Alice
Alice: !bot on
Bob [photo]: look at this
Bob [reply Bob]: !pothole outside no. 12 Elm Road, deep
Carol [reply Bob]: !metoo P1
`)
	var file, sum string
	var size int64
	if err := h.Store.Raw().QueryRow(`SELECT file, sha256, size FROM pothole_photos`).Scan(&file, &sum, &size); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum || file != sum+".jpg" || int64(len(data)) != size {
		t.Errorf("file %s (%d bytes) does not match hash %s", file, len(data), sum)
	}
	var n int
	h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM pothole_photos`).Scan(&n)
	if n != 1 {
		t.Errorf("the same photo quoted twice is stored %d times", n)
	}
	// Over the cap: reported without the photo, nothing written.
	h.Expect("Dave [photo 2MB] [location 52.8,-2.7]: !pothole by the school gates on Ash Close\n",
		"Logged P2 (pothole, with location)",
		"The photo was too big to keep (2.0 MB; the limit is 1 MB), so it isn't attached to P2.")
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the photo directory, want 1", len(entries))
	}
	// Just under the cap is kept.
	h.Expect("Erin [photo 1000KB]: !pothole P2\n", "Photo added to P2")
}

// TestPhotoCapAfterDownload covers media whose size is unknown until it
// is downloaded, and downloads that fail.
func TestPhotoCapAfterDownload(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPhotoMB = 1
	dir := filepath.Join(t.TempDir(), "photos")
	h := bottest.New(t, harnessOptions(t, cfg, dir))
	h.Run("@admin Alice\nAlice: !bot on\n")
	k := h.Kit(FeatureName)
	f := &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, groups: k.Groups, attachments: k.Attachments, cfg: cfg, deps: Deps{PhotoDir: dir}}
	big := make([]byte, 2<<20)
	out, err := f.savePhoto(context.Background(), &bot.Media{Kind: bot.MediaImage, MimeType: "image/png", Handle: big})
	if err != nil {
		t.Fatal(err)
	}
	if !out.TooLarge || out.Photo != nil || out.Size != int64(len(big)) {
		t.Errorf("outcome = %+v", out)
	}
	small := []byte("\x89PNG small")
	out, err = f.savePhoto(context.Background(), &bot.Media{Kind: bot.MediaImage, MimeType: "image/png", Handle: small})
	if err != nil || out.Photo == nil || !strings.HasSuffix(out.Photo.File, ".png") {
		t.Errorf("small photo: %+v, %v", out, err)
	}
	out, err = f.savePhoto(context.Background(), &bot.Media{Kind: bot.MediaImage, Handle: "not bytes"})
	if err != nil || !out.Failed {
		t.Errorf("download failure: %+v, %v", out, err)
	}
}

func TestReportCoexistsWithModerationFallback(t *testing.T) {
	opts := harnessOptions(t, testConfig(), "")
	register := opts.Register
	opts.Register = func(h *bottest.Harness) error {
		if err := register(h); err != nil {
			return err
		}
		// Moderation's !report REASON, registered without Match.
		h.Kit("test").Reg.Handle(bot.Route{Name: "report", Usage: "REASON", Help: "report a message to the admins",
			Handler: func(ctx context.Context, req *bot.Request) error {
				return req.Reply(ctx, "Reported to the admins: "+req.Args)
			}})
		return nil
	}
	h := bottest.New(t, opts)
	h.Run("@admin Alice\nAlice: !bot on\nBob: buy cheap watches\n")
	h.Expect("Carol [reply Bob]: !report spam\n", "Reported to the admins: spam")
	h.Expect("Carol: !report streetlights out on Birch Avenue\n", "Logged P1 (streetlight)")
	h.Expect("Carol: !report Fly-tipping behind the garages on Oak Lane\n", "Logged P2 (flytipping)")
	// Alone and not a reply, it lists the categories; as a reply it is
	// still moderation's.
	h.Expect("Carol: !report\n", "categories: pothole, streetlight")
	h.Expect("Carol [reply Bob]: !report\n", "Reported to the admins: ")
}

func TestJobsSurviveRestart(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{500, "error_500.html"}, {201, "create_ok.json"}} })
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	h.Restart()
	h.Run("@group street\n@admin Alice\n")
	out := h.Run("@advance 5m\n")
	if !strings.Contains(out, "P1 has gone to the council (their reference 293944).") {
		t.Fatalf("retry after restart:\n%s", out)
	}
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_scheduled.json"} })
	h.Restart()
	h.Run("@group street\n")
	if out := h.Run("@advance 6h\n"); !strings.Contains(out, "Council update on P1: Action scheduled: resurfacing crew booked.") {
		t.Errorf("status check after restart:\n%s", out)
	}
}

func TestAdminStatusCancelsPendingSend(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{500, "error_500.html"}} })
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\nAlice: !pothole P1 closed\n")
	h.Run("@advance 1d\n")
	if n := len(fc.sent()); n != 1 {
		t.Errorf("%d send attempts after closing, want 1", n)
	}
	var jobs int
	h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM jobs WHERE key LIKE 'potholes.%' AND kind != 'potholes.discover'`).Scan(&jobs)
	if jobs != 0 {
		t.Errorf("%d pothole jobs left after closing", jobs)
	}
}

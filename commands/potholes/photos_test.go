package potholes

import (
	"os"
	"path/filepath"
	"testing"

	"neighbourbot/bot/bottest"
)

// TestPhotoModes: photos are private (0600 in a 0700 directory) unless
// photo_url_base says a web server publishes them (0644 in 0755). The rule
// holds for a photo saved now and, from the start, for photos saved before
// under the other rule; an upload in progress is left alone.
func TestPhotoModes(t *testing.T) {
	for _, tt := range []struct {
		name              string
		urlBase           string
		dirMode, fileMode os.FileMode
	}{
		{"private", "", 0o700, 0o600},
		{"published", "https://photos.example.org/elm-road/", 0o755, 0o644},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "photos")
			if err := os.MkdirAll(dir, 0o700^0o755^tt.dirMode); err != nil {
				t.Fatal(err)
			}
			older, upload := filepath.Join(dir, "0ld.jpg"), filepath.Join(dir, ".upload-1")
			for _, p := range []string{older, upload} {
				if err := os.WriteFile(p, []byte("jpeg"), 0o600^0o644^tt.fileMode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(p, 0o600^0o644^tt.fileMode)
			}
			cfg := testConfig()
			cfg.PhotoURLBase = tt.urlBase
			h := bottest.New(t, harnessOptions(t, cfg, dir))
			h.Expect(councilSetup+"Alice [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n", "with photo and location")
			var file string
			if err := h.Store.Raw().QueryRow(`SELECT file FROM pothole_photos WHERE report_id = 1`).Scan(&file); err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]os.FileMode{
				dir:                      tt.dirMode,
				filepath.Join(dir, file): tt.fileMode,
				older:                    tt.fileMode,
				upload:                   0o600 ^ 0o644 ^ tt.fileMode,
			} {
				if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
					t.Errorf("%s is %v (%v), want %v", filepath.Base(path), fi.Mode().Perm(), err, want)
				}
			}
		})
	}
}

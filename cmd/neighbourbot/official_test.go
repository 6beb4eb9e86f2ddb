package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// TestConsoleOfficialData runs the console as configured for a street in
// Shrewsbury, against local servers playing postcodes.io, the Environment
// Agency and National Grid Electricity Distribution (the packages'
// synthetic fixtures): @advance polls them, a power check names the
// operator's incident, power alerts post it, flood warnings arrive as
// notices. The transcript is testdata/official/official_data.golden.
func TestConsoleOfficialData(t *testing.T) {
	files := map[string]string{
		"/outcodes/SY3":               "../../commands/notices/sources/testdata/postcodes_outcode_sy3.json",
		"/flood-monitoring/id/floods": "../../commands/notices/sources/testdata/ea_floods.json",
		"/nged/datastore_search":      "../../commands/power/operators/testdata/nged.json",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(files[r.URL.Path])
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	toml := "[power.feeds.nged]\nurl = \"" + srv.URL + "/nged/datastore_search\"\n\n" +
		"[notices.sources]\npostcodes_url = \"" + srv.URL + "\"\n[notices.sources.ea_floods]\nurl = \"" + srv.URL + "/flood-monitoring\"\n"
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("testdata/official/official_data.script")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runConsoleScript(t, filepath.Join(dir, "data"), string(script), "-config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	bottest.CompareGolden(t, "testdata/official/official_data.golden", out)
	if !strings.Contains(out, "INCD-72381-l") || !strings.Contains(out, "Flood warning: River Severn at Frankwell") {
		t.Errorf("transcript lacks the operator incident or the flood warning:\n%s", out)
	}
}

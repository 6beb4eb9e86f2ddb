package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportDataDir makes a data directory with a database holding two
// reports and a config file pointing at it.
func exportDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := openStore(ctx, filepath.Join(dir, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Raw().ExecContext(ctx, `INSERT INTO pothole_reports
		(chat, category, description, has_location, lat, long, status, created_at, updated_at) VALUES
		('group:street', 'pothole', 'outside no. 12 Elm Road, deep', 1, 52.7069, -2.754, 'open', 1767603600000, 1767603600000),
		('group:other', 'drain', 'blocked on Ash Close', 0, 0, 0, 'fixed', 1767603600000, 1767603600000)`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("[bot]\ndata_dir = \""+filepath.ToSlash(dir)+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestExportReportsCommand(t *testing.T) {
	cfg := exportDataDir(t)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := runExport(ctx, []string{"reports", "-config", cfg, "--format", "csv", "--status", "open"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0][0] != "ref" || recs[1][0] != "P1" {
		t.Errorf("csv = %v", recs)
	}
	out.Reset()
	if code := runExport(ctx, []string{"reports", "-config", cfg, "-format", "geojson", "-group", "group:street"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(out.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 1 || fc.Features[0].Geometry.Coordinates[0] != -2.754 || fc.Features[0].Geometry.Coordinates[1] != 52.7069 {
		t.Errorf("geojson = %s", out.String())
	}
}

func TestExportCommandBadUse(t *testing.T) {
	cfg := exportDataDir(t)
	ctx := context.Background()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage: neighbourbot export reports"},
		{[]string{"loans"}, exitUsage, "Usage: neighbourbot export reports"},
		{[]string{"reports", "-config", cfg, "-format", "xml"}, exitUsage, "-format must be csv or geojson"},
		{[]string{"reports", "-config", cfg, "-status", "squashed"}, exitUsage, "unknown status"},
		{[]string{"reports", "-config", cfg, "extra"}, exitUsage, "unexpected argument"},
		{[]string{"reports", "-config", filepath.Join(t.TempDir(), "missing.toml")}, exitUsage, "read config"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := runExport(ctx, tt.args, &out, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut.String(), tt.code, tt.want)
		}
	}
	empty := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(empty, []byte("[bot]\ndata_dir = \""+filepath.ToSlash(filepath.Dir(empty))+"\"\n"), 0o600)
	var out, errOut bytes.Buffer
	if code := runExport(ctx, []string{"reports", "-config", empty}, &out, &errOut); code != exitError || !strings.Contains(errOut.String(), "no database") {
		t.Errorf("missing database: exit %d, %q", code, errOut.String())
	}
}

func TestPotholesAPIKeyFromEnvironment(t *testing.T) {
	t.Setenv("NEIGHBOURBOT_POTHOLES_API_KEY", "from-env")
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte("[potholes]\napi_key = \"from-file\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Potholes.APIKey != "from-env" {
		t.Errorf("api_key = %q, want the environment's", cfg.Potholes.APIKey)
	}
}

// "neighbourbot potholes services" against a council that serves only XML
// (the specification's examples): services, questions, the configured
// categories and the code it does not list.
func TestPotholesServicesCommand(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "commands", "potholes", "testdata", "open311", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/services.xml":
			w.Header().Set("Content-Type", "text/xml")
			w.Write(read("spec_services.xml"))
		case "/v2/services/001.xml", "/v2/services/002.xml", "/v2/services/003.xml":
			w.Header().Set("Content-Type", "text/xml")
			w.Write(read("spec_definition.xml"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	conf := "[bot]\ndata_dir = \"" + filepath.ToSlash(dir) + "\"\n[potholes]\nbase_url = \"" + srv.URL + "/v2/\"\n" +
		"service_codes = { pothole = \"002\", drain = \"DR\" }\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := runPotholes(context.Background(), []string{"services", "-config", cfg}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"(read in XML): 3",
		"  001  Cans left out 24x7 — sanitation\n",
		"  002  Construction plate shifted — street   ← category pothole\n",
		"      WHISHETN (required, singlevaluelist: 123=Ford, 124=Chrysler): What is the ticket/tag/DL number?\n",
		"Configured service codes the council does not list:\n  category drain: \"DR\"\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// No endpoint configured, and a council that is down.
	if err := os.WriteFile(cfg, []byte("[bot]\ndata_dir = \""+filepath.ToSlash(dir)+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := runPotholes(context.Background(), []string{"services", "-config", cfg}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "base_url") {
		t.Errorf("without base_url: exit %d, %s", code, errOut.String())
	}
	srv.Close()
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := runPotholes(context.Background(), []string{"services", "-config", cfg}, &out, &errOut); code != exitError || !strings.Contains(errOut.String(), "could not reach") {
		t.Errorf("council down: exit %d, %s", code, errOut.String())
	}
	if code := runPotholes(context.Background(), nil, &out, &errOut); code != exitUsage {
		t.Errorf("no subcommand: exit %d", code)
	}
}

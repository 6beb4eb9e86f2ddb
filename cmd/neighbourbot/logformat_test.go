package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONLogStaysJSONToTheLastLine runs the binary with a JSON log on a
// database it must refuse: every line on standard error, the final reason
// included, is a JSON record.
func TestJSONLogStaysJSONToTheLastLine(t *testing.T) {
	bin := buildBinary(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStore(ctx, filepath.Join(dir, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Raw().Exec(`INSERT INTO schema_migrations VALUES ('core', 99, '099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cfg := writeFile(t, filepath.Join(dir, "config.toml"), "[bot]\ndata_dir = \""+dir+"\"\n[log]\nformat = \"json\"\n")
	cmd := exec.Command(bin, "run", "-config", cfg)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitSchema {
		t.Fatalf("exit %v, want %d\n%s", err, exitSchema, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("too few lines:\n%s", stderr.String())
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not JSON: %s", l)
		}
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"level":"ERROR"`) || !strings.Contains(last, "written by a newer neighbourbot") {
		t.Errorf("last line: %s", last)
	}
}

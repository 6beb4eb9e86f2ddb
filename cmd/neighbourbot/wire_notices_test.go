package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/commands/notices"
	"neighbourbot/web"
)

func TestNoticesCommandLine(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfgText := "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\n\n[notices]\nrequire_approval = true\napprovers = [\"447700900123\"]\n"
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := openStore(ctx, cfg.dataPath("neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	gov := notices.NewGovernance(store, cfg.Notices, time.Now)
	for _, id := range []string{"grit-1", "fete-1"} {
		n := &notices.Notice{Source: "webhook", SourceName: "Shropshire Council", Identifier: id, MsgType: notices.MsgAlert,
			Urgency: notices.UrgencyNormal, Title: "Notice " + id}
		if _, err := gov.Ingest(ctx, n, "test"); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runNoticesCLI(ctx, append([]string{"-config", cfgPath}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, _ := run("pending"); code != exitOK || !strings.Contains(out, "#1 from ") || !strings.Contains(out, "> *Notice grit-1*") || !strings.Contains(out, "#2 from ") ||
		!strings.Contains(out, "Residents will read:") || !strings.Contains(out, "Reaches ") {
		t.Fatalf("pending: %d %q", code, out)
	}
	if code, out, _ := run("approve", "1"); code != exitOK || !strings.Contains(out, "Approved #1") {
		t.Fatalf("approve: %d %q", code, out)
	}
	if code, out, _ := run("reject", "2", "not", "council", "business"); code != exitOK || !strings.Contains(out, "Rejected #2") {
		t.Fatalf("reject: %d %q", code, out)
	}
	// The rejection booked the running bot's job that tells the notice's
	// writer on the staff page (web.TestCommandLineRejectionTellsTheWriter).
	if !jobPending(t, cfg, web.JobTellRejected+":2") {
		t.Error("no job to tell the writer after a rejection")
	}
	if code, _, errOut := run("approve", "2"); code != exitError || !strings.Contains(errOut, "was rejected") {
		t.Fatalf("approve rejected: %d %q", code, errOut)
	}
	if code, _, errOut := run("approve", "two"); code != exitUsage || !strings.Contains(errOut, "not a notice number") {
		t.Fatalf("bad number: %d %q", code, errOut)
	}
	if code, _, errOut := run("approve", "99"); code != exitError || !strings.Contains(errOut, "There is no notice #99. List them with: neighbourbot notices pending.") {
		t.Errorf("unknown notice: exit %d, %q", code, errOut)
	}
	if code, _, _ := run("frobnicate"); code != exitUsage {
		t.Fatalf("unknown action: %d", code)
	}
	code, out, _ := run("audit", "--format", "csv")
	if code != exitOK || !strings.HasPrefix(out, "time,notice,event,actor,target,detail\n") {
		t.Fatalf("audit csv: %d %q", code, out)
	}
	for _, want := range []string{",1,received,webhook,", ",1,released,", ",2,rejected,", "not council business"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit lacks %q:\n%s", want, out)
		}
	}
	if code, out, _ := run("audit", "--since", "2999-01-01"); code != exitOK || !strings.Contains(out, "No audit records") {
		t.Errorf("audit since the future: %d %q", code, out)
	}
	if code, _, errOut := run("audit", "--since", "last week"); code != exitUsage || !strings.Contains(errOut, "--since") {
		t.Errorf("bad --since: %d %q", code, errOut)
	}
}

// A wrong -config or data_dir must not pass for "nothing pending": the
// command refuses to create an empty database.
func TestNoticesCommandLineNeedsAnExistingDatabase(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "nb.toml")
	if err := os.WriteFile(cfgPath, []byte("[bot]\ndata_dir = \""+filepath.ToSlash(filepath.Join(dir, "nowhere"))+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runNoticesCLI(context.Background(), []string{"-config", cfgPath, "pending"}, &out, &errb)
	if code != exitError || !strings.Contains(errb.String(), "no database at") {
		t.Errorf("exit %d, %q", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Error("the command created a data directory")
	}
}

// jobPending reports whether the job with key waits in the bot's database.
func jobPending(t *testing.T, cfg Config, key string) bool {
	t.Helper()
	store, err := openStore(t.Context(), cfg.dataPath("neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ok, err := store.JobPending(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

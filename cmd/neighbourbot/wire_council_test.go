package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/commands/notices"
)

// TestNoticesResultsAndCommentsCommandLine runs a poll and a consultation
// in the console over the bot's database, then reads their results and
// comments with the command line.
func TestNoticesResultsAndCommentsCommandLine(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	text := "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\n\n[notices]\nsource_name = \"Shropshire Council\"\n"
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(cfg.Bot.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out bytes.Buffer
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), cfg.dataPath("neighbourbot.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	con.Attach(a.engine)
	script := "@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n" +
		`@notice {"id":"p-1","title":"20 mph on Longden Road?","topics":["roads"],"poll":{"question":"20 mph?","options":["Yes","No"],"closes":"2026-01-06T09:00:00Z"},"consultation":{"closes":"2026-01-06T09:00:00Z"}}` + "\n" +
		"Bob [vote Yes]\nCarol: !vote 2\nDave: !vote 1\nBob: !say 1 Yes please, ring 07700 900123 for the petition\n" +
		"Alice: !consult \"Crown's late licence?\" until Fri\nCarol: !say 2 Too noisy\n@advance 1d\n"
	if err := con.RunScript(ctx, strings.NewReader(script), true); err != nil {
		t.Fatal(err)
	}
	a.store.Close()
	if !strings.Contains(out.String(), "Poll closed") {
		t.Fatalf("the poll did not close:\n%s", out.String())
	}
	run := func(args ...string) (int, string, string) {
		var o, e bytes.Buffer
		code := runNoticesCLI(ctx, append([]string{"-config", cfgPath}, args...), &o, &e)
		return code, o.String(), e.String()
	}
	code, got, errOut := run("results", "1", "--format", "csv")
	if code != exitOK || !strings.Contains(got, "1,total,all,,Yes,2\n1,total,all,,No,1\n") || !strings.Contains(got, "1,group,Elm Road,SY3 7,Yes,2\n") {
		t.Errorf("results csv: %d %q %s", code, got, errOut)
	}
	code, got, _ = run("results", "1", "--format", "json")
	var res notices.PollResults
	if code != exitOK || json.Unmarshal([]byte(got), &res) != nil || res.Total != 3 || res.State != "closed" {
		t.Errorf("results json: %d %q", code, got)
	}
	if code, got, _ = run("results", "1"); code != exitOK || !strings.Contains(got, "Total: Yes 2, No 1 (3 votes; reached 1 groups, 0 subscribers)") {
		t.Errorf("results text: %d %q", code, got)
	}
	if code, _, errOut = run("results", "9"); code != exitError || !strings.Contains(errOut, "no notice #9") {
		t.Errorf("results of a missing notice: %d %q", code, errOut)
	}
	if code, _, errOut = run("results", "1", "--format", "xml"); code != exitUsage {
		t.Errorf("results --format xml: %d %q", code, errOut)
	}
	code, got, _ = run("comments", "1", "--format", "csv")
	if code != exitOK || !strings.Contains(got, "Yes please, ring [phone number] for the petition") || strings.Contains(got, "Bob") {
		t.Errorf("comments csv: %d %q", code, got)
	}
	if code, got, _ = run("comments", "notice:1"); code != exitOK || !strings.Contains(got, "Yes please, ring [phone number] for the petition") {
		t.Errorf("comments by notice: %d %q", code, got)
	}
	if code, got, _ = run("comments", "C2"); code != exitOK || !strings.Contains(got, "Elm Road (SY3 7): Too noisy") {
		t.Errorf("local comments: %d %q", code, got)
	}
	if code, got, _ = run("consultations"); code != exitOK || !strings.Contains(got, "C2 Crown's late licence? (local, in Elm Road) — open") ||
		!strings.Contains(got, "C1 20 mph on Longden Road? (notice #1) — closed") {
		t.Errorf("consultations: %d %q", code, got)
	}
	code, got, errOut = run("report", "--since", "2026-01-01", "--format", "csv")
	want := "notice,id,title,sender,urgency,received,area,groups_reached,subscribers_reached,poll_votes,comments,not_sent\n" +
		"1,p-1,20 mph on Longden Road?,Shropshire Council,normal,2026-01-05T09:00:00Z,SY3 7,1,0,3,1,0\n"
	if code != exitOK || got != want {
		t.Errorf("report csv: %d %s\n%q\nwant\n%q", code, errOut, got, want)
	}
	if code, got, _ = run("report", "--since", "2026-01-01"); code != exitOK || !strings.Contains(got, "SY3 7          1 groups, 0 subscribers, 3 poll votes, 1 comments") {
		t.Errorf("report text: %d %q", code, got)
	}
	// The notices of this test are from January 2026; 30 days back from now
	// holds none of them.
	if code, got, _ = run("report", "--since", "30d"); code != exitOK || (!strings.Contains(got, "No notices in that period") && time.Now().After(time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC))) {
		t.Errorf("report --since 30d: %d %q", code, got)
	}
	if code, _, errOut = run("report", "--since", "lately"); code != exitUsage || !strings.Contains(errOut, "a span like 30d") {
		t.Errorf("report --since lately: %d %q", code, errOut)
	}
	if code, _, errOut = run("comments"); code != exitUsage {
		t.Errorf("comments without a number: %d %q", code, errOut)
	}
}

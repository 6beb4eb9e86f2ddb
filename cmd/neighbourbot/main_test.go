package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// runConsoleScript runs the console subcommand as a user would, with a
// script on standard input and data in dir.
func runConsoleScript(t *testing.T, dir, script string, extra ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"console", "-data", dir}, extra...)
	code := run(context.Background(), args, strings.NewReader(script), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestConsoleGoldenTranscripts(t *testing.T) {
	scripts, _ := filepath.Glob("testdata/*.script")
	if len(scripts) == 0 {
		t.Fatal("no scripts")
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".script")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runConsoleScript(t, t.TempDir(), string(src))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			bottest.CompareGolden(t, strings.TrimSuffix(script, ".script")+".golden", out)
			// Same script, fresh data: byte-identical output.
			again, _, _ := runConsoleScript(t, t.TempDir(), string(src))
			if again != out {
				t.Error("the same script printed a different transcript on a second run")
			}
		})
	}
}

// TestConsoleRerunAfterKill runs part of a script (as if the console was
// killed mid-way), then the whole script again on the same data: the lines
// already handled are recognised as redeliveries and the state from the
// first run is still there.
func TestConsoleRerunAfterKill(t *testing.T) {
	dir := t.TempDir()
	script := "@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nBob: !bot\nAlice: !area SY3 7, SY4 1\nBob: !area\n"
	lines := strings.SplitAfter(script, "\n")
	first, firstErr, code := runConsoleScript(t, dir, strings.Join(lines[:3], ""))
	if code != exitOK || !strings.Contains(first, "This group's area is now SY3 7.") {
		t.Fatalf("first run (exit %d):\n%s", code, first)
	}
	if strings.Contains(firstErr, "earlier run") {
		t.Errorf("a fresh run claims an earlier one: %s", firstErr)
	}
	second, secondErr, code := runConsoleScript(t, dir, script)
	if code != exitOK {
		t.Fatalf("second run exit %d", code)
	}
	// Never carried on in silence: the start says so and names -reset.
	if !strings.Contains(secondErr, "carrying on with the data of an earlier run") || !strings.Contains(secondErr, "-reset") {
		t.Errorf("the second run did not say it carries on: %q", secondErr)
	}
	if got := strings.Count(second, "duplicate delivery ignored"); got != 2 {
		t.Errorf("want the 2 handled messages ignored on rerun, got %d:\n%s", got, second)
	}
	if strings.Contains(second, "neighbourbot is on in this group. Type") {
		t.Errorf("!bot on acted twice:\n%s", second)
	}
	for _, want := range []string{"neighbourbot is on in this group.", "    Area: SY3 7.\n", "This group's area: SY3 7, SY4 1."} {
		if !strings.Contains(second, want) {
			t.Errorf("rerun lacks %q (state not persisted?):\n%s", want, second)
		}
	}
	// -reset starts from nothing.
	third, _, _ := runConsoleScript(t, dir, "Bob: !bot\n", "-reset")
	if strings.Contains(third, "bot:") {
		t.Errorf("reset database still has the group enabled:\n%s", third)
	}
}

func TestConsoleReportsMalformedLinesAndGoesOn(t *testing.T) {
	out, _, code := runConsoleScript(t, t.TempDir(), "@admin Alice\nthis is not a line\n@warp 9\nAlice [photo 99GB]: x\nAlice: !bot on\n")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"! line 2: \"this is not a line\" has no speaker: write it as NAME: text",
		"! line 3: unknown directive @warp",
		"! line 4: photo size",
		"neighbourbot is on in this group",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCLI(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, nil, &out, &errOut); code != exitOK || !strings.HasPrefix(out.String(), "neighbourbot ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-h"}, nil, &out, &errOut); code != exitOK || !strings.Contains(out.String(), "neighbourbot console") {
		t.Errorf("help: %d %q", code, out.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"frobnicate"}, nil, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"console", "-config", "/nonexistent.toml"}, strings.NewReader(""), &out, &errOut); code != exitUsage {
		t.Errorf("missing config: exit %d", code)
	}
}

// After a restart the console knows the groups an earlier run opted in, so
// a reminder due before the script names the group still arrives.
func TestConsoleRestoresGroupsAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	first, _, code := runConsoleScript(t, dir, "@admin Alice\nAlice: !bot on\nBob: !lend ladder\nCarol: !mine\ndm Carol: hi\nBob: !lent ladder @Carol for 2d\n")
	if code != exitOK || !strings.Contains(first, "Noted") {
		t.Fatalf("first run (exit %d):\n%s", code, first)
	}
	second, _, _ := runConsoleScript(t, dir, "@advance 2d\n")
	if !strings.Contains(second, "[dm Carol] bot: Reminder") {
		t.Errorf("no reminder after a restart:\n%s", second)
	}
}

// TestReadmeExampleIsCurrent keeps the console example in README.md in step
// with the golden tour it is taken from.
func TestReadmeExampleIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "and refusals):\n\n```text\n")
	example, _, ok2 := strings.Cut(after, "\n```")
	if !ok || !ok2 || example == "" {
		t.Fatal("README.md has no console example block")
	}
	tour, err := os.ReadFile("testdata/tour.golden")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(tour), example+"\n") {
		t.Error("README.md's console example differs from testdata/tour.golden: copy the transcript's start into README")
	}
}

// A rerun of an interrupted script finds the poll the first run sent, so
// its vote lines are recognised as already handled too.
func TestConsoleRerunFindsTheEarlierPoll(t *testing.T) {
	dir := t.TempDir()
	script := "@admin Alice\nAlice: !bot on\nAlice: !power\nBob [vote Off]\n"
	if _, _, code := runConsoleScript(t, dir, script); code != exitOK {
		t.Fatal("first run failed")
	}
	again, _, _ := runConsoleScript(t, dir, script)
	if strings.Contains(again, "no poll to vote in") || strings.Count(again, "duplicate delivery ignored") != 3 {
		t.Errorf("rerun:\n%s", again)
	}
}

// TestHelpKnowsReadmeHeadings: every heading under "Commands" in the
// residents' and the admins' guides (docs/residents.md, docs/admins.md)
// works with !help, as written, in a group and in a direct message.
func TestHelpKnowsReadmeHeadings(t *testing.T) {
	var headings []string
	for _, page := range []string{"../../docs/residents.md", "../../docs/admins.md"} {
		doc, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		_, cmds, ok := strings.Cut(string(doc), "\n## Commands\n")
		if !ok {
			t.Fatalf("%s has no Commands section", page)
		}
		cmds, _, _ = strings.Cut(cmds, "\n## ")
		for _, line := range strings.Split(cmds, "\n") {
			if h, ok := strings.CutPrefix(line, "### "); ok {
				headings = append(headings, h)
			}
		}
	}
	if len(headings) < 7 {
		t.Fatalf("found only %d headings under Commands: %q", len(headings), headings)
	}
	script := "@admin Alice\nAlice: !bot on\n"
	for _, h := range headings {
		script += "Bob: !help " + h + "\ndm Bob: !help " + h + "\n"
	}
	out, errOut, code := runConsoleScript(t, t.TempDir(), script)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, bad := range []string{"I don't know", "Unknown command", "did you mean"} {
		if strings.Contains(out, bad) {
			t.Errorf("a Commands heading was not understood (%q):\n%s", bad, out)
		}
	}
}

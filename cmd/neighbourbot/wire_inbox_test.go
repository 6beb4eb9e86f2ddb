package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// inboxConfig writes a config enabling the inbox with the console group
// "staff" as its staff chat and bank holidays from url.
func inboxConfig(t *testing.T, dir, url string) string {
	t.Helper()
	path := filepath.Join(dir, "config.toml")
	body := "[bot]\ndata_dir = \"" + filepath.ToSlash(dir) + "\"\n[inbox]\nenabled = true\nstaff_chat = \"staff\"\nbank_holidays_url = \"" + url + "\"\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func holidayServer(t *testing.T) *httptest.Server {
	t.Helper()
	data, err := os.ReadFile("../../commands/inbox/testdata/bank-holidays.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(data) }))
	t.Cleanup(srv.Close)
	return srv
}

// TestInboxTakesDirectMessages runs the wired bot in the console: with the
// inbox enabled, a direct message that is not a command gets the inbox's
// acknowledgement and nothing else, and reaches the staff group.
func TestInboxTakesDirectMessages(t *testing.T) {
	dir := t.TempDir()
	cfg := inboxConfig(t, dir, holidayServer(t).URL)
	script := "@group staff Council staff\n@admin Sam\nSam: !bot on\ndm Erin: hello, is anyone there?\n"
	out, errOut, code := runConsoleScript(t, dir, script, "-config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "[dm Erin] bot:"); n != 1 || !strings.Contains(out, "[dm Erin] bot: Thanks — this is C1.") {
		t.Errorf("want exactly the inbox's acknowledgement in the direct chat, got %d replies:\n%s", n, out)
	}
	if !strings.Contains(out, "[staff] bot: New ticket C1 · Erin:") {
		t.Errorf("the staff group did not get the ticket:\n%s", out)
	}

	// The export (here of the console's database) has the ticket and no
	// names.
	data, err := os.ReadFile(filepath.Join(dir, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "neighbourbot.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	var csvOut, csvErr bytes.Buffer
	if code := runInboxCLI(context.Background(), []string{"export", "-config", cfg, "--format", "csv"}, &csvOut, &csvErr); code != exitOK {
		t.Fatalf("export exit %d: %s", code, csvErr.String())
	}
	if strings.Contains(csvOut.String(), "Erin") {
		t.Errorf("the export names the resident:\n%s", csvOut.String())
	}
	recs, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][0] != "ticket" || recs[1][0] != "C1" || recs[1][2] != "open" {
		t.Fatalf("csv %v %v", recs, err)
	}
	if code := runInboxCLI(context.Background(), []string{"export", "--format", "xml", "-config", cfg}, &csvOut, &csvErr); code != exitUsage {
		t.Errorf("-format xml: exit %d", code)
	}
	if code := runInboxCLI(context.Background(), nil, &csvOut, &csvErr); code != exitUsage {
		t.Errorf("no action: exit %d", code)
	}
}

// TestInboxOffByDefault: without [inbox] a direct message opens nothing.
func TestInboxOffByDefault(t *testing.T) {
	out, _, code := runConsoleScript(t, t.TempDir(), "dm Erin: hello, is anyone there?\ndm Erin: !tickets\n")
	if code != exitOK || strings.Contains(out, "this is C1") || strings.Contains(out, "Your tickets") {
		t.Errorf("exit %d, the inbox answered while off:\n%s", code, out)
	}
}

// TestInboxConfigRequiresStaffChat: switching the inbox on needs a staff
// group; bad hours name the key.
func TestInboxConfigRequiresStaffChat(t *testing.T) {
	cfg := defaultConfig()
	err := decodeConfig([]byte("[inbox]\nenabled = true\n"), &cfg)
	if err == nil || !strings.Contains(err.Error(), "inbox.staff_chat") {
		t.Errorf("enabled without staff_chat: %v", err)
	}
	cfg = defaultConfig()
	if err := decodeConfig([]byte("[inbox]\nhours = \"Mon-Fri 9-5\"\n"), &cfg); err == nil || !strings.Contains(err.Error(), "inbox.hours") {
		t.Errorf("bad hours: %v", err)
	}
}

// TestInboxLeavesForgetMeAnswer: a bare "yes" confirming !forgetme is the
// confirmation, not a message for the council.
func TestInboxLeavesForgetMeAnswer(t *testing.T) {
	dir := t.TempDir()
	cfg := inboxConfig(t, dir, holidayServer(t).URL)
	script := "@group staff Council staff\n@admin Sam\nSam: !bot on\ndm Erin: !mydata\ndm Erin: !forgetme\ndm Erin: yes\n"
	out, errOut, code := runConsoleScript(t, dir, script, "-config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "[dm Erin] bot: Done. What I erased:") || strings.Contains(out, "this is C1") {
		t.Errorf("the bare yes did not confirm !forgetme alone:\n%s", out)
	}
}

// TestInboxStaffChatMustBeAGroupOnWhatsApp: outside the console a staff
// chat that is not a group JID stops the start with a clear error.
func TestInboxStaffChatMustBeAGroupOnWhatsApp(t *testing.T) {
	cfg := defaultConfig()
	cfg.Inbox.Enabled, cfg.Inbox.StaffChat = true, "staff"
	clock := bot.NewManualClock(console.DefaultStart)
	tr := console.New(io.Discard, clock)
	_, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler), filepath.Join(t.TempDir(), "nb.db"), tr, clock, nil)
	if err == nil || !strings.Contains(err.Error(), `inbox staff chat "staff" must be a WhatsApp group JID`) {
		t.Errorf("err = %v", err)
	}
	cfg.Inbox.StaffChat = "120363025246125486@g.us"
	a, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler), filepath.Join(t.TempDir(), "nb.db"), tr, clock, nil)
	if err != nil {
		t.Fatalf("a group JID: %v", err)
	}
	a.store.Close()
}

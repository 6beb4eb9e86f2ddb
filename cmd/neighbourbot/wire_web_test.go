package main

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
)

// TestWebConfigFromFileAndEnvironment: [web] is read from the file and
// from NEIGHBOURBOT_WEB_*, and checked like every section, naming the key.
func TestWebConfigFromFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "neighbourbot.toml")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("[web]\nlisten = \"127.0.0.1:8080\"\n")
	cfg, _, err := loadConfig(path)
	if err != nil || cfg.Web.Listen != "127.0.0.1:8080" {
		t.Fatalf("file: %+v %v", cfg.Web, err)
	}
	write("[web]\nlisten = \"0.0.0.0:8080\"\n")
	if _, _, err := loadConfig(path); err == nil || !strings.Contains(err.Error(), "web.listen") || !strings.Contains(err.Error(), "without HTTPS") {
		t.Errorf("plain HTTP on every address: %v", err)
	}
	write("[web]\nlisten = \"127.0.0.1:8080\"\n")
	t.Setenv("NEIGHBOURBOT_WEB_LISTEN", "0.0.0.0:8080")
	if _, _, err := loadConfig(path); err == nil || !strings.Contains(err.Error(), "NEIGHBOURBOT_WEB_LISTEN") {
		t.Errorf("plain HTTP on every address from the environment: %v", err)
	}
	t.Setenv("NEIGHBOURBOT_WEB_BEHIND_PROXY", "true")
	t.Setenv("NEIGHBOURBOT_WEB_PUBLIC_URL", "https://notices.example.gov.uk")
	cfg, _, err = loadConfig(path)
	if err != nil || !cfg.Web.BehindProxy || cfg.Web.PublicURL != "https://notices.example.gov.uk" {
		t.Errorf("behind a proxy, from the environment: %+v %v", cfg.Web, err)
	}
	if cfg.Web.Enabled() != true || defaultConfig().Web.Enabled() {
		t.Error("the page must be off by default and on with listen set")
	}
}

// TestWebLinkCommand: "neighbourbot web link NAME" prints a one-time link
// for someone named as staff whom the bot has met, and refuses anyone else.
func TestWebLinkCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgPath := filepath.Join(dir, "neighbourbot.toml")
	cfgText := "[bot]\ndata_dir = \"" + filepath.ToSlash(data) + "\"\nowners = [\"447700900123\"]\n\n[web]\nlisten = \"127.0.0.1:8080\"\n"
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	st, err := openStore(ctx, filepath.Join(data, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []bot.Sender{{Addr: "447700900123@s.whatsapp.net", Name: "Olive"}, {Addr: "447700900999@s.whatsapp.net", Name: "Mallory"}} {
		if _, err := st.ResolvePerson(ctx, s, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var out, errb strings.Builder
	if code := runWebCLI(ctx, []string{"-config", cfgPath, "link", "+447700900123"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "http://127.0.0.1:8080/login/") {
		t.Errorf("printed %q", out.String())
	}
	out.Reset()
	errb.Reset()
	if code := runWebCLI(ctx, []string{"-config", cfgPath, "link", "447700900999"}, &out, &errb); code == exitOK || !strings.Contains(errb.String(), "not named as staff") {
		t.Errorf("a stranger: exit %d, %q %q", code, out.String(), errb.String())
	}
	if code := runWebCLI(ctx, []string{"-config", cfgPath, "link", "447700900555"}, &out, &errb); code == exitOK || !strings.Contains(errb.String(), "has not met") {
		t.Errorf("someone unknown: exit %d, %q", code, errb.String())
	}
}

// lockedBuffer is an io.Writer safe to read while the console writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestConsoleServesTheStaffPage: "console -web" serves the page against
// the simulated groups; a notice written there by an owner and approved
// there by an approver arrives in the group once, and the console stops
// serving on a signal.
func TestConsoleServesTheStaffPage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfgText := "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\nowners = [\"Olive\"]\n\n[notices]\nrequire_approval = true\napprovers = [\"Carol\"]\n"
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	script := "@admin Alice\nAlice: !bot on\nAlice: !notices on\ndm Olive: !web\ndm Carol: !web\n"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runConsole(ctx, []string{"-config", cfgPath, "-web", addr}, strings.NewReader(script), &out, &errOut)
	}()
	linkRE := regexp.MustCompile(`http://` + regexp.QuoteMeta(addr) + `/login/[A-Za-z0-9_-]+`)
	var links []string
	for range 200 {
		if links = linkRE.FindAllString(out.String(), -1); len(links) == 2 && strings.Contains(errOut.String(), "stays up") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(links) != 2 {
		t.Fatalf("links: %v\n%s\n%s", links, out.String(), errOut.String())
	}
	signIn := func(link string) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Post(link, "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return c
	}
	olive, carol := signIn(links[0]), signIn(links[1])
	resp, err := olive.PostForm("http://"+addr+"/notices/new", url.Values{"sender": {""}, "title": {"Bins a day late"}, "body": {"Sorry."},
		"topics": {"bins"}, "urgency": {"normal"}, "action": {"send"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/notices/1" {
		t.Fatalf("after sending: %s", resp.Request.URL)
	}
	resp, err = carol.PostForm("http://"+addr+"/approvals/1", url.Values{"action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := strings.Count(out.String(), "[street] bot: *Bins a day late*"); n != 1 {
		t.Errorf("the group got the notice %d times:\n%s", n, out.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the console did not stop")
	}
}

// TestWebCommandWhileThePageIsOff: staff asking for a link while [web] is
// off are told so; anyone else gets the usual refusal; in a group the
// command points to a direct message.
func TestWebCommandWhileThePageIsOff(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte("[bot]\nowners = [\"Olive\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runConsoleScript(t, filepath.Join(dir, "data"), "dm Olive: !web\ndm Mallory: !web\n@admin Alice\nAlice: !bot on\nAlice: !web\n", "-config", cfgPath)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"The staff web page is not switched on for this bot", "only for the council staff named in the bot's settings",
		"!web is personal — send it to me in a direct message"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "/login/") {
		t.Errorf("a link was sent while the page is off:\n%s", out)
	}
}

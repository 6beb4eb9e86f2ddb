package main

import (
	"context"
	"io"
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
	c := startWebConsole(t, "[bot]\nowners = [\"Olive\"]\n\n[notices]\nrequire_approval = true\napprovers = [\"Carol\"]\n",
		"@admin Alice\nAlice: !bot on\nAlice: !notices on\ndm Olive: !web\ndm Carol: !web\n", 2)
	olive, carol := c.signIn(c.links[0]), c.signIn(c.links[1])
	resp, err := olive.PostForm(c.url("/notices/new"), url.Values{"sender": {""}, "title": {"Bins a day late"}, "body": {"Sorry."},
		"topics": {"bins"}, "urgency": {"normal"}, "action": {"send"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/notices/1" {
		t.Fatalf("after sending: %s", resp.Request.URL)
	}
	resp, err = carol.PostForm(c.url("/approvals/1"), url.Values{"action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := strings.Count(c.out.String(), "[street] bot: *Bins a day late*"); n != 1 {
		t.Errorf("the group got the notice %d times:\n%s", n, c.out.String())
	}
	c.stop()
}

// webConsole is `console -web` on a free loopback port, playing a script,
// its output readable while it runs.
type webConsole struct {
	t           *testing.T
	addr        string
	links       []string // the sign-in links the script's !web asked for
	out, errOut lockedBuffer
	cancel      context.CancelFunc
	done        chan int
}

// startWebConsole starts the console with cfgText (its data_dir added)
// and waits until the script has played and nLinks sign-in links are out.
func startWebConsole(t *testing.T, cfgText, script string, nLinks int) *webConsole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &webConsole{t: t, addr: ln.Addr().String(), done: make(chan int, 1)}
	ln.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfgText = "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\n" + strings.TrimPrefix(cfgText, "[bot]\n")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	c.cancel = cancel
	t.Cleanup(cancel)
	go func() {
		c.done <- runConsole(ctx, []string{"-config", cfgPath, "-web", c.addr}, strings.NewReader(script), &c.out, &c.errOut)
	}()
	linkRE := regexp.MustCompile(`http://` + regexp.QuoteMeta(c.addr) + `/login/[A-Za-z0-9_-]+`)
	// The console runs in this process but on its own goroutines: the
	// only way to know the script has played is to watch its output.
	for range 200 {
		if c.links = linkRE.FindAllString(c.out.String(), -1); len(c.links) == nLinks && strings.Contains(c.errOut.String(), "stays up") {
			return c
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("links: %v\n%s\n%s", c.links, c.out.String(), c.errOut.String())
	return nil
}

func (c *webConsole) url(path string) string { return "http://" + c.addr + path }

// signIn follows a sign-in link in a browser of its own.
func (c *webConsole) signIn(link string) *http.Client {
	c.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar}
	resp, err := b.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return b
}

// get fetches a page as b, returning its status and body.
func (c *webConsole) get(b *http.Client, path string) (int, string) {
	c.t.Helper()
	resp, err := b.Get(c.url(path))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// stop signals the console and checks that it stops serving, cleanly.
func (c *webConsole) stop() {
	c.t.Helper()
	c.cancel()
	select {
	case code := <-c.done:
		if code != exitOK {
			c.t.Errorf("exit %d: %s", code, c.errOut.String())
		}
	case <-time.After(10 * time.Second):
		c.t.Fatal("the console did not stop")
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

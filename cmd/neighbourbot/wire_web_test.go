package main

import (
	"os"
	"path/filepath"
	"strings"
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

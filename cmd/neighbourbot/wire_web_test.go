package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

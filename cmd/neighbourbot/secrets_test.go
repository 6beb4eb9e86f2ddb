package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSecretsFromFilesAndCredentials: a secret comes from the variable
// itself, else its _FILE, else the systemd credential, each over the file.
func TestSecretsFromFilesAndCredentials(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds")
	os.Mkdir(creds, 0o700)
	writeFile(t, filepath.Join(creds, "notices_webhook_token"), "token-from-systemd-credential\n")
	writeFile(t, filepath.Join(creds, "potholes_api_key"), "key-from-credential\n")
	keyFile := writeFile(t, filepath.Join(dir, "key"), "key-from-file\r\n")
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	t.Setenv("NEIGHBOURBOT_POTHOLES_API_KEY_FILE", keyFile)
	t.Setenv("NEIGHBOURBOT_POWER_FEED_KEY", "feed-key-from-env")
	cfgFile := writeFile(t, filepath.Join(dir, "config.toml"), "[bot]\ndata_dir = \""+dir+"\"\n[power]\nfeed_key = \"from-the-file\"\n")

	cfg, _, err := loadConfig(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Notices.Webhook.Token != "token-from-systemd-credential" {
		t.Errorf("webhook token %q, want the credential's", cfg.Notices.Webhook.Token)
	}
	if cfg.Potholes.APIKey != "key-from-file" {
		t.Errorf("API key %q: _FILE should win over the credential, without the line break", cfg.Potholes.APIKey)
	}
	if cfg.Power.FeedKey != "feed-key-from-env" {
		t.Errorf("feed key %q: the variable should win over the file", cfg.Power.FeedKey)
	}

	t.Setenv("NEIGHBOURBOT_POTHOLES_API_KEY_FILE", filepath.Join(dir, "missing"))
	if _, _, err := loadConfig(cfgFile); err == nil || !strings.Contains(err.Error(), "NEIGHBOURBOT_POTHOLES_API_KEY_FILE") {
		t.Errorf("missing _FILE: %v, want an error naming the variable", err)
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "good.toml"), "[bot]\ndata_dir = \""+dir+"\"\n[metrics]\nlisten = \"127.0.0.1:9464\"\n")
	bad := writeFile(t, filepath.Join(dir, "bad.toml"), "[bot]\nprefx = \"!\"\n")
	check := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"check-config"}, args...), nil, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	t.Setenv("NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN", "a-token-long-enough-to-pass")
	code, out, errOut := check("-config", good)
	if code != exitOK || !strings.Contains(out, "configuration OK") || !strings.Contains(out, "secret set: notices_webhook_token") {
		t.Errorf("good config: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "a-token-long-enough-to-pass") {
		t.Error("check-config printed a secret")
	}
	if strings.Contains(out, "warning:") {
		t.Errorf("warned about loopback listeners:\n%s", out)
	}
	// Plain HTTP on an address other machines reach is worth a warning.
	open := writeFile(t, filepath.Join(dir, "open.toml"), "[bot]\ndata_dir = \""+dir+"\"\n[metrics]\nlisten = \":9464\"\n[notices.webhook]\nlisten = \"0.0.0.0:8087\"\n")
	code, out, errOut = check("-config", open)
	if code != exitOK || !strings.Contains(out, "warning: the notices webhook listens on 0.0.0.0:8087 with plain HTTP") || !strings.Contains(out, "warning: metrics and health checks are served on :9464") {
		t.Errorf("open listeners: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := check("-config", bad); code != exitUsage || !strings.Contains(errOut, `unknown key "bot.prefx"`) {
		t.Errorf("bad config: exit %d %s", code, errOut)
	}
	// An override from the environment is validated like the file.
	t.Setenv("NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN", "short")
	if code, _, errOut := check("-config", good); code != exitUsage || !strings.Contains(errOut, "webhook.token") {
		t.Errorf("short token from the environment: exit %d %s", code, errOut)
	}
}

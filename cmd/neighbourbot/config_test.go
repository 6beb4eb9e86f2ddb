package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// TestExampleConfigIsCurrent decodes config.example.toml strictly: a key
// the code no longer has fails here, and so does a documented default that
// differs from the built-in one.
func TestExampleConfigIsCurrent(t *testing.T) {
	data, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	if err := decodeConfig(data, &cfg); err != nil {
		t.Fatalf("config.example.toml: %v", err)
	}
	if !reflect.DeepEqual(cfg, defaultConfig()) {
		t.Errorf("config.example.toml documents values that differ from the defaults in code:\nexample: %+v\ndefaults: %+v", cfg, defaultConfig())
	}
}

func TestConfigErrorsNameKeyAndLine(t *testing.T) {
	tests := []struct {
		name, toml, want string
	}{
		{"unknown key", "[bot]\nprefix = \"!\"\nprefx = \"?\"\n", `line 3: unknown key "bot.prefx"`},
		{"unknown section", "[botty]\nx = 1\n", `unknown key "botty`},
		{"wrong type", "[whatsapp]\nsend_burst = \"lots\"\n", "line 2"},
		{"bad duration", "[whatsapp]\nsend_interval = \"soon\"\n", "line 2"},
		{"bad time of day", "[bot]\nquiet_start = \"25:00\"\n", "line 2"},
		{"bad timezone", "[bot]\ntimezone = \"Mars/Olympus\"\n", "bot.timezone"},
		{"empty prefix", "[bot]\nprefix = \"\"\n", "bot.prefix"},
		{"bad burst", "[whatsapp]\nsend_burst = 0\n", "whatsapp.send_burst"},
		{"bad level", "[log]\nlevel = \"chatty\"\n", "log.level"},
		{"syntax", "[bot\n", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			err := decodeConfig([]byte(tt.toml), &cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadConfigFileAndDefaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nb.toml")
	if err := os.WriteFile(path, []byte("[bot]\nprefix = \"/\"\nquiet_start = \"22:30\"\n[whatsapp]\nsend_interval = \"5s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, used, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if used != path || cfg.Bot.Prefix != "/" || cfg.Bot.QuietStart.String() != "22:30" || cfg.WhatsApp.SendInterval.D() != 5*time.Second {
		t.Errorf("loaded %+v from %q", cfg.Bot, used)
	}
	if cfg.Bot.DataDir != "./data" || cfg.Bot.Timezone != "Europe/London" {
		t.Error("unset keys lost their defaults")
	}
	if _, _, err := loadConfig(filepath.Join(dir, "missing.toml")); err == nil {
		t.Error("a named config file that is missing must be an error")
	}
	t.Setenv("NEIGHBOURBOT_DATA_DIR", "/srv/nb")
	cfg, _, err = loadConfig(path)
	if err != nil || cfg.Bot.DataDir != "/srv/nb" {
		t.Errorf("env override: %q %v", cfg.Bot.DataDir, err)
	}
}

// TestDedupeDays: [bot] dedupe_days is the window of message ids kept to
// spot redeliveries; older ones go at start.
func TestDedupeDays(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Bot.DataDir = dir
	cfg.Bot.DedupeDays = 2
	dbPath := filepath.Join(dir, "bot.db")
	st, err := openStore(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	now := console.DefaultStart
	for i, age := range []time.Duration{72 * time.Hour, 47 * time.Hour, time.Hour} {
		if _, err := st.Raw().Exec(`INSERT INTO seen_messages (chat, msg_id, seen_at) VALUES ('g', ?, ?)`, i, now.Add(-age).UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var out bytes.Buffer
	clock := bot.NewManualClock(now)
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), dbPath, con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	var n int
	a.store.Raw().QueryRow(`SELECT COUNT(*) FROM seen_messages`).Scan(&n)
	if n != 2 {
		t.Errorf("%d message ids kept with dedupe_days 2, want the 2 younger than 2 days", n)
	}
	cfg.Bot.DedupeDays = 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "bot.dedupe_days") {
		t.Errorf("dedupe_days 0: %v", err)
	}
}

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
		// Wrong kinds in plain words, never Go's type names.
		{"text for a number", "[moderation]\nwarning_limit = \"lots\"\n", `line 2: moderation.warning_limit: expected a whole number without quotes, e.g. warning_limit = 3, not text "lots"`},
		{"text for true/false", "[notices]\n\nrequire_approval = \"yes\"\n", `line 3: notices.require_approval: expected true or false, e.g. require_approval = true, not text "yes"`},
		{"text for a list", "[bot]\nowners = \"447700900123\"\n", `line 2: bot.owners: expected a list in square brackets`},
		{"number for text", "[bot]\ntimezone = 0\n", `line 2: bot.timezone: expected text in quotes`},
		{"bare number for a duration", "[power]\nwindow = 15\n", `line 2: power.window: 15 has no unit; write a duration in quotes, e.g. window = "15m"`},
		{"bare number for a duration in an array table", "[[notices.feeds]]\nname = \"a\"\nurl = \"https://x.example/f.rss\"\ninterval = 30\n", `line 4: notices.feeds[0].interval: 30 has no unit`},
		{"bare number for a time of day", "[bot]\nquiet_start = 2100\n", `line 2: bot.quiet_start: expected a time of day in quotes, e.g. quiet_start = "21:00"`},
		// Values the decoder took but Validate refused still name their line.
		{"validated value has its line", "[whatsapp]\n\nsend_burst = 0\n", "line 3: whatsapp.send_burst 0 must be between 1 and 20"},
		{"validated value in an array table", "[[notices.feeds]]\nname = \"a\"\nurl = \"ftp://x\"\n", `line 3: notices.feeds[0].url "ftp://x" must be an http or https URL`},
		{"rule about a key not in the file points at the key that is", "[notices]\nsource_name = \"Shropshire Council\"\nrequire_approval = true\n", "line 3: notices.approvers must name at least one approver when require_approval is true"},
		{"owner with a leading 0", "[bot]\nowners = [\"07700900123\"]\n", `line 2: bot.owners[0] "07700900123" starts with 0, so it would never match: write it in international form without the 0, e.g. "447700900123"`},
		{"approver with a leading 0", "[notices]\napprovers = [\"Carol\", \"07700 900123\"]\n", `line 2: notices.approvers[1] "07700 900123" starts with 0`},
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

// TestConfigAcceptsDocumentedForms: "0s" switches pacing off as
// config.example.toml says, a bare 0 is "off" where a duration may be off,
// and owners in international form with "+" and spaces match as before.
func TestConfigAcceptsDocumentedForms(t *testing.T) {
	for _, doc := range []string{
		"[whatsapp]\nsend_interval = \"0s\"\n",
		"[whatsapp]\nsend_interval = \"off\"\n",
		"[whatsapp]\nsend_interval = \"0\"\n",
	} {
		cfg := defaultConfig()
		if err := decodeConfig([]byte(doc), &cfg); err != nil || cfg.WhatsApp.SendInterval != 0 {
			t.Errorf("%q: interval %v, err %v; want pacing off", doc, cfg.WhatsApp.SendInterval.D(), err)
		}
	}
	cfg := defaultConfig()
	if err := decodeConfig([]byte("[whatsapp]\nsend_interval = \"1.5s\"\n[potholes]\nfixed_check_after = 0\n[bot]\nowners = [\"+44 7700 900123\", \"123456789@lid\", \"Alice\"]\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.WhatsApp.SendInterval.D() != 1500*time.Millisecond || cfg.Potholes.FixedCheckAfter != 0 {
		t.Errorf("interval %v, fixed_check_after %v", cfg.WhatsApp.SendInterval.D(), cfg.Potholes.FixedCheckAfter)
	}
}

// TestEnvOverrideErrorNamesTheVariable: an override is validated like the
// file, and the error says the value came from the environment.
func TestEnvOverrideErrorNamesTheVariable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nb.toml")
	if err := os.WriteFile(path, []byte("[bot]\nprefix = \"!\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN", "short")
	_, _, err := loadConfig(path)
	if err == nil || !strings.Contains(err.Error(), "notices.webhook.token must be at least 16 characters (the value comes from NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN)") {
		t.Errorf("error %v, want it to name the variable", err)
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

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEveryEnvNameFollowsTheRule: each setting's variable is derived from
// its key alone, and no two settings (or one's _FILE and another) meet.
func TestEveryEnvNameFollowsTheRule(t *testing.T) {
	names := map[string]string{}
	for _, s := range envSettings() {
		want := "NEIGHBOURBOT_" + strings.ToUpper(strings.ReplaceAll(s.key, ".", "_"))
		if s.env != want {
			t.Errorf("%s is %s, want %s", s.key, s.env, want)
		}
		if other, dup := names[s.env]; dup {
			t.Errorf("%s and %s share %s", s.key, other, s.env)
		}
		names[s.env] = s.key
	}
	for env, key := range names {
		// One exception, and it means the same: the password's file.
		if other, ok := names[env+"_FILE"]; ok && !(key == "potholes.email.password" && other == "potholes.email.password_file") {
			t.Errorf("%s_FILE is both %s's file and the setting %s", env, key, other)
		}
	}
	if len(names) < 100 {
		t.Errorf("only %d settings found: the walk over Config missed sections", len(names))
	}
}

// TestEverySettingFromTheEnvironment sets settings of every kind from the
// environment over a file and checks the values, and that check-config
// says where each came from.
func TestEverySettingFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfgFile := writeFile(t, filepath.Join(dir, "config.toml"), "[bot]\ndata_dir = \""+dir+"\"\n\n[log]\nlevel = \"warn\"\n\n[notices.webhook]\ntoken = \"\"\n")
	env := map[string]string{
		"NEIGHBOURBOT_LOG_LEVEL":                           "debug",
		"NEIGHBOURBOT_LOG_FORMAT":                          "json",
		"NEIGHBOURBOT_METRICS_LISTEN":                      "127.0.0.1:9464",
		"NEIGHBOURBOT_BOT_OWNERS":                          "+44 7700 900123, +44 7700 900456",
		"NEIGHBOURBOT_BOT_QUIET_START":                     "22:15",
		"NEIGHBOURBOT_WHATSAPP_SEND_BURST":                 "5",
		"NEIGHBOURBOT_WHATSAPP_BACKLOG_ACT":                "20m",
		"NEIGHBOURBOT_NOTICES_SOURCES_EA_FLOODS_ENABLED":   "true",
		"NEIGHBOURBOT_NOTICES_SOURCES_EA_FLOODS_RADIUS_KM": "7.5",
		"NEIGHBOURBOT_POTHOLES_SERVICE_CODES":              `{ pothole = "HWY-1" }`,
		"NEIGHBOURBOT_MODERATION_COUNCIL_DOMAINS":          `["council.example", "gov.uk"]`,
		"NEIGHBOURBOT_POTHOLES_EMAIL_PASSWORD":             "smtp-secret",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, _, err := loadConfig(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"log.level", cfg.Log.Level, "debug"},
		{"log.format", cfg.Log.Format, "json"},
		{"metrics.listen", cfg.Metrics.Listen, "127.0.0.1:9464"},
		{"bot.owners", strings.Join(cfg.Bot.Owners, "|"), "+44 7700 900123|+44 7700 900456"},
		{"bot.quiet_start", cfg.Bot.QuietStart.String(), "22:15"},
		{"whatsapp.send_burst", cfg.WhatsApp.SendBurst, 5},
		{"whatsapp.backlog_act", cfg.WhatsApp.BacklogAct.D(), 20 * time.Minute},
		{"ea_floods.enabled", cfg.Notices.Sources.EAFloods.Enabled, true},
		{"ea_floods.radius_km", cfg.Notices.Sources.EAFloods.RadiusKm, 7.5},
		{"potholes.service_codes", cfg.Potholes.ServiceCodes["pothole"], "HWY-1"},
		{"moderation.council_domains", strings.Join(cfg.Moderation.CouncilDomains, ","), "council.example,gov.uk"},
		{"potholes.email.password", cfg.Potholes.Email.Password, "smtp-secret"},
		{"bot.data_dir (file)", cfg.Bot.DataDir, dir},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"check-config", "-config", cfgFile}, nil, &out, &errOut); code != exitOK {
		t.Fatalf("check-config exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"log.level                                NEIGHBOURBOT_LOG_LEVEL",
		"metrics.listen                           NEIGHBOURBOT_METRICS_LISTEN",
		"bot.data_dir                             " + cfgFile + " line 2",
		"secret set: potholes_email_password",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check-config lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "secret set: notices_webhook_token") {
		t.Errorf("a secret nobody set is reported set:\n%s", out.String())
	}
	for _, leak := range []string{"smtp-secret", "900123"} {
		if strings.Contains(out.String(), leak) {
			t.Errorf("check-config shows a value (%s):\n%s", leak, out.String())
		}
	}
}

// TestBadEnvironmentValuesNameTheVariable: a value of the wrong kind, a
// value Validate refuses and a name that is no setting each stop the bot
// with the variable named, as a bad line of the file names its line.
func TestBadEnvironmentValuesNameTheVariable(t *testing.T) {
	dir := t.TempDir()
	cfgFile := writeFile(t, filepath.Join(dir, "config.toml"), "[bot]\ndata_dir = \""+dir+"\"\n")
	cases := []struct {
		env, value string
		want       []string
	}{
		{"NEIGHBOURBOT_WHATSAPP_SEND_BURST", "lots", []string{"NEIGHBOURBOT_WHATSAPP_SEND_BURST", "whole number"}},
		{"NEIGHBOURBOT_WHATSAPP_SEND_BURST", "99", []string{"send_burst 99 must be between 1 and 20", "(the value comes from NEIGHBOURBOT_WHATSAPP_SEND_BURST)"}},
		{"NEIGHBOURBOT_LOG_LEVEL", "loud", []string{`log.level "loud"`, "NEIGHBOURBOT_LOG_LEVEL"}},
		{"NEIGHBOURBOT_WHATSAPP_BACKLOG_ACT", "soon", []string{"NEIGHBOURBOT_WHATSAPP_BACKLOG_ACT"}},
		{"NEIGHBOURBOT_INBOX_ENABLED", "yes", []string{"NEIGHBOURBOT_INBOX_ENABLED", "true or false"}},
		{"NEIGHBOURBOT_BOT_OWNERS", "+44 7700 900123,07700 900456", []string{"bot.owners[1]", "NEIGHBOURBOT_BOT_OWNERS"}},
		{"NEIGHBOURBOT_POTHOLES_SERVICE_CODES", "{ pothole = ", []string{"NEIGHBOURBOT_POTHOLES_SERVICE_CODES", "TOML"}},
		{"NEIGHBOURBOT_LOG_LEVL", "debug", []string{"NEIGHBOURBOT_LOG_LEVL names no setting", "did you mean NEIGHBOURBOT_LOG_LEVEL?"}},
		{"NEIGHBOURBOT_METRICS_LISTEN_ADDR", "x", []string{"did you mean NEIGHBOURBOT_METRICS_LISTEN?"}},
		{"NEIGHBOURBOT_NOTICES_WEBHOK_TOKEN_FILE", "/x", []string{"did you mean NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN_FILE?"}},
	}
	for _, c := range cases {
		t.Run(c.env+"="+c.value, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"check-config", "-config", cfgFile}, nil, &out, &errOut)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, exitUsage, out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("error lacks %q: %s", w, errOut.String())
				}
			}
		})
	}
}

// TestDocumentedVariablesKeepWorking: the names earlier releases
// documented still set their settings, and NEIGHBOURBOT_CONFIG names the
// file when -config is not given.
func TestDocumentedVariablesKeepWorking(t *testing.T) {
	dir := t.TempDir()
	cfgFile := writeFile(t, filepath.Join(dir, "other.toml"), "[bot]\nprefix = \"/\"\n")
	pw := writeFile(t, filepath.Join(dir, "pw"), "from-file\n")
	t.Setenv("NEIGHBOURBOT_CONFIG", cfgFile)
	t.Setenv("NEIGHBOURBOT_DATA_DIR", dir)
	t.Setenv("NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD", "legacy")
	t.Setenv("NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD_FILE", pw)
	cfg, path, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if path != cfgFile || cfg.Bot.Prefix != "/" {
		t.Errorf("NEIGHBOURBOT_CONFIG: read %q, prefix %q", path, cfg.Bot.Prefix)
	}
	if cfg.Bot.DataDir != dir || cfg.Potholes.Email.Password != "legacy" || cfg.Potholes.Email.PasswordFile != pw {
		t.Errorf("legacy names: data_dir %q password %q password_file %q", cfg.Bot.DataDir, cfg.Potholes.Email.Password, cfg.Potholes.Email.PasswordFile)
	}
	// The rule's own name wins over the older one.
	t.Setenv("NEIGHBOURBOT_BOT_DATA_DIR", filepath.Join(dir, "new"))
	if cfg, _, err = loadConfig(""); err != nil || cfg.Bot.DataDir != filepath.Join(dir, "new") {
		t.Errorf("NEIGHBOURBOT_BOT_DATA_DIR: %q %v", cfg.Bot.DataDir, err)
	}
	// Every setting has a _FILE and a systemd credential, not only secrets.
	creds := filepath.Join(dir, "creds")
	os.Mkdir(creds, 0o700)
	writeFile(t, filepath.Join(creds, "log_level"), "error\n")
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	t.Setenv("NEIGHBOURBOT_BOT_TIMEZONE_FILE", writeFile(t, filepath.Join(dir, "tz"), "Europe/Dublin\n"))
	if cfg, _, err = loadConfig(""); err != nil || cfg.Log.Level != "error" || cfg.Bot.Timezone != "Europe/Dublin" {
		t.Errorf("credential and _FILE: level %q zone %q %v", cfg.Log.Level, cfg.Bot.Timezone, err)
	}
}

// TestTestVariablesAreIgnored: variables under NEIGHBOURBOT_TEST_ are the
// tests' and CI's own; the bot starts with them set, while a name beside
// the prefix is still refused. No setting is named under the prefix, and
// every NEIGHBOURBOT_ variable the repository's code or CI reads is either
// a setting or under it — a test-only name outside it would stop the bot
// wherever it was left exported.
func TestTestVariablesAreIgnored(t *testing.T) {
	known := map[string]bool{envConfigFile: true}
	for _, s := range envSettings() {
		known[s.env], known[s.env+"_FILE"] = true, true
	}
	for alias := range envAliases {
		known[alias], known[alias+"_FILE"] = true, true
	}
	for name := range known {
		if strings.HasPrefix(name, envTestPrefix) {
			t.Errorf("the setting %s is under %s, which the bot ignores", name, envTestPrefix)
		}
	}

	dir := t.TempDir()
	cfgFile := writeFile(t, filepath.Join(dir, "config.toml"), "[bot]\ndata_dir = \""+dir+"\"\n")
	checkConfig := func() (int, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"check-config", "-config", cfgFile}, nil, &out, &errOut)
		return code, errOut.String()
	}
	t.Setenv("NEIGHBOURBOT_TEST_LOAD", "1")
	t.Setenv("NEIGHBOURBOT_TEST_CRASH_DB_FILE", "/nowhere")
	if code, errOut := checkConfig(); code != exitOK {
		t.Fatalf("test variables stopped the bot: exit %d\n%s", code, errOut)
	}
	t.Setenv("NEIGHBOURBOT_TESTLOAD", "1")
	if code, errOut := checkConfig(); code != exitUsage || !strings.Contains(errOut, "NEIGHBOURBOT_TESTLOAD names no setting") {
		t.Fatalf("a name beside the prefix was accepted: exit %d\n%s", code, errOut)
	}

	// What the code and CI read: os.Getenv("…"), os.LookupEnv("…"), a
	// child's environment "NAME=…", and NAME=… in .ci's scripts.
	readInGo := regexp.MustCompile(`(?:Getenv|LookupEnv)\("(NEIGHBOURBOT_[A-Z0-9_]+)"\)|"(NEIGHBOURBOT_[A-Z0-9_]+)=`)
	setInCI := regexp.MustCompile(`\b(NEIGHBOURBOT_[A-Z0-9_]+)=`)
	root := filepath.Join("..", "..")
	seen := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "node_modules" || (strings.HasPrefix(name, ".") && name != ".ci")) {
				return filepath.SkipDir
			}
			return nil
		}
		inCI := filepath.Base(filepath.Dir(path)) == ".ci"
		if !strings.HasSuffix(name, ".go") && !inCI {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		re := readInGo
		if inCI {
			re = setInCI
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			v := m[1]
			if v == "" && len(m) > 2 {
				v = m[2]
			}
			seen++
			if !known[v] && !strings.HasPrefix(v, envTestPrefix) {
				t.Errorf("%s reads %s, which is no setting: name a test-only variable %s…", path, v, envTestPrefix)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 5 {
		t.Errorf("only %d variables found read: the walk missed the repository", seen)
	}
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"neighbourbot/bot"
	"neighbourbot/commands/inbox"
	"neighbourbot/commands/lending"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/potholes"
	"neighbourbot/commands/power"
	"neighbourbot/moderation"
	"neighbourbot/web"
)

// Config is the whole configuration file. Every key has a default in
// defaultConfig, and config.example.toml documents each one.
type Config struct {
	Bot        BotConfig         `toml:"bot"`
	WhatsApp   WhatsAppConfig    `toml:"whatsapp"`
	Log        LogConfig         `toml:"log"`
	Metrics    MetricsConfig     `toml:"metrics"`
	Lending    lending.Config    `toml:"lending"`
	Power      power.Config      `toml:"power"`
	Potholes   potholes.Config   `toml:"potholes"`
	Notices    notices.Config    `toml:"notices"`
	Moderation moderation.Config `toml:"moderation"`
	Inbox      inbox.Config      `toml:"inbox"`
	Web        web.Config        `toml:"web"`

	// path is the file the configuration was read from ("" for defaults
	// alone), so a reload (SIGHUP) reads the same one.
	path string
	// sources says where each setting not at its default came from, for
	// check-config.
	sources []settingSource
}

// BotConfig is the [bot] section: settings every feature shares.
type BotConfig struct {
	DataDir string `toml:"data_dir"`
	// Database is empty for the SQLite file in the data directory, or a
	// postgres:// URL for a hub (NEIGHBOURBOT_DATABASE_URL); see
	// database.go for what runs on PostgreSQL so far.
	Database   string        `toml:"database"`
	Prefix     string        `toml:"prefix"`
	Owners     []string      `toml:"owners"`
	Timezone   string        `toml:"timezone"`
	QuietStart bot.TimeOfDay `toml:"quiet_start"`
	QuietEnd   bot.TimeOfDay `toml:"quiet_end"`
	// DedupeDays is how long message ids are kept to recognise a
	// redelivery (seen_messages, often the largest table).
	DedupeDays int `toml:"dedupe_days"`
}

// WhatsAppConfig is the [whatsapp] section.
type WhatsAppConfig struct {
	DeviceName      string         `toml:"device_name"`
	SendInterval    pacingDuration `toml:"send_interval"`
	SendBurst       int            `toml:"send_burst"`
	BacklogAct      bot.Duration   `toml:"backlog_act"`
	GroupInfoMaxAge bot.Duration   `toml:"group_info_max_age"`
}

// pacingDuration is send_interval: a duration, or "0s" (also "0", "off")
// to switch pacing off, as config.example.toml documents — for the console
// and tests, never a real account.
type pacingDuration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler for the TOML decoder.
func (d *pacingDuration) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	switch s {
	case "0", "off", "none":
		*d = 0
		return nil
	}
	if v, err := time.ParseDuration(s); err == nil && v == 0 {
		*d = 0 // "0s", "0ms", "0m"
		return nil
	}
	v, err := bot.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = pacingDuration(v)
	return nil
}

// MarshalText writes the duration back.
func (d pacingDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns the standard library value.
func (d pacingDuration) D() time.Duration { return time.Duration(d) }

// MetricsConfig is the [metrics] section.
type MetricsConfig struct {
	// Listen is the address for Prometheus' /metrics ("127.0.0.1:9464");
	// empty means no metrics server.
	Listen string `toml:"listen"`
}

// LogConfig is the [log] section.
type LogConfig struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

func defaultConfig() Config {
	return Config{
		Bot: BotConfig{
			DataDir:    "./data",
			Prefix:     "!",
			Owners:     []string{},
			Timezone:   "Europe/London",
			QuietStart: 21 * 60,
			QuietEnd:   8 * 60,
			DedupeDays: 30,
		},
		WhatsApp: WhatsAppConfig{
			DeviceName:      "neighbourbot",
			SendInterval:    pacingDuration(2 * time.Second),
			SendBurst:       3,
			BacklogAct:      bot.Duration(10 * time.Minute),
			GroupInfoMaxAge: bot.Duration(6 * time.Hour),
		},
		Log:        LogConfig{Level: "info", Format: "text"},
		Lending:    lending.DefaultConfig(),
		Power:      power.DefaultConfig(),
		Potholes:   potholes.DefaultConfig(),
		Notices:    notices.DefaultConfig(),
		Moderation: moderation.DefaultConfig(),
		Inbox:      inbox.DefaultConfig(),
	}
}

// Location is the configured time zone.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Bot.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// QuietHours is the configured nightly quiet window.
func (c Config) QuietHours() bot.QuietHours {
	return bot.QuietHours{Start: c.Bot.QuietStart, End: c.Bot.QuietEnd, Loc: c.Location()}
}

// loadConfig reads path over the defaults, then the environment over
// both (env.go). An empty path means $NEIGHBOURBOT_CONFIG when set, else
// ./config.toml when present, else defaults alone. Unknown keys and bad
// values are errors naming the key and line, or the variable.
func loadConfig(path string) (Config, string, error) {
	cfg := defaultConfig()
	if path == "" {
		path = os.Getenv(envConfigFile)
	}
	if path == "" {
		if _, err := os.Stat("config.toml"); err != nil {
			sources, err := applyEnv(&cfg)
			if err != nil {
				return cfg, "", err
			}
			cfg.sources = sources
			if err := cfg.Validate(); err != nil {
				return cfg, "", fmt.Errorf("defaults with the environment's overrides: %w", namingOverride(err, sources))
			}
			return cfg, "", nil
		}
		path = "config.toml"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, path, fmt.Errorf("read config: %w", err)
	}
	if err := decodeConfig(data, &cfg); err != nil {
		return cfg, path, fmt.Errorf("%s: %w", path, err)
	}
	sources, err := applyEnv(&cfg)
	if err != nil {
		return cfg, path, err
	}
	// Values from the environment are checked like the file's.
	if err := cfg.Validate(); err != nil {
		return cfg, path, fmt.Errorf("%s with the environment's overrides: %w", path, namingOverride(err, sources))
	}
	cfg.sources = append(fileSources(path, data, sources), sources...)
	cfg.path = path
	return cfg, path, nil
}

// fileSources lists the settings the file sets and the environment does
// not override, each with its first line.
func fileSources(path string, data []byte, fromEnv []settingSource) []settingSource {
	overridden := map[string]bool{}
	for _, s := range fromEnv {
		overridden[s.key] = true
	}
	seen := map[string]bool{}
	var out []settingSource
	for _, e := range scanTOML(data) {
		key := settingOf(e.key)
		if key == "" || seen[key] || overridden[key] {
			continue
		}
		seen[key] = true
		out = append(out, settingSource{key: key, from: fmt.Sprintf("%s line %d", path, e.line)})
	}
	return out
}

// settingOf is the setting a file key belongs to: "notices.feeds[1].url"
// is part of notices.feeds.
func settingOf(key string) string {
	for _, s := range envSettings() {
		if key == s.key || strings.HasPrefix(key, s.key+".") || strings.HasPrefix(key, s.key+"[") {
			return s.key
		}
	}
	return ""
}

func decodeConfig(data []byte, cfg *Config) error {
	entries := scanTOML(data)
	if err := checkValueKinds(entries, cfg); err != nil {
		return err
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var missing *toml.StrictMissingError
		if errors.As(err, &missing) {
			var msgs []string
			for _, e := range missing.Errors {
				row, _ := e.Position()
				msgs = append(msgs, fmt.Sprintf("line %d: unknown key %q", row, strings.Join(e.Key(), ".")))
			}
			return errors.New(strings.Join(msgs, "; "))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			msg := plainDecodeError(de)
			if key := strings.Join(de.Key(), "."); key != "" {
				return fmt.Errorf("line %d: %s: %s", row, key, msg)
			}
			return fmt.Errorf("line %d: %s", row, msg)
		}
		return err
	}
	return withLine(cfg.Validate(), entries)
}

// plainDecodeError is go-toml's message without Go's type names, which mean
// nothing to whoever edits the file.
func plainDecodeError(de *toml.DecodeError) string {
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	if strings.Contains(msg, "cannot decode") || strings.Contains(msg, "struct field") {
		return "this value is of the wrong kind (config.example.toml shows the form it takes)"
	}
	return msg
}

// Validate checks values the decoder cannot, naming the key.
func (c Config) Validate() error {
	if strings.TrimSpace(c.Bot.DataDir) == "" {
		return errors.New("bot.data_dir must not be empty")
	}
	if err := validateDatabase(c.Bot.Database); err != nil {
		return err
	}
	for i, o := range c.Bot.Owners {
		if err := bot.CheckPhoneEntry(o); err != nil {
			return fmt.Errorf("bot.owners[%d] %w", i, err)
		}
	}
	if c.Bot.Prefix == "" || strings.ContainsAny(c.Bot.Prefix, " \t\n") || len([]rune(c.Bot.Prefix)) > 3 {
		return fmt.Errorf("bot.prefix %q must be 1–3 characters with no spaces", c.Bot.Prefix)
	}
	if _, err := time.LoadLocation(c.Bot.Timezone); err != nil {
		return fmt.Errorf("bot.timezone %q: %w", c.Bot.Timezone, err)
	}
	if c.Bot.DedupeDays < 1 || c.Bot.DedupeDays > 365 {
		return fmt.Errorf("bot.dedupe_days %d must be between 1 and 365", c.Bot.DedupeDays)
	}
	if c.WhatsApp.SendInterval.D() < 0 {
		return errors.New("whatsapp.send_interval must not be negative")
	}
	if c.WhatsApp.SendBurst < 1 || c.WhatsApp.SendBurst > 20 {
		return fmt.Errorf("whatsapp.send_burst %d must be between 1 and 20", c.WhatsApp.SendBurst)
	}
	if strings.TrimSpace(c.WhatsApp.DeviceName) == "" {
		return errors.New("whatsapp.device_name must not be empty")
	}
	if a := c.WhatsApp.BacklogAct.D(); a < 30*time.Second || a > 24*time.Hour {
		return fmt.Errorf("whatsapp.backlog_act %s must be between 30s and 24h", a)
	}
	if c.WhatsApp.GroupInfoMaxAge.D() < time.Minute {
		return errors.New("whatsapp.group_info_max_age must be at least 1m")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level %q must be debug, info, warn or error", c.Log.Level)
	}
	switch strings.ToLower(c.Log.Format) {
	case "text", "json":
	default:
		return fmt.Errorf("log.format %q must be text or json", c.Log.Format)
	}
	// In the order of config.example.toml, so a file with several bad
	// sections always names the same one first.
	sections := []struct {
		name string
		v    interface{ Validate() error }
	}{
		{"lending", c.Lending}, {"power", c.Power}, {"potholes", c.Potholes},
		{"notices", c.Notices}, {"moderation", c.Moderation}, {"inbox", c.Inbox},
		{"web", c.Web},
	}
	for _, sec := range sections {
		if err := sec.v.Validate(); err != nil {
			return fmt.Errorf("%s.%w", sec.name, err)
		}
	}
	return nil
}

// dataPath joins a name onto the data directory.
func (c Config) dataPath(name string) string { return filepath.Join(c.Bot.DataDir, name) }

package potholes

import (
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"neighbourbot/bot"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"no categories", func(c *Config) { c.Categories = nil }, "categories must name"},
		{"bad category", func(c *Config) { c.Categories = []string{"Street Light"} }, `categories: "Street Light"`},
		{"twice", func(c *Config) { c.Categories = []string{"pothole", "pothole"} }, "listed twice"},
		{"radius", func(c *Config) { c.DuplicateRadiusM = 0 }, "duplicate_radius_m 0"},
		{"auto send", func(c *Config) { c.AutoSendConfirmations = -1 }, "auto_send_confirmations -1"},
		{"photo size", func(c *Config) { c.MaxPhotoMB = 100 }, "max_photo_mb 100"},
		{"photo url", func(c *Config) { c.PhotoURLBase = "photos/" }, "photo_url_base"},
		{"base url", func(c *Config) { c.BaseURL = "ftp://council.example" }, "base_url"},
		{"service code category", func(c *Config) { c.ServiceCodes = map[string]string{"graffiti": "G"} }, `service_codes: "graffiti"`},
		{"empty service code", func(c *Config) { c.ServiceCodes = map[string]string{"pothole": ""} }, "empty service code"},
		{"open311 format", func(c *Config) { c.Open311Format = "yaml" }, `open311_format "yaml"`},
		{"fixmystreet url", func(c *Config) { c.FixMyStreetBaseURL = "fixmystreet.com" }, "fixmystreet_base_url"},
		{"timeout", func(c *Config) { c.RequestTimeout = bot.Duration(10 * time.Minute) }, "request_timeout"},
		{"timeout over the cap", func(c *Config) { c.RequestTimeout = bot.Duration(31 * time.Second) }, "request_timeout 31s must be between 1s and 30s"},
		{"timeout too short", func(c *Config) { c.RequestTimeout = bot.Duration(500 * time.Millisecond) }, "request_timeout"},
		{"poll for too short", func(c *Config) { c.StatusPollFor = bot.Duration(time.Hour) }, "status_poll_for"},
		{"poll for too long", func(c *Config) { c.StatusPollFor = bot.Duration(4 * 365 * 24 * time.Hour) }, "status_poll_for"},
		{"poll for under interval", func(c *Config) {
			c.StatusPollInterval = bot.Duration(72 * time.Hour)
			c.StatusPollFor = bot.Duration(48 * time.Hour)
		}, "status_poll_for 48h0m0s must be at least status_poll_interval"},
		{"poll", func(c *Config) { c.StatusPollInterval = bot.Duration(time.Second) }, "status_poll_interval"},
		{"email", func(c *Config) { c.LiaisonEmail = "not an email" }, "liaison_email"},
		{"fixed check negative", func(c *Config) { c.FixedCheckAfter = OptionalDuration(-time.Hour) }, "fixed_check_after"},
		{"fixed check too soon", func(c *Config) { c.FixedCheckAfter = OptionalDuration(time.Minute) }, "fixed_check_after"},
		{"claim expiry zero", func(c *Config) { c.FixedClaimExpiry = 0 }, "fixed_claim_expiry"},
		{"claim expiry too long", func(c *Config) { c.FixedClaimExpiry = bot.Duration(400 * 24 * time.Hour) }, "fixed_claim_expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestOptionalDurationText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"0", 0}, {"off", 0}, {" Off ", 0}, {"never", 0},
		{"4w", 4 * 7 * 24 * time.Hour}, {"14d", 14 * 24 * time.Hour}, {"36h", 36 * time.Hour},
	} {
		var d OptionalDuration
		if err := d.UnmarshalText([]byte(tt.in)); err != nil || d.D() != tt.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tt.in, d.D(), err, tt.want)
		}
	}
	for _, bad := range []string{"", "soon", "-1h", "3x"} {
		var d OptionalDuration
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) accepted %v", bad, d.D())
		}
	}
	for _, d := range []OptionalDuration{0, OptionalDuration(672 * time.Hour)} {
		b, err := d.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back OptionalDuration
		if err := back.UnmarshalText(b); err != nil || back != d {
			t.Errorf("round trip of %v gave %v, %v (text %q)", d.D(), back.D(), err, b)
		}
	}
}

func TestConfigFixedCheckFromTOML(t *testing.T) {
	for in, want := range map[string]time.Duration{
		`fixed_check_after = 0`:     0,
		`fixed_check_after = "off"`: 0,
		`fixed_check_after = "3w"`:  21 * 24 * time.Hour,
		``:                          28 * 24 * time.Hour,
	} {
		c := DefaultConfig()
		if err := toml.Unmarshal([]byte(in), &c); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if c.FixedCheckAfter.D() != want {
			t.Errorf("%q gives %v, want %v", in, c.FixedCheckAfter.D(), want)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

package potholes

import (
	"strings"
	"testing"
	"time"

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
		{"timeout", func(c *Config) { c.RequestTimeout = bot.Duration(10 * time.Minute) }, "request_timeout"},
		{"poll", func(c *Config) { c.StatusPollInterval = bot.Duration(time.Second) }, "status_poll_interval"},
		{"email", func(c *Config) { c.LiaisonEmail = "not an email" }, "liaison_email"},
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

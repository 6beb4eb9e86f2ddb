package moderation

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
		name string
		edit func(*Config)
		want string
	}{
		{"limit", func(c *Config) { c.WarningLimit = 0 }, "warning_limit"},
		{"limit high", func(c *Config) { c.WarningLimit = 21 }, "warning_limit"},
		{"action", func(c *Config) { c.LimitAction = "ban" }, "limit_action"},
		{"expiry", func(c *Config) { c.WarningExpiry = bot.Duration(time.Minute) }, "warning_expiry"},
		{"flood messages", func(c *Config) { c.AntifloodMessages = 1 }, "antiflood_messages"},
		{"flood window", func(c *Config) { c.AntifloodWindow = bot.Duration(time.Hour) }, "antiflood_window"},
		{"retention", func(c *Config) { c.RetentionDays = 0 }, "retention_days"},
		{"council", func(c *Config) { c.CouncilDomains = []string{"not a domain"} }, "council_domains"},
		{"log chat", func(c *Config) { c.LogChat = "my group" }, "log_chat"},
		{"delivery", func(c *Config) { c.ReportDelivery = "email" }, "report_delivery"},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.edit(&c)
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one starting with %q", tt.name, err, tt.want)
		}
	}
}

func TestCouncilDomainsAllowed(t *testing.T) {
	cfg := DefaultConfig()
	cfg.CouncilDomains = []string{"https://www.Shropshire.gov.uk/"}
	h := newHarness(t, cfg)
	h.Run(streetSetup + "Alice: !links on\n")
	out := h.Run("Bob: bins: shropshire.gov.uk/bins and https://newsroom.shropshire.gov.uk/x\n")
	if strings.Contains(out, "warning") {
		t.Fatalf("council link flagged:\n%s", out)
	}
	h.Expect("Bob: and shropshire.gov.uk.evil.com\n", "@Bob, warning 1 of 3: links aren't allowed in this group.")
}

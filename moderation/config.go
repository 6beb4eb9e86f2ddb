package moderation

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Limit actions: what happens when a member reaches the warning limit.
const (
	LimitNotify = "notify" // mention the group's admins
	LimitRemove = "remove" // remove the member (the bot must be group admin)
)

// Report delivery modes.
const (
	ReportToGroup = "group" // mention the admins in the group
	ReportByDM    = "dm"    // send each admin a direct message
)

// Config is the [moderation] section of the configuration file. Each group's
// admins can change most of these for their own group by chat command; the
// values here are what a group starts with.
type Config struct {
	// WarningLimit is how many active warnings trigger LimitAction.
	WarningLimit int `toml:"warning_limit"`
	// LimitAction is "notify" (mention the admins) or "remove".
	LimitAction string `toml:"limit_action"`
	// WarningExpiry is how long a warning counts towards the limit.
	WarningExpiry bot.Duration `toml:"warning_expiry"`
	// AntifloodMessages and AntifloodWindow are what "!antiflood on"
	// uses: more than this many messages from one member within the window
	// is a flood.
	AntifloodMessages int          `toml:"antiflood_messages"`
	AntifloodWindow   bot.Duration `toml:"antiflood_window"`
	// RetentionDays is how long audit entries and closed records are kept.
	RetentionDays int `toml:"retention_days"`
	// CouncilDomains are always allowed when links are locked (subdomains too).
	CouncilDomains []string `toml:"council_domains"`
	// LogChat is a group (WhatsApp group JID) that receives every audit
	// entry as it happens; empty for none.
	LogChat string `toml:"log_chat"`
	// ReportDelivery is how !report reaches admins: "group" or "dm".
	ReportDelivery string `toml:"report_delivery"`
}

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		WarningLimit:      3,
		LimitAction:       LimitNotify,
		WarningExpiry:     bot.Duration(30 * 24 * time.Hour),
		AntifloodMessages: 6,
		AntifloodWindow:   bot.Duration(10 * time.Second),
		RetentionDays:     365,
		CouncilDomains:    []string{},
		ReportDelivery:    ReportToGroup,
	}
}

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error {
	if c.WarningLimit < 1 || c.WarningLimit > maxWarnLimit {
		return fmt.Errorf("warning_limit %d must be between 1 and %d", c.WarningLimit, maxWarnLimit)
	}
	if c.LimitAction != LimitNotify && c.LimitAction != LimitRemove {
		return fmt.Errorf("limit_action %q must be notify or remove", c.LimitAction)
	}
	if c.WarningExpiry.D() < time.Hour {
		return errors.New("warning_expiry must be at least 1h")
	}
	if c.AntifloodMessages < minFloodMessages || c.AntifloodMessages > maxFloodMessages {
		return fmt.Errorf("antiflood_messages %d must be between %d and %d", c.AntifloodMessages, minFloodMessages, maxFloodMessages)
	}
	if w := c.AntifloodWindow.D(); w < time.Second || w > maxFloodWindow {
		return fmt.Errorf("antiflood_window must be between 1s and %s", maxFloodWindow)
	}
	if c.RetentionDays < 1 || c.RetentionDays > 3650 {
		return fmt.Errorf("retention_days %d must be between 1 and 3650", c.RetentionDays)
	}
	for _, d := range c.CouncilDomains {
		if _, ok := normaliseDomain(d); !ok {
			return fmt.Errorf("council_domains: %q is not a domain name like shropshire.gov.uk", d)
		}
	}
	if strings.ContainsAny(c.LogChat, " \t\n") {
		return fmt.Errorf("log_chat %q must be a group id with no spaces", c.LogChat)
	}
	if c.ReportDelivery != ReportToGroup && c.ReportDelivery != ReportByDM {
		return fmt.Errorf("report_delivery %q must be group or dm", c.ReportDelivery)
	}
	return nil
}

// mergeDomains adds the domains of extra, in canonical form, to those of
// configured that are not already covered (a domain covers its
// subdomains).
func mergeDomains(configured, extra []string) []string {
	out := append([]string(nil), configured...)
	for _, d := range extra {
		n, ok := normaliseDomain(d)
		if !ok {
			continue
		}
		covered := false
		for _, have := range out {
			if n == have || strings.HasSuffix(n, "."+have) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, n)
		}
	}
	return out
}

// councilDomains returns the configured domains in canonical form.
func (c Config) councilDomains() []string {
	out := make([]string, 0, len(c.CouncilDomains))
	for _, d := range c.CouncilDomains {
		if n, ok := normaliseDomain(d); ok {
			out = append(out, n)
		}
	}
	return out
}

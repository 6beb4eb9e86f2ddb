package power

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Config is the [power] section of the configuration file.
type Config struct {
	// Window is how long a check collects answers before the verdict.
	Window bot.Duration `toml:"window"`
	// ReportNumber is the phone number residents call to report a cut
	// (105 in Great Britain).
	ReportNumber string `toml:"report_number"`
	// OperatorLink is where residents can check live power cuts.
	OperatorLink string `toml:"operator_link"`
	// CompensationAfter is how long an outage must last before the
	// restoration message adds CompensationText.
	CompensationAfter bot.Duration `toml:"compensation_after"`
	CompensationText  string       `toml:"compensation_text"`
	// CloseAfter closes a check nobody marked restored, so a forgotten
	// outage never blocks new checks.
	CloseAfter bot.Duration `toml:"close_after"`
	// SuggestCooldown spaces out the "Shall I start a power check?" hint in
	// groups that switched it on.
	SuggestCooldown bot.Duration `toml:"suggest_cooldown"`

	// FeedProvider names the outage feed's format; FeedURL empty means no
	// incident lookup.
	FeedProvider string       `toml:"feed_provider"`
	FeedURL      string       `toml:"feed_url"`
	FeedKey      string       `toml:"feed_key"`
	FeedTimeout  bot.Duration `toml:"feed_timeout"`
}

// DefaultCompensationText is the Great Britain wording; other countries
// replace it in the config.
const DefaultCompensationText = "UK households may be due compensation under the Guaranteed Standards of Performance " +
	"when the power is off for more than 12 hours. Claim from your network operator — the company you reach on 105, " +
	"not your energy supplier; their website explains how, and claims usually have to be made within three months."

// maxFeedTimeout caps feed_timeout.
const maxFeedTimeout = 10 * time.Second

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		Window:            bot.Duration(15 * time.Minute),
		ReportNumber:      "105",
		OperatorLink:      "https://www.powercut105.com",
		CompensationAfter: bot.Duration(12 * time.Hour),
		CompensationText:  DefaultCompensationText,
		CloseAfter:        bot.Duration(3 * 24 * time.Hour),
		SuggestCooldown:   bot.Duration(time.Hour),
		FeedProvider:      ProviderUKPN,
		FeedTimeout:       bot.Duration(5 * time.Second),
	}
}

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error {
	if w := c.Window.D(); w < time.Minute || w > 2*time.Hour {
		return fmt.Errorf("window %s must be between 1m and 2h", w)
	}
	if strings.TrimSpace(c.ReportNumber) == "" {
		return errors.New("report_number must not be empty")
	}
	if c.OperatorLink != "" {
		if err := checkURL(c.OperatorLink); err != nil {
			return fmt.Errorf("operator_link: %w", err)
		}
	}
	if c.CompensationAfter.D() < time.Hour {
		return errors.New("compensation_after must be at least 1h")
	}
	if strings.TrimSpace(c.CompensationText) == "" {
		return errors.New("compensation_text must not be empty")
	}
	if c.CloseAfter.D() < 2*time.Hour {
		return errors.New("close_after must be at least 2h")
	}
	if c.SuggestCooldown.D() < time.Minute {
		return errors.New("suggest_cooldown must be at least 1m")
	}
	if c.FeedProvider != ProviderUKPN {
		return fmt.Errorf("feed_provider %q is not supported (supported: %q)", c.FeedProvider, ProviderUKPN)
	}
	if c.FeedURL != "" {
		if err := checkURL(c.FeedURL); err != nil {
			return fmt.Errorf("feed_url: %w", err)
		}
	}
	// The lookup runs inside the verdict's job, which holds up the bot
	// while it waits: keep it short.
	if t := c.FeedTimeout.D(); t < 500*time.Millisecond || t > maxFeedTimeout {
		return fmt.Errorf("feed_timeout %s must be between 500ms and %s", t, maxFeedTimeout)
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an http(s) URL", s)
	}
	return nil
}

package sources

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Config is [notices.sources]: the built-in official sources.
type Config struct {
	// PostcodesURL is the postcodes.io-compatible service that places a
	// group's area (/outcodes/{outcode}, /postcodes/{postcode}).
	PostcodesURL string       `toml:"postcodes_url"`
	EAFloods     SourceConfig `toml:"ea_floods"`
	MetOffice    SourceConfig `toml:"met_office"`
	GovUKAlerts  SourceConfig `toml:"govuk_alerts"`
	// Planning is the daily digest of planning applications near each
	// group (PlanIt), off by default.
	Planning SourceConfig `toml:"planning"`
	// CAP lists CAP 1.2 feeds ([[notices.sources.cap]]).
	CAP []CAPFeedConfig `toml:"cap"`
}

// SourceConfig is one built-in source.
type SourceConfig struct {
	Enabled bool `toml:"enabled"`
	// URL replaces the source's public address (a mirror, a test server);
	// empty keeps the built-in one.
	URL      string       `toml:"url"`
	Interval bot.Duration `toml:"interval"`
	// RadiusKm is how far from a group's point to look (flood warnings).
	RadiusKm float64  `toml:"radius_km"`
	Topics   []string `toml:"topics"`
	// RequireApproval holds this source's notices for an approver when
	// [notices] require_approval is on; official warnings skip it unless
	// this is set.
	RequireApproval bool `toml:"require_approval"`
}

// CAPFeedConfig is one [[notices.sources.cap]] feed.
type CAPFeedConfig struct {
	Name            string       `toml:"name"`
	DisplayName     string       `toml:"display_name"`
	URL             string       `toml:"url"`
	Interval        bot.Duration `toml:"interval"`
	Topics          []string     `toml:"topics"`
	RequireApproval bool         `toml:"require_approval"`
}

// DefaultConfig returns the built-in defaults: the flood, weather and
// emergency sources on, asked only about the areas of opted-in groups.
func DefaultConfig() Config {
	return Config{
		PostcodesURL: "https://api.postcodes.io",
		EAFloods:     SourceConfig{Enabled: true, Interval: bot.Duration(15 * time.Minute), RadiusKm: 5, Topics: []string{"flooding"}},
		MetOffice:    SourceConfig{Enabled: true, Interval: bot.Duration(30 * time.Minute), Topics: []string{"emergencies"}},
		GovUKAlerts:  SourceConfig{Enabled: true, Interval: bot.Duration(10 * time.Minute), Topics: []string{"emergencies"}},
		Planning:     SourceConfig{Interval: bot.Duration(24 * time.Hour), RadiusKm: 1, Topics: []string{"planning"}},
		CAP:          []CAPFeedConfig{},
	}
}

// Validate reports the first bad value; known says whether a topic is in
// [notices] topics.
func (c Config) Validate(known func(string) bool) error {
	if err := checkURL(c.PostcodesURL, false); err != nil {
		return fmt.Errorf("sources.postcodes_url: %w", err)
	}
	for name, s := range map[string]SourceConfig{"ea_floods": c.EAFloods, "met_office": c.MetOffice, "govuk_alerts": c.GovUKAlerts, "planning": c.Planning} {
		if err := s.validate(known); err != nil {
			return fmt.Errorf("sources.%s.%w", name, err)
		}
	}
	if c.EAFloods.RadiusKm < 0.5 || c.EAFloods.RadiusKm > 50 {
		return errors.New("sources.ea_floods.radius_km must be between 0.5 and 50")
	}
	if c.Planning.RadiusKm < 0.1 || c.Planning.RadiusKm > 10 {
		return errors.New("sources.planning.radius_km must be between 0.1 and 10")
	}
	names := map[string]bool{}
	for i, f := range c.CAP {
		key := fmt.Sprintf("sources.cap[%d]", i)
		if strings.TrimSpace(f.Name) == "" || names[f.Name] {
			return fmt.Errorf("%s.name must be set and unique", key)
		}
		names[f.Name] = true
		if err := checkURL(f.URL, false); err != nil {
			return fmt.Errorf("%s.url: %w", key, err)
		}
		if err := (SourceConfig{Interval: f.Interval, Topics: f.Topics}).validate(known); err != nil {
			return fmt.Errorf("%s.%w", key, err)
		}
	}
	return nil
}

func (s SourceConfig) validate(known func(string) bool) error {
	if err := checkURL(s.URL, true); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if d := s.Interval.D(); d != 0 && d < time.Minute {
		return errors.New("interval must be at least 1m")
	}
	for _, t := range s.Topics {
		if !known(t) {
			return fmt.Errorf("topics: %q is not in topics", t)
		}
	}
	return nil
}

func checkURL(s string, emptyOK bool) error {
	if s == "" && emptyOK {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an http or https URL", s)
	}
	return nil
}

// IntervalOr returns the interval, or d when unset.
func (s SourceConfig) IntervalOr(d time.Duration) time.Duration {
	if s.Interval == 0 {
		return d
	}
	return s.Interval.D()
}

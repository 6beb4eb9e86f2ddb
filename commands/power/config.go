package power

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
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

	// FeedProvider chooses the network operator whose incidents a check
	// names: "auto" (by the group's area, from the shipped postcode-district
	// table), an operator's name ("nged", a [power.feeds] entry), or "off".
	FeedProvider string `toml:"feed_provider"`
	// FeedURL and FeedKey set the chosen operator's URL and API key (the
	// first form of this setting; [power.feeds.NAME] does the same per
	// operator). With feed_provider "ukpn", FeedURL may be the dataset's
	// JSON export.
	FeedURL     string       `toml:"feed_url"`
	FeedKey     string       `toml:"feed_key"`
	FeedTimeout bot.Duration `toml:"feed_timeout"`
	// Feeds override the built-in operators' feeds, or add operators.
	Feeds map[string]OperatorFeed `toml:"feeds"`
	// AlertInterval is how often groups with !power alerts on have their
	// operator's unplanned incidents checked; PlannedAt is when the
	// morning line about planned work in the next 48 hours goes out.
	AlertInterval bot.Duration  `toml:"alert_interval"`
	PlannedAt     bot.TimeOfDay `toml:"planned_at"`
}

// OperatorFeed is one [power.feeds.NAME] entry: any part left empty keeps
// the built-in operator's value.
type OperatorFeed struct {
	// Kind is the fetcher: "opendatasoft", "ckan" or "json".
	Kind string `toml:"kind"`
	URL  string `toml:"url"`
	Key  string `toml:"key"`
	// Resource is CKAN's resource_id.
	Resource string `toml:"resource"`
	// Title is the operator's name as residents know it.
	Title  string      `toml:"title"`
	Fields FeedMapping `toml:"fields"`
}

// FeedMapping names the fields of an operator's records (see the
// operators package); [power.feeds.NAME.fields].
type FeedMapping struct {
	Records        string   `toml:"records"`
	Fields         string   `toml:"fields"`
	Ref            string   `toml:"ref"`
	Postcodes      string   `toml:"postcodes"`
	Planned        string   `toml:"planned"`
	Restoration    string   `toml:"restoration"`
	Start          string   `toml:"start"`
	Customers      string   `toml:"customers"`
	Status         string   `toml:"status"`
	Message        string   `toml:"message"`
	Restored       string   `toml:"restored"`
	PlannedValues  []string `toml:"planned_values"`
	ClosedStatuses []string `toml:"closed_statuses"`
	TimeZone       string   `toml:"time_zone"`
}

// BuiltinOperators are the operators the bot knows without configuration.
var BuiltinOperators = []string{"enwl", "nged", "nie", "npg", "spen", "ssen", "ukpn"}

// Provider values besides operator names.
const (
	ProviderAuto = "auto"
	ProviderOff  = "off"
)

// DefaultCompensationText is the Great Britain wording; other countries
// replace it in the config.
const DefaultCompensationText = "Under the Guaranteed Standards of Performance, a home whose power is off for more than 12 hours in normal weather " +
	"is due £95 from the network operator (the company you reach on 105, not your energy supplier), plus £45 for each further 12 hours. " +
	"The limits and amounts differ in severe weather and for very large incidents, and some exemptions apply. " +
	"Claims usually have to be made within three months; Ofgem explains the rules: https://www.ofgem.gov.uk/information-consumers/energy-advice-households"

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
		FeedProvider:      ProviderAuto,
		Feeds:             map[string]OperatorFeed{},
		AlertInterval:     bot.Duration(10 * time.Minute),
		PlannedAt:         8 * 60,
		FeedTimeout:       bot.Duration(5 * time.Second),
	}
}

// MaxWindow is the longest check window: see Validate.
const MaxWindow = 18 * time.Minute

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error {
	// The status message is edited until the window ends, and WhatsApp
	// shows edits only for 20 minutes after the original was sent
	// (whatsmeow send.go EditWindow): a longer window would leave the
	// tally frozen while the check still runs. 18m leaves room for pacing.
	if w := c.Window.D(); w < time.Minute || w > MaxWindow {
		return fmt.Errorf("window %s must be between 1m and %s (WhatsApp shows edits of the status message for 20 minutes only)", w, MaxWindow)
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
	if d := c.AlertInterval.D(); d < 2*time.Minute || d > 6*time.Hour {
		return fmt.Errorf("alert_interval %s must be between 2m and 6h", d)
	}
	if c.PlannedAt < 0 || c.PlannedAt >= 24*60 {
		return errors.New("planned_at must be a time of day like \"08:00\"")
	}
	if !c.knownProvider(c.FeedProvider) {
		return fmt.Errorf("feed_provider %q is not supported (use auto, off, one of %s, or a [power.feeds] name)", c.FeedProvider, strings.Join(BuiltinOperators, ", "))
	}
	if c.FeedURL != "" {
		if err := checkURL(c.FeedURL); err != nil {
			return fmt.Errorf("feed_url: %w", err)
		}
		if c.FeedProvider == ProviderAuto || c.FeedProvider == ProviderOff {
			return fmt.Errorf("feed_url needs feed_provider set to the operator it belongs to, not %q", c.FeedProvider)
		}
	}
	for name, f := range c.Feeds {
		if !opName.MatchString(name) || name == ProviderAuto || name == ProviderOff {
			return fmt.Errorf("feeds.%s: a feed name is a lower-case word", name)
		}
		builtin := contains(BuiltinOperators, name)
		switch f.Kind {
		case "opendatasoft", "ckan", "json":
		case "":
			if !builtin {
				return fmt.Errorf("feeds.%s.kind must be opendatasoft, ckan or json", name)
			}
		default:
			return fmt.Errorf("feeds.%s.kind %q must be opendatasoft, ckan or json", name, f.Kind)
		}
		if f.URL != "" {
			if err := checkURL(f.URL); err != nil {
				return fmt.Errorf("feeds.%s.url: %w", name, err)
			}
		} else if !builtin {
			return fmt.Errorf("feeds.%s.url must be set", name)
		}
		if !builtin && (f.Fields.Ref == "" || f.Fields.Postcodes == "") {
			return fmt.Errorf("feeds.%s.fields: ref and postcodes must be set", name)
		}
	}
	// The lookup runs inside the verdict's job, which holds up the bot
	// while it waits: keep it short.
	if t := c.FeedTimeout.D(); t < 500*time.Millisecond || t > maxFeedTimeout {
		return fmt.Errorf("feed_timeout %s must be between 500ms and %s", t, maxFeedTimeout)
	}
	return nil
}

var opName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

func (c Config) knownProvider(p string) bool {
	if p == ProviderAuto || p == ProviderOff || contains(BuiltinOperators, p) {
		return true
	}
	_, ok := c.Feeds[p]
	return ok
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
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

package potholes

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/potholes/open311"
)

// Config is the [potholes] section of the configuration file.
type Config struct {
	// Categories residents can report with !report CATEGORY; the first one
	// is what !pothole files.
	Categories []string `toml:"categories"`
	// DuplicateRadiusM is how close (metres) an open report of the same
	// category must be to count as "already reported?".
	DuplicateRadiusM int `toml:"duplicate_radius_m"`
	// AutoSendConfirmations sends a report to the council once this many
	// neighbours have confirmed it; 0 leaves sending to admins.
	AutoSendConfirmations int `toml:"auto_send_confirmations"`
	// MaxPhotoMB caps a stored photo's size.
	MaxPhotoMB int `toml:"max_photo_mb"`
	// PhotoURLBase is where the photos directory is published, for the
	// media_url sent to the council; empty sends no photo link.
	PhotoURLBase string `toml:"photo_url_base"`

	// Open311 GeoReport v2 endpoint; empty BaseURL means reports stay in
	// the group.
	BaseURL        string            `toml:"base_url"`
	APIKey         string            `toml:"api_key"`
	JurisdictionID string            `toml:"jurisdiction_id"`
	ServiceCodes   map[string]string `toml:"service_codes"`
	// Open311Format is the format the council is asked in: "auto" (JSON,
	// and XML for good once the server refuses JSON), "json" or "xml".
	// Answers are read in whichever format they come.
	Open311Format string `toml:"open311_format"`
	// RequestTimeout bounds one call to the council's server. Calls are
	// made from jobs, which run one at a time while the bot waits, so it
	// is kept short.
	RequestTimeout bot.Duration `toml:"request_timeout"`
	// StatusPollInterval is how often sent reports are checked for news.
	StatusPollInterval bot.Duration `toml:"status_poll_interval"`
	// StatusPollFor is how long a sent report is checked before the checks
	// stop (an admin can restart them with !pothole P7 check).
	StatusPollFor bot.Duration `toml:"status_poll_for"`
	// SendMethod is how reports reach the council: "open311" (base_url)
	// or "email" ([potholes.email]); SendMethods overrides it per category.
	SendMethod  string            `toml:"send_method"`
	SendMethods map[string]string `toml:"send_methods"`
	// FixMyStreetBaseURL, when set (e.g. "https://www.fixmystreet.com"),
	// checks FixMyStreet's open reports near a new report's pin just after
	// it is filed (a follow-up in the group). Off by default.
	FixMyStreetBaseURL string `toml:"fixmystreet_base_url"`
	// AllowUnanswered lets an admin send a report without the answers the
	// council's service definition marks required (!pothole P7 send
	// anyway): only for councils that accept such requests.
	AllowUnanswered bool `toml:"allow_unanswered"`
	// Email is the [potholes.email] section: reports sent by email in
	// FixMyStreet's manner.
	Email EmailConfig `toml:"email"`

	// Staff are the council staff who see street faults on the staff web
	// page ([web]) and may set a report's status there: numbers, written
	// as [bot] owners are. Owners always may.
	Staff []string `toml:"staff"`

	// The council liaison named on requests instead of the resident.
	LiaisonName  string `toml:"liaison_name"`
	LiaisonEmail string `toml:"liaison_email"`

	// FixedCheckAfter is how long after filing the group is asked once
	// whether a still-unresolved report has been fixed; 0 never asks.
	FixedCheckAfter OptionalDuration `toml:"fixed_check_after"`
	// FixedClaimExpiry is how long one neighbour's !fixed waits for a
	// second neighbour before it lapses.
	FixedClaimExpiry bot.Duration `toml:"fixed_claim_expiry"`
}

// OptionalDuration is a config duration that may be switched off with 0,
// "0" or "off" (read as zero).
type OptionalDuration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler for the TOML decoder.
func (d *OptionalDuration) UnmarshalText(b []byte) error {
	switch s := strings.ToLower(strings.TrimSpace(string(b))); s {
	case "0", "off", "never", "none":
		*d = 0
		return nil
	default:
		v, err := bot.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = OptionalDuration(v)
		return nil
	}
}

// MarshalText writes the duration back, "off" when switched off.
func (d OptionalDuration) MarshalText() ([]byte, error) {
	if d == 0 {
		return []byte("off"), nil
	}
	return []byte(time.Duration(d).String()), nil
}

// D returns the standard library value; 0 means off.
func (d OptionalDuration) D() time.Duration { return time.Duration(d) }

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		Categories:            []string{"pothole", "streetlight", "flytipping", "drain"},
		DuplicateRadiusM:      50,
		AutoSendConfirmations: 3,
		MaxPhotoMB:            5,
		ServiceCodes:          map[string]string{},
		Open311Format:         open311.FormatAuto,
		SendMethod:            methodOpen311,
		SendMethods:           map[string]string{},
		Email:                 defaultEmailConfig(),
		RequestTimeout:        bot.Duration(8 * time.Second),
		StatusPollInterval:    bot.Duration(6 * time.Hour),
		StatusPollFor:         bot.Duration(26 * 7 * 24 * time.Hour),
		FixedCheckAfter:       OptionalDuration(4 * 7 * 24 * time.Hour),
		FixedClaimExpiry:      bot.Duration(14 * 24 * time.Hour),
	}
}

// maxRequestTimeout caps request_timeout.
const maxRequestTimeout = 30 * time.Second

var categoryName = regexp.MustCompile(`^[a-z][a-z0-9]{1,29}$`)

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error {
	seen, err := validateCategories(c.Categories)
	if err != nil {
		return err
	}
	if c.DuplicateRadiusM < 1 || c.DuplicateRadiusM > 5000 {
		return fmt.Errorf("duplicate_radius_m %d must be between 1 and 5000", c.DuplicateRadiusM)
	}
	if c.AutoSendConfirmations < 0 || c.AutoSendConfirmations > 1000 {
		return fmt.Errorf("auto_send_confirmations %d must be between 0 (admins send) and 1000", c.AutoSendConfirmations)
	}
	if c.MaxPhotoMB < 1 || c.MaxPhotoMB > 64 {
		return fmt.Errorf("max_photo_mb %d must be between 1 and 64", c.MaxPhotoMB)
	}
	if c.PhotoURLBase != "" {
		if err := checkHTTPURL(c.PhotoURLBase); err != nil {
			return fmt.Errorf("photo_url_base %q: %w", c.PhotoURLBase, err)
		}
	}
	if c.FixMyStreetBaseURL != "" {
		if err := checkHTTPURL(c.FixMyStreetBaseURL); err != nil {
			return fmt.Errorf("fixmystreet_base_url %q: %w", c.FixMyStreetBaseURL, err)
		}
	}
	if c.BaseURL != "" {
		if err := checkHTTPURL(c.BaseURL); err != nil {
			return fmt.Errorf("base_url %q: %w", c.BaseURL, err)
		}
	}
	for cat, code := range c.ServiceCodes {
		if !seen[cat] {
			return fmt.Errorf("service_codes: %q is not one of the categories", cat)
		}
		if code == "" {
			return fmt.Errorf("service_codes: %q has an empty service code", cat)
		}
	}
	switch c.Open311Format {
	case open311.FormatAuto, open311.FormatJSON, open311.FormatXML:
	default:
		return fmt.Errorf("open311_format %q must be \"auto\", \"json\" or \"xml\"", c.Open311Format)
	}
	if err := c.validateTiming(); err != nil {
		return err
	}
	if c.LiaisonEmail != "" {
		if _, err := mail.ParseAddress(c.LiaisonEmail); err != nil {
			return fmt.Errorf("liaison_email %q is not an email address", c.LiaisonEmail)
		}
	}
	if !validMethod(c.SendMethod) {
		return fmt.Errorf("send_method %q must be \"open311\" or \"email\"", c.SendMethod)
	}
	for cat, m := range c.SendMethods {
		if !seen[cat] {
			return fmt.Errorf("send_methods: %q is not one of the categories", cat)
		}
		if !validMethod(m) {
			return fmt.Errorf("send_methods: %s = %q must be \"open311\" or \"email\"", cat, m)
		}
	}
	var emailed []string
	for _, cat := range c.Categories {
		if c.methodFor(cat) == methodEmail {
			emailed = append(emailed, cat)
		}
	}
	if err := c.Email.validate(seen, emailed); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

// validateCategories checks the category names and returns them as a set.
func validateCategories(cats []string) (map[string]bool, error) {
	if len(cats) == 0 {
		return nil, errors.New("categories must name at least one category (the first is what !pothole files)")
	}
	seen := map[string]bool{}
	for _, cat := range cats {
		if !categoryName.MatchString(cat) {
			return nil, fmt.Errorf("categories: %q must be one lower-case word (letters and digits, e.g. \"streetlight\")", cat)
		}
		if seen[cat] {
			return nil, fmt.Errorf("categories: %q is listed twice", cat)
		}
		seen[cat] = true
	}
	return seen, nil
}

// validateTiming checks the council call timeout, the status checks'
// interval and span, and the "is it fixed?" check and claim windows.
func (c Config) validateTiming() error {
	// The bot waits for each call, so a long timeout would stall it.
	if c.RequestTimeout.D() < time.Second || c.RequestTimeout.D() > maxRequestTimeout {
		return fmt.Errorf("request_timeout %s must be between 1s and %s", c.RequestTimeout.D(), maxRequestTimeout)
	}
	if c.StatusPollInterval.D() < time.Minute {
		return fmt.Errorf("status_poll_interval %s must be at least 1m", c.StatusPollInterval.D())
	}
	if d := c.StatusPollFor.D(); d < 24*time.Hour || d > 3*365*24*time.Hour {
		return fmt.Errorf("status_poll_for %s must be between 1d and 1095d", d)
	}
	if c.StatusPollFor.D() < c.StatusPollInterval.D() {
		return fmt.Errorf("status_poll_for %s must be at least status_poll_interval (%s)", c.StatusPollFor.D(), c.StatusPollInterval.D())
	}
	if d := c.FixedCheckAfter.D(); d != 0 && (d < time.Hour || d > 365*24*time.Hour) {
		return fmt.Errorf("fixed_check_after %s must be between 1h and 365d, or off", d)
	}
	if d := c.FixedClaimExpiry.D(); d < time.Hour || d > 365*24*time.Hour {
		return fmt.Errorf("fixed_claim_expiry %s must be between 1h and 365d", d)
	}
	return nil
}

// Send methods.
const (
	methodOpen311 = "open311"
	methodEmail   = "email"
)

func validMethod(m string) bool { return m == methodOpen311 || m == methodEmail }

// methodFor is how reports of cat go to the council.
func (c Config) methodFor(cat string) string {
	if m := c.SendMethods[cat]; m != "" {
		return m
	}
	return c.SendMethod
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http:// or https:// URL")
	}
	return nil
}

// defaultCategory is what !pothole files.
func (c Config) defaultCategory() string { return c.Categories[0] }

// councilConfigured reports whether reports can go to an Open311 endpoint.
func (c Config) councilConfigured() bool { return c.BaseURL != "" }

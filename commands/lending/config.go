package lending

import (
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// Config is the [lending] section of the configuration file.
type Config struct {
	// LoanPeriod is how long a loan lasts when !lent names no period.
	LoanPeriod bot.Duration `toml:"loan_period"`
	// MaxLoanPeriod caps "for …" and "until …", so a typo cannot lend a
	// ladder until 2036.
	MaxLoanPeriod bot.Duration `toml:"max_loan_period"`
	// DueTime is the time of day a loan counted in days is due back.
	DueTime bot.TimeOfDay `toml:"due_time"`
	// OverdueEvery is how often an overdue borrower (and the owner) is
	// reminded until the item is back.
	OverdueEvery bot.Duration `toml:"overdue_every"`
	// WantExpiry is how long an unanswered !borrow is remembered.
	WantExpiry bot.Duration `toml:"want_expiry"`
	// ErrandSummaryBefore is how long before an errand starts its runner
	// gets the list of who joined.
	ErrandSummaryBefore bot.Duration `toml:"errand_summary_before"`
	// MaxItemLength caps item, favour and errand names, in characters.
	MaxItemLength int `toml:"max_item_length"`
}

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		LoanPeriod:          bot.Duration(7 * 24 * time.Hour),
		MaxLoanPeriod:       bot.Duration(90 * 24 * time.Hour),
		DueTime:             18 * 60,
		OverdueEvery:        bot.Duration(2 * 24 * time.Hour),
		WantExpiry:          bot.Duration(14 * 24 * time.Hour),
		ErrandSummaryBefore: bot.Duration(time.Hour),
		MaxItemLength:       60,
	}
}

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error {
	switch {
	case c.LoanPeriod.D() < time.Hour:
		return errors.New("loan_period must be at least 1h")
	case c.MaxLoanPeriod.D() < c.LoanPeriod.D():
		return fmt.Errorf("max_loan_period (%s) must be at least loan_period (%s)", bot.FormatDuration(c.MaxLoanPeriod.D()), bot.FormatDuration(c.LoanPeriod.D()))
	case c.OverdueEvery.D() < time.Hour:
		return errors.New("overdue_every must be at least 1h, so overdue reminders never become spam")
	case c.WantExpiry.D() < time.Hour:
		return errors.New("want_expiry must be at least 1h")
	case c.ErrandSummaryBefore.D() < time.Minute || c.ErrandSummaryBefore.D() > 24*time.Hour:
		return errors.New("errand_summary_before must be between 1m and 1d")
	case c.MaxItemLength < 10 || c.MaxItemLength > 200:
		return fmt.Errorf("max_item_length %d must be between 10 and 200", c.MaxItemLength)
	case c.DueTime < 0 || c.DueTime >= 24*60:
		return errors.New("due_time must be a time of day like 18:00")
	}
	return nil
}

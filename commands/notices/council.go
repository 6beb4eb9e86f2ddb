package notices

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"neighbourbot/bot"
)

// validateCouncil checks the council-side keys: senders, election periods
// and the results callback.
func (c Config) validateCouncil() error {
	if err := c.validateSenders(); err != nil {
		return err
	}
	if err := c.validatePeriods(); err != nil {
		return err
	}
	if c.ResultsURL != "" {
		u, err := url.Parse(c.ResultsURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("results_url %q must be an http or https URL", c.ResultsURL)
		}
		if len(c.ResultsSecret) < 16 {
			return errors.New("results_secret must be at least 16 characters when results_url is set (set it through NEIGHBOURBOT_NOTICES_RESULTS_SECRET)")
		}
	}
	if c.ResultsTimeout.D() < time.Second || c.ResultsTimeout.D() > time.Minute {
		return errors.New("results_timeout must be between 1s and 1m")
	}
	return nil
}

// saveCouncil stores what the council side adds to a new notice, in the
// notice's own transaction.
func saveCouncil(ctx context.Context, tx bot.Tx, n *Notice) error {
	if n.Sender == "" && n.Effective.IsZero() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notice_council (notice_id, sender, effective_at) VALUES (?, ?, ?)`,
		n.ID, n.Sender, ms(n.Effective)); err != nil {
		return fmt.Errorf("save notice sender: %w", err)
	}
	return nil
}

// jobPeriods re-checks deliveries held by election periods after a reload.
const jobPeriods = "notices.periods"

// registerCouncil wires the council side: election periods in force from
// the config, and the jobs and commands of polls and consultations.
func (r *Relay) registerCouncil() error {
	parsed, err := parsePeriods(r.cfg.ElectionPeriods, r.location())
	if err != nil {
		return fmt.Errorf("notices config: %w", err)
	}
	hold := r.cfg.ElectionHold
	if hold == "" {
		hold = holdWait
	}
	r.periods.Store(&periodSet{list: parsed, hold: hold})
	r.e.HandleJob(jobPeriods, r.periodsJob)
	return nil
}

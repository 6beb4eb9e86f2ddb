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

// jobPeriods re-checks deliveries held by election periods after a reload.
const jobPeriods = "notices.periods"

// registerCouncil wires the council side: election periods in force from
// the config, and the jobs and commands of polls and consultations.
func (r *Feature) registerCouncil() error {
	parsed, err := parsePeriods(r.cfg.ElectionPeriods, r.location())
	if err != nil {
		return fmt.Errorf("notices config: %w", err)
	}
	hold := r.cfg.ElectionHold
	if hold == "" {
		hold = holdWait
	}
	r.periods.Store(&periodSet{list: parsed, hold: hold})
	r.jobs.HandleJob(jobPeriods, r.periodsJob)
	r.reg.HandlePoll(pollKind, r.pollVote)
	bot.HandleJobOf(r.jobs, jobPollClose, r.pollCloseJob)
	bot.HandleFetchOf(r.jobs, jobResultsPost, r.resultsPostJob)
	r.reg.Handle(bot.Route{Name: "vote", Usage: "N", Help: "vote in the council's poll by number (for phones that cannot show polls); !vote alone shows it, !vote off withdraws",
		Feature: featureName, Handler: r.handleVote})
	bot.HandleJobOf(r.jobs, jobConsultClose, r.consultCloseJob)
	r.reg.Handle(bot.Route{Name: "say", RedactsPhones: true, Usage: "C2 COMMENT", Help: "comment on an open consultation by its number (C2 or 2), kept without your name; or reply to the council's notice",
		Feature: featureName, Handler: r.handleSay})
	r.reg.Handle(bot.Route{Name: "mycomments", Usage: "[delete N]", Help: "see, or delete, your own consultation comments until they close",
		Feature: featureName, Scope: bot.DirectOnly, Handler: r.handleMyComments})
	r.reg.Handle(bot.Route{Name: "consult", Usage: "[\"QUESTION\" until FRI]", Help: "open consultations here; admins start a local one, e.g. !consult \"The Crown's late licence?\" until Fri",
		Feature: featureName, Scope: bot.GroupOnly, Handler: r.handleConsult})
	r.reg.Listen(r.replyComment)
	ctx := context.Background()
	if err := r.rebookPolls(ctx); err != nil {
		return fmt.Errorf("notices start-up: %w", err)
	}
	if err := r.rebookConsultations(ctx); err != nil {
		return fmt.Errorf("notices start-up: %w", err)
	}
	return nil
}

// interactive notices (with a poll or a consultation) never wait for a
// digest: the poll must follow its own message.
func (r *Feature) interactive(ctx context.Context, n *Notice) bool {
	p, err := r.st.poll(ctx, n.ID)
	if err == nil && p != nil {
		return true
	}
	c, err := r.st.consultationOf(ctx, n.ID)
	return err == nil && c != nil
}

// councilLines is what the notice's message adds for its poll.
func (r *Feature) councilLines(ctx context.Context, n *Notice, now time.Time) (string, error) {
	var out string
	p, err := r.st.poll(ctx, n.ID)
	if err != nil {
		return "", err
	}
	if p != nil && p.State == "open" && now.Before(p.Closes) {
		out += r.pollLines(p)
	}
	c, err := r.st.consultationOf(ctx, n.ID)
	if err != nil {
		return "", err
	}
	if c != nil && c.open(now) {
		out += r.consultLines(c)
	}
	return out, nil
}

// afterDelivered follows a delivered notice with its poll.
func (r *Feature) afterDelivered(ctx context.Context, n *Notice, row outboxRow, chat bot.ChatID, msgID string, now time.Time) error {
	p, err := r.st.poll(ctx, n.ID)
	if err != nil || p == nil || p.State != "open" || !now.Before(p.Closes) {
		return err
	}
	return r.sendPoll(ctx, n, p, row, chat)
}

// closeEarly closes a cancelled notice's open poll and consultation now:
// their close jobs run as at the planned time (counts kept, result lines,
// the results POST), only sooner.
func (r *Feature) closeEarly(ctx context.Context, notice int64, now time.Time) error {
	moved, err := r.st.closePollNow(ctx, notice, now)
	if err != nil {
		return err
	}
	if moved {
		if err := r.bookPollClose(ctx, notice); err != nil {
			return err
		}
	}
	if moved, err = r.st.closeConsultationNow(ctx, notice, now); err != nil || !moved {
		return err
	}
	return r.bookConsultClose(ctx, notice)
}

// cancelled reports whether the notice's source has cancelled it.
func (r *Feature) cancelled(ctx context.Context, n *Notice) (bool, error) {
	return r.st.cancelledBySource(ctx, n)
}

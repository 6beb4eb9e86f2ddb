package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"syscall"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
	"neighbourbot/moderation"
)

// noticesFeature wires the council notices relay and its election periods.
func noticesFeature() feature {
	return feature{
		name: "notices",
		migrations: func() []bot.Migrations {
			return []bot.Migrations{notices.Migrations(), sources.Migrations(), polling.Migrations()}
		},
		register: func(a *app) error {
			blocked := func(ctx context.Context, chat bot.ChatID, text string) (bool, error) {
				return moderation.Blocked(ctx, a.store.DB(), chat, text)
			}
			r, err := notices.Register(a.engine.Kit("notices"), a.cfg.Notices, notices.Deps{QuietHours: a.cfg.QuietHours(), HTTPClient: a.http, Sources: a.metrics,
				PublicSources: a.console == nil, Blocked: blocked, StaffPage: staffPage(a.cfg.Web),
				Rejected: func(ctx context.Context, id int64, by, reason string) error {
					if a.web == nil {
						return nil
					}
					return a.web.TellComposer(ctx, id, by, reason)
				}})
			if err != nil {
				return err
			}
			if a.console != nil {
				a.console.Directive("notice", r.NoticeDirective)
			}
			a.background = append(a.background, r.Background()...)
			a.notices = r
			a.background = append(a.background, func(ctx context.Context) error {
				hup := make(chan os.Signal, 1)
				signal.Notify(hup, syscall.SIGHUP)
				defer signal.Stop(hup)
				return reloadPeriodsOn(ctx, hup, a, r)
			})
			return nil
		},
		commands: map[string]subcommand{
			"notices": {
				summary: "council notices: pending | approve N | reject N [REASON] | audit [--since DATE] [--format csv] | periods | results N [--format text|csv|json] | comments CN|notice:N [--format csv] | consultations | report [--since 30d] [--format csv]",
				run: func(ctx context.Context, args []string) int {
					return runNoticesCLI(ctx, args, os.Stdout, os.Stderr)
				},
			},
		},
	}
}

func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := bot.ParseDuration(s); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: use a date like 2026-01-05, an RFC 3339 time or a span like 30d", s)
}

func cliUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// sinceAndFormat reads the --since (default: the last 30 days) and
// --format (text or csv) of the audit and report listings, saying what is
// wrong when they cannot be read.
func sinceAndFormat(since, format string, stderr io.Writer) (time.Time, bool) {
	from := time.Now().AddDate(0, 0, -30)
	if since != "" {
		var err error
		if from, err = parseSince(since); err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return time.Time{}, false
		}
	}
	if format != "text" && format != "csv" {
		fmt.Fprintln(stderr, "neighbourbot: --format must be text or csv")
		return time.Time{}, false
	}
	return from, true
}

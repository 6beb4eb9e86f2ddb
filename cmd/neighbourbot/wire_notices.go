package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"strings"
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
				PublicSources: a.console == nil, Blocked: blocked})
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
				summary: "council notices: pending | approve N | reject N [REASON] | audit [--since DATE] [--format csv] | periods | results N [--format text|csv|json] | comments N|CN [--format csv] | consultations | report [--since 30d] [--format csv]",
				run: func(ctx context.Context, args []string) int {
					return runNoticesCLI(ctx, args, os.Stdout, os.Stderr)
				},
			},
		},
	}
}

func runNoticesCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("notices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	since := fs.String("since", "", "audit, report: from this date (YYYY-MM-DD or RFC 3339) or this long ago (30d, 12h); default the last 30 days")
	format := fs.String("format", "text", "audit, comments: text or csv; results: text, csv or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot notices [flags] pending | approve N | reject N [REASON] | audit | periods | results N | comments N|CN | consultations | report\n\n")
		fs.PrintDefaults()
	}
	// Flags may come before or after the action ("audit --format csv").
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) == 0 {
		fs.Usage()
		return exitUsage
	}
	store, cfg, code := openExistingStore(ctx, *cfgPath, "notices", stderr)
	if store == nil {
		return code
	}
	defer store.Close()
	gov := notices.NewGovernance(store, cfg.Notices, time.Now)
	who := notices.Approver{Key: "cli:" + cliUser(), Name: cliUser() + " (command line)"}

	action := positional[0]
	noticeID := func() (int64, bool) {
		if len(positional) < 2 {
			fmt.Fprintf(stderr, "neighbourbot: notices %s needs a notice number (see: neighbourbot notices pending)\n", action)
			return 0, false
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(positional[1], "#"), 10, 64)
		if err != nil || id <= 0 {
			fmt.Fprintf(stderr, "neighbourbot: %q is not a notice number\n", positional[1])
			return 0, false
		}
		return id, true
	}
	report := func(msg string, err error) int {
		if err != nil {
			if m, ok := bot.UserMessage(err); ok {
				// The governance speaks chat; point at the command line instead.
				m = strings.NewReplacer("Send !pending for the list.", "List them with: neighbourbot notices pending.",
					"send !pending for the list.", "list them with: neighbourbot notices pending.").Replace(m)
				fmt.Fprintln(stderr, "neighbourbot:", m)
				return exitError
			}
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		fmt.Fprintln(stdout, msg)
		return exitOK
	}
	switch action {
	case "pending":
		list, err := gov.Pending(ctx)
		if err == nil {
			err = notices.WritePending(stdout, list)
		}
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		return exitOK
	case "approve":
		id, ok := noticeID()
		if !ok {
			return exitUsage
		}
		return report(gov.Approve(ctx, id, who))
	case "reject":
		id, ok := noticeID()
		if !ok {
			return exitUsage
		}
		return report(gov.Reject(ctx, id, who, strings.Join(positional[2:], " ")))
	case "audit":
		from, ok := sinceAndFormat(*since, *format, stderr)
		if !ok {
			return exitUsage
		}
		recs, err := gov.Audit(ctx, from)
		if err == nil {
			err = notices.WriteAudit(stdout, recs, *format == "csv")
		}
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		return exitOK
	case "results":
		id, ok := noticeID()
		if !ok {
			return exitUsage
		}
		if *format != "text" && *format != "csv" && *format != "json" {
			fmt.Fprintln(stderr, "neighbourbot: --format must be text, csv or json")
			return exitUsage
		}
		res, err := notices.PollResultsOf(ctx, store, id)
		if errors.Is(err, bot.ErrNotFound) {
			fmt.Fprintf(stderr, "neighbourbot: there is no notice #%d\n", id)
			return exitError
		}
		if errors.Is(err, notices.ErrNoPoll) {
			fmt.Fprintf(stderr, "neighbourbot: notice #%d has no poll\n", id)
			return exitError
		}
		if err == nil {
			err = notices.WriteResults(stdout, res, *format, cfg.Location())
		}
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		return exitOK
	case "comments":
		if len(positional) < 2 {
			fmt.Fprintln(stderr, "neighbourbot: notices comments needs a notice number, or a consultation number like C3 (see: neighbourbot notices consultations)")
			return exitUsage
		}
		if *format != "text" && *format != "csv" {
			fmt.Fprintln(stderr, "neighbourbot: --format must be text or csv")
			return exitUsage
		}
		list, err := notices.CommentsOf(ctx, store, positional[1])
		if err == nil {
			err = notices.WriteComments(stdout, list, *format == "csv", cfg.Location())
		}
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		return exitOK
	case "consultations":
		list, err := notices.Consultations(ctx, store)
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "No consultations yet.")
		}
		for _, c := range list {
			where := fmt.Sprintf("notice #%d", c.Notice)
			if c.Notice == 0 {
				where = "local, in " + c.Group
			}
			fmt.Fprintf(stdout, "C%d %s (%s) — %s, closes %s, %d comments\n", c.ID, c.Question, where, c.State,
				c.Closes.In(cfg.Location()).Format("Mon 2 Jan 2006 15:04"), c.Comments)
		}
		return exitOK
	case "report":
		from, ok := sinceAndFormat(*since, *format, stderr)
		if !ok {
			return exitUsage
		}
		rows, err := notices.CampaignReport(ctx, store, from)
		if err == nil {
			err = notices.WriteReport(stdout, rows, *format == "csv")
		}
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		return exitOK
	case "periods":
		list, err := notices.ElectionPeriods(cfg.Notices, cfg.Location())
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitUsage
		}
		held, err := notices.HeldByPeriods(ctx, store)
		if err == nil {
			err = notices.WritePeriods(stdout, list, cfg.Notices.ElectionHold, held, time.Now(), cfg.Location())
		}
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
		return exitOK
	}
	fmt.Fprintf(stderr, "neighbourbot: unknown notices action %q\n", action)
	fs.Usage()
	return exitUsage
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

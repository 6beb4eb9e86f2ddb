package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
	"neighbourbot/commands/notices"
	"neighbourbot/web"
)

// noticesCLI is one run of "neighbourbot notices ACTION": the governance
// and reports of council notices from the command line, against the
// database of a bot that may be running at the same time.
type noticesCLI struct {
	stdout, stderr io.Writer
	store          *sqlite.Store
	cfg            Config
	gov            *notices.Governance
	who            notices.Approver
	positional     []string // the action and its arguments
	since, format  string
}

// noticesActions are the actions, each a method returning the exit code.
var noticesActions = map[string]func(*noticesCLI, context.Context) int{
	"pending":       (*noticesCLI).pending,
	"approve":       (*noticesCLI).approve,
	"reject":        (*noticesCLI).reject,
	"audit":         (*noticesCLI).audit,
	"results":       (*noticesCLI).results,
	"comments":      (*noticesCLI).comments,
	"consultations": (*noticesCLI).consultations,
	"report":        (*noticesCLI).report,
	"periods":       (*noticesCLI).periods,
}

func runNoticesCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("notices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	since := fs.String("since", "", "audit, report: from this date (YYYY-MM-DD or RFC 3339) or this long ago (30d, 12h); default the last 30 days")
	format := fs.String("format", "text", "audit, comments: text or csv; results: text, csv or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot notices [flags] pending | approve N | reject N [REASON] | audit | periods | results N | comments CN|notice:N | consultations | report\n\n")
		fs.PrintDefaults()
	}
	positional, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
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
	c := &noticesCLI{stdout: stdout, stderr: stderr, store: store, cfg: cfg,
		gov:        notices.NewGovernance(store, cfg.Notices, time.Now),
		who:        notices.Approver{Key: "cli:" + cliUser(), Name: cliUser() + " (command line)"},
		positional: positional, since: *since, format: *format}
	action, ok := noticesActions[positional[0]]
	if !ok {
		fmt.Fprintf(stderr, "neighbourbot: unknown notices action %q\n", positional[0])
		fs.Usage()
		return exitUsage
	}
	return action(c, ctx)
}

// parseInterleaved parses fs where flags may come before or after the
// action ("audit --format csv"), returning the positional arguments; when
// ok is false the run ends with code (help asked for, or a bad flag).
func parseInterleaved(fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		if fs.NArg() == 0 {
			return positional, 0, true
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}

// noticeID reads the notice number after the action.
func (c *noticesCLI) noticeID() (int64, bool) {
	if len(c.positional) < 2 {
		fmt.Fprintf(c.stderr, "neighbourbot: notices %s needs a notice number (see: neighbourbot notices pending)\n", c.positional[0])
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(c.positional[1], "#"), 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(c.stderr, "neighbourbot: %q is not a notice number\n", c.positional[1])
		return 0, false
	}
	return id, true
}

// decided prints the outcome of an approval or rejection.
func (c *noticesCLI) decided(msg string, err error) int {
	if err != nil {
		if m, ok := bot.UserMessage(err); ok {
			// The governance speaks chat; point at the command line instead.
			m = strings.NewReplacer("Send !pending for the list.", "List them with: neighbourbot notices pending.",
				"send !pending for the list.", "list them with: neighbourbot notices pending.").Replace(m)
			fmt.Fprintln(c.stderr, "neighbourbot:", m)
			return exitError
		}
		return c.failed(err)
	}
	fmt.Fprintln(c.stdout, msg)
	return exitOK
}

// failed reports err, if any, and gives the exit code.
func (c *noticesCLI) failed(err error) int {
	if err != nil {
		fmt.Fprintln(c.stderr, "neighbourbot:", err)
		return exitError
	}
	return exitOK
}

func (c *noticesCLI) pending(ctx context.Context) int {
	// The same preview approvers get by direct message: the whole message
	// as residents will read it, who it reaches, what an update changed.
	list, err := notices.PendingPreviews(ctx, c.store, c.cfg.Notices, c.cfg.Bot.Prefix, c.cfg.Location(), time.Now())
	if err == nil {
		err = notices.WritePreviews(c.stdout, list, c.cfg.Bot.Prefix, c.cfg.Location())
	}
	return c.failed(err)
}

func (c *noticesCLI) approve(ctx context.Context) int {
	id, ok := c.noticeID()
	if !ok {
		return exitUsage
	}
	return c.decided(c.gov.Approve(ctx, id, c.who))
}

func (c *noticesCLI) reject(ctx context.Context) int {
	id, ok := c.noticeID()
	if !ok {
		return exitUsage
	}
	reason := strings.Join(c.positional[2:], " ")
	var reply string
	// The rejection and the job that tells a notice's writer on the staff
	// page commit together; the running bot sends the message.
	err := c.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if reply, err = c.gov.Reject(ctx, id, c.who, reason); err != nil {
			return err
		}
		return web.BookTellRejected(ctx, c.store, id, c.who.Name, reason, time.Now())
	})
	return c.decided(reply, err)
}

func (c *noticesCLI) audit(ctx context.Context) int {
	from, ok := sinceAndFormat(c.since, c.format, c.stderr)
	if !ok {
		return exitUsage
	}
	recs, err := c.gov.Audit(ctx, from)
	if err == nil {
		err = notices.WriteAudit(c.stdout, recs, c.format == "csv")
	}
	return c.failed(err)
}

func (c *noticesCLI) results(ctx context.Context) int {
	id, ok := c.noticeID()
	if !ok {
		return exitUsage
	}
	if c.format != "text" && c.format != "csv" && c.format != "json" {
		fmt.Fprintln(c.stderr, "neighbourbot: --format must be text, csv or json")
		return exitUsage
	}
	res, err := notices.PollResultsOf(ctx, c.store, id)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		fmt.Fprintf(c.stderr, "neighbourbot: there is no notice #%d\n", id)
		return exitError
	case errors.Is(err, notices.ErrNoPoll):
		fmt.Fprintf(c.stderr, "neighbourbot: notice #%d has no poll\n", id)
		return exitError
	case err == nil:
		err = notices.WriteResults(c.stdout, res, c.format, c.cfg.Location())
	}
	return c.failed(err)
}

func (c *noticesCLI) comments(ctx context.Context) int {
	if len(c.positional) < 2 {
		fmt.Fprintln(c.stderr, "neighbourbot: notices comments needs a consultation number like C3 (or notice:12 for a notice's; see: neighbourbot notices consultations)")
		return exitUsage
	}
	if c.format != "text" && c.format != "csv" {
		fmt.Fprintln(c.stderr, "neighbourbot: --format must be text or csv")
		return exitUsage
	}
	list, err := notices.CommentsOf(ctx, c.store, c.positional[1])
	if err == nil {
		err = notices.WriteComments(c.stdout, list, c.format == "csv", c.cfg.Location())
	}
	return c.failed(err)
}

func (c *noticesCLI) consultations(ctx context.Context) int {
	list, err := notices.Consultations(ctx, c.store)
	if err != nil {
		return c.failed(err)
	}
	if len(list) == 0 {
		fmt.Fprintln(c.stdout, "No consultations yet.")
	}
	for _, k := range list {
		where := fmt.Sprintf("notice #%d", k.Notice)
		if k.Notice == 0 {
			where = "local, in " + k.Group
		}
		fmt.Fprintf(c.stdout, "C%d %s (%s) — %s, closes %s, %d comments\n", k.ID, k.Question, where, k.State,
			k.Closes.In(c.cfg.Location()).Format("Mon 2 Jan 2006 15:04"), k.Comments)
	}
	return exitOK
}

func (c *noticesCLI) report(ctx context.Context) int {
	from, ok := sinceAndFormat(c.since, c.format, c.stderr)
	if !ok {
		return exitUsage
	}
	rows, err := notices.CampaignReport(ctx, c.store, from)
	if err == nil {
		err = notices.WriteReport(c.stdout, rows, c.format == "csv")
	}
	return c.failed(err)
}

func (c *noticesCLI) periods(ctx context.Context) int {
	list, err := notices.ElectionPeriods(c.cfg.Notices, c.cfg.Location())
	if err != nil {
		fmt.Fprintln(c.stderr, "neighbourbot:", err)
		return exitUsage
	}
	held, err := notices.HeldByPeriods(ctx, c.store)
	if err == nil {
		err = notices.WritePeriods(c.stdout, list, c.cfg.Notices.ElectionHold, held, time.Now(), c.cfg.Location())
	}
	return c.failed(err)
}

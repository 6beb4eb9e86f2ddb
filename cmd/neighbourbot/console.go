package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/postgres"
)

// consoleFlags are the console's command-line flags.
type consoleFlags struct {
	cfgPath, script, dataDir, start, deliveryLog string
	// database is a PostgreSQL URL to keep the bot's data in (a hub)
	// instead of console.db in the data directory.
	database       string
	reset, verbose bool
	// web is the address to serve the staff web page on ("" = none).
	web string
}

func parseConsoleFlags(args []string, stderr io.Writer) (consoleFlags, int, bool) {
	var f consoleFlags
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	fs.StringVar(&f.script, "script", "", "run this script instead of reading standard input")
	fs.StringVar(&f.dataDir, "data", "", "data directory (default: the config's data_dir); the console keeps its own console.db there")
	fs.StringVar(&f.database, "database", "", "keep the bot's data in this PostgreSQL database (postgres://…, a hub) instead of console.db")
	fs.BoolVar(&f.reset, "reset", false, "start from an empty console database (with -database: drop the bot's tables there; refused if it holds a linked WhatsApp session)")
	fs.StringVar(&f.start, "start", "", "clock start, RFC 3339 (default "+console.DefaultStart.Format(time.RFC3339)+")")
	fs.BoolVar(&f.verbose, "v", false, "log to standard error at debug level")
	fs.StringVar(&f.deliveryLog, "delivery-log", "", "record every message the bot sends in this file (JSON lines), keeping one per message id as WhatsApp does; for crash tests")
	fs.StringVar(&f.web, "web", "", "also serve the staff web page on this address (e.g. 127.0.0.1:8080) against the simulated groups")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot console [flags] [< script]\n\nA simulated group: type lines like \"Alice: !help\"; see docs/console.md for the script format.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return f, exitOK, false
		}
		return f, exitUsage, false
	}
	f.cfgPath = *cfgPath
	return f, 0, true
}

func runConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags, code, ok := parseConsoleFlags(args, stderr)
	if !ok {
		return code
	}
	cfg, startAt, code, ok := consoleConfig(flags, stderr)
	if !ok {
		return code
	}
	logLevel := slog.LevelWarn
	if flags.verbose {
		logLevel = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	dbPath, code, ok := consoleDatabase(ctx, cfg, flags.reset, stderr)
	if !ok {
		return code
	}
	progressPath := filepath.Join(cfg.Bot.DataDir, "console-progress.json")
	var sc consoleScript
	var err error
	if flags.script != "" {
		if sc, err = loadConsoleScript(flags.script, progressPath); err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitUsage
		}
	}
	startAt, piped, err := consoleClockStart(startAt, flags.start != "", sc, flags.script == "", stdin)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot: read the script:", err)
		return exitError
	}
	clock := bot.NewManualClock(startAt)
	// The transcript goes through out, so that at an interactive prompt it
	// can be routed through the line editor (which redraws the prompt).
	out := &switchWriter{w: stdout}
	con := console.New(out, clock)
	con.SetIDSalt(randomHex(3))
	if flags.deliveryLog != "" {
		if err := con.UseDeliveryLog(flags.deliveryLog); err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
			return exitError
		}
	}
	a, err := startConsoleApp(ctx, cfg, log, dbPath, clock, con)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return storeExit(err)
	}
	defer a.store.Close()
	if flags.web != "" {
		stop := serveConsoleWeb(ctx, a, stderr)
		defer stop()
	}

	if flags.script != "" {
		con.ResumeFrom(progressPath, sc.progress)
		return webStaysUp(ctx, flags.web, stderr, playConsoleScript(ctx, con, bytes.NewReader(sc.text), stderr))
	}
	if f, ok := stdin.(*os.File); ok && isTerminal(stdin) {
		return runConsoleTerminal(ctx, con, f, out, stdout)
	}
	return webStaysUp(ctx, flags.web, stderr, playConsoleScript(ctx, con, bytes.NewReader(piped), stderr))
}

// consoleConfig loads the configuration the console runs with: the file's,
// with the data directory and staff page address the flags give, and the
// time the simulated clock starts at.
func consoleConfig(flags consoleFlags, stderr io.Writer) (cfg Config, startAt time.Time, code int, ok bool) {
	cfg, _, err := loadConfig(flags.cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return cfg, startAt, exitUsage, false
	}
	if flags.dataDir != "" {
		cfg.Bot.DataDir = flags.dataDir
	}
	if flags.database != "" {
		if err := validateDatabaseURL(flags.database); err != nil {
			fmt.Fprintln(stderr, "neighbourbot: -database:", err)
			return cfg, startAt, exitUsage, false
		}
		cfg.Bot.Database = flags.database
	}
	if flags.web != "" {
		cfg.Web.Listen = flags.web
		if err := cfg.Web.Validate(); err != nil {
			fmt.Fprintln(stderr, "neighbourbot: -web:", err)
			return cfg, startAt, exitUsage, false
		}
	}
	startAt = console.DefaultStart
	if flags.start != "" {
		if startAt, err = time.Parse(time.RFC3339, flags.start); err != nil {
			fmt.Fprintln(stderr, "neighbourbot: -start must be RFC 3339, e.g. 2026-01-05T09:00:00Z")
			return cfg, startAt, exitUsage, false
		}
	}
	return cfg, startAt, 0, true
}

// consoleDatabase is the path of the console's own database, removed first
// with -reset; with -database, the bot's tables there are emptied instead.
func consoleDatabase(ctx context.Context, cfg Config, reset bool, stderr io.Writer) (dbPath string, code int, ok bool) {
	dbPath = filepath.Join(cfg.Bot.DataDir, "console.db")
	if cfg.Bot.Database != "" {
		code = consoleHub(ctx, cfg.Bot.Database, reset, stderr)
		return dbPath, code, code == exitOK
	}
	if reset {
		if err := removeDatabase(dbPath); err != nil {
			fmt.Fprintln(stderr, "neighbourbot: reset:", err)
			return dbPath, exitError, false
		}
	}
	if _, err := os.Stat(dbPath); err == nil {
		// Never carry on from an earlier run without saying so: a fresh
		// script would otherwise meet last run's groups, items and reports.
		fmt.Fprintf(stderr, "neighbourbot console: carrying on with the data of an earlier run in %s (groups, items, loans, reports); add -reset to start afresh.\n", cfg.Bot.DataDir)
	}
	return dbPath, 0, true
}

// consoleHub prepares a console on a PostgreSQL database: -reset drops the
// bot's tables there (never a live hub's), and an earlier run's data is
// named, as for console.db. Errors are said and give the exit code.
func consoleHub(ctx context.Context, database string, reset bool, stderr io.Writer) int {
	where := postgres.Redact(database)
	if reset {
		if err := resetHub(ctx, database); err != nil {
			fmt.Fprintf(stderr, "neighbourbot: reset %s: %v\n", where, err)
			return exitError
		}
		return exitOK
	}
	had, err := hubHasData(ctx, database)
	if err != nil {
		fmt.Fprintf(stderr, "neighbourbot: %s: %v\n", where, err)
		return exitError
	}
	if had {
		fmt.Fprintf(stderr, "neighbourbot console: carrying on with the data of an earlier run in %s (groups, items, loans, reports); add -reset to start afresh.\n", where)
	}
	return exitOK
}

// serveConsoleWeb serves the staff page beside the console until the
// returned stop is called.
func serveConsoleWeb(ctx context.Context, a *app, stderr io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.web.Serve(ctx); err != nil {
			fmt.Fprintln(stderr, "neighbourbot:", err)
		}
	}()
	fmt.Fprintf(stderr, "Staff web page on %s — a person named as staff gets a sign-in link with: dm NAME: !web\n", a.cfg.Web.Base())
	return func() { cancel(); <-done }
}

// webStaysUp keeps a scripted console serving the staff page after its
// script until a signal, so the page can be tried on what the script set
// up; without -web it returns code at once.
func webStaysUp(ctx context.Context, web string, stderr io.Writer, code int) int {
	if web == "" || code != exitOK {
		return code
	}
	fmt.Fprintln(stderr, "Script done; the staff web page stays up until Ctrl-C.")
	<-ctx.Done()
	return exitOK
}

// isTerminal reports whether in is a terminal (the interactive console).
func isTerminal(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// consoleClockStart is where the console's clock starts: -start when
// given (startAt, fixed), else where an interrupted run of the script got
// to, else the script's leading @time — so nothing is polled at the
// default start first — else startAt. A script piped on stdin is read
// whole here to look, and returned.
func consoleClockStart(startAt time.Time, fixed bool, sc consoleScript, fromStdin bool, stdin io.Reader) (time.Time, []byte, error) {
	var piped []byte
	if fromStdin && !isTerminal(stdin) {
		var err error
		if piped, err = io.ReadAll(stdin); err != nil {
			return startAt, nil, err
		}
	}
	text := sc.text
	if fromStdin {
		text = piped
	}
	switch first, ok := console.LeadingTime(text); {
	case fixed:
	case !sc.progress.Clock.IsZero():
		startAt = sc.progress.Clock
	case ok:
		startAt = first
	}
	return startAt, piped, nil
}

// removeDatabase deletes an SQLite file with its WAL and shared-memory
// files, for -reset.
func removeDatabase(dbPath string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// consoleScript is a script file and how far an earlier run of it got.
type consoleScript struct {
	text     []byte
	progress console.Progress
}

// loadConsoleScript reads the script. A script run that was interrupted (a
// crash, a signal) goes on where it stopped, with the clock it had
// reached: a restart comes later, never earlier. The progress is kept
// beside the console's database; a changed or finished script starts over.
func loadConsoleScript(path, progressPath string) (consoleScript, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return consoleScript{}, err
	}
	sum := sha256.Sum256(text)
	hash := hex.EncodeToString(sum[:])
	progress, err := console.LoadProgress(progressPath)
	if err != nil || progress.Script != hash || progress.Done {
		progress = console.Progress{Script: hash}
	}
	return consoleScript{text: text, progress: progress}, nil
}

// startConsoleApp builds the bot over the console and catches up as after
// any restart: the console learns its groups again, due jobs run, and what
// an interrupted run committed but did not send goes. Start-up runs to its
// end even if a signal comes meanwhile; a script then stops before its
// next line.
func startConsoleApp(ctx context.Context, cfg Config, log *slog.Logger, dbPath string, clock *bot.ManualClock, con *console.Console) (*app, error) {
	ctx = context.WithoutCancel(ctx)
	a, err := newApp(ctx, cfg, log, dbPath, con, clock, con)
	if err != nil {
		return nil, err
	}
	con.Attach(a.engine)
	if err := restoreConsoleGroups(ctx, a, con); err != nil {
		a.store.Close()
		return nil, err
	}
	a.engine.RunDueJobs(ctx)
	a.engine.FlushSends(ctx)
	return a, nil
}

// playConsoleScript runs the lines of in without a prompt.
func playConsoleScript(ctx context.Context, con *console.Console, in io.Reader, stderr io.Writer) int {
	if err := con.RunScript(ctx, in, true); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "neighbourbot: stopped by a signal after finishing the line in hand; run the same script again to go on")
			return exitError
		}
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return exitError
	}
	return exitOK
}

// runConsoleTerminal runs the console at a terminal, with x/term's line
// editor when the terminal has a raw mode.
func runConsoleTerminal(ctx context.Context, con *console.Console, tty *os.File, out *switchWriter, stdout io.Writer) int {
	fd := int(tty.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		// No raw mode (an odd terminal): plain lines, no editing.
		return interactiveConsole(ctx, con, scannerLines{bufio.NewScanner(tty), stdout}, stdout)
	}
	defer term.Restore(fd, old)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{tty, stdout}, "> ")
	// A terminal that reports no size (some ptys say 0×0) keeps x/term's
	// default of 80 columns rather than wrapping after every character.
	if w, h, err := term.GetSize(fd); err == nil && w > 0 && h > 0 {
		_ = t.SetSize(w, h)
	}
	out.w = t
	return interactiveConsole(ctx, con, t, t)
}

// switchWriter is an io.Writer whose destination can change.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// lineReader is where interactive lines come from: x/term's line editor
// (editing, Up/Down history) at a terminal, or plain lines.
type lineReader interface {
	ReadLine() (string, error)
}

type scannerLines struct {
	sc  *bufio.Scanner
	out io.Writer // for the prompt
}

func (s scannerLines) ReadLine() (string, error) {
	fmt.Fprint(s.out, "> ")
	if s.sc.Scan() {
		return s.sc.Text(), nil
	}
	if err := s.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

func interactiveConsole(ctx context.Context, con *console.Console, lines lineReader, out io.Writer) int {
	fmt.Fprint(out, `neighbourbot console — a simulated group called "street".
Type lines like:  Alice: !bot on      (Alice speaks in the group)
                  @admin Alice        (make Alice a group admin)
                  dm Bob: !mydata     (Bob messages the bot directly)
                  @advance 2d         (move the clock, running due reminders)
                  !help               (said by whoever spoke last)
Start with "@admin Alice" then "Alice: !bot on". Arrow keys edit and recall
lines; Ctrl-D quits.
`)
	con.SetInteractive(true)
	for {
		line, err := lines.ReadLine()
		if err != nil {
			fmt.Fprintln(out)
			return exitOK
		}
		// Interactive lines get random ids: typing the same thing twice is
		// two messages, not a redelivery.
		var b [6]byte
		_, _ = rand.Read(b[:])
		con.SetLineKey(hex.EncodeToString(b[:]))
		// The line runs to its end even if a signal comes meanwhile.
		if err := con.RunLine(context.WithoutCancel(ctx), line, false); err != nil {
			fmt.Fprintf(out, "! %v\n", err)
		}
		if ctx.Err() != nil {
			return exitOK
		}
	}
}

// restoreConsoleGroups brings back the simulated groups an earlier console
// run opted in, with their members, so reminders due after a restart reach
// them before the script names the group again.
func restoreConsoleGroups(ctx context.Context, a *app, con *console.Console) error {
	groups, err := a.store.EnabledGroups(ctx)
	if err != nil {
		return fmt.Errorf("restore console groups: %w", err)
	}
	for _, g := range groups {
		people, err := a.store.GroupMembers(ctx, g.Chat)
		if err != nil {
			return fmt.Errorf("restore console members: %w", err)
		}
		var members []string
		for _, p := range people {
			if p.Addr != "" {
				members = append(members, string(p.Addr))
			}
		}
		con.Restore(g.Chat, g.Name, members)
		poll, ok, err := a.store.LatestPoll(ctx, g.Chat)
		if err != nil {
			return fmt.Errorf("restore console poll: %w", err)
		}
		if ok {
			con.RestorePoll(g.Chat, poll.ID, poll.Options)
		}
	}
	return nil
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

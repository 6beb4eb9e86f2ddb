package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/metrics"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/commands/inbox"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/potholes"
	"neighbourbot/web"
)

// app is what wiring hands each feature: the engine, the store, the
// configuration and the run mode.
type app struct {
	cfg     Config
	log     *slog.Logger
	engine  *bot.Engine
	clock   bot.Clock
	store   *sqlite.Store
	console *console.Console // nil when running against WhatsApp
	http    *http.Client
	// metrics receives counts and polled sources' states; components add
	// gauges with metrics.GaugeFunc.
	metrics *metrics.Metrics
	// wake hears the hub's other processes queue sends and book jobs
	// (nil on SQLite and in the console); close it before the store.
	wake *postgres.Listener
	// health holds the probes behind /healthz and /readyz on the metrics
	// listener; components add theirs with health.Live and health.Ready.
	health *bot.Health
	// background holds long-running work a feature starts with the bot
	// (feed pollers, the webhook server); run mode starts them, the console
	// does not.
	background []func(ctx context.Context) error
	// notices is the notices relay, for the SIGHUP reload of election
	// periods (wire_periods.go).
	notices *notices.Feature
	// inbox is the council inbox, for the staff page (nil when not wired).
	inbox *inbox.Feature
	// potholes is the street-fault feature, for the staff page.
	potholes *potholes.Feature
	// web is the staff web page (served only when [web] listen is set or
	// the console runs with -web).
	web *web.Server
}

// feature wires one feature family into an app. migrations lists its
// schema; register adds its routes, jobs and hooks; commands are the
// command-line subcommands it adds beside run, console and version.
type feature struct {
	name       string
	migrations func() []bot.Migrations
	register   func(a *app) error
	commands   map[string]subcommand
}

// features is every feature family, in the order the app wires them: their
// migrations run, and their routes, listeners, inspectors, jobs and data
// providers register, in this order — so it is also the order in which
// listeners see a message and !forgetme erases. The council inbox comes
// last: it takes every direct message that is not a command, so it must
// come after listeners that answer a particular one (a bare "yes"
// confirming !forgetme). Each feature's wiring is in its wire_*.go file.
func features() []feature {
	return []feature{
		lendingFeature(),
		moderationFeature(),
		noticesFeature(),
		potholesFeature(),
		powerFeature(),
		inboxFeature(),
		// After notices: the page works through the relay.
		webFeature(),
	}
}

// subcommands are the features' command-line subcommands by name.
func subcommands() map[string]subcommand {
	out := map[string]subcommand{}
	for _, f := range features() {
		for name, sc := range f.commands {
			out[name] = sc
		}
	}
	return out
}

type subcommand struct {
	summary string
	run     func(ctx context.Context, args []string) int
}

func newLogger(cfg LogConfig, w *os.File) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(cfg.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.ToLower(cfg.Format) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the database with every feature's migrations.
func openStore(ctx context.Context, path string) (*sqlite.Store, error) {
	return sqlite.OpenComplete(ctx, path, allMigrations()...)
}

// openAppStore opens the bot's database: the SQLite file at path, or the
// PostgreSQL database of [bot] database (a hub), with every feature's
// migrations either way.
func openAppStore(ctx context.Context, cfg Config, path string) (*sqlite.Store, error) {
	if cfg.Bot.Database == "" {
		return openStore(ctx, path)
	}
	return postgres.Open(ctx, cfg.Bot.Database, true, allMigrations()...)
}

// close stops listening to the hub and closes the store.
func (a *app) close() error {
	if a.wake != nil {
		a.wake.Close()
	}
	return a.store.Close()
}

// listenToHub listens, for a bot running on a hub (PostgreSQL, not the
// console), to the NOTIFY its other processes send when they queue sends
// or book jobs, so this one takes its share at once. Nil otherwise.
func listenToHub(ctx context.Context, cfg Config, store *sqlite.Store, con *console.Console) (*postgres.Listener, error) {
	if cfg.Bot.Database == "" || con != nil {
		return nil, nil
	}
	channel, err := postgres.WakeChannel(ctx, store.Raw())
	if err != nil {
		return nil, err
	}
	l, err := postgres.Listen(ctx, cfg.Bot.Database, channel)
	if err != nil {
		return nil, fmt.Errorf("listen to the hub: %w", err)
	}
	return l, nil
}

// allMigrations is every feature's migrations (the core's come with the
// store).
func allMigrations() []bot.Migrations {
	var migs []bot.Migrations
	for _, f := range features() {
		if f.migrations != nil {
			migs = append(migs, f.migrations()...)
		}
	}
	return migs
}

// newApp opens the store and builds an engine over tr with every feature
// registered.
func newApp(ctx context.Context, cfg Config, log *slog.Logger, dbPath string, tr bot.Transport, clock bot.Clock, con *console.Console) (*app, error) {
	store, err := openAppStore(ctx, cfg, dbPath)
	if err != nil {
		return nil, err
	}
	obs := metrics.New()
	quiet := cfg.QuietHours()
	b := currentBuild()
	obs.SetBuildInfo(b.Version, b.Revision, b.Go)
	wake, err := listenToHub(ctx, cfg, store, con)
	if err != nil {
		store.Close()
		return nil, err
	}
	var woken <-chan struct{}
	if wake != nil {
		woken = wake.Wake()
	}
	engine := bot.NewEngine(bot.Config{
		Wake:     woken,
		Prefix:   cfg.Bot.Prefix,
		Owners:   cfg.Bot.Owners,
		Log:      log,
		Observer: obs,
		// The console prints replies right after the line that caused
		// them; against WhatsApp the send queue drains on its own.
		SyncSends:  con != nil,
		QuietHours: &quiet,
		// WhatsApp attachments are downloaded outside the message's
		// transaction, after it is acknowledged; the console's are local.
		DeferDownloads: con == nil,
		// The dedupe window ([bot] dedupe_days).
		SeenRetention: time.Duration(cfg.Bot.DedupeDays) * 24 * time.Hour,
	}, store, tr, clock)
	a := &app{cfg: cfg, log: log, engine: engine, clock: clock, store: store, console: con, wake: wake,
		http: &http.Client{Timeout: 20 * time.Second}, metrics: obs, health: &bot.Health{}}
	a.health.Live("database", store.Ping)
	if err := a.jobGauges(); err != nil {
		a.close()
		return nil, err
	}
	if err := a.sendQueueHealth(); err != nil {
		a.close()
		return nil, err
	}
	if cfg.Metrics.Listen != "" {
		a.background = append(a.background, func(ctx context.Context) error {
			return obs.Serve(ctx, cfg.Metrics.Listen, log, a.health)
		})
	}
	for _, f := range features() {
		if err := f.register(a); err != nil {
			a.close()
			return nil, fmt.Errorf("register %s: %w", f.name, err)
		}
	}
	// Last, so every feature's listener (a council inbox, a pending
	// yes/no) sees a direct message first; it answers what none of them
	// took.
	engine.Kit("direct").Reg.ListenDirectFallback()
	if err := engine.Start(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// openExistingStore loads the config and opens the bot's database for a
// command-line tool. It refuses to create one: opening a missing file would
// make an empty database, and a wrong -config would then look like "nothing
// there". On failure it has written the reason and returns the exit code.
func openExistingStore(ctx context.Context, cfgPath, tool string, stderr io.Writer) (*sqlite.Store, Config, int) {
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return nil, cfg, exitUsage
	}
	dbPath := cfg.dataPath("neighbourbot.db")
	if _, err := os.Stat(dbPath); err != nil {
		fmt.Fprintf(stderr, "neighbourbot %s: no database at %s (is -config or data_dir right?)\n", tool, dbPath)
		return nil, cfg, exitError
	}
	st, err := openStore(ctx, dbPath)
	if err != nil {
		fmt.Fprintf(stderr, "neighbourbot %s: %v\n", tool, err)
		return nil, cfg, storeExit(err)
	}
	return st, cfg, exitOK
}

// jobGauges shows how many scheduled jobs are due and how long the oldest
// has waited: both stay near zero while the engine keeps up.
func (a *app) jobGauges() error {
	due := func() (int, time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), bot.ProbeTimeout)
		defer cancel()
		now := a.clock.Now()
		n, oldest, err := a.store.DueJobStats(ctx, now)
		if err != nil || n == 0 {
			return 0, 0
		}
		return n, now.Sub(oldest)
	}
	if err := a.metrics.GaugeFunc("neighbourbot_jobs_due", "Scheduled jobs due now and not yet run.", func() float64 {
		n, _ := due()
		return float64(n)
	}); err != nil {
		return err
	}
	return a.metrics.GaugeFunc("neighbourbot_jobs_oldest_due_seconds", "How long the oldest due job has waited; 0 when none is due.", func() float64 {
		_, age := due()
		return age.Seconds()
	})
}

// sendQueueStuckAfter is how long the oldest queued send may wait before
// the bot reports itself not ready (WhatsApp away for long, or a sender
// that stopped).
const sendQueueStuckAfter = 15 * time.Minute

// sendQueueHealth registers the send queue's gauges and readiness probe,
// and the store's: not ready while the database cannot save changes.
func (a *app) sendQueueHealth() error {
	stats := func() (int, time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), bot.ProbeTimeout)
		defer cancel()
		n, oldest, err := a.store.SendQueueStats(ctx)
		if err != nil || n == 0 {
			return 0, 0
		}
		return n, a.clock.Now().Sub(oldest)
	}
	a.health.Ready("send queue", func(context.Context) error {
		if n, age := stats(); age > sendQueueStuckAfter {
			return fmt.Errorf("%d sends waiting, the oldest for %s", n, bot.FormatDuration(age))
		}
		return nil
	})
	a.health.Ready("database writes", func(context.Context) error {
		if a.engine.StoreFailing() {
			return errors.New("the database cannot save changes (disk full or read-only?)")
		}
		return nil
	})
	if err := a.metrics.GaugeFunc("neighbourbot_send_queue_depth", "Sends (messages, polls, edits, reactions, deletions, removals) waiting in the send queue.", func() float64 {
		n, _ := stats()
		return float64(n)
	}); err != nil {
		return err
	}
	return a.metrics.GaugeFunc("neighbourbot_send_queue_oldest_seconds", "How long the oldest queued send has waited; 0 when the queue is empty.", func() float64 {
		_, age := stats()
		return age.Seconds()
	})
}

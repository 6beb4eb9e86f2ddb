package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/whatsapp"
)

// runBot links to WhatsApp and serves groups until a signal or a final
// session event (logged out, replaced, banned) stops it.
func runBot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	pairPhone := fs.String("pair-phone", "", "link with an 8-character pairing code for this phone number (international, digits only, e.g. 447700900123) instead of a QR code")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot [run] [-config FILE] [-pair-phone NUMBER]\n\nConnects to WhatsApp as a linked device and serves the groups that switched the bot on.\nWithout a linked session it shows a QR code (or, with -pair-phone, a pairing code).\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, "", stderr); !ok {
		return code
	}
	phone, err := normalizePairPhone(*pairPhone)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return exitUsage
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return exitUsage
	}
	logOut := os.Stderr
	if f, ok := stderr.(*os.File); ok {
		logOut = f
	}
	log := newLogger(cfg.Log, logOut)
	if strings.EqualFold(cfg.Log.Format, "json") {
		// From here on every line on standard error is a record, the
		// last ("could not reach WhatsApp …") too.
		stderr = logWriter{log}
	}
	b := currentBuild()
	log.Info("starting neighbourbot", "version", b.Version, "revision", b.Revision, "go", b.Go)

	restrictNewFiles()
	if err := os.MkdirAll(cfg.Bot.DataDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "neighbourbot: create data directory:", err)
		return exitError
	}
	lock, err := lockDataDir(cfg.dataPath("neighbourbot.lock"))
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		var le *lockedError
		if errors.As(err, &le) {
			return exitLocked
		}
		return exitError
	}
	defer lock.Release()
	return serve(ctx, cfg, log, phone, stdout, stderr)
}

// normalizePairPhone accepts "+44 7700 900123" and the like and returns the
// digits WhatsApp wants; empty means link by QR code.
func normalizePairPhone(s string) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return "", nil
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("-pair-phone %q: use the bot phone's number in international form, digits only, e.g. 447700900123", s)
		}
	}
	if strings.HasPrefix(s, "0") || len(s) < 7 || len(s) > 15 {
		return "", fmt.Errorf("-pair-phone %q: use the international form with the country code and no leading 0, e.g. 447700900123", s)
	}
	return s, nil
}

// openWhatsAppSession opens the linked device's session: the SQLite file in
// the data directory, or, with [bot] database set, that PostgreSQL
// database, beside the bot's data.
func openWhatsAppSession(ctx context.Context, cfg Config, log *slog.Logger) (*whatsapp.Session, error) {
	opts := whatsapp.SessionOptions{DSN: sqlite.DSN(cfg.dataPath("whatsapp.db")), DeviceName: cfg.WhatsApp.DeviceName, Log: log}
	if cfg.Bot.Database == "" {
		return whatsapp.OpenSession(ctx, opts)
	}
	db, err := postgres.OpenDB(ctx, cfg.Bot.Database)
	if err != nil {
		return nil, err
	}
	opts.DSN, opts.DB = "", db
	sess, err := whatsapp.OpenSession(ctx, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return sess, nil
}

// serve runs the session, the engine and the background tasks, and shuts
// them down in order: stop taking messages, finish what is queued,
// disconnect, close the stores.
func serve(ctx context.Context, cfg Config, log *slog.Logger, pairPhone string, stdout, stderr io.Writer) int {
	sess, err := openWhatsAppSession(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return exitError
	}
	defer func() {
		if err := sess.Close(); err != nil {
			log.Error("close WhatsApp session", bot.KeyErr, err)
		}
	}()
	if sess.Linked() && pairPhone != "" {
		log.Warn("-pair-phone ignored: a linked session already exists (unlink it first to link another phone)")
	}

	notice := &backlogNotice{loc: cfg.Location()}
	adapter := whatsapp.New(sess.Client(), whatsapp.Options{
		BacklogAct:      cfg.WhatsApp.BacklogAct.D(),
		Backlog:         notice,
		GroupInfoMaxAge: cfg.WhatsApp.GroupInfoMaxAge.D(),
		Clock:           bot.SystemClock{},
		Log:             log,
	})
	transport := bot.Pace(adapter, cfg.WhatsApp.SendInterval.D(), cfg.WhatsApp.SendBurst)
	a, err := newApp(ctx, cfg, log, cfg.dataPath("neighbourbot.db"), transport, bot.SystemClock{}, nil)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return storeExit(err)
	}
	defer func() {
		if err := a.close(); err != nil {
			log.Error("close database", bot.KeyErr, err)
		}
	}()
	notice.engine, notice.kit = a.engine, a.engine.Kit("backlog")
	privateFiles(log, cfg.Bot.DataDir, "whatsapp.db", "neighbourbot.db")

	sess.UseLatestVersion(ctx, a.http)

	// The worker and background tasks get their own context, cancelled
	// only after the adapter has stopped taking messages, so the shutdown
	// order is ours and not the signal's.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	adapter.Attach(runCtx, a.engine)
	sess.AddEventHandler(adapter.HandleEvent)

	a.background = append(a.background, a.compactDaily)
	if err := a.readiness(adapter.Connected); err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return exitError
	}

	stopWorkers := a.startWorkers(runCtx, log)
	code := connectAndWait(ctx, sess, pairPhone, log, stdout, stderr)
	adapter.Stop()
	stopRun()
	stopWorkers()
	return code
}

// startWorkers runs the engine's worker and the background tasks until
// ctx ends; the function returned waits for them to stop.
func (a *app) startWorkers(ctx context.Context, log *slog.Logger) (wait func()) {
	engineDone := make(chan error, 1)
	go func() { engineDone <- a.engine.Run(ctx) }()
	var bg sync.WaitGroup
	for _, task := range a.background {
		bg.Add(1)
		go func() {
			defer bg.Done()
			if err := task(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("background task stopped", bot.KeyErr, err)
			}
		}()
	}
	return func() {
		if err := <-engineDone; err != nil {
			log.Error("engine stopped", bot.KeyErr, err)
		}
		if !waitTimeout(&bg, 10*time.Second) {
			log.Warn("background tasks still running at shutdown")
		}
	}
}

// connectAndWait links or connects the WhatsApp session and waits for a
// signal or for the session to end, giving the exit code.
func connectAndWait(ctx context.Context, sess *whatsapp.Session, pairPhone string, log *slog.Logger, stdout, stderr io.Writer) int {
	if !sess.Linked() {
		log.Info("no linked WhatsApp session yet: linking a new device")
	}
	if err := sess.Connect(ctx, whatsapp.LinkOptions{PairPhone: pairPhone, Out: stdout}); err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return exitError
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return exitOK
	case <-sess.Ended():
		return explainEnd(stderr, sess.Err())
	}
}

// explainEnd tells the operator, in plain words, why the session ended and
// what to do, and picks the exit code.
func explainEnd(w io.Writer, err error) int {
	var (
		ban     *whatsapp.BanError
		lo      *whatsapp.LoggedOutError
		refused *whatsapp.ConnectFailureError
	)
	switch {
	case errors.As(err, &lo) && lo.Banned():
		fmt.Fprintf(w, `neighbourbot: %v.
This is not an ordinary unlink: %s. Open WhatsApp on the bot's phone and
follow what it says there (a banned account offers a review). Linking again only works once the account is in normal use; do not restart the
bot in a loop.
`, err, lo.Meaning())
		return exitBanned
	case errors.As(err, &lo) && lo.PhoneGone():
		fmt.Fprintf(w, `neighbourbot: %v.
This happens when WhatsApp is moved to a new phone, reinstalled, or the number is
registered again: every linked device is logged out with it. The old session has been
deleted; the bot's own data is kept. Once WhatsApp works on the phone again, run
neighbourbot and scan the new QR code (or use -pair-phone).
`, err)
		return exitLoggedOut
	case errors.As(err, &refused):
		fmt.Fprintf(w, "neighbourbot: %v.\nThe WhatsApp library does not retry this by itself, so the bot stops instead of staying offline. Starting it again usually gets through; if it keeps happening, check the network and update neighbourbot.\n", err)
		return exitRefused
	case errors.Is(err, whatsapp.ErrLoggedOut):
		fmt.Fprint(w, `neighbourbot: this device was unlinked from WhatsApp (Linked devices > Log out on the
phone, or WhatsApp ended the session). The old session has been deleted; the bot's own
data is kept. To link again, run neighbourbot and scan the new QR code (or use -pair-phone).
`)
		return exitLoggedOut
	case errors.Is(err, whatsapp.ErrReplaced):
		fmt.Fprint(w, `neighbourbot: another process connected with this WhatsApp session (a second copy
using a copy of the data directory?). Stopping so the two do not take turns; make sure only
one runs, then start this one again.
`)
		return exitReplaced
	case errors.As(err, &ban):
		fmt.Fprintf(w, "neighbourbot: %v.\nDo not restart it in a loop: wait for the ban to end, then send less (raise whatsapp.send_interval) and only where asked.\n", ban)
		return exitBanned
	case errors.Is(err, whatsapp.ErrClientOutdated):
		fmt.Fprintln(w, "neighbourbot: WhatsApp refused the client version as outdated. Check the network can reach web.whatsapp.com (the current version is fetched at start), or update neighbourbot.")
		return exitError
	case errors.Is(err, whatsapp.ErrUnreachable):
		fmt.Fprintln(w, "neighbourbot: could not reach WhatsApp to show a linking code. Check this machine can reach web.whatsapp.com (network, DNS, firewall), then run neighbourbot again.")
		return exitError
	case errors.Is(err, whatsapp.ErrLinkTimeout):
		fmt.Fprintln(w, "neighbourbot: linking timed out. Run neighbourbot again for a fresh code.")
		return exitError
	}
	fmt.Fprintln(w, "neighbourbot: WhatsApp session ended:", err)
	return exitError
}

// privateFiles makes the databases (and their WAL companions) 0600 even
// when they were created before, or by an older version.
func privateFiles(log *slog.Logger, dir string, names ...string) {
	for _, n := range names {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			path := dir + string(os.PathSeparator) + n + suffix
			if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
				log.Warn("could not make a data file private", "file", path, bot.KeyErr, err)
			}
		}
	}
}

// waitTimeout waits for wg up to d and reports whether it finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Readiness settings: the engine's worker is asked to beat every
// heartbeatEvery and counts as stuck after engineStuckAfter without one (a
// feed or council call can hold it for up to 30 s).
const (
	heartbeatEvery   = 10 * time.Second
	engineStuckAfter = 90 * time.Second
)

// readiness registers the run mode's readiness probes and gauges: WhatsApp
// connected, and the engine's worker loop turning (a no-op queued every
// heartbeatEvery must have run within engineStuckAfter).
func (a *app) readiness(connected func() bool) error {
	a.health.Ready("whatsapp", func(context.Context) error {
		if !connected() {
			return errors.New("not connected")
		}
		return nil
	})
	if err := a.metrics.GaugeFunc("neighbourbot_whatsapp_connected", "1 while connected and logged in to WhatsApp, else 0.", func() float64 {
		if connected() {
			return 1
		}
		return 0
	}); err != nil {
		return err
	}
	hb := bot.NewHeartbeat(time.Now)
	a.health.Ready("engine", hb.Probe(engineStuckAfter))
	a.background = append(a.background, func(ctx context.Context) error {
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				// A full queue is a stuck worker too: the beat just misses.
				_ = a.engine.Enqueue(ctx, func(context.Context) { hb.Beat() })
			}
		}
	})
	return nil
}

// compactMinFree is how much free space (in 4 kB pages) makes compacting
// worth it: 1 MB.
const compactMinFree = 256

// compactDaily prunes people who left every group more than
// [moderation] retention_days ago and hold nothing, then hands pages freed
// by the night's purges back to the file system, at start and then every
// day, so the database file shrinks.
func (a *app) compactDaily(ctx context.Context) error {
	for {
		a.pruneDeparted(ctx)
		freed, err := a.store.Compact(ctx, compactMinFree)
		switch {
		case err != nil:
			a.log.Warn("could not compact the database; trying again tomorrow", bot.KeyErr, err)
		case freed > 0:
			a.log.Info("compacted the database", "freed_bytes", freed)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(24 * time.Hour):
		}
	}
}

// pruneDeparted runs bot.PruneDeparted on the engine's worker and waits.
func (a *app) pruneDeparted(ctx context.Context) {
	done := make(chan struct{})
	err := a.engine.Enqueue(ctx, func(ctx context.Context) {
		defer close(done)
		before := a.clock.Now().Add(-time.Duration(a.cfg.Moderation.RetentionDays) * 24 * time.Hour)
		n, err := a.engine.PruneDeparted(ctx, a.store, before)
		if err != nil {
			a.log.Warn("could not prune people who left", bot.KeyErr, err)
		}
		if n > 0 {
			a.log.Info("pruned people who left every group and hold nothing", "people", n)
		}
	})
	if err != nil {
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// logWriter turns what the bot writes for the operator on standard error
// ("neighbourbot: …", some of it over several lines) into error records,
// so that a JSON log stays JSON to its final line.
type logWriter struct{ log *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	msg := strings.TrimPrefix(strings.TrimSpace(string(p)), "neighbourbot: ")
	w.log.Error(strings.Join(strings.Fields(msg), " "))
	return len(p), nil
}

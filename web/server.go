package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/potholes"
)

// Deps is what the page needs from the running bot.
type Deps struct {
	Core  bot.Core
	Clock bot.Clock
	Log   *slog.Logger
	// Notices is the running relay: previews and submissions go through
	// it, approvals through its governance, as the webhook's and the
	// chat commands' do.
	Notices *notices.Feature
	// Potholes is the street-fault feature, for /faults; nil when it
	// is not running.
	Potholes *potholes.Feature
	// Topics are the configured notice topics, for the compose form.
	Topics []string
	// Staff returns who the configuration names as staff now (read on
	// every request, so a reload takes effect at once).
	Staff func() Staff
	// Loc is the council's time zone for every time shown.
	Loc *time.Location
	// Quiet is the bot's quiet hours, and Periods the election periods
	// in force, for the compose preview's word on when a notice goes out.
	Quiet   bot.QuietHours
	Periods func() []notices.PeriodInfo
	// Tell, when set, sends a person a direct message through the bot's
	// send queue: the writer of a notice rejected on the page is told why.
	Tell func(ctx context.Context, person int64, text string) error
	// AfterChange, when set, runs after an action that may have booked
	// jobs or sends: the console runs them at once, as it does after a
	// line; the bot's own scheduler needs nothing.
	AfterChange func(ctx context.Context)
	// Inbox is the council inbox, for /inbox; nil leaves it out.
	Inbox Inbox
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Server is the staff web page.
type Server struct {
	cfg  Config
	deps Deps
	st   store
	// mu serialises AfterChange: two requests never run the console's
	// due jobs at once.
	mu sync.Mutex
	// inboxTicks gives each inbox event stream its ticks (a real ticker;
	// tests hand it a channel they drive, so none waits on real time).
	inboxTicks func() (<-chan time.Time, func())
}

// Session lifetimes: a session ends after an hour unused or twelve hours
// in all, whichever comes first; a sign-in link lasts ten minutes.
const (
	sessionIdle     = time.Hour
	sessionAbsolute = 12 * time.Hour
	linkLifetime    = 10 * time.Minute
	// linksPerWindow links at most per person per linkLifetime.
	linksPerWindow = 3
	// maxFormBytes bounds a request body: a notice is a few kilobytes.
	maxFormBytes = 64 << 10
)

// New builds the page.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Core == nil || deps.Clock == nil || deps.Staff == nil {
		return nil, errors.New("web: Core, Clock and Staff are required")
	}
	if deps.Log == nil {
		deps.Log = discardLog()
	}
	if deps.Loc == nil {
		deps.Loc = time.UTC
	}
	return &Server{cfg: cfg, deps: deps, st: store{db: deps.Core.DB()}}, nil
}

// Serve serves the page on the configured address until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w", s.cfg.Listen, err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener serves on ln until ctx ends (tests pass their own).
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.deps.Log.Handler(), slog.LevelWarn),
		// Requests end with ctx, so a live-updates stream (/inbox/events)
		// does not hold up the shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	if s.cfg.CertFile != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	errc := make(chan error, 1)
	go func() {
		if s.cfg.CertFile != "" {
			errc <- srv.ServeTLS(ln, s.cfg.CertFile, s.cfg.KeyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	s.deps.Log.Info("staff web page serving", "address", s.cfg.Base())
	select {
	case err := <-errc:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
		return nil
	}
}

// Handler is the page with its security wrapping: headers on every
// answer, cross-origin form posts refused, bodies bounded.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", assetHandler())
	mux.HandleFunc("GET /login/{token}", s.loginPage)
	mux.HandleFunc("POST /login/{token}", s.loginPost)
	mux.HandleFunc("GET /signed-out", s.signedOut)
	mux.Handle("GET /{$}", s.auth(s.home))
	mux.Handle("POST /sign-out", s.auth(s.signOut))
	mux.Handle("GET /account", s.auth(s.account))
	mux.Handle("POST /account/end", s.auth(s.endSession))
	mux.Handle("GET /approvals", s.auth(s.approvals))
	mux.Handle("POST /approvals/{id}", s.auth(s.decide))
	mux.Handle("GET /notices", s.auth(s.noticeList))
	mux.Handle("GET /notices/new", s.auth(s.composeForm))
	mux.Handle("POST /notices/new", s.auth(s.composePost))
	mux.Handle("GET /notices/{id}", s.auth(s.noticePage))
	mux.Handle("POST /notices/{id}/correct", s.auth(s.correctPost))
	mux.Handle("GET /audit", s.auth(s.audit))
	mux.Handle("GET /groups", s.auth(s.groups))
	s.pollRoutes(mux)
	s.inboxRoutes(mux)
	s.faultRoutes(mux)
	mux.HandleFunc("/", s.notFound)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	return securityHeaders(s.cfg.policy(), limitBody(cop.Handler(mux)))
}

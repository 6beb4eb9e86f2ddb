// Package metrics exposes the engine's counts to Prometheus. It is the only
// package that imports the Prometheus client; the core sees it as a
// bot.Observer.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"neighbourbot/bot"
)

// Metrics implements bot.Observer with Prometheus collectors in a registry
// of its own, so tests can build as many as they like.
type Metrics struct {
	Registry *prometheus.Registry
	messages *prometheus.CounterVec
	commands *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	sends    *prometheus.CounterVec
	jobs     *prometheus.CounterVec
	storeErr prometheus.Counter
	botGroup *prometheus.CounterVec
	// Polled sources (council feeds, operators, warnings): see SourceState.
	sourceSuccess  *prometheus.GaugeVec
	sourceFailures *prometheus.GaugeVec
	sourceIdle     *prometheus.GaugeVec
	build          *prometheus.GaugeVec
	// families lists what was registered, for Families.
	families []Family
}

// Family is one registered metric: its name, help and type ("counter",
// "gauge", "histogram").
type Family struct {
	Name, Help, Type string
}

// Families lists every metric registered so far, the process's and Go's
// own aside: a test checks the names against Prometheus' conventions.
func (m *Metrics) Families() []Family { return append([]Family(nil), m.families...) }

// register adds collectors to the registry and records their metrics.
func (m *Metrics) register(typ string, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.Registry.Register(c); err != nil {
			return err
		}
		ch := make(chan *prometheus.Desc, 4)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m.families = append(m.families, Family{Name: descField(d, "fqName"), Help: descField(d, "help"), Type: typ})
		}
	}
	return nil
}

// descField reads a field of a Desc from its String form
// (Desc{fqName: "x", help: "y", …}): the client exposes no getters.
func descField(d *prometheus.Desc, field string) string {
	s := d.String()
	i := strings.Index(s, field+": \"")
	if i < 0 {
		return ""
	}
	s = s[i+len(field)+3:]
	var b strings.Builder
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 < len(s) {
				j++
				b.WriteByte(s[j])
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(s[j])
		}
	}
	return b.String()
}

var _ bot.Observer = (*Metrics)(nil)

// New registers the collectors (plus Go runtime and process ones).
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "neighbourbot_messages_total",
			Help: "Inbound messages by outcome (command, chatter, duplicate, ignored, moderated, poll_vote).",
		}, []string{"outcome"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "neighbourbot_commands_total",
			Help: "Commands handled by name and result.",
		}, []string{"command", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "neighbourbot_command_duration_seconds",
			Help:    "Time spent in command handlers.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5},
		}, []string{"command"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "neighbourbot_sends_total",
			Help: "Outbound actions by kind and result.",
		}, []string{"kind", "result"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "neighbourbot_jobs_total",
			Help: "Scheduled jobs run by kind and result (ok, retry, dropped).",
		}, []string{"kind", "result"}),
		storeErr: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "neighbourbot_store_failures_total",
			Help: "Messages, jobs and sends whose database transaction could not commit (disk full, read-only, damaged); they are retried.",
		}),
		botGroup: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "neighbourbot_bot_membership_total",
			Help: "The bot removed from (removed) or added back to (added) a group that had switched it on.",
		}, []string{"change"}),
		sourceSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "neighbourbot_source_last_success_timestamp_seconds",
			Help: "When each polled source (feed, operator, warnings) last answered well, as a Unix time; 0 before its first success.",
		}, []string{"source"}),
		sourceFailures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "neighbourbot_source_consecutive_failures",
			Help: "Failed polls in a row per source; 0 while it answers.",
		}, []string{"source"}),
		sourceIdle: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "neighbourbot_source_idle",
			Help: "1 while a polled source had nothing to ask at its latest poll (no group it serves, quiet hours): its last success does not move then, and that is no fault.",
		}, []string{"source"}),
		build: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "neighbourbot_build_info",
			Help: "Always 1; the labels say which build is running.",
		}, []string{"version", "revision", "goversion"}),
	}
	must(m.register("counter", m.messages, m.commands, m.sends, m.jobs, m.storeErr, m.botGroup))
	must(m.register("histogram", m.latency))
	must(m.register("gauge", m.sourceSuccess, m.sourceFailures, m.sourceIdle, m.build))
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SetBuildInfo sets neighbourbot_build_info{version,revision,goversion} to 1.
func (m *Metrics) SetBuildInfo(version, revision, goVersion string) {
	m.build.Reset()
	m.build.WithLabelValues(version, revision, goVersion).Set(1)
}

// MessageReceived implements bot.Observer.
func (m *Metrics) MessageReceived(outcome string) { m.messages.WithLabelValues(outcome).Inc() }

// CommandHandled implements bot.Observer.
func (m *Metrics) CommandHandled(command, result string, took time.Duration) {
	m.commands.WithLabelValues(command, result).Inc()
	if took > 0 {
		m.latency.WithLabelValues(command).Observe(took.Seconds())
	}
}

// Sent implements bot.Observer.
func (m *Metrics) Sent(kind string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.sends.WithLabelValues(kind, result).Inc()
}

// StoreFailed implements bot.Observer.
func (m *Metrics) StoreFailed() { m.storeErr.Inc() }

// BotMembership implements bot.Observer.
func (m *Metrics) BotMembership(change string) { m.botGroup.WithLabelValues(change).Inc() }

// JobRun implements bot.Observer.
func (m *Metrics) JobRun(kind, result string) { m.jobs.WithLabelValues(kind, result).Inc() }

// SourceState records how a polled source stands (polling.Observer).
func (m *Metrics) SourceState(source string, lastSuccess time.Time, failures int) {
	v := 0.0
	if !lastSuccess.IsZero() {
		v = float64(lastSuccess.UnixMilli()) / 1000
	}
	m.sourceSuccess.WithLabelValues(source).Set(v)
	m.sourceFailures.WithLabelValues(source).Set(float64(failures))
}

// SourceIdle records whether a polled source had nothing to ask
// (polling.IdleObserver).
func (m *Metrics) SourceIdle(source string, idle bool) {
	v := 0.0
	if idle {
		v = 1
	}
	m.sourceIdle.WithLabelValues(source).Set(v)
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// GaugeFunc adds a gauge read at every scrape: jobs due, the send queue's
// depth, whether WhatsApp is connected. Any component with a number to
// show registers one; a second gauge of the same name is an error.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) error {
	return m.register("gauge", prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// Counter adds a counter with the given labels and returns the function
// that counts one, for components outside the core (Open311 calls by
// outcome). It panics on a name registered twice, like the built-in ones.
func (m *Metrics) Counter(name, help string, labels ...string) func(values ...string) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	must(m.register("counter", c))
	return func(values ...string) { c.WithLabelValues(values...).Inc() }
}

// HealthHandler serves /healthz (ready=false: the liveness probes) or
// /readyz (every probe): 200 "ok", or 503 with the first failing probe and
// its reason on one line.
func HealthHandler(h *bot.Health, ready bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		check := h.CheckLive
		if ready {
			check = h.CheckReady
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := check(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.ReplaceAll(err.Error(), "\n", " "))
			return
		}
		fmt.Fprintln(w, "ok")
	})
}

// Serve listens on addr and serves /metrics, and /healthz and /readyz
// from health when it is not nil, until ctx is done.
func (m *Metrics) Serve(ctx context.Context, addr string, log *slog.Logger, health *bot.Health) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	if health != nil {
		mux.Handle("GET /healthz", HealthHandler(health, false))
		mux.Handle("GET /readyz", HealthHandler(health, true))
	}
	srv := newServer(addr, mux)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listen %s: %w", addr, err)
	}
	log.Info("serving metrics", "addr", ln.Addr().String())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics server: %w", err)
	}
	return nil
}

// newServer is the metrics and health server: every read and write
// bounded, and idle connections closed, so a slow or stuck scraper cannot
// hold connections (and their goroutines) open.
func newServer(addr string, h http.Handler) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

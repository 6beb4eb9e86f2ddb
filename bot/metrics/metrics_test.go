package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/metrics"
)

func TestEngineCountsReachPrometheus(t *testing.T) {
	m := metrics.New()
	m.SetBuildInfo("v1.2.0", "3f2a9c1b", "go1.26.8")
	h := bottest.New(t, bottest.Options{})
	// Rebuild the engine with the observer: bottest's engine has none.
	h.Engine = bot.NewEngine(bot.Config{SyncSends: true, Observer: m}, h.Store, h.Console, h.Clock)
	h.Console.Attach(h.Engine)
	h.Kit("test").Jobs.HandleJob("tick", func(ctx context.Context, j bot.Job) error { return errors.New("not yet") })
	if err := h.Kit("test").Jobs.Schedule(context.Background(), "tick", "", h.Clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	h.Run("Bob: !help\n@admin Alice\nAlice: !bot on\nBob: hello\nBob: !nosuch\n@redeliver\n")

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`neighbourbot_messages_total{outcome="ignored"} 1`,
		`neighbourbot_messages_total{outcome="chatter"} 1`,
		`neighbourbot_messages_total{outcome="command"} 2`, // !bot on and !nosuch,
		`neighbourbot_messages_total{outcome="duplicate"} 1`,
		`neighbourbot_commands_total{command="bot",result="ok"} 1`,
		`neighbourbot_commands_total{command="unknown",result="unknown"} 1`,
		`neighbourbot_sends_total{kind="text",result="ok"} 2`,
		`neighbourbot_jobs_total{kind="tick",result="retry"} 1`,
		`neighbourbot_build_info{goversion="go1.26.8",revision="3f2a9c1b",version="v1.2.0"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestSourceStateGauges(t *testing.T) {
	m := metrics.New()
	m.SourceState("notices.poll:feed:grit", time.Unix(1767603600, 0), 0)
	m.SourceState("power.poll:nged", time.Time{}, 3)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`neighbourbot_source_last_success_timestamp_seconds{source="notices.poll:feed:grit"} 1.7676036e+09`,
		`neighbourbot_source_last_success_timestamp_seconds{source="power.poll:nged"} 0`,
		`neighbourbot_source_consecutive_failures{source="power.poll:nged"} 3`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

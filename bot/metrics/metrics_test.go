package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/metrics"
)

func TestEngineCountsReachPrometheus(t *testing.T) {
	m := metrics.New()
	h := bottest.New(t, bottest.Options{})
	// Rebuild the engine with the observer: bottest's engine has none.
	h.Engine = bot.NewEngine(bot.Config{SyncSends: true, Observer: m}, h.Store, h.Console, h.Clock)
	h.Console.Attach(h.Engine)
	h.Engine.HandleJob("tick", func(ctx context.Context, j bot.Job) error { return errors.New("not yet") })
	if err := h.Engine.Schedule(context.Background(), "tick", "", h.Clock.Now(), nil); err != nil {
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
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

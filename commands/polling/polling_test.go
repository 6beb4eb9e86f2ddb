package polling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
)

type fakeObserver map[string]time.Time

func (o fakeObserver) SourceState(source string, last time.Time, failures int) { o[source] = last }

// rig registers a poller with one source whose outcome the test controls.
type rig struct {
	h     *bottest.Harness
	p     *Poller
	obs   fakeObserver
	calls []time.Time
	fail  bool
}

func newRig(t *testing.T, dbPath string, r *rig) *rig {
	if r == nil {
		r = &rig{obs: fakeObserver{}}
	}
	r.h = bottest.New(t, bottest.Options{
		DBPath:     dbPath,
		Migrations: []bot.Migrations{Migrations(), Migrations()}, // listed twice: applied once
		Register: func(h *bottest.Harness) error {
			r.p = New(h.Kit("test"), "test.poll", r.obs)
			err := r.p.Add(Source{Name: "feed", Interval: 15 * time.Minute, MaxBackoff: 2 * time.Hour, Fetch: func(ctx context.Context) (bot.ApplyFunc, error) {
				r.calls = append(r.calls, h.Now())
				if r.fail {
					return nil, errors.New("HTTP 503")
				}
				return nil, nil
			}})
			if err != nil {
				return err
			}
			return r.p.Start(context.Background())
		},
	})
	return r
}

func (r *rig) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if err := r.h.Engine.AdvanceTo(context.Background(), r.h.Clock, r.h.Clock.Now().Add(d)); err != nil {
		t.Fatal(err)
	}
}

func offsets(start time.Time, ts []time.Time) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Sub(start).String())
	}
	return out
}

func TestPollsOnTheBotsClockWithBackoffAndOneLogLinePerStreak(t *testing.T) {
	storetest.RunBackends(t, testPollsOnTheBotsClockWithBackoffAndOneLogLinePerStreak)
}

func testPollsOnTheBotsClockWithBackoffAndOneLogLinePerStreak(t *testing.T, b storetest.Backend) {
	r := newRig(t, b.NewPlace(t), nil)
	start := r.h.Clock.Now()
	r.h.Engine.RunDueJobs(context.Background()) // a new source is polled at once
	r.advance(t, 30*time.Minute)
	if got := strings.Join(offsets(start, r.calls), " "); got != "0s 15m0s 30m0s" {
		t.Fatalf("polls at %s", got)
	}
	if last := r.obs["test.poll:feed"]; !last.Equal(start.Add(30 * time.Minute)) {
		t.Errorf("last success reported %v", last)
	}

	// Down: waits of 15m, 30m, 1h, then 2h (the cap).
	r.fail = true
	r.calls = nil
	r.advance(t, 15*time.Minute+15*time.Minute+30*time.Minute+time.Hour+2*time.Hour+2*time.Hour)
	if got := strings.Join(offsets(start, r.calls), " "); got != "45m0s 1h0m0s 1h30m0s 2h30m0s 4h30m0s 6h30m0s" {
		t.Fatalf("polls while failing at %s", got)
	}
	if n := strings.Count(r.h.Log.String(), "source failing"); n != 1 {
		t.Errorf("%d 'source failing' log lines for one streak, want 1:\n%s", n, r.h.Log.String())
	}
	if last := r.obs["test.poll:feed"]; !last.Equal(start.Add(30 * time.Minute)) {
		t.Errorf("last success moved while failing: %v", last)
	}
	st, err := r.p.State(context.Background(), "feed")
	if err != nil || st.Failures != 6 || st.LastError != "HTTP 503" || !st.FailingSince.Equal(start.Add(45*time.Minute)) {
		t.Fatalf("state %+v %v", st, err)
	}

	// A restart keeps the back-off where it stood: the next poll is still
	// 2h after the last failure, not at start-up.
	r.calls = nil
	r.fail = false
	r.h.Restart()
	r.h.Engine.RunDueJobs(context.Background())
	if len(r.calls) != 0 {
		t.Fatalf("restart polled at once: %v", r.calls)
	}
	r.advance(t, 2*time.Hour)
	if got := strings.Join(offsets(start, r.calls), " "); got != "8h30m0s" {
		t.Fatalf("after restart polls at %s", got)
	}
	if n := strings.Count(r.h.Log.String(), "source recovered"); n != 1 {
		t.Errorf("%d recovery lines, want 1", n)
	}
	r.advance(t, 15*time.Minute)
	if len(r.calls) != 2 {
		t.Errorf("back to the interval: %v", offsets(start, r.calls))
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {5, 10 * time.Minute}, {60, 10 * time.Minute}} {
		if got := Backoff(time.Minute, 10*time.Minute, tc.failures); got != tc.want {
			t.Errorf("Backoff after %d = %s, want %s", tc.failures, got, tc.want)
		}
	}
}

func TestRemovedSourceStops(t *testing.T) { storetest.RunBackends(t, testRemovedSourceStops) }

func testRemovedSourceStops(t *testing.T, b storetest.Backend) {
	r := newRig(t, b.NewPlace(t), nil)
	r.h.Engine.RunDueJobs(context.Background())
	// The next start has no sources: the booked job runs once and ends.
	h := bottest.New(t, bottest.Options{DBPath: r.h.DBPath, Start: r.h.Clock.Now(), Migrations: []bot.Migrations{Migrations()},
		Register: func(h *bottest.Harness) error {
			return New(h.Kit("test"), "test.poll", nil).Start(context.Background())
		}})
	if err := h.Engine.AdvanceTo(context.Background(), h.Clock, h.Clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Log.String(), "source no longer configured") {
		t.Errorf("log %s", h.Log.String())
	}
	if _, ok, _ := h.Store.NextJobAt(context.Background()); ok {
		t.Error("a job is still booked for the removed source")
	}
}

func TestBadSources(t *testing.T) { storetest.RunBackends(t, testBadSources) }

func testBadSources(t *testing.T, b storetest.Backend) {
	r := newRig(t, b.NewPlace(t), nil)
	if err := r.p.Add(Source{Name: "feed", Interval: time.Minute, Fetch: func(context.Context) (bot.ApplyFunc, error) { return nil, nil }}); err == nil {
		t.Error("a second source of the same name was accepted")
	}
	if err := r.p.Add(Source{Name: "fast", Interval: time.Millisecond, Fetch: func(context.Context) (bot.ApplyFunc, error) { return nil, nil }}); err == nil {
		t.Error("a tiny interval was accepted")
	}
	if err := r.p.Add(Source{Name: "panics", Interval: time.Minute, Fetch: func(context.Context) (bot.ApplyFunc, error) { panic("boom") }}); err != nil {
		t.Fatal(err)
	}
	if err := r.p.PollNow(context.Background(), "panics"); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.p.State(context.Background(), "panics"); st.Failures != 1 || !strings.Contains(st.LastError, "boom") {
		t.Errorf("a panicking poll: %+v", st)
	}
}

type idleObserver struct {
	fakeObserver
	idle map[string]bool
}

func (o idleObserver) SourceIdle(source string, idle bool) { o.idle[source] = idle }

// TestNothingToPollIsNeitherSuccessNorFailure: a source with nothing to
// ask records no success (its last success stays the last time a server
// answered), ends a failing streak, keeps its interval and is reported
// idle until it asks again — across a restart too.
func TestNothingToPollIsNeitherSuccessNorFailure(t *testing.T) {
	storetest.RunBackends(t, testNothingToPollIsNeitherSuccessNorFailure)
}

func testNothingToPollIsNeitherSuccessNorFailure(t *testing.T, b storetest.Backend) {
	ctx := context.Background()
	obs := idleObserver{fakeObserver{}, map[string]bool{}}
	var mode string // "ok", "fail", "idle"
	var p *Poller
	dbPath := b.NewPlace(t)
	h := bottest.New(t, bottest.Options{
		DBPath:     dbPath,
		Migrations: []bot.Migrations{Migrations()},
		Register: func(h *bottest.Harness) error {
			p = New(h.Kit("test"), "test.poll", obs)
			if err := p.Add(Source{Name: "floods", Interval: 15 * time.Minute, Fetch: func(ctx context.Context) (bot.ApplyFunc, error) {
				switch mode {
				case "fail":
					return nil, errors.New("dial tcp: lookup environment.data.gov.uk: no such host")
				case "idle":
					return nil, fmt.Errorf("no group has an area: %w", ErrNothingToPoll)
				}
				return nil, nil
			}}); err != nil {
				return err
			}
			return p.Start(ctx)
		},
	})
	step := func() {
		t.Helper()
		if err := h.Engine.AdvanceTo(ctx, h.Clock, h.Clock.Now().Add(15*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	mode = "idle"
	h.Engine.RunDueJobs(ctx)
	st, _ := p.State(ctx, "floods")
	if !st.LastSuccess.IsZero() || st.Failures != 0 || !st.Idle || !obs.idle["test.poll:floods"] {
		t.Fatalf("nothing to poll at first: %+v idle gauge %v", st, obs.idle)
	}
	mode = "ok"
	step()
	okAt := h.Clock.Now()
	if st, _ = p.State(ctx, "floods"); !st.LastSuccess.Equal(okAt) || st.Idle || obs.idle["test.poll:floods"] {
		t.Fatalf("after a real fetch: %+v", st)
	}
	mode = "fail"
	step()
	mode = "idle"
	step()
	st, _ = p.State(ctx, "floods")
	if !st.LastSuccess.Equal(okAt) || st.Failures != 0 || !st.Idle || !st.NextAt.Equal(h.Clock.Now().Add(15*time.Minute)) {
		t.Fatalf("idle after a failure: %+v", st)
	}
	if !strings.Contains(h.Log.String(), "source has nothing to poll; its failing streak ends unresolved") {
		t.Errorf("log:\n%s", h.Log.String())
	}
	h.Restart()
	if st, _ = p.State(ctx, "floods"); !st.Idle || !obs.idle["test.poll:floods"] {
		t.Errorf("idle lost over a restart: %+v", st)
	}
}

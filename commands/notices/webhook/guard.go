package webhook

import (
	"neighbourbot/bot"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// What keeps the webhook from being swamped: at most MaxInFlight requests
// are read and stored at once (the rest are answered 503 with Retry-After
// at once, before their bodies are read), so memory is bounded by
// MaxInFlight × max_body_bytes whatever arrives; and a client that sends
// wrong tokens MaxFailedTokens times in FailedTokenWindow is answered 429
// until the window has passed, without its tokens being checked.
const (
	MaxInFlight       = 16
	MaxFailedTokens   = 10
	FailedTokenWindow = time.Minute
	// maxClientsTracked bounds the failed-token table; past it, entries
	// whose window is over are dropped first.
	maxClientsTracked = 4096
)

// guard is the webhook's in-flight bound and failed-token limit.
type guard struct {
	clock bot.Clock
	slots chan struct{}

	mu     sync.Mutex
	failed map[string]failedTokens
}

type failedTokens struct {
	since time.Time
	count int
}

func newGuard(clock bot.Clock) *guard {
	return &guard{clock: clock, slots: make(chan struct{}, MaxInFlight), failed: map[string]failedTokens{}}
}

// limit wraps next with the in-flight bound.
func (g *guard) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case g.slots <- struct{}{}:
			defer func() { <-g.slots }()
			next.ServeHTTP(w, req)
		default:
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Connection", "close")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "busy; try again in a second"})
		}
	})
}

// blocked reports whether client has sent too many wrong tokens lately,
// and for how long it stays blocked.
func (g *guard) blocked(client string) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f, ok := g.failed[client]
	if !ok {
		return 0, false
	}
	left := f.since.Add(FailedTokenWindow).Sub(g.clock.Now())
	if left <= 0 {
		delete(g.failed, client)
		return 0, false
	}
	return left, f.count >= MaxFailedTokens
}

// fail counts a wrong or missing token from client.
func (g *guard) fail(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock.Now()
	if len(g.failed) >= maxClientsTracked {
		for c, f := range g.failed {
			if !now.Before(f.since.Add(FailedTokenWindow)) {
				delete(g.failed, c)
			}
		}
		if len(g.failed) >= maxClientsTracked {
			return // a flood from many addresses: the in-flight bound holds
		}
	}
	f := g.failed[client]
	if f.count == 0 || !now.Before(f.since.Add(FailedTokenWindow)) {
		f = failedTokens{since: now}
	}
	f.count++
	g.failed[client] = f
}

// refuseBlocked answers 429 to a client over the failed-token limit.
func refuseBlocked(w http.ResponseWriter, left time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((left+time.Second-1)/time.Second)))
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many wrong tokens; wait and check the token"})
}

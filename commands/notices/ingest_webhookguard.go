package notices

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"neighbourbot/bot"
)

// What keeps the webhook from being swamped: at most maxInFlight requests
// are read and stored at once (the rest are answered 503 with Retry-After
// at once, before their bodies are read), so memory is bounded by
// maxInFlight × max_body_bytes whatever arrives; and a client that sends
// wrong tokens maxFailedTokens times in failedTokenWindow is answered 429
// until the window has passed, without its tokens being checked.
const (
	maxInFlight       = 16
	maxFailedTokens   = 10
	failedTokenWindow = time.Minute
	// maxClientsTracked bounds the failed-token table; past it, entries
	// whose window is over are dropped first.
	maxClientsTracked = 4096
)

// webhookGuard is the webhook's in-flight bound and failed-token limit.
type webhookGuard struct {
	clock bot.Clock
	slots chan struct{}

	mu     sync.Mutex
	failed map[string]failedTokens
}

type failedTokens struct {
	since time.Time
	count int
}

func newWebhookGuard(clock bot.Clock) *webhookGuard {
	return &webhookGuard{clock: clock, slots: make(chan struct{}, maxInFlight), failed: map[string]failedTokens{}}
}

// limit wraps next with the in-flight bound.
func (g *webhookGuard) limit(next http.Handler) http.Handler {
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
func (g *webhookGuard) blocked(client string) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f, ok := g.failed[client]
	if !ok {
		return 0, false
	}
	left := f.since.Add(failedTokenWindow).Sub(g.clock.Now())
	if left <= 0 {
		delete(g.failed, client)
		return 0, false
	}
	return left, f.count >= maxFailedTokens
}

// fail counts a wrong or missing token from client.
func (g *webhookGuard) fail(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock.Now()
	if len(g.failed) >= maxClientsTracked {
		for c, f := range g.failed {
			if !now.Before(f.since.Add(failedTokenWindow)) {
				delete(g.failed, c)
			}
		}
		if len(g.failed) >= maxClientsTracked {
			return // a flood from many addresses: the in-flight bound holds
		}
	}
	f := g.failed[client]
	if f.count == 0 || !now.Before(f.since.Add(failedTokenWindow)) {
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

// strictJSON refuses what encoding/json lets through: bytes that are not
// UTF-8 (it would turn them into U+FFFD silently) and a key given twice in
// one object (it would keep the last, so what the council's system showed
// and what is relayed could differ). Malformed JSON is left to the decoder.
func strictJSON(raw []byte) error {
	if !utf8.Valid(raw) {
		return &FieldError{Field: "json", Msg: "not valid UTF-8; send the notice encoded as UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
			case '[':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return &FieldError{Field: bot.Truncate(t, 40), Msg: "given twice; send each field once"}
				}
				top.keys[t], top.key = true, false
				continue
			}
			if top != nil && top.object {
				top.key = true
			}
		default:
			if top != nil && top.object {
				top.key = true
			}
		}
	}
}

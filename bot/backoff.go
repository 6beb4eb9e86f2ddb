package bot

import (
	"errors"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff is the one retry schedule of the bot: the scheduler's job
// retries, Open311 sends and feed polls all use it. The wait after the n-th
// failure in a row is Base doubled n-1 times, capped at Max, then spread
// by up to Jitter of itself so many retries booked at once (a fan-out after
// an outage) do not all fire in the same second. A server's Retry-After is
// honoured when it asks for longer, up to MaxRetryAfter.
//
// It is a pure function of its inputs: the jitter comes from a key (a
// report id, a job key, a feed name) rather than a random source, so the
// same retry always waits the same, restarts and golden transcripts
// included, while different keys spread out.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
	// Jitter is the fraction of the wait taken off at most (0.2: the wait
	// falls between 80% and 100% of the doubled value). 0 means none.
	Jitter float64
	// MaxRetryAfter caps what a server's Retry-After can ask for; zero
	// means 24 hours.
	MaxRetryAfter time.Duration
}

// Delay is the wait before retrying after the failures-th failure in a row
// (1 for the first). retryAfter is what the server asked for (0 for
// nothing; see RetryAfterOf).
func (b Backoff) Delay(failures int, key string, retryAfter time.Duration) time.Duration {
	d := b.Base
	for i := 1; i < failures && (b.Max <= 0 || d < b.Max); i++ {
		d *= 2
	}
	if b.Max > 0 {
		d = min(d, b.Max)
	}
	if b.Jitter > 0 && d > 0 {
		h := fnv.New64a()
		h.Write([]byte(key))
		h.Write([]byte{byte(failures), byte(failures >> 8)})
		frac := float64(h.Sum64()>>11) / (1 << 53) // in [0, 1)
		d -= time.Duration(float64(d) * min(b.Jitter, 1) * frac)
	}
	if retryAfter > d {
		limit := b.MaxRetryAfter
		if limit <= 0 {
			limit = 24 * time.Hour
		}
		d = min(retryAfter, max(limit, d))
	}
	return d
}

// RetryAfterError is a failure whose server said when to try again
// (HTTP 429 or 503 with Retry-After).
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string {
	return e.Err.Error() + " (server asks to retry in " + FormatDuration(e.After.Round(time.Second)) + ")"
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfterDelay implements RetryAfterer.
func (e *RetryAfterError) RetryAfterDelay() time.Duration { return e.After }

// RetryAfterer is an error that knows how long its server asked to wait
// (client packages' own error types implement it).
type RetryAfterer interface {
	RetryAfterDelay() time.Duration
}

// RetryAfterOf is the wait a failure's server asked for, 0 when none.
func RetryAfterOf(err error) time.Duration {
	var ra RetryAfterer
	if errors.As(err, &ra) {
		return ra.RetryAfterDelay()
	}
	return 0
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3). Anything else, or a date in the past,
// gives 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(365*24*3600))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// WithRetryAfter wraps err with the wait resp's Retry-After asks for, when
// the status is 429 or 503 and the header reads; otherwise err is returned
// as it is.
func WithRetryAfter(err error, resp *http.Response, now time.Time) error {
	if err == nil || resp == nil {
		return err
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return err
	}
	if d := ParseRetryAfter(resp.Header.Get("Retry-After"), now); d > 0 {
		return &RetryAfterError{Err: err, After: d}
	}
	return err
}

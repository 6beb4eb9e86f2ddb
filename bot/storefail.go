package bot

import (
	"log/slog"
	"sync"
	"time"
)

// storeFailLogEvery is how often a store that keeps failing is logged: a
// full disk fails every message, and one line a message would bury the
// cause and fill the disk further.
const storeFailLogEvery = time.Minute

// storeHealth tracks whether units of work commit, for the engine, the
// scheduler and the sender alike, and logs a failing store sparingly.
type storeHealth struct {
	obs Observer
	log *slog.Logger

	mu         sync.Mutex
	failing    bool      // the store could not commit the last unit of work
	failLogged time.Time // when a store failure was last logged
}

// failed records that a unit of work could not commit. It counts every
// failure and logs the first and then at most one a minute, saying plainly
// that nothing was lost.
func (h *storeHealth) failed(what string, err error) {
	h.obs.StoreFailed()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failing = true
	now := time.Now() // wall time: this throttles log lines, not bot behaviour
	if !h.failLogged.IsZero() && now.Sub(h.failLogged) < storeFailLogEvery {
		return
	}
	h.failLogged = now
	h.log.Error("the database cannot save changes (disk full, read-only or damaged?); messages are not being marked handled and will be redelivered, nothing is lost; handling resumes by itself when it recovers",
		"while", what, KeyErr, redact(err))
}

// ok notes a successful commit, logging the recovery after failures.
func (h *storeHealth) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing {
		h.failing = false
		h.failLogged = time.Time{}
		h.log.Info("the database saves changes again; handling has resumed")
	}
}

// StoreFailing reports whether the last unit of work failed to commit (for
// readiness checks).
func (e *Engine) StoreFailing() bool {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	return e.health.failing
}

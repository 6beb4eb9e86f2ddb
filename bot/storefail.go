package bot

import "time"

// storeFailLogEvery is how often a store that keeps failing is logged: a
// full disk fails every message, and one line a message would bury the
// cause and fill the disk further.
const storeFailLogEvery = time.Minute

// storeFailed records that a unit of work could not commit. It counts every
// failure and logs the first and then at most one a minute, saying plainly
// that nothing was lost.
func (e *Engine) storeFailed(what string, err error) {
	e.obs.StoreFailed()
	e.failMu.Lock()
	defer e.failMu.Unlock()
	e.failing = true
	now := time.Now() // wall time: this throttles log lines, not bot behaviour
	if !e.failLogged.IsZero() && now.Sub(e.failLogged) < storeFailLogEvery {
		return
	}
	e.failLogged = now
	e.log.Error("the database cannot save changes (disk full, read-only or damaged?); messages are not being marked handled and will be redelivered, nothing is lost; handling resumes by itself when it recovers",
		"while", what, KeyErr, redact(err))
}

// storeOK notes a successful commit, logging the recovery after failures.
func (e *Engine) storeOK() {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	if e.failing {
		e.failing = false
		e.failLogged = time.Time{}
		e.log.Info("the database saves changes again; handling has resumed")
	}
}

// StoreFailing reports whether the last unit of work failed to commit (for
// readiness checks).
func (e *Engine) StoreFailing() bool {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	return e.failing
}

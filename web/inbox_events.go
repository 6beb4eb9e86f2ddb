package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Live updates: an open inbox page listens to /inbox/events (server-sent
// events, through assets/inbox.js). The stream watches the inbox's version
// counter, which its tables' triggers bump on every change, whoever made
// it (a resident, the staff group, another browser), and sends "change"
// with the viewer's unread count; the page then fetches itself again. The
// pages work the same without it, by reloading.

// inboxPoll is how often a stream looks at the version counter, and
// streamFor how long one stream lasts before the browser reconnects (each
// reconnection checks the session and roles again).
var (
	inboxPoll = time.Second
	streamFor = 5 * time.Minute
)

func (s *Server) inboxEvents(w http.ResponseWriter, r *http.Request, v visitor) {
	sc, ok := s.inboxScope(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	rc := http.NewResponseController(w)
	// The server's read timeout would end the stream (and cancel its
	// context) after 30 seconds: a stream only writes.
	_ = rc.SetReadDeadline(time.Time{})
	last, _ := strconv.ParseInt(r.URL.Query().Get("v"), 10, 64)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) bool {
		// Each write gets its own deadline: the server's write timeout
		// is for ordinary pages.
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 3000\n\n") {
		return
	}
	ticks, stop := s.ticker()
	defer stop()
	end := time.After(streamFor)
	quiet := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-end:
			return
		case <-ticks:
		}
		now, err := s.deps.Inbox.Version(ctx)
		if err != nil {
			return // the browser reconnects
		}
		if now == last {
			if quiet++; quiet*int(inboxPoll/time.Millisecond) >= 15000 {
				quiet = 0
				if !send(": still here\n\n") {
					return
				}
			}
			continue
		}
		last = now
		unread, err := s.deps.Inbox.Unread(ctx, sc, v.Person.ID)
		if err != nil {
			return
		}
		if !send("event: change\ndata: {\"version\":%d,\"unread\":%d}\n\n", now, unread) {
			return
		}
	}
}

// ticker gives a stream its ticks: every inboxPoll, unless a test drives
// them.
func (s *Server) ticker() (<-chan time.Time, func()) {
	if s.inboxTicks != nil {
		return s.inboxTicks()
	}
	t := time.NewTicker(inboxPoll)
	return t.C, t.Stop
}

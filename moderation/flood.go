package moderation

import (
	"sync"
	"time"

	"neighbourbot/bot"
)

// Antiflood bounds: a window up to ten minutes and at most a hundred
// messages keep the per-member memory small.
const (
	minFloodMessages = 2
	maxFloodMessages = 100
	maxFloodWindow   = 10 * time.Minute
)

// floodTracker counts each member's recent messages per group in memory: a
// sliding time window, so "more than N messages within T" means exactly
// that whether or not others spoke in between. Nothing here touches the
// database; a restart forgets the counts, which only means a flood in
// progress starts counting afresh.
type floodTracker struct {
	mu     sync.Mutex
	groups map[bot.ChatID]map[int64]*floodWindow
	seen   int // messages since the last sweep of idle members
}

// floodWindow holds a member's message times (unix ms) in a ring.
type floodWindow struct {
	times []int64
	head  int // index of the oldest
	n     int
	last  int64
}

func newFloodTracker() *floodTracker {
	return &floodTracker{groups: map[bot.ChatID]map[int64]*floodWindow{}}
}

// hit records a message at now and reports whether the member has now sent
// more than limit messages within window. A breach resets the member's
// count, so one burst earns one action rather than one per message.
func (t *floodTracker) hit(chat bot.ChatID, person int64, now time.Time, limit int, window time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	members := t.groups[chat]
	if members == nil {
		members = map[int64]*floodWindow{}
		t.groups[chat] = members
	}
	at := now.UnixMilli()
	t.seen++
	if t.seen >= 4096 {
		t.sweep(at)
	}
	w := members[person]
	if w == nil || len(w.times) != limit+1 {
		w = &floodWindow{times: make([]int64, limit+1)}
		members[person] = w
	}
	w.last = at
	from := at - window.Milliseconds()
	for w.n > 0 && w.times[w.head] <= from {
		w.head = (w.head + 1) % len(w.times)
		w.n--
	}
	w.times[(w.head+w.n)%len(w.times)] = at
	w.n++
	if w.n > limit {
		w.n, w.head = 0, 0
		return true
	}
	return false
}

// sweep drops members idle for longer than the longest window allowed.
func (t *floodTracker) sweep(at int64) {
	t.seen = 0
	idle := at - maxFloodWindow.Milliseconds()
	for chat, members := range t.groups {
		for p, w := range members {
			if w.last <= idle {
				delete(members, p)
			}
		}
		if len(members) == 0 {
			delete(t.groups, chat)
		}
	}
}

// forgetMember drops a member's counts in one group (they left).
func (t *floodTracker) forgetMember(chat bot.ChatID, person int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.groups[chat], person)
}

// forgetPerson drops a person's counts everywhere (personal-data erasure).
func (t *floodTracker) forgetPerson(person int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, members := range t.groups {
		delete(members, person)
	}
}

// resetGroup clears a group's counts (its antiflood settings changed).
func (t *floodTracker) resetGroup(chat bot.ChatID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.groups, chat)
}

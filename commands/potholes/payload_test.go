package potholes

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Every job the feature books names reports, chats and people by id, with
// times; none holds a description, a name or the council's words, so
// nothing of the kind outlives a !forgetme or a purge in the jobs table.
func TestJobPayloadsHoldOnlyIDs(t *testing.T) {
	fc := newFakeCouncil(t)
	b := newOfflineBot(t, councilConfig(fc))
	b.run(councilSetup + `Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Alice: !pothole P1 send
Bob: !fixed P1
Carol [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep hole
`)
	kinds := map[string]bool{}
	checkJobPayloads(t, b, kinds)
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_scheduled.json"} })
	b.setOffline(true)
	b.run("@advance 6h\n") // the council update waits for WhatsApp, in the send queue
	checkJobPayloads(t, b, kinds)
	for _, k := range []string{jobPoll, jobClaimLapse, jobFixedCheck, jobHeldAttempt} {
		if !kinds[k] {
			t.Errorf("no %s job booked; the test no longer covers it", k)
		}
	}
	// Written again from the report when it goes.
	b.setOffline(false)
	out := b.run("@advance 1m\n")
	if !strings.Contains(out, "Council update on P1: Action scheduled: resurfacing crew booked. Expected by 14 March.") {
		t.Errorf("held council update not posted as written:\n%s", out)
	}
	if n := strings.Count(out, "Council update on P1"); n != 1 {
		t.Errorf("council update posted %d times", n)
	}
}

// checkJobPayloads fails the test for a potholes job payload holding
// anything but ids and times, and adds the kinds it saw to kinds.
func checkJobPayloads(t *testing.T, b *offlineBot, kinds map[string]bool) {
	t.Helper()
	allowed := map[string]bool{"report": true, "since": true, "wait": true, "what": true,
		"claimed_at": true, "chat": true, "person": true, "held_at": true, "forget": true}
	rows, err := b.store.Raw().Query(`SELECT kind, payload FROM jobs WHERE kind LIKE 'potholes.%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, payload string
		if err := rows.Scan(&kind, &payload); err != nil {
			t.Fatal(err)
		}
		kinds[kind] = true
		var fields map[string]any
		if err := json.Unmarshal([]byte(payload), &fields); err != nil {
			t.Fatalf("%s payload %s: %v", kind, payload, err)
		}
		for k := range fields {
			if !allowed[k] {
				t.Errorf("%s payload has %q: %s", kind, k, payload)
			}
		}
		for _, text := range []string{"Elm", "Alice", "Bob", "Carol", "City will inspect", "resurfacing", "Council update"} {
			if strings.Contains(payload, text) {
				t.Errorf("%s payload holds %q: %s", kind, text, payload)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// A held post booked by an older version, with the chat and text in its
// payload, is dropped rather than posted.
func TestOldHeldPostDropped(t *testing.T) {
	fc := newFakeCouncil(t)
	b := newOfflineBot(t, councilConfig(fc))
	b.run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	groups, err := b.store.EnabledGroups(context.Background())
	if err != nil || len(groups) != 1 {
		t.Fatalf("groups %v, %v", groups, err)
	}
	old := map[string]any{"chat": groups[0].Chat, "text": "Council update on P1: from an older version"}
	if err := b.e.Kit("test").Jobs.Schedule(context.Background(), jobHeldPost, "", b.e.Kit("test").Clock.Now().Add(time.Minute), old); err != nil {
		t.Fatal(err)
	}
	if out := b.run("@advance 2m\n"); strings.Contains(out, "older version") {
		t.Errorf("old held text posted:\n%s", out)
	}
	var n int
	if err := b.store.Raw().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = ?`, jobHeldPost).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d held posts left", n)
	}
}

// A send result held over quiet hours by an older version carried the
// council's notice; the morning line takes it from the history instead.
func TestOldSendNewsPayloadUsesHistory(t *testing.T) {
	fc := newFakeCouncil(t)
	h := quietCouncilHarness(t, councilConfig(fc))
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n@advance 13h\nAlice: !pothole P1 send\n")
	at := h.Clock.Now().Add(10 * time.Hour)
	old := map[string]any{"report": 1, "notice": "stale notice from an older version"}
	if err := h.Kit("test").Jobs.Schedule(context.Background(), jobSendNews, sendNewsKey(1), at, old); err != nil {
		t.Fatal(err)
	}
	out := h.Run("@advance 11h\n")
	if strings.Contains(out, "stale notice") {
		t.Errorf("old payload's notice posted:\n%s", out)
	}
	if !strings.Contains(out, "The council says: The City will inspect") {
		t.Errorf("notice from the history missing:\n%s", out)
	}
}

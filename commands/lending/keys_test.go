package lending

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/sqlite"
)

// wantJobKeys lists the keys of pending request-expiry jobs.
func wantJobKeys(t *testing.T, h *bottest.Harness) []string {
	t.Helper()
	rows, err := h.Store.Raw().Query(`SELECT key FROM jobs WHERE kind = ? ORDER BY key`, jobWantExpire)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

// TestAnsweringRequestOneKeepsRequestTen answers request 1 and checks the
// expiry job of request 10 survives: "lending:want:1" was a prefix of
// "lending:want:10".
func TestAnsweringRequestOneKeepsRequestTen(t *testing.T) {
	h := bottest.New(t, testOptions())
	script := "@admin Alice\nAlice: !bot on\ndm Bob: hi\n"
	for _, item := range []string{"ladder", "drill", "saw", "hammer", "spade", "rake", "tent", "kayak", "sander", "wheelbarrow"} {
		script += "Bob: !borrow " + item + "\n"
	}
	h.Run(script)
	var ids []int64
	rows, err := h.Store.Raw().Query(`SELECT id FROM lending_wants WHERE id IN (1, 10) ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if !reflect.DeepEqual(ids, []int64{1, 10}) {
		t.Fatalf("want requests 1 and 10 to exist, got %v", ids)
	}
	h.Expect("Alice: !lend ladder\n", "1 neighbour who asked for one will hear from me privately")
	keys := wantJobKeys(t, h)
	if len(keys) != 9 || keys[0] != "lending:want:10:" {
		t.Errorf("after answering request 1 the other 9 expiry jobs should remain, from lending:want:10:; got %q", keys)
	}
	// Request 10 still expires on time and is forgotten then.
	h.Run("@advance 15d\n")
	var n int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM lending_wants`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d requests left after they expired (%v)", n, err)
	}
}

// TestOldRequestKeysGetTheirSeparator checks the migration gives expiry
// jobs planned before the key change the trailing colon.
func TestOldRequestKeysGetTheirSeparator(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/bot.db"
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"lending:want:1", "lending:want:10"} {
		if _, err := st.ScheduleJob(ctx, bot.Job{Kind: jobWantExpire, Key: key, RunAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ScheduleJob(ctx, bot.Job{Kind: jobRemind, Key: "lending:loan:1:remind:due0", RunAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = sqlite.Open(ctx, path, Migrations())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.Raw().Query(`SELECT key FROM jobs ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	want := []string{"lending:loan:1:remind:due0", "lending:want:10:", "lending:want:1:"} // ORDER BY key: "0" sorts before ":"
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Errorf("keys after migration = %q, want %q", keys, want)
	}
}

// TestMergeMovesHeldMessages: a held message names its recipient by id in
// the job's payload; when two records of one person merge, it follows.
func TestMergeMovesHeldMessages(t *testing.T) {
	h := bottest.New(t, testOptions())
	ctx := context.Background()
	now := h.Clock.Now()
	lid, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Name: "Bob"}, now)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "447700900123@s.whatsapp.net", Name: "Bob"}, now)
	if err != nil {
		t.Fatal(err)
	}
	from, into := max(lid.ID, pn.ID), min(lid.ID, pn.ID)
	if err := h.Kit("test").Jobs.Schedule(ctx, jobNotice, "lending:test:notice", now.Add(time.Hour), noticePayload{Person: from, Text: "your ladder is back"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Alt: "447700900123@s.whatsapp.net"}, now); err != nil {
		t.Fatal(err)
	}
	var payload string
	if err := h.Store.Raw().QueryRow(`SELECT CAST(payload AS TEXT) FROM jobs WHERE key = 'lending:test:notice'`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var p noticePayload
	if err := json.Unmarshal([]byte(payload), &p); err != nil || p.Person != into || p.Text != "your ladder is back" {
		t.Errorf("payload after merge = %s (%v), want person %d", payload, err, into)
	}
}

package notices

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

const pollNotice = `@notice {"id":"20mph-1","title":"Should Longden Road be 20 mph?","topics":["roads"],"poll":{"question":"20 mph limit?","options":["Yes","No"],"closes":"2026-01-06T09:00:00Z"}}`

// callbackServer is the council's receiving end: it checks each POST's
// signature and answers with the next status in line (200 when none
// are left), or hangs when the status is 0.
type callbackServer struct {
	mu       sync.Mutex
	statuses []int
	bodies   [][]byte
	verified []bool
	delivery []string
}

func (c *callbackServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	c.mu.Lock()
	c.bodies = append(c.bodies, body)
	c.verified = append(c.verified, VerifySignature("council-shared-secret-42", body, req.Header.Get(SignatureHeader)))
	c.delivery = append(c.delivery, req.Header.Get(DeliveryHeader))
	status := 200
	if len(c.statuses) > 0 {
		status, c.statuses = c.statuses[0], c.statuses[1:]
	}
	c.mu.Unlock()
	if status == 0 {
		<-req.Context().Done() // hangs until the bot gives up
		return
	}
	w.WriteHeader(status)
}

func (c *callbackServer) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bodies)
}

// TestPollResultsCallback: at close the results go to results_url signed
// with the shared secret; a 500 and a hanging answer are retried by the
// persisted job, with the same delivery id, until the council's side says
// 200; then nothing is sent again.
func TestPollResultsCallback(t *testing.T) {
	cb := &callbackServer{statuses: []int{500, 0}}
	srv := httptest.NewServer(cb)
	defer srv.Close()
	cfg := testConfig()
	cfg.ResultsURL = srv.URL + "/results"
	cfg.ResultsSecret = "council-shared-secret-42"
	cfg.ResultsTimeout.UnmarshalText([]byte("1s"))
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n" +
		"@group hill Castle Hill\n@admin Hana\nHana: !bot on\nHana: !notices on\nHana: !area SY1 2\n" +
		pollNotice + "\n@group street\nBob [vote Yes]\nCarol: !vote 2\n@group hill\nHana [vote Yes]\n")
	h.Run("@advance 24h\n")
	if cb.calls() != 1 {
		t.Fatalf("%d POSTs at close, want 1", cb.calls())
	}
	h.Run("@advance 1m\n") // the retry after the 500 hangs and times out
	if cb.calls() != 2 {
		t.Fatalf("%d POSTs after the first retry, want 2", cb.calls())
	}
	h.Run("@advance 2m\n")
	if cb.calls() != 3 {
		t.Fatalf("%d POSTs after the second retry, want 3", cb.calls())
	}
	h.Run("@advance 3h\n")
	if cb.calls() != 3 {
		t.Fatalf("%d POSTs after success, want no more than 3", cb.calls())
	}
	for i, ok := range cb.verified {
		if !ok {
			t.Errorf("POST %d: signature does not verify", i+1)
		}
		if cb.delivery[i] != "poll-1" {
			t.Errorf("POST %d: delivery id %q, want poll-1 every time", i+1, cb.delivery[i])
		}
	}
	if !bytes.Equal(cb.bodies[0], cb.bodies[2]) {
		t.Errorf("the retried body differs from the first:\n%s\n%s", cb.bodies[0], cb.bodies[2])
	}
	var got PollResults
	if err := json.Unmarshal(cb.bodies[2], &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 3 || got.Counts[0] != 2 || got.Counts[1] != 1 || len(got.Groups) != 2 || got.GroupsReached != 2 {
		t.Errorf("results body: %+v", got)
	}
	for _, g := range got.Groups {
		if g.Name == "Elm Road" && (g.Total != 2 || g.Area != "SY3 7") {
			t.Errorf("Elm Road counts: %+v", g)
		}
	}
	// A tampered body does not verify.
	if VerifySignature(cfg.ResultsSecret, append(cb.bodies[2], ' '), Sign(cfg.ResultsSecret, cb.bodies[2])) {
		t.Error("a changed body verified")
	}
	var state string
	var attempts int
	if err := h.Store.Raw().QueryRow(`SELECT state, attempts FROM notice_results_posts WHERE notice_id = 1`).Scan(&state, &attempts); err != nil {
		t.Fatal(err)
	}
	if state != "sent" || attempts != 3 {
		t.Errorf("results post %s after %d attempts, want sent after 3", state, attempts)
	}
	var votes int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_poll_votes`).Scan(&votes); err != nil || votes != 0 {
		t.Errorf("%d individual votes kept after close (%v), want none", votes, err)
	}
	var csvOut strings.Builder
	res, err := r.Results(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteResults(&csvOut, res, "csv", time.UTC); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"notice,level,name,area,option,votes\n",
		"1,total,all,,Yes,2\n1,total,all,,No,1\n",
		"1,group,Castle Hill,SY1 2,Yes,1\n",
		"1,group,Elm Road,SY3 7,Yes,1\n1,group,Elm Road,SY3 7,No,1\n",
		"1,area,SY3 7,,Yes,1\n",
	} {
		if !strings.Contains(csvOut.String(), want) {
			t.Errorf("results CSV lacks %q:\n%s", want, csvOut.String())
		}
	}
}

func TestPollBadInput(t *testing.T) {
	h := bottest.New(t, harnessOptions(testConfig(), nil))
	opts := func(n int) string {
		var o []string
		for i := 0; i < n; i++ {
			o = append(o, `"option `+string(rune('A'+i))+`"`)
		}
		return strings.Join(o, ",")
	}
	tests := []struct{ poll, want string }{
		{`{"question":"Q?","options":[` + opts(1) + `],"closes":"2026-01-09T17:00:00Z"}`, "poll.options: must have 2 to 12 options, not 1"},
		{`{"question":"Q?","options":[` + opts(13) + `],"closes":"2026-01-09T17:00:00Z"}`, "poll.options: must have 2 to 12 options, not 13"},
		{`{"question":"Q?","options":["Yes","yes "],"closes":"2026-01-09T17:00:00Z"}`, `poll.options[1]: "yes" repeats poll.options[0]`},
		{`{"question":"Q?","options":["Yes",""],"closes":"2026-01-09T17:00:00Z"}`, "poll.options[1]: must not be empty"},
		{`{"question":"Q?","options":["Yes","No"],"closes":"2026-01-01T17:00:00Z"}`, "poll.closes: is in the past"},
		{`{"question":"Q?","options":["Yes","No"],"closes":"2027-01-01T17:00:00Z"}`, "poll.closes: is more than 90 days"},
		{`{"question":"Q?","options":["Yes","No"]}`, "poll.closes: required"},
		{`{"question":"","options":["Yes","No"],"closes":"2026-01-09T17:00:00Z"}`, "poll.question: required"},
		{`{"question":"Q?","options":["Yes","No"],"multiple":"yes","closes":"2026-01-09T17:00:00Z"}`, "poll.multiple: must be bool"},
		{`{"question":"Q?","options":"Yes","closes":"2026-01-09T17:00:00Z"}`, "poll.options: must be an array of strings"},
		{`{"question":"Q?","options":["Yes","No"],"closes":"2026-01-09T17:00:00Z","colour":1}`, "unknown field"},
		{`{"question":"` + strings.Repeat("é", 300) + `","options":["Yes","No"],"closes":"2026-01-09T17:00:00Z"}`, "poll.question: longer than 255"},
	}
	for i, tc := range tests {
		out := h.Run(`@notice {"id":"p-` + string(rune('a'+i)) + `","title":"Poll","poll":` + tc.poll + "}\n")
		if !strings.Contains(out, tc.want) {
			t.Errorf("poll %s: want %q in\n%s", tc.poll, tc.want, out)
		}
	}
	if n := countNotices(t, h); n != 0 {
		t.Errorf("%d notices stored from bad polls", n)
	}
	out := h.Run(`@notice {"id":"p-0","title":"Poll"}` + "\n" +
		`@notice {"id":"p-1","title":"Poll","msg_type":"update","references":"p-0","poll":{"question":"Q?","options":["Yes","No"],"closes":"2026-01-09T17:00:00Z"}}` + "\n")
	if !strings.Contains(out, "poll: only a new notice") {
		t.Errorf("an update with a poll should be refused:\n%s", out)
	}
}

// TestMultipleAnswerResults: ticks per option and voters are counted
// apart, while open and after close, and the poll is sent as one that
// allows several answers.
func TestMultipleAnswerResults(t *testing.T) {
	var r *Feature
	h := bottest.New(t, harnessOptions(testConfig(), &r))
	out := h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\n" +
		`@notice {"id":"m-1","title":"Days","topics":["events"],"poll":{"question":"Which days?","options":["Sat","Sun"],"multiple":true,"closes":"2026-01-06T09:00:00Z"}}` + "\n" +
		"Bob [vote Sat, Sun]\nCarol: !vote 2\nDave: !vote 1 2\n")
	if !strings.Contains(out, "bot poll (several answers): Which days? | Sat | Sun") {
		t.Fatalf("the poll was not sent as multiple-answer:\n%s", out)
	}
	ctx := context.Background()
	check := func(when string) {
		t.Helper()
		res, err := r.Results(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Multiple || res.Voters != 3 || res.Total != 5 || res.Counts[0] != 2 || res.Counts[1] != 3 || len(res.Groups) != 1 || res.Groups[0].Voters != 3 {
			t.Errorf("%s: results %+v", when, res)
		}
	}
	check("open")
	h.Run("@advance 1d\n")
	check("closed")
}

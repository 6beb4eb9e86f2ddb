package notices

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWebhookLoad sends 2,000 concurrent 60 KB notices over loopback with
// the right token; the client retries each 503 after the Retry-After it
// was given, as a council's system would. Every notice is stored once,
// and the process's peak resident memory (VmHWM, client included) stays
// under 150 MB. It takes a while, so it runs when NEIGHBOURBOT_LOAD_TEST
// is set (CI sets it).
func TestWebhookLoad(t *testing.T) {
	if os.Getenv("NEIGHBOURBOT_LOAD_TEST") == "" {
		t.Skip("set NEIGHBOURBOT_LOAD_TEST=1 to run the webhook load test")
	}
	const clients, size = 2000, 60 << 10
	h, _, srv := webhookHarness(t, testConfig())
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	var wg sync.WaitGroup
	var busy, failed atomic.Int64
	// The padding is one slice shared by every client, so the client's
	// own memory does not swamp what is measured.
	pad := bytes.Repeat([]byte(" "), size)
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			notice := fmt.Sprintf(`{"id":"load-%d","title":"Road closed %d","topics":["roads"],"areas":["SY3"]`, i, i)
			// Padded with JSON whitespace to a large, valid body.
			padding := pad[:size-len(notice)-1]
			for {
				body := io.MultiReader(strings.NewReader(notice), bytes.NewReader(padding), strings.NewReader("}"))
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/notices", body)
				req.ContentLength = int64(size)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+testToken)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusAccepted, http.StatusOK:
					return
				case http.StatusServiceUnavailable:
					busy.Add(1)
					after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
					time.Sleep(time.Duration(max(after, 1)) * time.Second)
				default:
					t.Errorf("notice %d: %d", i, resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := countNotices(t, h); n != clients {
		t.Errorf("%d notices stored, want %d, each once", n, clients)
	}
	var distinct int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(DISTINCT identifier) FROM notices`).Scan(&distinct); err != nil || distinct != clients {
		t.Errorf("%d distinct notices (%v), want %d", distinct, err, clients)
	}
	peak := peakRSS(t)
	t.Logf("%d clients × %d KB: %v, %d answered 503 and retried, %d connection errors, peak RSS %d MB", clients, size>>10, elapsed.Round(time.Millisecond), busy.Load(), failed.Load(), peak>>20)
	if peak > 150<<20 {
		t.Errorf("peak RSS %d MB, want under 150 MB", peak>>20)
	}
}

// peakRSS is the process's peak resident set (VmHWM) in bytes.
func peakRSS(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status here")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	t.Skip("no VmHWM in /proc/self/status")
	return 0
}

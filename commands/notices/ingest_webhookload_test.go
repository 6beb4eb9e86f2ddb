package notices

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWebhookLoad sends 2,000 concurrent 60 KB notices over loopback with
// the right token to the webhook running in a process of its own (this
// test binary again, as TestWebhookLoadServer), so that what is measured
// is the bot's side alone; the client retries each 503 after the
// Retry-After it was given, as a council's system would. Every notice is
// stored once, and the server's peak resident memory (VmHWM) stays under
// 150 MB. It takes a while, so it runs when NEIGHBOURBOT_TEST_LOAD is set
// (CI sets it).
func TestWebhookLoad(t *testing.T) {
	if os.Getenv("NEIGHBOURBOT_TEST_LOAD") == "" || os.Getenv("NEIGHBOURBOT_TEST_LOAD_SERVER") != "" {
		t.Skip("set NEIGHBOURBOT_TEST_LOAD=1 to run the webhook load test")
	}
	const clients, size = 2000, 60 << 10
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWebhookLoadServer$", "-test.v")
	cmd.Env = append(os.Environ(), "NEIGHBOURBOT_TEST_LOAD_SERVER=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	url := ""
	for url == "" && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "LOAD-URL "); ok {
			url = v
		}
	}
	if url == "" {
		t.Fatal("the server did not start")
	}

	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	var wg sync.WaitGroup
	var busy atomic.Int64
	pad := bytes.Repeat([]byte(" "), size) // shared by every client
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			notice := fmt.Sprintf(`{"id":"load-%d","title":"Road closed %d","topics":["roads"],"areas":["SY3"]`, i, i)
			for {
				// Padded with JSON whitespace to a large, valid body.
				body := io.MultiReader(strings.NewReader(notice), bytes.NewReader(pad[:size-len(notice)-1]), strings.NewReader("}"))
				req, _ := http.NewRequest(http.MethodPost, url+"/notices", body)
				req.ContentLength = size
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+testToken)
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("notice %d: %v", i, err)
					return
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
	stdin.Close() // the server reports and stops
	var stored, distinct, peak int64 = -1, -1, -1
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "LOAD-RESULT "); ok {
			fmt.Sscanf(v, "%d %d %d", &stored, &distinct, &peak)
		}
	}
	cmd.Wait()
	t.Logf("%d clients × %d KB: %v, %d answered 503 and retried; server: %d stored, %d distinct, peak RSS %d MB",
		clients, size>>10, elapsed.Round(time.Millisecond), busy.Load(), stored, distinct, peak>>20)
	if stored != clients || distinct != clients {
		t.Errorf("%d notices stored, %d distinct, want %d each once", stored, distinct, clients)
	}
	if peak < 0 || peak > 150<<20 {
		t.Errorf("server's peak RSS %d MB, want under 150 MB", peak>>20)
	}
}

// TestWebhookLoadServer is the server side of TestWebhookLoad: it serves
// the webhook on loopback until its stdin closes, then reports.
func TestWebhookLoadServer(t *testing.T) {
	if os.Getenv("NEIGHBOURBOT_TEST_LOAD_SERVER") == "" {
		t.Skip("the server side of TestWebhookLoad")
	}
	h, _, srv := webhookHarness(t, testConfig())
	fmt.Printf("LOAD-URL %s\n", srv.URL)
	io.Copy(io.Discard, os.Stdin)
	var distinct int64
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(DISTINCT identifier) FROM notices`).Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("LOAD-RESULT %d %d %d\n", countNotices(t, h), distinct, peakRSS(t))
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

package open311

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// answer is a transport that answers every request with one status and
// body, so the client's whole reading of an answer is fuzzed without a
// network in the way.
type answer struct {
	status int
	body   []byte
}

func (a answer) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(a.body)), Request: req}, nil
}

// FuzzAnswers: whatever a council's server answers to any call, in JSON,
// XML or neither, is read or turned into an *Error — never a panic.
func FuzzAnswers(f *testing.F) {
	files, _ := filepath.Glob("../testdata/open311/*")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(uint8(0), uint16(200), b)
		}
	}
	for _, s := range []string{`[{"code":400,"description":"bad"}]`, `<errors><error><code>403</code><description>no</description></error></errors>`, `<html>down</html>`, `[{"service_request_id":1}]`, `{"service_code":"POT","attributes":null}`} {
		f.Add(uint8(1), uint16(200), []byte(s))
		f.Add(uint8(2), uint16(503), []byte(s))
	}
	f.Fuzz(func(t *testing.T, op uint8, status uint16, body []byte) {
		code := int(status%500) + 100
		c := &Client{BaseURL: "https://council.example/open311/v2/", APIKey: "k", HTTP: &http.Client{Transport: answer{status: code, body: body}}}
		var err error
		ctx := t.Context()
		switch op % 5 {
		case 0:
			_, err = c.Requests(ctx, "1")
		case 1:
			_, err = c.Services(ctx)
		case 2:
			_, err = c.Definition(ctx, "POT")
		case 3:
			_, err = c.Create(ctx, Request{ServiceCode: "POT", Description: "hole", Lat: 52.7, Long: -2.7, HasLocation: true})
		case 4:
			_, err = c.Token(ctx, "t")
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("not an *Error: %v", err)
		}
	})
}

// TestHostileAnswersStaySmall: answers inside the 1 MB read limit built to
// make the decoder allocate far more than their size are refused as
// unreadable, and reading them allocates less than 50 MB.
func TestHostileAnswersStaySmall(t *testing.T) {
	const limit = maxBody
	shapes := map[string]string{
		"json values":  "[" + strings.Repeat("{},", (limit-8)/3) + "{}]",
		"json strings": `[{"status_notes":"` + strings.Repeat("x", limit-64) + `"}]`,
		"xml elements": "<service_requests>" + strings.Repeat("<request/>", (limit-64)/10) + "</service_requests>",
		"xml deep":     strings.Repeat("<a>", (limit-8)/3),
	}
	for name, body := range shapes {
		t.Run(name, func(t *testing.T) {
			c := &Client{BaseURL: "https://council.example/open311/v2/", HTTP: &http.Client{Transport: answer{status: 200, body: []byte(body)}}}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := c.Requests(t.Context(), "1")
			runtime.ReadMemStats(&after)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
				t.Errorf("reading allocated %d MB, want under 50 MB", alloc>>20)
			} else {
				t.Logf("%d-byte answer: %.1f MB allocated (%v)", len(body), float64(alloc)/(1<<20), err)
			}
		})
	}
}

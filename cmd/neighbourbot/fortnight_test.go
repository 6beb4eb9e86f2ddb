package main

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"neighbourbot/bot/bottest"
)

// TestConsoleCouncilFortnight runs a council's fortnight through the
// console as staff and residents would live it: notices from three
// services with their own approvers, a two-person emergency, a by-election
// period, a snap poll and a consultation, the inbox with desks, office
// hours and a closed day, faults to the council by Open311 and by email, a
// council RSS feed and a CAP alert. Local servers play the council's
// Open311 endpoint, feed and alerts, postcodes.io and GOV.UK's bank
// holidays; a real SMTP server takes the emailed report. The golden file
// is the transcript, then what the council's systems received.
func TestConsoleCouncilFortnight(t *testing.T) {
	council := newFortnightCouncil(t)
	mails := newFortnightMail(t)
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/fortnight/config.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("SERVER", council.srv.URL, "SMTP_PORT", strconv.Itoa(mails.port)).Replace(string(raw))
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("testdata/fortnight/fortnight.script")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runConsoleScript(t, filepath.Join(dir, "data"), string(script), "-config", cfgPath)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var b strings.Builder
	b.WriteString(out)
	b.WriteString("\n# What the council's Open311 server received:\n")
	for i, form := range council.sent() {
		keys := make([]string, 0, len(form))
		for k := range form {
			if k != "api_key" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "POST requests.json #%d\n", i+1)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s = %q\n", k, strings.Join(form[k], " | "))
		}
	}
	b.WriteString("\n# What the council's mail server received:\n")
	for _, m := range mails.got() {
		b.WriteString(m)
	}
	bottest.CompareGolden(t, "testdata/fortnight/fortnight.golden", b.String())
	if strings.Contains(b.String(), "07700") || strings.Contains(b.String(), "+44") {
		t.Error("a phone number shows in the fortnight")
	}
}

// fortnightCouncil is the council's side over HTTP: Open311 (the status
// of the one request moves on with each check: open, open with a note,
// fixed), the gritting feed, a CAP flood alert, postcodes.io and the bank
// holidays, all from the packages' fixtures.
type fortnightCouncil struct {
	srv     *httptest.Server
	mu      sync.Mutex
	creates []map[string][]string
	polls   int
}

func newFortnightCouncil(t *testing.T) *fortnightCouncil {
	c := &fortnightCouncil{}
	files := map[string]string{
		"/feeds/gritting.rss":       "../../commands/notices/feeds/testdata/gritting.rss",
		"/cap/flood.xml":            "../../commands/notices/sources/testdata/shrewsbury_flood_cap.xml",
		"/outcodes/SY3":             "../../commands/notices/sources/testdata/postcodes_outcode_sy3.json",
		"/bank-holidays.json":       "../../commands/inbox/testdata/bank-holidays.json",
		"/open311/v2/services.json": "../../commands/potholes/testdata/open311/services_elm.json",
	}
	polls := []string{"requests_open.json", "requests_open_notes.json", "requests_open_notes.json", "requests_fixed.json"}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		file := files[r.URL.Path]
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/open311/v2/requests.json":
			if err := r.ParseForm(); err != nil {
				t.Errorf("parse form: %v", err)
			}
			c.creates = append(c.creates, r.PostForm)
			w.WriteHeader(http.StatusCreated)
			file = "../../commands/potholes/testdata/open311/create_ok.json"
		case r.Method == http.MethodGet && r.URL.Path == "/open311/v2/requests.json":
			file = "../../commands/potholes/testdata/open311/" + polls[min(c.polls, len(polls)-1)]
			c.polls++
		}
		data, err := os.ReadFile(file)
		if file == "" || err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *fortnightCouncil) sent() []map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string][]string(nil), c.creates...)
}

// fortnightMail is a real SMTP server on the loopback address keeping
// each message's recipients, subject and text.
type fortnightMail struct {
	port int
	mu   sync.Mutex
	msgs []string
}

func newFortnightMail(t *testing.T) *fortnightMail {
	m := &fortnightMail{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &fortnightSession{m: m}, nil }))
	s.Domain = "mail.test"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.port = l.Addr().(*net.TCPAddr).Port
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return m
}

func (m *fortnightMail) got() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.msgs...)
}

type fortnightSession struct {
	m  *fortnightMail
	to []string
}

func (s *fortnightSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *fortnightSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *fortnightSession) Reset()        { s.to = nil }
func (s *fortnightSession) Logout() error { return nil }

// Data keeps the message as the council would read it: to, subject and the
// text part (attachments and transport headers left out).
func (s *fortnightSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return err
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	var text io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		text = quotedprintable.NewReader(msg.Body)
	}
	body, _ := io.ReadAll(text)
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.msgs = append(s.m.msgs, fmt.Sprintf("To: %s\nSubject: %s\nContent-Type: %s\n\n%s\n", strings.Join(s.to, ", "), subject,
		msg.Header.Get("Content-Type"), strings.ReplaceAll(string(body), "\r\n", "\n")))
	return nil
}

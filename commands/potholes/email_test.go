package potholes

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// testCert makes a self-signed certificate for 127.0.0.1 and localhost,
// and the client configuration that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// delivery is one message a test mail server accepted (or, for a dropped
// attempt, read and then dropped).
type delivery struct {
	from string
	to   []string
	data []byte
	tls  bool
}

// mailServer is a real SMTP server on loopback (go-smtp), with switches
// for the ways a server misbehaves.
type mailServer struct {
	t    *testing.T
	srv  *smtp.Server
	host string
	port int

	mu        sync.Mutex
	user      string // required login, "" for none
	pass      string
	delivered []delivery
	dropped   []delivery
	// dropInData drops this many connections after reading the message,
	// before answering it.
	dropInData int
	// dropAfterAccept closes the connection just after accepting a
	// message, before the client's RSET and QUIT.
	dropAfterAccept bool
	rejectRcpt      bool
	stall           chan struct{} // when set, DATA waits for it to close
	stalling        chan struct{} // when set, told when DATA starts to wait
}

func newMailServer(t *testing.T, serverTLS *tls.Config, implicitTLS bool) *mailServer {
	ms := &mailServer{t: t}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &mailSession{ms: ms, conn: c}, nil
	}))
	s.Domain = "mail.test"
	s.TLSConfig = serverTLS
	s.AllowInsecureAuth = serverTLS == nil
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	if implicitTLS {
		l, err = tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ms.srv = s
	host, port, _ := net.SplitHostPort(l.Addr().String())
	ms.host = host
	ms.port, _ = strconv.Atoi(port)
	go s.Serve(l)
	t.Cleanup(func() {
		ms.mu.Lock()
		if ms.stall != nil {
			select {
			case <-ms.stall:
			default:
				close(ms.stall)
			}
		}
		ms.mu.Unlock()
		s.Close()
	})
	return ms
}

func (ms *mailServer) set(f func(ms *mailServer)) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	f(ms)
}

func (ms *mailServer) got() (delivered, dropped []delivery) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]delivery(nil), ms.delivered...), append([]delivery(nil), ms.dropped...)
}

type mailSession struct {
	ms     *mailServer
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
	accept bool // a message was just accepted
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		s.ms.mu.Lock()
		defer s.ms.mu.Unlock()
		if username != s.ms.user || password != s.ms.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.ms.mu.Lock()
	need := s.ms.user != ""
	s.ms.mu.Unlock()
	if need && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ms.mu.Lock()
	reject := s.ms.rejectRcpt
	s.ms.mu.Unlock()
	if reject {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	d := delivery{from: s.from, to: s.to, data: b, tls: isTLS}
	s.ms.mu.Lock()
	stall, stalling := s.ms.stall, s.ms.stalling
	s.ms.mu.Unlock()
	if stall != nil {
		if stalling != nil {
			stalling <- struct{}{}
		}
		<-stall
		return errors.New("stalled")
	}
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.dropInData > 0 {
		s.ms.dropInData--
		s.ms.dropped = append(s.ms.dropped, d)
		s.conn.Conn().Close()
		return errors.New("dropped")
	}
	s.ms.delivered = append(s.ms.delivered, d)
	s.accept = s.ms.dropAfterAccept
	return nil
}

// Reset runs after every message, once the server has answered it.
func (s *mailSession) Reset() {
	if s.accept {
		s.conn.Conn().Close()
	}
	s.accept = false
	s.from, s.to = "", nil
}

func (s *mailSession) Logout() error { return nil }

// emailConfig sends every category by email through ms over STARTTLS
// with a login; street lights go to their own address.
func emailConfig(ms *mailServer) Config {
	cfg := testConfig()
	cfg.SendMethod = methodEmail
	cfg.Email.Host, cfg.Email.Port, cfg.Email.Security = "127.0.0.1", ms.port, "starttls"
	cfg.Email.Username, cfg.Email.Password = "bot@elmroad.example.org", "s3cret"
	cfg.Email.From = "Elm Road reports <reports@elmroad.example.org>"
	cfg.Email.To = "highways@council.example.gov.uk"
	cfg.Email.CategoryTo = map[string]string{"streetlight": "lighting@council.example.gov.uk"}
	cfg.Email.Timeout = bot.Duration(5 * time.Second)
	cfg.LiaisonName = "Pat van der Berg"
	cfg.LiaisonEmail = "streets@elmroad.example.org"
	ms.set(func(ms *mailServer) { ms.user, ms.pass = "bot@elmroad.example.org", "s3cret" })
	return cfg
}

func emailHarness(t *testing.T, cfg Config, clientTLS *tls.Config) (*bottest.Harness, string) {
	photoDir := filepath.Join(t.TempDir(), "photos")
	opts := harnessOptions(t, cfg, photoDir)
	opts.Register = func(h *bottest.Harness) error {
		return Register(h.Kit(FeatureName), cfg, Deps{PhotoDir: photoDir, Location: time.UTC, MailTLS: clientTLS})
	}
	return bottest.New(t, opts), photoDir
}

// parsedMail is a delivered message taken apart with the standard library.
type parsedMail struct {
	header      mail.Header
	body        string
	attachName  string
	attachType  string
	attachBytes []byte
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	p := parsedMail{header: m.Header}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(decodePart(t, m.Header.Get("Content-Transfer-Encoding"), m.Body))
		p.body = string(b)
		return p
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(decodePart(t, part.Header.Get("Content-Transfer-Encoding"), part))
		if err != nil {
			t.Fatal(err)
		}
		ct := part.Header.Get("Content-Type")
		if name := part.FileName(); name != "" {
			p.attachName, p.attachType, p.attachBytes = name, ct, b
			continue
		}
		if strings.HasPrefix(ct, "text/plain") {
			p.body = string(b)
		}
	}
	return p
}

func decodePart(t *testing.T, enc string, r io.Reader) io.Reader {
	switch strings.ToLower(enc) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

const wantEmailBody = `Dear council,

A resident has reported the following street fault in the WhatsApp group
"Elm Road", and neighbours there believe it needs your attention.

Reference:      P1
Category:       pothole
Description:    outside no. 12 Elm Road, deep

Latitude:       52.706900
Longitude:      -2.754000
Map:            https://www.openstreetmap.org/?mlat=52.706900&mlon=-2.754000#map=18/52.706900/-2.754000

First reported: Monday 5 January 2026, 09:00 UTC
Seen by:        3 neighbours (the reporter and 2 others)
Photo:          attached (P1-photo.jpg)

Group:          Elm Road
Reported by:    a resident of the group
Liaison:        Pat van der Berg <streets@elmroad.example.org> (the group's council liaison)

Replies to this email go to the group's liaison, Pat van der Berg; please quote P1.

-- 
Sent by neighbourbot for the group "Elm Road". Residents' names and phone
numbers are never passed on.
`

// The whole email as the council receives it: headers, the fixed
// Message-ID, the body's layout and the photo attached, over STARTTLS
// with a login; the group hears where it went and the history says so.
func TestEmailReport(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ms := newMailServer(t, serverTLS, false)
	cfg := emailConfig(ms)
	h, photoDir := emailHarness(t, cfg, clientTLS)
	h.Run(councilSetup + `Alice [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Bob: !metoo P1
`)
	h.Expect("Carol: !metoo P1\n", "P1 has been emailed to the council (highways@council.example.gov.uk). Their replies go to Pat van der Berg, the group's liaison; an admin can set its status here (!pothole P1 fixed, say).")
	delivered, _ := ms.got()
	if len(delivered) != 1 {
		t.Fatalf("%d deliveries, want 1", len(delivered))
	}
	d := delivered[0]
	if !d.tls {
		t.Error("delivered without TLS")
	}
	if d.from != "reports@elmroad.example.org" || len(d.to) != 1 || d.to[0] != "highways@council.example.gov.uk" {
		t.Errorf("envelope from %q to %v", d.from, d.to)
	}
	pm := parseMail(t, d.data)
	// The report's creation time is in the Message-ID.
	var created int64
	if err := h.Store.Raw().QueryRow(`SELECT created_at FROM pothole_reports WHERE id = 1`).Scan(&created); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"Subject":    "Pothole report P1: outside no. 12 Elm Road, deep",
		"Message-Id": "<report-1." + strconv.FormatInt(created, 10) + "@elmroad.example.org>",
		"From":       `"Elm Road reports" <reports@elmroad.example.org>`,
		"To":         "<highways@council.example.gov.uk>",
		"Reply-To":   `"Pat van der Berg" <streets@elmroad.example.org>`,
	} {
		got, err := new(mime.WordDecoder).DecodeHeader(pm.header.Get(name))
		if err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
	if date, err := pm.header.Date(); err != nil || !date.Equal(h.Clock.Now().Truncate(time.Second)) {
		t.Errorf("Date = %v (%v), want %v", date, err, h.Clock.Now())
	}
	if pm.body != strings.ReplaceAll(wantEmailBody, "\n", "\r\n") && pm.body != wantEmailBody {
		t.Errorf("body:\n%s\nwant:\n%s", pm.body, wantEmailBody)
	}
	var photo string
	if err := h.Store.Raw().QueryRow(`SELECT file FROM pothole_photos WHERE report_id = 1`).Scan(&photo); err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile(filepath.Join(photoDir, photo))
	if err != nil {
		t.Fatal(err)
	}
	if pm.attachName != "P1-photo.jpg" || !strings.HasPrefix(pm.attachType, "image/jpeg") || !bytes.Equal(stored, pm.attachBytes) {
		t.Errorf("attachment %q (%s, %d bytes; stored photo %d bytes)", pm.attachName, pm.attachType, len(pm.attachBytes), len(stored))
	}
	for _, who := range []string{"Alice", "Bob", "Carol"} {
		if bytes.Contains(d.data, []byte(who)) {
			t.Errorf("the email names %s", who)
		}
	}
	h.Expect("Alice: !pothole P1\n", "P1 · pothole · sent", "Emailed to the council (highways@council.example.gov.uk)", "emailed to highways@council.example.gov.uk, attempt 1")
	// Nothing sends it again: not an admin, not another confirmation, not
	// a rerun of the send job.
	h.Expect("Alice: !pothole P1 send\n", "P1 was already emailed to the council (highways@council.example.gov.uk).")
	h.Expect("Alice: !pothole P1 check\n", "P1 went to the council by email, which doesn't report back by itself")
	h.Run("Dave: !metoo P1\n@advance 3h\n")
	if err := h.Kit("test").Jobs.Schedule(t.Context(), jobSend, sendKey(1, 9), h.Clock.Now(), sendPayload{Report: 1}); err != nil {
		t.Fatal(err)
	}
	h.Run("@advance 1m\n")
	if delivered, _ := ms.got(); len(delivered) != 1 {
		t.Errorf("%d deliveries after more confirmations and a rerun job, want 1", len(delivered))
	}
}

// messageIDs lists the Message-ID of each message.
func messageIDs(t *testing.T, ds []delivery) []string {
	var ids []string
	for _, d := range ds {
		ids = append(ids, parseMail(t, d.data).header.Get("Message-Id"))
	}
	return ids
}

// A connection dropped before the server answered the message is retried
// with the same Message-ID, and the council gets exactly one email.
func TestEmailRetryAfterDroppedConnection(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ms := newMailServer(t, serverTLS, false)
	ms.set(func(ms *mailServer) { ms.dropInData = 1 })
	h, _ := emailHarness(t, emailConfig(ms), clientTLS)
	h.Run(councilSetup + "Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n")
	h.Expect("Alice: !pothole P1 send\n",
		"Sending P1 to the council…",
		"Couldn't send P1 to the council yet: the connection to the mail server broke off before it took the message. I'll keep trying (next at Mon 5 Jan 09:05)")
	delivered, dropped := ms.got()
	if len(delivered) != 0 || len(dropped) != 1 {
		t.Fatalf("after the drop: %d delivered, %d dropped", len(delivered), len(dropped))
	}
	// The group heard it had not gone yet, so it hears when it has.
	h.Expect("@advance 10m\n", "P1 has been emailed to the council (highways@council.example.gov.uk).")
	delivered, dropped = ms.got()
	if len(delivered) != 1 {
		t.Fatalf("%d delivered after the retry, want 1", len(delivered))
	}
	if a, b := messageIDs(t, dropped)[0], messageIDs(t, delivered)[0]; a != b || a == "" {
		t.Errorf("retry Message-ID %q, first attempt %q", b, a)
	}
	h.Expect("Alice: !pothole P1\n", "send failed: attempt 1: the connection to the mail server broke off", "emailed to highways@council.example.gov.uk, attempt 2")
	h.Run("@advance 1d\n")
	if delivered, _ := ms.got(); len(delivered) != 1 {
		t.Errorf("%d delivered a day later, want 1", len(delivered))
	}
}

// A server that accepts the message and then drops the connection (during
// RSET/QUIT) has the report: it counts as sent and is not sent again.
func TestEmailAcceptedThenDropped(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ms := newMailServer(t, serverTLS, false)
	ms.set(func(ms *mailServer) { ms.dropAfterAccept = true })
	h, _ := emailHarness(t, emailConfig(ms), clientTLS)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	h.Expect("Alice: !pothole P1 send\n", "P1 has been emailed to the council (highways@council.example.gov.uk).")
	h.Run("@advance 1d\n")
	if delivered, _ := ms.got(); len(delivered) != 1 {
		t.Errorf("%d delivered, want 1", len(delivered))
	}
	h.Expect("Alice: !pothole P1\n", "emailed to highways@council.example.gov.uk, attempt 1")
}

// Failures that retrying cannot fix are not retried; the report is kept
// and an admin can send it again once the settings are fixed.
func TestEmailRefusals(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(ms *mailServer, cfg *Config)
		want  string
	}{
		{"wrong password", func(ms *mailServer, cfg *Config) { cfg.Email.Password = "wrong" },
			"P1 could not be sent to the council: the mail server refused the login (535). The report is kept here; an admin can try again with !pothole P1 send."},
		{"recipient rejected", func(ms *mailServer, cfg *Config) { ms.rejectRcpt = true },
			"P1 could not be sent to the council: the mail server refused the council's address (550)."},
		{"no STARTTLS", func(ms *mailServer, cfg *Config) {},
			"P1 could not be sent to the council: the mail server does not offer STARTTLS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			serverTLS, clientTLS := testCert(t)
			if tt.name == "no STARTTLS" {
				serverTLS = nil
			}
			ms := newMailServer(t, serverTLS, false)
			cfg := emailConfig(ms)
			ms.set(func(ms *mailServer) { tt.setup(ms, &cfg) })
			h, _ := emailHarness(t, cfg, clientTLS)
			h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
			h.Expect("Alice: !pothole P1 send\n", tt.want)
			h.Run("@advance 1d\n")
			if delivered, _ := ms.got(); len(delivered) != 0 {
				t.Errorf("%d delivered", len(delivered))
			}
			h.Expect("Alice: !pothole P1\n", "P1 · pothole · open", "Not sent:", "send failed: attempt 1:")
			if strings.Contains(h.Log.String(), "s3cret") {
				t.Error("the password is in the log")
			}
		})
	}
}

// A server that takes longer than the timeout: the attempt gives up and is
// retried later, without holding the bot up longer than the timeout.
func TestEmailTimeout(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ms := newMailServer(t, serverTLS, false)
	ms.set(func(ms *mailServer) { ms.stall = make(chan struct{}) })
	cfg := emailConfig(ms)
	cfg.Email.Timeout = bot.Duration(time.Second)
	h, _ := emailHarness(t, cfg, clientTLS)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	start := time.Now()
	h.Expect("Alice: !pothole P1 send\n", "Couldn't send P1 to the council yet: the mail server did not answer in time. I'll keep trying")
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the attempt took %s with a 1s timeout", d)
	}
}

// Implicit TLS (port 465 style), and a plain loopback relay without TLS
// or login; street lights go to their own address.
func TestEmailSecurityModesAndCategoryAddress(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	for _, mode := range []string{"tls", "none"} {
		t.Run(mode, func(t *testing.T) {
			var ms *mailServer
			if mode == "tls" {
				ms = newMailServer(t, serverTLS, true)
			} else {
				ms = newMailServer(t, nil, false)
			}
			cfg := emailConfig(ms)
			cfg.Email.Security = mode
			if mode == "none" {
				cfg.Email.Username, cfg.Email.Password = "", ""
				ms.set(func(ms *mailServer) { ms.user = "" })
			}
			h, _ := emailHarness(t, cfg, clientTLS)
			h.Run(councilSetup + "Alice: !report streetlight out all night outside 3 Ash Close\n")
			h.Expect("Alice: !pothole P1 send\n", "P1 has been emailed to the council (lighting@council.example.gov.uk).")
			delivered, _ := ms.got()
			if len(delivered) != 1 || delivered[0].to[0] != "lighting@council.example.gov.uk" || delivered[0].tls != (mode == "tls") {
				t.Fatalf("delivered %+v", delivered)
			}
			pm := parseMail(t, delivered[0].data)
			if subj, _ := new(mime.WordDecoder).DecodeHeader(pm.header.Get("Subject")); subj != "Streetlight report P1: out all night outside 3 Ash Close" {
				t.Errorf("subject %q", subj)
			}
			if !strings.Contains(pm.body, "Location:       3 Ash Close (as the resident wrote it; no pin was dropped)") || !strings.Contains(pm.body, "Photo:          none") {
				t.Errorf("body:\n%s", pm.body)
			}
			if pm.attachName != "" {
				t.Errorf("attachment %q on a report without a photo", pm.attachName)
			}
		})
	}
}

// A photo over attach_photo_mb is linked instead of attached.
func TestEmailLargePhotoLinked(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ms := newMailServer(t, serverTLS, false)
	cfg := emailConfig(ms)
	cfg.Email.AttachPhotoMB = 0
	cfg.PhotoURLBase = "https://photos.example.org/elm/"
	h, _ := emailHarness(t, cfg, clientTLS)
	h.Run(councilSetup + "Alice [photo]: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	delivered, _ := ms.got()
	if len(delivered) != 1 {
		t.Fatalf("%d delivered", len(delivered))
	}
	pm := parseMail(t, delivered[0].data)
	if pm.attachName != "" || !strings.Contains(pm.body, "Photo:          https://photos.example.org/elm/") {
		t.Errorf("attachment %q, body:\n%s", pm.attachName, pm.body)
	}
}

// One category by email, another by Open311, side by side.
func TestSendMethodPerCategory(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ms := newMailServer(t, serverTLS, false)
	fc := newFakeCouncil(t)
	cfg := emailConfig(ms)
	ccfg := councilConfig(fc)
	cfg.SendMethod = methodOpen311
	cfg.SendMethods = map[string]string{"flytipping": methodEmail}
	cfg.BaseURL, cfg.APIKey, cfg.ServiceCodes = ccfg.BaseURL, ccfg.APIKey, ccfg.ServiceCodes
	h, _ := emailHarness(t, cfg, clientTLS)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !report flytipping mattress dumped by the bins on Oak Lane\n")
	h.Expect("Alice: !pothole P1 send\n", "P1 has gone to the council (their reference 293944)")
	h.Expect("Alice: !pothole P2 send\n", "P2 has been emailed to the council (highways@council.example.gov.uk).")
	if delivered, _ := ms.got(); len(delivered) != 1 || len(fc.sent()) != 1 {
		t.Errorf("%d emails, %d Open311 requests; want 1 each", len(delivered), len(fc.sent()))
	}
}

func TestEmailConfigValidation(t *testing.T) {
	base := func() Config {
		cfg := DefaultConfig()
		cfg.SendMethod = methodEmail
		cfg.Email.Host, cfg.Email.From, cfg.Email.To = "smtp.example.org", "reports@example.org", "highways@council.example.gov.uk"
		return cfg
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"method", func(c *Config) { c.SendMethod = "fax" }, `send_method "fax"`},
		{"category method", func(c *Config) { c.SendMethods = map[string]string{"drain": "pigeon"} }, `send_methods: drain = "pigeon"`},
		{"unknown category", func(c *Config) { c.SendMethods = map[string]string{"graffiti": "email"} }, `send_methods: "graffiti"`},
		{"no host", func(c *Config) { c.Email.Host = "" }, "has no host"},
		{"plain to a remote server", func(c *Config) { c.Email.Security = "none" }, `security "none"`},
		{"odd security", func(c *Config) { c.Email.Security = "ssl" }, `security "ssl"`},
		{"port", func(c *Config) { c.Email.Port = 0 }, "port 0"},
		{"host with port", func(c *Config) { c.Email.Host = "smtp.example.org:587" }, "the port goes in port"},
		{"no from", func(c *Config) { c.Email.From = "" }, "from is required"},
		{"bad to", func(c *Config) { c.Email.To = "highways at council" }, `to "highways at council"`},
		{"no address", func(c *Config) { c.Email.To = "" }, "no address for pothole reports"},
		{"bad category address", func(c *Config) { c.Email.CategoryTo = map[string]string{"drain": "drains@"} }, "category_to: drain"},
		{"timeout", func(c *Config) { c.Email.Timeout = bot.Duration(time.Hour) }, "timeout 1h0m0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.change(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	cfg := base()
	cfg.Email.Host, cfg.Email.Security = "127.0.0.1", "none"
	if err := cfg.Validate(); err != nil {
		t.Errorf("plain to loopback refused: %v", err)
	}
}

func TestEmailPasswordFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(path, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := EmailConfig{PasswordFile: path}
	if err := c.LoadPassword(); err != nil || c.Password != "s3cret" {
		t.Errorf("password %q, %v", c.Password, err)
	}
	c = EmailConfig{PasswordFile: path, Password: "from-env"}
	if err := c.LoadPassword(); err != nil || c.Password != "from-env" {
		t.Errorf("the environment's password was replaced: %q, %v", c.Password, err)
	}
	c = EmailConfig{PasswordFile: filepath.Join(t.TempDir(), "missing")}
	if err := c.LoadPassword(); err == nil {
		t.Error("no error for a missing password file")
	}
}

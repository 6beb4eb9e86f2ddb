package potholes

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"neighbourbot/bot/bottest"
)

// Crash tests: the bot runs in a child process (this test binary, running
// TestEmailCrashChild) and is killed with SIGKILL at a chosen point of the
// SMTP conversation; the same database file is then opened again here.

// crashServer is an SMTP server that, at the chosen point, tells the
// parent and waits for the child to die.
type crashServer struct {
	mu        sync.Mutex
	delivered []delivery
	// killAt is "data" (the message has been read, no answer given) or
	// "accepted" (the message was answered 250, the client's RSET is
	// held); "" never stops.
	killAt  string
	point   chan struct{}
	release chan struct{} // closed when the test ends: held sessions return
	port    int
}

type crashSession struct {
	s        *crashServer
	from     string
	to       []string
	accepted bool
	resets   int
}

func (c *crashSession) Mail(from string, _ *smtp.MailOptions) error { c.from = from; return nil }
func (c *crashSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}
func (c *crashSession) Logout() error { return nil }

func (c *crashSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	c.s.mu.Lock()
	killAt := c.s.killAt
	c.s.mu.Unlock()
	if killAt == "data" {
		close(c.s.point)
		<-c.s.release // the client dies waiting for the answer
		return fmt.Errorf("the test is over")
	}
	c.s.mu.Lock()
	c.s.delivered = append(c.s.delivered, delivery{from: c.from, to: c.to, data: b})
	c.s.mu.Unlock()
	c.accepted = killAt == "accepted"
	return nil
}

// Reset is called once after the message is answered and again for the
// client's RSET: that one is held when the crash comes after acceptance.
func (c *crashSession) Reset() {
	if c.accepted {
		c.resets++
		if c.resets == 2 {
			close(c.s.point)
			<-c.s.release
		}
	}
}

func newCrashServer(t *testing.T, killAt string) *crashServer {
	cs := &crashServer{killAt: killAt, point: make(chan struct{}), release: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &crashSession{s: cs}, nil }))
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs.port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	// Runs before Close: a held session keeps its connection locked.
	t.Cleanup(func() { close(cs.release) })
	return cs
}

func (cs *crashServer) got() []delivery {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]delivery(nil), cs.delivered...)
}

func crashConfig(port int) Config {
	cfg := testConfig()
	cfg.SendMethod = methodEmail
	cfg.Email.Host, cfg.Email.Port, cfg.Email.Security = "127.0.0.1", port, "none"
	cfg.Email.From, cfg.Email.To = "reports@elmroad.example.org", "highways@council.example.gov.uk"
	return cfg
}

func crashHarness(t *testing.T, dbPath string, port int) *bottest.Harness {
	opts := harnessOptions(t, crashConfig(port), filepath.Join(filepath.Dir(dbPath), "photos"))
	opts.DBPath = dbPath
	return bottest.New(t, opts)
}

// TestEmailCrashChild is the bot in the child process: it files a report
// and sends it, and is killed on the way.
func TestEmailCrashChild(t *testing.T) {
	db, port := os.Getenv("NEIGHBOURBOT_TEST_CRASH_DB"), os.Getenv("NEIGHBOURBOT_TEST_CRASH_SMTP_PORT")
	if db == "" {
		t.Skip("run as a child process by TestEmailCrash")
	}
	p, _ := strconv.Atoi(port)
	h := crashHarness(t, db, p)
	fmt.Println("child: filing")
	h.Run(councilSetup + "Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	fmt.Println("child: not killed")
}

func TestEmailCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, tt := range []struct {
		killAt string
		want   int // deliveries in all
		why    string
	}{
		{"data", 1, "killed before the server answered the message: sent once, after the restart"},
		{"accepted", 2, "killed after the server accepted it, before the bot recorded it: sent again after the restart, with the same Message-ID"},
	} {
		t.Run(tt.killAt, func(t *testing.T) {
			cs := newCrashServer(t, tt.killAt)
			db := filepath.Join(t.TempDir(), "bot.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestEmailCrashChild$", "-test.v")
			cmd.Env = append(os.Environ(), "NEIGHBOURBOT_TEST_CRASH_DB="+db, "NEIGHBOURBOT_TEST_CRASH_SMTP_PORT="+strconv.Itoa(cs.port))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = cmd.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var out []string
			done := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					out = append(out, sc.Text())
				}
				close(done)
			}()
			select {
			case <-cs.point:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("the child never reached the crash point:\n%v", out)
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-done
			cmd.Wait()
			for _, l := range out {
				if l == "child: not killed" {
					t.Fatalf("the child finished:\n%v", out)
				}
			}
			cs.mu.Lock()
			cs.killAt = ""
			cs.mu.Unlock()

			// The restart: the send job is still booked and the report
			// still queued, so it goes (again).
			h := crashHarness(t, db, cs.port)
			h.Run(councilSetup + "@advance 1m\n")
			got := cs.got()
			if len(got) != tt.want {
				t.Fatalf("%s: %d deliveries, want %d", tt.why, len(got), tt.want)
			}
			ids := messageIDs(t, got)
			for _, id := range ids {
				if id != ids[0] || id == "" {
					t.Errorf("Message-IDs differ: %v", ids)
				}
			}
			h.Expect("Alice: !pothole P1\n", "emailed to highways@council.example.gov.uk, attempt 1")
			h.Run("@advance 1d\n")
			if n := len(cs.got()); n != tt.want {
				t.Errorf("%d deliveries a day later, want %d", n, tt.want)
			}
		})
	}
}

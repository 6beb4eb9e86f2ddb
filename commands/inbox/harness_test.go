package inbox

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
	"neighbourbot/moderation"
)

// recordedHolidays serves testdata/bank-holidays.json (GOV.UK's format and
// dates) as GOV.UK would.
func recordedHolidays(t testing.TB) *httptest.Server {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "bank-holidays.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// testConfig is an enabled inbox answering to the console group "staff",
// with bank holidays from url.
func testConfig(url string) Config {
	cfg := DefaultConfig()
	cfg.Enabled = true
	cfg.StaffChat = "staff"
	cfg.BankHolidaysURL = url
	cfg.UrgentText = "For emergencies out of hours call 0345 678 9000."
	cfg.MaxTicketsPerDay = 3
	cfg.MaxMessagesPerHour = 6
	cfg.MaxMediaMB = 5
	cfg.Answers = []Answer{{Keywords: []string{"bin wasn't collected", "missed bin"}, Text: "Sorry about that. Report a missed bin at", Link: "https://www.example.gov.uk/missed-bin"}}
	// Each message after a close starts a new ticket here, so the daily
	// limit is reached; testdata/desks reopens within the default 7 days.
	cfg.ReopenWithin = "off"
	return cfg
}

func deskConfig(url string) Config {
	cfg := testConfig(url)
	cfg.ReopenWithin = DefaultConfig().ReopenWithin
	cfg.Answers = nil
	cfg.Desks = []Desk{
		{Name: "General enquiries"},
		{Name: "Highways", StaffChat: "roads", Keywords: []string{"pothole", "road", "pavement", "streetlight"}},
		{Name: "Cllr Smith — Castle ward", Keywords: []string{"councillor", "cllr"}},
	}
	return cfg
}

// consoleChat maps a console group id to its chat, as wiring does.
func consoleChat(s string) bot.ChatID { return bot.ChatID("group:" + s) }

// options wires the inbox (and moderation, for !mydata and !forgetme)
// into a harness, keeping media in dir.
func options(t testing.TB, cfg Config, dir string) bottest.Options {
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "inbox")
	}
	return bottest.Options{
		Migrations: []bot.Migrations{moderation.Migrations(), Migrations()},
		Register: func(h *bottest.Harness) error {
			if err := moderation.Register(h.Kit("moderation"), moderation.DefaultConfig(), moderation.Deps{Location: time.UTC}); err != nil {
				return err
			}
			loc, err := time.LoadLocation("Europe/London")
			if err != nil {
				return err
			}
			return Register(h.Kit("inbox"), cfg, Deps{MediaDir: dir, Location: loc, Chat: consoleChat})
		},
	}
}

func TestGolden(t *testing.T) { goldens(t, false) }

// TestGoldenOnPostgres runs the same transcripts on PostgreSQL.
func TestGoldenOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	goldens(t, true)
}

func goldens(t *testing.T, onPostgres bool) {
	golden := func(t *testing.T, dir string, o bottest.Options) {
		o.OnPostgres = onPostgres
		bottest.Golden(t, dir, o)
	}
	srv := recordedHolidays(t)
	t.Run("basic", func(t *testing.T) {
		golden(t, filepath.Join("testdata", "basic"), options(t, testConfig(srv.URL), ""))
	})
	t.Run("desks", func(t *testing.T) {
		golden(t, filepath.Join("testdata", "desks"), options(t, deskConfig(srv.URL), ""))
	})
	t.Run("routing", func(t *testing.T) {
		cfg := deskConfig(srv.URL)
		cfg.Desks[0], cfg.Desks[1] = cfg.Desks[1], cfg.Desks[0] // Highways first
		cfg.DefaultDesk = "General enquiries"
		cfg.ReopenWithin = "off"
		cfg.MenuTimeout = "30m"
		golden(t, filepath.Join("testdata", "routing"), options(t, cfg, ""))
	})
	t.Run("team", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.TeamName = "Shropshire Council customer services"
		golden(t, filepath.Join("testdata", "team"), options(t, cfg, ""))
	})
}

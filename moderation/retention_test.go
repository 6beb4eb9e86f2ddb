package moderation

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/lending"
	"neighbourbot/commands/power"
)

// brokenPurger is a feature whose purge always fails.
type brokenPurger struct{ calls *int }

func (brokenPurger) DataName() string { return "Broken" }
func (brokenPurger) DescribePerson(context.Context, int64) ([]string, error) {
	return nil, nil
}
func (brokenPurger) ForgetPerson(context.Context, int64) (string, error) { return "", nil }
func (b brokenPurger) PurgeClosed(context.Context, time.Time) (int64, error) {
	*b.calls++
	return 0, errors.New("disk on fire")
}

// withFeatures wires moderation, lending and power into one harness, with
// extra data providers registered between moderation and the others.
func withFeatures(extra ...bot.DataProvider) bottest.Options {
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations(), lending.Migrations(), power.Migrations()},
		Register: func(h *bottest.Harness) error {
			if _, err := register(context.Background(), h.Kit("moderation"), DefaultConfig(), Deps{}); err != nil {
				return err
			}
			for _, p := range extra {
				h.Kit("test").Reg.AddDataProvider(p)
			}
			if err := lending.Register(h.Kit(lending.FeatureName), lending.DefaultConfig(), lending.Deps{}); err != nil {
				return err
			}
			return power.Register(h.Kit(power.FeatureName), power.DefaultConfig(), power.Deps{})
		},
	}
}

// yearOfLending lends the ladder on day 0 and day 200, returned the same
// day each time, with a power cut restored on day 0; then moves the clock
// to day 370, past the nightly 03:30 runs in between.
const yearOfLending = streetSetup + `Alice: !lend ladder
Alice: !lent ladder @Bob
Alice: !returned ladder
Alice: !power
Bob: !off
@advance 15m
Bob: !power on
@advance 200d
Alice: !lent ladder @Carol
Alice: !returned ladder
@advance 170d
`

func TestRetentionPurgesOtherFeatures(t *testing.T) {
	h := bottest.New(t, withFeatures())
	h.Run(yearOfLending)
	db := h.Store.Raw()
	// The day-0 loan (closed 370 days ago) is gone; the day-200 one stays.
	if n := countRows(t, db, `SELECT COUNT(*) FROM lending_loans`); n != 1 {
		t.Errorf("%d loans kept, want the recent one only", n)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM lending_loans WHERE lent_at > ?`, h.Now().AddDate(0, 0, -200).UnixMilli()); n != 1 {
		t.Errorf("the recent loan was purged")
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM lending_listings`); n != 1 {
		t.Errorf("%d listings, want the ladder still listed", n)
	}
	// The power check went with its answers and its poll.
	for _, q := range []string{`SELECT COUNT(*) FROM power_checks`, `SELECT COUNT(*) FROM power_votes`, `SELECT COUNT(*) FROM polls WHERE kind = 'power'`} {
		if n := countRows(t, db, q); n != 0 {
			t.Errorf("%s = %d, want 0", q, n)
		}
	}
	// Each feature's count is logged, and the night that found them says so.
	log := h.Log.String()
	for _, want := range []string{`provider=Lending rows=1 `, `provider="Power checks" rows=4 `, `provider=Moderation rows=0 `} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, "retention purge failed") {
		t.Errorf("a purge failed:\n%s", log)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM jobs WHERE kind = ?`, jobRetention); n != 1 {
		t.Errorf("%d retention jobs pending, want 1", n)
	}
}

func TestRetentionCarriesOnPastAFailingFeature(t *testing.T) {
	var calls int
	h := bottest.New(t, withFeatures(brokenPurger{&calls}))
	h.Run(yearOfLending)
	db := h.Store.Raw()
	if calls < 370 {
		t.Errorf("the broken feature was asked %d times, want every night at least", calls)
	}
	// Lending, registered after the broken feature, was still purged.
	if n := countRows(t, db, `SELECT COUNT(*) FROM lending_loans`); n != 1 {
		t.Errorf("%d loans kept, want the recent one only", n)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM power_checks`); n != 0 {
		t.Errorf("%d power checks kept", n)
	}
	log := h.Log.String()
	for _, want := range []string{`msg="retention purge failed" feature=moderation provider=Broken err="disk on fire"`, `provider=Lending rows=1 `} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	// The failed run is retried (and in the end dropped) by the engine, but
	// the next night's run is planned whatever happens.
	now := h.Now()
	next := jobRetention + ":" + now.AddDate(0, 0, 1).Format("2006-01-02")
	if now.Hour() < 3 || (now.Hour() == 3 && now.Minute() < 30) {
		next = jobRetention + ":" + now.Format("2006-01-02")
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND key = ?`, jobRetention, next); n != 1 {
		var keys []string
		rows, _ := db.Query(`SELECT key FROM jobs WHERE kind = ?`, jobRetention)
		for rows.Next() {
			var k string
			rows.Scan(&k)
			keys = append(keys, k)
		}
		rows.Close()
		t.Errorf("next run %s not planned; pending: %v", next, keys)
	}
}

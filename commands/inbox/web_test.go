package inbox

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/moderation"
)

// webHarness is the inbox with the staff group "staff" and Sam in it,
// returning the feature for the staff page's calls.
func webHarness(t *testing.T, cfg Config) (*bottest.Harness, *Feature) {
	t.Helper()
	var f *Feature
	dir := filepath.Join(t.TempDir(), "inbox")
	h := bottest.New(t, bottest.Options{
		Migrations: []bot.Migrations{moderation.Migrations(), Migrations()},
		Register: func(h *bottest.Harness) error {
			if err := moderation.Register(h.Kit("moderation"), moderation.DefaultConfig(), moderation.Deps{Location: time.UTC}); err != nil {
				return err
			}
			var err error
			f, err = RegisterFeature(h.Kit("inbox"), cfg, Deps{MediaDir: dir, Location: time.UTC, Chat: consoleChat})
			return err
		},
	})
	h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\n@group staff\nAlex: hello\n")
	return h, f
}

func person(t *testing.T, h *bottest.Harness, name string) bot.Person {
	t.Helper()
	p, err := h.Store.PersonByAddr(context.Background(), bot.Address(name))
	if err != nil {
		t.Fatalf("person %s: %v", name, err)
	}
	return p
}

var allDesks = Scope{All: true}

// TestWebReplyIsAReply: a reply from the page reaches the resident as a
// !reply would (signed, once), is on the ticket, shows in the staff group,
// and a form sent twice sends once.
func TestWebReplyIsAReply(t *testing.T) {
	h, f := webHarness(t, testConfig(recordedHolidays(t).URL))
	ctx := context.Background()
	h.Run("dm Erin: The streetlight on Elm Road is out\n")
	sam := person(t, h, "Sam")
	start := h.Out.Len()
	res, err := f.Reply(ctx, allDesks, sam, 1, "Thanks, an engineer is booked.", "key-1", 0)
	if err != nil || res.Again || res.Resident != "Erin" {
		t.Fatalf("Reply = %+v, %v", res, err)
	}
	h.Console.Settle(ctx)
	out := h.Out.String()[start:]
	if n := strings.Count(out, "[dm Erin] bot: Council team (Sam): Thanks, an engineer is booked."); n != 1 {
		t.Errorf("the resident got the reply %d times:\n%s", n, out)
	}
	if !strings.Contains(out, "[staff] bot: C1 · Sam answered on the staff page: Thanks, an engineer is booked.") {
		t.Errorf("the staff group was not shown the reply:\n%s", out)
	}
	again, err := f.Reply(ctx, allDesks, sam, 1, "Thanks, an engineer is booked.", "key-1", 0)
	if err != nil || !again.Again {
		t.Fatalf("second send of one form = %+v, %v", again, err)
	}
	h.Console.Settle(ctx)
	if n := strings.Count(h.Out.String(), "Council team (Sam): Thanks, an engineer is booked."); n != 1 {
		t.Errorf("a form sent twice reached the resident %d times", n)
	}
	// The staff group's !ticket shows the page's reply like its own.
	hist := h.Run("@group staff\nSam: !ticket C1\n")
	if !strings.Contains(hist, "Sam (staff): Thanks, an engineer is booked.") {
		t.Errorf("history lacks the page's reply:\n%s", hist)
	}
	// A reply in the staff group shows on the page.
	h.Run("Sam: !reply C1 Booked for Tuesday.\n")
	v, err := f.Ticket(ctx, allDesks, sam.ID, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if last := v.Entries[len(v.Entries)-1]; last.Kind != "out" || last.Text != "Booked for Tuesday." || last.Author != "Sam" {
		t.Errorf("last entry = %+v", last)
	}
}

// TestWebTwoRepliesAtOnce: two staff reply to one ticket at the same time:
// both go, in order, each once; the second learns of the first.
func TestWebTwoRepliesAtOnce(t *testing.T) {
	h, f := webHarness(t, testConfig(recordedHolidays(t).URL))
	ctx := context.Background()
	h.Run("dm Erin: My bin wasn't emptied on Friday\n")
	sam, alex := person(t, h, "Sam"), person(t, h, "Alex")
	var wg sync.WaitGroup
	results := make([]ReplyResult, 2)
	errs := make([]error, 2)
	for i, p := range []bot.Person{sam, alex} {
		wg.Go(func() {
			results[i], errs[i] = f.Reply(ctx, allDesks, p, 1, "Answer from "+p.Name, "key-"+p.Name, 0)
		})
	}
	wg.Wait()
	h.Console.Settle(ctx)
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("reply %d: %v", i, errs[i])
		}
	}
	out := h.Out.String()
	for _, who := range []string{"Sam", "Alex"} {
		if n := strings.Count(out, "[dm Erin] bot: Council team ("+who+"): Answer from "+who); n != 1 {
			t.Errorf("%s's reply reached the resident %d times:\n%s", who, n, out)
		}
	}
	if len(results[0].Meanwhile)+len(results[1].Meanwhile) != 1 {
		t.Errorf("exactly one of the two should learn of the other: %+v", results)
	}
	v, err := f.Ticket(ctx, allDesks, sam.ID, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range v.Entries {
		if e.Kind == "out" {
			order = append(order, e.Author)
		}
	}
	first := strings.Index(out, "Answer from "+order[0])
	second := strings.Index(out, "Answer from "+order[1])
	if len(order) != 2 || first < 0 || second < first {
		t.Errorf("replies out of order: ticket %v, chat:\n%s", order, out)
	}
}

// TestWebReplyRefused: a ticket whose resident used !forgetme, a closed
// ticket and an empty reply are refused with the reason; nothing is sent.
func TestWebReplyRefused(t *testing.T) {
	h, f := webHarness(t, testConfig(recordedHolidays(t).URL))
	ctx := context.Background()
	h.Run("dm Erin: Pothole outside number 4\ndm Finn: Graffiti on the bus shelter\n")
	h.Run("dm Erin: !forgetme\ndm Erin: yes\n")
	sam := person(t, h, "Sam")
	start := h.Out.Len()
	_, err := f.Reply(ctx, allDesks, sam, 1, "Are you still there?", "k1", 0)
	if msg, ok := bot.UserMessage(err); !ok || !strings.Contains(msg, "asked to be forgotten") {
		t.Errorf("reply to an erased ticket: %v", err)
	}
	if _, err := f.SetState(ctx, allDesks, sam, 2, "closed", ""); err != nil {
		t.Fatal(err)
	}
	_, err = f.Reply(ctx, allDesks, sam, 2, "One more thing", "k2", 0)
	if msg, ok := bot.UserMessage(err); !ok || !strings.Contains(msg, "C2 is closed, so nothing was sent") {
		t.Errorf("reply to a closed ticket: %v", err)
	}
	_, err = f.Reply(ctx, allDesks, sam, 2, "   ", "k3", 0)
	if _, ok := bot.UserMessage(err); !ok {
		t.Errorf("empty reply: %v", err)
	}
	h.Console.Settle(ctx)
	if out := h.Out.String()[start:]; strings.Contains(out, "Are you still there") || strings.Contains(out, "One more thing") {
		t.Errorf("a refused reply was sent:\n%s", out)
	}
	if _, err := f.Reply(ctx, Scope{Chats: []bot.ChatID{"group:elsewhere"}}, sam, 2, "x", "k4", 0); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a ticket outside the staff member's desks: %v", err)
	}
}

// TestWebNoteWaitingAndFilters: an internal note stays on the page, never
// reaching the resident or the staff group; "waiting on the resident" ends
// when the resident writes; the list filters by state, assignee and text,
// and counts unread tickets per member of staff.
func TestWebNoteWaitingAndFilters(t *testing.T) {
	h, f := webHarness(t, testConfig(recordedHolidays(t).URL))
	ctx := context.Background()
	h.Run("dm Erin: The streetlight on Elm Road is out\ndm Finn: Graffiti on the bus shelter\n")
	sam := person(t, h, "Sam")
	start := h.Out.Len()
	for range 2 {
		if err := f.Note(ctx, allDesks, sam, 1, "Erin rang as well; engineer booked", "note-1"); err != nil {
			t.Fatal(err)
		}
	}
	h.Console.Settle(ctx)
	if out := h.Out.String()[start:]; strings.Contains(out, "engineer booked") {
		t.Errorf("an internal note was sent:\n%s", out)
	}
	page, err := f.List(ctx, allDesks, sam.ID, ListQuery{Text: "engineer booked"})
	if err != nil || len(page.Items) != 1 || page.Items[0].Ref != "C1" {
		t.Fatalf("search by note = %+v, %v", page, err)
	}
	if page.Unread != 2 {
		t.Errorf("unread = %d, want 2", page.Unread)
	}
	v, err := f.Ticket(ctx, allDesks, sam.ID, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	notes := 0
	for _, e := range v.Entries {
		if e.Kind == "note" {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d notes on the ticket, want 1 (a form sent twice adds once)", notes)
	}
	if n, _ := f.Unread(ctx, allDesks, sam.ID); n != 1 {
		t.Errorf("after reading C1, unread = %d, want 1", n)
	}
	if _, err := f.SetState(ctx, allDesks, sam, 1, "waiting", ""); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.List(ctx, allDesks, sam.ID, ListQuery{State: "waiting"}); len(p.Items) != 1 || p.Items[0].State != "waiting" {
		t.Errorf("waiting list = %+v", p.Items)
	}
	if _, err := f.Assign(ctx, allDesks, sam, 2, sam.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.List(ctx, allDesks, sam.ID, ListQuery{Assignee: "me"}); len(p.Items) != 1 || p.Items[0].Ref != "C2" {
		t.Errorf("mine = %+v", p.Items)
	}
	hist := h.Run("@group staff\nSam: !ticket C1\nSam: !tickets\n")
	for _, want := range []string{"C1 · Erin · open · unassigned · waiting on the resident", "Internal notes (staff only):", "Sam: Erin rang as well; engineer booked"} {
		if !strings.Contains(hist, want) {
			t.Errorf("the staff group's history lacks %q:\n%s", want, hist)
		}
	}
	if out := h.Run("dm Erin: !ticket C1\n"); strings.Contains(out, "engineer booked") || strings.Contains(out, "Internal") {
		t.Errorf("the resident was shown a note:\n%s", out)
	}
	if out := h.Run("dm Sam: !mydata\n"); !strings.Contains(out, "wrote 1 internal note on tickets") {
		t.Errorf("!mydata of staff does not mention their note:\n%s", out)
	}
	h.Run("dm Erin: It's still out tonight\n")
	if p, _ := f.List(ctx, allDesks, sam.ID, ListQuery{State: "open"}); len(p.Items) != 2 {
		t.Errorf("the resident's message should end waiting: %+v", p.Items)
	}
}

// TestFailedMediaIsShown: an attachment too big to keep is on the ticket
// as a failure, with the words that came with it.
func TestFailedMediaIsShown(t *testing.T) {
	h, f := webHarness(t, testConfig(recordedHolidays(t).URL))
	out := h.Run("dm Erin [photo 6MB]: the fly-tipping\ndm Erin [photo]: a smaller one\n")
	if !strings.Contains(out, "too big for me to pass on") {
		t.Fatalf("resident not told:\n%s", out)
	}
	v, err := f.Ticket(context.Background(), allDesks, person(t, h, "Sam").ID, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Entries) != 2 || !strings.Contains(v.Entries[0].Failed, "6.0 MB photo was too big") || v.Entries[1].Media == nil || v.Entries[1].Media.Kind != "photo" {
		t.Errorf("entries = %+v", v.Entries)
	}
}

// TestTimersCountWorkingTime: a ticket's clocks count office hours only,
// and judge them against the desk's own target or the inbox's.
func TestTimersCountWorkingTime(t *testing.T) {
	cfg := deskConfig("http://127.0.0.1:1")
	cfg.BankHolidays = ""
	cfg.ReplyTarget, cfg.CloseTarget = "4h", "40h"
	cfg.Desks[1].ReplyTarget = "1h"
	f := &Feature{cfg: cfg, desks: []deskInfo{{Desk: cfg.Desks[0]}, {Desk: cfg.Desks[1]}}}
	h, _ := ParseHours(cfg.Hours)
	cal := calendar{hours: h, loc: time.UTC, closed: map[string]string{}}
	fri := time.Date(2026, 1, 9, 16, 0, 0, 0, time.UTC) // Friday 4pm
	mon := time.Date(2026, 1, 12, 10, 30, 0, 0, time.UTC)
	tm := f.timers(cal, ticket{Desk: "Highways", State: stateOpen, OpenedAt: fri}, mon)
	if tm.ToReply != 2*time.Hour+30*time.Minute || tm.Replied || tm.ReplyTarget != time.Hour || !tm.ReplyLate() {
		t.Errorf("Highways, unanswered over the weekend: %+v", tm)
	}
	tm = f.timers(cal, ticket{Desk: "General enquiries", State: stateClosed, OpenedAt: fri, FirstReplyAt: fri.Add(30 * time.Minute), ClosedAt: mon}, mon.Add(48*time.Hour))
	if tm.ToReply != 30*time.Minute || !tm.Replied || tm.ReplyLate() || tm.Open != 2*time.Hour+30*time.Minute || !tm.Closed || tm.CloseTarget != 40*time.Hour {
		t.Errorf("General, answered and closed: %+v", tm)
	}
}

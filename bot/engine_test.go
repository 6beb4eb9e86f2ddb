package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// registerTestFeature adds a small feature with one route of each kind the
// engine treats specially.
func registerTestFeature(calls *int) func(h *bottest.Harness) error {
	return func(h *bottest.Harness) error {
		k := h.Kit("demo")
		k.Reg.Declare(bot.Feature{Name: "demo", Description: "test commands"})
		k.Reg.Handle(bot.Route{Name: "count", Feature: "demo", Help: "count a call", Handler: func(ctx context.Context, req *bot.Request) error {
			*calls++
			return req.Replyf(ctx, "counted %d", *calls)
		}})
		k.Reg.Handle(bot.Route{Name: "boom", Feature: "demo", Help: "panic", Handler: func(ctx context.Context, req *bot.Request) error {
			panic("handler bug")
		}})
		k.Reg.Handle(bot.Route{Name: "fail", Feature: "demo", Help: "internal error", Handler: func(ctx context.Context, req *bot.Request) error {
			return errors.New("database on fire")
		}})
		k.Reg.Handle(bot.Route{Name: "usage", Feature: "demo", Usage: "THING", Help: "needs an argument", Handler: func(ctx context.Context, req *bot.Request) error {
			if req.Args == "" {
				return bot.Userf("Usage: !usage THING")
			}
			return req.Reply(ctx, "got "+req.Args)
		}})
		k.Reg.Handle(bot.Route{Name: "secretadmin", Feature: "demo", AdminOnly: true, Help: "admins only", Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Reply(ctx, "admin ok")
		}})
		k.Reg.Handle(bot.Route{Name: "private", Scope: bot.DirectOnly, Help: "dm only", Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Reply(ctx, "private ok")
		}})
		k.Reg.Handle(bot.Route{Name: "ask", Feature: "demo", Help: "poll", Handler: func(ctx context.Context, req *bot.Request) error {
			_, err := k.Out.SendPoll(ctx, "demo.poll", "ref-1", bot.OutPoll{Chat: req.Chat.ID, Question: "Tea or coffee?", Options: []string{"Tea", "Coffee"}})
			return err
		}})
		k.Reg.HandlePoll("demo.poll", func(ctx context.Context, req *bot.Request) error {
			_, err := req.Say(ctx, req.Sender.DisplayName()+" chose "+strings.Join(req.Votes, "+")+" on "+req.Poll.Ref)
			return err
		})
		k.Reg.Handle(bot.Route{Name: "later", Feature: "demo", Usage: "DURATION", Help: "remind later", Handler: func(ctx context.Context, req *bot.Request) error {
			d, err := bot.ParseDuration(req.Args)
			if err != nil {
				return bot.Userf("Usage: !later 2h")
			}
			if err := k.Jobs.Schedule(ctx, "demo.remind", "remind:"+string(req.Chat.ID), req.Now().Add(d), map[string]string{"chat": string(req.Chat.ID), "who": req.Sender.DisplayName()}); err != nil {
				return err
			}
			return req.Reply(ctx, "ok, in "+bot.FormatDuration(d))
		}})
		k.Jobs.HandleJob("demo.remind", func(ctx context.Context, j bot.Job) error {
			var p map[string]string
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return err
			}
			_, err := k.Out.Send(ctx, bot.OutMessage{Chat: bot.ChatID(p["chat"]), Text: "reminder for " + p["who"] + " at " + k.Clock.Now().Format("Mon 15:04")})
			return err
		})
		return nil
	}
}

func newHarness(t *testing.T, calls *int) *bottest.Harness {
	return bottest.New(t, bottest.Options{Register: registerTestFeature(calls), Owners: []string{"Olivia"}})
}

func TestOptInSilenceAndAdminSwitch(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	out := h.Run("Bob: !count\nBob: !help\nBob: !lnd\n")
	if strings.Contains(out, "bot:") {
		t.Fatalf("bot spoke in a group that has not opted in:\n%s", out)
	}
	h.Expect("Bob: !bot on", "only group admins can switch the bot on or off")
	h.Expect("@admin Alice\nAlice: !bot on", "neighbourbot is on in this group")
	h.Expect("Bob: !count", "counted 1")
	h.Expect("Bob: !bot off", "only group admins")
	h.Expect("Olivia: !bot off", "neighbourbot is off in this group") // bot owner from config
	out = h.Run("Bob: !count")
	if strings.Contains(out, "bot:") || calls != 1 {
		t.Fatalf("bot acted after being switched off (calls=%d):\n%s", calls, out)
	}
	entries, err := h.Store.AuditLog(context.Background(), "", 10)
	if err != nil || len(entries) != 2 || entries[0].Action != "bot.off" || entries[1].Action != "bot.on" {
		t.Fatalf("audit log = %+v, %v", entries, err)
	}
}

func TestRouterRepliesAndErrors(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	h.Expect("Bob: !cuont", "Unknown command !cuont — did you mean !count?")
	h.Expect("Bob: !zzzzzz", "Unknown command !zzzzzz. Type !help for the list.")
	h.Expect("Bob: !secret admin", "Unknown command !secret — did you mean !secretadmin?")
	h.Expect("Bob: !usage", "Usage: !usage THING")
	h.Expect("Bob: !USAGE   spaced  out ", "got spaced  out")
	h.Expect("Bob: !fail", bot.InternalErrorReply)
	if !strings.Contains(h.Log.String(), "database on fire") {
		t.Error("internal error not logged")
	}
	h.Expect("Bob: !boom", bot.InternalErrorReply)
	if !strings.Contains(h.Log.String(), "handler bug") {
		t.Error("panic not logged")
	}
	h.Expect("Bob: !count", "counted 1") // still alive after the panic
	h.Expect("Bob: !secretadmin", "Sorry, only group admins can use !secretadmin.")
	h.Expect("Alice: !secretadmin", "admin ok")
	h.Expect("Bob: !private", "!private is personal — send it to me in a direct message.")
	h.Expect("dm Bob: !private", "[dm Bob] bot: private ok")
	h.Expect("dm Bob: !bot", "!bot only works inside a group")
	h.Expect("Bob: !count "+strings.Repeat("x", 5000), "That command is too long for me")
	h.Expect("Bob: !help count", "!count", "Count a call")
	h.Expect("Bob: !help", "Commands — type !help lending", "Demo: !ask !boom !count", "General: !area !bot !help")
	h.Expect("Bob: !help DEMO", "Demo:\n    !ask — poll\n", "!secretadmin — admins only (admins)")
	h.Expect("Bob: !help", "In a direct message to me: !private")
	h.Expect("Bob: !help the demo commands", "Demo:\n    !ask — poll\n")
	h.Expect("Bob: ! count", "counted")
	h.Expect("Bob: !help nosuch", "I don't know !nosuch")
}

func TestFeatureSwitch(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	h.Expect("Alice: !bot features nonsense", `I don't know the feature "nonsense"`)
	h.Expect("Bob: !bot features demo", "only group admins can choose")
	h.Expect("Alice: !bot features", "Commands available: demo.")
	// Switching to an empty set is refused as an unknown name; switching
	// demo off is done by naming the others (here: none), so use "all" then
	// check the state persisted.
	g, err := h.Store.GroupSettings(context.Background(), "group:street")
	if err != nil || !g.FeatureOn("demo") {
		t.Fatalf("demo should be on: %+v %v", g, err)
	}
	g.FeaturesOff = []string{"demo"}
	if err := h.Store.SaveGroupSettings(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	h.Expect("Bob: !count", "The demo commands are switched off in this group")
	h.Expect("Bob: !help demo", "The demo commands are switched off in this group")
	h.Expect("Bob: !help count", "Count a call", "The demo commands are switched off in this group.")
	h.Expect("Alice: !bot", "Switched off: demo.")
	if calls != 0 {
		t.Fatal("switched-off feature ran")
	}
	out := h.Expect("Bob: !help", "!help")
	if strings.Contains(out, "!count") {
		t.Errorf("help lists a switched-off feature:\n%s", out)
	}
	h.Expect("Alice: !bot features all", "Commands available: demo.")
	h.Expect("Bob: !count", "counted 1")
}

func TestDuplicateDeliveryActsOnce(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\nBob: !count\n")
	out := h.Run("@redeliver\n@redeliver\n")
	if calls != 1 || strings.Contains(out, "counted") {
		t.Fatalf("redelivered message acted on again (calls=%d):\n%s", calls, out)
	}
	// Dedupe is persisted: a restart does not forget seen ids.
	msg := &bot.Message{ID: "wa-1", Chat: bot.Chat{ID: "group:street", IsGroup: true}, Sender: bot.Sender{Addr: "Bob", Name: "Bob"}, Text: "!count", Time: h.Clock.Now()}
	if out, err := h.Engine.HandleMessage(context.Background(), msg); err != nil || out != bot.Handled {
		t.Fatalf("first delivery: %v, %v", out, err)
	}
	h.Restart()
	h.Run("@admin Alice\n")
	if out, err := h.Engine.HandleMessage(context.Background(), msg); err != nil || out != bot.Duplicate {
		t.Fatalf("delivery after restart not recognised as duplicate: %v, %v", out, err)
	}
	if calls != 2 {
		t.Fatalf("calls = %d, want 2", calls)
	}
}

func TestPollVotesMapBackToOptions(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	h.Expect("Alice: !ask", "bot poll: Tea or coffee? | Tea | Coffee")
	h.Expect("Bob [vote Coffee]", "Bob chose Coffee on ref-1")
	h.Expect("Bob [vote tea, coffee]", "Bob chose Tea+Coffee on ref-1")
	h.Expect("Bob [vote]", "Bob chose  on ref-1")
	out := h.Run("Bob [vote Cocoa]")
	if !strings.Contains(out, `no option "Cocoa"`) {
		t.Errorf("bad vote not reported:\n%s", out)
	}
}

func TestScheduledJobsRunOnTimeAndSurviveRestart(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	h.Expect("Bob: !later 2h", "ok, in 2 hours")
	h.Expect("Bob: !later 3h", "ok, in 3 hours") // same key: replaces the first
	out := h.Run("@advance 2h30m\n")
	if strings.Contains(out, "reminder") {
		t.Fatalf("replaced job still ran:\n%s", out)
	}
	h.Restart()
	out = h.Run("@group street\n@advance 1h\n")
	if !strings.Contains(out, "reminder for Bob at Mon 12:00") {
		t.Fatalf("job did not run at its due time after restart:\n%s", out)
	}
	if out := h.Run("@advance 1d\n"); strings.Contains(out, "reminder") {
		t.Fatalf("job ran twice:\n%s", out)
	}
}

func TestFailingJobRetriesWithBackoff(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	failures := 0
	var ranAt []time.Time
	h.Kit("test").Jobs.HandleJob("flaky", func(ctx context.Context, j bot.Job) error {
		ranAt = append(ranAt, h.Now())
		if failures < 2 {
			failures++
			return errors.New("temporarily broken")
		}
		return nil
	})
	start := h.Clock.Now()
	if err := h.Kit("test").Jobs.Schedule(context.Background(), "flaky", "", start.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if err := h.Engine.AdvanceTo(context.Background(), h.Clock, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}
	if len(ranAt) != len(want) {
		t.Fatalf("ran %d times at %v", len(ranAt), ranAt)
	}
	for i, d := range want {
		if got := ranAt[i].Sub(start); got != d {
			t.Errorf("attempt %d at +%v, want +%v", i+1, got, d)
		}
	}
	if _, ok, _ := h.Store.NextJobAt(context.Background()); ok {
		t.Error("job left behind after success")
	}
}

// TestJobReschedulingItsOwnKeyKeepsTheNewRun covers a repeating reminder:
// the handler schedules the next run under its own key while running.
func TestJobReschedulingItsOwnKeyKeepsTheNewRun(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	var runs []time.Time
	h.Kit("test").Jobs.HandleJob("repeat", func(ctx context.Context, j bot.Job) error {
		runs = append(runs, h.Now())
		if len(runs) < 3 {
			return h.Kit("test").Jobs.Schedule(ctx, "repeat", j.Key, h.Now().Add(48*time.Hour), nil)
		}
		return nil
	})
	start := h.Clock.Now()
	if err := h.Kit("test").Jobs.Schedule(context.Background(), "repeat", "loan:1:overdue", start.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if err := h.Engine.AdvanceTo(context.Background(), h.Clock, start.Add(10*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[2].Sub(start) != 97*time.Hour {
		t.Fatalf("runs = %v", runs)
	}
	if _, ok, _ := h.Store.NextJobAt(context.Background()); ok {
		t.Error("job left behind after the last run")
	}
}

// TestJobCancellingAndReschedulingItself covers a handler that cancels its
// own key and schedules a fresh job: the new job must not inherit the old
// row's id and be deleted when the old run finishes.
func TestJobCancellingAndReschedulingItself(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	runs := 0
	h.Kit("test").Jobs.HandleJob("again", func(ctx context.Context, j bot.Job) error {
		runs++
		if err := h.Kit("test").Jobs.Cancel(ctx, j.Key); err != nil {
			return err
		}
		if runs < 2 {
			return h.Kit("test").Jobs.Schedule(ctx, "again", j.Key, h.Now().Add(time.Hour), nil)
		}
		return nil
	})
	start := h.Clock.Now()
	if err := h.Kit("test").Jobs.Schedule(context.Background(), "again", "k", start.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if err := h.Engine.AdvanceTo(context.Background(), h.Clock, start.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Fatalf("runs = %d, want 2", runs)
	}
}

func TestJobGivenUpAfterMaxAttempts(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	runs := 0
	h.Kit("test").Jobs.HandleJob("broken", func(ctx context.Context, j bot.Job) error { runs++; return errors.New("always") })
	if err := h.Kit("test").Jobs.Schedule(context.Background(), "broken", "k", h.Clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if err := h.Engine.AdvanceTo(context.Background(), h.Clock, h.Clock.Now().Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if runs != 8 {
		t.Errorf("runs = %d, want 8 attempts then give up", runs)
	}
	if _, ok, _ := h.Store.NextJobAt(context.Background()); ok {
		t.Error("given-up job still pending")
	}
}

func TestGroupChangesTrackMembership(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	var seen []string
	h.Kit("test").Reg.OnGroupChange(func(ctx context.Context, ch bot.GroupChange, people []bot.Person) error {
		for _, p := range people {
			seen = append(seen, string(ch.Kind)+":"+p.Name)
		}
		return nil
	})
	h.Run("@join Zoe\n") // group not enabled: membership recorded, handlers not told
	if len(seen) != 0 {
		t.Fatalf("handlers told about a disabled group: %v", seen)
	}
	h.Run("@admin Alice\nAlice: !bot on\n@join Carl\n@leave Zoe\n")
	// Alice's promotion came before the group opted in, so only the later
	// events reach handlers.
	if strings.Join(seen, ",") != "join:Carl,leave:Zoe" {
		t.Errorf("seen = %v", seen)
	}
	ctx := context.Background()
	zoe, err := h.Store.PersonByAddr(ctx, "Zoe")
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := h.Store.IsMember(ctx, "group:street", zoe.ID); in {
		t.Error("Zoe left but is still a member")
	}
	carl, _ := h.Store.PersonByAddr(ctx, "Carl")
	if in, _ := h.Store.IsMember(ctx, "group:street", carl.ID); !in {
		t.Error("Carl joined but is not a member")
	}
}

func TestAreaCommand(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	h.Run("@admin Alice\nAlice: !bot on\n")
	h.Expect("Bob: !area", "No area set for this group")
	h.Expect("Bob: !area SY3 7", "only group admins can set the group's area")
	h.Expect("Alice: !area sy3 7, SY4 1, sy37", `"sy37" isn't a UK postcode district. Did you mean SY3 7? Type !area SY3 7, SY4 1 to set it.`)
	h.Expect("Alice: !area not a postcode", `"not a postcode" isn't a UK postcode district or sector`)
	h.Expect("Alice: !area sy3 7, SY4 1, sy10", "This group's area is now SY3 7, SY4 1, SY10. (SY10 is a postcode district; for the sector SY1 0 type !area SY1 0.)")
	h.Expect("Bob: !area", "This group's area: SY3 7, SY4 1, SY10.")
	h.Expect("Alice: !area clear", "Area cleared")
	g, _ := h.Store.GroupSettings(context.Background(), "group:street")
	if len(g.Areas) != 0 {
		t.Errorf("areas = %v after clear", g.Areas)
	}
}

// BenchmarkInboundCommand measures the whole inbound path for a command in
// an enabled group: dedupe insert, identity resolution, membership, group
// settings, (empty) moderation, routing and the reply through the console
// transport, on a real SQLite file.
func BenchmarkInboundCommand(b *testing.B) {
	var calls int
	h := bottest.New(b, bottest.Options{Register: registerTestFeature(&calls)})
	h.Run("@admin Alice\nAlice: !bot on\n")
	ctx := context.Background()
	chat := bot.Chat{ID: "group:street", IsGroup: true, Name: "Elm Road"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m := &bot.Message{ID: "bench-" + string(rune('a'+i%26)) + "-" + itoa(i), Chat: chat,
			Sender: bot.Sender{Addr: "Bob", Name: "Bob"}, Text: "!count", Time: h.Clock.Now()}
		h.Engine.HandleMessage(ctx, m)
		if h.Out.Len() > 1<<20 {
			h.Out.Reset()
		}
	}
}

// BenchmarkInboundChatter measures the 95% case: a plain chat message that
// is not a command.
func BenchmarkInboundChatter(b *testing.B) {
	h := bottest.New(b, bottest.Options{})
	h.Run("@admin Alice\nAlice: !bot on\n")
	ctx := context.Background()
	chat := bot.Chat{ID: "group:street", IsGroup: true, Name: "Elm Road"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m := &bot.Message{ID: "chat-" + itoa(i), Chat: chat,
			Sender: bot.Sender{Addr: "Bob", Name: "Bob"}, Text: "Is anyone else's bin not collected?", Time: h.Clock.Now()}
		h.Engine.HandleMessage(ctx, m)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

package bottest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/console"
)

func TestFaultsFailChosenCalls(t *testing.T) {
	ctx := context.Background()
	con := console.New(io.Discard, bot.NewManualClock(console.DefaultStart))
	con.Restore("group:street", "Elm Road", []string{"Alice"})
	con.Restore("group:hill", "Hill Road", []string{"Bob"})
	var fs bottest.Faults
	tr := fs.Wrap(con)
	errBoom := errors.New("boom")
	twice := fs.Fail(bottest.Fault{Op: bottest.OpSend, Chat: "group:street", Text: "Power", Err: bot.ErrNotConnected, Times: 2})
	gone := fs.Fail(bottest.Fault{Chat: "group:hill", Err: bot.ErrNotInChat})
	polls := fs.Fail(bottest.Fault{Op: bottest.OpPoll, Err: errBoom})

	send := func(chat bot.ChatID, text string) error {
		_, err := tr.Send(ctx, bot.OutMessage{Chat: chat, Text: text})
		return err
	}
	steps := []struct {
		name string
		err  error
		want error
	}{
		{"other text goes", send("group:street", "Hello"), nil},
		{"first match fails", send("group:street", "Power check result"), bot.ErrNotConnected},
		{"second match fails", send("group:street", "Power check result"), bot.ErrNotConnected},
		{"third match goes", send("group:street", "Power check result"), nil},
		{"any call to a chat", send("group:hill", "Hello"), bot.ErrNotInChat},
	}
	_, err := tr.GroupInfo(ctx, "group:hill")
	steps = append(steps, struct {
		name string
		err  error
		want error
	}{"group info of that chat", err, bot.ErrNotInChat})
	_, err = tr.SendPoll(ctx, bot.OutPoll{Chat: "group:street", Question: "Off or on?", Options: []string{"Off", "On"}})
	steps = append(steps, struct {
		name string
		err  error
		want error
	}{"a poll", err, errBoom})
	for _, s := range steps {
		if !errors.Is(s.err, s.want) || (s.want == nil && s.err != nil) {
			t.Errorf("%s: err = %v, want %v", s.name, s.err, s.want)
		}
	}
	if twice.Hits() != 2 || twice.Left() != 0 {
		t.Errorf("counted fault: %d hits, %d left", twice.Hits(), twice.Left())
	}
	gone.Stop()
	if err := send("group:hill", "back"); err != nil {
		t.Errorf("after Stop: %v", err)
	}
	if gone.Hits() != 2 || polls.Hits() != 1 {
		t.Errorf("hits: %d, %d", gone.Hits(), polls.Hits())
	}
}

// The harness sends through the wrapped transport, also after a restart.
func TestHarnessTransportOption(t *testing.T) {
	var fs bottest.Faults
	h := bottest.New(t, bottest.Options{Transport: fs.Wrap})
	f := fs.Fail(bottest.Fault{Op: bottest.OpSend, Err: bot.ErrNotConnected})
	script := "@group street Elm Road\n@admin Alice\nAlice: !bot on\n"
	if out := h.Run(script); strings.Contains(out, "bot:") {
		t.Fatalf("the bot spoke while its transport failed:\n%s", out)
	}
	h.Restart()
	hits := f.Hits()
	if out := h.Run(script + "@advance 5m\n"); strings.Contains(out, "bot:") {
		t.Fatalf("the bot spoke after a restart while its transport failed:\n%s", out)
	}
	if hits == 0 || f.Hits() == hits {
		t.Fatalf("fault hits %d before the restart, %d after", hits, f.Hits())
	}
	f.Stop()
	if out := h.Run("@advance 5m\n"); !strings.Contains(out, "neighbourbot is on") {
		t.Fatalf("no reply once the fault stopped:\n%s", out)
	}
}

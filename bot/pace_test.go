package bot

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// countingTransport records how many times each method reached it.
type countingTransport struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingTransport) hit(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[name]++
}

func (c *countingTransport) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[name]
}

func (c *countingTransport) Send(ctx context.Context, m OutMessage) (string, error) {
	c.hit("send")
	return "id", nil
}
func (c *countingTransport) NewMessageID() string { return "id" }
func (c *countingTransport) SendPoll(ctx context.Context, p OutPoll) (string, error) {
	c.hit("poll")
	return "poll", nil
}
func (c *countingTransport) Edit(ctx context.Context, chat ChatID, id, text string) error {
	c.hit("edit")
	return nil
}
func (c *countingTransport) React(ctx context.Context, target MessageRef, emoji string) error {
	c.hit("react")
	return nil
}
func (c *countingTransport) Delete(ctx context.Context, target MessageRef) error {
	c.hit("delete")
	return nil
}
func (c *countingTransport) RemoveMember(ctx context.Context, chat ChatID, member Address) error {
	c.hit("remove")
	return nil
}
func (c *countingTransport) GroupInfo(ctx context.Context, chat ChatID) (GroupInfo, error) {
	c.hit("groupinfo")
	return GroupInfo{ID: chat}, nil
}
func (c *countingTransport) Download(ctx context.Context, m *Media) ([]byte, error) {
	c.hit("download")
	return []byte("x"), nil
}

var pacedActions = []struct {
	name string
	do   func(ctx context.Context, p *Paced) error
}{
	{"send", func(ctx context.Context, p *Paced) error {
		_, err := p.Send(ctx, OutMessage{Chat: "g", Text: "hi"})
		return err
	}},
	{"poll", func(ctx context.Context, p *Paced) error {
		_, err := p.SendPoll(ctx, OutPoll{Chat: "g", Question: "Q?", Options: []string{"A", "B"}})
		return err
	}},
	{"edit", func(ctx context.Context, p *Paced) error { return p.Edit(ctx, "g", "m1", "new") }},
	{"react", func(ctx context.Context, p *Paced) error {
		return p.React(ctx, MessageRef{Chat: "g", ID: "m1"}, "👍")
	}},
	{"delete", func(ctx context.Context, p *Paced) error { return p.Delete(ctx, MessageRef{Chat: "g", ID: "m1"}) }},
	{"remove", func(ctx context.Context, p *Paced) error { return p.RemoveMember(ctx, "g", "bob") }},
}

// With an hour between tokens, a burst of N lets exactly N actions through
// and the next one waits until its context is cancelled, never reaching the
// transport.
func TestPacedBurstThenBlocksUntilCancel(t *testing.T) {
	for _, act := range pacedActions {
		t.Run(act.name, func(t *testing.T) {
			inner := &countingTransport{}
			p := Pace(inner, time.Hour, 3)
			for i := range 3 {
				if err := act.do(context.Background(), p); err != nil {
					t.Fatalf("action %d within burst: %v", i+1, err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- act.do(ctx, p) }()
			cancel()
			err := <-done
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("action beyond burst: err = %v, want context.Canceled", err)
			}
			if got := inner.count(act.name); got != 3 {
				t.Fatalf("transport saw %d %s calls, want 3", got, act.name)
			}
		})
	}
}

// The bucket is shared: two sends and a reaction use up a burst of 3 together.
func TestPacedBucketSharedAcrossActions(t *testing.T) {
	inner := &countingTransport{}
	p := Pace(inner, time.Hour, 3)
	ctx := context.Background()
	if _, err := p.Send(ctx, OutMessage{Chat: "g", Text: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(ctx, OutMessage{Chat: "g", Text: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := p.React(ctx, MessageRef{Chat: "g", ID: "m"}, "👍"); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Delete(cancelled, MessageRef{Chat: "g", ID: "m"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("delete after shared burst: err = %v, want context.Canceled", err)
	}
	if inner.count("delete") != 0 {
		t.Fatal("delete reached the transport despite the empty bucket")
	}
}

// Reading is never paced: with the bucket empty, GroupInfo and Download still
// reach the transport at once.
func TestPacedReadsAreNotPaced(t *testing.T) {
	inner := &countingTransport{}
	p := Pace(inner, time.Hour, 1)
	ctx := context.Background()
	if _, err := p.Send(ctx, OutMessage{Chat: "g", Text: "a"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := p.GroupInfo(ctx, "g"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Download(ctx, &Media{Kind: MediaImage}); err != nil {
			t.Fatal(err)
		}
	}
	if inner.count("groupinfo") != 5 || inner.count("download") != 5 {
		t.Fatalf("reads reaching transport: groupinfo %d, download %d, want 5 each", inner.count("groupinfo"), inner.count("download"))
	}
}

// A zero interval switches pacing off; a burst below 1 is raised to 1.
func TestPaceZeroIntervalIsUnlimited(t *testing.T) {
	inner := &countingTransport{}
	p := Pace(inner, 0, 0)
	for i := range 200 {
		if _, err := p.Send(context.Background(), OutMessage{Chat: "g", Text: "x"}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if inner.count("send") != 200 {
		t.Fatalf("sent %d, want 200", inner.count("send"))
	}
	if p.Inner() != Transport(inner) {
		t.Fatal("Inner does not return the wrapped transport")
	}
}

// An already-cancelled context fails fast even when tokens are available,
// so shutdown never sends one more message.
func TestPacedHonoursCancelledContext(t *testing.T) {
	inner := &countingTransport{}
	p := Pace(inner, time.Hour, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Send(ctx, OutMessage{Chat: "g", Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if inner.count("send") != 0 {
		t.Fatal("send reached the transport with a cancelled context")
	}
}

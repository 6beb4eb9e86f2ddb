package bot

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// Paced wraps a Transport so that everything the bot says or does in a chat
// waits its turn on a token bucket. WhatsApp bans accounts that send in
// bursts, and whatsmeow itself has no limit, so the pacing lives here, in
// front of any transport. Reading (GroupInfo, Download) is not paced: it
// sends nothing to other people.
type Paced struct {
	inner   Transport
	limiter *rate.Limiter
}

// Pace returns tr limited to one outbound action per interval on average,
// with at most burst actions back to back. An interval of zero or less
// disables pacing; burst is at least 1.
func Pace(tr Transport, interval time.Duration, burst int) *Paced {
	if burst < 1 {
		burst = 1
	}
	limit := rate.Inf
	if interval > 0 {
		limit = rate.Every(interval)
	}
	return &Paced{inner: tr, limiter: rate.NewLimiter(limit, burst)}
}

// Inner returns the wrapped transport.
func (p *Paced) Inner() Transport { return p.inner }

// wait blocks until the bucket lets one more action through or ctx ends.
func (p *Paced) wait(ctx context.Context, action string) error {
	if err := p.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("pacing %s: %w", action, err)
	}
	return nil
}

// Send waits for its turn, then sends.
func (p *Paced) Send(ctx context.Context, m OutMessage) (string, error) {
	if err := p.wait(ctx, "send"); err != nil {
		return "", err
	}
	return p.inner.Send(ctx, m)
}

// SendPoll waits for its turn, then sends the poll.
func (p *Paced) SendPoll(ctx context.Context, poll OutPoll) (string, error) {
	if err := p.wait(ctx, "poll"); err != nil {
		return "", err
	}
	return p.inner.SendPoll(ctx, poll)
}

// NewMessageID asks the wrapped transport; it sends nothing.
func (p *Paced) NewMessageID() string { return p.inner.NewMessageID() }

// Edit waits for its turn, then edits.
func (p *Paced) Edit(ctx context.Context, chat ChatID, id string, text string) error {
	if err := p.wait(ctx, "edit"); err != nil {
		return err
	}
	return p.inner.Edit(ctx, chat, id, text)
}

// React waits for its turn, then reacts.
func (p *Paced) React(ctx context.Context, target MessageRef, emoji string) error {
	if err := p.wait(ctx, "reaction"); err != nil {
		return err
	}
	return p.inner.React(ctx, target, emoji)
}

// Delete waits for its turn, then deletes.
func (p *Paced) Delete(ctx context.Context, target MessageRef) error {
	if err := p.wait(ctx, "delete"); err != nil {
		return err
	}
	return p.inner.Delete(ctx, target)
}

// RemoveMember waits for its turn, then removes the member.
func (p *Paced) RemoveMember(ctx context.Context, chat ChatID, member Address) error {
	if err := p.wait(ctx, "remove"); err != nil {
		return err
	}
	return p.inner.RemoveMember(ctx, chat, member)
}

// GroupInfo is not paced: it reads (usually from the transport's cache).
func (p *Paced) GroupInfo(ctx context.Context, chat ChatID) (GroupInfo, error) {
	return p.inner.GroupInfo(ctx, chat)
}

// Download is not paced: fetching media tells nobody anything.
func (p *Paced) Download(ctx context.Context, m *Media) ([]byte, error) {
	return p.inner.Download(ctx, m)
}

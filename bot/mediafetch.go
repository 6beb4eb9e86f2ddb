package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Attachment downloads are outside calls: up to a minute each on WhatsApp,
// and the transport's receive path waits for a message's commit. With
// Config.DeferDownloads a message whose handler asks for an attachment is
// handled in two steps, so a slow download never holds the receive path
// nor the writer:
//
//  1. In the message's unit of work, the first Download ends the handling:
//     what the handlers did is rolled back, and the dedupe mark commits
//     with a job (jobMedia) holding the message. WhatsApp is acknowledged.
//  2. The fetcher (Run's goroutine) downloads outside any transaction, then
//     moves the job to now.
//  3. The job handles the message as it came, with Download answering from
//     what was fetched: the report, ticket and replies commit with the
//     job's completion, exactly once. A failed download is retried with
//     backoff, and after maxMediaAttempts Download returns the error, so the
//     feature tells the person as it would have at once.
//
// A message whose handlers never ask for its attachment (chatter with a
// photo) is handled in one step and downloads nothing.

const (
	jobMedia = "core.media"
	// mediaWait is when a job looks again at a download it has not heard
	// about (a restart lost it, or the fetcher's queue was full).
	mediaWait = 2 * time.Minute
	// maxMediaAttempts bounds the downloads of one message's attachments.
	maxMediaAttempts = 4
)

// mediaBackoff spaces retried downloads: 1, 2, 4 minutes.
var mediaBackoff = Backoff{Base: time.Minute, Max: 15 * time.Minute}

// ErrMediaPending is what Download returns while a message's first pass
// runs; that pass is rolled back, so no reply or record ever shows it.
var ErrMediaPending = errors.New("attachment not downloaded yet")

// errMediaDeferred rolls back a message's first pass.
var errMediaDeferred = errors.New("attachment download deferred")

// fetchedMedia is one download's outcome, set on the Media a handler sees.
type fetchedMedia struct {
	data []byte
	err  error
}

// mediaPass records which attachments a message's first pass asked for.
type mediaPass struct {
	msg          *Message
	media, quote bool
}

type mediaPassKey struct{}

// wants notes m when it is one of the message's own attachments.
func (p *mediaPass) wants(m *Media) bool {
	switch {
	case m == p.msg.Media:
		p.media = true
	case p.msg.Quote != nil && m == p.msg.Quote.Media:
		p.quote = true
	default:
		return false
	}
	return true
}

// mediaJob is the job's payload: the message and what to fetch for it.
type mediaJob struct {
	Msg      Message `json:"msg"`
	Media    bool    `json:"media,omitempty"`
	Quote    bool    `json:"quote,omitempty"`
	Attempts int     `json:"attempts,omitempty"`
}

// wanted lists the attachments to fetch.
func (j *mediaJob) wanted() []*Media {
	var out []*Media
	if j.Media && j.Msg.Media != nil {
		out = append(out, j.Msg.Media)
	}
	if j.Quote && j.Msg.Quote != nil && j.Msg.Quote.Media != nil {
		out = append(out, j.Msg.Quote.Media)
	}
	return out
}

// fetcher downloads for jobMedia outside any unit of work. Results stay in
// memory until the job that uses them commits: after a restart the job
// asks again.
type fetcher struct {
	mu       sync.Mutex
	results  map[string][]fetchedMedia // job key → one per wanted attachment
	inflight map[string]bool
	queue    chan fetchRequest
}

type fetchRequest struct {
	key string
	job mediaJob
}

func newFetcher() *fetcher {
	return &fetcher{results: map[string][]fetchedMedia{}, inflight: map[string]bool{}, queue: make(chan fetchRequest, 64)}
}

// kick asks for the job's downloads unless they are under way; a full
// queue leaves it to the job's next look.
func (f *fetcher) kick(key string, job mediaJob) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inflight[key] {
		return
	}
	select {
	case f.queue <- fetchRequest{key: key, job: job}:
		f.inflight[key] = true
	default:
	}
}

func (f *fetcher) result(key string) ([]fetchedMedia, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.results[key]
	return r, ok
}

func (f *fetcher) forget(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.results, key)
}

func (f *fetcher) done(key string, r []fetchedMedia) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results[key] = r
	delete(f.inflight, key)
}

// Attachments downloads what people send. With Config.DeferDownloads the
// download never runs inside a message's unit of work: the first call
// there ends the message's handling, which runs again once the attachment
// is fetched, so a handler simply calls Download. The Kit hands it to
// features as Attachments.
type Attachments struct{ tr Transport }

// Download fetches a message's attachment: what the fetcher got, deferred
// during a message's first pass, else straight from the transport.
func (a *Attachments) Download(ctx context.Context, m *Media) ([]byte, error) {
	if m == nil {
		return nil, errors.New("download: no attachment")
	}
	if m.fetched != nil {
		return m.fetched.data, m.fetched.err
	}
	if p, ok := ctx.Value(mediaPassKey{}).(*mediaPass); ok && p.wants(m) {
		return nil, ErrMediaPending
	}
	return a.tr.Download(ctx, m)
}

func hasMedia(m *Message) bool {
	return m.Media != nil || (m.Quote != nil && m.Quote.Media != nil)
}

func mediaJobKey(m *Message) string { return "media:" + string(m.Chat.ID) + "/" + m.ID }

// handleDeferringMedia is handleMessage's first pass for a message with an
// attachment (step 1 above). It runs in the message's unit of work, after
// the dedupe mark.
func (e *Engine) handleDeferringMedia(ctx context.Context, m *Message, gs GroupSettings, p parsed) error {
	pass := &mediaPass{msg: m}
	err := e.store.Atomic(context.WithValue(ctx, mediaPassKey{}, pass), func(ctx context.Context) error {
		if err := e.handleMessage(ctx, m, gs, p); err != nil {
			return err
		}
		if pass.media || pass.quote {
			return errMediaDeferred
		}
		return nil
	})
	if !errors.Is(err, errMediaDeferred) {
		return err
	}
	job := mediaJob{Msg: *m, Media: pass.media, Quote: pass.quote}
	key := mediaJobKey(m)
	if err := e.jobs.Schedule(ctx, jobMedia, key, e.now().Add(mediaWait), job); err != nil {
		return err
	}
	e.store.AfterCommit(ctx, func() { e.fetch.kick(key, job) })
	e.log.Debug("message waits for its attachment", KeyChat, m.Chat.ID, KeyMsg, m.ID)
	return nil
}

// runFetcher downloads what jobMedia jobs ask for until ctx ends (step 2).
func (e *Engine) runFetcher(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-e.fetch.queue:
			var res []fetchedMedia
			for _, md := range r.job.wanted() {
				data, err := e.tr.Download(ctx, md)
				res = append(res, fetchedMedia{data: data, err: err})
			}
			e.fetch.done(r.key, res)
			_ = e.Enqueue(ctx, func(work context.Context) { e.mediaFetched(work, r.key, r.job) })
		}
	}
}

// mediaFetched moves a job whose downloads finished to now and runs it,
// unless it ran meanwhile: a job that is gone was handled, and scheduling
// it again would handle its message twice.
func (e *Engine) mediaFetched(ctx context.Context, key string, job mediaJob) {
	e.mu.Lock()
	err := e.store.Atomic(ctx, func(ctx context.Context) error {
		pending, err := e.store.JobPending(ctx, key)
		if err != nil || !pending {
			return err
		}
		return e.jobs.Schedule(ctx, jobMedia, key, e.now(), job)
	})
	e.mu.Unlock()
	if err != nil {
		e.log.Warn("could not move a fetched attachment's message forward; it runs later", KeyErr, err)
		return
	}
	// On the worker, as Run's ticker does: a fetch goes on a goroutine.
	e.jobs.RunDue(ctx, ctx, true)
}

// finishMediaMessage is the jobMedia handler (step 3).
func (e *Engine) finishMediaMessage(ctx context.Context, j Job, p mediaJob) error {
	res, ok := e.fetch.result(j.Key)
	want := p.wanted()
	if !ok || len(res) != len(want) {
		// Not fetched yet, or the result was lost with a restart.
		e.fetch.kick(j.Key, p)
		return e.jobs.Schedule(ctx, jobMedia, j.Key, e.now().Add(mediaWait), p)
	}
	if err := fetchErr(res); err != nil {
		e.fetch.forget(j.Key)
		switch {
		case errors.Is(err, ErrNotConnected):
			// Offline uses up no attempt.
			return e.jobs.Schedule(ctx, jobMedia, j.Key, e.now().Add(time.Minute), p)
		case p.Attempts+1 < maxMediaAttempts:
			p.Attempts++
			wait := mediaBackoff.Delay(p.Attempts, j.Key, 0)
			e.log.Warn("attachment download failed; trying again", KeyChat, p.Msg.Chat.ID, KeyMsg, p.Msg.ID, "in", wait, KeyErr, redact(err))
			return e.jobs.Schedule(ctx, jobMedia, j.Key, e.now().Add(wait), p)
		}
		e.log.Error("attachment download failed for good; the message is handled without it", KeyChat, p.Msg.Chat.ID, KeyMsg, p.Msg.ID, "attempts", p.Attempts+1, KeyErr, redact(err))
	}
	m := p.Msg
	for i, md := range want {
		md.fetched = &res[i]
	}
	e.store.AfterCommit(ctx, func() { e.fetch.forget(j.Key) })
	// Its replies answer a person, as the message's would have.
	return e.rehandle(WithPriority(ctx, PriorityReply), &m)
}

func fetchErr(res []fetchedMedia) error {
	for _, r := range res {
		if r.err != nil {
			return r.err
		}
	}
	return nil
}

// rehandle runs a stored message's handling again, in the job's unit of
// work: it was deduplicated, cleaned and its mentions named the first time.
func (e *Engine) rehandle(ctx context.Context, m *Message) error {
	var gs GroupSettings
	if m.Chat.IsGroup {
		var err error
		if gs, err = e.store.GroupSettings(ctx, m.Chat.ID); err != nil {
			return fmt.Errorf("group settings: %w", err)
		}
		if !gs.Enabled {
			// Switched off while the attachment came: nothing to do.
			return nil
		}
	}
	var p parsed
	p.name, p.args, p.isCommand = e.reg.router.Parse(m.Text)
	if m.EditOf != "" {
		p.isCommand = false
	}
	return e.handleMessage(ctx, m, gs, p)
}

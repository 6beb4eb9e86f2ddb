package inbox

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/console"
	"neighbourbot/bot/sqlite"
)

// photoSignal passes sends and downloads on to the console, reports each
// post that carries a file, and whether a download ran inside a unit of
// work (it must not: the writer would wait on the network).
type photoSignal struct {
	*console.Console
	posted chan *bot.Attachment
	inTx   chan bool
}

func (p photoSignal) Send(ctx context.Context, m bot.OutMessage) (string, error) {
	id, err := p.Console.Send(ctx, m)
	if m.Attachment != nil {
		p.posted <- m.Attachment
	}
	return id, err
}

func (p photoSignal) Download(ctx context.Context, m *bot.Media) ([]byte, error) {
	p.inTx <- sqlite.InUnitOfWork(ctx)
	return p.Console.Download(ctx, m)
}

// With attachments downloaded after the message is acknowledged (as on
// WhatsApp), a resident's photo still reaches the ticket and the staff
// group, downloaded once, outside any transaction.
func TestPhotoReachesTheTicketWhenDownloadedAfterTheMessage(t *testing.T) {
	ctx := context.Background()
	srv := recordedHolidays(t)
	opts := options(t, testConfig(srv.URL), filepath.Join(t.TempDir(), "inbox"))
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"), opts.Migrations...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(io.Discard, clock)
	tr := photoSignal{Console: con, posted: make(chan *bot.Attachment, 4), inTx: make(chan bool, 4)}
	engine := bot.NewEngine(bot.Config{SyncSends: true, DeferDownloads: true, JobInterval: time.Hour}, store, tr, clock)
	con.Attach(engine)
	if err := opts.Register(&bottest.Harness{T: t, Engine: engine, Store: store, Console: con, Transport: tr, Clock: clock}); err != nil {
		t.Fatal(err)
	}
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- engine.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	}()

	script := "@group staff Council staff\n@admin Sam\nSam: !bot on\ndm Erin [photo]: Fly-tipping behind the garages on Elm Road\n"
	if err := con.RunScript(ctx, strings.NewReader(script), false); err != nil {
		t.Fatal(err)
	}
	select {
	case att := <-tr.posted:
		if att.Kind != bot.MediaImage {
			t.Fatalf("staff got a %s", att.Kind)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the photo never reached the staff group")
	}
	if len(tr.inTx) != 1 || <-tr.inTx {
		t.Fatal("the photo was not downloaded once, outside any transaction")
	}
	var file string
	if err := store.DB().QueryRowContext(ctx, `SELECT media_file FROM inbox_messages WHERE ticket_id = 1`).Scan(&file); err != nil || file == "" {
		t.Fatalf("ticket C1's message has no photo: %q, %v", file, err)
	}
}

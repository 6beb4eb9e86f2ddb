package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listener wakes a process when another one (or itself) queues a job or a
// send on the hub: the store NOTIFYs its schema's channel in the unit of
// work that queued it, so the wake comes once that commits and never for
// one rolled back. It LISTENs on a pgx connection of its own, outside the
// pool, since a listening connection must stay open and idle.
type Listener struct {
	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}
}

// Listen starts listening on channel (WakeChannel) of the database at
// database. The first LISTEN is made before it returns, so nothing
// committed after that is missed; a lost connection is made again, with
// a wake, since what was notified meanwhile is not known.
func Listen(ctx context.Context, database, channel string) (*Listener, error) {
	cfg, err := ParseURL(database)
	if err != nil {
		return nil, err
	}
	conn, err := listenOn(ctx, cfg, channel)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	l := &Listener{wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go l.run(ctx, cfg, channel, conn)
	return l, nil
}

// Wake receives a value when something was queued since the last receive
// (many notifications coalesce into one).
func (l *Listener) Wake() <-chan struct{} { return l.wake }

// Close stops listening and closes the connection.
func (l *Listener) Close() {
	l.stop()
	<-l.done
}

func (l *Listener) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func listenOn(ctx context.Context, cfg *pgx.ConnConfig, channel string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("listen: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("listen: %w", err)
	}
	return conn, nil
}

// reconnectWait is how long a lost listening connection waits before it is
// made again (real time: the server's absence, not the bot's clock).
const reconnectWait = time.Second

func (l *Listener) run(ctx context.Context, cfg *pgx.ConnConfig, channel string, conn *pgx.Conn) {
	defer close(l.done)
	for {
		for conn != nil {
			if _, err := conn.WaitForNotification(ctx); err != nil {
				conn.Close(context.Background())
				conn = nil
				break
			}
			l.signal()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(reconnectWait):
		}
		c, err := listenOn(ctx, cfg, channel)
		if err == nil {
			conn = c
			l.signal()
		}
	}
}

package whatsapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdp/qrterminal/v3"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"
)

// Reasons a session ends for good. The command maps each to an exit code;
// none of them is retried, because retrying would not help (or would make
// a ban worse).
var (
	// ErrLoggedOut: the device was unlinked from the phone (or WhatsApp
	// dropped it); whatsmeow has already deleted the session. The session
	// ends with a *LoggedOutError, which says why.
	ErrLoggedOut = errors.New("this linked device was logged out of WhatsApp")
	// ErrConnectRefused: WhatsApp refused the connection for a reason after
	// which whatsmeow stops reconnecting. The session ends with a
	// *ConnectFailureError.
	ErrConnectRefused = errors.New("WhatsApp refused the connection and the client stopped reconnecting")
	// ErrReplaced: another process connected with the same session.
	ErrReplaced = errors.New("another process is using this WhatsApp session")
	// ErrClientOutdated: WhatsApp refused the client version (405).
	ErrClientOutdated = errors.New("WhatsApp says this client version is outdated")
	// ErrUnreachable: linking could not even start because WhatsApp's
	// servers could not be reached (no network, DNS, a firewall).
	ErrUnreachable = errors.New("could not reach WhatsApp to start linking")
	// ErrLinkTimeout: nobody scanned the QR code or entered the pairing
	// code in time.
	ErrLinkTimeout = errors.New("linking timed out: no QR scan or pairing code entered in time")
)

// BanError reports a temporary ban from WhatsApp.
type BanError struct {
	Code   int
	Reason string
	Expire time.Duration // 0 when WhatsApp did not say
}

func (e *BanError) Error() string {
	if e.Expire > 0 {
		return fmt.Sprintf("WhatsApp temporarily banned this account (code %d: %s); the ban expires in %s", e.Code, e.Reason, e.Expire.Round(time.Minute))
	}
	return fmt.Sprintf("WhatsApp temporarily banned this account (code %d: %s)", e.Code, e.Reason)
}

// LoggedOutError is a logout with WhatsApp's reason code.
type LoggedOutError struct {
	Reason events.ConnectFailureReason
}

func (e *LoggedOutError) Error() string {
	return fmt.Sprintf("%v (reason %d: %s)", ErrLoggedOut, int(e.Reason), e.Meaning())
}

func (e *LoggedOutError) Unwrap() error { return ErrLoggedOut }

// Banned reports whether WhatsApp may have banned the account rather than
// just ending this device's login: linking again at once will not help.
// Only 406 is that (WhatsApp Web calls it BANNED, whatsmeow
// types/events/events.go). 403, "main device gone", is the phone itself
// logged out of WhatsApp — a new phone, WhatsApp reinstalled, the number
// moved — which mautrix-whatsapp words "Your phone was logged out from
// WhatsApp" (pkg/connector/handlewhatsapp.go): link again once the phone
// is set up, like any unlink.
func (e *LoggedOutError) Banned() bool {
	return e.Reason == events.ConnectFailureUnknownLogout
}

// PhoneGone reports a 403: the phone itself was logged out of WhatsApp.
func (e *LoggedOutError) PhoneGone() bool {
	return e.Reason == events.ConnectFailureMainDeviceGone
}

// Meaning says in plain words what the reason means.
func (e *LoggedOutError) Meaning() string {
	switch e.Reason {
	case events.ConnectFailureMainDeviceGone:
		return "the bot's phone itself was logged out of WhatsApp"
	case events.ConnectFailureUnknownLogout:
		return "WhatsApp logged this device out without saying why, which it does when it bans an account"
	}
	return "the device was unlinked"
}

// ConnectFailureError is a connection refusal whatsmeow does not retry
// (connectionevents.go handleConnectFailure), or a failed refresh of the
// connection token (CATRefreshError). A fresh process may get through.
type ConnectFailureError struct {
	Reason  int    // WhatsApp's code; 0 for a token refresh failure
	Message string // WhatsApp's text or the refresh error
}

func (e *ConnectFailureError) Error() string {
	if e.Reason == 0 {
		return fmt.Sprintf("%v (refreshing the connection token failed: %s)", ErrConnectRefused, e.Message)
	}
	if e.Message != "" {
		return fmt.Sprintf("%v (code %d: %s)", ErrConnectRefused, e.Reason, e.Message)
	}
	return fmt.Sprintf("%v (code %d: %s)", ErrConnectRefused, e.Reason, events.ConnectFailureReason(e.Reason))
}

func (e *ConnectFailureError) Unwrap() error { return ErrConnectRefused }

// SessionOptions configure the WhatsApp session.
type SessionOptions struct {
	// DSN opens the session database with the "sqlite3" driver (the
	// caller registers it); it must enable foreign keys.
	DSN string
	// DB, when set, is a PostgreSQL pool (bot/postgres.OpenDB) that holds
	// the session instead of the SQLite file at DSN: whatsmeow's own
	// tables (one device row per number) and the adapter's, beside the
	// hub's. The session owns the pool and closes it.
	DB *sql.DB
	// DeviceName is shown on the phone under Linked devices.
	DeviceName string
	Log        *slog.Logger
}

// Session is the linked device: whatsmeow's client over its SQLite store,
// with the connection lifecycle turned into log lines and a final reason.
type Session struct {
	container *sqlstore.Container
	cli       *whatsmeow.Client
	log       *slog.Logger

	dsn  string
	pg   *sql.DB // the PostgreSQL pool, when the session is there (SessionOptions.DB)
	sent *sentLog

	endOnce sync.Once
	ended   chan struct{}
	endErr  error

	connState *connState
}

// connState tells whether the connection is down, so that an outage reads as
// one line of the bot's and at most one of whatsmeow's: while the network
// is out whatsmeow logs an error at every reconnect attempt (every few
// seconds to a minute), which says nothing the first did not.
type connState struct {
	down  atomic.Bool // the bot's line for this outage was logged
	noted atomic.Bool // whatsmeow's line for this outage was logged
}

// reconnectNoise are the starts of whatsmeow's lines that come with every
// drop and reconnect attempt.
var reconnectNoise = []string{
	"Error reconnecting after autoreconnect sleep",
	"Initial connection failed but reconnecting in background",
	"Error reading from websocket",
	"Failed to send keepalive",
	"Keepalive timed out",
}

// quiet reports whether a whatsmeow line is reconnect noise that has
// already been logged in this outage; the first one of an outage opens it.
func (o *connState) quiet(msg string) bool {
	if o == nil {
		return false
	}
	for _, p := range reconnectNoise {
		if strings.HasPrefix(msg, p) {
			return o.noted.Swap(true)
		}
	}
	return false
}

// OpenSession opens (creating when needed) the session store and builds
// the client. Nothing is sent over the network until Connect.
func OpenSession(ctx context.Context, opts SessionOptions) (*Session, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = redacted(log)
	if opts.DeviceName != "" {
		store.DeviceProps.Os = proto.String(opts.DeviceName)
	}
	out := &connState{}
	waLogger := waSlog{log: redacted(log).With("from", "whatsmeow"), connState: out}
	container, err := openContainer(ctx, opts, waLogger.Sub("store"))
	if err != nil {
		return nil, fmt.Errorf("open WhatsApp session store: %w", err)
	}
	device, err := container.GetFirstDevice(ctx)
	if err != nil {
		container.Close()
		return nil, fmt.Errorf("load WhatsApp device: %w", err)
	}
	cli := whatsmeow.NewClient(device, waLogger.Sub("client"))
	// Receipts go only after the handlers return, and a handler returning
	// false withholds it (message.go), so WhatsApp delivers again what the
	// bot failed to commit; the decrypted-event buffer lets that copy be
	// decrypted although the Signal ratchet has moved on. Reporting tokens
	// and asking the bot's phone for undecryptable messages (retry.go) are
	// what WhatsApp's own clients do; mautrix-whatsapp sets all four.
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	cli.SendReportingTokens = true
	cli.AutomaticMessageRerequestFromPhone = true
	// Reconnect after a failed first connect too, and cap whatsmeow's
	// linear, unbounded backoff at one minute.
	cli.InitialAutoReconnect = true
	cli.AutoReconnectHook = func(err error) bool {
		if cli.AutoReconnectErrors > 30 {
			cli.AutoReconnectErrors = 30
		}
		return true
	}
	sent, err := openSentLog(ctx, opts, log)
	if err != nil {
		container.Close()
		return nil, fmt.Errorf("open the log of sent messages: %w", err)
	}
	cli.GetMessageForRetry = sent.lookup
	s := &Session{container: container, cli: cli, log: log, dsn: opts.DSN, pg: opts.DB, sent: sent, ended: make(chan struct{}), connState: out}
	cli.AddEventHandler(s.handleLifecycle)
	return s, nil
}

// openContainer opens whatsmeow's store: on the SQLite file at DSN, or on
// the PostgreSQL pool DB with whatsmeow's "postgres" dialect (its queries
// are written with $n, which the pool's rewriting of "?" leaves alone).
// Either way whatsmeow's upgrades bring its tables up to date.
func openContainer(ctx context.Context, opts SessionOptions, log waLog.Logger) (*sqlstore.Container, error) {
	if opts.DB == nil {
		return sqlstore.New(ctx, "sqlite3", opts.DSN, log)
	}
	c := sqlstore.NewWithDB(opts.DB, "postgres", log)
	if err := c.Upgrade(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Client returns the narrow client for the adapter.
// Sends are kept for whatsmeow's retry receipts (sentlog.go).
func (s *Session) Client() Client { return loggingClient{liveClient{s.cli}, s.sent} }

// Linked reports whether the store holds a linked device.
func (s *Session) Linked() bool { return s.cli.Store.ID != nil }

// AddEventHandler registers fn for every whatsmeow event (the adapter's
// HandleEvent) with a success status: false withholds the message's
// receipt. Register before Connect so no message is missed.
func (s *Session) AddEventHandler(fn func(evt any) bool) { s.cli.AddEventHandlerWithSuccessStatus(fn) }

// Ended is closed when the session stops for good; Err says why.
func (s *Session) Ended() <-chan struct{} { return s.ended }

// Err is the reason the session ended (nil while it runs).
func (s *Session) Err() error {
	select {
	case <-s.ended:
		return s.endErr
	default:
		return nil
	}
}

func (s *Session) end(err error) {
	s.endOnce.Do(func() {
		s.endErr = err
		close(s.ended)
	})
}

// LinkOptions say how to link a new device.
type LinkOptions struct {
	// PairPhone, when set, links by 8-character pairing code for this
	// number (international form, digits only) instead of a QR code.
	PairPhone string
	// Out is the terminal the QR code or pairing code is written to.
	Out io.Writer
}

// LinkHint is where on the phone linking happens.
const LinkHint = "WhatsApp > Settings > Linked devices > Link a device"

// Connect connects, first linking a new device when the store has none.
// Linking progress is written to link.Out; failures end the session.
func (s *Session) Connect(ctx context.Context, link LinkOptions) error {
	if s.Linked() {
		if err := s.cli.Connect(); err != nil {
			return fmt.Errorf("connect to WhatsApp: %w", err)
		}
		return nil
	}
	qr, err := s.cli.GetQRChannel(ctx)
	if err != nil {
		return fmt.Errorf("start linking: %w", err)
	}
	if err := s.cli.Connect(); err != nil {
		return fmt.Errorf("connect to WhatsApp for linking: %w", err)
	}
	go s.showLinking(ctx, qr, link)
	return nil
}

// showLinking prints each QR code as WhatsApp rotates them, or asks for a
// pairing code once the connection is ready (after the first QR event).
func (s *Session) showLinking(ctx context.Context, qr <-chan whatsmeow.QRChannelItem, link LinkOptions) {
	out := link.Out
	if out == nil {
		out = io.Discard
	}
	asked, gotCode := false, false
	for item := range qr {
		switch item.Event {
		case whatsmeow.QRChannelEventCode:
			gotCode = true
			if link.PairPhone == "" {
				fmt.Fprintf(out, "\nScan this QR code on the bot's phone: %s\n", LinkHint)
				qrterminal.GenerateHalfBlock(item.Code, qrterminal.L, out)
				fmt.Fprintf(out, "(the code changes every %s or so; a new one is printed here)\n", item.Timeout.Round(time.Second))
				continue
			}
			if asked {
				continue
			}
			asked = true
			code, err := s.cli.PairPhone(ctx, link.PairPhone, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
			if err != nil {
				s.end(fmt.Errorf("request pairing code: %w", err))
				return
			}
			fmt.Fprintf(out, "\nPairing code: %s\nOn the bot's phone: %s > Link with phone number instead, then type the code.\n", code, LinkHint)
		case whatsmeow.QRChannelSuccess.Event:
			s.log.Info("device linked; finishing login")
		case whatsmeow.QRChannelTimeout.Event:
			// whatsmeow reports a dropped connection as a timeout too;
			// without a single code shown, nobody could have scanned.
			if !gotCode {
				s.end(ErrUnreachable)
				return
			}
			s.end(ErrLinkTimeout)
		case whatsmeow.QRChannelClientOutdated.Event:
			s.end(ErrClientOutdated)
		case whatsmeow.QRChannelScannedWithoutMultidevice.Event:
			fmt.Fprintln(out, "That phone needs multi-device: update WhatsApp on it and scan again.")
		case whatsmeow.QRChannelEventError:
			s.end(fmt.Errorf("linking failed: %w", item.Error))
		default:
			s.end(fmt.Errorf("linking failed: %s", item.Event))
		}
	}
}

// handleLifecycle turns connection events into log lines and, for the
// final ones, the session's end reason.
func (s *Session) handleLifecycle(evt any) {
	switch evt := evt.(type) {
	case *events.Connected:
		s.connState.down.Store(false)
		s.connState.noted.Store(false)
		s.log.Info("connected to WhatsApp")
	case *events.Disconnected:
		// Once per outage; and whatsmeow reconnects only a linked device
		// (client.go autoReconnect), so before linking it is not said.
		switch {
		case s.cli.Store.ID == nil:
			s.log.Warn("disconnected from WhatsApp")
		case !s.connState.down.Swap(true):
			s.log.Warn("disconnected from WhatsApp; reconnecting automatically")
		default:
			s.log.Debug("still disconnected from WhatsApp")
		}
	case *events.KeepAliveTimeout:
		if evt.ErrorCount > 1 {
			s.log.Debug("WhatsApp is still not answering keep-alive pings", "failures", evt.ErrorCount)
			return
		}
		s.log.Warn("WhatsApp is not answering keep-alive pings", "failures", evt.ErrorCount, "last_ok", evt.LastSuccess)
	case *events.KeepAliveRestored:
		s.log.Info("WhatsApp keep-alive restored")
	case *events.PairSuccess:
		s.log.Info("linked to WhatsApp", "platform", evt.Platform) // the account is a phone number: not logged
	case *events.OfflineSyncCompleted:
		s.log.Info("caught up with messages queued while offline (old ones are ignored)", "count", evt.Count)
	case *events.HistorySync:
		s.log.Debug("history sync ignored")
	case *events.ConnectFailure:
		// Dispatched only for reasons whatsmeow does not retry: it has
		// stopped reconnecting, so staying up would mean offline for good.
		s.log.Error("WhatsApp refused the connection; whatsmeow stopped reconnecting", "reason", int(evt.Reason), "message", evt.Message)
		s.end(&ConnectFailureError{Reason: int(evt.Reason), Message: evt.Message})
	case *events.CATRefreshError:
		s.log.Error("could not refresh the WhatsApp connection token; whatsmeow stopped reconnecting", "err", evt.Error)
		s.end(&ConnectFailureError{Message: fmt.Sprint(evt.Error)})
	case *events.LoggedOut:
		lo := &LoggedOutError{Reason: evt.Reason}
		s.log.Error("logged out of WhatsApp", "reason", int(evt.Reason), "meaning", lo.Meaning(), "on_connect", evt.OnConnect)
		s.end(lo)
	case *events.StreamReplaced:
		s.log.Error("another process connected with this WhatsApp session")
		s.end(ErrReplaced)
	case *events.TemporaryBan:
		s.log.Error("temporarily banned by WhatsApp", "code", int(evt.Code), "reason", evt.Code.String(), "expires_in", evt.Expire)
		s.end(&BanError{Code: int(evt.Code), Reason: banReason(evt.Code), Expire: evt.Expire})
	case *events.ClientOutdated:
		s.log.Error("WhatsApp refused the client version as outdated (405)")
		s.end(ErrClientOutdated)
	}
}

// banReason is the description part of whatsmeow's "code: description".
func banReason(code events.TempBanReason) string {
	s := code.String()
	if i := len(fmt.Sprintf("%d: ", int(code))); len(s) > i {
		return s[i:]
	}
	return s
}

// Close disconnects and closes the session store.
func (s *Session) Close() error {
	s.cli.Disconnect()
	if s.pg == nil {
		s.sent.db.Close() // its own connection to the SQLite file
	}
	if err := s.container.Close(); err != nil {
		return fmt.Errorf("close WhatsApp session store: %w", err)
	}
	return nil
}

// waSlog bridges whatsmeow's logger to slog. Only warnings and errors pass:
// whatsmeow's info and debug output is a firehose of protocol detail. Of
// its reconnect lines the first of an outage passes, as a warning (it is
// retried), and the rest go to debug.
type waSlog struct {
	log       *slog.Logger
	connState *connState
}

// NewWALogger returns a whatsmeow logger writing warnings and errors to log.
// Its lines quote JIDs: they go through the same redaction as the bot's.
func NewWALogger(log *slog.Logger) waLog.Logger {
	return waSlog{log: redacted(log).With("from", "whatsmeow")}
}

func (w waSlog) Warnf(msg string, args ...any) { w.logf(slog.LevelWarn, msg, args) }
func (w waSlog) Errorf(msg string, args ...any) {
	for _, p := range reconnectNoise {
		if strings.HasPrefix(msg, p) {
			w.logf(slog.LevelWarn, msg, args) // retried: a warning, not an error
			return
		}
	}
	w.logf(slog.LevelError, msg, args)
}
func (w waSlog) Infof(string, ...any)  {}
func (w waSlog) Debugf(string, ...any) {}
func (w waSlog) Sub(module string) waLog.Logger {
	return waSlog{log: w.log.With("module", module), connState: w.connState}
}

func (w waSlog) logf(level slog.Level, msg string, args []any) {
	if w.connState.quiet(msg) {
		level = slog.LevelDebug
	}
	w.log.Log(context.Background(), level, fmt.Sprintf(msg, args...))
}

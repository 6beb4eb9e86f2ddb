package whatsapp

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// sentKeep is how long a sent message can still be sent again for a retry
// receipt: a phone that could not decrypt it asks within minutes, or when
// it comes back online after days at most.
const sentKeep = 72 * time.Hour

// sentLog keeps what the bot sent, by message id, in the session database.
// whatsmeow answers a retry receipt (a recipient could not decrypt a
// message) from the last 256 sends in memory only (retry.go,
// getMessageForRetry, then Client.GetMessageForRetry): after a restart, or
// a busy fan-out, the recipient would never get the message. The bot's
// send queue deletes what it sent, so the adapter keeps the exact protobuf
// (the same poll secret, the same media keys) here.
type sentLog struct {
	db  *sql.DB
	log *slog.Logger
}

const sentTable = `CREATE TABLE IF NOT EXISTS neighbourbot_sent (
	id      TEXT PRIMARY KEY,
	chat    TEXT NOT NULL,
	message BLOB NOT NULL,
	sent_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS neighbourbot_sent_at ON neighbourbot_sent(sent_at)`

// sentTablePostgres is sentTable on PostgreSQL.
const sentTablePostgres = `CREATE TABLE IF NOT EXISTS neighbourbot_sent (
	id      TEXT PRIMARY KEY,
	chat    TEXT NOT NULL,
	message BYTEA NOT NULL,
	sent_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS neighbourbot_sent_at ON neighbourbot_sent(sent_at)`

// openSentLog opens the log in the session's database: a connection of
// its own to the SQLite file, or the session's PostgreSQL pool.
func openSentLog(ctx context.Context, opts SessionOptions, log *slog.Logger) (*sentLog, error) {
	if opts.DB != nil {
		if _, err := opts.DB.ExecContext(ctx, sentTablePostgres); err != nil {
			return nil, err
		}
		return &sentLog{db: opts.DB, log: log}, nil
	}
	db, err := sql.Open("sqlite3", opts.DSN)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, sentTable); err != nil {
		db.Close()
		return nil, err
	}
	return &sentLog{db: db, log: log}, nil
}

// record keeps msg as sent to chat under id, and forgets what is too old
// to be asked for again.
func (l *sentLog) record(ctx context.Context, chat types.JID, id types.MessageID, msg *waE2E.Message) {
	raw, err := proto.Marshal(msg)
	if err == nil {
		now := time.Now() // wall time: whatsmeow's retry receipts come in real time
		_, err = l.db.ExecContext(ctx, `INSERT INTO neighbourbot_sent (id, chat, message, sent_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET message = excluded.message, sent_at = excluded.sent_at`, string(id), chat.String(), raw, now.Unix())
		if err == nil {
			_, err = l.db.ExecContext(ctx, `DELETE FROM neighbourbot_sent WHERE sent_at < ?`, now.Add(-sentKeep).Unix())
		}
	}
	if err != nil {
		l.log.Warn("could not keep a sent message for retry receipts", "err", err)
	}
}

// lookup is whatsmeow's GetMessageForRetry: the message sent under id, or
// nil. Message ids are random and unique, so the chat (a LID or a phone
// number, as the receipt names it) is not needed to find it.
func (l *sentLog) lookup(requester, to types.JID, id types.MessageID) *waE2E.Message {
	var raw []byte
	err := l.db.QueryRow(`SELECT message FROM neighbourbot_sent WHERE id = ?`, string(id)).Scan(&raw)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			l.log.Warn("could not read a sent message for a retry receipt", "err", err)
		}
		return nil
	}
	var msg waE2E.Message
	if err := proto.Unmarshal(raw, &msg); err != nil {
		l.log.Warn("a kept sent message cannot be read", "err", err)
		return nil
	}
	return &msg
}

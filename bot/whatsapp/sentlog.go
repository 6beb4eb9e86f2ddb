package whatsapp

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// loggingClient records each message before whatsmeow sends it, under the
// id it is sent with (one is fixed here when the caller gave none).
type loggingClient struct {
	liveClient
	sent *sentLog
}

func (c loggingClient) SendMessage(ctx context.Context, to types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	var req whatsmeow.SendRequestExtra
	if len(extra) > 0 {
		req = extra[0]
	}
	if req.ID == "" {
		req.ID = c.GenerateMessageID()
	}
	c.sent.record(ctx, to, req.ID, msg)
	return c.liveClient.SendMessage(ctx, to, msg, req)
}

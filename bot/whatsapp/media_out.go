package whatsapp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
)

// maxUploadBytes bounds a file the bot forwards: WhatsApp itself refuses
// media over 100 MB (documents may be larger, but the bot never stores any).
const maxUploadBytes = 100 << 20

// sendMedia sends a stored file as the WhatsApp message matching its kind:
// the file is encrypted and uploaded with whatsmeow's Upload, and the
// upload's keys and hashes go into an image, video, audio or document
// message. The message id is fixed by m.ID as for a text, so a retried send
// never posts the file twice.
func (a *Adapter) sendMedia(ctx context.Context, chat types.JID, m bot.OutMessage) (string, error) {
	att := m.Attachment
	data, err := readAttachment(att.Path)
	if err != nil {
		return "", fmt.Errorf("send %s: %w", att.Kind, err)
	}
	msg, appInfo, err := mediaMessage(att, len(data))
	if err != nil {
		return "", err
	}
	up, err := a.cli.Upload(ctx, data, appInfo)
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", att.Kind, mapError(err, opSend))
	}
	ci := a.replyContext(ctx, chat, m.ReplyTo)
	if exp := a.expiration(ctx, chat); exp > 0 {
		// A disappearing-message group's timer goes on media too.
		if ci == nil {
			ci = &waE2E.ContextInfo{}
		}
		setExpiration(ci, exp)
	}
	fillUpload(msg, up, ci)
	resp, err := a.cli.SendMessage(ctx, chat, msg, whatsmeow.SendRequestExtra{ID: m.ID})
	if err != nil {
		return "", fmt.Errorf("send %s: %w", att.Kind, mapError(err, opSend))
	}
	return resp.ID, nil
}

func readAttachment(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxUploadBytes {
		return nil, fmt.Errorf("%s is %d bytes, over WhatsApp's %d MB limit", filepath.Base(path), st.Size(), maxUploadBytes>>20)
	}
	return os.ReadFile(path)
}

// mediaMessage builds the message for an attachment, without the upload's
// fields yet, and says which media keys to encrypt it with.
func mediaMessage(att *bot.Attachment, size int) (*waE2E.Message, whatsmeow.MediaType, error) {
	mime := att.MimeType
	caption := proto.String(att.Caption)
	if att.Caption == "" {
		caption = nil
	}
	switch att.Kind {
	case bot.MediaImage:
		if mime == "" {
			mime = "image/jpeg"
		}
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Mimetype: proto.String(mime), Caption: caption}}, whatsmeow.MediaImage, nil
	case bot.MediaVideo:
		if mime == "" {
			mime = "video/mp4"
		}
		vm := &waE2E.VideoMessage{Mimetype: proto.String(mime), Caption: caption}
		if att.Seconds > 0 {
			vm.Seconds = proto.Uint32(uint32(att.Seconds))
		}
		return &waE2E.Message{VideoMessage: vm}, whatsmeow.MediaVideo, nil
	case bot.MediaAudio:
		if mime == "" {
			mime = "audio/ogg; codecs=opus"
		}
		am := &waE2E.AudioMessage{Mimetype: proto.String(mime), PTT: proto.Bool(att.Voice)}
		if att.Seconds > 0 {
			am.Seconds = proto.Uint32(uint32(att.Seconds))
		}
		return &waE2E.Message{AudioMessage: am}, whatsmeow.MediaAudio, nil
	case bot.MediaDocument:
		if mime == "" {
			mime = "application/octet-stream"
		}
		name := att.FileName
		if name == "" {
			name = filepath.Base(att.Path)
		}
		return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{Mimetype: proto.String(mime),
			FileName: proto.String(name), Title: proto.String(name), Caption: caption}}, whatsmeow.MediaDocument, nil
	}
	return nil, "", fmt.Errorf("send attachment: cannot send a %q file (size %d)", att.Kind, size)
}

// fillUpload copies the upload's fields into whichever media message msg
// holds, as whatsmeow's Upload documentation describes.
func fillUpload(msg *waE2E.Message, up whatsmeow.UploadResponse, ci *waE2E.ContextInfo) {
	url, path, length := proto.String(up.URL), proto.String(up.DirectPath), proto.Uint64(up.FileLength)
	switch {
	case msg.ImageMessage != nil:
		im := msg.ImageMessage
		im.URL, im.DirectPath, im.MediaKey, im.FileEncSHA256, im.FileSHA256, im.FileLength, im.ContextInfo =
			url, path, up.MediaKey, up.FileEncSHA256, up.FileSHA256, length, ci
	case msg.VideoMessage != nil:
		vm := msg.VideoMessage
		vm.URL, vm.DirectPath, vm.MediaKey, vm.FileEncSHA256, vm.FileSHA256, vm.FileLength, vm.ContextInfo =
			url, path, up.MediaKey, up.FileEncSHA256, up.FileSHA256, length, ci
	case msg.AudioMessage != nil:
		am := msg.AudioMessage
		am.URL, am.DirectPath, am.MediaKey, am.FileEncSHA256, am.FileSHA256, am.FileLength, am.ContextInfo =
			url, path, up.MediaKey, up.FileEncSHA256, up.FileSHA256, length, ci
	case msg.DocumentMessage != nil:
		dm := msg.DocumentMessage
		dm.URL, dm.DirectPath, dm.MediaKey, dm.FileEncSHA256, dm.FileSHA256, dm.FileLength, dm.ContextInfo =
			url, path, up.MediaKey, up.FileEncSHA256, up.FileSHA256, length, ci
	}
}

// replyContext quotes the message a media send replies to, as Send does
// for a text; nil when it replies to nothing.
func (a *Adapter) replyContext(ctx context.Context, chat types.JID, r *bot.MessageRef) *waE2E.ContextInfo {
	if r == nil || r.ID == "" {
		return nil
	}
	ci := &waE2E.ContextInfo{StanzaID: proto.String(r.ID), QuotedMessage: &waE2E.Message{Conversation: proto.String(r.Text)}}
	if p, err := parseAddr(r.Sender); err == nil {
		ci.Participant = proto.String(p.String())
	} else if chat.Server == types.GroupServer {
		// A quote with no known author (a notice the bot relayed) is the
		// bot's own message; a group quote without a participant shows no
		// author at all.
		if own := a.ownAddrFor(ctx, chat); !own.IsEmpty() {
			ci.Participant = proto.String(own.String())
		}
	}
	return ci
}

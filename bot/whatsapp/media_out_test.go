package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"neighbourbot/bot"
)

// Upload stands in for whatsmeow's: it returns the fields a real upload
// fills (hashes of the plaintext, its length, a media key and paths), or
// an error for content starting with "FAIL".
func (f *fakeClient) Upload(ctx context.Context, plaintext []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	if bytes.HasPrefix(plaintext, []byte("FAIL")) {
		return whatsmeow.UploadResponse{}, whatsmeow.ErrNotConnected
	}
	sum := sha256.Sum256(plaintext)
	key := sha256.Sum256(append([]byte(appInfo), plaintext...))
	return whatsmeow.UploadResponse{
		URL: "https://mmg.whatsapp.net/v/fake", DirectPath: "/v/fake",
		MediaKey: key[:], FileSHA256: sum[:], FileEncSHA256: key[:], FileLength: uint64(len(plaintext)),
	}, nil
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSendMediaBuildsTheMatchingMessage(t *testing.T) {
	data := []byte("\xff\xd8\xff\xe0 some picture bytes")
	sum := sha256.Sum256(data)
	path := writeFile(t, "a.jpg", data)
	tests := []struct {
		name  string
		att   bot.Attachment
		check func(t *testing.T, s sentMessage)
	}{
		{"photo", bot.Attachment{Kind: bot.MediaImage, Path: path, MimeType: "image/jpeg", Caption: "C12 · Erin · photo"}, func(t *testing.T, s sentMessage) {
			im := s.msg.GetImageMessage()
			if im == nil || im.GetCaption() != "C12 · Erin · photo" || im.GetMimetype() != "image/jpeg" ||
				!bytes.Equal(im.GetFileSHA256(), sum[:]) || im.GetFileLength() != uint64(len(data)) ||
				im.GetDirectPath() != "/v/fake" || len(im.GetMediaKey()) != 32 || im.GetURL() == "" {
				t.Errorf("image message %v", s.msg)
			}
		}},
		{"video", bot.Attachment{Kind: bot.MediaVideo, Path: path, MimeType: "video/mp4", Seconds: 9, Caption: "clip"}, func(t *testing.T, s sentMessage) {
			vm := s.msg.GetVideoMessage()
			if vm == nil || vm.GetSeconds() != 9 || vm.GetCaption() != "clip" || !bytes.Equal(vm.GetFileSHA256(), sum[:]) {
				t.Errorf("video message %v", s.msg)
			}
		}},
		{"voice note", bot.Attachment{Kind: bot.MediaAudio, Path: path, MimeType: "audio/ogg; codecs=opus", Seconds: 12, Voice: true}, func(t *testing.T, s sentMessage) {
			am := s.msg.GetAudioMessage()
			if am == nil || !am.GetPTT() || am.GetSeconds() != 12 || am.GetMimetype() != "audio/ogg; codecs=opus" || am.GetFileLength() != uint64(len(data)) {
				t.Errorf("audio message %v", s.msg)
			}
		}},
		{"document", bot.Attachment{Kind: bot.MediaDocument, Path: path, MimeType: "application/pdf", FileName: "letter.pdf", Caption: "C3"}, func(t *testing.T, s sentMessage) {
			dm := s.msg.GetDocumentMessage()
			if dm == nil || dm.GetFileName() != "letter.pdf" || dm.GetTitle() != "letter.pdf" || dm.GetCaption() != "C3" || dm.GetMimetype() != "application/pdf" {
				t.Errorf("document message %v", s.msg)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient()
			a, _ := newTestAdapter(f)
			att := tt.att
			id, err := a.Send(context.Background(), bot.OutMessage{Chat: group, ID: "3EB0FIXED", Text: "ignored", Attachment: &att})
			if err != nil {
				t.Fatal(err)
			}
			s := f.lastSent()
			if id == "" || s.to != groupJID || s.msg.Conversation != nil || s.msg.ExtendedTextMessage != nil {
				t.Fatalf("id %q sent to %v: %v", id, s.to, s.msg)
			}
			tt.check(t, s)
		})
	}
}

func TestSendMediaQuotesAndFails(t *testing.T) {
	f := newFakeClient()
	a, _ := newTestAdapter(f)
	path := writeFile(t, "b.jpg", []byte("pic"))
	ref := &bot.MessageRef{Chat: group, ID: "MSG1", Sender: bot.Address(aliceLID.String()), Text: "hello"}
	if _, err := a.Send(context.Background(), bot.OutMessage{Chat: group, ReplyTo: ref,
		Attachment: &bot.Attachment{Kind: bot.MediaImage, Path: path}}); err != nil {
		t.Fatal(err)
	}
	ci := f.lastSent().msg.GetImageMessage().GetContextInfo()
	if ci.GetStanzaID() != "MSG1" || ci.GetParticipant() != aliceLID.String() {
		t.Errorf("quote context %v", ci)
	}

	sent := f.sentCount()
	// A file that is gone is an error, and nothing is sent.
	if _, err := a.Send(context.Background(), bot.OutMessage{Chat: group,
		Attachment: &bot.Attachment{Kind: bot.MediaImage, Path: filepath.Join(t.TempDir(), "gone.jpg")}}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
	// A failed upload maps to the core's offline error, so it is retried.
	fail := writeFile(t, "c.jpg", []byte("FAIL"))
	if _, err := a.Send(context.Background(), bot.OutMessage{Chat: group,
		Attachment: &bot.Attachment{Kind: bot.MediaImage, Path: fail}}); !errors.Is(err, bot.ErrNotConnected) {
		t.Errorf("failed upload: err = %v", err)
	}
	// Stickers and unknown kinds are refused.
	if _, err := a.Send(context.Background(), bot.OutMessage{Chat: group,
		Attachment: &bot.Attachment{Kind: bot.MediaSticker, Path: path}}); err == nil {
		t.Error("a sticker attachment must be refused")
	}
	if f.sentCount() != sent {
		t.Errorf("%d messages sent by failing sends", f.sentCount()-sent)
	}
	// A direct chat works like a group.
	dm := types.NewJID("11111111111111", types.HiddenUserServer)
	if _, err := a.Send(context.Background(), bot.OutMessage{Chat: bot.ChatID(dm.String()),
		Attachment: &bot.Attachment{Kind: bot.MediaDocument, Path: path}}); err != nil || f.lastSent().to != dm {
		t.Errorf("direct chat: %v to %v", err, f.lastSent().to)
	}
	if n := f.lastSent().msg.GetDocumentMessage().GetFileName(); n != "b.jpg" {
		t.Errorf("document without a name is named %q, want the file's base name", n)
	}
}

// TestSendMediaInDisappearingGroup: media carries the group's timer, as
// texts and polls do.
func TestSendMediaInDisappearingGroup(t *testing.T) {
	f := newFakeClient()
	f.groups[groupJID].GroupEphemeral = types.GroupEphemeral{IsEphemeral: true, DisappearingTimer: 7 * 24 * 3600}
	a, _ := newTestAdapter(f)
	path := writeFile(t, "d.ogg", []byte("voice"))
	if _, err := a.Send(context.Background(), bot.OutMessage{Chat: group,
		Attachment: &bot.Attachment{Kind: bot.MediaAudio, Path: path, Voice: true, Seconds: 3}}); err != nil {
		t.Fatal(err)
	}
	if exp := f.lastSent().msg.GetAudioMessage().GetContextInfo().GetExpiration(); exp != 604800 {
		t.Errorf("expiration = %d, want 604800", exp)
	}
}

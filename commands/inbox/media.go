package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"neighbourbot/bot"
)

// maxTextRunes caps the text kept from one message: WhatsApp's own limit
// is 65,536 characters, so nothing a phone can send is cut.
const maxTextRunes = 65536

// capture turns a resident's message into a ticket message, downloading
// its attachment into the inbox's media directory. m is nil when nothing
// could be kept (a sticker alone, a photo too big with no words); note
// then, or beside a kept message, tells the resident what was not kept.
func (f *Feature) capture(ctx context.Context, req *bot.Request) (m *message, note string, err error) {
	text := strings.TrimSpace(req.Msg.Text)
	if r := []rune(text); len(r) > maxTextRunes {
		text = string(r[:maxTextRunes])
		note = fmt.Sprintf("Your message was over %d characters, so I kept the first %d.", maxTextRunes, maxTextRunes)
	}
	m = &message{At: f.clock.Now(), Direction: "in", AuthorID: req.Sender.ID, Text: text}
	if l := req.Msg.Location; l != nil {
		loc := *l
		m.Location = &loc
	}
	if md := req.Msg.Media; md != nil {
		stored, why, failed, err := f.saveMedia(ctx, md)
		if err != nil {
			return nil, "", err
		}
		// A failure is kept on the message, so staff see what was sent.
		m.Media, m.MediaFailed = stored, failed
		if why != "" {
			note = why
		}
	}
	if m.Text == "" && m.Media == nil && m.Location == nil && m.MediaFailed == "" {
		if note == "" {
			note = "I can pass on text, photos, videos, voice notes, documents and locations to the council team — please send one of those."
		}
		return nil, note, nil
	}
	return m, note, nil
}

func (f *Feature) maxMediaBytes() int64 { return int64(f.cfg.MaxMediaMB) << 20 }

// saveMedia downloads an attachment and stores it under its SHA-256, the
// way street-report photos are kept, but in the inbox's own private
// directory (files 0600), since what a resident sends privately stays
// private. A file over the cap is refused before downloading when its size
// is known, and again after. Not kept, note tells the resident why and
// failed tells staff ("A 6.0 MB photo was too big to keep; …").
func (f *Feature) saveMedia(ctx context.Context, md *bot.Media) (stored *storedMedia, note, failed string, err error) {
	what := mediaWord(md.Kind, md.Voice)
	if md.Kind == bot.MediaSticker {
		return nil, "I can't pass stickers on to the council team.", "", nil
	}
	limit := f.maxMediaBytes()
	tooBig := func(size int64) (*storedMedia, string, string, error) {
		return nil, f.tooBig(what, size), fmt.Sprintf("A %s %s was too big to keep; the limit is %d MB.", formatMB(size), what, f.cfg.MaxMediaMB), nil
	}
	if md.Size > limit {
		return tooBig(md.Size)
	}
	data, err := f.attachments.Download(ctx, md)
	if err != nil {
		f.log().Warn("media download failed", bot.KeyKind, md.Kind, bot.KeyErr, bot.RedactPhones(err.Error()))
		return nil, fmt.Sprintf("I couldn't fetch that %s from WhatsApp, so the team hasn't got it. Please send it again.", what),
			fmt.Sprintf("A %s could not be fetched from WhatsApp.", what), nil
	}
	if int64(len(data)) > limit {
		return tooBig(int64(len(data)))
	}
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:]) + mediaExt(md)
	if err := writePrivate(f.deps.MediaDir, name, data); err != nil {
		return nil, "", "", err
	}
	return &storedMedia{Kind: md.Kind, File: name, Mime: md.MimeType, Name: cleanFileName(md.FileName),
		Size: int64(len(data)), Seconds: md.Seconds, Voice: md.Voice}, "", "", nil
}

func (f *Feature) tooBig(what string, size int64) string {
	return fmt.Sprintf("That %s is too big for me to pass on (%s; the limit is %d MB). Please send a smaller one, or describe it in words.",
		what, formatMB(size), f.cfg.MaxMediaMB)
}

// writePrivate writes data under dir/name unless it is there already,
// through a temporary file and a rename, so a crash never leaves a
// half-written file under a hash it does not match.
func writePrivate(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("inbox media directory: %w", err)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("store media: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store media: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store media: %w", err)
	}
	return nil
}

func mediaExt(md *bot.Media) string {
	switch md.MimeType {
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "image/jpeg":
		return ".jpg"
	case "video/mp4":
		return ".mp4"
	case "application/pdf":
		return ".pdf"
	}
	if strings.HasPrefix(md.MimeType, "audio/ogg") {
		return ".ogg"
	}
	if ext := filepath.Ext(cleanFileName(md.FileName)); ext != "" && len(ext) <= 6 {
		return strings.ToLower(ext)
	}
	switch md.Kind {
	case bot.MediaImage:
		return ".jpg"
	case bot.MediaVideo:
		return ".mp4"
	case bot.MediaAudio:
		return ".ogg"
	}
	return ".bin"
}

// cleanFileName keeps a document's name readable and harmless: no path,
// no control characters, at most 100 characters.
func cleanFileName(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, "\\", "/"))
	if s == "." || s == "/" {
		return ""
	}
	s = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return s
}

func mediaWord(kind bot.MediaKind, voice bool) string {
	switch kind {
	case bot.MediaImage:
		return "photo"
	case bot.MediaVideo:
		return "video"
	case bot.MediaAudio:
		if voice {
			return "voice note"
		}
		return "audio clip"
	case bot.MediaDocument:
		return "document"
	}
	return "file"
}

// kindWord names what a message carries, for audit details and summaries.
func (m message) kindWord() string {
	switch {
	case m.Media != nil:
		return mediaWord(m.Media.Kind, m.Media.Voice)
	case m.Location != nil:
		return "location"
	}
	return "text"
}

func formatMB(n int64) string {
	mb := float64(n) / (1 << 20)
	if mb >= 10 {
		return fmt.Sprintf("%.0f MB", mb)
	}
	return fmt.Sprintf("%.1f MB", mb)
}

// removeUnused deletes media files no remaining message refers to, once
// the unit of work commits (a rolled-back erasure keeps its files).
func (f *Feature) removeUnused(ctx context.Context, files []string) (int, error) {
	var gone []string
	seen := map[string]bool{}
	for _, file := range files {
		if file == "" || seen[file] || strings.ContainsAny(file, `/\`) {
			continue
		}
		seen[file] = true
		used, err := f.st.mediaUses(ctx, file)
		if err != nil {
			return 0, err
		}
		if used == 0 {
			gone = append(gone, file)
		}
	}
	if len(gone) > 0 {
		dir, log := f.deps.MediaDir, f.log()
		f.core.AfterCommit(ctx, func() {
			for _, file := range gone {
				if err := os.Remove(filepath.Join(dir, file)); err != nil && !errors.Is(err, os.ErrNotExist) {
					log.Error("delete media file", bot.KeyErr, err)
				}
			}
		})
	}
	return len(gone), nil
}

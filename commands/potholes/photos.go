package potholes

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

// PhotoModes is the one rule for the permissions of the photos directory
// and its files, for the bot's own writes and for restore. Photos show
// residents' streets and sometimes their faces, so they are private to
// the bot's user (files 0600 in a 0700 directory) — unless photo_url_base
// says a web server publishes the directory for the council's links: that
// server runs as another user and must read them (0644 in 0755).
func PhotoModes(cfg Config) (dir, file os.FileMode) {
	if cfg.PhotoURLBase != "" {
		return 0o755, 0o644
	}
	return 0o700, 0o600
}

// applyPhotoModes creates the photos directory and gives it and the photos
// already in it the modes of PhotoModes, so that setting or clearing
// photo_url_base applies to earlier photos too. Uploads in progress
// (".upload-…") are left alone.
func applyPhotoModes(path string, cfg Config) error {
	dirMode, fileMode := PhotoModes(cfg)
	if err := os.MkdirAll(path, dirMode); err != nil {
		return err
	}
	var errs []error
	if err := os.Chmod(path, dirMode); err != nil {
		errs = append(errs, err)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if err := os.Chmod(filepath.Join(path, e.Name()), fileMode); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// photoOutcome is what became of a photo attached to a command.
type photoOutcome struct {
	Photo    *Photo // nil when none was kept
	TooLarge bool
	Size     int64
	Failed   bool // the transport could not fetch it
}

// pickPhoto finds the photo a command refers to: attached (the command as
// its caption) or in the message it replies to.
func pickPhoto(req *bot.Request) *bot.Media {
	if m := req.Msg.Media; m != nil && m.Kind == bot.MediaImage {
		return m
	}
	if q := req.Msg.Quote; q != nil && q.Media != nil && q.Media.Kind == bot.MediaImage {
		return q.Media
	}
	return nil
}

// pickLocation finds the location pin a command carries or replies to.
func pickLocation(req *bot.Request) *bot.Location {
	if l := req.Msg.Location; l != nil {
		return l
	}
	if q := req.Msg.Quote; q != nil && q.Location != nil {
		return q.Location
	}
	return nil
}

func (f *Feature) maxPhotoBytes() int64 { return int64(f.cfg.MaxPhotoMB) << 20 }

// savePhoto downloads a photo through the transport and stores it under
// the photos directory, named by the SHA-256 of its bytes so the same
// photo sent twice is stored once. A photo over the size cap is refused
// before downloading when the transport knows its size.
func (f *Feature) savePhoto(ctx context.Context, m *bot.Media) (photoOutcome, error) {
	limit := f.maxPhotoBytes()
	if m.Size > limit {
		return photoOutcome{TooLarge: true, Size: m.Size}, nil
	}
	data, err := f.attachments.Download(ctx, m)
	if err != nil {
		f.log().Warn("photo download failed", bot.KeyErr, err)
		return photoOutcome{Failed: true}, nil
	}
	if int64(len(data)) > limit {
		return photoOutcome{TooLarge: true, Size: int64(len(data))}, nil
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	name := hash + photoExt(m.MimeType)
	dirMode, fileMode := PhotoModes(f.cfg)
	if err := os.MkdirAll(f.deps.PhotoDir, dirMode); err != nil {
		return photoOutcome{}, fmt.Errorf("photo directory: %w", err)
	}
	path := filepath.Join(f.deps.PhotoDir, name)
	if _, err := os.Stat(path); err != nil {
		// Write beside the final name and rename, so a crash never leaves
		// a half-written file under a content hash it doesn't match.
		tmp, err := os.CreateTemp(f.deps.PhotoDir, ".upload-*")
		if err != nil {
			return photoOutcome{}, fmt.Errorf("store photo: %w", err)
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if werr != nil || cerr != nil {
			os.Remove(tmp.Name())
			return photoOutcome{}, fmt.Errorf("store photo: %w", firstErr(werr, cerr))
		}
		if err := os.Chmod(tmp.Name(), fileMode); err != nil {
			os.Remove(tmp.Name())
			return photoOutcome{}, fmt.Errorf("store photo: %w", err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			os.Remove(tmp.Name())
			return photoOutcome{}, fmt.Errorf("store photo: %w", err)
		}
	}
	return photoOutcome{Photo: &Photo{SHA256: hash, File: name, Size: int64(len(data))}, Size: int64(len(data))}, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func photoExt(mime string) string {
	switch mime {
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "image/gif":
		return ".gif"
	}
	return ".jpg"
}

// photoNote is the sentence telling the resident what became of a photo
// that was not kept; "" when it was kept or there was none.
func (f *Feature) photoNote(o photoOutcome, ref string) string {
	switch {
	case o.TooLarge:
		return fmt.Sprintf("The photo was too big to keep (%s; the limit is %d MB), so it isn't attached to %s. Send a smaller one captioned %spothole %s to add it.",
			formatMB(o.Size), f.cfg.MaxPhotoMB, ref, f.prefix, ref)
	case o.Failed:
		return fmt.Sprintf("I couldn't fetch the photo from WhatsApp, so it isn't attached to %s. Send it again captioned %spothole %s to add it.",
			ref, f.prefix, ref)
	}
	return ""
}

func formatMB(n int64) string {
	mb := float64(n) / (1 << 20)
	if mb >= 10 {
		return fmt.Sprintf("%.0f MB", mb)
	}
	return fmt.Sprintf("%.1f MB", mb)
}

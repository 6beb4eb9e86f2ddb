package whatsapp

import (
	"errors"
	"io"
	"io/fs"
	"time"
)

// memFile is the in-memory whatsmeow.File a download streams into. It
// refuses to grow past limit, so a sender declaring a small size and
// sending a huge body costs at most limit bytes (plus one read buffer).
type memFile struct {
	data  []byte
	pos   int64
	limit int64
}

func (f *memFile) Read(p []byte) (int, error) {
	if f.pos >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[f.pos:])
	f.pos += int64(n)
	return n, nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("memfile: negative offset")
	}
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	n, err := f.WriteAt(p, f.pos)
	f.pos += int64(n)
	return n, err
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("memfile: negative offset")
	}
	end := off + int64(len(p))
	if end > f.limit {
		return 0, ErrMediaTooLarge
	}
	if end > int64(len(f.data)) {
		f.data = append(f.data, make([]byte, end-int64(len(f.data)))...)
	}
	return copy(f.data[off:], p), nil
}

func (f *memFile) Seek(offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.pos
	case io.SeekEnd:
		base = int64(len(f.data))
	default:
		return 0, errors.New("memfile: bad whence")
	}
	if base+offset < 0 {
		return 0, errors.New("memfile: negative position")
	}
	f.pos = base + offset
	return f.pos, nil
}

func (f *memFile) Truncate(size int64) error {
	switch {
	case size < 0:
		return errors.New("memfile: negative size")
	case size > f.limit:
		return ErrMediaTooLarge
	case size <= int64(len(f.data)):
		f.data = f.data[:size]
	default:
		f.data = append(f.data, make([]byte, size-int64(len(f.data)))...)
	}
	return nil
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{size: int64(len(f.data))}, nil }

type memInfo struct{ size int64 }

func (i memInfo) Name() string       { return "attachment" }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o600 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

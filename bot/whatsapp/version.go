package whatsapp

import (
	"context"
	"net/http"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
)

// UseLatestVersion asks WhatsApp Web for its current client version and
// makes whatsmeow present it: a stale version is refused with 405 "client
// outdated". Each version fetched is kept in the session database, so when
// the fetch fails (WhatsApp Web down, a proxy) the last one fetched is used
// rather than the one built into the binary, which only ages.
func (s *Session) UseLatestVersion(ctx context.Context, httpClient *http.Client) {
	fetchCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := whatsmeow.GetLatestVersion(fetchCtx, httpClient)
	if err == nil {
		store.SetWAVersion(*v)
		s.log.Info("using WhatsApp Web version", "version", v.String())
		if err := s.saveVersion(ctx, *v); err != nil {
			s.log.Warn("could not keep the WhatsApp Web version for next time", "err", err)
		}
		return
	}
	last, at, lerr := s.lastVersion(ctx)
	switch {
	case lerr != nil || last.IsZero():
		s.log.Warn("could not fetch the current WhatsApp Web version; using the built-in one", "version", store.GetWAVersion().String(), "err", err)
	case last.LessThan(store.GetWAVersion()):
		s.log.Warn("could not fetch the current WhatsApp Web version; the built-in one is newer than the last fetched", "version", store.GetWAVersion().String(), "err", err)
	default:
		store.SetWAVersion(last)
		s.log.Warn("could not fetch the current WhatsApp Web version; using the last one fetched", "version", last.String(), "fetched", at, "err", err)
	}
}

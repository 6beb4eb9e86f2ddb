// Package webhook serves the council's notices webhook, POST /notices: the
// HTTP side only — the bearer token, the in-flight bound and the
// failed-token limit (guard.go), content types, the body limit, and the
// status code of each outcome. What a notice is, whose token is whose, and
// storing it belong to the notices package, which implements Intake and
// wires a Handler in (commands/notices/ingest_webhook.go).
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Intake is what the webhook hands a request to.
type Intake interface {
	// Sender names the sender whose bearer token req carries; ok is false
	// when it carries none that matches.
	Sender(req *http.Request) (sender string, ok bool)
	// Submit stores one notice sent by sender: raw is the body, cap says
	// it is a CAP 1.2 alert rather than JSON, from names the client.
	Submit(ctx context.Context, raw []byte, sender, from string, cap bool) (Result, error)
}

// Result is what Submit did with a notice.
type Result struct {
	ID        int64
	State     string
	Duplicate bool // the sender had already sent this id; nothing stored
}

// BadField is the error Submit returns for a notice with a bad value: it
// is answered 400, naming the field.
type BadField interface {
	error
	BadField() (field, msg string)
}

// Options are the webhook's settings.
type Options struct {
	MaxBodyBytes int64
	Clock        bot.Clock
	Log          *slog.Logger
}

// Handler serves POST /notices. It answers 503 with Retry-After while
// MaxInFlight requests are being handled, 429 to a client that sent too
// many wrong tokens lately, 401 without the bearer token (the scheme in any
// case), 415 for a body not sent as JSON (or CAP XML), 413 over the size
// limit, 400 naming a bad field, 202 when stored and 200 with "duplicate"
// for an id already received.
type Handler struct {
	in  Intake
	o   Options
	g   *guard
	mux *http.ServeMux
}

// New is the webhook's handler over in.
func New(in Intake, o Options) *Handler {
	h := &Handler{in: in, o: o, g: newGuard(o.Clock), mux: http.NewServeMux()}
	h.mux.Handle("/notices", h.g.limit(http.HandlerFunc(h.serveNotice)))
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) { h.mux.ServeHTTP(w, req) }

// InFlight is how many requests are being handled now.
func (h *Handler) InFlight() int { return len(h.g.slots) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handler) serveNotice(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST"})
		return
	}
	client := clientIP(req)
	if left, blocked := h.g.blocked(client); blocked {
		refuseBlocked(w, left)
		return
	}
	sender, ok := h.in.Sender(req)
	if !ok {
		h.g.fail(client)
		w.Header().Set("WWW-Authenticate", `Bearer realm="neighbourbot notices"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
		return
	}
	if !jsonContentType(req.Header.Get("Content-Type")) && !isCAP(req) {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send the notice as JSON with Content-Type: application/json (or a CAP 1.2 alert as application/cap+xml)"})
		return
	}
	raw, ok := h.readBody(w, req)
	if !ok {
		return
	}
	from := "webhook " + client
	// It finishes even if the council's client hangs up meanwhile.
	res, err := h.in.Submit(context.WithoutCancel(req.Context()), raw, sender, from, isCAP(req))
	if err != nil {
		var bf BadField
		if errors.As(err, &bf) {
			field, msg := bf.BadField()
			h.o.Log.Info("webhook notice refused", "from", from, "field", field, bot.KeyErr, msg)
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": bf.Error(), "field": field})
			return
		}
		h.o.Log.Error("webhook notice", "from", from, bot.KeyErr, err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not store the notice; try again"})
		return
	}
	if res.Duplicate {
		writeJSON(w, http.StatusOK, map[string]string{"status": "duplicate"})
		return
	}
	h.o.Log.Info("webhook notice accepted", "from", from, "notice", res.ID, "state", res.State)
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "accepted", "notice": res.ID, "state": res.State})
}

// readBody reads the body within the size limit; ok is false when it has
// answered the request itself.
func (h *Handler) readBody(w http.ResponseWriter, req *http.Request) ([]byte, bool) {
	limit := h.o.MaxBodyBytes
	if req.ContentLength > limit {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body larger than %d bytes", limit)})
		return nil, false
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, req.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body larger than %d bytes", limit)})
			return nil, false
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "could not read body"})
		return nil, false
	}
	return raw, true
}

// jsonContentType accepts application/json and JSON-based types
// (application/notice+json), with any parameters (charset=utf-8).
func jsonContentType(v string) bool {
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// isCAP reports whether a request carries CAP XML.
func isCAP(req *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	return mt == "application/cap+xml" || mt == "application/xml" || mt == "text/xml"
}

// BearerToken is the token of an "Authorization: Bearer TOKEN" header; the
// scheme is case-insensitive (RFC 9110 §11.1): "bearer", "BEARER".
func BearerToken(req *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(req.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func clientIP(req *http.Request) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}

// NewServer is the webhook's server on listen, every read, write and idle
// connection bounded.
func NewServer(h http.Handler, listen string) *http.Server {
	return &http.Server{
		Addr:              listen,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// Run serves srv until ctx ends.
func Run(ctx context.Context, srv *http.Server, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("notices webhook listening", "addr", srv.Addr)
	select {
	case err := <-errc:
		return fmt.Errorf("notices webhook: %w", err)
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutCtx)
	}
}

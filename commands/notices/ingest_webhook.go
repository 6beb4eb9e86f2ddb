package notices

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"neighbourbot/bot"
)

// FieldError is a bad value in a submitted notice, naming the field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// webhookNotice is the JSON the webhook and @notice accept.
type webhookNotice struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	TitleCy    string   `json:"title_cy"`
	BodyCy     string   `json:"body_cy"`
	Link       string   `json:"link"`
	Topics     []string `json:"topics"`
	Areas      []string `json:"areas"`
	Urgency    string   `json:"urgency"`
	Expires    string   `json:"expires"`
	References string   `json:"references"`
	MsgType    string   `json:"msg_type"`
	// Council side: a scheduled send (see governance_senders.go).
	Effective    string        `json:"effective"`
	Poll         *pollInput    `json:"poll"`
	Consultation *consultInput `json:"consultation"`
}

// Limits on submitted text, generous for real notices and small enough that
// nothing hostile can bloat the database or a chat.
const (
	maxIDLen    = 200
	maxTitle    = 200
	maxBody     = 4000
	maxLinkLen  = 2000
	maxTopics   = 20
	maxAreas    = 20
	maxLifetime = 90 * 24 * time.Hour
)

var identifierPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@#-]*$`)

// decodeNotice parses and validates webhook JSON into a notice; errors are
// *FieldError naming the field, or a plain error for JSON that is not an
// object of known fields.
func decodeNotice(raw []byte, cfg Config, now time.Time) (*Notice, error) {
	in, err := decodeWebhookJSON(raw)
	if err != nil {
		return nil, err
	}
	n := &Notice{Sent: now}
	// In the order of the fields in the payload, so the first mistake is
	// the one reported.
	for _, step := range []func() error{
		func() error { return decodeText(in, n) },
		func() error { return decodeWelsh(in, n) },
		func() error { return decodeTopics(in, n, cfg) },
		func() error { return decodeAreas(in, n) },
		func() error { return decodeExpires(in, n, now) },
		func() error { return decodeMsgType(in, n) },
		func() error { return decodeEffective(in.Effective, n, now) },
		func() error { return decodePoll(in.Poll, n, now) },
		func() error { return decodeConsultation(in.Consultation, n, now) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// decodeWebhookJSON reads exactly one JSON object of known fields.
func decodeWebhookJSON(raw []byte) (webhookNotice, error) {
	var in webhookNotice
	if err := strictJSON(raw); err != nil {
		return in, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				return webhookNotice{}, &FieldError{Field: "json", Msg: "must be a JSON object"}
			}
			return webhookNotice{}, &FieldError{Field: field, Msg: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.String()), te.Value)}
		case errors.As(err, &se):
			return webhookNotice{}, &FieldError{Field: "json", Msg: fmt.Sprintf("malformed JSON at byte %d", se.Offset)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return webhookNotice{}, &FieldError{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Msg: "unknown field"}
		case errors.Is(err, io.EOF):
			return webhookNotice{}, &FieldError{Field: "json", Msg: "empty; send a JSON object"}
		}
		return webhookNotice{}, &FieldError{Field: "json", Msg: "malformed JSON"}
	}
	if dec.More() {
		return webhookNotice{}, &FieldError{Field: "json", Msg: "must hold exactly one JSON object"}
	}
	return in, nil
}

// decodeText reads the identifier, title, body and link.
func decodeText(in webhookNotice, n *Notice) error {
	n.Identifier = strings.TrimSpace(in.ID)
	switch {
	case n.Identifier == "":
		return &FieldError{Field: "id", Msg: "required"}
	case len(n.Identifier) > maxIDLen:
		return &FieldError{Field: "id", Msg: fmt.Sprintf("longer than %d characters", maxIDLen)}
	case !identifierPattern.MatchString(n.Identifier):
		return &FieldError{Field: "id", Msg: "use letters, digits and . _ : / @ # - only"}
	}

	n.Title = strings.Join(strings.Fields(bot.CleanText(in.Title)), " ")
	switch {
	case n.Title == "":
		return &FieldError{Field: "title", Msg: "required"}
	case bot.RuneLen(n.Title) > maxTitle:
		return &FieldError{Field: "title", Msg: fmt.Sprintf("longer than %d characters", maxTitle)}
	}
	n.Body = bot.CleanText(in.Body)
	if bot.RuneLen(n.Body) > maxBody {
		return &FieldError{Field: "body", Msg: fmt.Sprintf("longer than %d characters", maxBody)}
	}
	if in.Link != "" {
		link, err := cleanLink(in.Link)
		if err != nil {
			return &FieldError{Field: "link", Msg: err.Error()}
		}
		n.Link = link
	}
	return nil
}

// decodeTopics reads the urgency and the topics. An emergency is never
// refused for its topics: too many are cut, unknown ones recorded.
func decodeTopics(in webhookNotice, n *Notice, cfg Config) error {
	u, ok := parseUrgency(in.Urgency)
	if !ok {
		return &FieldError{Field: "urgency", Msg: fmt.Sprintf("%q must be normal, urgent or emergency", bot.Truncate(in.Urgency, 40))}
	}
	n.Urgency = u
	if len(in.Topics) > maxTopics {
		if n.Urgency != UrgencyEmergency {
			return &FieldError{Field: "topics", Msg: fmt.Sprintf("at most %d topics", maxTopics)}
		}
		in.Topics = in.Topics[:maxTopics]
	}
	for i, raw := range in.Topics {
		t, ok := cfg.resolveTopic(raw)
		if !ok {
			if n.Urgency == UrgencyEmergency {
				// An emergency is never held back by a word: it goes to
				// every opted-in group in its area whatever their topics,
				// and the audit records what was not understood.
				n.UnknownTopics = append(n.UnknownTopics, bot.Truncate(strings.TrimSpace(raw), 40))
				continue
			}
			hint := ""
			if near := cfg.nearTopic(raw); near != "" {
				hint = fmt.Sprintf("; did you mean %q?", near)
			}
			return &FieldError{Field: fmt.Sprintf("topics[%d]", i), Msg: fmt.Sprintf("unknown topic %q%s (known: %s)", bot.Truncate(raw, 40), hint, strings.Join(cfg.Topics, ", "))}
		}
		if !contains(n.Topics, t) {
			n.Topics = append(n.Topics, t)
		}
	}
	return nil
}

// decodeAreas reads the postcode areas, districts or sectors.
func decodeAreas(in webhookNotice, n *Notice) error {
	if len(in.Areas) > maxAreas {
		return &FieldError{Field: "areas", Msg: fmt.Sprintf("at most %d areas", maxAreas)}
	}
	for i, a := range in.Areas {
		norm, ok := bot.NormalizeArea(a)
		if !ok {
			msg := fmt.Sprintf("%q is not a UK postcode area, district or sector", bot.Truncate(a, 40))
			if c := bot.CheckArea(a); c.DidYouMean != "" {
				msg += fmt.Sprintf("; did you mean %q?", c.DidYouMean)
			}
			return &FieldError{Field: fmt.Sprintf("areas[%d]", i), Msg: msg}
		}
		if !contains(n.Areas, norm) {
			n.Areas = append(n.Areas, norm)
		}
	}
	return nil
}

// decodeExpires reads when the notice stops being worth sending.
func decodeExpires(in webhookNotice, n *Notice, now time.Time) error {
	if in.Expires != "" {
		t, err := time.Parse(time.RFC3339, in.Expires)
		if err != nil {
			return &FieldError{Field: "expires", Msg: "must be an RFC 3339 time such as 2026-01-06T09:00:00Z"}
		}
		if !t.After(now) {
			return &FieldError{Field: "expires", Msg: "is in the past"}
		}
		if t.Sub(now) > maxLifetime {
			return &FieldError{Field: "expires", Msg: "is more than 90 days away"}
		}
		n.Expires = t.UTC()
	}
	return nil
}

// decodeMsgType reads whether the notice is new, updates or cancels an
// earlier one, and which.
func decodeMsgType(in webhookNotice, n *Notice) error {
	switch strings.ToLower(strings.TrimSpace(in.MsgType)) {
	case "", "alert":
		n.MsgType = MsgAlert
		if in.References != "" {
			return &FieldError{Field: "msg_type", Msg: "must be update or cancel when references is set"}
		}
	case "update":
		n.MsgType = MsgUpdate
	case "cancel":
		n.MsgType = MsgCancel
	default:
		return &FieldError{Field: "msg_type", Msg: fmt.Sprintf("%q must be alert, update or cancel", bot.Truncate(in.MsgType, 40))}
	}
	if n.MsgType != MsgAlert {
		n.References = strings.TrimSpace(in.References)
		if n.References == "" {
			return &FieldError{Field: "references", Msg: "required for " + string(n.MsgType)}
		}
		if n.References == n.Identifier {
			return &FieldError{Field: "references", Msg: "must name an earlier notice, not this one"}
		}
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array of strings"
	case goType == "string":
		return "a string"
	}
	return goType
}

// cleanLink accepts absolute http(s) URLs only, so nothing else (javascript:,
// tel:, relative paths) reaches a chat.
func cleanLink(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxLinkLen {
		return "", fmt.Errorf("longer than %d characters", maxLinkLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \n\t") {
		return "", errors.New("must be an absolute http or https URL")
	}
	return u.String(), nil
}

// WebhookHandler serves POST /notices. It answers 503 with Retry-After
// while maxInFlight requests are being handled, 429 to a client that sent
// too many wrong tokens lately, 401 without the bearer token (the scheme in
// any case), 415 for a body not sent as JSON, 413 over the size limit, 400
// naming a bad field (invalid UTF-8 and a key given twice included), 202
// when stored and 200 with "duplicate" for an id already received.
func (r *Feature) WebhookHandler() http.Handler {
	g := newWebhookGuard(r.clock)
	mux := http.NewServeMux()
	mux.Handle("/notices", g.limit(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.serveNotice(w, req, g)
	})))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (r *Feature) serveNotice(w http.ResponseWriter, req *http.Request, g *webhookGuard) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST"})
		return
	}
	client := clientIP(req)
	if left, blocked := g.blocked(client); blocked {
		refuseBlocked(w, left)
		return
	}
	sender, ok := r.senderOf(req)
	if !ok {
		g.fail(client)
		w.Header().Set("WWW-Authenticate", `Bearer realm="neighbourbot notices"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
		return
	}
	if !jsonContentType(req.Header.Get("Content-Type")) && !isCAP(req) {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send the notice as JSON with Content-Type: application/json (or a CAP 1.2 alert as application/cap+xml)"})
		return
	}
	limit := r.cfg.Webhook.MaxBodyBytes
	if req.ContentLength > limit {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body larger than %d bytes", limit)})
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, req.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body larger than %d bytes", limit)})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "could not read body"})
		return
	}
	from := "webhook " + client
	submit := r.SubmitAs
	if isCAP(req) {
		submit = r.SubmitCAP
	}
	// One unit of work for the notice and what it books: all or nothing,
	// and queued behind any message or job in hand rather than failing
	// with "database is locked". It finishes even if the council's client
	// hangs up meanwhile.
	var res IngestResult
	err = r.core.Atomic(context.WithoutCancel(req.Context()), func(ctx context.Context) error {
		var err error
		res, err = submit(ctx, raw, "webhook", sender, from)
		return err
	})
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			r.log.Info("webhook notice refused", "from", from, "field", fe.Field, bot.KeyErr, fe.Msg)
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fe.Error(), "field": fe.Field})
			return
		}
		r.log.Error("webhook notice", "from", from, bot.KeyErr, err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not store the notice; try again"})
		return
	}
	if res.Duplicate {
		writeJSON(w, http.StatusOK, map[string]string{"status": "duplicate"})
		return
	}
	r.log.Info("webhook notice accepted", "from", from, "notice", res.ID, "state", res.State)
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "accepted", "notice": res.ID, "state": string(res.State)})
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

// bearerToken is the token of an "Authorization: Bearer TOKEN" header; the
// scheme is case-insensitive (RFC 9110 §11.1): "bearer", "BEARER".
func bearerToken(req *http.Request) (string, bool) {
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

// webhookServer is the webhook's server, every read, write and idle
// connection bounded.
func (r *Feature) webhookServer() *http.Server {
	return &http.Server{
		Addr:              r.cfg.Webhook.Listen,
		Handler:           r.WebhookHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// serveWebhook runs the webhook server until ctx ends.
func (r *Feature) serveWebhook(ctx context.Context) error {
	srv := r.webhookServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	r.log.Info("notices webhook listening", "addr", r.cfg.Webhook.Listen)
	select {
	case err := <-errc:
		return fmt.Errorf("notices webhook: %w", err)
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutCtx)
	}
}

// Background returns the long-running work run mode starts: the webhook
// server when a token is configured. Feeds are polled by scheduled jobs.
func (r *Feature) Background() []func(ctx context.Context) error {
	var out []func(ctx context.Context) error
	if r.cfg.webhookEnabled() {
		out = append(out, r.serveWebhook)
	}
	return out
}

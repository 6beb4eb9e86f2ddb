package notices

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"neighbourbot/bot"
	"neighbourbot/commands/notices/webhook"
)

// FieldError is a bad value in a submitted notice, naming the field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// BadField names the field and what is wrong with it, for the webhook's
// answer.
func (e *FieldError) BadField() (field, msg string) { return e.Field, e.Msg }

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

// WebhookHandler serves POST /notices; the webhook package does the HTTP
// side (tokens, limits, status codes) and hands each notice to
// webhookIntake.
func (r *Feature) WebhookHandler() http.Handler { return r.webhookHandler() }

func (r *Feature) webhookHandler() *webhook.Handler {
	return webhook.New(webhookIntake{r}, webhook.Options{MaxBodyBytes: r.cfg.Webhook.MaxBodyBytes, Clock: r.clock, Log: r.log})
}

// webhookIntake is the notices side of the webhook: whose token a request
// carries, and storing the notice.
type webhookIntake struct{ r *Feature }

func (in webhookIntake) Sender(req *http.Request) (string, bool) { return in.r.senderOf(req) }

// Submit stores one notice in one unit of work with what it books: all or
// nothing, and queued behind any message or job in hand rather than
// failing with "database is locked".
func (in webhookIntake) Submit(ctx context.Context, raw []byte, sender, from string, cap bool) (webhook.Result, error) {
	submit := in.r.SubmitAs
	if cap {
		submit = in.r.SubmitCAP
	}
	var res IngestResult
	err := in.r.core.Atomic(ctx, func(ctx context.Context) error {
		var err error
		res, err = submit(ctx, raw, "webhook", sender, from)
		return err
	})
	return webhook.Result{ID: res.ID, State: string(res.State), Duplicate: res.Duplicate}, err
}

// webhookServer is the webhook's server, every read, write and idle
// connection bounded.
func (r *Feature) webhookServer() *http.Server {
	return webhook.NewServer(r.WebhookHandler(), r.cfg.Webhook.Listen)
}

// serveWebhook runs the webhook server until ctx ends.
func (r *Feature) serveWebhook(ctx context.Context) error {
	return webhook.Run(ctx, r.webhookServer(), r.log)
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

// strictJSON refuses what encoding/json lets through: bytes that are not
// UTF-8 (it would turn them into U+FFFD silently) and a key given twice in
// one object (it would keep the last, so what the council's system showed
// and what is relayed could differ). Malformed JSON is left to the decoder.
func strictJSON(raw []byte) error {
	if !utf8.Valid(raw) {
		return &FieldError{Field: "json", Msg: "not valid UTF-8; send the notice encoded as UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
			case '[':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return &FieldError{Field: bot.Truncate(t, 40), Msg: "given twice; send each field once"}
				}
				top.keys[t], top.key = true, false
				continue
			}
			if top != nil && top.object {
				top.key = true
			}
		default:
			if top != nil && top.object {
				top.key = true
			}
		}
	}
}

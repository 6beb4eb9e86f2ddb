// Package open311 is a small client for the Open311 GeoReport v2 API that
// councils (and FixMyStreet) expose: listing services and their attributes,
// creating a service request, turning a token into a request id, and
// reading request status back. It reads both formats the specification
// allows — XML, which every server must offer, and JSON, which is optional —
// whichever the server actually answers, and asks in XML when a server
// refuses JSON. Every way a council server can fail — error bodies in
// either format, 5xx, HTML error pages, garbage, timeouts — becomes an
// *Error saying whether trying again later could help.
package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bounds"
)

// MaxDescription is the GeoReport v2 limit on a request's description.
const MaxDescription = 4000

// maxBody bounds how much of a response the client reads: a real answer is
// a few kilobytes, anything larger is a misbehaving server.
const maxBody = 1 << 20

// Formats a Client can be told to use.
const (
	// FormatAuto asks in JSON and switches to XML for good once the
	// server refuses JSON.
	FormatAuto = "auto"
	FormatJSON = "json"
	FormatXML  = "xml"
)

// Client talks to one GeoReport v2 endpoint.
type Client struct {
	// BaseURL is the endpoint root, e.g. "https://council.example/open311/v2/".
	BaseURL string
	APIKey  string
	// JurisdictionID is sent only when set: one endpoint serving several councils.
	JurisdictionID string
	// Format is FormatAuto (also ""), FormatJSON or FormatXML: the format
	// asked for. Answers are read in whichever format they come.
	Format string
	HTTP   *http.Client
	// Observe, when set, is told the outcome of every call (see Outcome),
	// for the metrics.
	Observe func(op, outcome string)

	// xmlOnly is set in auto mode once the server has refused JSON.
	xmlOnly atomic.Bool
}

// Request is a new service request.
type Request struct {
	ServiceCode   string
	Lat, Long     float64
	HasLocation   bool
	AddressString string // used when there is no location
	Description   string
	MediaURL      string
	FirstName     string
	LastName      string
	Email         string
	// Attributes are answers to the service's questions, by attribute
	// code; several values only for a multivaluelist.
	Attributes map[string][]string
}

// Created is the server's answer to a new request: a service request id, or
// a token to exchange for one later.
type Created struct {
	ServiceRequestID string
	Token            string
	ServiceNotice    string
}

// ServiceRequest is one request's state as the council reports it.
type ServiceRequest struct {
	ServiceRequestID string
	Status           string
	StatusNotes      string
	ServiceNotice    string
	RequestedAt      string
	UpdatedAt        string
	ExpectedAt       string
}

// Service is one entry of the council's service list.
type Service struct {
	Code        string
	Name        string
	Description string
	// Metadata says the service has attributes (questions) to read with
	// Definition.
	Metadata bool
	Type     string // realtime, batch or blackbox
	Keywords string
	Group    string
}

// Attribute is one of a service's questions.
type Attribute struct {
	// Variable false means the attribute is information only: nothing to
	// ask or send.
	Variable bool
	Code     string
	// Datatype is string, number, datetime, text, singlevaluelist or
	// multivaluelist.
	Datatype            string
	Required            bool
	DatatypeDescription string
	Order               int
	Description         string
	Values              []Value
}

// Value is one choice of a list attribute.
type Value struct {
	Key  string
	Name string
}

// Known datatypes of GeoReport v2 attributes.
var Datatypes = []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}

// KnownDatatype reports whether d is one of the specification's datatypes.
func KnownDatatype(d string) bool {
	for _, k := range Datatypes {
		if d == k {
			return true
		}
	}
	return false
}

// Error is a failed call. Temporary says whether retrying later may work
// (server errors, timeouts, unreadable answers) or not (the council refused
// the request: fix the data or the configuration first).
type Error struct {
	Op          string
	StatusCode  int    // HTTP status, 0 when no answer came
	Code        int    // GeoReport error code from the body, when given
	Description string // GeoReport error description, or what went wrong
	Temporary   bool
	// RetryAfter is what a 429 or 503 answer's Retry-After asked for.
	RetryAfter time.Duration
	// jsonRefused says a JSON request got a non-JSON refusal: in auto
	// mode it is asked again in XML.
	jsonRefused bool
	// Timeout says no answer came in time: the server is slow or
	// overloaded, so asking again soon is unlikely to help.
	Timeout bool
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("open311 " + e.Op + ": ")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "HTTP %d: ", e.StatusCode)
	}
	b.WriteString(e.Description)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Summary is a short, resident-readable reason for the failure.
func (e *Error) Summary() string {
	switch {
	case e.Code != 0:
		return fmt.Sprintf("the council's system said: %s", e.Description)
	case e.StatusCode == 0 || e.StatusCode < 300:
		return e.Description
	default:
		return fmt.Sprintf("%s (HTTP %d)", e.Description, e.StatusCode)
	}
}

// Outcome names a call's result for the metrics: "ok", "timeout",
// "unreachable" (no answer), "temporary" (a server error or unreadable
// answer, retried) or "refused" (the council's server said no).
func Outcome(err error) string {
	var oe *Error
	switch {
	case err == nil:
		return "ok"
	case !errors.As(err, &oe):
		return "temporary"
	case oe.Timeout:
		return "timeout"
	case oe.StatusCode == 0 && oe.Temporary:
		return "unreachable"
	case oe.Temporary:
		return "temporary"
	}
	return "refused"
}

// RetryAfterDelay implements bot.RetryAfterer.
func (e *Error) RetryAfterDelay() time.Duration { return e.RetryAfter }

// IsTemporary reports whether err is worth retrying later.
func IsTemporary(err error) bool {
	var oe *Error
	if errors.As(err, &oe) {
		return oe.Temporary
	}
	return true
}

// IsTimeout reports whether err is a call that got no answer in time.
func IsTimeout(err error) bool {
	var oe *Error
	return errors.As(err, &oe) && oe.Timeout
}

// format is the format to ask in now.
func (c *Client) format() string {
	switch {
	case c.Format == FormatXML, c.Format != FormatJSON && c.xmlOnly.Load():
		return FormatXML
	default:
		return FormatJSON
	}
}

// UsesXML reports whether the client asks in XML (configured, or after the
// server refused JSON).
func (c *Client) UsesXML() bool { return c.format() == FormatXML }

func (c *Client) endpoint(path string) (string, error) {
	base := strings.TrimSpace(c.BaseURL)
	if base == "" {
		return "", errors.New("no base URL configured")
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("base URL: %w", err)
	}
	ref, err := url.Parse(path)
	if err != nil {
		return "", err
	}
	return u.ResolveReference(ref).String(), nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 8 * time.Second}
}

// Form builds the form fields for a new request: exactly what is sent, so
// callers and tests can see that no resident's details go to the council.
func (c *Client) Form(r Request) url.Values {
	f := url.Values{}
	f.Set("api_key", c.APIKey)
	if c.JurisdictionID != "" {
		f.Set("jurisdiction_id", c.JurisdictionID)
	}
	f.Set("service_code", r.ServiceCode)
	if r.HasLocation {
		f.Set("lat", strconv.FormatFloat(r.Lat, 'f', 6, 64))
		f.Set("long", strconv.FormatFloat(r.Long, 'f', 6, 64))
	} else if r.AddressString != "" {
		f.Set("address_string", r.AddressString)
	}
	f.Set("description", truncateRunes(r.Description, MaxDescription))
	if r.MediaURL != "" {
		f.Set("media_url", r.MediaURL)
	}
	if r.FirstName != "" {
		f.Set("first_name", r.FirstName)
	}
	if r.LastName != "" {
		f.Set("last_name", r.LastName)
	}
	if r.Email != "" {
		f.Set("email", r.Email)
	}
	codes := make([]string, 0, len(r.Attributes))
	for code := range r.Attributes {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		vals := r.Attributes[code]
		switch {
		case len(vals) == 1:
			f.Set("attribute["+code+"]", vals[0])
		case len(vals) > 1:
			// The specification's form for a multivaluelist.
			f["attribute["+code+"][]"] = append([]string(nil), vals...)
		}
	}
	return f
}

// Create posts a new service request (POST requests.{fmt}).
func (c *Client) Create(ctx context.Context, r Request) (Created, error) {
	const op = "create request"
	form := c.Form(r).Encode()
	var answer []wireRequest
	err := c.call(ctx, op, func(ext string) (*http.Request, error) {
		u, err := c.endpoint("requests." + ext)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return req, nil
	}, listOf(&answer))
	if err != nil {
		return Created{}, err
	}
	for _, a := range answer {
		if a.ServiceRequestID != "" || a.Token != "" {
			return Created{ServiceRequestID: string(a.ServiceRequestID), Token: string(a.Token), ServiceNotice: strings.TrimSpace(string(a.ServiceNotice))}, nil
		}
	}
	return Created{}, &Error{Op: op, StatusCode: http.StatusOK, Description: "the answer had neither a service_request_id nor a token", Temporary: true}
}

// Token exchanges a token for a service request id (GET tokens/{token}.{fmt}).
// An empty id with a nil error means the council has not assigned one yet.
func (c *Client) Token(ctx context.Context, token string) (string, error) {
	const op = "look up token"
	var answer []wireRequest
	err := c.call(ctx, op, c.get(ctx, "tokens/"+url.PathEscape(token), nil), listOf(&answer))
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) && oe.StatusCode == http.StatusNotFound {
			return "", nil
		}
		return "", err
	}
	for _, a := range answer {
		if a.ServiceRequestID != "" {
			return string(a.ServiceRequestID), nil
		}
	}
	return "", nil
}

// Requests reads the state of service requests
// (GET requests.{fmt}?service_request_id=ID1,ID2).
func (c *Client) Requests(ctx context.Context, ids ...string) ([]ServiceRequest, error) {
	const op = "read requests"
	q := url.Values{}
	q.Set("service_request_id", strings.Join(ids, ","))
	var raw []wireRequest
	if err := c.call(ctx, op, c.get(ctx, "requests", q), listOf(&raw)); err != nil {
		return nil, err
	}
	out := make([]ServiceRequest, 0, len(raw))
	for _, r := range raw {
		out = append(out, ServiceRequest{
			ServiceRequestID: string(r.ServiceRequestID), Status: strings.TrimSpace(string(r.Status)),
			StatusNotes: strings.TrimSpace(string(r.StatusNotes)), ServiceNotice: strings.TrimSpace(string(r.ServiceNotice)),
			RequestedAt: string(r.RequestedAt), UpdatedAt: string(r.UpdatedAt), ExpectedAt: string(r.ExpectedAt),
		})
	}
	return out, nil
}

// Services reads the council's service list (GET services.{fmt}).
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	const op = "list services"
	var raw []wireService
	if err := c.call(ctx, op, c.get(ctx, "services", nil), listOf(&raw)); err != nil {
		return nil, err
	}
	out := make([]Service, 0, len(raw))
	for _, s := range raw {
		if s.Code == "" {
			continue
		}
		out = append(out, Service{Code: string(s.Code), Name: string(s.Name), Description: string(s.Description),
			Metadata: bool(s.Metadata), Type: string(s.Type), Keywords: string(s.Keywords), Group: string(s.Group)})
	}
	return out, nil
}

// Definition reads a service's attributes (GET services/{code}.{fmt}),
// sorted by their order.
func (c *Client) Definition(ctx context.Context, code string) ([]Attribute, error) {
	const op = "read service definition"
	var raw wireDefinition
	if err := c.call(ctx, op, c.get(ctx, "services/"+url.PathEscape(code), nil), objectOf(&raw)); err != nil {
		return nil, err
	}
	out := make([]Attribute, 0, len(raw.Attributes.Items))
	for _, a := range raw.Attributes.Items {
		if a.Code == "" {
			continue
		}
		attr := Attribute{Variable: bool(a.Variable), Code: string(a.Code), Datatype: strings.ToLower(strings.TrimSpace(string(a.Datatype))),
			Required: bool(a.Required), DatatypeDescription: string(a.DatatypeDescription), Order: int(a.Order), Description: string(a.Description)}
		for _, v := range a.Values.Items {
			attr.Values = append(attr.Values, Value{Key: string(v.Key), Name: string(v.Name)})
		}
		out = append(out, attr)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out, nil
}

// get builds GET requests for path.{fmt}?q (plus the jurisdiction).
func (c *Client) get(ctx context.Context, path string, q url.Values) func(ext string) (*http.Request, error) {
	return func(ext string) (*http.Request, error) {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if c.JurisdictionID != "" {
			v.Set("jurisdiction_id", c.JurisdictionID)
		}
		p := path + "." + ext
		if len(v) > 0 {
			p += "?" + v.Encode()
		}
		u, err := c.endpoint(p)
		if err != nil {
			return nil, err
		}
		return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	}
}

// call makes one API call in the current format. In auto mode a server
// that refuses JSON (answers 400, 404, 406, 415 or 501 with something that
// is not JSON) is asked again in XML, and from then on always in XML.
// Asking again is safe for a new request too: a refused call filed nothing.
func (c *Client) call(ctx context.Context, op string, build func(ext string) (*http.Request, error), out decoder) (err error) {
	if c.Observe != nil {
		defer func() { c.Observe(op, Outcome(err)) }()
	}
	ext := c.format()
	err = c.do(op, ext, build, out)
	if err == nil || ext != FormatJSON || c.Format == FormatJSON {
		return err
	}
	var oe *Error
	if !errors.As(err, &oe) || !oe.jsonRefused {
		return err
	}
	if xerr := c.do(op, FormatXML, build, out); xerr != nil {
		var xe *Error
		if errors.As(xerr, &xe) && xe.Code != 0 {
			// A GeoReport error in XML: the server speaks XML, and this
			// is its real answer. (Not-found pages in both formats
			// say nothing about which it speaks.)
			c.xmlOnly.Store(true)
		}
		return xerr
	}
	c.xmlOnly.Store(true)
	return nil
}

// do sends one request in format ext and decodes the answer, whichever
// format it came in, classifying failures.
func (c *Client) do(op, ext string, build func(ext string) (*http.Request, error), out decoder) error {
	req, err := build(ext)
	if err != nil {
		return &Error{Op: op, Description: "not configured", Err: err}
	}
	if ext == FormatXML {
		req.Header.Set("Accept", "text/xml, application/xml")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		e := &Error{Op: op, Description: "could not reach the council's server", Temporary: true, Err: err}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			e.Description, e.Timeout = "the council's server did not answer in time", true
		}
		return e
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &Error{Op: op, StatusCode: resp.StatusCode, Description: "the answer was cut off", Temporary: true, Err: err}
	}
	kind := sniff(body)
	if err := shape(kind, body); err != nil {
		// Counted before any decoding, error bodies included.
		return &Error{Op: op, StatusCode: resp.StatusCode, Description: "the council's server sent an answer I can't read", Temporary: true, Err: err}
	}
	if resp.StatusCode >= 300 {
		e := &Error{Op: op, StatusCode: resp.StatusCode, Temporary: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout}
		if code, desc, ok := decodeErrors(kind, body); ok {
			e.Code, e.Description = code, desc
		} else if resp.StatusCode >= 500 {
			e.Description = "the council's server had an error"
		} else {
			e.Description = "the council's server refused the request"
		}
		if e.Temporary {
			e.RetryAfter = bot.RetryAfterOf(bot.WithRetryAfter(e, resp, time.Now()))
		}
		switch resp.StatusCode {
		case http.StatusBadRequest, http.StatusNotFound, http.StatusNotAcceptable, http.StatusUnsupportedMediaType, http.StatusNotImplemented:
			e.jsonRefused = ext == FormatJSON && kind != kindJSON
		}
		return e
	}
	if code, desc, ok := decodeErrors(kind, body); ok {
		// Some servers answer 200 with an error body.
		return &Error{Op: op, StatusCode: resp.StatusCode, Code: code, Description: desc, Temporary: code >= 500}
	}
	switch kind {
	case kindJSON:
		err = out.json(body)
	case kindXML:
		err = out.xml(body)
	default:
		// An HTML maintenance page, garbage or nothing at all.
		return &Error{Op: op, StatusCode: resp.StatusCode, Description: "the council's server sent an answer I can't read", Temporary: true}
	}
	if err != nil {
		return &Error{Op: op, StatusCode: resp.StatusCode, Description: "the council's server sent an answer I can't read", Temporary: true, Err: err}
	}
	return nil
}

// shape refuses an answer whose size in elements, nesting or fields would
// make decoding it take far more memory than its bytes.
func shape(kind int, body []byte) error {
	switch kind {
	case kindJSON:
		return bounds.Limits{}.JSON(body)
	case kindXML:
		return bounds.Limits{}.XML(body, nil)
	}
	return nil
}

// Body kinds, told apart by their first bytes: servers' Content-Type
// headers are often wrong.
const (
	kindOther = iota
	kindJSON
	kindXML
)

func sniff(body []byte) int {
	b := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	switch {
	case len(b) == 0:
		return kindOther
	case b[0] == '[' || b[0] == '{':
		return kindJSON
	case b[0] == '<':
		lower := bytes.ToLower(b[:min(len(b), 512)])
		if bytes.Contains(lower, []byte("<html")) || bytes.HasPrefix(lower, []byte("<!doctype")) {
			return kindOther
		}
		return kindXML
	}
	return kindOther
}

// decoder reads an answer in either format.
type decoder struct {
	json func([]byte) error
	xml  func([]byte) error
}

// listOf decodes a JSON array, or an XML root element whose children are
// the items (<service_requests><request>…, <services><service>…).
func listOf[T any](out *[]T) decoder {
	return decoder{
		json: func(b []byte) error {
			if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
				return errors.New("expected a list")
			}
			return json.Unmarshal(b, out)
		},
		xml: func(b []byte) error {
			var l struct {
				Items []T `xml:",any"`
			}
			if err := xml.Unmarshal(b, &l); err != nil {
				return err
			}
			*out = l.Items
			return nil
		},
	}
}

// objectOf decodes a JSON object or an XML root element into out.
func objectOf[T any](out *T) decoder {
	return decoder{
		json: func(b []byte) error {
			// Some servers wrap the definition in a one-element array.
			if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
				var l []T
				if err := json.Unmarshal(b, &l); err != nil {
					return err
				}
				if len(l) == 0 {
					return errors.New("empty answer")
				}
				*out = l[0]
				return nil
			}
			return json.Unmarshal(b, out)
		},
		xml: func(b []byte) error { return xml.Unmarshal(b, out) },
	}
}

// Wire shapes: one struct reads both formats. Scalars are flex types,
// which take JSON strings, numbers, booleans or null, and XML text.
type wireRequest struct {
	ServiceRequestID flexString `json:"service_request_id" xml:"service_request_id"`
	Token            flexString `json:"token" xml:"token"`
	Status           flexString `json:"status" xml:"status"`
	StatusNotes      flexString `json:"status_notes" xml:"status_notes"`
	ServiceNotice    flexString `json:"service_notice" xml:"service_notice"`
	RequestedAt      flexString `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedAt        flexString `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedAt       flexString `json:"expected_datetime" xml:"expected_datetime"`
}

type wireService struct {
	Code        flexString `json:"service_code" xml:"service_code"`
	Name        flexString `json:"service_name" xml:"service_name"`
	Description flexString `json:"description" xml:"description"`
	Metadata    flexBool   `json:"metadata" xml:"metadata"`
	Type        flexString `json:"type" xml:"type"`
	Keywords    flexString `json:"keywords" xml:"keywords"`
	Group       flexString `json:"group" xml:"group"`
}

type wireDefinition struct {
	ServiceCode flexString             `json:"service_code" xml:"service_code"`
	Attributes  wrapped[wireAttribute] `json:"attributes" xml:"attributes"`
}

type wireAttribute struct {
	Variable            flexBool           `json:"variable" xml:"variable"`
	Code                flexString         `json:"code" xml:"code"`
	Datatype            flexString         `json:"datatype" xml:"datatype"`
	Required            flexBool           `json:"required" xml:"required"`
	DatatypeDescription flexString         `json:"datatype_description" xml:"datatype_description"`
	Order               flexInt            `json:"order" xml:"order"`
	Description         flexString         `json:"description" xml:"description"`
	Values              wrapped[wireValue] `json:"values" xml:"values"`
}

type wireValue struct {
	Key  flexString `json:"key" xml:"key"`
	Name flexString `json:"name" xml:"name"`
}

// wrapped is a list: a JSON array, or an XML element whose children are
// the items (<attributes><attribute>…).
type wrapped[T any] struct {
	Items []T `xml:",any"`
}

func (w *wrapped[T]) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		w.Items = nil
		return nil
	}
	return json.Unmarshal(b, &w.Items)
}

// decodeErrors reads a GeoReport error body in JSON —
// [{"code":400,"description":"…"}] or a single object of that shape — or
// in XML — <errors><error><code>400</code><description>…</description></error></errors>.
func decodeErrors(kind int, body []byte) (int, string, bool) {
	type apiErr struct {
		Code        flexInt    `json:"code" xml:"code"`
		Description flexString `json:"description" xml:"description"`
	}
	var list []apiErr
	switch kind {
	case kindJSON:
		if err := json.Unmarshal(body, &list); err != nil {
			var one apiErr
			if err := json.Unmarshal(body, &one); err != nil {
				return 0, "", false
			}
			list = []apiErr{one}
		}
	case kindXML:
		var root struct {
			XMLName xml.Name
			Items   []apiErr `xml:"error"`
		}
		if err := xml.Unmarshal(body, &root); err != nil || root.XMLName.Local != "errors" {
			return 0, "", false
		}
		list = root.Items
	default:
		return 0, "", false
	}
	var descs []string
	code := 0
	for _, e := range list {
		desc := strings.Join(strings.Fields(string(e.Description)), " ")
		if e.Code == 0 || desc == "" {
			continue
		}
		if code == 0 {
			code = int(e.Code)
		}
		descs = append(descs, desc)
	}
	if len(descs) == 0 {
		return 0, "", false
	}
	return code, truncateRunes(strings.Join(descs, "; "), 300), true
}

// flexString accepts a JSON string, number, boolean or null, or XML text:
// servers disagree on whether ids are quoted.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*f = ""
		return nil
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(v))
		return nil
	case s == "true" || s == "false":
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	*f = flexString(n.String())
	return nil
}

// UnmarshalText reads XML text.
func (f *flexString) UnmarshalText(b []byte) error {
	*f = flexString(strings.TrimSpace(string(b)))
	return nil
}

// flexInt accepts a JSON number or a numeric string, or XML text.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	return f.UnmarshalText(bytes.Trim(bytes.TrimSpace(b), `"`))
}

// UnmarshalText reads XML text (and JSON's unquoted number).
func (f *flexInt) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("number: %w", err)
	}
	*f = flexInt(n)
	return nil
}

// flexBool accepts true/false as a JSON boolean or string, or XML text.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	return f.UnmarshalText(bytes.Trim(bytes.TrimSpace(b), `"`))
}

// UnmarshalText reads XML text.
func (f *flexBool) UnmarshalText(b []byte) error {
	switch strings.ToLower(strings.TrimSpace(string(b))) {
	case "true", "1", "yes":
		*f = true
	default:
		*f = false
	}
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Package open311 is a small client for the Open311 GeoReport v2 API that
// councils (and FixMyStreet) expose: creating a service request, turning a
// token into a request id, and reading request status back. It speaks the
// JSON flavour of the API and turns every way a council server can fail —
// error bodies, 5xx, HTML error pages, garbage, timeouts — into an *Error
// saying whether trying again later could help.
package open311

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxDescription is the GeoReport v2 limit on a request's description.
const MaxDescription = 4000

// maxBody bounds how much of a response the client reads: a real answer is
// a few kilobytes, anything larger is a misbehaving server.
const maxBody = 1 << 20

// Client talks to one GeoReport v2 endpoint.
type Client struct {
	// BaseURL is the endpoint root, e.g. "https://council.example/open311/v2/".
	BaseURL string
	APIKey  string
	// JurisdictionID is sent only when set: one endpoint serving several councils.
	JurisdictionID string
	HTTP           *http.Client
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
	ServiceRequestID string `json:"service_request_id"`
	Status           string `json:"status"`
	StatusNotes      string `json:"status_notes"`
	ServiceNotice    string `json:"service_notice"`
	RequestedAt      string `json:"requested_datetime"`
	UpdatedAt        string `json:"updated_datetime"`
	ExpectedAt       string `json:"expected_datetime"`
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
	return f
}

// Create posts a new service request (POST requests.json).
func (c *Client) Create(ctx context.Context, r Request) (Created, error) {
	const op = "create request"
	u, err := c.endpoint("requests.json")
	if err != nil {
		return Created{}, &Error{Op: op, Description: "not configured", Err: err}
	}
	form := c.Form(r)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return Created{}, &Error{Op: op, Description: "bad request", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var answer []struct {
		ServiceRequestID flexString `json:"service_request_id"`
		Token            flexString `json:"token"`
		ServiceNotice    string     `json:"service_notice"`
	}
	if err := c.do(req, op, &answer); err != nil {
		return Created{}, err
	}
	for _, a := range answer {
		if a.ServiceRequestID != "" || a.Token != "" {
			return Created{ServiceRequestID: string(a.ServiceRequestID), Token: string(a.Token), ServiceNotice: a.ServiceNotice}, nil
		}
	}
	return Created{}, &Error{Op: op, StatusCode: http.StatusOK, Description: "the answer had neither a service_request_id nor a token", Temporary: true}
}

// Token exchanges a token for a service request id (GET tokens/{token}.json).
// An empty id with a nil error means the council has not assigned one yet.
func (c *Client) Token(ctx context.Context, token string) (string, error) {
	const op = "look up token"
	path := "tokens/" + url.PathEscape(token) + ".json"
	if c.JurisdictionID != "" {
		path += "?jurisdiction_id=" + url.QueryEscape(c.JurisdictionID)
	}
	u, err := c.endpoint(path)
	if err != nil {
		return "", &Error{Op: op, Description: "not configured", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", &Error{Op: op, Description: "bad request", Err: err}
	}
	var answer []struct {
		ServiceRequestID flexString `json:"service_request_id"`
	}
	if err := c.do(req, op, &answer); err != nil {
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
// (GET requests.json?service_request_id=ID1,ID2).
func (c *Client) Requests(ctx context.Context, ids ...string) ([]ServiceRequest, error) {
	const op = "read requests"
	q := url.Values{}
	q.Set("service_request_id", strings.Join(ids, ","))
	if c.JurisdictionID != "" {
		q.Set("jurisdiction_id", c.JurisdictionID)
	}
	u, err := c.endpoint("requests.json?" + q.Encode())
	if err != nil {
		return nil, &Error{Op: op, Description: "not configured", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &Error{Op: op, Description: "bad request", Err: err}
	}
	var raw []struct {
		ServiceRequestID flexString `json:"service_request_id"`
		Status           string     `json:"status"`
		StatusNotes      string     `json:"status_notes"`
		ServiceNotice    string     `json:"service_notice"`
		RequestedAt      string     `json:"requested_datetime"`
		UpdatedAt        string     `json:"updated_datetime"`
		ExpectedAt       string     `json:"expected_datetime"`
	}
	if err := c.do(req, op, &raw); err != nil {
		return nil, err
	}
	out := make([]ServiceRequest, 0, len(raw))
	for _, r := range raw {
		out = append(out, ServiceRequest{
			ServiceRequestID: string(r.ServiceRequestID), Status: r.Status, StatusNotes: r.StatusNotes,
			ServiceNotice: r.ServiceNotice, RequestedAt: r.RequestedAt, UpdatedAt: r.UpdatedAt, ExpectedAt: r.ExpectedAt,
		})
	}
	return out, nil
}

// do sends req and decodes a JSON array answer into out, classifying failures.
func (c *Client) do(req *http.Request, op string, out any) error {
	req.Header.Set("Accept", "application/json")
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
	if resp.StatusCode >= 300 {
		e := &Error{Op: op, StatusCode: resp.StatusCode, Temporary: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout}
		if code, desc, ok := decodeErrors(body); ok {
			e.Code, e.Description = code, desc
		} else if resp.StatusCode >= 500 {
			e.Description = "the council's server had an error"
		} else {
			e.Description = "the council's server refused the request"
		}
		return e
	}
	trimmed := strings.TrimSpace(string(body))
	if !strings.HasPrefix(trimmed, "[") {
		// Some servers answer 200 with an error array's sibling form, an
		// HTML maintenance page or nothing at all.
		if code, desc, ok := decodeErrors(body); ok {
			return &Error{Op: op, StatusCode: resp.StatusCode, Code: code, Description: desc, Temporary: code >= 500}
		}
		return &Error{Op: op, StatusCode: resp.StatusCode, Description: "the council's server sent an answer I can't read", Temporary: true}
	}
	if code, desc, ok := decodeErrors(body); ok {
		return &Error{Op: op, StatusCode: resp.StatusCode, Code: code, Description: desc, Temporary: code >= 500}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &Error{Op: op, StatusCode: resp.StatusCode, Description: "the council's server sent an answer I can't read", Temporary: true, Err: err}
	}
	return nil
}

// decodeErrors reads a GeoReport error body: [{"code":400,"description":"…"}]
// (or a single object of that shape).
func decodeErrors(body []byte) (int, string, bool) {
	type apiErr struct {
		Code        flexInt `json:"code"`
		Description string  `json:"description"`
	}
	var list []apiErr
	if err := json.Unmarshal(body, &list); err != nil {
		var one apiErr
		if err := json.Unmarshal(body, &one); err != nil {
			return 0, "", false
		}
		list = []apiErr{one}
	}
	var descs []string
	code := 0
	for _, e := range list {
		if e.Code == 0 || strings.TrimSpace(e.Description) == "" {
			continue
		}
		if code == 0 {
			code = int(e.Code)
		}
		descs = append(descs, strings.TrimSpace(e.Description))
	}
	if len(descs) == 0 {
		return 0, "", false
	}
	return code, truncateRunes(strings.Join(descs, "; "), 300), true
}

// flexString accepts a JSON string or number: servers disagree on whether
// ids are quoted.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*f = ""
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(v))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	*f = flexString(n.String())
	return nil
}

// flexInt accepts a JSON number or a numeric string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "null" || s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("code: %w", err)
	}
	*f = flexInt(n)
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

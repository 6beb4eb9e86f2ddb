package power

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bounds"
)

// ProviderUKPN is the feed_provider name of UK Power Networks' open-data
// live faults (Opendatasoft).
const ProviderUKPN = "ukpn"

// Incident is a power cut or planned work the network operator already
// knows about.
type Incident struct {
	Ref string
	// Sectors are the postcode sectors affected, canonical ("IP1 2").
	Sectors []string
	// EstimatedRestoration is zero when the operator gives none.
	EstimatedRestoration time.Time
	Planned              bool
	Customers            int
	Message              string
	// Start is when planned work begins (or a fault was logged); zero when
	// the operator gives none.
	Start time.Time
	// Status is the operator's own word for where the work stands.
	Status string
	// Operator names who publishes it ("ukpn", "nged", …); empty for a
	// single configured feed. Publisher is its name as residents know it.
	Operator  string
	Publisher string
}

// IncidentSource lists the incidents a network operator currently
// publishes. Implementations are called with a deadline and must not retry
// beyond it: a check never waits on a slow feed.
type IncidentSource interface {
	Incidents(ctx context.Context) ([]Incident, error)
}

// AreaIncidentSource is an IncidentSource that can ask only the operator
// serving the given areas (the "auto" choice); the check prefers it.
type AreaIncidentSource interface {
	IncidentSource
	IncidentsFor(ctx context.Context, areas []string) ([]Incident, error)
}

// MatchIncidents returns the incidents touching any of the group's areas,
// unplanned faults first, then the largest.
func MatchIncidents(incidents []Incident, areas []string) []Incident {
	var out []Incident
	for _, inc := range incidents {
		if touches(inc, areas) {
			out = append(out, inc)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Planned != out[j].Planned {
			return !out[i].Planned
		}
		if out[i].Customers != out[j].Customers {
			return out[i].Customers > out[j].Customers
		}
		return out[i].Ref < out[j].Ref
	})
	return out
}

func touches(inc Incident, areas []string) bool {
	for _, a := range areas {
		for _, s := range inc.Sectors {
			if bot.AreaCovers(a, s) {
				return true
			}
		}
	}
	return false
}

// maxFeedBytes caps what the bot reads from a feed: the whole UK Power
// Networks live-faults export is well under this, and a misbehaving server
// cannot make the bot buffer more.
const maxFeedBytes = 8 << 20

// UKPN reads UK Power Networks' live faults from an Opendatasoft endpoint:
// the JSON export (a plain array of records), the v2.1 records API
// ({"results": […]}) or the v1 search API ({"records": [{"fields": …}]}).
type UKPN struct {
	Client  *http.Client
	URL     string
	Key     string // Opendatasoft API key; optional for this public dataset
	Timeout time.Duration
}

// Incidents fetches and parses the feed.
func (u *UKPN) Incidents(ctx context.Context) ([]Incident, error) {
	if u.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, u.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("outage feed request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if u.Key != "" {
		req.Header.Set("Authorization", "Apikey "+u.Key)
	}
	body, _, err := FetchBody(u.Client, req, maxFeedBytes)
	if err != nil {
		return nil, fmt.Errorf("outage feed: %w", err)
	}
	return ParseUKPN(body)
}

// FetchBody does req with client (the default client when nil) and reads
// the answer's body, refusing anything but 200 and a body over max bytes.
// Every operator's feed is read through it.
func FetchBody(client *http.Client, req *http.Request, max int) ([]byte, *http.Response, error) {
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, resp, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return nil, resp, fmt.Errorf("read: %w", err)
	}
	if len(body) > max {
		return nil, resp, fmt.Errorf("response larger than %d bytes", max)
	}
	return body, resp, nil
}

// ukpnRecord holds the live-fault fields the bot uses. Counts arrive as
// numbers or strings depending on the endpoint, so they stay raw.
type ukpnRecord struct {
	IncidentReference        string          `json:"incidentreference"`
	PowerCutType             string          `json:"powercuttype"`
	PostcodesAffected        string          `json:"postcodesaffected"`
	EstimatedRestorationDate *string         `json:"estimatedrestorationdate"`
	RestoredDateTime         *string         `json:"restoreddatetime"`
	MainMessage              string          `json:"mainmessage"`
	NoCustomerAffected       json.RawMessage `json:"nocustomeraffected"`
}

// ParseUKPN parses a UK Power Networks live-faults response. Records
// already restored, or without a reference, are left out; a malformed
// record fails the whole response, since a feed that garbles one field
// cannot be trusted for the others.
func ParseUKPN(data []byte) ([]Incident, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("outage feed: empty response")
	}
	// An operator's open data lists thousands of records of a few dozen
	// fields; decoded into structs, unknown fields skipped.
	if err := (bounds.Limits{MaxElements: 200000}).JSON(data); err != nil {
		return nil, fmt.Errorf("outage feed: %w", err)
	}
	var records []ukpnRecord
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &records); err != nil {
			return nil, fmt.Errorf("outage feed: %w", err)
		}
	case '{':
		var env struct {
			Results *[]ukpnRecord `json:"results"`
			Records *[]struct {
				Fields ukpnRecord `json:"fields"`
			} `json:"records"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			return nil, fmt.Errorf("outage feed: %w", err)
		}
		switch {
		case env.Results != nil:
			records = *env.Results
		case env.Records != nil:
			for _, r := range *env.Records {
				records = append(records, r.Fields)
			}
		default:
			return nil, errors.New(`outage feed: JSON object has neither "results" nor "records"`)
		}
	default:
		return nil, errors.New("outage feed: response is not JSON")
	}
	out := make([]Incident, 0, len(records))
	for _, r := range records {
		ref := strings.TrimSpace(r.IncidentReference)
		if ref == "" || (r.RestoredDateTime != nil && strings.TrimSpace(*r.RestoredDateTime) != "") {
			continue
		}
		inc := Incident{
			Ref:     bot.Truncate(ref, 40),
			Planned: strings.EqualFold(strings.TrimSpace(r.PowerCutType), "planned"),
			Message: strings.TrimSpace(r.MainMessage),
			Sectors: parseSectors(r.PostcodesAffected),
		}
		if r.EstimatedRestorationDate != nil && strings.TrimSpace(*r.EstimatedRestorationDate) != "" {
			t, err := parseFeedTime(*r.EstimatedRestorationDate)
			if err != nil {
				return nil, fmt.Errorf("outage feed: incident %s: %w", inc.Ref, err)
			}
			inc.EstimatedRestoration = t
		}
		n, err := parseCount(r.NoCustomerAffected)
		if err != nil {
			return nil, fmt.Errorf("outage feed: incident %s: nocustomeraffected: %w", inc.Ref, err)
		}
		inc.Customers = n
		out = append(out, inc)
	}
	return out, nil
}

// parseSectors splits "IP1 2;IP1 3; ip4 1" into canonical sectors,
// dropping anything that is not a postcode.
func parseSectors(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if a, ok := bot.NormalizeArea(part); ok {
			out = append(out, a)
		}
	}
	return out
}

// parseFeedTime reads Opendatasoft datetimes: RFC 3339 with an offset, or
// without one (UTC, as the portal stores them).
func parseFeedTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("estimatedrestorationdate %q is not a date and time", bot.Truncate(s, 40))
}

func parseCount(raw json.RawMessage) (int, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == `""` {
		return 0, nil
	}
	s = strings.Trim(s, `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e8 {
		return 0, fmt.Errorf("%q is not a count", bot.Truncate(s, 20))
	}
	return int(f), nil
}

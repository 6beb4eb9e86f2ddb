package sources

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bounds"
	"neighbourbot/commands/notices/feeds"
)

// CAP 1.2 (OASIS Common Alerting Protocol): an <alert> with msgType
// Alert/Update/Cancel and references, and one <info> per language with
// urgency, severity, effective/expires, headline, description,
// instruction, web and <area> blocks (areaDesc, polygon, circle, geocode).

// CAPAlert is a parsed CAP message.
type CAPAlert struct {
	XMLName    xml.Name  `xml:"alert"`
	Identifier string    `xml:"identifier"`
	Sender     string    `xml:"sender"`
	Sent       string    `xml:"sent"`
	Status     string    `xml:"status"`
	MsgType    string    `xml:"msgType"`
	Scope      string    `xml:"scope"`
	References string    `xml:"references"`
	Info       []CAPInfo `xml:"info"`
}

// CAPInfo is one <info> block.
type CAPInfo struct {
	Language    string    `xml:"language"`
	Category    []string  `xml:"category"`
	Event       string    `xml:"event"`
	Urgency     string    `xml:"urgency"`
	Severity    string    `xml:"severity"`
	Certainty   string    `xml:"certainty"`
	Effective   string    `xml:"effective"`
	Expires     string    `xml:"expires"`
	SenderName  string    `xml:"senderName"`
	Headline    string    `xml:"headline"`
	Description string    `xml:"description"`
	Instruction string    `xml:"instruction"`
	Web         string    `xml:"web"`
	Area        []CAPArea `xml:"area"`
}

// CAPArea is one <area> block.
type CAPArea struct {
	AreaDesc string       `xml:"areaDesc"`
	Polygon  []string     `xml:"polygon"`
	Circle   []string     `xml:"circle"`
	Geocode  []CAPGeocode `xml:"geocode"`
}

// CAPGeocode is a <geocode> name/value pair.
type CAPGeocode struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// Bounds on what one message may hold.
const (
	maxCAPInfo          = 20
	maxCAPAreas         = 100
	maxCAPPolygonPoints = 5000
)

// ErrNotCAP means the document is not a CAP alert.
var ErrNotCAP = errors.New("not a CAP 1.2 alert")

// ParseCAP reads one CAP 1.1 or 1.2 alert.
func ParseCAP(data []byte) (*CAPAlert, error) {
	// Counted before decoding, so no alert's size decides the memory
	// its decoding takes.
	if err := (bounds.Limits{}).XML(data, nil); err != nil {
		return nil, fmt.Errorf("CAP XML: %w", err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var a CAPAlert
	if err := dec.Decode(&a); err != nil {
		if strings.Contains(err.Error(), "expected element type <alert>") {
			return nil, ErrNotCAP
		}
		return nil, fmt.Errorf("CAP XML: %w", err)
	}
	if ns := a.XMLName.Space; ns != "" && !strings.HasPrefix(ns, "urn:oasis:names:tc:emergency:cap:1.") {
		return nil, fmt.Errorf("%w (namespace %q)", ErrNotCAP, bot.Truncate(ns, 80))
	}
	if strings.TrimSpace(a.Identifier) == "" {
		return nil, errors.New("CAP alert without an identifier")
	}
	if len(a.Info) > maxCAPInfo {
		return nil, fmt.Errorf("CAP alert with %d info blocks (at most %d)", len(a.Info), maxCAPInfo)
	}
	for _, in := range a.Info {
		if len(in.Area) > maxCAPAreas {
			return nil, fmt.Errorf("CAP info with %d areas (at most %d)", len(in.Area), maxCAPAreas)
		}
	}
	return &a, nil
}

// Actual reports whether the alert is a real one: tests, exercises,
// system messages and drafts are not relayed.
func (a *CAPAlert) Actual() bool { return strings.EqualFold(strings.TrimSpace(a.Status), "Actual") }

// Referenced is the identifier of the last message references names
// ("sender,identifier,sent" triples separated by spaces).
func (a *CAPAlert) Referenced() string {
	f := strings.Fields(a.References)
	if len(f) == 0 {
		return ""
	}
	parts := strings.Split(f[len(f)-1], ",")
	if len(parts) >= 2 {
		return strings.TrimSpace(parts[1])
	}
	return strings.TrimSpace(parts[0])
}

// pickInfo chooses the English block (en-GB first), else the first.
func (a *CAPAlert) pickInfo() (CAPInfo, bool) {
	if len(a.Info) == 0 {
		return CAPInfo{}, false
	}
	best, score := a.Info[0], -1
	for _, in := range a.Info {
		l := strings.ToLower(strings.TrimSpace(in.Language))
		s := 0
		switch {
		case l == "en-gb":
			s = 3
		case l == "" || l == "en-us" || strings.HasPrefix(l, "en"):
			// CAP's default language is en-US.
			s = 2
		}
		if s > score {
			best, score = in, s
		}
	}
	return best, true
}

// welsh is the alert's Welsh headline and text (its info block in cy or
// cy-GB), "" when it has none. An alert only in Welsh gives the same text
// as its English, so every group gets the Welsh (see notices' LanguageFor).
func (a *CAPAlert) welsh() (title, body string) {
	isWelsh := func(in CAPInfo) bool {
		l := strings.ToLower(strings.TrimSpace(in.Language))
		return l == "cy" || strings.HasPrefix(l, "cy-")
	}
	for _, in := range a.Info {
		if isWelsh(in) {
			return clean(firstNonEmpty(in.Headline, in.Event), 200),
				strings.TrimSpace(strings.Join(nonEmpty(strings.TrimSpace(in.Description), strings.TrimSpace(in.Instruction)), "\n\n"))
		}
	}
	return "", ""
}

// CAPUrgency maps CAP's severity and urgency to the relay's urgency:
// Extreme, or Severe and Immediate, is an emergency; Severe urgent; the
// rest normal.
func CAPUrgency(in CAPInfo) string {
	sev, urg := strings.ToLower(in.Severity), strings.ToLower(in.Urgency)
	switch {
	case sev == "extreme" || (sev == "severe" && urg == "immediate"):
		return "emergency"
	case sev == "severe":
		return "urgent"
	}
	return "normal"
}

// CAPItem turns an alert into an item placed among groups: an area's
// polygon or circle reaches the groups whose point lies inside, a geocode
// or areaDesc that reads as postcodes reaches those areas, and an areaDesc
// naming a group's local authority or county reaches that group. placed is
// false when no area could be placed at all; an alert without any area
// block is placed everywhere (Areas empty, council-wide).
func CAPItem(a *CAPAlert, groups []Group, topics []string) (it Item, placed bool, err error) {
	in, ok := a.pickInfo()
	if !ok {
		return Item{}, false, errors.New("CAP alert without an info block")
	}
	it = Item{
		ID:      a.Identifier,
		Title:   clean(firstNonEmpty(in.Headline, in.Event, "Alert from "+in.SenderName), 200),
		Body:    strings.TrimSpace(strings.Join(nonEmpty(strings.TrimSpace(in.Description), strings.TrimSpace(in.Instruction)), "\n\n")),
		Link:    strings.TrimSpace(in.Web),
		Urgency: CAPUrgency(in),
		Topics:  topics,
	}
	it.TitleCy, it.BodyCy = a.welsh()
	switch strings.ToLower(strings.TrimSpace(a.MsgType)) {
	case "alert":
		it.MsgType = "alert"
	case "update":
		it.MsgType, it.References = "update", a.Referenced()
	case "cancel":
		it.MsgType, it.References, it.Cancel = "cancel", a.Referenced(), true
	default:
		return Item{}, false, fmt.Errorf("CAP msgType %q is not Alert, Update or Cancel", bot.Truncate(a.MsgType, 20))
	}
	if it.MsgType != "alert" && it.References == "" {
		return Item{}, false, fmt.Errorf("CAP %s without references", it.MsgType)
	}
	it.Sent, _ = parseCAPTime(a.Sent)
	if t, ok := parseCAPTime(in.Expires); ok {
		it.Expires = t
	}
	if len(in.Area) == 0 {
		return it, true, nil
	}
	for _, ar := range in.Area {
		for _, g := range groups {
			if areaReaches(ar, g) {
				it.Areas = appendNew(it.Areas, g.Areas...)
			}
		}
		for _, gc := range ar.Geocode {
			if strings.Contains(strings.ToLower(gc.ValueName), "postcode") {
				if s, ok := bot.NormalizeArea(gc.Value); ok {
					it.Areas = appendNew(it.Areas, s)
				}
			}
		}
		if list, ok := postcodeList(ar.AreaDesc); ok {
			it.Areas = appendNew(it.Areas, list...)
		}
	}
	return it, len(it.Areas) > 0, nil
}

func areaReaches(ar CAPArea, g Group) bool {
	if g.Point.Valid() {
		for _, poly := range ar.Polygon {
			if ring, ok := parsePolygon(poly); ok && InPolygon(g.Point, ring) {
				return true
			}
		}
		for _, c := range ar.Circle {
			if centre, r, ok := parseCircle(c); ok && DistanceKm(centre, g.Point) <= r {
				return true
			}
		}
	}
	desc := strings.ToLower(ar.AreaDesc)
	for _, n := range g.Names {
		if n != "" && containsWord(desc, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// containsWord finds name in text as whole words ("Shropshire" in
// "Shropshire, Telford and Wrekin", not "Rutland" in "Rutlandshire").
func containsWord(text, name string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		before := start == 0 || !isWordByte(text[start-1])
		after := end == len(text) || !isWordByte(text[end])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80
}

// postcodeList reads an areaDesc like "SY3 7, SY4" as postcode areas.
func postcodeList(s string) ([]string, bool) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		a, ok := bot.NormalizeArea(p)
		if !ok || !strings.ContainsAny(a, "0123456789") {
			return nil, false
		}
		out = append(out, a)
	}
	return out, len(out) > 0
}

// parsePolygon reads "lat,lon lat,lon …" (at least four pairs, closed).
func parsePolygon(s string) ([]Point, bool) {
	f := strings.Fields(s)
	if len(f) < 4 || len(f) > maxCAPPolygonPoints {
		return nil, false
	}
	ring := make([]Point, 0, len(f))
	for _, pair := range f {
		p, ok := parsePair(pair)
		if !ok {
			return nil, false
		}
		ring = append(ring, p)
	}
	return ring, true
}

// parseCircle reads "lat,lon radius-km".
func parseCircle(s string) (Point, float64, bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return Point{}, 0, false
	}
	p, ok := parsePair(f[0])
	r, err := strconv.ParseFloat(f[1], 64)
	if !ok || err != nil || r < 0 || r > 5000 {
		return Point{}, 0, false
	}
	return p, r, true
}

func parsePair(s string) (Point, bool) {
	la, lo, ok := strings.Cut(s, ",")
	if !ok {
		return Point{}, false
	}
	lat, err1 := strconv.ParseFloat(la, 64)
	lon, err2 := strconv.ParseFloat(lo, 64)
	p := Point{Lat: lat, Lon: lon}
	return p, err1 == nil && err2 == nil && p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

func parseCAPTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// CAPFeed is a feed kind: the URL serves one CAP alert, or an Atom/RSS
// index whose entries link to CAP alerts (the usual CAP feed form), of which
// the newest MaxAlerts are fetched each poll. Alerts that are not real
// (tests, exercises), or that no group's area can be placed in, are left
// out.
type CAPFeed struct {
	FeedName  string
	Display   string
	URL       string
	Topics    []string
	MaxAlerts int
	Client    *http.Client
	Timeout   time.Duration
	MaxBytes  int64
	// Skipped counts what the last fetch left out, for the log.
	Skipped int
}

// Name implements Source.
func (c *CAPFeed) Name() string { return "cap:" + c.FeedName }

// Title implements Source.
func (c *CAPFeed) Title() string { return firstNonEmpty(c.Display, c.FeedName) }

// Fetch implements Source.
func (c *CAPFeed) Fetch(ctx context.Context, groups []Group) ([]Item, error) {
	body, err := fetch(ctx, c.Client, c.URL, "application/cap+xml, application/atom+xml, application/xml;q=0.9", c.Timeout, c.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("CAP feed %s: %w", c.FeedName, err)
	}
	c.Skipped = 0
	docs := [][]byte{body}
	if _, err := ParseCAP(body); errors.Is(err, ErrNotCAP) {
		idx, ferr := feeds.Parse(body)
		if ferr != nil {
			return nil, fmt.Errorf("CAP feed %s: neither a CAP alert nor a feed: %w", c.FeedName, ferr)
		}
		docs = nil
		limit := c.MaxAlerts
		if limit <= 0 {
			limit = 20
		}
		for i, entry := range idx.Items {
			if i == limit {
				break
			}
			if entry.Link == "" {
				continue
			}
			doc, err := fetch(ctx, c.Client, entry.Link, "application/cap+xml, application/xml", c.Timeout, c.MaxBytes)
			if err != nil {
				return nil, fmt.Errorf("CAP feed %s: alert %s: %w", c.FeedName, bot.Truncate(entry.Link, 100), err)
			}
			docs = append(docs, doc)
		}
	} else if err != nil {
		return nil, fmt.Errorf("CAP feed %s: %w", c.FeedName, err)
	}
	var out []Item
	for _, d := range docs {
		a, err := ParseCAP(d)
		if err != nil {
			return nil, fmt.Errorf("CAP feed %s: %w", c.FeedName, err)
		}
		if !a.Actual() {
			c.Skipped++
			continue
		}
		it, placed, err := CAPItem(a, groups, c.Topics)
		if err != nil {
			return nil, fmt.Errorf("CAP feed %s: alert %s: %w", c.FeedName, bot.Truncate(a.Identifier, 60), err)
		}
		if !placed || len(it.Areas) == 0 {
			// A national feed's alert that reaches no group here, or one
			// the bot cannot place, is not for these groups.
			c.Skipped++
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

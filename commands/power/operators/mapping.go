// Package operators reads the live power-cut lists of the UK's electricity
// network operators into power.Incident values. Each operator is a generic
// fetcher (an Opendatasoft records API, a CKAN datastore_search, or a plain
// JSON document) plus a field mapping that names where the reference,
// postcodes, planned flag, restoration estimate, customer count, status and
// message sit in its records. The built-in mappings were taken from the
// operators' portal pages and from public projects that read these feeds;
// config can override any of them ([power.feeds.NAME]), so an operator
// renaming a field is a config change, not a release. Router picks the
// operator per group from a shipped postcode-district table.
package operators

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/power"
)

// Mapping names an operator's fields (power.FeedMapping, the
// [power.feeds.NAME.fields] table). A field is a key of the record, or a
// dotted path into nested objects ("location.latitude"); Customers may add
// several fields ("Confirmed Off+Predicted Off"). Records is the path to the
// list of records in the response ("results", "result.records", "faults";
// empty for a top-level array); Fields the sub-object of each record holding
// the fields, if any. Restored is a field whose having a value means the
// incident is over; PlannedValues are values of Planned meaning planned work
// (case-insensitive substrings, never within "unplanned"; a JSON true always does); ClosedStatuses are
// Status values of incidents that are over; TimeZone reads times without an
// offset.
type Mapping = power.FeedMapping

// merge returns m with every non-empty field of o taking over.
func merge(m, o Mapping) Mapping {
	set := func(dst *string, v string) {
		if strings.TrimSpace(v) != "" {
			*dst = strings.TrimSpace(v)
		}
	}
	set(&m.Records, o.Records)
	set(&m.Fields, o.Fields)
	set(&m.Ref, o.Ref)
	set(&m.Postcodes, o.Postcodes)
	set(&m.Planned, o.Planned)
	set(&m.Restoration, o.Restoration)
	set(&m.Start, o.Start)
	set(&m.Customers, o.Customers)
	set(&m.Status, o.Status)
	set(&m.Message, o.Message)
	set(&m.Restored, o.Restored)
	set(&m.TimeZone, o.TimeZone)
	if len(o.PlannedValues) > 0 {
		m.PlannedValues = o.PlannedValues
	}
	if len(o.ClosedStatuses) > 0 {
		m.ClosedStatuses = o.ClosedStatuses
	}
	return m
}

// validate reports a mapping that cannot work.
func validate(m Mapping) error {
	if strings.TrimSpace(m.Ref) == "" {
		return errors.New("fields.ref must name the incident reference field")
	}
	if strings.TrimSpace(m.Postcodes) == "" {
		return errors.New("fields.postcodes must name the postcodes field")
	}
	if m.TimeZone != "" {
		if _, err := time.LoadLocation(m.TimeZone); err != nil {
			return fmt.Errorf("fields.time_zone %q: %w", m.TimeZone, err)
		}
	}
	return nil
}

// maxRecords bounds how many records one response may turn into incidents:
// more than every operator's worst storm, so a runaway list cannot make the
// bot hold an unbounded slice.
const maxRecords = 5000

// recordList finds the list of records in a decoded response.
func recordList(doc any, path string) ([]any, error) {
	v := doc
	if path != "" {
		var ok bool
		if v, ok = lookup(doc, path); !ok {
			return nil, fmt.Errorf("response has no %q list (has the format changed?)", path)
		}
	}
	list, ok := v.([]any)
	if !ok {
		if path == "" {
			return nil, errors.New("response is not a JSON list of records")
		}
		return nil, fmt.Errorf("%q in the response is not a list", path)
	}
	return list, nil
}

// lookup follows a dotted path through nested objects; a key containing
// dots is tried whole first.
func lookup(v any, path string) (any, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	if x, ok := obj[path]; ok {
		return x, true
	}
	head, rest, found := strings.Cut(path, ".")
	if !found {
		return nil, false
	}
	x, ok := obj[head]
	if !ok {
		return nil, false
	}
	return lookup(x, rest)
}

// Parse turns records into incidents. Records without a reference, already
// restored or closed are left out. When records exist but not one carries
// the reference field, the mapping no longer fits the feed: that is an
// error, not an empty list, so the failure is seen.
func Parse(records []any, m Mapping, operator string) ([]power.Incident, error) {
	if len(records) > maxRecords {
		return nil, fmt.Errorf("%d records, more than the %d the bot reads", len(records), maxRecords)
	}
	loc := time.UTC
	if m.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(m.TimeZone); err != nil {
			return nil, err
		}
	}
	out := make([]power.Incident, 0, len(records))
	withRef := 0
	for i, raw := range records {
		rec := raw
		if m.Fields != "" {
			if inner, ok := lookup(raw, m.Fields); ok {
				rec = inner
			}
		}
		if _, ok := rec.(map[string]any); !ok {
			return nil, fmt.Errorf("record %d is not an object", i+1)
		}
		refV, _ := lookup(rec, m.Ref)
		ref := bot.Truncate(strings.Join(strings.Fields(text(refV)), " "), 40)
		if ref == "" {
			continue
		}
		withRef++
		if m.Restored != "" {
			if v, ok := lookup(rec, m.Restored); ok && text(v) != "" {
				continue
			}
		}
		inc := power.Incident{Ref: ref, Operator: operator}
		if m.Status != "" {
			v, _ := lookup(rec, m.Status)
			inc.Status = bot.Truncate(strings.TrimSpace(text(v)), 60)
			if isOneOf(inc.Status, m.ClosedStatuses) {
				continue
			}
		}
		pv, _ := lookup(rec, m.Postcodes)
		inc.Sectors = sectors(pv)
		if m.Planned != "" {
			v, _ := lookup(rec, m.Planned)
			inc.Planned = planned(v, m.PlannedValues)
		}
		if m.Message != "" {
			v, _ := lookup(rec, m.Message)
			inc.Message = bot.Truncate(strings.TrimSpace(text(v)), 500)
		}
		// An estimate an operator writes as words ("Not available - update
		// to follow") is no estimate: the incident is kept without one.
		if m.Restoration != "" {
			v, _ := lookup(rec, m.Restoration)
			inc.EstimatedRestoration, _ = parseTime(text(v), loc)
		}
		if m.Start != "" {
			v, _ := lookup(rec, m.Start)
			inc.Start, _ = parseTime(text(v), loc)
		}
		if m.Customers != "" {
			n, err := customers(rec, m.Customers)
			if err != nil {
				return nil, fmt.Errorf("incident %s: %w", ref, err)
			}
			inc.Customers = n
		}
		out = append(out, inc)
	}
	if len(records) > 0 && withRef == 0 {
		return nil, fmt.Errorf("none of %d records has the field %q (renamed? set [power.feeds.NAME.fields] ref)", len(records), m.Ref)
	}
	return out, nil
}

// text renders a JSON value as a string: numbers without exponent, null
// and missing as "".
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, text(e))
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

// sectors reads a postcode field — a list, or one string separated by
// semicolons, commas or newlines — into canonical postcode sectors; full
// postcodes ("TA12 6LZ") count by their sector ("TA12 6").
func sectors(v any) []string {
	var parts []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			parts = append(parts, text(e))
		}
	default:
		parts = strings.FieldsFunc(text(v), func(r rune) bool { return r == ';' || r == ',' || r == '\n' || r == '|' })
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range parts {
		a, ok := sectorOf(p)
		if ok && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// sectorOf reads a postcode, sector or district and returns it at sector
// level when it has one: a full postcode ("TA12 6LZ", or "TA126LZ")
// counts by its sector ("TA12 6").
func sectorOf(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	if !strings.Contains(s, " ") && len(s) >= 5 && isLetters(s[len(s)-2:]) && s[len(s)-3] >= '0' && s[len(s)-3] <= '9' {
		s = s[:len(s)-3] + " " + s[len(s)-3:]
	}
	if out, in, ok := strings.Cut(s, " "); ok && len(in) == 3 && isLetters(in[1:]) {
		s = out + " " + in[:1]
	}
	return bot.NormalizeArea(s)
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return s != ""
}

func planned(v any, values []string) bool {
	switch x := v.(type) {
	case bool:
		return x
	case nil:
		return false
	}
	s := strings.ToLower(strings.TrimSpace(text(v)))
	if s == "true" || s == "yes" {
		return true
	}
	// "Unplanned" contains "planned".
	if strings.Contains(s, "unplanned") || strings.Contains(s, "not planned") {
		return false
	}
	for _, want := range values {
		if w := strings.ToLower(strings.TrimSpace(want)); w != "" && strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func isOneOf(s string, list []string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}

// customers adds the fields named "a+b"; empty values count as 0.
func customers(rec any, spec string) (int, error) {
	total := 0
	for _, f := range strings.Split(spec, "+") {
		v, _ := lookup(rec, strings.TrimSpace(f))
		s := strings.TrimSpace(text(v))
		if s == "" {
			continue
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n < 0 || n > 1e8 {
			return 0, fmt.Errorf("%s: %q is not a count", strings.TrimSpace(f), bot.Truncate(s, 20))
		}
		total += int(n)
	}
	return total, nil
}

// parseTime reads the operators' date-times: RFC 3339 with an offset, or
// without one in loc.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "02/01/2006 15:04:05", "02/01/2006 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time", bot.Truncate(s, 40))
}

package operators

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"neighbourbot/commands/power"
)

//go:embed districts.txt
var districtTable []byte

// Table maps postcode areas and districts to operator names.
type Table map[string]string

// ShippedTable is the table built into the bot.
func ShippedTable() Table {
	t, err := ParseTable(districtTable)
	if err != nil {
		panic("operators: shipped district table: " + err.Error())
	}
	return t
}

// ParseTable reads "AREA-OR-DISTRICT OPERATOR" lines; # starts a comment.
func ParseTable(data []byte) (Table, error) {
	t := Table{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want \"DISTRICT OPERATOR\"", n)
		}
		if _, ok := Presets[f[1]]; !ok {
			return nil, fmt.Errorf("line %d: unknown operator %q", n, f[1])
		}
		if _, dup := t[f[0]]; dup {
			return nil, fmt.Errorf("line %d: %s listed twice", n, f[0])
		}
		t[strings.ToUpper(f[0])] = f[1]
	}
	return t, sc.Err()
}

// Operator returns who serves a postcode area, district or sector ("SY3 7"):
// the district's entry, else the area's.
func (t Table) Operator(area string) (string, bool) {
	district, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(area)), " ")
	if op, ok := t[district]; ok {
		return op, true
	}
	letters := strings.TrimRightFunc(district, func(r rune) bool { return !unicode.IsLetter(r) })
	if i := strings.IndexFunc(letters, unicode.IsDigit); i >= 0 {
		letters = letters[:i]
	}
	op, ok := t[letters]
	return op, ok
}

// Router is the "auto" incident source: it asks only the operator serving
// the group's areas (each operator once when a group spans two).
type Router struct {
	Table Table
	Feeds map[string]*Feed
}

// IncidentsFor implements power.AreaIncidentSource.
func (r *Router) IncidentsFor(ctx context.Context, areas []string) ([]power.Incident, error) {
	var names []string
	for _, a := range areas {
		op, ok := r.Table.Operator(a)
		if !ok {
			continue
		}
		if !contains(names, op) {
			names = append(names, op)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no network operator known for %s", strings.Join(areas, ", "))
	}
	var out []power.Incident
	var errs []error
	for _, n := range names {
		f, ok := r.Feeds[n]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no feed configured", n))
			continue
		}
		incs, err := f.Incidents(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, incs...)
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Incidents implements power.IncidentSource: every configured operator.
func (r *Router) Incidents(ctx context.Context) ([]power.Incident, error) {
	var out []power.Incident
	var errs []error
	for _, n := range PresetNames() {
		if f, ok := r.Feeds[n]; ok {
			incs, err := f.Incidents(ctx)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, incs...)
		}
	}
	return out, errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

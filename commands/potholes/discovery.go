package potholes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"neighbourbot/bot"
	"neighbourbot/commands/potholes/open311"
)

// Service discovery: at start and then daily the bot reads the council's
// service list (GET services.{fmt}), warns in the log about configured
// service codes the council does not list, and reads the questions
// (attributes) of services with metadata=true (GET services/{code}.{fmt}).
// Residents answer those questions in the group with !answer; the answers
// go with the report as attribute[code]. The list and definitions are
// kept in memory (they are the council's, re-read daily); the answers are
// kept in the report's history.

const jobDiscover = "potholes.discover"

const discoverPrefix = "potholes.discover:"

// discoverEvery is how often the service list is read again; a failed
// read is tried again after discoverRetry.
const (
	discoverEvery = 24 * time.Hour
	discoverRetry = time.Hour
)

// catalogue is what the council's server last said it offers.
type catalogue struct {
	mu       sync.Mutex
	known    bool // the list has been read at least once
	services map[string]open311.Service
	defs     map[string][]open311.Attribute // by service code, for metadata=true services
}

func (c *catalogue) definition(code string) ([]open311.Attribute, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.defs[code]
	return a, ok
}

// scheduleDiscovery books a read of the service list at at, replacing any
// booked one.
func (f *Feature) scheduleDiscovery(ctx context.Context, at time.Time) error {
	if err := f.jobs.Cancel(ctx, discoverPrefix); err != nil {
		return err
	}
	return f.jobs.Schedule(ctx, jobDiscover, fmt.Sprintf("%s%d", discoverPrefix, at.UnixMilli()), at, struct{}{})
}

// discoverJob reads the service list and the definitions the configured
// categories need, with no unit of work held, logging what does not fit;
// its unit of work books the next read.
func (f *Feature) discoverJob(ctx context.Context, _ bot.Job) (bot.ApplyFunc, error) {
	if f.council == nil {
		return nil, nil
	}
	now := f.clock.Now()
	warnings, err := f.discover(ctx)
	next := now.Add(discoverEvery)
	if err != nil {
		f.log().Warn("could not read the council's service list; trying again in an hour", bot.KeyErr, err)
		next = now.Add(discoverRetry)
	}
	for _, w := range warnings {
		f.log().Warn(w)
	}
	return func(ctx context.Context) error { return f.scheduleDiscovery(ctx, next) }, nil
}

// discover reads the council's services and the definitions of the
// configured ones. Warnings name the category they concern.
func (f *Feature) discover(ctx context.Context) ([]string, error) {
	list, err := f.council.Services(ctx)
	if err != nil {
		return nil, err
	}
	services := make(map[string]open311.Service, len(list))
	for _, s := range list {
		services[s.Code] = s
	}
	var warnings []string
	if len(list) == 0 {
		warnings = append(warnings, "the council's service list is empty; configured service codes cannot be checked")
	}
	defs := map[string][]open311.Attribute{}
	for _, cat := range f.cfg.Categories {
		code := f.cfg.ServiceCodes[cat]
		if f.cfg.methodFor(cat) != methodOpen311 || code == "" {
			continue
		}
		svc, ok := services[code]
		if !ok {
			if len(list) > 0 {
				warnings = append(warnings, fmt.Sprintf("category %s: the council does not list service code %q, so its reports will likely be refused; \"neighbourbot potholes services\" shows what the council offers", cat, code))
			}
			continue
		}
		if !svc.Metadata {
			continue
		}
		attrs, err := f.council.Definition(ctx, code)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("category %s: could not read the council's questions for service %q: %v", cat, code, err))
			if old, ok := f.services.definition(code); ok {
				defs[code] = old
			}
			continue
		}
		for _, a := range attrs {
			if a.Variable && !open311.KnownDatatype(a.Datatype) {
				warnings = append(warnings, fmt.Sprintf("category %s: the council's question %q (%s) has datatype %q, which the bot cannot ask; reports go without it", cat, a.Code, bot.Truncate(a.Description, 60), a.Datatype))
			}
		}
		defs[code] = attrs
	}
	f.services.mu.Lock()
	f.services.known, f.services.services, f.services.defs = true, services, defs
	f.services.mu.Unlock()
	return warnings, nil
}

// questions are the council's questions about r that residents can
// answer, in the council's order: attributes needing input, of a datatype
// the bot can ask. Only Open311 categories have them.
func (f *Feature) questions(r Report) []open311.Attribute {
	if f.council == nil || f.cfg.methodFor(r.Category) != methodOpen311 {
		return nil
	}
	attrs, _ := f.services.definition(f.cfg.ServiceCodes[r.Category])
	var out []open311.Attribute
	for _, a := range attrs {
		if a.Variable && open311.KnownDatatype(a.Datatype) {
			out = append(out, a)
		}
	}
	return out
}

// Answers are history lines "CODE=VALUE" (VALUE as sent: a list's key;
// several keys comma-separated for a multivaluelist; empty when skipped).
const councilAnswerEvent = "council answer"

// answers reads r's answers, the latest per attribute code.
func (f *Feature) answers(ctx context.Context, r Report) (map[string]string, error) {
	evs, err := f.store.events(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, ev := range evs {
		if ev.Kind != councilAnswerEvent {
			continue
		}
		if code, val, ok := strings.Cut(ev.Detail, "="); ok {
			out[code] = val
		}
	}
	return out, nil
}

// openQuestions are r's questions not answered (or skipped) yet; missing
// counts the required ones among them.
func (f *Feature) openQuestions(ctx context.Context, r Report) (open []open311.Attribute, missing int, err error) {
	qs := f.questions(r)
	if len(qs) == 0 {
		return nil, 0, nil
	}
	answered, err := f.answers(ctx, r)
	if err != nil {
		return nil, 0, err
	}
	for _, q := range qs {
		if _, ok := answered[q.Code]; ok {
			continue
		}
		open = append(open, q)
		if q.Required {
			missing++
		}
	}
	return open, missing, nil
}

// attributesFor is what goes to the council as attribute[code].
func (f *Feature) attributesFor(ctx context.Context, r Report) (map[string][]string, error) {
	answered, err := f.answers(ctx, r)
	if err != nil || len(answered) == 0 {
		return nil, err
	}
	out := map[string][]string{}
	for code, val := range answered {
		if val == "" {
			continue
		}
		out[code] = strings.Split(val, ",")
	}
	return out, nil
}

// askText is the council's question put to the group: "The council asks:
// is it in the road or the pavement? Reply !answer P7 road (or pavement)."
func (f *Feature) askText(r Report, q open311.Attribute) string {
	p := f.prefix
	question := strings.Join(strings.Fields(q.Description), " ")
	if question == "" {
		question = q.Code + "?"
	}
	// "The council asks: is it in the road…" reads as one sentence.
	if rs := []rune(question); len(rs) > 1 && unicode.IsUpper(rs[0]) && unicode.IsLower(rs[1]) {
		question = string(unicode.ToLower(rs[0])) + string(rs[1:])
	}
	if d := strings.Join(strings.Fields(q.DatatypeDescription), " "); d != "" {
		question += " (" + bot.Truncate(d, 80) + ")"
	}
	var hint string
	switch q.Datatype {
	case "singlevaluelist", "multivaluelist":
		names := make([]string, 0, len(q.Values))
		for _, v := range q.Values {
			names = append(names, strings.ToLower(valueLabel(v)))
		}
		if len(names) == 0 {
			hint = fmt.Sprintf("Reply %sanswer %s …", p, r.Ref())
			break
		}
		hint = fmt.Sprintf("Reply %sanswer %s %s", p, r.Ref(), names[0])
		if len(names) > 1 {
			if q.Datatype == "multivaluelist" {
				hint += " (one or more, with commas: " + strings.Join(names, ", ") + ")"
			} else {
				hint += " (or " + orList(names[1:]) + ")"
			}
		}
	case "number":
		hint = fmt.Sprintf("Reply %sanswer %s with a number", p, r.Ref())
	case "datetime":
		hint = fmt.Sprintf("Reply %sanswer %s with a date, e.g. 2026-03-14", p, r.Ref())
	default:
		hint = fmt.Sprintf("Reply %sanswer %s …", p, r.Ref())
	}
	if !q.Required {
		hint += fmt.Sprintf(", or %sanswer %s skip", p, r.Ref())
	}
	return fmt.Sprintf("The council asks: %s %s.", bot.Truncate(question, 200), hint)
}

func valueLabel(v open311.Value) string {
	if strings.TrimSpace(v.Name) != "" {
		return strings.TrimSpace(v.Name)
	}
	return v.Key
}

// parseAnswer checks a resident's answer against the question's datatype
// and returns the value to send.
func parseAnswer(q open311.Attribute, text string) (string, error) {
	text = strings.Join(strings.Fields(text), " ")
	switch q.Datatype {
	case "singlevaluelist":
		if v, ok := matchValue(q.Values, text); ok {
			return v, nil
		}
		return "", fmt.Errorf("%q isn't one of the choices: %s", bot.Truncate(text, 30), choices(q.Values))
	case "multivaluelist":
		var keys []string
		for _, part := range strings.Split(text, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			v, ok := matchValue(q.Values, part)
			if !ok {
				return "", fmt.Errorf("%q isn't one of the choices: %s", bot.Truncate(part, 30), choices(q.Values))
			}
			keys = append(keys, v)
		}
		if len(keys) == 0 {
			return "", fmt.Errorf("please give one or more of: %s", choices(q.Values))
		}
		return strings.Join(keys, ","), nil
	case "number":
		n, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", ""), 64)
		if err != nil {
			return "", fmt.Errorf("%q isn't a number", bot.Truncate(text, 30))
		}
		return strconv.FormatFloat(n, 'f', -1, 64), nil
	case "datetime":
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02", "2/1/2006", "2/1/2006 15:04"} {
			if t, err := time.Parse(layout, text); err == nil {
				return t.Format(time.RFC3339), nil
			}
		}
		return "", fmt.Errorf("%q isn't a date I can read — please write it like 2026-03-14 or 2026-03-14 17:30", bot.Truncate(text, 30))
	case "string":
		if bot.RuneLen(text) > 200 {
			return "", fmt.Errorf("please keep it under 200 characters")
		}
		return text, nil
	default: // text
		if bot.RuneLen(text) > 1000 {
			return "", fmt.Errorf("please keep it under 1000 characters")
		}
		return text, nil
	}
}

func matchValue(values []open311.Value, text string) (string, bool) {
	for _, v := range values {
		if strings.EqualFold(strings.TrimSpace(v.Key), text) || strings.EqualFold(strings.TrimSpace(v.Name), text) {
			return v.Key, true
		}
	}
	return "", false
}

func choices(values []open311.Value) string {
	names := make([]string, 0, len(values))
	for _, v := range values {
		names = append(names, strings.ToLower(valueLabel(v)))
	}
	return orList(names)
}

// shownAnswer is a stored answer as people read it: a list's names.
func shownAnswer(q open311.Attribute, val string) string {
	if val == "" {
		return "skipped"
	}
	if q.Datatype != "singlevaluelist" && q.Datatype != "multivaluelist" {
		return val
	}
	var out []string
	for _, k := range strings.Split(val, ",") {
		label := k
		for _, v := range q.Values {
			if v.Key == k {
				label = strings.ToLower(valueLabel(v))
			}
		}
		out = append(out, label)
	}
	return strings.Join(out, ", ")
}

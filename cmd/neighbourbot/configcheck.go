package main

import (
	"encoding"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"

	"neighbourbot/bot"
)

// tomlEntry is one "key = value" of a config file: its full key as the
// errors write it ("notices.feeds[0].interval"), the kind of value written
// and the line it is on.
type tomlEntry struct {
	key  string
	kind unstable.Kind
	raw  string
	line int
}

// scanTOML lists the document's keys with their lines, using go-toml's own
// parser so positions are exact. A document that does not parse returns
// nil: the decoder then reports the syntax error with its line.
func scanTOML(data []byte) []tomlEntry {
	var p unstable.Parser
	p.Reset(data)
	var out []tomlEntry
	table := ""
	counts := map[string]int{} // array tables seen, by resolved name
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			table = resolveTable(keyParts(e.Key()), counts, false)
		case unstable.ArrayTable:
			table = resolveTable(keyParts(e.Key()), counts, true)
		case unstable.KeyValue:
			parts := keyParts(e.Key())
			key := strings.Join(parts, ".")
			if table != "" {
				key = table + "." + key
			}
			v := e.Value()
			line := 0
			if k := e.Key(); k.Next() {
				line = p.Shape(k.Node().Raw).Start.Line
			}
			out = append(out, tomlEntry{key: key, kind: v.Kind, raw: string(p.Raw(v.Raw)), line: line})
		}
	}
	if p.Error() != nil {
		return nil
	}
	return out
}

func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

// resolveTable turns a table header into the key form errors use: the
// second [[notices.feeds]] is "notices.feeds[1]", and [[notices.feeds.rules]]
// under it "notices.feeds[1].rules[0]".
func resolveTable(parts []string, counts map[string]int, array bool) string {
	path := ""
	for i, part := range parts {
		if path != "" {
			path += "."
		}
		path += part
		last := i == len(parts)-1
		if last && array {
			n := counts[path]
			counts[path] = n + 1
			path = fmt.Sprintf("%s[%d]", path, n)
		} else if n, ok := counts[path]; ok {
			path = fmt.Sprintf("%s[%d]", path, n-1)
		}
	}
	return path
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[bot.Duration]()
	timeOfDayType   = reflect.TypeFor[bot.TimeOfDay]()
	indexPart       = regexp.MustCompile(`^(.*)\[(\d+)\]$`)
)

// fieldType finds the Go type a config key decodes into, or nil for a key
// the structs do not have (the strict decoder reports those).
func fieldType(t reflect.Type, key string) reflect.Type {
	for _, part := range strings.Split(key, ".") {
		name, indexed := part, false
		if m := indexPart.FindStringSubmatch(part); m != nil {
			name, indexed = m[1], true
		}
		switch t.Kind() {
		case reflect.Struct:
			f, ok := structField(t, name)
			if !ok {
				return nil
			}
			t = f
		case reflect.Map:
			t = t.Elem()
		default:
			return nil
		}
		if indexed {
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		}
	}
	return t
}

func structField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == name || (tag == "" && strings.EqualFold(f.Name, name)) {
			return f.Type, true
		}
	}
	return nil, false
}

// checkValueKinds reports the first value of the wrong kind in plain words,
// with its line and an example: go-toml would say "cannot decode TOML string
// into struct field moderation.Config.WarningLimit of type int", and would
// take a bare 15 for a duration as 15 nanoseconds.
func checkValueKinds(entries []tomlEntry, cfg any) error {
	root := reflect.TypeOf(cfg)
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	for _, e := range entries {
		t := fieldType(root, e.key)
		if t == nil {
			continue
		}
		if msg := kindProblem(t, e); msg != "" {
			return fmt.Errorf("line %d: %s: %s", e.line, e.key, msg)
		}
	}
	return nil
}

func kindProblem(t reflect.Type, e tomlEntry) string {
	short := e.key[strings.LastIndex(e.key, ".")+1:]
	if m := indexPart.FindStringSubmatch(short); m != nil {
		short = m[1]
	}
	got := describeKind(e)
	isText := reflect.PointerTo(t).Implements(textUnmarshaler)
	switch {
	case isText && t.Kind() == reflect.Int64 && strings.HasSuffix(t.Name(), "Duration"):
		if e.kind == unstable.String {
			return ""
		}
		if e.kind == unstable.Integer && e.raw == "0" && reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte("0")) == nil {
			return "" // a duration that may be off, where 0 means off
		}
		if e.kind == unstable.Integer || e.kind == unstable.Float {
			return fmt.Sprintf("%s has no unit; write a duration in quotes, e.g. %s = \"15m\" (s, m, h, d or w)", e.raw, short)
		}
		return fmt.Sprintf("expected a duration in quotes, e.g. %s = \"15m\", not %s", short, got)
	case t == timeOfDayType:
		if e.kind != unstable.String {
			return fmt.Sprintf("expected a time of day in quotes, e.g. %s = \"21:00\", not %s", short, got)
		}
	case isText || t.Kind() == reflect.String:
		if e.kind != unstable.String {
			return fmt.Sprintf("expected text in quotes, e.g. %s = \"…\", not %s", short, got)
		}
	case t.Kind() == reflect.Bool:
		if e.kind != unstable.Bool {
			return fmt.Sprintf("expected true or false, e.g. %s = true, not %s", short, got)
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		if e.kind != unstable.Integer {
			return fmt.Sprintf("expected a whole number without quotes, e.g. %s = 3, not %s", short, got)
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		if e.kind != unstable.Float && e.kind != unstable.Integer {
			return fmt.Sprintf("expected a number without quotes, e.g. %s = 2.5, not %s", short, got)
		}
	case t.Kind() == reflect.Slice:
		if e.kind != unstable.Array {
			return fmt.Sprintf("expected a list in square brackets, e.g. %s = [\"a\", \"b\"], not %s", short, got)
		}
	case t.Kind() == reflect.Map:
		if e.kind != unstable.InlineTable {
			return fmt.Sprintf("expected a table in braces, e.g. %s = { a = \"b\" }, not %s", short, got)
		}
	}
	return ""
}

func describeKind(e tomlEntry) string {
	raw := bot.Truncate(e.raw, 30)
	switch e.kind {
	case unstable.String:
		return "text " + raw
	case unstable.Integer, unstable.Float:
		return "the number " + raw
	case unstable.Bool:
		return raw
	case unstable.Array:
		return "a list"
	case unstable.InlineTable:
		return "a table"
	}
	return raw
}

// leadingKey is the config key an error message starts with:
// "whatsapp.send_burst 0 must be …" → "whatsapp.send_burst".
var leadingKey = regexp.MustCompile(`^([a-z0-9_]+(?:\[\d+\])?(?:\.[a-z0-9_]+(?:\[\d+\])?)+)`)

// withLine puts the line of the key an error names in front of it, so a
// value the decoder took but Validate refused still says where it is.
func withLine(err error, entries []tomlEntry) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	key := leadingKey.FindString(msg)
	if key != "" && !hasEntry(entries, key) {
		// The key itself is not in the file ("notices.approvers must name
		// an approver when require_approval is true"): point at another
		// key of the same table the message names.
		table := key[:strings.LastIndex(key, ".")]
		for _, e := range entries {
			if i := strings.LastIndex(e.key, "."); i > 0 && e.key[:i] == table && strings.Contains(msg, e.key[i+1:]) {
				return fmt.Errorf("line %d: %w", e.line, err)
			}
		}
	}
	for key != "" {
		for _, e := range entries {
			if e.key == key {
				return fmt.Errorf("line %d: %w", e.line, err)
			}
		}
		// "bot.owners[1]" is an element of the list on the line of
		// "bot.owners"; otherwise try the key's parent table.
		if m := indexPart.FindStringSubmatch(key); m != nil {
			key = m[1]
			continue
		}
		i := strings.LastIndex(key, ".")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return err
}

func hasEntry(entries []tomlEntry, key string) bool {
	for _, e := range entries {
		if e.key == key {
			return true
		}
	}
	return false
}

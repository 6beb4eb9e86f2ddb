package bot

import (
	"context"
	"testing"
)

func nop(context.Context, *Request) error { return nil }

func testRouter() *Router {
	r := NewRouter("!")
	r.Handle(Route{Name: "lend", Aliases: []string{"offer"}, Handler: nop})
	r.Handle(Route{Name: "borrow", Aliases: []string{"need"}, Handler: nop})
	r.Handle(Route{Name: "potholes", Handler: nop})
	r.Handle(Route{Name: "power", Handler: nop})
	r.Handle(Route{Name: "help", Aliases: []string{"h", "commands"}, Handler: nop})
	r.Handle(Route{Name: "items", Aliases: []string{"things"}, Handler: nop})
	r.Handle(Route{Name: "secret", Hidden: true, Handler: nop})
	return r
}

func TestRouterParse(t *testing.T) {
	r := testRouter()
	tests := []struct {
		in, name, args string
		ok             bool
	}{
		{"!lend ladder", "lend", "ladder", true},
		{"!LEND   Step Ladder — bring it back ", "lend", "Step Ladder — bring it back", true},
		{"  !help", "help", "", true},
		{"!lend\nladder", "lend", "ladder", true},
		{"!Ünïcode test", "ünïcode", "test", true},
		{"!!!", "", "", false},
		{"! lend", "lend", "", true},
		{"!  lend", "lend", "", true},
		{"! lend ladder", "", "", false}, // spaced form: a command standing alone only
		{"! need to go to the pub", "", "", false},
		{"! I can't believe it", "", "", false},
		{"! ", "", "", false},
		{"!5 stars", "", "", false},
		{"lend ladder", "", "", false},
		{"", "", "", false},
		{"hi !lend", "", "", false},
	}
	for _, tt := range tests {
		name, args, ok := r.Parse(tt.in)
		if ok != tt.ok || name != tt.name || args != tt.args {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q, %v", tt.in, name, args, ok, tt.name, tt.args, tt.ok)
		}
	}
	custom := NewRouter("nb/")
	if name, _, ok := custom.Parse("nb/help me"); !ok || name != "help" {
		t.Errorf("custom prefix: %q %v", name, ok)
	}
}

func TestRouterLookupAndSuggest(t *testing.T) {
	r := testRouter()
	if rt, ok := r.Lookup("OFFER"); !ok || rt.Name != "lend" {
		t.Errorf("alias lookup failed: %v %v", rt, ok)
	}
	tests := map[string]string{
		"lnd":      "lend",
		"lned":     "lend",
		"borow":    "borrow",
		"pothole":  "potholes",
		"pot":      "potholes",
		"powr":     "power",
		"xyzzy":    "",
		"secrte":   "", // hidden commands are never suggested
		"h":        "",
		"nede":     "need",
		"helpme":   "help",
		"potholez": "potholes",
		"thanks":   "", // two slips from "things" in six letters: too far
		"hi":       "", // "h" is an alias nobody sees listed
		"menu":     "", // not "lend"
		"ledn":     "lend",
	}
	for in, want := range tests {
		if got := r.Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRouterDuplicatePanics(t *testing.T) {
	r := testRouter()
	defer func() {
		if recover() == nil {
			t.Error("registering an alias twice must panic")
		}
	}()
	r.Handle(Route{Name: "give", Aliases: []string{"offer"}, Handler: nop})
}

func TestRouterMatchSharesAName(t *testing.T) {
	r := NewRouter("!")
	r.Handle(Route{Name: "report", Usage: "REASON", Handler: nop})
	r.Handle(Route{Name: "report", Usage: "CATEGORY …", Match: func(req *Request) bool {
		return len(req.Fields()) > 0 && req.Fields()[0] == "streetlight"
	}, Handler: nop})
	rt, _ := r.Route(&Request{Command: "report", Args: "streetlight out at no. 4"})
	if rt.Usage != "CATEGORY …" {
		t.Errorf("matching route not chosen: %q", rt.Usage)
	}
	rt, _ = r.Route(&Request{Command: "report", Args: "spam link"})
	if rt.Usage != "REASON" {
		t.Errorf("fallback route not chosen: %q", rt.Usage)
	}
	if len(r.Named("report")) != 2 {
		t.Error("both routes should be listed for help")
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"ladder", "ladders", 1}, {"café", "cafe", 1},
	}
	for _, tt := range tests {
		if got := Levenshtein(tt.a, tt.b); got != tt.d {
			t.Errorf("Levenshtein(%q,%q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

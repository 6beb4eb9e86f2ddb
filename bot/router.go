package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scope says where a command may be used.
type Scope int

const (
	AnyChat    Scope = iota
	GroupOnly        // makes sense only inside a group
	DirectOnly       // personal: only in a direct message to the bot
)

// HandlerFunc handles one command. It returns a UserError for bad input (the
// router replies with its text) and any other error for internal failures
// (logged; the person gets InternalErrorReply).
type HandlerFunc func(ctx context.Context, req *Request) error

// Route describes one command. Usage and Help feed the generated !help.
type Route struct {
	Name      string   // canonical name without prefix: "lend"
	Aliases   []string // other names people will guess
	Usage     string   // arguments, e.g. "ITEM [— note]"
	Help      string   // one line
	Feature   string   // feature family for per-group on/off ("lending"); "" = core
	AdminOnly bool
	Scope     Scope
	Hidden    bool // not listed in !help (still answers)
	// For, when set, says whether the asker holds the role the command is
	// for (a notice approver, the inbox's staff): !help lists the route,
	// under the heading Role, to them and to nobody else, even when Hidden.
	For     func(ctx context.Context, req *Request) bool
	Role    string // the heading, e.g. "For notice approvers"
	Handler HandlerFunc
	// Match, when set, lets two features share a command name: a route
	// with Match takes the command only when Match says yes, otherwise the
	// name's route without Match does. Used for "!report streetlight …"
	// (potholes) beside "!report spam" as a reply (moderation).
	Match func(req *Request) bool
	// RedactsPhones says the handler takes phone numbers written out in
	// its text away itself (a consultation comment keeps the rest and
	// says so); for every other route the engine refuses such a command
	// rather than store and show the number. A number typed after "@" is
	// refused for every route.
	RedactsPhones bool
	// Lists says the command's reply is a listing (!help, !items, !power
	// history …): the same long listing asked for again in the same group
	// within a few minutes is not posted again (listing.go).
	Lists bool

	// gated is Handler wrapped in the router's middleware, set when the
	// route is registered.
	gated HandlerFunc
}

// Router maps command names (case-insensitive, with aliases) to routes, in
// the manner of net/http's ServeMux.
type Router struct {
	prefix string
	routes []*Route
	byName map[string][]*Route
	mws    []Middleware
}

// NewRouter returns an empty router for commands starting with prefix.
func NewRouter(prefix string) *Router {
	if prefix == "" {
		prefix = "!"
	}
	return &Router{prefix: prefix, byName: map[string][]*Route{}}
}

// Prefix returns the command prefix.
func (r *Router) Prefix() string { return r.prefix }

// Use adds middleware that wraps every route registered after it, the
// first added outermost. It panics once a route is registered, so every
// command passes the same gates.
func (r *Router) Use(mws ...Middleware) {
	if len(r.routes) > 0 {
		panic("bot: Router.Use after routes were registered")
	}
	r.mws = append(r.mws, mws...)
}

// Handle registers a route. Like ServeMux it panics on a conflicting name:
// that is a programming error found by the first test that wires features.
func (r *Router) Handle(rt Route) {
	if rt.Handler == nil || rt.Name == "" {
		panic("bot: route needs a name and a handler")
	}
	route := rt
	route.gated = chain(rt.Handler, r.mws)
	for _, n := range append([]string{rt.Name}, rt.Aliases...) {
		key := strings.ToLower(n)
		for _, old := range r.byName[key] {
			if old.Match == nil && rt.Match == nil {
				panic(fmt.Sprintf("bot: command %q registered twice (%s and %s)", key, old.Name, rt.Name))
			}
		}
		// Routes with a Match go first so the fallback only gets what
		// they decline.
		if rt.Match != nil {
			r.byName[key] = append([]*Route{&route}, r.byName[key]...)
		} else {
			r.byName[key] = append(r.byName[key], &route)
		}
	}
	r.routes = append(r.routes, &route)
}

// Lookup finds the route for a command name, ignoring Match predicates
// (the fallback route when there is one).
func (r *Router) Lookup(name string) (*Route, bool) {
	rts := r.byName[strings.ToLower(name)]
	if len(rts) == 0 {
		return nil, false
	}
	return rts[len(rts)-1], true
}

// Route finds the route that takes a request's command.
func (r *Router) Route(req *Request) (*Route, bool) {
	rts := r.byName[strings.ToLower(req.Command)]
	for _, rt := range rts {
		if rt.Match == nil || rt.Match(req) {
			return rt, true
		}
	}
	return nil, false
}

// Named returns every route registered under a name.
func (r *Router) Named(name string) []*Route { return r.byName[strings.ToLower(name)] }

// Routes returns the registered routes sorted by name.
func (r *Router) Routes() []*Route {
	out := append([]*Route(nil), r.routes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Parse splits "!Lend  ladder — bring it back" into ("lend", "ladder — bring
// it back"). ok is false when text is not a command: no prefix, or the prefix
// not followed by a letter ("!!!", "! ", "!5").
func (r *Router) Parse(text string) (name, args string, ok bool) {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	if !strings.HasPrefix(t, r.prefix) {
		return "", "", false
	}
	t = t[len(r.prefix):]
	first, _ := utf8.DecodeRuneInString(t)
	if unicode.IsSpace(first) {
		// Phones like to put a space after "!": "! help" counts, but only
		// as a known command standing alone, so "! I can't believe it" and
		// "! back in 5" (an alias of !returned) stay chatter.
		rest := strings.TrimSpace(t)
		if _, known := r.byName[strings.ToLower(rest)]; !known || strings.ContainsFunc(rest, unicode.IsSpace) {
			return "", "", false
		}
		t = rest
		first, _ = utf8.DecodeRuneInString(t)
	}
	if !unicode.IsLetter(first) {
		return "", "", false
	}
	end := strings.IndexFunc(t, unicode.IsSpace)
	if end < 0 {
		end = len(t)
	}
	name = strings.ToLower(t[:end])
	args = strings.TrimSpace(t[end:])
	return name, args, true
}

// Suggest returns the closest listed command name to a mistyped one, or
// "". Only names people can see are suggested — route names and aliases of
// three letters or more (a short alias such as "h" is listed nowhere), never
// hidden routes — and only close ones: one slip (a wrong, missing, extra or
// swapped letter) in a name of up to six letters, two from seven, so
// "!thanks" is not taken for "!things" nor "!menu" for "!lend".
func (r *Router) Suggest(name string) string {
	name = strings.ToLower(name)
	n := utf8.RuneCountInString(name)
	limit := 1
	if n >= 7 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for key, rts := range r.byName {
		rt := rts[len(rts)-1]
		if rt.Hidden || (key != rt.Name && utf8.RuneCountInString(key) < 3) {
			continue
		}
		d := editDistance(name, key)
		// Suggest the name closest to what was typed, alias or not: someone
		// who typed "!nede" meant "!need", not "!borrow".
		if d <= limit && (d < bestDist || d == bestDist && key < best) {
			best, bestDist = key, d
		}
	}
	if best != "" {
		return best
	}
	for _, rt := range r.Routes() {
		if rt.Hidden {
			continue
		}
		// A typed prefix of a longer command ("!pot" → "!potholes").
		if n >= 3 && strings.HasPrefix(rt.Name, name) {
			return rt.Name
		}
		// A command with a word run on ("!helpme" → "!help").
		if utf8.RuneCountInString(rt.Name) >= 4 && strings.HasPrefix(name, rt.Name) && n-utf8.RuneCountInString(rt.Name) <= 4 {
			return rt.Name
		}
	}
	return ""
}

// editDistance is the optimal string alignment distance in runes: like
// Levenshtein, with two swapped neighbours ("lned") counting as one slip.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Levenshtein is the edit distance between a and b, counted in runes.
func Levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

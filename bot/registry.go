package bot

import (
	"context"
	"sort"
)

// InspectFunc looks at every message in an enabled group before commands
// run (moderation). Returning handled=true stops further processing.
type InspectFunc func(ctx context.Context, req *Request) (handled bool, err error)

// GroupChangeFunc is told about membership changes in enabled groups.
type GroupChangeFunc func(ctx context.Context, ch GroupChange, members []Person) error

// Registry holds what features answer: command routes, listeners,
// inspectors, poll and yes/no answers by kind, group-change handlers,
// send-failed hooks, data providers and the feature families groups switch.
// The engine's pipeline reads it; the Kit hands it to features as Reg. The
// order of registration is the order of the wiring in cmd/neighbourbot, and
// only listeners and inspectors run in it: a poll vote or a yes/no answer
// goes to the one handler registered for its kind.
type Registry struct {
	router        *Router
	out           *Outbox
	store         Store
	polls         map[string]HandlerFunc
	answers       map[string]Answers
	inspectors    []InspectFunc
	listeners     []listener
	groupHandlers []GroupChangeFunc
	core          DataProvider // the core's own records, always first
	data          []DataProvider
	features      []Feature
	fallback      HandlerFunc // the direct-message fallback (direct.go)
}

// listener is a registered listener; a direct one only sees direct
// messages nothing answered yet (see directOpen).
type listener struct {
	fn     HandlerFunc
	direct bool
}

func newRegistry(prefix string, out *Outbox, store Store) *Registry {
	return &Registry{router: NewRouter(prefix), out: out, store: store,
		polls: map[string]HandlerFunc{}, answers: map[string]Answers{}}
}

// Handle adds a command route.
func (r *Registry) Handle(rt Route) { r.router.Handle(rt) }

// HandlePoll registers fn for votes on polls sent with kind. The request
// carries the poll in req.Poll and the voter's selection in req.Votes.
func (r *Registry) HandlePoll(kind string, fn HandlerFunc) { r.polls[kind] = fn }

// HandleAnswers registers how a feature takes the answers to its yes/no
// questions of a.Kind (asked through Questions.Ask). Each kind has one.
func (r *Registry) HandleAnswers(a Answers) {
	if _, dup := r.answers[a.Kind]; dup || a.Answer == nil {
		panic("bot: yes/no answers registered twice or without a function: " + a.Kind)
	}
	r.answers[a.Kind] = a
}

// Listen registers fn for every plain (non-command) message in enabled
// groups and direct messages.
func (r *Registry) Listen(fn HandlerFunc) { r.listeners = append(r.listeners, listener{fn: fn}) }

// ListenDirect registers fn for direct messages that are not reactions and
// that nothing before it answered or took: no yes/no answer, no earlier
// direct listener (one that takes a message without replying calls
// Request.Take).
func (r *Registry) ListenDirect(fn HandlerFunc) {
	r.listeners = append(r.listeners, listener{fn: fn, direct: true})
}

// ListenDirectFallback registers the answer to a direct message nothing
// else took (what the bot understood, or where to start). It is a direct
// listener like any other, so it is registered last, after every feature's.
func (r *Registry) ListenDirectFallback() { r.ListenDirect(r.fallback) }

// Inspect registers fn to look at every message in enabled groups before
// commands run.
func (r *Registry) Inspect(fn InspectFunc) { r.inspectors = append(r.inspectors, fn) }

// OnGroupChange registers fn for membership changes in enabled groups.
func (r *Registry) OnGroupChange(fn GroupChangeFunc) { r.groupHandlers = append(r.groupHandlers, fn) }

// OnSendFailed registers fn for sends that will never go.
func (r *Registry) OnSendFailed(fn SendFailedFunc) { r.out.onSendFailed(fn) }

// AddDataProvider adds what the feature holds about people to !mydata and
// !forgetme, and its merge step when it has one.
func (r *Registry) AddDataProvider(p DataProvider) {
	r.data = append(r.data, p)
	if m, ok := p.(PersonMerger); ok {
		r.store.OnMerge(m.MergePerson)
	}
}

// Declare adds a feature family groups can switch on and off.
func (r *Registry) Declare(f Feature) { r.features = append(r.features, f) }

// Features lists the declared feature families.
func (r *Registry) Features() []Feature { return append([]Feature(nil), r.features...) }

// featureNames lists declared feature names, sorted.
func (r *Registry) featureNames() []string {
	names := make([]string, 0, len(r.features))
	for _, f := range r.features {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

// DataProviders lists every data provider, the core's first, then the
// features' in wiring order.
func (r *Registry) DataProviders() []DataProvider {
	return append([]DataProvider{r.core}, r.data...)
}

// Router is the command router, for features that look commands up.
func (r *Registry) Router() *Router { return r.router }

// directOpen is the one guard for direct listeners and yes/no answers: a
// direct message, not a poll vote, that nothing answered or took yet, and
// not a reaction unless reactions count.
func directOpen(req *Request, reactions bool) bool {
	m := req.Msg
	return !req.Chat.IsGroup && !req.Taken() && m != nil && m.PollVote == nil && (reactions || m.Reaction == nil)
}

// lapsedKinds lists, in a fixed order, the kinds whose answers may come
// after their question lapsed.
func (r *Registry) lapsedKinds() []string {
	var kinds []string
	for k, a := range r.answers {
		if a.Lapsed != nil {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	return kinds
}

// answerFor finds who takes a bare yes or no from req's sender: the handler
// for the kind of their open question, or with none open a handler whose
// lapsed question they are answering. It returns the answer ("yes"/"no") as
// read for that handler, or "" when the message answers nothing.
func (r *Registry) answerFor(ctx context.Context, q *Questions, req *Request) (a Answers, answer, ref string, err error) {
	if len(r.answers) == 0 || !directOpen(req, true) {
		return Answers{}, "", "", nil
	}
	m := req.Msg
	reaction := m.Reaction != nil
	if !reaction {
		if answer = YesNo(m.Text); answer == "" {
			return Answers{}, "", "", nil
		}
	}
	kind, ref, open, err := q.pending(ctx, req.Sender)
	if err != nil {
		return Answers{}, "", "", err
	}
	if open {
		a, ok := r.answers[kind]
		if !ok {
			return Answers{}, "", "", nil // a question nobody answers now: the listeners see it
		}
		if reaction {
			if a.Reaction == nil || !a.Reaction(m.Reaction.Emoji) {
				return Answers{}, "", "", nil
			}
			answer = "yes"
		}
		return a, answer, ref, nil
	}
	if reaction {
		return Answers{}, "", "", nil
	}
	for _, k := range r.lapsedKinds() {
		a := r.answers[k]
		took, err := a.Lapsed(ctx, req.Sender)
		if err != nil {
			return Answers{}, "", "", err
		}
		if took {
			return a, answer, "", nil
		}
	}
	return Answers{}, "", "", nil
}

package bot

import (
	"context"
	"strings"
	"testing"
)

func TestChainRunsMiddlewareFirstAddedOutermost(t *testing.T) {
	var order []string
	mw := func(name string) Middleware {
		return func(next HandlerFunc) HandlerFunc {
			return func(ctx context.Context, req *Request) error {
				order = append(order, name)
				return next(ctx, req)
			}
		}
	}
	h := chain(func(context.Context, *Request) error { order = append(order, "handler"); return nil }, []Middleware{mw("a"), mw("b")})
	if err := h(context.Background(), &Request{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "a,b,handler" {
		t.Errorf("order = %s, want a,b,handler", got)
	}
}

func TestRouterUseAfterHandlePanics(t *testing.T) {
	r := NewRouter("!")
	r.Handle(Route{Name: "x", Handler: func(context.Context, *Request) error { return nil }})
	defer func() {
		if recover() == nil {
			t.Error("Use after Handle did not panic")
		}
	}()
	r.Use(func(next HandlerFunc) HandlerFunc { return next })
}

// The gates answer in a fixed order: a feature switched off is said before
// where the command may be used, and that before who may use it, so the
// reply names the first thing the person would have to change.
func TestGatesRefuseInOrder(t *testing.T) {
	ran := false
	handler := func(context.Context, *Request) error { ran = true; return nil }
	off := GroupSettings{Enabled: true, FeaturesOff: []string{"lending"}}
	on := GroupSettings{Enabled: true}
	group := Chat{ID: "g@g.us", IsGroup: true}
	dm := Chat{ID: "p@s.whatsapp.net"}
	tests := []struct {
		name  string
		route Route
		chat  Chat
		group GroupSettings
		want  string // "" = the handler ran
	}{
		{"feature off beats scope", Route{Name: "mine", Feature: "lending", Scope: DirectOnly}, group, off, "switched off"},
		{"group-only in a DM", Route{Name: "lend", Scope: GroupOnly}, dm, GroupSettings{}, "only works inside a group"},
		{"personal in a group", Route{Name: "mydata", Scope: DirectOnly}, group, on, "send it to me in a direct message"},
		{"allowed", Route{Name: "lend", Feature: "lending", Scope: GroupOnly}, group, on, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ran = false
			rt := tc.route
			h := chain(handler, []Middleware{requireFeatureOn("!"), requireScope("!"), requireAdmin("!")})
			err := h(context.Background(), &Request{Route: &rt, Chat: tc.chat, Group: tc.group})
			msg, isRefusal := refused(err)
			if tc.want == "" {
				if err != nil || !ran {
					t.Fatalf("err = %v, ran = %v; want the handler to run", err, ran)
				}
				return
			}
			if !isRefusal || !strings.Contains(msg, tc.want) || ran {
				t.Errorf("err = %v, ran = %v; want a refusal containing %q", err, ran, tc.want)
			}
		})
	}
}

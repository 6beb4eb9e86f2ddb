package bottest

import (
	"context"
	"strings"
	"sync"

	"neighbourbot/bot"
)

// Op names a transport call a Fault can fail.
type Op string

// The transport calls a Fault can fail; OpAny matches every one.
const (
	OpAny       Op = ""
	OpSend      Op = "send"
	OpPoll      Op = "poll"
	OpEdit      Op = "edit"
	OpReact     Op = "react"
	OpDelete    Op = "delete"
	OpRemove    Op = "remove"
	OpGroupInfo Op = "groupinfo"
)

// Fault fails the transport calls it matches with Err: a dropped
// connection (bot.ErrNotConnected), a group the bot was removed from
// (bot.ErrNotInChat), or any other error. Empty fields match everything.
type Fault struct {
	Op   Op
	Chat bot.ChatID
	// Text, when set, matches texts (and poll questions) starting with it.
	Text string
	Err  error
	// Times is how many calls fail before the fault clears itself; 0
	// fails every matching call until Stop.
	Times int

	owner *Faults
	hits  int
	done  bool
}

// Faults is a set of faults to inject into a harness's transport:
//
//	var faults bottest.Faults
//	h := bottest.New(t, bottest.Options{Transport: faults.Wrap})
//	f := faults.Fail(bottest.Fault{Op: bottest.OpSend, Err: bot.ErrNotConnected})
//	… f.Stop()
//
// The same set keeps applying to the fresh console after Harness.Restart.
type Faults struct {
	mu     sync.Mutex
	faults []*Fault
}

// Fail adds a fault and returns it, to stop it or read how often it hit.
func (fs *Faults) Fail(f Fault) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.owner = fs
	p := &f
	fs.faults = append(fs.faults, p)
	return p
}

// Stop clears the fault: matching calls go through again.
func (f *Fault) Stop() {
	f.owner.mu.Lock()
	defer f.owner.mu.Unlock()
	f.done = true
}

// Hits is how many calls the fault has failed.
func (f *Fault) Hits() int {
	f.owner.mu.Lock()
	defer f.owner.mu.Unlock()
	return f.hits
}

// Left is how many more calls a fault with Times set will fail.
func (f *Fault) Left() int {
	f.owner.mu.Lock()
	defer f.owner.mu.Unlock()
	if f.done {
		return 0
	}
	return f.Times - f.hits
}

// check returns the error of the first live fault matching the call, and
// counts the hit.
func (fs *Faults) check(op Op, chat bot.ChatID, text string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.faults {
		if f.done || (f.Op != OpAny && f.Op != op) || (f.Chat != "" && f.Chat != chat) ||
			(f.Text != "" && !strings.HasPrefix(text, f.Text)) {
			continue
		}
		f.hits++
		if f.Times > 0 && f.hits >= f.Times {
			f.done = true
		}
		return f.Err
	}
	return nil
}

// Wrap returns tr with the faults injected; use it as Options.Transport.
func (fs *Faults) Wrap(tr bot.Transport) bot.Transport { return &faulty{Transport: tr, fs: fs} }

type faulty struct {
	bot.Transport
	fs *Faults
}

func (t *faulty) Send(ctx context.Context, m bot.OutMessage) (string, error) {
	if err := t.fs.check(OpSend, m.Chat, m.Text); err != nil {
		return "", err
	}
	return t.Transport.Send(ctx, m)
}

func (t *faulty) SendPoll(ctx context.Context, p bot.OutPoll) (string, error) {
	if err := t.fs.check(OpPoll, p.Chat, p.Question); err != nil {
		return "", err
	}
	return t.Transport.SendPoll(ctx, p)
}

func (t *faulty) Edit(ctx context.Context, chat bot.ChatID, id, text string) error {
	if err := t.fs.check(OpEdit, chat, text); err != nil {
		return err
	}
	return t.Transport.Edit(ctx, chat, id, text)
}

func (t *faulty) React(ctx context.Context, target bot.MessageRef, emoji string) error {
	if err := t.fs.check(OpReact, target.Chat, emoji); err != nil {
		return err
	}
	return t.Transport.React(ctx, target, emoji)
}

func (t *faulty) Delete(ctx context.Context, target bot.MessageRef) error {
	if err := t.fs.check(OpDelete, target.Chat, ""); err != nil {
		return err
	}
	return t.Transport.Delete(ctx, target)
}

func (t *faulty) RemoveMember(ctx context.Context, chat bot.ChatID, member bot.Address) error {
	if err := t.fs.check(OpRemove, chat, ""); err != nil {
		return err
	}
	return t.Transport.RemoveMember(ctx, chat, member)
}

func (t *faulty) GroupInfo(ctx context.Context, chat bot.ChatID) (bot.GroupInfo, error) {
	if err := t.fs.check(OpGroupInfo, chat, ""); err != nil {
		return bot.GroupInfo{}, err
	}
	return t.Transport.GroupInfo(ctx, chat)
}

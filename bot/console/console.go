// Package console is a simulated WhatsApp for trying neighbourbot without a
// phone: it implements bot.Transport by printing what the bot does, and
// turns script lines ("Alice: !lend ladder", "@advance 2d") into the same
// messages and membership events the WhatsApp adapter produces. The same
// script always prints the same transcript, so transcripts serve as golden
// test files.
//
// As a transport it keeps the same contract as the WhatsApp adapter
// (bot/transporttest): a group the bot is not in answers bot.ErrNotInChat,
// admin actions without admin bot.ErrNotAdmin, and while offline (@offline
// on, SetOffline) every outward action fails with bot.ErrNotConnected.
// Observe reports each action in neutral terms for tests.
package console

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"neighbourbot/bot"
)

// DefaultStart is the console clock's start when none is given: a Monday
// morning, so scripts are reproducible.
var DefaultStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// DirectiveFunc handles a feature's own script directive such as @notice.
type DirectiveFunc func(ctx context.Context, args string) error

type group struct {
	id       string // as typed in scripts and shown in output
	chat     bot.ChatID
	name     string
	members  []string
	admins   map[string]bool
	botAdmin bool
	lastBy   map[string]*bot.Message // latest message per member, for [reply NAME]
	lastBot  string                  // id of the bot's latest message
	botSaid  []botMessage            // the bot's recent messages, for [reply bot …]
	poll     *pollState
}

// botMessage is one message the bot posted in a group, kept so a script can
// quote it with [reply bot] or [reply bot WORD].
type botMessage struct {
	id, text string
}

// maxBotSaid bounds the bot messages remembered per group.
const maxBotSaid = 200

func (g *group) botPosted(id, text string) {
	g.lastBot = id
	g.botSaid = append(g.botSaid, botMessage{id, text})
	if len(g.botSaid) > maxBotSaid {
		g.botSaid = g.botSaid[len(g.botSaid)-maxBotSaid:]
	}
}

type pollState struct {
	id      string
	options []string
}

// Console is the simulated transport and script runner.
type Console struct {
	mu sync.Mutex
	// lineMu keeps a line and Settle (work another goroutine booked, such
	// as the staff web page's) from running at once.
	lineMu     sync.Mutex
	out        io.Writer
	clock      *bot.ManualClock
	engine     *bot.Engine
	groups     map[string]*group
	byChat     map[bot.ChatID]*group
	current    *group
	directives map[string]DirectiveFunc
	pending    []bot.GroupChange // events the bot caused (removals), run after the line
	lineKey    string            // stable id source for the line being run
	seq        int               // ids issued within the line
	lastMsg    *bot.Message
	// interactive is a person typing at the prompt: a line without
	// "NAME:" is said by the last speaker, and the clock's moves are
	// always reported.
	interactive bool
	lastSpeaker string // "Alice" or "dm Alice"
	// history hashes every script line run so far: a line's message id is
	// derived from it, so a rerun of the same script (a new process)
	// redelivers the same ids, while later lines in one run never collide.
	history hash.Hash

	idSalt       string       // makes bot message ids unique across processes
	delivered    *deliveryLog // the simulated server's record, when used
	progressPath string
	progress     Progress
	replaying    bool // re-reading lines a previous run finished: memory only

	// offline simulates the phone losing its connection (@offline on):
	// every outward action fails with bot.ErrNotConnected, as the WhatsApp
	// adapter's do, and the send queue retries later.
	offline bool
	observe func(Action)

	// lineNo is the number of the line being run (1 for the first), and
	// byLine the message each line sent, for [edit N] and [delete N].
	lineNo int
	byLine map[int]*bot.Message
	// deleting is set by a [delete N] tag on the line being read.
	deleting int
}

// Action is one thing the bot did outward through the console, in the terms
// a transport test checks (the transcript prints the same for people).
type Action struct {
	Kind     string // "text", "media", "poll", "edit", "react", "delete" or "remove"
	Chat     bot.ChatID
	ID       string // the message's id (text, poll) or its target's (edit, react, delete)
	Text     string // the text, question, caption, new text or emoji
	ReplyTo  string // id of the quoted message
	Mentions []bot.Address
	Options  []string    // a poll's options
	Member   bot.Address // who was removed
}

// Observe makes the console report every outward action to fn, after it
// printed it. Tests use it; fn must not call back into the console.
func (c *Console) Observe(fn func(Action)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.observe = fn
}

func (c *Console) record(a Action) {
	if c.observe != nil {
		c.observe(a)
	}
}

// SetOffline takes the simulated connection down (true) or up again. While
// offline every outward action fails with bot.ErrNotConnected.
func (c *Console) SetOffline(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offline = on
}

// writable fails an outward action the way the WhatsApp adapter does: not
// connected, or a group the bot is not in. Called with c.mu held.
func (c *Console) writable(chat bot.ChatID) (*group, error) {
	if c.offline {
		return nil, bot.ErrNotConnected
	}
	g, isGroup := c.byChat[chat]
	if !isGroup && strings.HasPrefix(string(chat), "group:") {
		return nil, bot.ErrNotInChat
	}
	return g, nil
}

// New returns a console writing its transcript to out and reading time from
// clock. Attach an engine before running lines.
func New(out io.Writer, clock *bot.ManualClock) *Console {
	return &Console{
		out: out, clock: clock,
		groups:     map[string]*group{},
		byChat:     map[bot.ChatID]*group{},
		directives: map[string]DirectiveFunc{},
		history:    sha256.New(),
		byLine:     map[int]*bot.Message{},
	}
}

// SetInteractive switches the console to prompt mode (see Console.interactive).
func (c *Console) SetInteractive(on bool) { c.interactive = on }

// Speaker is who a bare line at the prompt is said by: the last speaker, or
// "You" before anyone has spoken.
func (c *Console) Speaker() string {
	if c.lastSpeaker == "" {
		return "You"
	}
	return c.lastSpeaker
}

// Attach connects the engine that handles the console's messages.
func (c *Console) Attach(e *bot.Engine) { c.engine = e }

// Directive registers a feature's own script directive ("notice" for @notice).
func (c *Console) Directive(name string, fn DirectiveFunc) { c.directives[strings.ToLower(name)] = fn }

// Clock returns the console's clock.
func (c *Console) Clock() *bot.ManualClock { return c.clock }

func (c *Console) printf(format string, args ...any) {
	fmt.Fprintf(c.out, format, args...)
}

// say prints a bot line with continuation lines indented.
func (c *Console) say(where, verb, text string) {
	lines := strings.Split(text, "\n")
	c.printf("%s %s%s\n", where, verb, lines[0])
	for _, l := range lines[1:] {
		if l == "" {
			c.printf("\n") // no trailing spaces in transcripts
			continue
		}
		c.printf("    %s\n", l)
	}
}

func (c *Console) where(chat bot.ChatID) string {
	if g, ok := c.byChat[chat]; ok {
		return "[" + g.id + "]"
	}
	return "[dm " + string(chat) + "]"
}

func (c *Console) nextID(prefix string) string {
	c.seq++
	return fmt.Sprintf("%s%s-%d", prefix, c.lineKey, c.seq)
}

// NewMessageID returns an id derived from the script line being run, so a
// rerun of the same script (after a crash) queues its sends under the same
// ids, as WhatsApp message ids fixed before sending are.
func (c *Console) NewMessageID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextID("b" + c.idSalt)
}

// SetIDSalt puts salt into the ids of the bot's messages, so that two
// processes running the same script (a rerun after a crash) never give two
// different messages one id.
func (c *Console) SetIDSalt(salt string) { c.idSalt = salt }

// Send prints a message from the bot.
func (c *Console) Send(_ context.Context, m bot.OutMessage) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.writable(m.Chat)
	if err != nil {
		return "", err
	}
	id := m.ID
	if id == "" {
		id = c.nextID("b")
	}
	if fresh, err := c.delivered.accept(Delivered{ID: id, Chat: string(m.Chat), Kind: "text", Text: m.Text}); err != nil || !fresh {
		return id, err // the server already has it: nothing appears twice
	}
	text := m.Text
	act := Action{Kind: "text", Chat: m.Chat, ID: id, Text: m.Text}
	if m.ReplyTo != nil {
		act.ReplyTo = m.ReplyTo.ID
	}
	for _, mn := range m.Mentions {
		act.Mentions = append(act.Mentions, mn.Addr)
	}
	if a := m.Attachment; a != nil {
		act.Kind, act.Text = "media", a.Caption
		tag, err := attachmentTag(a)
		if err != nil {
			return "", err
		}
		text = a.Caption
		if text == "" {
			c.printf("%s bot %s\n", c.where(m.Chat), tag)
		} else {
			c.say(c.where(m.Chat), "bot "+tag+": ", text)
		}
	} else {
		c.say(c.where(m.Chat), "bot: ", m.Text)
	}
	if g != nil {
		g.botPosted(id, text)
	}
	c.record(act)
	return id, nil
}

// attachmentTag prints a file the bot sends the way scripts write one:
// [photo], [video 9s], [voice 12s], [document letter.pdf]. The file must
// exist, as WhatsApp's upload would need it.
func attachmentTag(a *bot.Attachment) (string, error) {
	if _, err := os.Stat(a.Path); err != nil {
		return "", fmt.Errorf("send %s: %w", a.Kind, err)
	}
	secs := ""
	if a.Seconds > 0 {
		secs = fmt.Sprintf(" %ds", a.Seconds)
	}
	switch a.Kind {
	case bot.MediaImage:
		return "[photo]", nil
	case bot.MediaVideo:
		return "[video" + secs + "]", nil
	case bot.MediaAudio:
		if a.Voice {
			return "[voice" + secs + "]", nil
		}
		return "[audio" + secs + "]", nil
	case bot.MediaDocument:
		name := a.FileName
		if name == "" {
			name = filepath.Base(a.Path)
		}
		return "[document " + name + "]", nil
	}
	return "", fmt.Errorf("send attachment: cannot send a %q file", a.Kind)
}

// SendPoll prints a poll and makes it the group's latest, for [vote …].
func (c *Console) SendPoll(_ context.Context, p bot.OutPoll) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	chat, options := p.Chat, p.Options
	if _, err := c.writable(chat); err != nil {
		return "", err
	}
	id := p.ID
	if id == "" {
		id = c.nextID("p")
	}
	if fresh, err := c.delivered.accept(Delivered{ID: id, Chat: string(chat), Kind: "poll", Text: p.Question + " | " + strings.Join(options, " | ")}); err != nil || !fresh {
		return id, err
	}
	kind := "poll"
	if p.Multiple {
		kind = "poll (several answers)"
	}
	c.printf("%s bot %s: %s | %s\n", c.where(chat), kind, p.Question, strings.Join(options, " | "))
	if g, ok := c.byChat[chat]; ok {
		g.poll = &pollState{id: id, options: append([]string(nil), options...)}
		g.botPosted(id, p.Question)
	}
	c.record(Action{Kind: "poll", Chat: chat, ID: id, Text: p.Question, Options: append([]string(nil), options...)})
	return id, nil
}

// Edit prints the new text of an edited bot message.
func (c *Console) Edit(_ context.Context, chat bot.ChatID, id string, text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.writable(chat); err != nil {
		return err
	}
	c.say(c.where(chat), "bot edits its message: ", text)
	c.record(Action{Kind: "edit", Chat: chat, ID: id, Text: text})
	return nil
}

func (c *Console) nameOf(addr bot.Address) string {
	if addr == "" {
		return "someone"
	}
	return string(addr)
}

// React prints a reaction.
func (c *Console) React(_ context.Context, target bot.MessageRef, emoji string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.writable(target.Chat); err != nil {
		return err
	}
	c.printf("%s bot reacts %s to %s\n", c.where(target.Chat), emoji, c.nameOf(target.Sender))
	c.record(Action{Kind: "react", Chat: target.Chat, ID: target.ID, Text: emoji})
	return nil
}

// Delete prints a delete-for-everyone; like WhatsApp it needs the bot to be
// admin for other people's messages (its own carry no sender, or "bot").
func (c *Console) Delete(_ context.Context, target bot.MessageRef) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.writable(target.Chat)
	if err != nil {
		return err
	}
	own := target.Sender == "" || target.Sender == "bot"
	if g != nil && !g.botAdmin && !own {
		return bot.ErrNotAdmin
	}
	c.printf("%s bot deletes %s's message\n", c.where(target.Chat), c.nameOf(target.Sender))
	c.record(Action{Kind: "delete", Chat: target.Chat, ID: target.ID})
	return nil
}

// RemoveMember removes a member (bot must be admin) and queues the leave
// event WhatsApp would send.
func (c *Console) RemoveMember(_ context.Context, chat bot.ChatID, member bot.Address) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offline {
		return bot.ErrNotConnected
	}
	g, ok := c.byChat[chat]
	if !ok {
		return bot.ErrNotInChat
	}
	if !g.botAdmin {
		return bot.ErrNotAdmin
	}
	name := string(member)
	if !g.has(name) {
		return fmt.Errorf("%s is not in the group", name)
	}
	c.printf("%s bot removes %s\n", c.where(chat), name)
	g.remove(name)
	c.record(Action{Kind: "remove", Chat: chat, Member: member})
	c.pending = append(c.pending, bot.GroupChange{Chat: g.chatInfo(), Kind: bot.MemberLeft,
		Members: []bot.Sender{{Addr: member, Name: name}}, Time: c.clock.Now()})
	return nil
}

// GroupInfo reports the simulated group's members and admins.
func (c *Console) GroupInfo(_ context.Context, chat bot.ChatID) (bot.GroupInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.byChat[chat]
	if !ok {
		return bot.GroupInfo{}, bot.ErrNotInChat
	}
	gi := bot.GroupInfo{ID: chat, Name: g.name, BotIsAdmin: g.botAdmin}
	for _, m := range g.members {
		gi.Participants = append(gi.Participants, bot.Participant{Addrs: []bot.Address{bot.Address(m)}, Name: m, IsAdmin: g.admins[m]})
	}
	return gi, nil
}

// Download returns the simulated media bytes.
func (c *Console) Download(_ context.Context, m *bot.Media) ([]byte, error) {
	c.mu.Lock()
	offline := c.offline
	c.mu.Unlock()
	if offline {
		return nil, fmt.Errorf("download: %w", bot.ErrNotConnected)
	}
	if b, ok := m.Handle.([]byte); ok {
		return b, nil
	}
	return nil, fmt.Errorf("console media has no content")
}

func (g *group) has(name string) bool {
	for _, m := range g.members {
		if m == name {
			return true
		}
	}
	return false
}

func (g *group) add(name string) bool {
	if g.has(name) {
		return false
	}
	g.members = append(g.members, name)
	return true
}

func (g *group) remove(name string) {
	for i, m := range g.members {
		if m == name {
			g.members = append(g.members[:i], g.members[i+1:]...)
			break
		}
	}
	delete(g.admins, name)
}

func (g *group) chatInfo() bot.Chat { return bot.Chat{ID: g.chat, IsGroup: true, Name: g.name} }

func (c *Console) switchGroup(id, name string) *group {
	g, ok := c.groups[id]
	if !ok {
		if name == "" {
			name = id
		}
		g = &group{id: id, chat: bot.ChatID("group:" + id), name: name, admins: map[string]bool{}, lastBy: map[string]*bot.Message{}}
		c.groups[id] = g
		c.byChat[g.chat] = g
	} else if name != "" {
		g.name = name
	}
	c.current = g
	return g
}

// Restore recreates a group the console's database already knows (from an
// earlier run), with the members it had, without making it current: jobs
// due for it after a restart then find it as WhatsApp would. Admins are
// WhatsApp's own state and are not restored.
func (c *Console) Restore(chat bot.ChatID, name string, members []string) {
	id, ok := strings.CutPrefix(string(chat), "group:")
	if !ok || id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.groups[id]; exists {
		return
	}
	prev := c.current
	g := c.switchGroup(id, name)
	for _, m := range members {
		g.add(m)
	}
	c.current = prev
}

// RestorePoll makes a poll from an earlier run the group's latest again, so
// "[vote …]" lines of a rerun script reach it.
func (c *Console) RestorePoll(chat bot.ChatID, id string, options []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.byChat[chat]; ok && g.poll == nil {
		g.poll = &pollState{id: id, options: append([]string(nil), options...)}
	}
}

func (c *Console) currentGroup() *group {
	if c.current == nil {
		return c.switchGroup("street", "Elm Road")
	}
	return c.current
}

var (
	messageLine = regexp.MustCompile(`^(dm\s+)?([\p{L}\p{N}_.'-]+)((?:\s*\[[^\]]*\])*)\s*(?::\s?(.*))?$`)
	tagPattern  = regexp.MustCompile(`\[([^\]]*)\]`)
	mentionTok  = regexp.MustCompile(`(?:^|\s)@([\p{L}\p{N}_.'-]+)`)
)

// RunScript runs every line of r, reporting malformed lines with their line
// number and going on.
func (c *Console) RunScript(ctx context.Context, r io.Reader, echo bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	// A line is run to its end even when ctx is cancelled meanwhile (a
	// signal): the message in hand finishes, then the script stops.
	work := context.WithoutCancel(ctx)
	for sc.Scan() {
		n++
		line := sc.Text()
		c.history.Write([]byte(line + "\n"))
		c.lineKey = hex.EncodeToString(c.history.Sum(nil))[:12]
		c.seq = 0
		if err := ctx.Err(); err != nil {
			return err
		}
		if n <= c.progress.Lines && !c.progress.Done {
			// Finished by an earlier run: read into memory only.
			c.replaying = true
			c.RunLine(work, line, false)
			c.replaying = false
			continue
		}
		if err := c.RunLine(work, line, echo); err != nil {
			c.printf("! line %d: %v — skipped\n", n, err)
		}
		c.progress.Lines, c.progress.Clock, c.progress.Done = n, c.clock.Now(), false
		if err := c.saveProgress(); err != nil {
			return fmt.Errorf("save progress: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read script: %w", err)
	}
	c.progress.Done = true
	if err := c.saveProgress(); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// SetLineKey sets the id source for the next interactive line.
func (c *Console) SetLineKey(k string) { c.lineKey, c.seq = k, 0 }

// RunLine runs one script line.
func (c *Console) RunLine(ctx context.Context, raw string, echo bool) error {
	c.lineMu.Lock()
	defer c.lineMu.Unlock()
	c.lineNo++
	line := strings.TrimRight(raw, "\r")
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		if echo && strings.HasPrefix(trimmed, "#") {
			c.printf("%s\n", trimmed)
		}
		return nil
	}
	var err error
	if strings.HasPrefix(trimmed, "@") {
		err = c.directive(ctx, trimmed, echo)
	} else {
		err = c.message(ctx, trimmed, echo)
	}
	c.flushPending(ctx)
	if c.engine != nil && !c.replaying {
		c.settle(ctx)
	}
	return err
}

// settle runs due jobs and sends what they queued, as after each line.
func (c *Console) settle(ctx context.Context) {
	c.engine.RunDueJobs(ctx)
	// A directive may have queued sends outside any message (a council
	// notice): they go now, as the sender would send them.
	c.engine.FlushSends(ctx)
	c.flushPending(ctx)
}

// Settle runs, between lines, what another goroutine booked (an approval
// on the staff web page): due jobs, then their sends, as after a line.
func (c *Console) Settle(ctx context.Context) {
	c.lineMu.Lock()
	defer c.lineMu.Unlock()
	if c.engine != nil {
		c.settle(ctx)
	}
}

func (c *Console) flushPending(ctx context.Context) {
	if c.replaying {
		c.pending = nil
		return
	}
	for len(c.pending) > 0 {
		ev := c.pending[0]
		c.pending = c.pending[1:]
		c.engine.HandleGroupChange(ctx, ev)
	}
}

func (c *Console) directive(ctx context.Context, line string, echo bool) error {
	name, args, _ := strings.Cut(line[1:], " ")
	name = strings.ToLower(name)
	args = strings.TrimSpace(args)
	if echo {
		c.printf("-- %s\n", line)
	}
	switch name {
	case "group":
		id, display, _ := strings.Cut(args, " ")
		if id == "" {
			return fmt.Errorf("@group needs an id, e.g. @group street Elm Road")
		}
		c.switchGroup(id, strings.TrimSpace(display))
		return nil
	case "admin", "unadmin":
		return c.adminDirective(ctx, name, args)
	case "join", "leave":
		return c.membershipDirective(ctx, name, args)
	case "botadmin":
		on, ok := bot.ParseOnOff(args)
		if !ok {
			return fmt.Errorf("@botadmin takes on or off")
		}
		c.currentGroup().botAdmin = on
		return nil
	case "offline":
		return c.offlineDirective(args)
	case "advance", "time":
		if c.replaying {
			return nil // the clock was restored; what these did is done
		}
		return c.clockDirective(ctx, name, args, echo)
	case "redeliver":
		if c.replaying {
			return nil
		}
		if c.lastMsg == nil {
			return fmt.Errorf("nothing to redeliver yet")
		}
		c.deliver(ctx, c.lastMsg, echo, "-- duplicate delivery ignored\n")
		return nil
	}
	if fn, ok := c.directives[name]; ok {
		if c.replaying {
			return nil
		}
		return fn(ctx, args)
	}
	known := []string{"group", "admin", "unadmin", "join", "leave", "botadmin", "offline", "advance", "time", "redeliver"}
	for k := range c.directives {
		known = append(known, k)
	}
	sort.Strings(known)
	return fmt.Errorf("unknown directive @%s (known: @%s)", name, strings.Join(known, ", @"))
}

// adminDirective is @admin NAME and @unadmin NAME: promotes or demotes a
// member of the current group (adding them first when new).
func (c *Console) adminDirective(ctx context.Context, name, who string) error {
	if who == "" {
		return fmt.Errorf("@%s needs a name", name)
	}
	g := c.currentGroup()
	if !g.has(who) {
		g.add(who)
	}
	g.admins[who] = name == "admin"
	kind := bot.MemberPromoted
	if name == "unadmin" {
		kind = bot.MemberDemoted
	}
	c.groupChange(ctx, g, kind, who)
	return nil
}

// membershipDirective is @join NAME and @leave NAME in the current group.
func (c *Console) membershipDirective(ctx context.Context, name, who string) error {
	if who == "" {
		return fmt.Errorf("@%s needs a name", name)
	}
	g := c.currentGroup()
	kind := bot.MemberJoined
	if name == "join" {
		if !g.add(who) {
			return fmt.Errorf("%s is already in %s", who, g.id)
		}
	} else {
		if !g.has(who) {
			return fmt.Errorf("%s is not in %s", who, g.id)
		}
		g.remove(who)
		kind = bot.MemberLeft
	}
	c.groupChange(ctx, g, kind, who)
	return nil
}

// groupChange tells the engine that who joined, left, was promoted or was
// demoted in g, as WhatsApp's group events would.
func (c *Console) groupChange(ctx context.Context, g *group, kind bot.GroupChangeKind, who string) {
	if c.replaying {
		return
	}
	c.engine.HandleGroupChange(ctx, bot.GroupChange{Chat: g.chatInfo(), Kind: kind, Members: []bot.Sender{{Addr: bot.Address(who), Name: who}}, Time: c.clock.Now()})
}

// offlineDirective is @offline on|off: the transport refuses sends as a
// disconnected WhatsApp does, or takes them again.
func (c *Console) offlineDirective(args string) error {
	on, ok := bot.ParseOnOff(args)
	if !ok {
		return fmt.Errorf("@offline takes on or off")
	}
	c.SetOffline(on)
	if c.interactive {
		if on {
			c.printf("-- offline: what the bot sends waits in its queue until @offline off\n")
		} else {
			c.printf("-- back online: waiting sends go after the retry delay (try @advance 2m)\n")
		}
	}
	return nil
}

// clockDirective is @advance DURATION and @time RFC3339: the clock moves,
// and jobs and delayed sends that fall due on the way run in order.
func (c *Console) clockDirective(ctx context.Context, name, args string, echo bool) error {
	if name == "advance" {
		d, err := bot.ParseDuration(args)
		if err != nil {
			return err
		}
		if err := c.engine.AdvanceTo(ctx, c.clock, c.clock.Now().Add(d)); err != nil {
			return err
		}
		if echo || c.interactive {
			c.printf("-- now %s\n", c.clock.Now().Format("Mon 2 Jan 2006 15:04 MST"))
		}
		return nil
	}
	t, err := time.Parse(time.RFC3339, args)
	if err != nil {
		return fmt.Errorf("@time needs RFC 3339, e.g. 2026-01-05T09:00:00Z")
	}
	if t.After(c.clock.Now()) {
		if err := c.engine.AdvanceTo(ctx, c.clock, t); err != nil {
			return err
		}
	} else {
		c.clock.Set(t)
	}
	if c.interactive {
		c.printf("-- now %s\n", c.clock.Now().Format("Mon 2 Jan 2006 15:04 MST"))
	}
	return nil
}

func (c *Console) message(ctx context.Context, line string, echo bool) error {
	m := messageLine.FindStringSubmatch(line)
	if c.interactive && (m == nil || (m[3] == "" && !strings.Contains(line, ":"))) {
		// "!help" typed at the prompt: said by whoever spoke last.
		line = c.Speaker() + ": " + line
		m = messageLine.FindStringSubmatch(line)
		c.printf("-- %s\n", line)
	}
	if m == nil {
		if name, rest, ok := strings.Cut(line, " "); ok && messageLine.MatchString(name+":") && !strings.Contains(name, ":") && unicode.IsUpper([]rune(name)[0]) {
			return fmt.Errorf("%q needs a colon after the name: %s: %s", bot.Truncate(line, 40), name, bot.Truncate(strings.TrimSpace(rest), 40))
		}
		return fmt.Errorf("%q has no speaker: write it as NAME: text (e.g. Alice: hello), dm NAME: text, or an @directive", bot.Truncate(line, 40))
	}
	isDM, name, tags, text := m[1] != "", m[2], m[3], m[4]
	hasColon := strings.Contains(line[len(m[1])+len(name)+len(tags):], ":")
	msg := &bot.Message{
		Sender: bot.Sender{Addr: bot.Address(name), Name: name},
		Time:   c.clock.Now(),
		Text:   text,
	}
	var g *group
	if isDM {
		msg.Chat = bot.Chat{ID: bot.ChatID(name)}
	} else {
		g = c.currentGroup()
		g.add(name)
		msg.Chat = g.chatInfo()
	}
	c.deleting = 0
	for _, t := range tagPattern.FindAllStringSubmatch(tags, -1) {
		if err := c.applyTag(msg, g, t[1], line); err != nil {
			return err
		}
	}
	if c.deleting != 0 {
		return c.deleteLine(name, c.deleting, echo, line)
	}
	if !hasColon && msg.PollVote == nil && msg.Reaction == nil && msg.Media == nil && msg.Location == nil {
		return fmt.Errorf("%q has no text: write it as %s: text (a colon after the name)", bot.Truncate(line, 40), name)
	}
	for _, ix := range mentionTok.FindAllStringSubmatchIndex(text, -1) {
		who := strings.TrimRight(text[ix[2]:ix[3]], ".,;:!?'")
		if strings.HasPrefix(who, "0") && strings.IndexFunc(who, unicode.IsLetter) < 0 {
			// "@07700900123" typed out is text, as on a phone: a mention
			// picked from the list reads "@447700900123", never with a
			// leading 0 (nor a "+", which never starts a mention here).
			continue
		}
		msg.Mentions = append(msg.Mentions, bot.Sender{Addr: bot.Address(who), Name: who})
	}
	msg.ID = c.nextID("m")
	c.byLine[c.lineNo] = msg
	if echo {
		c.echoMessage(msg, line)
	}
	if g != nil {
		g.lastBy[name] = msg
	}
	c.lastSpeaker = name
	if isDM {
		c.lastSpeaker = "dm " + name
	}
	c.lastMsg = msg
	c.deliver(ctx, msg, echo, "-- duplicate delivery ignored (already handled)\n")
	return nil
}

// applyTag adds what one [tag] of a script line says to msg: an
// attachment, a location, a vote, a quoted reply or a reaction. g is nil
// in a direct message.
func (c *Console) applyTag(msg *bot.Message, g *group, tag, line string) error {
	kind, arg, _ := strings.Cut(strings.TrimSpace(tag), " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(kind) {
	case "photo", "image":
		size := 48 * 1024
		if arg != "" {
			n, err := parseSize(arg)
			if err != nil {
				return err
			}
			size = n
		}
		data := fakeJPEG(line, size)
		msg.Media = &bot.Media{Kind: bot.MediaImage, MimeType: "image/jpeg", Size: int64(len(data)), Handle: data}
	case "voice", "video", "document":
		media, err := fakeMedia(strings.ToLower(kind), arg, line)
		if err != nil {
			return err
		}
		msg.Media = media
	case "location":
		lat, long, err := parseLatLong(arg)
		if err != nil {
			return err
		}
		msg.Location = &bot.Location{Lat: lat, Long: long}
	case "vote":
		v, err := voteIn(g, arg)
		if err != nil {
			return err
		}
		msg.PollVote = v
	case "reply":
		q, err := quoteIn(g, arg)
		if err != nil {
			return err
		}
		msg.Quote = q
	case "edit":
		orig, err := c.lineMessage(arg, string(msg.Sender.Addr), "edit")
		if err != nil {
			return err
		}
		msg.EditOf, msg.Chat = orig.ID, orig.Chat
	case "delete":
		if _, err := c.lineMessage(arg, string(msg.Sender.Addr), "delete"); err != nil {
			return err
		}
		c.deleting, _ = strconv.Atoi(arg)
	case "react":
		if g == nil || g.lastBot == "" {
			return fmt.Errorf("[react EMOJI] reacts to the bot's latest message; there is none yet")
		}
		if arg == "" {
			arg = "👍"
		}
		msg.Reaction = &bot.Reaction{TargetID: g.lastBot, Emoji: arg}
	default:
		return fmt.Errorf("unknown tag [%s] (known: [photo], [voice 12s], [video], [document NAME], [location LAT,LONG], [vote OPTION], [reply NAME], [reply bot WORD], [react EMOJI], [edit LINE], [delete LINE])", tag)
	}
	return nil
}

// voteIn is [vote OPTION, OPTION]: a vote in the group's latest poll, its
// options hashed as WhatsApp sends them.
func voteIn(g *group, arg string) (*bot.PollVote, error) {
	if g == nil || g.poll == nil {
		return nil, fmt.Errorf("no poll to vote in yet")
	}
	v := &bot.PollVote{PollID: g.poll.id}
	for _, opt := range strings.Split(arg, ",") {
		opt = strings.TrimSpace(opt)
		if opt == "" {
			continue
		}
		found := ""
		for _, o := range g.poll.options {
			if strings.EqualFold(o, opt) {
				found = o
			}
		}
		if found == "" {
			return nil, fmt.Errorf("the latest poll has no option %q (options: %s)", opt, strings.Join(g.poll.options, ", "))
		}
		sum := sha256.Sum256([]byte(found))
		v.OptionHashes = append(v.OptionHashes, sum[:])
	}
	return v, nil
}

// quoteIn is [reply NAME] (NAME's latest message in the group) or
// [reply bot WORD] (the bot's latest message containing WORD).
func quoteIn(g *group, arg string) (*bot.Quote, error) {
	if g == nil {
		return nil, fmt.Errorf("[reply NAME] works in groups")
	}
	if who, word, _ := strings.Cut(arg, " "); who == "bot" {
		return g.botQuote(strings.TrimSpace(word))
	}
	q, ok := g.lastBy[arg]
	if !ok {
		return nil, fmt.Errorf("%s has said nothing in %s to reply to", arg, g.id)
	}
	return &bot.Quote{ID: q.ID, Sender: q.Sender, Text: q.Text, Media: q.Media, Location: q.Location}, nil
}

// deliver hands msg to the engine and says what became of it when it was not
// simply handled. A message the database could not save is reported as not
// handled — on WhatsApp it would be delivered again — never as a duplicate.
func (c *Console) deliver(ctx context.Context, msg *bot.Message, echo bool, duplicate string) {
	if c.replaying {
		return
	}
	out, err := c.engine.HandleMessage(ctx, msg)
	switch {
	case err != nil:
		c.printf("-- not handled: the bot could not save it (%v); WhatsApp would deliver it again\n", err)
	case out == bot.Duplicate && echo:
		c.printf("%s", duplicate)
	}
}

func (c *Console) echoMessage(msg *bot.Message, line string) {
	where := c.where(msg.Chat.ID)
	if !msg.Chat.IsGroup {
		where = "[dm " + string(msg.Sender.Addr) + "]"
	}
	_, rest, _ := strings.Cut(line, string(msg.Sender.Addr))
	c.printf("%s %s%s\n", where, msg.Sender.Addr, rest)
}

// botQuote quotes the bot's latest message in the group, or its latest one
// containing word ([reply bot C12]).
func (g *group) botQuote(word string) (*bot.Quote, error) {
	for i := len(g.botSaid) - 1; i >= 0; i-- {
		m := g.botSaid[i]
		if word == "" || strings.Contains(m.text, word) {
			return &bot.Quote{ID: m.id, Sender: bot.Sender{Addr: "bot", Name: "bot"}, Text: m.text}, nil
		}
	}
	if word == "" {
		return nil, fmt.Errorf("the bot has said nothing in %s to reply to", g.id)
	}
	return nil, fmt.Errorf("the bot has said nothing containing %q in %s", word, g.id)
}

// fakeMedia builds a voice note, video or document for [voice 12s],
// [video 9s], [video 20MB], [document letter.pdf] or [document letter.pdf
// 2MB], with deterministic bytes derived from the line.
func fakeMedia(kind, arg, seed string) (*bot.Media, error) {
	secs, size, name := 0, 0, ""
	for _, f := range strings.Fields(arg) {
		low := strings.ToLower(f)
		switch {
		case strings.HasSuffix(low, "s") && !strings.HasSuffix(low, "bs"):
			n, err := strconv.Atoi(strings.TrimSuffix(low, "s"))
			if err != nil || n <= 0 || n > 24*3600 {
				return nil, fmt.Errorf("[%s %s]: a length is written like 12s", kind, arg)
			}
			secs = n
		case strings.HasSuffix(low, "kb") || strings.HasSuffix(low, "mb"):
			n, err := parseSize(f)
			if err != nil {
				return nil, err
			}
			size = n
		default:
			name = f
		}
	}
	m := &bot.Media{Seconds: secs}
	switch kind {
	case "voice":
		if secs == 0 {
			secs, m.Seconds = 5, 5
		}
		m.Kind, m.MimeType, m.Voice = bot.MediaAudio, "audio/ogg; codecs=opus", true
		if size == 0 {
			size = secs * 2000 // opus voice notes are about 16 kbit/s
		}
	case "video":
		m.Kind, m.MimeType = bot.MediaVideo, "video/mp4"
		if size == 0 {
			size = 512 * 1024
		}
	case "document":
		if name == "" {
			name = "document.pdf"
		}
		m.Kind, m.FileName, m.MimeType = bot.MediaDocument, name, documentMime(name)
		if size == 0 {
			size = 64 * 1024
		}
	}
	data := fakeJPEG(seed, size)
	m.Size, m.Handle = int64(len(data)), data
	return m, nil
}

func documentMime(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pdf":
		return "application/pdf"
	case ".doc", ".docx":
		return "application/msword"
	case ".txt":
		return "text/plain"
	}
	return "application/octet-stream"
}

func parseSize(s string) (int, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := 1
	switch {
	case strings.HasSuffix(u, "MB"):
		mult, u = 1<<20, strings.TrimSuffix(u, "MB")
	case strings.HasSuffix(u, "KB"):
		mult, u = 1<<10, strings.TrimSuffix(u, "KB")
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(u), 64)
	if err != nil || n <= 0 || n*float64(mult) > 64<<20 {
		return 0, fmt.Errorf("photo size %q: use e.g. 200KB or 6MB (at most 64MB)", s)
	}
	return int(n * float64(mult)), nil
}

func parseLatLong(s string) (float64, float64, error) {
	a, b, ok := strings.Cut(s, ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	long, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || err1 != nil || err2 != nil || lat < -90 || lat > 90 || long < -180 || long > 180 {
		return 0, 0, fmt.Errorf("location %q: use [location 52.7069,-2.7540]", s)
	}
	return lat, long, nil
}

// fakeJPEG makes deterministic bytes standing in for a photo: a JPEG header
// and padding derived from the line, so equal photos hash equal.
func fakeJPEG(seed string, size int) []byte {
	b := make([]byte, size)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	sum := sha256.Sum256([]byte(seed))
	for i := 4; i < size; i++ {
		b[i] = sum[i%len(sum)]
	}
	if size >= 2 {
		b[size-2], b[size-1] = 0xFF, 0xD9
	}
	return b
}

// lineMessage is the message sent on script line arg, for [edit LINE] and
// [delete LINE]; only its author may edit or delete it, as on WhatsApp.
func (c *Console) lineMessage(arg, who, verb string) (*bot.Message, error) {
	n, err := strconv.Atoi(strings.TrimSpace(arg))
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("[%s LINE] needs the line number of the message, e.g. [%s 3]", verb, verb)
	}
	orig, ok := c.byLine[n]
	switch {
	case !ok:
		return nil, fmt.Errorf("line %d sent no message to %s", n, verb)
	case string(orig.Sender.Addr) != who:
		return nil, fmt.Errorf("line %d is %s's message: only its author can %s it", n, orig.Sender.Addr, verb)
	case orig.Text == "" && orig.Media == nil:
		return nil, fmt.Errorf("line %d has nothing to %s", n, verb)
	}
	return orig, nil
}

// deleteLine simulates deleting for everyone the message sent on line n.
// WhatsApp's deletions never reach the bot (the adapter drops them), so
// nothing is delivered: what the bot did about the message stands.
func (c *Console) deleteLine(who string, n int, echo bool, line string) error {
	orig := c.byLine[n]
	delete(c.byLine, n)
	if g := c.byChat[orig.Chat.ID]; g != nil && g.lastBy[who] == orig {
		delete(g.lastBy, who)
	}
	if echo {
		c.printf("%s %s\n", c.where(orig.Chat.ID), strings.TrimSpace(line))
		c.printf("-- %s deleted the message of line %d for everyone; WhatsApp does not tell the bot\n", who, n)
	}
	return nil
}

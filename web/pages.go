package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"neighbourbot/bot"
	"neighbourbot/commands/inbox"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/potholes"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request, v visitor) {
	pending, err := s.deps.Notices.Governance().Pending(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := map[string]any{"Pending": len(pending)}
	if ib := s.deps.Inbox; ib != nil && ib.Enabled() && (v.Roles.Inbox || v.Roles.Owner) {
		unread, err := ib.Unread(r.Context(), inbox.Scope{All: v.Roles.Owner, Chats: v.Roles.InboxChats}, v.Person.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Inbox"], data["Unread"] = true, unread
	}
	if v.Roles.Faults && s.deps.Potholes != nil {
		_, open, err := s.deps.Potholes.Faults(r.Context(), potholes.FaultQuery{State: "unresolved"})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Faults"], data["OpenFaults"] = true, open
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Staff page", Nav: "home", Data: data})
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, v visitor) {
	list, err := s.st.sessionsOf(r.Context(), v.Person.ID, s.deps.Clock.Now(), sessionIdle)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type row struct {
		ID                  int64
		Device, Since, Seen string
		Current             bool
	}
	var rows []row
	for _, ss := range list {
		rows = append(rows, row{ID: ss.ID, Device: ss.Device, Since: s.when(ss.Created), Seen: s.when(ss.Seen), Current: ss.ID == v.Session.ID})
	}
	s.render(w, r, http.StatusOK, "account", page{Title: "Signed in on", Nav: "account", Data: rows})
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, v visitor) {
	id, _ := strconv.ParseInt(r.PostFormValue("session"), 10, 64)
	if _, err := s.st.endSessions(r.Context(), v.Person.ID, id, s.deps.Clock.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	_ = s.auditEvent(r.Context(), v.Actor(), "signed out", "a session ended from the page")
	if id == 0 || id == v.Session.ID {
		s.setCookie(w, "", -1)
		http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// pendingView is one notice on /approvals.
type pendingView struct {
	Preview          notices.NoticePreview
	Messages         messagesView
	Effective, Until string
	Mine             bool // the visitor already approved it
	CanDecide        bool
}

func (s *Server) approvals(w http.ResponseWriter, r *http.Request, v visitor) {
	s.showApprovals(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showApprovals(w http.ResponseWriter, r *http.Request, v visitor, status int, banner string, errs []fieldError) {
	if !v.Roles.Approver && !v.Roles.Owner {
		s.forbidden(w, r, "Only notice approvers can see the approvals.")
		return
	}
	ctx := r.Context()
	list, err := s.deps.Notices.Governance().Pending(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var views []pendingView
	for _, p := range list {
		pv, err := s.deps.Notices.Preview(ctx, p.Notice, s.deps.Clock.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		msgs, err := s.messages(ctx, pv)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		views = append(views, pendingView{Preview: pv, Messages: msgs, Effective: s.when(p.Effective), Until: s.when(p.Expires),
			Mine: containsName(pv.Approvals, v.Actor()), CanDecide: v.Roles.Approver})
	}
	s.render(w, r, status, "approvals", page{Title: "Notices waiting for approval", Nav: "approvals", Notice: banner, Errors: errs, Data: views})
}

func containsName(list []string, name string) bool {
	for _, n := range list {
		if n == name {
			return true
		}
	}
	return false
}

// decide approves or rejects a pending notice through the same governance
// as !approve and !reject: of two approvers clicking at once, one counts
// and the other is told the notice was decided meanwhile.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, v visitor) {
	if !v.Roles.Approver && !v.Roles.Owner {
		s.forbidden(w, r, "Only notice approvers can approve or reject notices.")
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	who := notices.Approver{Key: fmt.Sprintf("person:%d", v.Person.ID), Name: v.Actor(), Addrs: v.Addrs}
	var reply string
	switch r.PostFormValue("action") {
	case "approve":
		reply, err = s.deps.Notices.Governance().Approve(ctx, id, who)
	case "reject":
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if reason == "" {
			s.showApprovals(w, r, v, http.StatusUnprocessableEntity, "", []fieldError{{Field: fmt.Sprintf("reason-%d", id), Text: fmt.Sprintf("Enter the reason for rejecting notice #%d; its sender is told it", id)}})
			return
		}
		// The rejection and the message telling its writer commit
		// together: a crash can neither lose the message nor send it
		// for a rejection that did not happen.
		err = s.deps.Core.Atomic(ctx, func(ctx context.Context) error {
			var rerr error
			if reply, rerr = s.deps.Notices.Governance().Reject(ctx, id, who, reason); rerr != nil {
				return rerr
			}
			return s.TellComposer(ctx, id, v.Name(), reason)
		})
	default:
		s.showApprovals(w, r, v, http.StatusBadRequest, "", []fieldError{{Field: "main-content", Text: "Choose approve or reject"}})
		return
	}
	if msg, ok := bot.UserMessage(err); ok {
		s.showApprovals(w, r, v, http.StatusConflict, "", []fieldError{{Field: "main-content", Text: webWords(msg)}})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.afterChange(ctx)
	s.showApprovals(w, r, v, http.StatusOK, webWords(reply), nil)
}

// TellComposer tells whoever wrote notice id on the page that by rejected
// it, and why (on the page, or with !reject). It queues the message in the
// unit of work of ctx, the one that records the rejection, so the two
// commit together.
func (s *Server) TellComposer(ctx context.Context, id int64, by, reason string) error {
	if s.deps.Tell == nil {
		return nil
	}
	person, err := s.st.composer(ctx, id)
	if err != nil || person == 0 {
		return err
	}
	n, err := notices.NoticeByID(ctx, s.deps.Core, id)
	if err != nil {
		return err
	}
	return s.deps.Tell(ctx, person, fmt.Sprintf("Your notice #%d %s was rejected by %s and will not be sent: %s", id, n.Title, strings.TrimSuffix(by, " (web)"), bot.Truncate(bot.CleanText(reason), 300)))
}

// webWords turns the chat commands' "send !pending" into the page's terms.
func webWords(msg string) string {
	msg = strings.ReplaceAll(msg, "send !pending for the list", "the list below is up to date")
	return strings.ReplaceAll(msg, "Send !pending for the list.", "The list below is up to date.")
}

func (s *Server) afterChange(ctx context.Context) {
	if s.deps.AfterChange == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deps.AfterChange(context.WithoutCancel(ctx))
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusForbidden, "message", page{Title: "Not allowed", Message: msg})
}

// noticeRow is one line of /notices.
type noticeRow struct {
	ID                       int64
	Title, From, State, When string
}

const noticesPerPage = 50

func (s *Server) noticeList(w http.ResponseWriter, r *http.Request, v visitor) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := notices.ListNotices(r.Context(), s.deps.Core, notices.NoticeQuery{Before: before, Limit: noticesPerPage + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var next int64
	if len(list) > noticesPerPage {
		list = list[:noticesPerPage]
		next = list[len(list)-1].ID
	}
	var rows []noticeRow
	for _, n := range list {
		rows = append(rows, noticeRow{ID: n.ID, Title: n.Title, From: n.SourceName, State: stateWords(n.State), When: s.when(n.Received)})
	}
	s.render(w, r, http.StatusOK, "notices", page{Title: "Notices", Nav: "notices", Data: map[string]any{"Rows": rows, "Next": next}})
}

func stateWords(st notices.State) string {
	switch st {
	case notices.StateAwaitingApproval:
		return "Waiting for approval"
	case notices.StatePaused:
		return "Held by the pause"
	case notices.StateApproved:
		return "Approved, sending"
	case notices.StatePlanned:
		return "Sent or sending"
	case notices.StateRejected:
		return "Rejected"
	case notices.StateExpired:
		return "Expired"
	case notices.StateWithdrawn:
		return "Withdrawn"
	case notices.StateRecorded:
		return "Recorded only"
	}
	return string(st)
}

// deliveryRow is one group's line of a delivery report.
type deliveryRow struct {
	Group, State, Reason, When, Language string
}

// subscriberCount is how many subscribers' copies are in one state.
type subscriberCount struct {
	State string
	Count int
}

func deliveryWords(state string) string {
	switch state {
	case "sent":
		return "Sent"
	case "pending", "sending":
		return "Waiting"
	case "digest":
		return "Waiting for the group's daily digest"
	case "failed":
		return "Failed"
	case "expired":
		return "Not sent: expired first"
	case "dropped":
		return "Not sent"
	case "superseded":
		return "Replaced by a later update"
	case "unconfirmed":
		return "Sent, not confirmed"
	case "held":
		return "Held by an election period"
	}
	return state
}

func (s *Server) noticePage(w http.ResponseWriter, r *http.Request, v visitor) {
	banner := ""
	if r.URL.Query().Get("sent") == "1" {
		banner = "Your notice has been received; its state is below."
	}
	s.showNotice(w, r, v, http.StatusOK, banner, nil, nil)
}

func (s *Server) showNotice(w http.ResponseWriter, r *http.Request, v visitor, status int, banner string, errs []fieldError, form map[string]string) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return
	}
	pv, err := s.deps.Notices.NoticePreviewOf(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := notices.Deliveries(ctx, s.deps.Core, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	groups, subRows, err := s.deliveryRows(ctx, list)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msgs, err := s.messages(ctx, pv)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, sender, correctable := splitSource(pv.Notice.Source)
	canCorrect := correctable && v.Roles.CanCompose(sender) && pv.Notice.MsgType != notices.MsgCancel &&
		pv.Notice.State != notices.StateRejected && pv.Notice.State != notices.StateWithdrawn
	if form == nil {
		form = map[string]string{"title": pv.Notice.Title, "body": pv.Notice.Body, "title_cy": pv.Notice.TitleCy, "body_cy": pv.Notice.BodyCy}
	}
	rejected, err := notices.RejectionOf(ctx, s.deps.Core, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "notice", page{Title: fmt.Sprintf("Notice #%d", id), Nav: "notices", Notice: banner, Errors: errs, Data: map[string]any{
		"Preview": pv, "State": stateWords(pv.Notice.State), "Groups": groups, "Subscribers": subRows,
		"Received": s.when(pv.Notice.Received), "Effective": s.when(pv.Notice.Effective), "Expires": s.when(pv.Notice.Expires),
		"CanCorrect": canCorrect, "Form": form, "Rejected": rejected, "Messages": msgs,
	}})
}

// groupName is a group's name for a page, never its WhatsApp id (which
// holds the creator's phone number for older groups), nor a name with a
// phone number in it, written any way ("+44 7700…", "447700…").
func groupName(g bot.GroupSettings) string {
	if n := strings.TrimSpace(g.Name); n != "" && !bot.HasTypedPhone(n) && notices.RedactComment(n) == n {
		return n
	}
	return "A group with no name"
}

// splitSource splits "webhook:Highways" into its source and sender; only
// notices from the webhook, the console or this page can be corrected
// here (a feed's are corrected by the feed).
func splitSource(src string) (base, sender string, ok bool) {
	base, sender, _ = strings.Cut(src, ":")
	switch base {
	case "web", "webhook", "console":
		return base, sender, true
	}
	return base, sender, false
}

// deliveryRows is a notice's delivery report for its page: a row per
// group, in the language it went out in, and subscribers counted by state.
func (s *Server) deliveryRows(ctx context.Context, list []notices.Delivery) ([]deliveryRow, []subscriberCount, error) {
	var groups []deliveryRow
	subs := map[string]int{}
	var subOrder []string
	for _, d := range list {
		if d.Subscriber {
			st := d.State
			if d.HeldByPeriod {
				st = "held"
			}
			if subs[st] == 0 {
				subOrder = append(subOrder, st)
			}
			subs[st]++
			continue
		}
		g, err := s.deps.Core.GroupSettings(ctx, d.Chat)
		if err != nil {
			return nil, nil, err
		}
		when := s.when(d.SentAt)
		if when == "" {
			when = s.when(d.DueAt)
		}
		state := deliveryWords(d.State)
		if d.HeldByPeriod {
			state = "Held by an election period"
		}
		groups = append(groups, deliveryRow{Group: groupName(g), State: state, Reason: d.Error, When: when, Language: languageWords(d.Language)})
	}
	var subRows []subscriberCount
	for _, st := range subOrder {
		subRows = append(subRows, subscriberCount{State: deliveryWords(st), Count: subs[st]})
	}
	return groups, subRows, nil
}

package notices

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"neighbourbot/bot"
)

// The approvers' commands (!pending, !approve, !reject), by direct
// message; registerCommands (delivery_commands.go) routes them.

// approverRole heads the approvers' commands in their !help.
const approverRole = "For notice approvers"

// isApprover tells !help whether the asker may approve notices.
func (r *Feature) isApprover(ctx context.Context, req *bot.Request) bool {
	_, err := r.approverOf(ctx, req)
	return err == nil
}

// approverOf checks the sender against the configured approvers.
func (r *Feature) approverOf(ctx context.Context, req *bot.Request) (Approver, error) {
	addrs, err := r.core.PersonAddrs(ctx, req.Sender.ID)
	if err != nil {
		return Approver{}, err
	}
	if req.Msg != nil {
		addrs = append(addrs, req.Msg.Sender.Addrs()...)
	}
	if !r.gov.IsApprover(addrs) {
		return Approver{}, bot.Userf("Sorry, only the council's configured notice approvers can do that.")
	}
	return Approver{Key: approverKey(req.Sender.ID), Name: req.Sender.DisplayName(), Addrs: addrs}, nil
}

func (r *Feature) handlePending(ctx context.Context, req *bot.Request) error {
	who, err := r.approverOf(ctx, req)
	if err != nil {
		return err
	}
	if len(req.Fields()) > 0 {
		return r.pendingOne(ctx, req, who)
	}
	list, err := r.gov.Pending(ctx)
	if err != nil {
		return err
	}
	list = r.gov.pendingFor(list, who.Addrs)
	if len(list) == 0 {
		return req.Reply(ctx, "No notices are waiting for approval.")
	}
	var b strings.Builder
	b.WriteString("Waiting for approval:")
	shown := make([]*Notice, 0, len(list))
	for i, p := range list {
		shown = append(shown, p.Notice)
		if i >= pendingInFull {
			// The rest by title only: one message stays readable.
			fmt.Fprintf(&b, "\n%s — %s %d to read it in full", p.Label(), req.Cmd("pending"), p.ID)
			continue
		}
		pv, err := r.Preview(ctx, p.Notice, r.clock.Now())
		if err != nil {
			return err
		}
		b.WriteString("\n\n" + pv.Text(r.prefix, r.location()))
	}
	b.WriteString("\n\n" + approvalHint(r.prefix, shown))
	return req.Reply(ctx, b.String())
}

// pendingInFull is how many waiting notices !pending shows in full.
const pendingInFull = 3

// pendingOne is !pending N: one waiting notice in full.
func (r *Feature) pendingOne(ctx context.Context, req *bot.Request, who Approver) error {
	id, _, err := parseNoticeNumber(req, "pending")
	if err != nil {
		return err
	}
	pv, err := r.previewOf(ctx, id)
	if err != nil {
		return err
	}
	if !r.gov.approverFor(pv.Notice, who.Addrs) {
		return notYourSender(pv.Notice)
	}
	return req.Reply(ctx, pv.Text(r.prefix, r.location())+"\n"+approvalHint(r.prefix, []*Notice{pv.Notice}))
}

func parseNoticeNumber(req *bot.Request, cmd string) (int64, string, error) {
	f := req.Fields()
	usage := bot.Userf("Usage: %s N — the number from %s, e.g. %s 3.", req.Cmd(cmd), req.Cmd("pending"), req.Cmd(cmd))
	if len(f) == 0 {
		return 0, "", usage
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(f[0], "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, "", usage
	}
	return id, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(req.Args), f[0])), nil
}

func (r *Feature) handleApprove(ctx context.Context, req *bot.Request) error {
	who, err := r.approverOf(ctx, req)
	if err != nil {
		return err
	}
	id, _, err := parseNoticeNumber(req, "approve")
	if err != nil {
		return err
	}
	msg, err := r.gov.Approve(ctx, id, who)
	if err != nil {
		return err
	}
	return req.Reply(ctx, msg)
}

func (r *Feature) handleReject(ctx context.Context, req *bot.Request) error {
	who, err := r.approverOf(ctx, req)
	if err != nil {
		return err
	}
	id, reason, err := parseNoticeNumber(req, "reject")
	if err != nil {
		return err
	}
	msg, err := r.gov.Reject(ctx, id, who, reason)
	if err != nil {
		return err
	}
	if r.deps.Rejected != nil {
		if err := r.deps.Rejected(ctx, id, who.Name, reason); err != nil {
			r.log.Error("tell the writer of a rejected notice", "notice", id, "err", err)
		}
	}
	return req.Reply(ctx, msg)
}

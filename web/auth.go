package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

// visitor is the signed-in person of a request, with their roles as the
// configuration gives them now.
type visitor struct {
	Person  bot.Person
	Addrs   []bot.Address
	Roles   Roles
	Session session
}

// Name is how the page and the audit name the person.
func (v visitor) Name() string { return v.Person.DisplayName() }

// Actor is the audit's name for what the person does here.
func (v visitor) Actor() string { return v.Name() + " (web)" }

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrNotStaff is returned by Link for someone the configuration does not
// name as staff.
var ErrNotStaff = errors.New("not named as staff in the configuration")

// Link makes a one-time sign-in link for person: bound to them, used
// once, valid for ten minutes, at most three in ten minutes.
func (s *Server) Link(ctx context.Context, person int64) (string, error) {
	roles, err := s.deps.Staff().rolesOf(ctx, s.deps.Core, person)
	if err != nil {
		return "", err
	}
	if !roles.Any() {
		return "", ErrNotStaff
	}
	now := s.deps.Clock.Now()
	n, err := s.st.linksSince(ctx, person, now.Add(-linkLifetime))
	if err != nil {
		return "", err
	}
	if n >= linksPerWindow {
		return "", bot.Userf("You have asked for %d sign-in links in the last few minutes. Use the latest one, or ask again in 10 minutes.", n)
	}
	secret := newSecret()
	if err := s.st.addLink(ctx, secret, person, now, now.Add(linkLifetime)); err != nil {
		return "", err
	}
	return s.cfg.Base() + "/login/" + secret, nil
}

// HandleCommand answers !web (a new sign-in link) and !web off (end every
// session) in a direct message.
func (s *Server) HandleCommand(ctx context.Context, req *bot.Request) error {
	if strings.EqualFold(strings.TrimSpace(req.Args), "off") {
		n, err := s.st.endSessions(ctx, req.Sender.ID, 0, s.deps.Clock.Now())
		if err != nil {
			return err
		}
		if err := s.auditEvent(ctx, req.Sender.DisplayName()+" (web)", "signed out everywhere", fmt.Sprintf("%d sessions ended from WhatsApp", n)); err != nil {
			return err
		}
		if n == 0 {
			return req.Reply(ctx, "You were not signed in to the staff page anywhere.")
		}
		return req.Reply(ctx, fmt.Sprintf("Signed out of the staff page everywhere (%s).", plural(int(n), "browser", "browsers")))
	}
	link, err := s.Link(ctx, req.Sender.ID)
	if errors.Is(err, ErrNotStaff) {
		return req.Reply(ctx, "Sorry, the staff page is only for the council staff named in the bot's settings. If you should have access, ask whoever runs the bot to add you.")
	}
	if err != nil {
		return err
	}
	return req.Reply(ctx, "Your sign-in link for the staff page (works once, for 10 minutes; don't share it):\n"+link+
		"\nSend "+req.Cmd("web off")+" to sign out everywhere.")
}

// IsStaff tells !help whether to list !web to the asker.
func (s *Server) IsStaff(ctx context.Context, req *bot.Request) bool {
	r, err := s.deps.Staff().rolesOf(ctx, s.deps.Core, req.Sender.ID)
	return err == nil && r.Any()
}

func (s *Server) cookieName() string {
	if s.cfg.HTTPS() {
		return "__Host-neighbourbot"
	}
	return "neighbourbot_session"
}

func (s *Server) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.HTTPS(), SameSite: http.SameSiteStrictMode})
}

// visitorOf finds the signed-in person of r, checking their roles against
// the configuration as it is now. ok is false for no (live) session.
func (s *Server) visitorOf(ctx context.Context, r *http.Request) (visitor, bool, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return visitor{}, false, nil
	}
	ss, err := s.st.liveSession(ctx, c.Value, s.deps.Clock.Now(), sessionIdle)
	if errors.Is(err, bot.ErrNotFound) {
		return visitor{}, false, nil
	}
	if err != nil {
		return visitor{}, false, err
	}
	v := visitor{Session: ss}
	if v.Person, err = s.deps.Core.PersonByID(ctx, ss.Person); err != nil {
		return visitor{}, false, err
	}
	if v.Addrs, err = s.deps.Core.PersonAddrs(ctx, ss.Person); err != nil {
		return visitor{}, false, err
	}
	if v.Roles, err = s.deps.Staff().rolesOf(ctx, s.deps.Core, ss.Person); err != nil {
		return visitor{}, false, err
	}
	return v, true, nil
}

// auth runs h for a signed-in member of staff; anyone else gets the
// sign-in explanation, and a session of someone no longer named as staff
// is ended.
func (s *Server) auth(h func(w http.ResponseWriter, r *http.Request, v visitor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := s.visitorOf(r.Context(), r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !ok {
			s.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Sign in"})
			return
		}
		if !v.Roles.Any() {
			if _, err := s.st.endSessions(r.Context(), v.Person.ID, 0, s.deps.Clock.Now()); err != nil {
				s.fail(w, r, err)
				return
			}
			_ = s.auditEvent(r.Context(), v.Actor(), "refused", "no longer named as staff; signed out")
			s.setCookie(w, "", -1)
			s.render(w, r, http.StatusForbidden, "message", page{Title: "No access",
				Message: "You are no longer named as staff in the bot's settings, so you have been signed out. Ask whoever runs the bot if this is a mistake."})
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), visitorKey{}, v)), v)
	})
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	// A GET only shows a button: link previews and scanners fetch the
	// link, and must not use it up.
	person, err := s.st.linkPerson(r.Context(), r.PathValue("token"), s.deps.Clock.Now())
	if errors.Is(err, errLinkUnusable) {
		s.render(w, r, http.StatusGone, "message", page{Title: "Link not valid", Message: linkGone})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.deps.Core.PersonByID(r.Context(), person)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: map[string]string{"Name": p.DisplayName(), "Token": r.PathValue("token")}})
}

const linkGone = "This sign-in link has expired or has already been used. Send !web to the bot in a direct message for a new one."

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.deps.Clock.Now()
	person, err := s.st.useLink(ctx, r.PathValue("token"), now)
	if errors.Is(err, errLinkUnusable) {
		s.render(w, r, http.StatusGone, "message", page{Title: "Link not valid", Message: linkGone})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	roles, err := s.deps.Staff().rolesOf(ctx, s.deps.Core, person)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.deps.Core.PersonByID(ctx, person)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !roles.Any() {
		_ = s.auditEvent(ctx, p.DisplayName()+" (web)", "refused", "sign-in link of someone no longer named as staff")
		s.render(w, r, http.StatusForbidden, "message", page{Title: "No access", Message: "You are not named as staff in the bot's settings."})
		return
	}
	secret := newSecret()
	if err := s.st.addSession(ctx, secret, person, now, now.Add(sessionAbsolute), deviceOf(r.UserAgent())); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.auditEvent(ctx, p.DisplayName()+" (web)", "signed in", deviceOf(r.UserAgent())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, secret, int(sessionAbsolute.Seconds()))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, v visitor) {
	if _, err := s.st.endSessions(r.Context(), v.Person.ID, v.Session.ID, s.deps.Clock.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	_ = s.auditEvent(r.Context(), v.Actor(), "signed out", v.Session.Device)
	s.setCookie(w, "", -1)
	http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "message", page{Title: "Signed out", Message: "You have signed out. Send !web to the bot in a direct message to sign in again."})
}

// auditEvent records a sign-in event in the notice audit (notice 0: about
// no notice), where /audit finds it by the person's name.
func (s *Server) auditEvent(ctx context.Context, actor, event, detail string) error {
	return notices.RecordAudit(ctx, s.deps.Core, notices.AuditRecord{At: s.deps.Clock.Now(), Event: event, Actor: actor, Target: "web", Detail: detail})
}

// deviceOf names a browser for the "signed in on" list.
func deviceOf(ua string) string {
	browser := "A browser"
	for _, b := range []struct{ key, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b.key) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ key, name string }{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"}, {"Mac OS", "a Mac"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o.key) {
			return browser + " on " + o.name
		}
	}
	return browser
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

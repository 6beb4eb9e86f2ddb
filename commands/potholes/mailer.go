package potholes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"neighbourbot/commands/potholes/open311"
)

// mailer delivers report emails through the configured SMTP server. The
// MIME message and the SMTP conversation are go-mail's; what is decided
// here is how long a delivery may take and which failures are worth
// trying again.
type mailer struct {
	cfg EmailConfig
	// tls is the TLS configuration for the server (its name, and in tests
	// the roots that trust a test certificate).
	tls *tls.Config
}

func newMailer(cfg EmailConfig, roots *tls.Config) *mailer {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if roots != nil {
		tc = roots.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	return &mailer{cfg: cfg, tls: tc}
}

// mailError is a failed delivery, with a short reason for the report's
// history and the group, and whether trying again later may help.
type mailError struct {
	summary   string
	temporary bool
	err       error
}

func (e *mailError) Error() string { return "email: " + e.summary + ": " + e.err.Error() }
func (e *mailError) Unwrap() error { return e.err }

// send delivers msg. The message counts as sent once the server has
// accepted it (its reply to the end of DATA): a connection that drops
// after that, during RSET or QUIT, does not make it a failure, so it is
// not sent again.
func (m *mailer) send(ctx context.Context, msg *gomail.Msg) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout.D())
	defer cancel()
	deadline, _ := ctx.Deadline()
	opts := []gomail.Option{
		gomail.WithPort(m.cfg.Port),
		gomail.WithTimeout(m.cfg.Timeout.D()),
		gomail.WithTLSConfig(m.tls),
		// Every read and write of the conversation is bounded by the
		// delivery's deadline, not only the dial: a server that stalls
		// mid-conversation must not hold the bot up.
		gomail.WithDialContextFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if err := conn.SetDeadline(deadline); err != nil {
				conn.Close()
				return nil, err
			}
			if m.cfg.Security != "tls" {
				return conn, nil
			}
			tc := tls.Client(conn, m.tls)
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, err
			}
			return tc, nil
		}),
	}
	switch m.cfg.Security {
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		// "tls" is encrypted from the first byte (above); "none" is
		// loopback only (checked in the config).
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	c, err := gomail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return &mailError{summary: "the mail settings are not usable", err: err}
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classifyMailError("connect", err)
	}
	sendErr := c.SendWithSMTPClient(sc, msg)
	_ = c.CloseWithSMTPClient(sc)
	if msg.IsDelivered() {
		return nil
	}
	if sendErr == nil {
		sendErr = errors.New("the server did not confirm the message")
	}
	return classifyMailError("send", sendErr)
}

// classifyMailError turns a failed step into a reason people can act on.
// SMTP replies say themselves whether to try again (4xx) or not (5xx);
// failures without a reply (refused or dropped connections, timeouts, TLS
// trouble reaching the server) are retried.
func classifyMailError(step string, err error) error {
	code := smtpCode(err)
	var sendErr *gomail.SendError
	isSend := errors.As(err, &sendErr)
	if isSend && sendErr.ErrorCode() != 0 {
		// go-mail's SendError keeps the server's reply as text only.
		code = sendErr.ErrorCode()
	}
	var netErr net.Error
	timeout := errors.As(err, &netErr) && netErr.Timeout() || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "i/o timeout")
	switch {
	case code >= 500 && isAuthCode(code, err):
		return &mailError{summary: fmt.Sprintf("the mail server refused the login (%d)", code), err: err}
	case code >= 500 && isSend && sendErr.Reason == gomail.ErrSMTPRcptTo:
		return &mailError{summary: fmt.Sprintf("the mail server refused the council's address (%d)", code), err: err}
	case code >= 500:
		return &mailError{summary: fmt.Sprintf("the mail server refused the message (%d)", code), err: err}
	case code >= 400:
		return &mailError{summary: fmt.Sprintf("the mail server asked to try later (%d)", code), temporary: true, err: err}
	case timeout:
		return &mailError{summary: "the mail server did not answer in time", temporary: true, err: err}
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return &mailError{summary: "the mail server does not offer STARTTLS (security = \"starttls\")", err: err}
	case strings.Contains(err.Error(), "does not support SMTP AUTH"), errors.Is(err, gomail.ErrPlainAuthNotSupported):
		return &mailError{summary: "the mail server does not offer a login (username is set)", err: err}
	case isCertError(err):
		return &mailError{summary: "the mail server's certificate is not trusted", err: err}
	case step == "connect":
		return &mailError{summary: "could not reach the mail server", temporary: true, err: err}
	}
	return &mailError{summary: "the connection to the mail server broke off before it took the message", temporary: true, err: err}
}

// smtpCode finds the SMTP reply code in err: a *textproto.Error, or the
// "535 …" text go-mail keeps.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		s := e.Error()
		if len(s) >= 4 && s[3] == ' ' {
			if n, convErr := strconv.Atoi(s[:3]); convErr == nil && n >= 400 && n < 600 {
				return n
			}
		}
	}
	return 0
}

func isAuthCode(code int, err error) bool {
	return code == 535 || code == 534 || code == 530 && strings.Contains(strings.ToLower(err.Error()), "auth")
}

func isCertError(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv)
}

// temporaryErr reports whether a failed send (Open311 or email) is worth
// retrying later.
func temporaryErr(err error) bool {
	var me *mailError
	if errors.As(err, &me) {
		return me.temporary
	}
	return open311.IsTemporary(err)
}

// sendSummary is a failed send's reason for people.
func sendSummary(err error) string {
	var me *mailError
	if errors.As(err, &me) {
		return me.summary
	}
	var oe *open311.Error
	if errors.As(err, &oe) {
		return oe.Summary()
	}
	return err.Error()
}

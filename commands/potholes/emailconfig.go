package potholes

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	"neighbourbot/bot"
)

// EmailConfig is the [potholes.email] section: the council's mail server
// and addresses, for categories whose send method is "email".
type EmailConfig struct {
	// Host and Port of the SMTP server the bot sends through (the
	// operator's mail provider, usually; not the council's own server).
	Host string `toml:"host"`
	Port int    `toml:"port"`
	// Security is "starttls" (port 587), "tls" (implicit TLS, port 465)
	// or "none", which is allowed only to a loopback address (a local
	// relay such as Postfix on the same machine).
	Security string `toml:"security"`
	Username string `toml:"username"`
	// PasswordFile holds the SMTP password (or set
	// NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD or …_PASSWORD_FILE). The
	// password itself is never read from the config file.
	PasswordFile string `toml:"password_file"`
	Password     string `toml:"-"`
	// From is the sender; replies go to the liaison (liaison_email) when
	// one is set.
	From string `toml:"from"`
	// To is the council's address for reports; CategoryTo overrides it
	// per category (flytipping = "waste@council.example").
	To         string            `toml:"to"`
	CategoryTo map[string]string `toml:"category_to"`
	// AttachPhotoMB is the largest photo attached to the email; a bigger
	// one is linked (photo_url_base) instead.
	AttachPhotoMB int `toml:"attach_photo_mb"`
	// Timeout bounds one whole delivery (connect, TLS, login, send).
	Timeout bot.Duration `toml:"timeout"`
}

func defaultEmailConfig() EmailConfig {
	return EmailConfig{
		Port:          587,
		Security:      "starttls",
		CategoryTo:    map[string]string{},
		AttachPhotoMB: 5,
		Timeout:       bot.Duration(20 * time.Second),
	}
}

// configured reports whether a mail server is set up.
func (c EmailConfig) configured() bool { return c.Host != "" }

// recipient is where reports of cat are emailed; "" when nowhere.
func (c EmailConfig) recipient(cat string) string {
	if to := c.CategoryTo[cat]; to != "" {
		return to
	}
	return c.To
}

// validate checks the section; emailed lists the categories sent by
// email, which need a server and an address.
func (c EmailConfig) validate(categories map[string]bool, emailed []string) error {
	for cat, to := range c.CategoryTo {
		if !categories[cat] {
			return fmt.Errorf("category_to: %q is not one of the categories", cat)
		}
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("category_to: %s = %q is not an email address", cat, to)
		}
	}
	if len(emailed) > 0 && !c.configured() {
		return fmt.Errorf("%s %s sent by email (send_method) but [potholes.email] has no host", orList(emailed), areOrIs(emailed))
	}
	if !c.configured() {
		return nil
	}
	if strings.ContainsAny(c.Host, " /:") && net.ParseIP(c.Host) == nil {
		return fmt.Errorf("host %q must be a host name or IP address (the port goes in port)", c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("port %d must be between 1 and 65535", c.Port)
	}
	switch c.Security {
	case "starttls", "tls":
	case "none":
		if !isLoopback(c.Host) {
			return fmt.Errorf("security \"none\" sends the password and reports unencrypted, so it is only allowed to a loopback address (127.0.0.1, ::1, localhost), not %q", c.Host)
		}
	default:
		return fmt.Errorf("security %q must be \"starttls\", \"tls\" or \"none\"", c.Security)
	}
	if c.From == "" {
		return errors.New("from is required: the address reports are sent from")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("from %q is not an email address", c.From)
	}
	if c.To != "" {
		if _, err := mail.ParseAddress(c.To); err != nil {
			return fmt.Errorf("to %q is not an email address", c.To)
		}
	}
	for _, cat := range emailed {
		if c.recipient(cat) == "" {
			return fmt.Errorf("no address for %s reports: set to, or category_to.%s", cat, cat)
		}
	}
	if c.AttachPhotoMB < 0 || c.AttachPhotoMB > 25 {
		return fmt.Errorf("attach_photo_mb %d must be between 0 (always link) and 25", c.AttachPhotoMB)
	}
	if d := c.Timeout.D(); d < time.Second || d > 2*time.Minute {
		return fmt.Errorf("timeout %s must be between 1s and 2m", d)
	}
	return nil
}

func areOrIs(words []string) string {
	if len(words) == 1 {
		return "is"
	}
	return "are"
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// LoadPassword reads the SMTP password from PasswordFile when no password
// was given through the environment. Trailing newlines are dropped.
func (c *EmailConfig) LoadPassword() error {
	if c.Password != "" || c.PasswordFile == "" {
		return nil
	}
	b, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return fmt.Errorf("password_file: %w", err)
	}
	c.Password = strings.TrimRight(string(b), "\r\n")
	if c.Password == "" {
		return fmt.Errorf("password_file %s is empty", c.PasswordFile)
	}
	return nil
}

package web

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Config is the [web] section: the staff web page.
type Config struct {
	// Listen is the address to serve on ("127.0.0.1:8080"); empty (the
	// default) serves no page.
	Listen string `toml:"listen"`
	// PublicURL is the address staff open, for the sign-in links the bot
	// sends ("https://notices.example.gov.uk"). Empty: http://LISTEN.
	PublicURL string `toml:"public_url"`
	// BehindProxy says a reverse proxy in front terminates HTTPS, so a
	// non-loopback listen address without TLS of its own is allowed.
	BehindProxy bool `toml:"behind_proxy"`
	// CertFile and KeyFile serve HTTPS directly, without a proxy.
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// Tiles is the map tile server's address template
	// ("https://tile.openstreetmap.org/{z}/{x}/{y}.png"); empty draws maps
	// with their pins only, on a plain background. The page's
	// Content-Security-Policy lets images come from this host alone.
	Tiles string `toml:"tiles"`
	// TilesAttribution is the credit the tile server asks for, shown on
	// every map ("© OpenStreetMap contributors"); plain text.
	TilesAttribution string `toml:"tiles_attribution"`
}

// Enabled reports whether the page is served.
func (c Config) Enabled() bool { return strings.TrimSpace(c.Listen) != "" }

// Validate checks the section, naming the key (without "web.").
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("listen %q must be HOST:PORT, e.g. 127.0.0.1:8080", c.Listen)
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("cert_file and key_file must be set together")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("public_url %q must be an http(s) address such as https://notices.example.gov.uk", c.PublicURL)
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return fmt.Errorf("public_url %q must use https: sign-in links and sessions must not cross the network in clear text", c.PublicURL)
		}
	}
	if !isLoopback(host) && c.CertFile == "" && !c.BehindProxy {
		return fmt.Errorf("listen %q is reachable from other machines without HTTPS: set cert_file and key_file, or put a reverse proxy with HTTPS in front and set behind_proxy = true (docs/staff-web.md)", c.Listen)
	}
	if c.BehindProxy && c.PublicURL == "" {
		return errors.New("public_url must name the proxy's https address when behind_proxy is true")
	}
	return c.validateTiles()
}

// Base is the page's public address without a trailing slash.
func (c Config) Base() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	scheme := "http"
	if c.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + c.Listen
}

// HTTPS reports whether browsers reach the page over HTTPS, so cookies
// are Secure and take the __Host- prefix.
func (c Config) HTTPS() bool { return strings.HasPrefix(c.Base(), "https://") }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

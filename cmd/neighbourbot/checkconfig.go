package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
)

// runCheckConfig validates the configuration as the bot would read it —
// the file, then the environment's overrides (*_FILE variables and
// systemd credentials included) — and says what it found. Exit 0 when the
// bot would start with it, 2 otherwise.
func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot check-config [-config FILE]\n\nChecks the configuration file and the environment's overrides as the bot reads them; exits 0 when valid, 2 when not.\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, "check-config", stderr); !ok {
		return code
	}
	cfg, path, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot check-config:", err)
		return exitUsage
	}
	if path == "" {
		path = "no file (built-in defaults)"
	}
	fmt.Fprintf(stdout, "configuration OK: %s\n", path)
	fmt.Fprintf(stdout, "data directory: %s\n", cfg.Bot.DataDir)
	fmt.Fprintf(stdout, "time zone: %s\n", cfg.Bot.Timezone)
	onOff := func(addr string) string {
		if addr == "" {
			return "off"
		}
		return addr
	}
	fmt.Fprintf(stdout, "metrics and health checks: %s\n", onOff(cfg.Metrics.Listen))
	webhook := "off (no token)"
	if cfg.Notices.Webhook.Token != "" {
		webhook = cfg.Notices.Webhook.Listen
	}
	fmt.Fprintf(stdout, "notices webhook: %s\n", webhook)
	if cfg.Notices.Webhook.Token != "" && !loopback(cfg.Notices.Webhook.Listen) {
		fmt.Fprintf(stdout, "warning: the notices webhook listens on %s with plain HTTP, not only on this machine: its bearer token and the notices travel in clear; listen on 127.0.0.1 and put a reverse proxy with TLS in front (docs/council.md, \"The notices webhook over HTTPS\")\n", cfg.Notices.Webhook.Listen)
	}
	if cfg.Metrics.Listen != "" && !loopback(cfg.Metrics.Listen) {
		fmt.Fprintf(stdout, "warning: metrics and health checks are served on %s with plain HTTP to other machines; listen on 127.0.0.1 unless a firewall or a TLS proxy stands in front\n", cfg.Metrics.Listen)
	}
	// Which secrets are set, never their values.
	for _, src := range cfg.sources {
		if isSecret(src.key) && !settingEmpty(&cfg, src.key) {
			fmt.Fprintf(stdout, "secret set: %s\n", credentialName(envPrefix+strings.ToUpper(strings.ReplaceAll(src.key, ".", "_"))))
		}
	}
	printSources(stdout, cfg.sources)
	return exitOK
}

// loopback reports whether a listen address is reachable from this machine
// only: a loopback IP or "localhost". An empty host (":8087") listens on
// every interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// printSources lists where each setting not at its default came from,
// without values: the file holds secrets and residents' numbers.
func printSources(w io.Writer, sources []settingSource) {
	fmt.Fprintln(w, "settings (where each comes from; every other is its default):")
	for _, s := range sources {
		fmt.Fprintf(w, "  %-40s %s\n", s.key, s.from)
	}
}

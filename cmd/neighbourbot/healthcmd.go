package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// runHealth asks the running bot's /readyz, on the metrics address of the
// configuration, and exits 0 when it answers ok: a container's
// HEALTHCHECK, or a monitor's probe, with no curl or shell needed.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	live := fs.Bool("live", false, "ask /healthz (the process and its database answer) instead of /readyz (and WhatsApp is connected)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot health [-config FILE] [-live] [-timeout 5s]\n\nAsks the running bot's /readyz (or /healthz with -live) at [metrics] listen; exits 0 when\nit answers ok, 1 with its reason when not, 2 when the metrics server is off.\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, "health", stderr); !ok {
		return code
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot health:", err)
		return exitUsage
	}
	if cfg.Metrics.Listen == "" {
		fmt.Fprintln(stderr, "neighbourbot health: [metrics] listen is off, so the bot serves no /readyz to ask (set it, or NEIGHBOURBOT_METRICS_LISTEN)")
		return exitUsage
	}
	path := "/readyz"
	if *live {
		path = "/healthz"
	}
	u := "http://" + probeAddr(cfg.Metrics.Listen) + path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot health:", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "neighbourbot health: no answer from %s: %v\n", u, err)
		return exitError
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	line := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "neighbourbot health: not ready: %s\n", line)
		return exitError
	}
	fmt.Fprintln(stdout, line)
	return exitOK
}

// probeAddr is where to reach a listen address from this machine: a
// server listening on every interface (":9464", "0.0.0.0:9464", "[::]:9464")
// is asked on loopback.
func probeAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

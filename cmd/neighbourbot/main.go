// Command neighbourbot runs the neighbourhood WhatsApp bot, its console
// simulator and its admin tools.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes.
const (
	exitOK        = 0
	exitError     = 1 // runtime failure
	exitUsage     = 2 // bad flags or config
	exitLoggedOut = 3 // the WhatsApp device was unlinked: relink
	exitReplaced  = 4 // another process took over the session
	exitLocked    = 5 // another instance uses the data directory
	exitBanned    = 6 // WhatsApp temporarily banned the account
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			usage(stdout)
			return exitOK
		case "-version", "--version":
			fmt.Fprintln(stdout, "neighbourbot", version)
			return exitOK
		}
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runBot(ctx, args, stdout, stderr)
	case "console":
		return runConsole(ctx, args, stdin, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "neighbourbot", version)
		return exitOK
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	if sc, ok := subcommands[cmd]; ok {
		return sc.run(ctx, args)
	}
	fmt.Fprintf(stderr, "neighbourbot: unknown command %q\n\n", cmd)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `neighbourbot — a WhatsApp bot for street and neighbourhood groups

Usage:
  neighbourbot [run] [-config FILE] [-pair-phone NUMBER]   link to WhatsApp and serve groups
  neighbourbot console [-config FILE] [-script FILE] ...   try every command in a simulated group
  neighbourbot version                                     print the version
`)
	names := make([]string, 0, len(subcommands))
	for n := range subcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  neighbourbot %-43s %s\n", n+" ...", subcommands[n].summary)
	}
	fmt.Fprint(w, `
Run "neighbourbot COMMAND -h" for a command's flags. Without -config,
./config.toml is read when present; otherwise built-in defaults apply and
data lives in ./data.
`)
}

// configFlag adds the shared -config flag.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "configuration file (default ./config.toml when present)")
}

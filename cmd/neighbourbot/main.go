// Command neighbourbot runs the neighbourhood WhatsApp bot, its console
// simulator and its admin tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"neighbourbot/bot/sqlite"
)

// Exit codes.
const (
	exitOK        = 0
	exitError     = 1 // runtime failure
	exitUsage     = 2 // bad flags or config
	exitLoggedOut = 3 // the WhatsApp device was unlinked: relink
	exitReplaced  = 4 // another process took over the session
	exitLocked    = 5 // another instance uses the data directory
	exitBanned    = 6 // WhatsApp banned the account (temporarily, or for good)
	exitRefused   = 7 // WhatsApp refused the connection and reconnecting stopped: restart
	exitSchema    = 8 // the database was written by a newer release: run that one
)

// storeExit is the exit code for a failure to open the database.
func storeExit(err error) int {
	var newer *sqlite.NewerSchemaError
	if errors.As(err, &newer) {
		return exitSchema
	}
	return exitError
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// noCgoMessage is what a binary built without cgo says instead of
// failing at the first database open.
const noCgoMessage = `neighbourbot: this binary was built without cgo, so it has no SQLite driver and cannot run.
Build it with cgo and a C compiler: CGO_ENABLED=1 go build ./cmd/neighbourbot
(on Debian: apt-get install gcc). For a Raspberry Pi or another architecture use
scripts/release, which cross-compiles static binaries with Debian's cross compilers.
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			usage(stdout)
			return exitOK
		case "-version", "--version":
			printVersion(stdout)
			return exitOK
		}
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version", "-version", "--version":
		printVersion(stdout)
		return exitOK
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	if !builtWithCgo {
		fmt.Fprint(stderr, noCgoMessage)
		return exitUsage
	}
	switch cmd {
	case "run":
		return runBot(ctx, args, stdout, stderr)
	case "check-config":
		return runCheckConfig(args, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, stdout, stderr)
	case "console":
		return runConsole(ctx, args, stdin, stdout, stderr)
	case "hub":
		return runHub(ctx, args, stdout, stderr)
	case "health":
		return runHealth(ctx, args, stdout, stderr)
	}
	if sc, ok := subcommands()[cmd]; ok {
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
  neighbourbot backup [-config FILE] DIR                   copy both databases and the photos, while the bot runs
  neighbourbot restore [-config FILE] DIR                  put a backup back (the bot must be stopped)
  neighbourbot hub import -data DIR -database URL          copy a data directory into an empty PostgreSQL hub
  neighbourbot check-config [-config FILE]                 check the configuration and environment (exit 0 or 2)
  neighbourbot health [-config FILE] [-live]               ask the running bot's /readyz (exit 0 when ready)
  neighbourbot version                                     print the version
`)
	cmds := subcommands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  neighbourbot %-43s %s\n", n+" ...", cmds[n].summary)
	}
	fmt.Fprint(w, `
Run "neighbourbot COMMAND -h" for a command's flags. Without -config,
./config.toml is read when present; otherwise built-in defaults apply and
data lives in ./data.
`)
}

// printVersion prints the version, the revision and the Go toolchain.
func printVersion(w io.Writer) {
	b := currentBuild()
	fmt.Fprintln(w, "neighbourbot", b.Version)
	if b.Revision != "" && !strings.HasPrefix(b.Revision, strings.TrimSuffix(b.Version, "-dirty")) {
		fmt.Fprintln(w, "revision", b.Revision)
	}
	fmt.Fprintln(w, "built with", b.Go)
}

// configFlag adds the shared -config flag.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "configuration file (default ./config.toml when present)")
}

// parseVerb reads a subcommand's "VERB [flags]" arguments: the verb must
// come first, then the flags, and nothing after them. It reports false with
// the exit code when the command should stop there (usage shown, help
// asked for, an unexpected argument).
func parseVerb(fs *flag.FlagSet, args []string, verb, tool string, stderr io.Writer) (int, bool) {
	if len(args) == 0 || args[0] != verb {
		fs.Usage()
		return exitUsage, false
	}
	return parseFlags(fs, args[1:], tool, stderr)
}

// parseFlags reads a command's flags with nothing after them, reporting
// false with the exit code when the command should stop there (help asked
// for, a bad flag, an unexpected argument). tool names the command in the
// message ("" for the bot itself).
func parseFlags(fs *flag.FlagSet, args []string, tool string, stderr io.Writer) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		name := "neighbourbot"
		if tool != "" {
			name += " " + tool
		}
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", name, fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

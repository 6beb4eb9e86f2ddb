package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"neighbourbot/bot/sqlite"
)

// The databases a backup holds, in the data directory and in the backup.
var backupDatabases = []string{"neighbourbot.db", sessionDatabase}

// sessionDatabase is whatsmeow's store: the linked device's keys and its
// Signal sessions with every contact.
const sessionDatabase = "whatsapp.db"

// warnStaleSession tells the operator when a restored session is the right
// choice. Signal sessions and prekeys move on with every message; a copy
// from before the bot last ran holds old ones, and WhatsApp's servers and
// the residents' phones have moved on: messages that cannot be decrypted,
// or the server treating it as another process ("replaced").
func warnStaleSession(w io.Writer, dir string) {
	when := "the time of the backup"
	if fi, err := os.Stat(filepath.Join(dir, backupManifest)); err == nil {
		when = fi.ModTime().Format("2 Jan 2006 15:04")
	}
	fmt.Fprintf(w, `neighbourbot restore: the WhatsApp session is the one from %s.
That is right only if the bot has not run on this account since (a new machine, a lost
disk). If it has, its encryption keys are out of date: expect messages it cannot read, or
"another process is using this WhatsApp session". Then unlink the old device on the phone
(Linked devices), run restore again with -without-session and link afresh.
`, when)
}

// backupManifest names the file that marks a directory as a backup.
const backupManifest = "BACKUP.txt"

// runBackup copies both databases (consistently, while the bot runs) and
// the report photos into a new directory, every file 0600.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot backup [-config FILE] DIR\n\nCopies the bot's database, the WhatsApp session and the report photos into DIR (new or empty),\nconsistently, while the bot runs. Every file is private (0600). Restore with neighbourbot restore DIR.\n\n")
		fs.PrintDefaults()
	}
	dir, cfg, code := parseDirCommand(fs, args, cfgPath, stderr)
	if code >= 0 {
		return code
	}
	restrictNewFiles()
	if err := makeEmptyDir(dir); err != nil {
		fmt.Fprintln(stderr, "neighbourbot backup:", err)
		return exitError
	}
	if _, err := os.Stat(cfg.dataPath("neighbourbot.db")); err != nil {
		fmt.Fprintf(stderr, "neighbourbot backup: no database at %s (is -config or data_dir right?)\n", cfg.dataPath("neighbourbot.db"))
		return exitError
	}
	var lines []string
	for _, name := range backupDatabases {
		src := cfg.dataPath(name)
		if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stdout, "%s: not there (never linked?), skipped\n", name)
			continue
		}
		if err := sqlite.BackupInto(ctx, src, filepath.Join(dir, name)); err != nil {
			fmt.Fprintln(stderr, "neighbourbot backup:", err)
			return exitError
		}
		lines = append(lines, name)
		fmt.Fprintf(stdout, "%s: copied\n", name)
	}
	n, err := copyTree(cfg.dataPath("photos"), filepath.Join(dir, "photos"), 0o600)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot backup: photos:", err)
		return exitError
	}
	if n > 0 {
		lines = append(lines, fmt.Sprintf("photos/ (%d files)", n))
	}
	fmt.Fprintf(stdout, "photos: %d files copied\n", n)
	manifest := fmt.Sprintf("neighbourbot backup\nversion %s\ntaken %s\nfrom %s\n%s\n",
		currentBuild().Version, time.Now().UTC().Format(time.RFC3339), cfg.Bot.DataDir, strings.Join(lines, "\n"))
	if err := os.WriteFile(filepath.Join(dir, backupManifest), []byte(manifest), 0o600); err != nil {
		fmt.Fprintln(stderr, "neighbourbot backup:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "backup complete in %s\n", dir)
	return exitOK
}

// runRestore puts a backup back into the data directory. It refuses while a
// bot holds the data directory's lock, checks the backup's databases
// before touching anything, and replaces each database whole (its old WAL
// and shared-memory files removed, so nothing of the old one is replayed
// over the new).
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	withoutSession := fs.Bool("without-session", false, "restore the bot's data but not the WhatsApp session: keep the session already in the data directory, or link again at start")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot restore [-config FILE] [-without-session] DIR\n\nReplaces the bot's database and WhatsApp session with those in DIR (made by neighbourbot backup)\nand adds its photos. Stop the bot first: restore refuses while it runs.\n\n")
		fs.PrintDefaults()
	}
	dir, cfg, code := parseDirCommand(fs, args, cfgPath, stderr)
	if code >= 0 {
		return code
	}
	if _, err := os.Stat(filepath.Join(dir, backupManifest)); err != nil {
		fmt.Fprintf(stderr, "neighbourbot restore: %s is not a neighbourbot backup (no %s)\n", dir, backupManifest)
		return exitUsage
	}
	var present []string
	for _, name := range backupDatabases {
		if name == sessionDatabase && *withoutSession {
			continue
		}
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := sqlite.CheckIntegrity(ctx, path); err != nil {
			fmt.Fprintln(stderr, "neighbourbot restore: the backup is not usable:", err)
			return exitError
		}
		present = append(present, name)
	}
	if len(present) == 0 {
		fmt.Fprintf(stderr, "neighbourbot restore: %s holds no database\n", dir)
		return exitUsage
	}
	restrictNewFiles()
	if err := os.MkdirAll(cfg.Bot.DataDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "neighbourbot restore:", err)
		return exitError
	}
	lock, err := lockDataDir(cfg.dataPath("neighbourbot.lock"))
	if err != nil {
		var le *lockedError
		if errors.As(err, &le) {
			fmt.Fprintln(stderr, "neighbourbot restore: the bot is running on this data directory; stop it first (nothing was changed)")
			return exitLocked
		}
		fmt.Fprintln(stderr, "neighbourbot restore:", err)
		return exitError
	}
	defer lock.Release()
	for _, name := range present {
		if err := replaceFile(filepath.Join(dir, name), cfg.dataPath(name)); err != nil {
			fmt.Fprintln(stderr, "neighbourbot restore:", err)
			return exitError
		}
		fmt.Fprintf(stdout, "%s: restored\n", name)
		if name == sessionDatabase {
			warnStaleSession(stderr, dir)
		}
	}
	if *withoutSession {
		if _, err := os.Stat(cfg.dataPath(sessionDatabase)); err == nil {
			fmt.Fprintf(stdout, "%s: not restored; the session already here is kept\n", sessionDatabase)
		} else {
			fmt.Fprintf(stdout, "%s: not restored; the bot shows a linking code when it starts\n", sessionDatabase)
		}
	}
	// Photos go back private (0600, like everything restore writes): they
	// show residents' streets and sometimes their faces. A web server that
	// serves them at photo_url_base is given access again by its owner.
	n, err := copyTree(filepath.Join(dir, "photos"), cfg.dataPath("photos"), 0o600)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot restore: photos:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "photos: %d files restored\n", n)
	fmt.Fprintf(stdout, "restore complete into %s; start the bot again\n", cfg.Bot.DataDir)
	return exitOK
}

// parseDirCommand parses [-config FILE] DIR and loads the configuration;
// code is -1 to go on, else the exit code.
func parseDirCommand(fs *flag.FlagSet, args []string, cfgPath *string, stderr io.Writer) (string, Config, int) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return "", Config{}, exitOK
		}
		return "", Config{}, exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return "", Config{}, exitUsage
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return "", cfg, exitUsage
	}
	return fs.Arg(0), cfg, -1
}

// makeEmptyDir creates dir (0700) or accepts an existing empty one.
func makeEmptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty: back up into a new directory", dir)
	}
	return os.Chmod(dir, 0o700)
}

// replaceFile copies src over dst atomically (a temporary file renamed
// into place) and removes dst's old -wal and -shm files first.
func replaceFile(src, dst string) error {
	tmp := dst + ".restoring"
	if err := copyFile(src, tmp); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return err
		}
	}
	return os.Rename(tmp, dst)
}

// copyFile copies src to dst (created 0600, synced to disk).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, 0o600)
}

// copyTree copies the regular files of src (one level: photos are named by
// their hash; names starting with "." are uploads in progress) into dst,
// created 0700, with the given mode, and counts them. A missing src copies
// nothing. Files already in dst with the same name are the same photo and
// are kept.
func copyTree(src, dst string, mode os.FileMode) (int, error) {
	entries, err := os.ReadDir(src)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		target := filepath.Join(dst, e.Name())
		if _, err := os.Stat(target); err == nil {
			n++
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), target); err != nil {
			return n, err
		}
		if err := os.Chmod(target, mode); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

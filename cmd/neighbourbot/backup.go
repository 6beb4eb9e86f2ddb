package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/commands/potholes"
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
// every kept directory of files (photos, inbox media) into a new
// directory, every file 0600. The manifest records each table's rows and
// each directory's files, so restore can check what it puts back.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot backup [-config FILE] DIR\n\nCopies the bot's database, the WhatsApp session, the report photos and the inbox's media into DIR\n(new or empty), consistently, while the bot runs. Every file is private (0600). Restore with neighbourbot restore DIR.\n\n")
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
	var lines, checks []string
	for _, name := range backupDatabases {
		src := cfg.dataPath(name)
		if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stdout, "%s: not there (never linked?), skipped\n", name)
			continue
		}
		copyPath := filepath.Join(dir, name)
		if err := sqlite.BackupInto(ctx, src, copyPath); err != nil {
			fmt.Fprintln(stderr, "neighbourbot backup:", err)
			return exitError
		}
		rows, err := tableRows(ctx, copyPath)
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot backup:", err)
			return exitError
		}
		lines = append(lines, name)
		checks = append(checks, rowLines(name, rows)...)
		fmt.Fprintf(stdout, "%s: copied (%d tables, %d rows)\n", name, len(rows), sumRows(rows))
	}
	// The files copied after the database: a file the copy names was
	// written before its row committed, so it is there; one written since
	// is merely extra.
	for _, d := range keptDirs {
		n, err := copyTree(cfg.dataPath(d.name), filepath.Join(dir, d.name), 0o700, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "neighbourbot backup: %s: %v\n", d.name, err)
			return exitError
		}
		if n > 0 {
			lines = append(lines, fmt.Sprintf("%s/ (%d files)", d.name, n))
		}
		checks = append(checks, fmt.Sprintf("files %s %d", d.name, n))
		fmt.Fprintf(stdout, "%s: %d files copied\n", d.name, n)
	}
	// A file the copy names can be gone by now: its row was purged (and
	// the file removed) after the database was copied, or it was lost
	// before. The manifest says so, and restore accepts its absence.
	missing, err := missingFiles(ctx, dir)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot backup:", err)
		return exitError
	}
	for _, f := range missing {
		checks = append(checks, "lost "+f)
	}
	if len(missing) > 0 {
		fmt.Fprintf(stdout, "%d files the database names are not in the data directory (purged since, or lost): %s\n", len(missing), strings.Join(missing, ", "))
	}
	manifest := fmt.Sprintf("neighbourbot backup\nversion %s\ntaken %s\nfrom %s\n%s\n%s\n",
		currentBuild().Version, time.Now().UTC().Format(time.RFC3339), cfg.Bot.DataDir, strings.Join(lines, "\n"), strings.Join(checks, "\n"))
	if err := os.WriteFile(filepath.Join(dir, backupManifest), []byte(manifest), 0o600); err != nil {
		fmt.Fprintln(stderr, "neighbourbot backup:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "backup complete in %s\n", dir)
	return exitOK
}

// rowLines are the manifest's "rows DATABASE TABLE N" lines.
func rowLines(db string, rows map[string]int) []string {
	out := make([]string, 0, len(rows))
	for table, n := range rows {
		out = append(out, fmt.Sprintf("rows %s %s %d", db, table, n))
	}
	sort.Strings(out)
	return out
}

func sumRows(rows map[string]int) int {
	n := 0
	for _, r := range rows {
		n += r
	}
	return n
}

// manifest is what a backup's BACKUP.txt recorded for checking.
type manifest struct {
	rows  map[string]map[string]int // database → table → rows
	files map[string]int            // kept directory → files
	lost  map[string]bool           // "inbox/abc.jpg": named, but gone at the backup
}

// readManifest reads the checks of BACKUP.txt. A backup made before they
// were recorded has none: restore then checks integrity and files alone.
func readManifest(dir string) (manifest, error) {
	m := manifest{rows: map[string]map[string]int{}, files: map[string]int{}, lost: map[string]bool{}}
	b, err := os.ReadFile(filepath.Join(dir, backupManifest))
	if err != nil {
		return m, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 4 && f[0] == "rows":
			n, err := strconv.Atoi(f[3])
			if err != nil {
				return m, fmt.Errorf("%s: bad line %q", backupManifest, line)
			}
			if m.rows[f[1]] == nil {
				m.rows[f[1]] = map[string]int{}
			}
			m.rows[f[1]][f[2]] = n
		case len(f) == 3 && f[0] == "files":
			n, err := strconv.Atoi(f[2])
			if err != nil {
				return m, fmt.Errorf("%s: bad line %q", backupManifest, line)
			}
			m.files[f[1]] = n
		case len(f) == 2 && f[0] == "lost":
			m.lost[f[1]] = true
		}
	}
	return m, nil
}

// checkRows compares a database's tables with what the manifest recorded.
func checkRows(ctx context.Context, path, name string, m manifest) (map[string]int, error) {
	rows, err := tableRows(ctx, path)
	if err != nil {
		return nil, err
	}
	want, ok := m.rows[name]
	if !ok {
		return rows, nil
	}
	var bad []string
	for table, n := range want {
		if rows[table] != n {
			bad = append(bad, fmt.Sprintf("%s has %d rows, the backup recorded %d", table, rows[table], n))
		}
	}
	for table := range rows {
		if _, ok := want[table]; !ok {
			bad = append(bad, fmt.Sprintf("%s was not in the backup", table))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("%s does not match its backup: %s", name, strings.Join(bad, "; "))
	}
	return rows, nil
}

// missingFiles lists the files the neighbourbot.db in dir names that dir's
// kept directories lack, as "inbox/abc.jpg".
func missingFiles(ctx context.Context, dir string) ([]string, error) {
	listed, err := listedFiles(ctx, filepath.Join(dir, "neighbourbot.db"))
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, d := range keptDirs {
		for _, name := range listed[d.name] {
			if _, err := os.Stat(filepath.Join(dir, d.name, name)); err != nil {
				missing = append(missing, d.name+"/"+name)
			}
		}
	}
	return missing, nil
}

// runRestore puts a backup back into the data directory. It refuses while a
// bot holds the data directory's lock and checks the backup before
// touching anything — each database's integrity and rows against the
// manifest, a schema this binary can run, every file the database names —
// then replaces each database whole (its old WAL and shared-memory files
// removed, so nothing of the old one is replayed over the new), copies the
// files, checks the result the same way and says what it did.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	withoutSession := fs.Bool("without-session", false, "restore the bot's data but not the WhatsApp session: keep the session already in the data directory, or link again at start")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot restore [-config FILE] [-without-session] DIR\n\nReplaces the bot's database and WhatsApp session with those in DIR (made by neighbourbot backup)\nand adds its photos and inbox media, checking each. Stop the bot first: restore refuses while it runs.\n\n")
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
	m, err := readManifest(dir)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot restore:", err)
		return exitUsage
	}
	present, code := checkBackup(ctx, dir, m, *withoutSession, stderr)
	if code != exitOK {
		return code
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
	// Files go back private (0600, like everything restore writes): inbox
	// media is what residents sent the council. Photos follow the bot's
	// own rule (potholes.PhotoModes): private too, unless photo_url_base
	// says a web server publishes them.
	for _, d := range keptDirs {
		dirMode, fileMode := os.FileMode(0o700), os.FileMode(0o600)
		if d.name == "photos" {
			dirMode, fileMode = potholes.PhotoModes(cfg.Potholes)
		}
		n, err := copyTree(filepath.Join(dir, d.name), cfg.dataPath(d.name), dirMode, fileMode)
		if err != nil {
			fmt.Fprintf(stderr, "neighbourbot restore: %s: %v\n", d.name, err)
			return exitError
		}
		fmt.Fprintf(stdout, "%s: %d files restored\n", d.name, n)
	}
	if code := verifyRestore(ctx, cfg, present, m, stdout, stderr); code != exitOK {
		return code
	}
	fmt.Fprintf(stdout, "restore complete into %s; start the bot again\n", cfg.Bot.DataDir)
	return exitOK
}

// checkBackup checks the backup in dir before anything is changed and
// lists the databases to restore.
func checkBackup(ctx context.Context, dir string, m manifest, withoutSession bool, stderr io.Writer) ([]string, int) {
	var present []string
	for _, name := range backupDatabases {
		if name == sessionDatabase && withoutSession {
			continue
		}
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if _, recorded := m.rows[name]; recorded {
				fmt.Fprintf(stderr, "neighbourbot restore: the backup is not usable: %s is missing (nothing was changed)\n", name)
				return nil, exitError
			}
			continue
		}
		if err := sqlite.CheckIntegrity(ctx, path); err != nil {
			fmt.Fprintln(stderr, "neighbourbot restore: the backup is not usable:", err)
			return nil, exitError
		}
		present = append(present, name)
	}
	if !slices.Contains(present, "neighbourbot.db") {
		fmt.Fprintf(stderr, "neighbourbot restore: %s holds no database\n", dir)
		return nil, exitUsage
	}
	db, err := openReadOnly(filepath.Join(dir, "neighbourbot.db"))
	if err == nil {
		err = sqlite.CheckNotNewer(ctx, db, filepath.Join(dir, "neighbourbot.db"), allMigrations()...)
		db.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "neighbourbot restore: %v (nothing was changed)\n", err)
		return nil, storeExit(err)
	}
	for _, name := range present {
		if _, err := checkRows(ctx, filepath.Join(dir, name), name, m); err != nil {
			fmt.Fprintf(stderr, "neighbourbot restore: the backup is not usable: %v (nothing was changed)\n", err)
			return nil, exitError
		}
	}
	missing, err := missingFiles(ctx, dir)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot restore:", err)
		return nil, exitError
	}
	missing = slices.DeleteFunc(missing, func(f string) bool { return m.lost[f] })
	if len(missing) > 0 {
		if len(m.files) > 0 {
			fmt.Fprintf(stderr, "neighbourbot restore: the backup is not usable: the database names files it lacks: %s (nothing was changed)\n", strings.Join(missing, ", "))
			return nil, exitError
		}
		// A backup from before inbox media was kept: restore what there is.
		fmt.Fprintf(stderr, "neighbourbot restore: warning: this backup predates the backing up of every file; these named files are not in it and stay missing: %s\n", strings.Join(missing, ", "))
	}
	return present, exitOK
}

// verifyRestore checks the data directory after the restore as the
// backup was checked before, and says what it found.
func verifyRestore(ctx context.Context, cfg Config, present []string, m manifest, stdout, stderr io.Writer) int {
	for _, name := range present {
		path := cfg.dataPath(name)
		if err := sqlite.CheckIntegrity(ctx, path); err != nil {
			fmt.Fprintln(stderr, "neighbourbot restore: after the restore:", err)
			return exitError
		}
		rows, err := checkRows(ctx, path, name, m)
		if err != nil {
			fmt.Fprintln(stderr, "neighbourbot restore: after the restore:", err)
			return exitError
		}
		check := "integrity ok"
		if _, ok := m.rows[name]; ok {
			check += ", every table's rows as the backup recorded"
		}
		fmt.Fprintf(stdout, "%s: restored (%d tables, %d rows; %s)\n", name, len(rows), sumRows(rows), check)
	}
	listed, err := listedFiles(ctx, cfg.dataPath("neighbourbot.db"))
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot restore: after the restore:", err)
		return exitError
	}
	var counts, missing []string
	for _, d := range keptDirs {
		for _, name := range listed[d.name] {
			if _, err := os.Stat(cfg.dataPath(filepath.Join(d.name, name))); err != nil && !m.lost[d.name+"/"+name] {
				missing = append(missing, d.name+"/"+name)
			}
		}
		counts = append(counts, fmt.Sprintf("%d in %s", len(listed[d.name]), d.name))
	}
	if len(missing) > 0 && len(m.files) > 0 {
		fmt.Fprintf(stderr, "neighbourbot restore: after the restore the data directory lacks files the database names: %s\n", strings.Join(missing, ", "))
		return exitError
	}
	fmt.Fprintf(stdout, "files the database names: %s; %d missing\n", strings.Join(counts, ", "), len(missing))
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
	// A hub is told how it is backed up before anything else is checked:
	// these commands copy SQLite files.
	if postgres.IsURL(cfg.Bot.Database) {
		fmt.Fprint(stderr, hubBackupMessage(fs.Name(), cfg))
		return "", cfg, exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot:", err)
		return "", cfg, exitUsage
	}
	return fs.Arg(0), cfg, -1
}

// hubBackupMessage says how a hub is backed up or restored: with
// PostgreSQL's own pg_dump and pg_restore, which copy a consistent
// snapshot while the bot runs and know every table, the WhatsApp
// session's included; the files kept beside the database are copied as
// files. The URL is shown without its password.
func hubBackupMessage(cmd string, cfg Config) string {
	url := postgres.Redact(cfg.Bot.Database)
	if cmd == "restore" {
		return fmt.Sprintf(`neighbourbot restore: the bot's data and its WhatsApp session are in PostgreSQL (bot.database), which this command does not write.
Restore the hub with PostgreSQL's pg_restore, with every bot on the hub stopped:
  pg_restore --clean --if-exists --no-owner --single-transaction -d '%s' neighbourbot.dump
and put the photos and inbox folders back into %s. See docs/hub.md.
`, url, cfg.Bot.DataDir)
	}
	return fmt.Sprintf(`neighbourbot backup: the bot's data and its WhatsApp session are in PostgreSQL (bot.database), which this command does not copy.
Back the hub up with PostgreSQL's pg_dump (a consistent snapshot, while the bot runs):
  pg_dump --format=custom --file=neighbourbot.dump '%s'
and copy the photos and inbox folders of %s beside it (report photos and inbox media are files). See docs/hub.md.
`, url, cfg.Bot.DataDir)
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
// given dirMode, with files of fileMode, and counts them. A missing src
// copies nothing. Files already in dst with the same name are the same
// photo and are kept, given fileMode too.
func copyTree(src, dst string, dirMode, fileMode os.FileMode) (int, error) {
	entries, err := os.ReadDir(src)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dst, dirMode); err != nil {
		return 0, err
	}
	if err := os.Chmod(dst, dirMode); err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		target := filepath.Join(dst, e.Name())
		if _, err := os.Stat(target); err != nil {
			if err := copyFile(filepath.Join(src, e.Name()), target); err != nil {
				return n, err
			}
		}
		if err := os.Chmod(target, fileMode); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

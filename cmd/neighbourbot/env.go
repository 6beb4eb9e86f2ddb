package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
)

// Every setting of the configuration file can also come from the
// environment. The rule, derived from the structs' toml tags so a new
// setting needs no list to be kept:
//
//	NEIGHBOURBOT_ + the key's sections and name, upper case, joined by "_"
//	log.level             → NEIGHBOURBOT_LOG_LEVEL
//	notices.webhook.token → NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN
//
// For each setting the first of these that is set wins over the file:
//   - NEIGHBOURBOT_<SECTION>_<KEY>, the value itself;
//   - NEIGHBOURBOT_<SECTION>_<KEY>_FILE, a file holding it (Docker and
//     Kubernetes secrets), without its final line break;
//   - $CREDENTIALS_DIRECTORY/<section>_<key>, a systemd credential
//     (LoadCredential=notices_webhook_token:/etc/neighbourbot/token).
//
// Text, durations and times of day are taken as written; numbers and
// true/false as the file writes them; a list is comma-separated
// ("+447700900001,+447700900002") or written in TOML ("[…]"), and a table
// or a list of tables in TOML ("{ a = "b" }", "[{ … }]"). Values are
// checked as the file's are, and errors name the variable. A
// NEIGHBOURBOT_ variable that names no setting is an error — except under
// NEIGHBOURBOT_TEST_, which the bot never reads.

// envPrefix starts every variable the bot reads.
const envPrefix = "NEIGHBOURBOT_"

// envTestPrefix starts the variables only the project's tests and CI read
// (NEIGHBOURBOT_TEST_LOAD=1 runs the webhook load test). The bot ignores
// them, so one left exported in a shell or CI job that also starts the bot
// stops nothing; every test-only variable is named under it, and no
// setting may be (TestTestVariablesAreIgnored).
const envTestPrefix = envPrefix + "TEST_"

// envConfigFile names the configuration file when -config is not given.
const envConfigFile = envPrefix + "CONFIG"

// envAliases are the names earlier releases documented, kept working.
var envAliases = map[string]string{
	// The name PostgreSQL tools and hosting platforms use for a database.
	"NEIGHBOURBOT_DATABASE_URL":                "bot.database",
	"NEIGHBOURBOT_DATA_DIR":                    "bot.data_dir",
	"NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD":      "potholes.email.password",
	"NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD_FILE": "potholes.email.password_file",
}

// envSetting is one setting as the environment names it.
type envSetting struct {
	key string // "notices.webhook.token"
	env string // "NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN"
	typ reflect.Type
	// field, for a setting the file never holds, is where its value goes.
	field func(*Config) *string
}

// envOnly are settings the environment alone may give: the file never
// holds them.
var envOnly = []envSetting{{
	key:   "potholes.email.password",
	env:   "NEIGHBOURBOT_POTHOLES_EMAIL_PASSWORD",
	typ:   reflect.TypeFor[string](),
	field: func(c *Config) *string { return &c.Potholes.Email.Password },
}}

// envSettings lists every setting of Config, in the structs' order, then
// those of envOnly.
var envSettings = sync.OnceValue(func() []envSetting {
	var out []envSetting
	var walk func(t reflect.Type, prefix []string)
	walk = func(t reflect.Type, prefix []string) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if tag == "-" {
				continue
			}
			if tag == "" {
				tag = strings.ToLower(f.Name)
			}
			path := append(append([]string{}, prefix...), tag)
			if f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(textUnmarshaler) {
				walk(f.Type, path)
				continue
			}
			out = append(out, envSetting{
				key: strings.Join(path, "."),
				env: envPrefix + strings.ToUpper(strings.Join(path, "_")),
				typ: f.Type,
			})
		}
	}
	walk(reflect.TypeFor[Config](), nil)
	return append(out, envOnly...)
})

// secretKey tells settings whose value check-config never shows and
// whose being set it reports.
var secretKey = regexp.MustCompile(`(^|_)(token|secret|password|key)$`)

func isSecret(key string) bool { return secretKey.MatchString(key[strings.LastIndex(key, ".")+1:]) }

// settingSource is where a setting's value came from.
type settingSource struct {
	key  string
	from string // "config.toml line 3", "NEIGHBOURBOT_LOG_LEVEL", …
	env  string // the variable or credential, when the environment set it
}

// applyEnv applies the environment over cfg and returns what it set.
func applyEnv(cfg *Config) ([]settingSource, error) {
	settings := envSettings()
	byEnv := map[string]envSetting{}
	for _, s := range settings {
		byEnv[s.env] = s
	}
	if err := checkEnvNames(byEnv); err != nil {
		return nil, err
	}
	creds := os.Getenv("CREDENTIALS_DIRECTORY")
	var set []settingSource
	for _, s := range settings {
		names := []string{s.env}
		for alias, key := range envAliases {
			if key == s.key {
				names = append(names, alias)
			}
		}
		value, from, ok, err := lookupSetting(names, byEnv, creds)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := setFromEnv(cfg, s, value); err != nil {
			return nil, fmt.Errorf("%s: %w", from, err)
		}
		set = append(set, settingSource{key: s.key, from: from, env: from})
	}
	return set, nil
}

// lookupSetting finds a setting's value under its names: each name's
// variable, then its _FILE (unless that is itself a setting's name), then
// its systemd credential.
func lookupSetting(names []string, byEnv map[string]envSetting, creds string) (value, from string, ok bool, err error) {
	for _, name := range names {
		if v, set := os.LookupEnv(name); set && !(v == "" && name == "NEIGHBOURBOT_DATA_DIR") {
			return v, name, true, nil
		}
	}
	for _, name := range names {
		file := name + "_FILE"
		if _, isSetting := byEnv[file]; isSetting || envAliases[file] != "" {
			continue
		}
		if path, set := os.LookupEnv(file); set {
			v, err := readSecret(path)
			if err != nil {
				return "", "", false, fmt.Errorf("%s: %w", file, err)
			}
			return v, file, true, nil
		}
	}
	if creds == "" {
		return "", "", false, nil
	}
	for _, name := range names {
		cred := credentialName(name)
		v, err := readSecret(filepath.Join(creds, cred))
		switch {
		case err == nil:
			return v, "systemd credential " + cred, true, nil
		case !errors.Is(err, os.ErrNotExist):
			return "", "", false, fmt.Errorf("credential %s: %w", cred, err)
		}
	}
	return "", "", false, nil
}

// checkEnvNames refuses NEIGHBOURBOT_ variables that name no setting: a
// typing mistake would otherwise leave the file's value in force unseen.
func checkEnvNames(byEnv map[string]envSetting) error {
	known := map[string]bool{envConfigFile: true}
	for name := range byEnv {
		known[name] = true
		known[name+"_FILE"] = true
	}
	for name := range envAliases {
		known[name] = true
		known[name+"_FILE"] = true
	}
	var unknown []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envPrefix) && !strings.HasPrefix(name, envTestPrefix) && !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	msgs := make([]string, len(unknown))
	for i, name := range unknown {
		msgs[i] = fmt.Sprintf("%s names no setting", name)
		if near := closestName(name, known); near != "" {
			msgs[i] += fmt.Sprintf(" (did you mean %s?)", near)
		}
	}
	return fmt.Errorf("environment: %s; the rule is NEIGHBOURBOT_<SECTION>_<KEY>, as config.example.toml names the keys", strings.Join(msgs, "; "))
}

// closestName is the known name nearest to name by edit distance, when
// it is near enough to be the one meant.
func closestName(name string, known map[string]bool) string {
	best, bestD := "", -1
	for k := range known {
		if strings.HasSuffix(k, "_FILE") != strings.HasSuffix(name, "_FILE") {
			continue
		}
		d := editDistance(strings.TrimPrefix(name, envPrefix), strings.TrimPrefix(k, envPrefix))
		if bestD < 0 || d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if bestD < 0 || bestD > max(3, len(name)/3) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// setFromEnv decodes one variable's value into cfg through the same
// strict TOML decoder as the file, so types and values are checked alike.
func setFromEnv(cfg *Config, s envSetting, raw string) error {
	if s.field != nil {
		*s.field(cfg) = raw
		return nil
	}
	v, err := envValue(s.typ, raw)
	if err != nil {
		return err
	}
	doc := map[string]any{}
	parts := strings.Split(s.key, ".")
	m := doc
	for _, p := range parts[:len(parts)-1] {
		next := map[string]any{}
		m[p] = next
		m = next
	}
	m[parts[len(parts)-1]] = v
	data, err := toml.Marshal(doc)
	if err != nil {
		return err
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			return errors.New(plainDecodeError(de))
		}
		return fmt.Errorf("not a value for %s: %w", s.key, err)
	}
	return nil
}

// envValue turns a variable's text into the TOML value the setting takes.
func envValue(t reflect.Type, raw string) (any, error) {
	isText := reflect.PointerTo(t).Implements(textUnmarshaler)
	switch {
	case isText || t.Kind() == reflect.String:
		return raw, nil
	case t.Kind() == reflect.Bool:
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("expected true or false, not %q", raw)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("expected a whole number, not %q", raw)
		}
		return n, nil
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return nil, fmt.Errorf("expected a number, not %q", raw)
		}
		return f, nil
	}
	trimmed := strings.TrimSpace(raw)
	if strings.HasPrefix(trimmed, "[") || strings.HasPrefix(trimmed, "{") {
		var doc map[string]any
		if err := toml.Unmarshal([]byte("v = "+trimmed), &doc); err != nil {
			return nil, fmt.Errorf("not valid TOML: %s", plainTOML(err))
		}
		return doc["v"], nil
	}
	if t.Kind() == reflect.Slice {
		list := []any{}
		for _, part := range strings.Split(raw, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			v, err := envValue(t.Elem(), part)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	}
	return nil, fmt.Errorf("expected a table in TOML, e.g. { a = \"b\" }")
}

func plainTOML(err error) string {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		return plainDecodeError(de)
	}
	return err.Error()
}

// credentialName is the systemd credential for a variable:
// NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN is notices_webhook_token.
func credentialName(env string) string {
	return strings.ToLower(strings.TrimPrefix(env, envPrefix))
}

// readSecret reads a secret file, without its final line break.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// namingOverride says which variable set the value an error is about,
// when one did: "notices.webhook.token must be …" alone would send
// someone to a file that does not hold the value.
func namingOverride(err error, sources []settingSource) error {
	key := leadingKey.FindString(err.Error())
	if key == "" {
		return err
	}
	if m := indexPart.FindStringSubmatch(key); m != nil {
		key = m[1]
	}
	for _, s := range sources {
		if s.env != "" && (s.key == key || strings.HasPrefix(key, s.key+".") || strings.HasPrefix(key, s.key+"[")) {
			return fmt.Errorf("%w (the value comes from %s)", err, s.env)
		}
	}
	return err
}

// settingEmpty reports whether a setting holds its type's zero value ("" for
// a secret the file writes as empty).
func settingEmpty(cfg *Config, key string) bool {
	for _, s := range envOnly {
		if s.key == key {
			return *s.field(cfg) == ""
		}
	}
	v := reflect.ValueOf(cfg).Elem()
	for _, part := range strings.Split(key, ".") {
		found := false
		for i := range v.NumField() {
			tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("toml"), ",")
			if tag == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			return true
		}
	}
	return v.IsZero()
}

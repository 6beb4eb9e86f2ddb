package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"time"

	"neighbourbot/bot"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// page is what every template gets.
type page struct {
	Title   string
	Visitor *visitor
	// Nav is the section the page belongs to, for the navigation.
	Nav string
	// Message is a sentence for the message page; Notice a success banner;
	// Errors the error summary.
	Message string
	Notice  string
	Errors  []fieldError
	Data    any
}

// fieldError is one line of the GOV.UK error summary, linking to its field.
type fieldError struct {
	Field, Text string
}

var funcs = template.FuncMap{
	"whatsapp": whatsappHTML,
	"plural":   plural,
	"join":     strings.Join,
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
	"navItem": func(current, key, href, text string) map[string]any {
		return map[string]any{"Active": current == key, "Href": href, "Text": text}
	},
	"field": func(name, label, value string, errs []fieldError) map[string]string {
		f := map[string]string{"Name": name, "Label": label, "Value": value}
		for _, e := range errs {
			if e.Field == name {
				f["Err"] = e.Text
				break
			}
		}
		return f
	},
	// senders adds the choices to a "sender" field: the forms that write
	// a notice, a poll or a consultation share one sender field.
	"senders": func(f map[string]string, options []string) map[string]any {
		return map[string]any{"Label": f["Label"], "Value": f["Value"], "Err": f["Err"], "Options": options}
	},
	"list": func(s ...string) []string { return s },
	"errorFor": func(errs []fieldError, field string) string {
		for _, e := range errs {
			if e.Field == field {
				return e.Text
			}
		}
		return ""
	},
}

var pages = map[string]*template.Template{}

func init() {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
}

// render writes a page; a template error is logged and answered plainly.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if p.Visitor == nil {
		if v, ok := r.Context().Value(visitorKey{}).(visitor); ok {
			p.Visitor = &v
		}
	}
	var buf bytes.Buffer
	if err := pages[name].Execute(&buf, p); err != nil {
		s.deps.Log.Error("web: render", "page", name, "err", err)
		http.Error(w, "Sorry, this page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type visitorKey struct{}

// fail answers an internal error: the details go to the log, the page
// says what to do. A busy or full database is told apart: nothing was
// saved, and trying again is safe.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if msg, ok := bot.UserMessage(err); ok {
		s.render(w, r, http.StatusConflict, "message", page{Title: "Not done", Message: msg})
		return
	}
	s.deps.Log.Error("web: request failed", "path", r.URL.Path, "err", err)
	msg := "Sorry, something went wrong and nothing was changed. Try again in a minute; if it keeps happening, tell whoever runs the bot."
	status := http.StatusInternalServerError
	if isBusy(err) {
		msg = "The bot's database is busy or cannot save just now, so nothing was changed. Try again in a minute."
		status = http.StatusServiceUnavailable
	}
	s.render(w, r, status, "message", page{Title: "Not done", Message: msg})
}

func isBusy(err error) bool {
	var t interface{ Timeout() bool }
	if errors.As(err, &t) && t.Timeout() {
		return true
	}
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "database is locked") || strings.Contains(m, "busy") || strings.Contains(m, "disk is full") || strings.Contains(m, "readonly")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "message", page{Title: "Page not found", Message: "There is no page at this address."})
}

func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	s.deps.Log.Warn("web: cross-origin request refused", "path", r.URL.Path)
	s.render(w, r, http.StatusForbidden, "message", page{Title: "Not allowed", Message: "This form was sent from another website, so it was refused. Open the staff page itself and try again."})
}

// assetHandler serves the embedded GOV.UK Frontend files and the page's
// own, cached for a day.
func assetHandler() http.Handler {
	sub, _ := fs.Sub(assetFS, "assets")
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// whatsappHTML draws text as WhatsApp shows it: *bold*, _italic_,
// ~strike~ and ```monospace```, everything else as plain text, links not
// made clickable (a javascript: link is just words).
func whatsappHTML(text string) template.HTML {
	esc := template.HTMLEscapeString(text)
	for _, f := range waFormats {
		esc = f.re.ReplaceAllString(esc, f.repl)
	}
	return template.HTML(strings.ReplaceAll(esc, "\n", "<br>"))
}

var waFormats = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile("```([^`]+)```"), "<code>$1</code>"},
	{regexp.MustCompile(`(^|[\s(])\*([^*\n]+)\*`), "$1<strong>$2</strong>"},
	{regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`), "$1<em>$2</em>"},
	{regexp.MustCompile(`(^|[\s(])~([^~\n]+)~`), "$1<s>$2</s>"},
}

// when formats a time in the council's zone; "" for zero.
func (s *Server) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.deps.Loc).Format("Mon 2 Jan 2006, 15:04")
}

package potholes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"neighbourbot/commands/potholes/open311"
)

// ErrNoOpen311 is ListServices' answer when no Open311 endpoint is set.
var ErrNoOpen311 = errors.New("no Open311 endpoint configured ([potholes] base_url)")

// ListServices prints what the council's Open311 server offers — its
// services, the questions of those with metadata, and which configured
// category uses each — for "neighbourbot potholes services".
func ListServices(ctx context.Context, cfg Config, hc *http.Client, w io.Writer) error {
	if !cfg.councilConfigured() {
		return ErrNoOpen311
	}
	c := &http.Client{Timeout: cfg.RequestTimeout.D()}
	if hc != nil {
		cp := *hc
		cp.Timeout = cfg.RequestTimeout.D()
		c = &cp
	}
	client := &open311.Client{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, JurisdictionID: cfg.JurisdictionID, Format: cfg.Open311Format, HTTP: c}
	list, err := client.Services(ctx)
	if err != nil {
		return err
	}
	format := "JSON"
	if client.UsesXML() {
		format = "XML"
	}
	byCode := map[string][]string{}
	for _, cat := range cfg.Categories {
		if code := cfg.ServiceCodes[cat]; code != "" {
			byCode[code] = append(byCode[code], cat)
		}
	}
	fmt.Fprintf(w, "The council's Open311 services at %s (read in %s): %d\n", cfg.BaseURL, format, len(list))
	listed := map[string]bool{}
	for _, s := range list {
		listed[s.Code] = true
		line := "  " + s.Code + "  " + oneLine(s.Name)
		if s.Group != "" {
			line += " — " + oneLine(s.Group)
		}
		if cats := byCode[s.Code]; len(cats) > 0 {
			line += "   ← category " + strings.Join(cats, ", ")
			for _, cat := range cats {
				if cfg.methodFor(cat) != methodOpen311 {
					line += " (sent by " + cfg.methodFor(cat) + ")"
				}
			}
		}
		fmt.Fprintln(w, line)
		if !s.Metadata {
			continue
		}
		attrs, err := client.Definition(ctx, s.Code)
		if err != nil {
			fmt.Fprintf(w, "      (its questions could not be read: %v)\n", err)
			continue
		}
		for _, a := range attrs {
			if a.Variable {
				fmt.Fprintln(w, "      "+attributeLine(a))
			}
		}
	}
	var missing []string
	for code, cats := range byCode {
		if !listed[code] {
			missing = append(missing, fmt.Sprintf("  category %s: %q", strings.Join(cats, ", "), code))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		fmt.Fprintln(w, "Configured service codes the council does not list:")
		for _, m := range missing {
			fmt.Fprintln(w, m)
		}
	}
	return nil
}

// attributeLine describes one of a service's questions: its code, whether
// it must be answered, its type (and choices), and its wording.
func attributeLine(a open311.Attribute) string {
	need := "optional"
	if a.Required {
		need = "required"
	}
	kind := a.Datatype
	if !open311.KnownDatatype(a.Datatype) {
		kind += ", which the bot cannot ask"
	} else if len(a.Values) > 0 {
		names := make([]string, 0, len(a.Values))
		for _, v := range a.Values {
			names = append(names, v.Key+"="+oneLine(valueLabel(v)))
		}
		kind += ": " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s (%s, %s): %s", a.Code, need, kind, oneLine(a.Description))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

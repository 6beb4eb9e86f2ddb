package potholes

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// ExportOptions select and shape an export.
type ExportOptions struct {
	Format string     // "csv" or "geojson"
	Chat   bot.ChatID // "" for every group
	// Status filters: "" for all, "open" for every unresolved report,
	// "resolved" for finished ones, or one exact status ("fixed",
	// "action scheduled" / "action-scheduled").
	Status string
	// PhotoURLBase, when set, turns photo file names into links.
	PhotoURLBase string
}

// ParseStatusFilter reads --status.
func ParseStatusFilter(s string) (ReportFilter, error) {
	norm := strings.Join(strings.Fields(strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(s))), " ")
	switch norm {
	case "", "all":
		return ReportFilter{}, nil
	case "open", "unresolved":
		return ReportFilter{Unresolved: true}, nil
	case "resolved", "done", "finished":
		return ReportFilter{Resolved: true}, nil
	}
	if st, _, ok := parseStatus(strings.Fields(norm)); ok && st != StatusOpen {
		return ReportFilter{Status: st}, nil
	}
	if norm == "sent" {
		return ReportFilter{Status: StatusSent}, nil
	}
	names := make([]string, 0, len(allStatuses))
	for _, st := range allStatuses {
		names = append(names, strings.ReplaceAll(string(st), " ", "-"))
	}
	return ReportFilter{}, fmt.Errorf("unknown status %q: use open (every unresolved report), resolved, or one of %s", s, strings.Join(names, ", "))
}

// exportRow is one report as exported: the street's facts, never anyone's
// name or phone number.
type exportRow struct {
	Ref              string   `json:"ref"`
	Group            string   `json:"group"`
	GroupName        string   `json:"group_name"`
	Category         string   `json:"category"`
	Description      string   `json:"description"`
	Status           string   `json:"status"`
	DuplicateOf      string   `json:"duplicate_of,omitempty"`
	Confirmations    int      `json:"confirmations"`
	Photos           int      `json:"photos"`
	PhotoURL         string   `json:"photo_url,omitempty"`
	Created          string   `json:"created"`
	Updated          string   `json:"updated"`
	CouncilRequestID string   `json:"council_request_id,omitempty"`
	CouncilStatus    string   `json:"council_status,omitempty"`
	CouncilNotes     string   `json:"council_notes,omitempty"`
	CouncilExpected  string   `json:"council_expected,omitempty"`
	Lat              *float64 `json:"-"`
	Long             *float64 `json:"-"`
}

// Export writes reports from the bot's database as CSV (with a header) or
// GeoJSON (a FeatureCollection of points in [longitude, latitude] order;
// reports without a location have a null geometry).
func Export(ctx context.Context, st bot.Store, w io.Writer, opts ExportOptions) error {
	filter, err := ParseStatusFilter(opts.Status)
	if err != nil {
		return err
	}
	filter.Chat = opts.Chat
	reports, err := store{db: st.DB()}.reports(ctx, filter)
	if err != nil {
		return err
	}
	names := map[bot.ChatID]string{}
	rows := make([]exportRow, 0, len(reports))
	for _, r := range reports {
		name, ok := names[r.Chat]
		if !ok {
			gs, err := st.GroupSettings(ctx, r.Chat)
			if err != nil {
				return fmt.Errorf("group %s: %w", r.Chat, err)
			}
			name, names[r.Chat] = gs.Name, gs.Name
		}
		row := exportRow{
			Ref: r.Ref(), Group: string(r.Chat), GroupName: name, Category: r.Category, Description: r.Description,
			Status: string(r.Status), Confirmations: r.Confirmations, Photos: r.Photos,
			Created: r.Created.UTC().Format(time.RFC3339), Updated: r.Updated.UTC().Format(time.RFC3339),
			CouncilRequestID: r.ServiceRequestID, CouncilStatus: r.CouncilStatus, CouncilNotes: r.CouncilNotes, CouncilExpected: r.CouncilExpected,
		}
		if r.DuplicateOf != 0 {
			row.DuplicateOf = fmt.Sprintf("P%d", r.DuplicateOf)
		}
		if opts.PhotoURLBase != "" && r.FirstPhoto != "" {
			row.PhotoURL = strings.TrimRight(opts.PhotoURLBase, "/") + "/" + r.FirstPhoto
		}
		if r.HasLocation {
			lat, long := r.Lat, r.Long
			row.Lat, row.Long = &lat, &long
		}
		rows = append(rows, row)
	}
	switch strings.ToLower(opts.Format) {
	case "csv":
		return writeCSV(w, rows)
	case "geojson", "json":
		return writeGeoJSON(w, rows)
	}
	return fmt.Errorf("unknown format %q: use csv or geojson", opts.Format)
}

var csvHeader = []string{"ref", "group", "group_name", "category", "description", "status", "duplicate_of",
	"latitude", "longitude", "confirmations", "photos", "photo_url", "created", "updated",
	"council_request_id", "council_status", "council_notes", "council_expected"}

func writeCSV(w io.Writer, rows []exportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	coord := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 6, 64)
	}
	for _, r := range rows {
		rec := []string{r.Ref, r.Group, cell(r.GroupName), r.Category, cell(r.Description), r.Status, r.DuplicateOf,
			coord(r.Lat), coord(r.Long), strconv.Itoa(r.Confirmations), strconv.Itoa(r.Photos), r.PhotoURL, r.Created, r.Updated,
			cell(r.CouncilRequestID), cell(r.CouncilStatus), cell(r.CouncilNotes), cell(r.CouncilExpected)}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// cell defuses text a spreadsheet would run as a formula ("=HYPERLINK(…)"
// typed by a resident).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type geoJSONCollection struct {
	Type     string           `json:"type"`
	Features []geoJSONFeature `json:"features"`
}

type geoJSONFeature struct {
	Type       string        `json:"type"`
	ID         string        `json:"id"`
	Geometry   *geoJSONPoint `json:"geometry"`
	Properties exportRow     `json:"properties"`
}

type geoJSONPoint struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"` // [longitude, latitude], as RFC 7946 requires
}

func writeGeoJSON(w io.Writer, rows []exportRow) error {
	fc := geoJSONCollection{Type: "FeatureCollection", Features: make([]geoJSONFeature, 0, len(rows))}
	for _, r := range rows {
		f := geoJSONFeature{Type: "Feature", ID: r.Ref, Properties: r}
		if r.Lat != nil && r.Long != nil {
			f.Geometry = &geoJSONPoint{Type: "Point", Coordinates: [2]float64{*r.Long, *r.Lat}}
		}
		fc.Features = append(fc.Features, f)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(fc); err != nil {
		return fmt.Errorf("write geojson: %w", err)
	}
	return nil
}

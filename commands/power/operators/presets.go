package operators

import "sort"

// Preset is an operator's built-in feed: its portal and field mapping as
// far as they could be confirmed (see Confirmed and the data sources
// table in docs/configuration.md). Config overrides any part.
type Preset struct {
	Name     string
	Title    string
	Kind     string
	URL      string
	Resource string
	NeedsKey bool
	Mapping  Mapping
	// Confirmed says what the mapping rests on.
	Confirmed string
}

// Presets are the built-in operators, by name.
var Presets = map[string]Preset{
	"ukpn": {
		Name: "ukpn", Title: "UK Power Networks", Kind: KindOpendatasoft,
		URL: "https://ukpowernetworks.opendatasoft.com/api/explore/v2.1/catalog/datasets/ukpn-live-faults/records",
		Mapping: Mapping{Records: "results", Ref: "incidentreference", Postcodes: "postcodesaffected", Planned: "powercuttype",
			PlannedValues: []string{"planned"}, Restoration: "estimatedrestorationdate", Customers: "nocustomeraffected",
			Message: "mainmessage", Restored: "restoreddatetime", TimeZone: "UTC"},
		Confirmed: "dataset ukpn-live-faults and its field names as used since the first release; not re-checked against the live portal here",
	},
	"nged": {
		Name: "nged", Title: "National Grid Electricity Distribution", Kind: KindCKAN,
		URL:      "https://connecteddata.nationalgrid.co.uk/api/3/action/datastore_search",
		Resource: "292f788f-4339-455b-8cc0-153e14509d4d",
		Mapping: Mapping{Records: "result.records", Ref: "Incident ID", Postcodes: "Postcodes", Planned: "Planned",
			Restoration: "ETR", Start: "Start Time", Customers: "Confirmed Off+Predicted Off", Status: "Status",
			Message: "Category", ClosedStatuses: []string{"Restored", "Closed", "Cancelled"}, TimeZone: "Europe/London"},
		Confirmed: "CKAN datastore_search on connecteddata.nationalgrid.co.uk, resource 292f788f-…, field names from a public scraper's notes; time zone of ETR (no offset) assumed UK local",
	},
	"npg": {
		Name: "npg", Title: "Northern Powergrid", Kind: KindOpendatasoft, NeedsKey: true,
		URL: "https://northernpowergrid.opendatasoft.com/api/explore/v2.1/catalog/datasets/live-power-cuts-data/records",
		Mapping: Mapping{Records: "results", Ref: "reference", Postcodes: "postcode", Planned: "natureofoutage",
			PlannedValues: []string{"planned"}, Restoration: "estimatedtimetillresolution", Start: "loggedtime",
			Customers: "totalconfirmedpowercut+totalpredictedpowercut", Message: "reason", TimeZone: "UTC"},
		Confirmed: "dataset live-power-cuts-data and field names from a public scraper's notes; an API key is needed",
	},
	"spen": {
		Name: "spen", Title: "SP Energy Networks", Kind: KindOpendatasoft, NeedsKey: true,
		URL: "https://spenergynetworks.opendatasoft.com/api/explore/v2.1/catalog/datasets/distribution-network-live-outages/records",
		Mapping: Mapping{Records: "results", Ref: "fault_id", Postcodes: "postcode_sector", Planned: "planned",
			Restoration: "etr", Start: "planned_outage_start_date", Status: "status", TimeZone: "UTC"},
		Confirmed: "dataset distribution-network-live-outages and field names from a public scraper's notes; no customer count field was found; an API key is needed",
	},
	"ssen": {
		Name: "ssen", Title: "Scottish and Southern Electricity Networks", Kind: KindJSON,
		URL: "https://api.sse.com/powerdistribution/network/v3/api/faults",
		Mapping: Mapping{Records: "faults", Ref: "reference", Postcodes: "affectedAreas", Restoration: "estimatedRestorationTimeUtc",
			Start: "loggedAtUtc", Customers: "customerCount", Message: "message", TimeZone: "UTC"},
		Confirmed: "endpoint and {\"faults\": […]} shape from a public scraper's notes; no planned/unplanned field was found, so every SSEN incident counts as a fault",
	},
	"enwl": {
		Name: "enwl", Title: "Electricity North West", Kind: KindJSON,
		URL: "https://www.enwl.co.uk/api/power-outages/search?pageSize=100&pageNumber=1&includeCurrent=true&includeResolved=false&includeTodaysPlanned=true&includeFuturePlanned=true&includeCancelledPlanned=false",
		Mapping: Mapping{Records: "Items", Ref: "faultNumber", Postcodes: "AffectedPostcodes", Planned: "Type",
			PlannedValues: []string{"planned"}, Restoration: "estimatedTimeOfRestoration", Start: "date", Customers: "consumersOff",
			Status: "faultStatus", Message: "AdditionalFaultInfo", Restored: "actualTimeOfRestoration", TimeZone: "UTC"},
		Confirmed: "the website's own search endpoint and field names from a public scraper's notes; not a documented API (first page of 100 only)",
	},
	"nie": {
		Name: "nie", Title: "NIE Networks", Kind: KindOpendatasoft, NeedsKey: true,
		URL: "https://nienetworks.opendatasoft.com/api/explore/v2.1/catalog/datasets/nie-networks-network-faults/records",
		Mapping: Mapping{Records: "results", Ref: "outageid", Postcodes: "postcode", Planned: "outagetype",
			PlannedValues: []string{"planned"}, Restoration: "estrestorefulldatetime", Customers: "numcustaffected",
			Message: "statusmessage", TimeZone: "Europe/London"},
		Confirmed: "dataset nie-networks-network-faults and field names from a public scraper's notes; its times read like \"5:51 AM, 10 Nov\" and are not parsed (no estimate shown); an API key is needed",
	},
}

// PresetNames lists the built-in operators, sorted.
func PresetNames() []string {
	out := make([]string, 0, len(Presets))
	for n := range Presets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

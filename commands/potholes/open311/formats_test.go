package open311

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// specServer serves the specification's example answers: the fixture
// named by the resource and the format asked for (requests.xml →
// spec_create.xml for a POST). refuseJSON answers every .json request the
// way servers without JSON do.
type specServer struct {
	t          *testing.T
	refuseJSON func(w http.ResponseWriter)
	mu         sync.Mutex
	paths      []string
}

func (s *specServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	ext := "json"
	if strings.HasSuffix(r.URL.Path, ".xml") {
		ext = "xml"
	}
	if ext == "json" && s.refuseJSON != nil {
		s.refuseJSON(w)
		return
	}
	var name string
	switch p := strings.TrimSuffix(strings.TrimSuffix(r.URL.Path, ".json"), ".xml"); {
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/requests"):
		name = "spec_create"
	case strings.HasSuffix(p, "/requests"):
		name = "spec_requests"
	case strings.Contains(p, "/tokens/"):
		name = "spec_token"
	case strings.HasSuffix(p, "/services"):
		name = "spec_services"
	case strings.Contains(p, "/services/"):
		name = "spec_definition"
	default:
		http.NotFound(w, r)
		return
	}
	if ext == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	io.WriteString(w, fixture(s.t, name+"."+ext))
}

func (s *specServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

func newSpecServer(t *testing.T, refuse func(w http.ResponseWriter)) (*specServer, *httptest.Server) {
	s := &specServer{t: t, refuseJSON: refuse}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

// everything makes each call once and collects the answers.
type answers struct {
	Created  Created
	Token    string
	Requests []ServiceRequest
	Services []Service
	Attrs    []Attribute
}

func callAll(t *testing.T, c *Client) answers {
	t.Helper()
	ctx := context.Background()
	var a answers
	var err error
	if a.Created, err = c.Create(ctx, Request{ServiceCode: "001", Description: "x", HasLocation: true, Lat: 37.76524078, Long: -122.4212043}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if a.Token, err = c.Token(ctx, "12345"); err != nil {
		t.Fatalf("token: %v", err)
	}
	if a.Requests, err = c.Requests(ctx, "638344", "638349"); err != nil {
		t.Fatalf("requests: %v", err)
	}
	if a.Services, err = c.Services(ctx); err != nil {
		t.Fatalf("services: %v", err)
	}
	if a.Attrs, err = c.Definition(ctx, "DMV66"); err != nil {
		t.Fatalf("definition: %v", err)
	}
	return a
}

// The specification's own examples read the same in XML and in JSON.
func TestSpecExamplesBothFormats(t *testing.T) {
	want := answers{
		Created: Created{ServiceRequestID: "293944", ServiceNotice: "The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code"},
		Token:   "638344",
		Requests: []ServiceRequest{
			{ServiceRequestID: "638344", Status: "closed", StatusNotes: "Duplicate request.", RequestedAt: "2010-04-14T06:37:38-08:00", UpdatedAt: "2010-04-14T06:37:38-08:00", ExpectedAt: "2010-04-15T06:37:38-08:00"},
			{ServiceRequestID: "638349", Status: "open", RequestedAt: "2010-04-19T06:37:38-08:00", UpdatedAt: "2010-04-19T06:37:38-08:00", ExpectedAt: "2010-04-19T06:37:38-08:00"},
		},
		Services: []Service{
			{Code: "001", Name: "Cans left out 24x7", Description: "Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.", Metadata: true, Type: "realtime", Keywords: "lorem, ipsum, dolor", Group: "sanitation"},
			{Code: "002", Name: "Construction plate shifted", Description: "Metal construction plate covering the street or sidewalk has been moved.", Metadata: true, Type: "realtime", Keywords: "lorem, ipsum, dolor", Group: "street"},
			{Code: "003", Name: "Curb or curb ramp defect", Description: "Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb.", Metadata: true, Type: "realtime", Keywords: "lorem, ipsum, dolor", Group: "street"},
		},
		Attrs: []Attribute{{Variable: true, Code: "WHISHETN", Datatype: "singlevaluelist", Required: true, Order: 1,
			Description: "What is the ticket/tag/DL number?", Values: []Value{{Key: "123", Name: "Ford"}, {Key: "124", Name: "Chrysler"}}}},
	}
	for _, format := range []string{FormatJSON, FormatXML, FormatAuto} {
		t.Run(format, func(t *testing.T) {
			s, srv := newSpecServer(t, nil)
			c := &Client{BaseURL: srv.URL + "/dev/v2", APIKey: "xyz", Format: format, HTTP: srv.Client()}
			got := callAll(t, c)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			ext := ".json"
			if format == FormatXML {
				ext = ".xml"
			}
			for _, p := range s.seen() {
				if !strings.HasSuffix(p, ext) {
					t.Errorf("asked %s in format %s", p, format)
				}
			}
		})
	}
}

// In auto mode a server that refuses JSON is asked again in XML, and from
// then on only in XML; a JSON-only client reports the refusal.
func TestAutoFallsBackToXML(t *testing.T) {
	refusals := map[string]func(w http.ResponseWriter){
		"404 html": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<html><body>Not Found</body></html>")
		},
		"406 empty": func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotAcceptable) },
		"400 xml error": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code><description>format json is not supported</description></error></errors>`)
		},
	}
	for name, refuse := range refusals {
		t.Run(name, func(t *testing.T) {
			s, srv := newSpecServer(t, refuse)
			c := &Client{BaseURL: srv.URL, APIKey: "xyz", HTTP: srv.Client()}
			got := callAll(t, c)
			if got.Created.ServiceRequestID != "293944" || len(got.Services) != 3 || len(got.Attrs) != 1 {
				t.Errorf("answers = %+v", got)
			}
			if !c.UsesXML() {
				t.Error("client still asks in JSON")
			}
			// One refused JSON call, then XML throughout: five calls, six requests.
			seen := s.seen()
			if len(seen) != 6 || !strings.HasSuffix(seen[0], "requests.json") {
				t.Errorf("requests = %v", seen)
			}
			for _, p := range seen[1:] {
				if !strings.HasSuffix(p, ".xml") {
					t.Errorf("after the refusal asked %s", p)
				}
			}

			strict := &Client{BaseURL: srv.URL, APIKey: "xyz", Format: FormatJSON, HTTP: srv.Client()}
			if _, err := strict.Create(context.Background(), Request{ServiceCode: "001", Description: "x"}); err == nil {
				t.Error("json-only client: no error from a server refusing JSON")
			}
		})
	}
}

// A JSON error body is the server's real answer, not a refusal of JSON:
// no second try in XML.
func TestJSONErrorIsNotARefusal(t *testing.T) {
	srv, reqs, _ := serve(t, http.StatusNotFound, "application/json", `[{"code":404,"description":"service_code 999 not found"}]`)
	c := &Client{BaseURL: srv.URL, APIKey: "k", HTTP: srv.Client()}
	_, err := c.Create(context.Background(), Request{ServiceCode: "999", Description: "x"})
	if err == nil || !strings.Contains(err.(*Error).Summary(), "service_code 999 not found") {
		t.Fatalf("err = %v", err)
	}
	if len(*reqs) != 1 || c.UsesXML() {
		t.Errorf("requests = %d, xml = %v", len(*reqs), c.UsesXML())
	}
}

// The errors shape in both formats, whatever was asked for.
func TestErrorsBothFormats(t *testing.T) {
	for _, tt := range []struct{ name, ct, body, format string }{
		{"json", "application/json", "spec_error_403.json", FormatJSON},
		{"xml", "text/xml", "spec_error_403.xml", FormatXML},
		{"xml answered to json", "text/xml", "spec_error_403.xml", FormatJSON},
		{"xml error with 200", "text/xml", "spec_error_403.xml", FormatXML},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status := http.StatusForbidden
			if strings.Contains(tt.name, "200") {
				status = http.StatusOK
			}
			srv, _, _ := serve(t, status, tt.ct, fixture(t, tt.body))
			c := &Client{BaseURL: srv.URL, APIKey: "bad", Format: tt.format, HTTP: srv.Client()}
			_, err := c.Create(context.Background(), Request{ServiceCode: "001", Description: "x"})
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("err = %v", err)
			}
			if oe.Code != 403 || oe.Summary() != "the council's system said: Invalid api_key received -- can't proceed with create_request." || oe.Temporary {
				t.Errorf("error = %+v (summary %q)", oe, oe.Summary())
			}
		})
	}
}

// XML sent in answer to a JSON request is read as XML.
func TestXMLAnsweredToJSON(t *testing.T) {
	srv, reqs, _ := serve(t, http.StatusOK, "application/json", fixture(t, "spec_requests.xml"))
	c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
	got, err := c.Requests(context.Background(), "638344")
	if err != nil || len(got) != 2 || got[0].Status != "closed" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if p := (*reqs)[0].URL.Path; p != "/requests.json" {
		t.Errorf("path %s", p)
	}
}

func TestServicesOddAnswers(t *testing.T) {
	for _, tt := range []struct {
		name, ct, body string
		wantN          int
		wantErr        string
	}{
		{"empty json list", "application/json", "[]", 0, ""},
		{"empty xml list", "text/xml", `<?xml version="1.0" encoding="utf-8"?><services/>`, 0, ""},
		{"html", "text/html", "<!DOCTYPE html><html><body>Maintenance</body></html>", 0, "an answer I can't read"},
		{"json object", "application/json", `{"service_code":"001"}`, 0, "an answer I can't read"},
		{"broken xml", "text/xml", `<services><service><service_code>001`, 0, "an answer I can't read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, _ := serve(t, http.StatusOK, tt.ct, tt.body)
			c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
			got, err := c.Services(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !IsTemporary(err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || len(got) != tt.wantN {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestDefinitionOrderAndOddDatatypes(t *testing.T) {
	body := `{"service_code":"POT","attributes":[
	  {"variable":true,"code":"depth","datatype":"number","required":false,"order":3,"description":"How deep is it (cm)?"},
	  {"variable":"true","code":"where","datatype":"singlevaluelist","required":"true","order":"1","description":"Is it in the road or the pavement?",
	   "values":[{"key":"road","name":"Road"},{"key":"pavement","name":"Pavement"}]},
	  {"variable":false,"code":"info","datatype":"string","required":false,"order":2,"description":"Urgent? Call 101."},
	  {"variable":true,"code":"shape","datatype":"polygon","required":true,"order":4,"description":"Draw it"}
	]}`
	srv, _, _ := serve(t, http.StatusOK, "application/json", body)
	c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
	got, err := c.Definition(context.Background(), "POT")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, a := range got {
		codes = append(codes, a.Code)
	}
	if strings.Join(codes, ",") != "where,info,depth,shape" {
		t.Errorf("order = %v", codes)
	}
	if !got[0].Required || !got[0].Variable || len(got[0].Values) != 2 || got[1].Variable {
		t.Errorf("attrs = %+v", got)
	}
	if KnownDatatype(got[3].Datatype) || !KnownDatatype(got[0].Datatype) {
		t.Errorf("datatype check wrong for %q / %q", got[3].Datatype, got[0].Datatype)
	}
}

func TestAttributesInForm(t *testing.T) {
	c := &Client{APIKey: "k"}
	f := c.Form(Request{ServiceCode: "001", Description: "x", Attributes: map[string][]string{
		"WHISPAWN": {"123456"}, "WHISDORN": {"COISL001"}, "KINDS": {"a", "b"}, "EMPTY": nil,
	}})
	if f.Get("attribute[WHISPAWN]") != "123456" || f.Get("attribute[WHISDORN]") != "COISL001" {
		t.Errorf("form = %v", f)
	}
	if got := f["attribute[KINDS][]"]; len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("multivaluelist = %v", got)
	}
	if _, ok := f["attribute[EMPTY]"]; ok {
		t.Error("an unanswered attribute was sent")
	}
}

// A not-found page in both formats (an unknown token, say) says nothing
// about the format the server speaks: the client keeps asking in JSON.
func TestNotFoundInBothFormatsKeepsJSON(t *testing.T) {
	srv, reqs, _ := serve(t, http.StatusNotFound, "text/html", "<html><body>Not Found</body></html>")
	c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
	id, err := c.Token(context.Background(), "12345")
	if err != nil || id != "" {
		t.Fatalf("token = %q, %v", id, err)
	}
	if len(*reqs) != 2 || c.UsesXML() {
		t.Errorf("%d requests, xml = %v", len(*reqs), c.UsesXML())
	}
}

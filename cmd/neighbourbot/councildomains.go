package main

import (
	"net"
	"net/url"
	"sort"
	"strings"
)

// ukSecondLevel are the UK's second-level names under which councils and
// companies register ("shropshire.gov.uk", "acme.co.uk").
var ukSecondLevel = map[string]bool{
	"gov": true, "co": true, "org": true, "ac": true, "nhs": true, "police": true,
	"ltd": true, "plc": true, "net": true, "me": true, "sch": true, "mod": true,
}

// siteOf reduces a host to the site residents link to: "api.shropshire.gov.uk"
// is shropshire.gov.uk, "feeds.example.org" is example.org. IP addresses
// and single-label hosts (test servers, localhost) give "".
func siteOf(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	labels := strings.Split(host, ".")
	n := len(labels)
	switch {
	case n < 2:
		return ""
	case n >= 3 && labels[n-1] == "uk" && ukSecondLevel[labels[n-2]]:
		return strings.Join(labels[n-3:], ".")
	}
	return strings.Join(labels[n-2:], ".")
}

// siteOfURL is siteOf for a URL; "" when it has no usable host.
func siteOfURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return siteOf(u.Host)
}

// siteOfEmail is siteOf for an address's domain ("roads@shropshire.gov.uk").
func siteOfEmail(addr string) string {
	_, domain, ok := strings.Cut(strings.TrimSpace(addr), "@")
	if !ok {
		return ""
	}
	return siteOf(strings.Trim(domain, "> "))
}

// councilLinkDomains are the sites that `!links on` allows without any
// setting: gov.uk and the configured council's own — its notices feeds and
// CAP sources, its Open311 and FixMyStreet servers, the addresses it takes
// reports at. A group that locks links should not be warned about the
// council's own pages.
func councilLinkDomains(cfg Config) []string {
	set := map[string]bool{"gov.uk": true}
	add := func(site string) {
		if site != "" {
			set[site] = true
		}
	}
	for _, f := range cfg.Notices.Feeds {
		add(siteOfURL(f.URL))
	}
	for _, f := range cfg.Notices.Sources.CAP {
		add(siteOfURL(f.URL))
	}
	p := cfg.Potholes
	add(siteOfURL(p.BaseURL))
	add(siteOfEmail(p.LiaisonEmail))
	add(siteOfEmail(p.Email.To))
	for _, to := range p.Email.CategoryTo {
		add(siteOfEmail(to))
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

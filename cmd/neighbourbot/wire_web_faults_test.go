package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleServesStreetFaults: `console -web` with [potholes] staff: a
// fault filed with a pin and a photo in the simulated group is on /faults,
// its pin in the map's data and its photo served; staff set its state from
// the page and the group is told once.
func TestConsoleServesStreetFaults(t *testing.T) {
	c := startWebConsole(t, "[bot]\nowners = [\"Olive\"]\n\n[potholes]\nstaff = [\"Hana\"]\n",
		"@admin Alice\nAlice: !bot on\nBob [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\ndm Hana: !web\n", 1)
	hana := c.signIn(c.links[0])
	code, body := c.get(hana, "/faults")
	photo := regexp.MustCompile(`/faults/1/photos/[0-9a-f]{64}\.jpg`).FindString(body)
	if code != http.StatusOK || !strings.Contains(body, "P1 pothole") || !strings.Contains(body, "outside no. 12 Elm Road, deep") || photo == "" {
		t.Fatalf("/faults: %d\n%s", code, body)
	}
	if code, js := c.get(hana, "/faults/map.json"); code != http.StatusOK || !strings.Contains(js, `"lat":52.7069,"long":-2.754,"label":"P1 pothole (open)"`) {
		t.Errorf("map.json: %d %s", code, js)
	}
	if code, img := c.get(hana, photo); code != http.StatusOK || len(img) == 0 {
		t.Errorf("photo: %d, %d bytes", code, len(img))
	}
	resp, err := hana.PostForm(c.url("/faults/1/state"), url.Values{"state": {"in progress"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "P1 is now marked in progress.") {
		t.Errorf("set state: %d\n%s", resp.StatusCode, page)
	}
	if n := strings.Count(c.out.String(), "[street] bot: Council update on P1: in progress."); n != 1 {
		t.Errorf("the group was told %d times:\n%s", n, c.out.String())
	}
	c.stop()
}

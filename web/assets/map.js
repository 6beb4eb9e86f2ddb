// Draws the maps of a page from their data attributes (the
// Content-Security-Policy allows no inline script). Leaflet and
// Leaflet.markercluster are loaded before this by the page's "mapassets".
// A map is an enhancement: the page around it lists everything it shows,
// and with no tile server configured the pins are drawn on a plain
// background.
/* global L */

function tileLayer (el) {
  const tiles = el.dataset.mapTiles
  if (!tiles) {
    el.classList.add('nb-map--no-tiles')
    return null
  }
  // The credit is plain text from the configuration: escaped here, as
  // Leaflet writes attributions as HTML.
  const credit = document.createElement('span')
  credit.textContent = el.dataset.mapAttribution || ''
  return L.tileLayer(tiles, { maxZoom: 19, attribution: credit.innerHTML })
}

// marker is one pin: a keyboard-reachable image named by its label, whose
// popup links to the pin's page.
function marker (p) {
  const m = L.marker([p.lat, p.long], { title: p.label, alt: p.label, keyboard: true })
  const box = document.createElement('div')
  if (p.url) {
    const a = document.createElement('a')
    a.className = 'govuk-link'
    a.href = p.url
    a.textContent = p.label
    box.appendChild(a)
  } else {
    box.textContent = p.label
  }
  m.bindPopup(box)
  return m
}

function say (el, text) {
  const note = document.getElementById(el.id + '-note')
  if (note) {
    note.textContent = text
  }
}

function draw (el, points) {
  // No fading: a popup is readable (and checkable) the moment it opens.
  // maxZoom on the map itself: with no tile server there is no tile layer
  // to give one, and the cluster group refuses a map without it.
  const map = L.map(el, { scrollWheelZoom: false, fadeAnimation: false, maxZoom: 19 })
  const tiles = tileLayer(el)
  if (tiles) {
    tiles.addTo(map)
  }
  const group = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 })
  points.forEach(p => group.addLayer(marker(p)))
  map.addLayer(group)
  if (points.length === 1) {
    map.setView([points[0].lat, points[0].long], 16)
  } else {
    map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 17 })
  }
  el.classList.add('nb-map--drawn')
}

async function start (el) {
  el.parentElement.classList.add('nb-map-box--shown')
  if (el.dataset.mapLat !== undefined) {
    draw(el, [{ lat: Number(el.dataset.mapLat), long: Number(el.dataset.mapLong), label: el.dataset.mapLabel || '' }])
    return
  }
  try {
    const resp = await fetch(el.dataset.mapSrc, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    if (!resp.ok) {
      throw new Error('status ' + resp.status)
    }
    const data = await resp.json()
    const points = data.points || []
    if (points.length === 0) {
      say(el, 'None of these has a location pin, so there is nothing to draw.')
      return
    }
    draw(el, points)
    if (data.note) {
      say(el, data.note)
    }
  } catch (e) {
    say(el, 'The map could not be loaded; the list below has everything.')
  }
}

if (typeof L !== 'undefined' && L.markerClusterGroup) {
  document.querySelectorAll('.nb-map').forEach(start)
}

// Live updates for the inbox pages, kept out of the page (the
// Content-Security-Policy allows no inline script). The pages work the
// same without it: reload to see what changed.
//
// The page listens to /inbox/events (server-sent events). On a change it
// fetches itself again and swaps in the part marked data-live (the list,
// or a ticket's conversation), never the forms being typed in; the title
// counts the unread tickets, and a polite status line says what changed.

const live = document.querySelector('[data-live]')
const status = document.getElementById('live-status')

async function refresh () {
  const resp = await fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
  if (!resp.ok) {
    return
  }
  const doc = new DOMParser().parseFromString(await resp.text(), 'text/html')
  const fresh = doc.querySelector('[data-live]')
  const current = document.querySelector('[data-live]')
  if (!fresh || !current) {
    return
  }
  const before = current.querySelectorAll('.nb-entry, .nb-tickets tbody tr').length
  current.replaceWith(fresh)
  const seen = document.getElementById('seen')
  if (seen && fresh.dataset.latest) {
    seen.value = fresh.dataset.latest
  }
  // The page fetched carries the title with the unread count as it is
  // now (opening a ticket marks it read).
  document.title = doc.title
  const after = fresh.querySelectorAll('.nb-entry, .nb-tickets tbody tr').length
  if (status) {
    const time = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
    status.textContent = 'Updated at ' + time + (after > before ? ': ' + (after - before) + ' new.' : '.')
  }
}

function pickSaved () {
  const pick = document.querySelector('.nb-saved-pick')
  const box = document.getElementById('reply')
  if (!pick || !box) {
    return
  }
  pick.addEventListener('submit', e => {
    const opt = pick.querySelector('select').selectedOptions[0]
    if (!opt) {
      return
    }
    e.preventDefault()
    box.value = opt.dataset.text
    box.focus()
  })
}

if (live && window.EventSource) {
  const source = new EventSource('/inbox/events?v=' + encodeURIComponent(live.dataset.version))
  let busy = false
  source.addEventListener('change', () => {
    if (busy) {
      return
    }
    busy = true
    refresh().finally(() => { busy = false })
  })
}
pickSaved()

// Live results: a section marked data-live (a poll's results, a
// consultation's comments) is fetched again every data-live seconds and
// swapped in, so counts move without a reload. Without JavaScript the page
// says to reload; this only saves the click. The section a closed poll's
// page sends has no data-live, so the updates stop once it closes.
async function refresh() {
  const box = document.querySelector('[data-live]');
  if (!box) {
    return false;
  }
  const resp = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  if (!resp.ok) {
    return false;
  }
  const doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
  const fresh = doc.getElementById(box.id);
  if (!fresh) {
    return false;
  }
  box.replaceWith(document.importNode(fresh, true));
  return true;
}

// Tests call it rather than wait for the timer.
window.nbRefresh = refresh;

// A refresh counts as use of the session, so a page nobody has touched for
// 50 minutes stops refreshing and lets the session idle out as any other
// page would; a hidden tab does not refresh at all.
const idleLimit = 50 * 60 * 1000;
let lastUse = Date.now();
for (const ev of ['pointerdown', 'keydown', 'scroll']) {
  addEventListener(ev, () => { lastUse = Date.now(); }, { passive: true });
}

const first = document.querySelector('[data-live]');
if (first) {
  const seconds = Math.max(5, parseInt(first.dataset.live, 10) || 30);
  const timer = setInterval(() => {
    if (!document.querySelector('[data-live]') || Date.now() - lastUse > idleLimit) {
      clearInterval(timer);
      return;
    }
    if (!document.hidden) {
      refresh().catch(() => {});
    }
  }, seconds * 1000);
}

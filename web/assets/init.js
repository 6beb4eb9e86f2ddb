// Kept out of the page (the Content-Security-Policy allows no inline
// script): marks the body as able to run GOV.UK Frontend's components,
// which is what isSupported() then checks, and starts them. Every page
// works the same without it.
import { initAll, isSupported } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
if (isSupported()) {
  initAll()
} else {
  document.body.classList.remove('govuk-frontend-supported')
}

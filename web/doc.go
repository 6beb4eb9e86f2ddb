// Package web is the council staff's web page, served by the bot itself
// from its own database: sign in with WhatsApp (a one-time link sent by
// !web in a direct message, no passwords), approve notices seeing them as
// residents will, write notices with a preview of the resident's phone,
// follow each notice's delivery, search the audit and see the groups.
//
// It is plain net/http and html/template with GOV.UK Frontend's compiled
// stylesheet (vendored in assets/, see its licence there); every page
// works with JavaScript off. Everything the page does to notices goes
// through commands/notices, as the webhook and the chat commands do, so
// approval, two-person emergencies and election periods apply alike.
//
// Security: roles come from the configuration on every request; sign-in
// links and session cookies are random and stored only as hashes;
// cookies are HttpOnly and SameSite=Strict (Secure and __Host- under
// HTTPS); cross-origin form posts are refused (http.CrossOriginProtection);
// a Content-Security-Policy allows no inline script; bodies and time
// are bounded.
package web

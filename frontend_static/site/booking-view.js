// A booking as the citizen sees it after booking and on the manage page: code, QR code for
// the kiosk check-in, when and where, documents to bring, add-to-calendar (.ics via a Blob).

import { h, parseSvg } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { dayLong, formatFee, localDay, localTime, ltr } from './dates.js';
import { addressLine } from './picker.js';

/** Whether this browser can do Web Push (lib/push.js is loaded only then, and only on demand). */
export const canPush = () => 'serviceWorker' in navigator && 'PushManager' in window;

/**
 * The "notify me" offer for a booking or a ticket: an empty box now, filled once lib/push.js
 * has loaded (dynamic import: it is not part of a page's first load). Null where the browser
 * has no Web Push (and so never in the embed, which does not ask for it).
 */
export function pushBox(subject, { kind = 'booking', headingTag = 'h3' } = {}) {
  if (!canPush()) return null;
  const box = h('div', { class: 'push-box' });
  import('../lib/push.js')
    .then(({ pushOptIn }) => box.replaceChildren(pushOptIn(subject, { kind, headingTag })))
    .catch((err) => console.warn('push opt-in unavailable', err));
  return box;
}

export function whenText(start, end, timeZone) {
  return t('site.when', {
    date: dayLong(localDay(start, timeZone)),
    start: localTime(start, timeZone),
    end: localTime(end, timeZone),
  });
}

/** Description list of service, place, time, duration and fee. */
export function facts({ service, location, start, end, whenTestid = 'facts-when' }) {
  const tz = location.timezone;
  const rows = [
    start && ['site.facts.when', whenText(start, end, tz), whenTestid, start],
    ['site.facts.service', service.name],
    ['site.facts.location', [location.name, addressLine(location)].filter(Boolean).join(', ')],
    ['site.facts.duration', t('site.minutes', { count: service.durationMinutes })],
    ['site.facts.fee', service.fee ? formatFee(service.fee) : t('site.noFee')],
  ].filter(Boolean);
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([key, value, testid, start]) =>
      h('div', { class: 'fact-row' }, h('dt', { text: t(key) }), h('dd', { dataset: { testid, start }, text: value })),
    ),
  );
}

/** The documents to bring (always present, so "none" is said too). */
export function documentsBlock(service, headingTag = 'h3') {
  const docs = service.requiredDocuments || [];
  return h(
    'section',
    { class: 'documents', dataset: { testid: 'documents' }, 'aria-labelledby': 'documents-heading' },
    h(headingTag, { id: 'documents-heading', text: t('site.documents.heading') }),
    docs.length ? h('ul', {}, docs.map((d) => h('li', { text: d }))) : h('p', { text: t('site.documents.none') }),
  );
}

/** The QR code (server SVG, parsed without innerHTML) with a caption. */
export function qrBlock(booking) {
  const svg = booking.qrSvg ? parseSvg(booking.qrSvg) : null;
  const label = t('site.done.qrLabel', { code: booking.code });
  if (svg) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    svg.setAttribute('focusable', 'false');
    svg.classList.add('qr-svg');
  }
  return h(
    'figure',
    { class: 'qr', dataset: { testid: 'booking-qr' } },
    svg,
    h('figcaption', { class: 'hint', text: t('site.done.qrCaption') }),
  );
}

/** A button that downloads the booking's .ics (built from a Blob: no extra request). */
export function icsButton(booking) {
  return h('button', {
    type: 'button',
    class: 'btn',
    dataset: { testid: 'ics-download' },
    text: t('site.done.ics'),
    onclick: () => downloadIcs(booking),
  });
}

export function downloadIcs(booking) {
  const blob = new Blob([booking.ics], { type: 'text/calendar;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: `${t('site.done.icsFile')}-${booking.code}.ics`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 30000);
}

/** An organization's own web address, if it is one (http/https only: never javascript:). */
function webAddress(url) {
  return typeof url === 'string' && /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
}

/**
 * Links to the organization's privacy policy and imprint, when it has given them. They open
 * in a new tab (the booking form and its held slot stay), and say so to screen readers.
 */
export function privacyLinks(org) {
  const links = [
    ['privacy-policy-link', webAddress(org.privacyUrl), t('site.privacy.policyLink', { org: org.name })],
    ['imprint-link', webAddress(org.imprintUrl), t('site.privacy.imprintLink', { org: org.name })],
  ].filter(([, href]) => href);
  if (!links.length) return null;
  return h('ul', { class: 'privacy-links' }, links.map(([testid, href, text]) => h('li', {},
    h('a', { href, target: '_blank', rel: 'noopener', dataset: { testid } }, text, h('span', { class: 'sr-only', text: ` (${t('site.newWindow')})` })))));
}

/** The code, large and spaced for reading it out. */
export function codeBlock(code) {
  return h(
    'p',
    { class: 'booking-code-box' },
    h('span', { class: 'booking-code-label', text: t('site.done.codeLabel') }),
    h('span', { class: 'booking-code', dataset: { testid: 'booking-code' }, text: code }),
  );
}

/**
 * The confirmation after booking (the site, the embed, and a confirmed waitlist offer): what
 * was sent where, code, facts, QR code, documents, .ics, the manage link, and (outside the
 * embed) the push offer. Returns the step's body; the page supplies the heading.
 *
 * @param {{booking: object, manageUrl: string, manageToken?: string|null, newWindowLinks?: boolean,
 *          canPrint?: boolean, push?: boolean, onAnother?: (() => void)|null}} options
 */
export function confirmationView({ booking, manageUrl, manageToken = null, newWindowLinks = false, canPrint = false, push = false, onAnother = null }) {
  const tz = booking.location.timezone;
  // As backend/notifications/bookings.py sends it: the confirmation always by e-mail (it
  // carries the calendar file and the manage link), by SMS as well when that was chosen.
  // Where the deployment does not let citizens choose (ALLOW_CHANNEL_CHOICE off), the chosen
  // channel counts for nothing, so only the e-mail is promised.
  const chosen = booking.location.organization?.allowChannelChoice !== false ? booking.channel : null;
  const sentTo = [
    t('site.done.sentEmail', { email: ltr(booking.email) }),
    chosen === 'SMS' && booking.phone ? t('site.done.alsoSms', { phone: ltr(booking.phone) }) : null,
    chosen === 'NONE' ? t('site.done.noReminders') : null,
  ].filter(Boolean).join(' ');
  const link = h('a', {
    href: manageUrl,
    class: 'btn',
    dataset: { testid: 'manage-link' },
    target: newWindowLinks ? '_blank' : null,
    rel: newWindowLinks ? 'noopener' : null,
  }, t('site.done.manage'), newWindowLinks ? h('span', { class: 'sr-only', text: ` (${t('site.newWindow')})` }) : null);
  const deadline = t('site.dateTime', { date: dayLong(localDay(booking.changeDeadline, tz)), time: localTime(booking.changeDeadline, tz) });
  return [
    h('p', { class: 'banner banner-success', role: 'status', dataset: { testid: 'sent-to' }, text: sentTo }),
    h('div', { class: 'done-grid' },
      h('div', { class: 'done-main' },
        codeBlock(booking.code),
        facts({ service: booking.service, location: booking.location, start: booking.start, end: booking.end })),
      qrBlock(booking)),
    documentsBlock(booking.service),
    h('section', { class: 'done-actions', 'aria-labelledby': 'next-heading' },
      h('h3', { id: 'next-heading', text: t('site.done.next') }),
      h('div', { class: 'button-row' }, icsButton(booking), link,
        canPrint ? h('button', { type: 'button', class: 'btn', dataset: { testid: 'print' }, text: t('site.done.print'), onclick: () => window.print() }) : null),
      h('p', { class: 'hint', text: t('site.done.changeUntil', { deadline }) }),
      h('p', { class: 'hint', text: t('site.done.keepLink') })),
    push && manageToken ? pushBox({ bookingCode: booking.code, bookingToken: manageToken }) : null,
    onAnother ? h('button', { type: 'button', class: 'btn btn-quiet', dataset: { testid: 'book-another' }, text: t('site.done.another'), onclick: onAnother }) : null,
  ];
}

// The waitlist page: /waitlist/<entry id>#<token> — the link in the offer e-mail/SMS and the
// one shown after joining. The token lives in the URL fragment only (never sent in a URL or a
// Referer); it travels in GraphQL request bodies. The e-mail sent on joining links to
// #<token>.<confirmation>: the page confirms the address (confirmWaitlistEmail, double opt-in)
// and drops the confirmation part from the address bar.
//   - pending: the address is not confirmed yet, what to do;
//   - an open offer: the offered service, place, day and time, a countdown to offerExpiresAt
//     and one big "Confirm this appointment" button (confirmWaitlistOffer) -> the same
//     confirmation as after booking (booking-view.js), with the push offer;
//   - waiting: what the citizen waits for;
//   - the offer expired / was missed, already booked, or the entry left: said plainly;
//   - "leave the waitlist" (leaveWaitlist) with a confirmation dialog.

import { $, h, replaceChildren, setFieldError, focusElement, announce } from '../lib/dom.js';
import { storage } from '../lib/storage.js';
import { t, language, onLanguageChange, formatTime, revealPage } from '../lib/i18n.js';
import { readHashToken } from '../lib/params.js';
import { errorMessage } from '../lib/ui.js';
import { createApi } from './api.js';
import { setUpChrome, siteParams } from './chrome.js';
import { facts, documentsBlock, confirmationView } from './booking-view.js';
import { dayLong } from './dates.js';

const params = siteParams();
const api = createApi();
// The entry's token, and the confirmation secret the e-mail sent on joining adds after a '.'.
const [token, confirmation] = (readHashToken() || '').split('.', 2).map((part) => part || null);
const entryId = (() => {
  const m = /\/waitlist\/([0-9a-fA-F-]{36})\/?$/.exec(window.location.pathname);
  return m ? m[1].toLowerCase() : null;
})();
const WARN_AT = [300, 60]; // seconds before the offer runs out: announced once each

const els = {
  root: $('#waitlist'),
  announcer: $('#announcer'),
  dialog: $('#leave-dialog'),
  dialogText: $('#leave-text'),
  dialogError: $('#leave-error'),
  dialogConfirm: $('#leave-confirm'),
  dialogKeep: $('#leave-keep'),
};

const state = {
  entry: null,
  service: null,
  location: null, // the offered place, else the entry's place (null: any location)
  problem: null, // catalog key when the entry cannot be shown
  notice: null, // () => string
  error: null, // () => string
  result: null, // { booking, manageToken } after confirming here
  busy: false,
};
let timer = null;
let warned = new Set();

// ------------------------------------------------------------------ what the entry says

const secondsLeft = (e) => Math.max(0, Math.round((Date.parse(e.offerExpiresAt) - Date.now()) / 1000));
const offerOpen = (e) => e.status === 'offered' && e.offerStart && e.offerExpiresAt && secondsLeft(e) > 0;
/** The state the page shows: the server's status, with an offer whose time ran out as 'expired'. */
function shownStatus(e) {
  if (e.status === 'offered' && !offerOpen(e)) return 'expired';
  return e.status;
}

function clock(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = String(seconds % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}

function bookAgainHref() {
  const q = new URLSearchParams({ lang: language() });
  if (state.service?.slug) q.set('service', state.service.slug);
  if (state.location?.slug) q.set('location', state.location.slug);
  return `/?${q}`;
}

// ------------------------------------------------------------------ rendering

function render({ focus = null } = {}) {
  els.root.removeAttribute('aria-busy');
  stopTimer();
  if (state.problem) {
    replaceChildren(els.root, h('p', { class: 'banner banner-error', role: 'alert', dataset: { testid: 'error' }, text: t(state.problem) }));
    return;
  }
  const e = state.entry;
  const status = state.result ? 'booked' : shownStatus(e);
  const serviceName = state.service?.name || t('waitlist.page.unknownService');
  document.title = `${t('waitlist.page.title')} – ${serviceName}`;
  $('#org-name').textContent = state.location?.name || t('site.appName');

  const error = h('p', { class: 'banner banner-error', id: 'waitlist-error', role: 'alert', hidden: true });
  if (state.error) setFieldError(null, error, state.error, { testid: 'error' });
  const notice = state.notice ? h('p', { class: 'banner banner-success', role: 'status', dataset: { testid: 'waitlist-notice' }, text: state.notice() }) : null;

  const card = h(
    'section',
    { class: 'manage-card waitlist-card', 'aria-labelledby': 'waitlist-heading', dataset: { status } },
    h('h2', { id: 'waitlist-heading', tabindex: '-1', text: t(`waitlist.page.headings.${status}`) }),
    h('p', { class: 'manage-status-line' }, `${t('waitlist.page.statusLabel')}: `,
      h('span', { class: 'status-badge', dataset: { testid: 'waitlist-status', status }, text: t(`waitlist.status.${status}`) })),
    notice,
    error,
    ...body(status),
  );
  replaceChildren(els.root, card);
  if (status === 'offered') startTimer();
  if (focus === 'heading') focusElement($('#waitlist-heading'));
  else if (focus === 'error') focusElement(error.hidden ? $('#waitlist-heading') : error);
}

function body(status) {
  if (state.result) return confirmed();
  if (status === 'offered') return offer();
  if (status === 'waiting') return waiting();
  if (status === 'pending') return pending();
  const again = h('a', { class: 'btn btn-primary', href: bookAgainHref(), dataset: { testid: 'book-again' }, text: t('waitlist.page.bookAgain') });
  if (status === 'expired' || status === 'missed') {
    return [h('div', { class: 'banner banner-info', role: 'note', dataset: { testid: 'offer-expired' } },
      h('p', { text: t('waitlist.page.expired') }), h('p', { text: t('waitlist.page.expiredNext') })), h('div', { class: 'button-row' }, again)];
  }
  if (status === 'booked') return [h('p', { class: 'banner banner-info', text: t('waitlist.page.booked') })];
  return [h('p', { class: 'banner banner-info', dataset: { testid: 'waitlist-left' }, text: t('waitlist.page.left') }), h('div', { class: 'button-row' }, again)];
}

function offer() {
  const e = state.entry;
  const service = state.service;
  const location = state.location;
  const end = service ? new Date(Date.parse(e.offerStart) + service.durationMinutes * 60000).toISOString() : e.offerStart;
  const tz = location?.timezone;
  const until = formatTime(e.offerExpiresAt, tz);
  const countdown = h(
    'p',
    { class: 'countdown offer-countdown', dataset: { testid: 'offer-countdown', seconds: String(secondsLeft(e)), expiresAt: e.offerExpiresAt }, role: 'timer', 'aria-live': 'off', 'aria-atomic': 'true' },
    h('span', { text: `${t('waitlist.offered.heldFor')} ` }),
    h('strong', { class: 'countdown-time', text: clock(secondsLeft(e)) }),
    h('span', { class: 'countdown-unit', text: secondsLeft(e) < 3600 ? ` ${t('site.hold.unit')}` : '' }),
    h('span', { class: 'countdown-until', text: ` ${t('waitlist.offered.until', { time: until })}` }),
  );
  const confirmButton = h('button', { type: 'button', class: 'btn btn-primary btn-confirm btn-big', dataset: { testid: 'offer-confirm' }, text: t('waitlist.offered.confirm'), onclick: () => confirmOffer(confirmButton) });
  return [
    countdown,
    h('p', { class: 'hint', text: t('waitlist.offered.hint') }),
    h('section', { class: 'summary', 'aria-labelledby': 'offer-heading', dataset: { testid: 'offer-details', start: e.offerStart } },
      h('h3', { id: 'offer-heading', text: t('waitlist.offered.details') }),
      service && location ? facts({ service, location, start: e.offerStart, end, whenTestid: 'offer-when' }) : null),
    service ? documentsBlock(service) : null,
    h('div', { class: 'button-row offer-actions' }, confirmButton),
    leaveSection('waitlist.leave.offerHint'),
  ];
}

function waiting() {
  return [
    entryFacts(),
    h('p', { class: 'waitlist-explain', text: t('waitlist.page.waiting') }),
    leaveSection('waitlist.leave.waitingHint'),
  ];
}

function entryFacts() {
  const e = state.entry;
  return h('dl', { class: 'facts' },
      h('div', { class: 'fact-row' }, h('dt', { text: t('site.facts.service') }), h('dd', { text: state.service?.name || t('waitlist.page.unknownService') })),
      h('div', { class: 'fact-row' }, h('dt', { text: t('site.facts.location') }), h('dd', { text: state.location?.name || t('waitlist.form.anyLocation') })),
      h('div', { class: 'fact-row' }, h('dt', { text: t('waitlist.period') }), h('dd', { text: t('waitlist.range', { first: dayLong(e.firstDay), last: dayLong(e.lastDay) }) })));
}

function pending() {
  return [
    entryFacts(),
    h('p', { class: 'waitlist-explain', dataset: { testid: 'waitlist-pending' }, text: t('waitlist.page.pending') }),
    leaveSection('waitlist.leave.waitingHint'),
  ];
}

function leaveSection(hintKey) {
  return h('section', { class: 'manage-section', 'aria-labelledby': 'leave-heading' },
    h('h3', { id: 'leave-heading', text: t('waitlist.leave.heading') }),
    h('p', { class: 'hint', text: t(hintKey) }),
    h('button', { type: 'button', class: 'btn btn-danger', dataset: { testid: 'waitlist-leave' }, text: t('waitlist.leave.button'), onclick: openLeave }));
}

function confirmed() {
  const { booking, manageToken } = state.result;
  const manageUrl = `${window.location.origin}/manage/${encodeURIComponent(booking.code)}#${manageToken}`;
  return confirmationView({ booking, manageUrl, manageToken, canPrint: true, push: true });
}

// ------------------------------------------------------------------ the countdown

function startTimer() {
  tick();
  timer = window.setInterval(tick, 1000);
}

function stopTimer() {
  if (timer) window.clearInterval(timer);
  timer = null;
}

function tick() {
  const e = state.entry;
  if (!e || e.status !== 'offered' || state.result) return stopTimer();
  const left = secondsLeft(e);
  const el = els.root.querySelector('[data-testid="offer-countdown"]');
  if (el) {
    el.querySelector('.countdown-time').textContent = clock(left);
    el.querySelector('.countdown-unit').textContent = left < 3600 ? ` ${t('site.hold.unit')}` : '';
    el.dataset.seconds = String(left);
    el.classList.toggle('is-urgent', left <= 60);
  }
  for (const mark of WARN_AT) {
    if (left <= mark && left > 0 && !warned.has(mark)) {
      warned.add(mark);
      announce(els.announcer, t('waitlist.offered.warning', { count: Math.max(1, Math.round(left / 60)) }));
    }
  }
  if (left <= 0) {
    stopTimer();
    const focusWasInside = els.root.contains(document.activeElement);
    render({ focus: focusWasInside ? 'heading' : null });
    announce(els.announcer, t('waitlist.page.expired'));
  }
}

// ------------------------------------------------------------------ confirm

async function confirmOffer(button) {
  if (state.busy) return;
  state.busy = true;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const payload = await api.confirmOffer(entryId, token);
    if (payload.errors.length) {
      const code = payload.errors[0].code;
      await reload().catch(() => {});
      state.error = () => errorMessage(code, 'waitlist');
      render({ focus: 'error' });
      return;
    }
    state.result = { booking: payload.booking, manageToken: payload.manageToken };
    state.entry = { ...state.entry, status: 'booked' };
    state.error = null;
    state.notice = null;
    render({ focus: 'heading' });
    announce(els.announcer, t('site.done.heading'));
  } catch (err) {
    showError(() => errorMessage(err.code, 'waitlist'));
  } finally {
    state.busy = false;
    if (button.isConnected) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

function showError(message) {
  state.error = message;
  const el = $('#waitlist-error');
  if (el) {
    setFieldError(null, el, message, { testid: 'error' });
    focusElement(el);
  }
}

// ------------------------------------------------------------------ leave

function openLeave() {
  setFieldError(null, els.dialogError, null);
  els.dialogText.textContent = t(offerOpen(state.entry) ? 'waitlist.leave.textOffer' : 'waitlist.leave.text');
  els.dialog.showModal();
  els.dialogKeep.focus();
}

function setUpLeave() {
  els.dialogKeep.addEventListener('click', () => els.dialog.close());
  els.dialog.addEventListener('close', () => {
    const button = $('[data-testid="waitlist-leave"]');
    if (button) button.focus();
  });
  els.dialogConfirm.addEventListener('click', async () => {
    if (state.busy) return;
    state.busy = true;
    els.dialogConfirm.disabled = true;
    try {
      const payload = await api.leaveWaitlist(entryId, token);
      if (payload.errors.length) {
        setFieldError(null, els.dialogError, () => errorMessage(payload.errors[0].code, 'waitlist'), { testid: 'leave-error' });
        return;
      }
      state.entry = payload.entry || { ...state.entry, status: 'left' };
      state.error = null;
      state.notice = () => t('waitlist.leave.done');
      els.dialog.close();
      render({ focus: 'heading' });
      announce(els.announcer, t('waitlist.leave.done'));
    } catch (err) {
      setFieldError(null, els.dialogError, () => errorMessage(err.code, 'waitlist'), { testid: 'leave-error' });
    } finally {
      state.busy = false;
      els.dialogConfirm.disabled = false;
    }
  });
}

// ------------------------------------------------------------------ the e-mail confirmation

async function confirmEmail() {
  // Reloading or sharing the page afterwards needs only the entry's own link.
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#${token}`);
  const payload = await api.confirmWaitlistEmail(entryId, token, confirmation);
  if (payload.errors.length) {
    const code = payload.errors[0].code;
    state.error = () => errorMessage(code, 'waitlist');
  } else {
    state.notice = () => t('waitlist.page.confirmed');
  }
}

// ------------------------------------------------------------------ loading

async function loadNames() {
  const e = state.entry;
  const place = e.offerLocation || e.location;
  try {
    const { service, location } = await api.place(e.service, place);
    state.service = service;
    state.location = location;
  } catch {
    /* names stay as they were (or generic) */
  }
}

async function reload() {
  const entry = await api.waitlistEntry(entryId, token);
  if (!entry) {
    state.problem = 'waitlist.page.notFound';
    return null;
  }
  const before = state.entry;
  state.entry = entry;
  if (!before || before.offerLocation !== entry.offerLocation || before.service !== entry.service) await loadNames();
  return entry;
}

async function main() {
  await setUpChrome({
    params,
    store: storage,
    defaultTheme: window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light',
    langSwitch: $('#lang-switch'),
    contrastToggle: $('#contrast-toggle'),
    largeTextToggle: $('#large-text-toggle'),
  });
  setUpLeave();
  if (!entryId || !token) {
    state.problem = 'waitlist.page.notFound';
    render();
    return;
  }
  try {
    if (confirmation) await confirmEmail();
    await reload();
  } catch (err) {
    replaceChildren(els.root, h('p', { class: 'banner banner-error', role: 'alert', dataset: { testid: 'error' }, text: errorMessage(err.code, 'waitlist') }));
    els.root.removeAttribute('aria-busy');
    return;
  }
  onLanguageChange(async () => {
    if (state.entry) await loadNames();
    if (state.result) {
      try {
        const booking = await api.booking(state.result.booking.code, state.result.manageToken);
        if (booking) state.result.booking = booking;
      } catch {
        /* keep the names in the previous language */
      }
    }
    render();
  });
  // The page may stay open for a while: coming back to it shows what is true now.
  document.addEventListener('visibilitychange', async () => {
    if (document.visibilityState !== 'visible' || !state.entry || state.result || state.busy || els.dialog.open) return;
    try {
      const before = state.entry.status;
      await reload();
      if (state.entry.status !== before) render();
    } catch {
      /* keep what is shown */
    }
  });
  warned = new Set();
  render();
}

// A different link pasted into the same tab only changes the fragment: load that entry.
window.addEventListener('hashchange', () => window.location.reload());

main().catch((err) => {
  console.error(err);
  revealPage();
  els.root.removeAttribute('aria-busy');
  $('#load-failed').hidden = false;
});

// The citizen's manage page: /manage/<code>#<token>
// The token lives in the URL fragment (never sent to the server in a URL or a Referer); it
// travels only in GraphQL request bodies. See the booking, cancel it, or move it to another
// slot (chosen the same way as when booking) until its change deadline.

import { $, h, replaceChildren, setFieldError, focusElement, announce } from '../lib/dom.js';
import { storage } from '../lib/storage.js';
import { t, language, setLanguage, onLanguageChange, isLanguage, revealPage, gqlLanguage } from '../lib/i18n.js';
import { readHashToken } from '../lib/params.js';
import { errorMessage } from '../lib/ui.js';
import { createApi } from './api.js';
import { setUpChrome, siteParams } from './chrome.js';
import { DayChooser } from './calendar.js';
import { Availability, timeList } from './picker.js';
import { facts, documentsBlock, qrBlock, icsButton, codeBlock, whenText, pushBox, canPush } from './booking-view.js';
import { dayLong, localDay, localTime } from './dates.js';

const params = siteParams();
const api = createApi();
// Opened from a push notification, the URL has no fragment: the token this device kept when
// the citizen opted in (lib/push.js) stands in.
let token = readHashToken();
const code = (() => {
  const m = /\/manage\/([^/]+)\/?$/.exec(window.location.pathname);
  try {
    return m ? decodeURIComponent(m[1]) : null;
  } catch {
    return null;
  }
})();

const els = {
  root: $('#manage'),
  announcer: $('#announcer'),
  dialog: $('#cancel-dialog'),
  dialogError: $('#cancel-error'),
  dialogConfirm: $('#cancel-confirm'),
  dialogKeep: $('#cancel-keep'),
};

const state = {
  booking: null,
  problem: null, // catalog key when the booking cannot be shown
  notice: null, // () => string, success message
  error: null, // () => string
  mode: 'view', // view | day | time | confirm
  availability: null,
  date: null,
  slot: null,
  busy: false,
};

const changeable = (b) => b.status === 'CONFIRMED' && Date.now() <= Date.parse(b.changeDeadline);
const deadlineText = (b) => t('site.dateTime', {
  date: dayLong(localDay(b.changeDeadline, b.location.timezone)),
  time: localTime(b.changeDeadline, b.location.timezone),
});

function render({ focus = null } = {}) {
  els.root.removeAttribute('aria-busy');
  if (state.problem) {
    replaceChildren(els.root, h('p', { class: 'banner banner-error', role: 'alert', dataset: { testid: 'error' }, text: t(state.problem) }));
    return;
  }
  const b = state.booking;
  const tz = b.location.timezone;
  document.title = `${t('manage.pageTitle')} ${b.code}`;
  $('#org-name').textContent = b.location.name;

  const error = h('p', { class: 'banner banner-error', id: 'manage-error', role: 'alert', hidden: true });
  if (state.error) setFieldError(null, error, state.error, { testid: 'error' });
  const notice = state.notice ? h('p', { class: 'banner banner-success', role: 'status', dataset: { testid: 'manage-notice' }, text: state.notice() }) : null;

  const status = h(
    'p',
    { class: 'manage-status-line' },
    `${t('manage.statusLabel')}: `,
    h('span', { class: 'status-badge', dataset: { testid: 'manage-status', status: b.status }, text: t(`manage.status.${b.status}`) }),
  );
  const start = h('p', { class: 'manage-start', dataset: { testid: 'manage-start', start: b.start }, text: whenText(b.start, b.end, tz) });

  const active = b.status === 'CONFIRMED';
  const card = h(
    'section',
    { class: 'manage-card', 'aria-labelledby': 'manage-heading' },
    h('h2', { id: 'manage-heading', tabindex: '-1', text: b.service.name }),
    status,
    start,
    notice,
    error,
    h('div', { class: 'done-grid' },
      h('div', { class: 'done-main' }, codeBlock(b.code), facts({ service: b.service, location: b.location })),
      active ? qrBlock(b) : null),
    active ? documentsBlock(b.service) : null,
    active ? h('div', { class: 'button-row' }, icsButton(b)) : null,
    active ? pushBox({ bookingCode: b.code, bookingToken: token }) : null,
  );

  replaceChildren(els.root, card, actions(b));
  if (focus === 'heading') focusElement($('#manage-heading'));
  else if (focus === 'section') focusElement($('#reschedule-heading') || $('#manage-heading'));
  else if (focus === 'error') focusElement(error.hidden ? $('#manage-heading') : error);
}

/** What the citizen can still do, in plain words. */
function actions(b) {
  if (b.status === 'CANCELLED') {
    const again = new URLSearchParams({ location: b.location.slug, service: b.service.slug, lang: language() });
    return h('section', { class: 'manage-section', dataset: { testid: 'cancelled-state' } },
      h('p', { class: 'banner banner-info', text: t('manage.cancelledNote') }),
      h('a', { class: 'btn btn-primary', href: `/?${again}`, dataset: { testid: 'book-again' }, text: t('manage.bookAgain') }));
  }
  if (b.status !== 'CONFIRMED') {
    return h('section', { class: 'manage-section' }, h('p', { class: 'banner banner-info', text: t('manage.notChangeable') }));
  }
  if (!changeable(b)) return deadlineNote(b);
  if (state.mode !== 'view') return rescheduleSection(b);
  return h(
    'section',
    { class: 'manage-section', 'aria-labelledby': 'change-heading' },
    h('h2', { id: 'change-heading', text: t('manage.changeHeading') }),
    h('p', { class: 'hint', dataset: { testid: 'deadline-open' }, text: t('manage.deadlineOpen', { deadline: deadlineText(b) }) }),
    h('div', { class: 'button-row' },
      h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'reschedule' }, text: t('manage.reschedule'), onclick: startReschedule }),
      h('button', { type: 'button', class: 'btn btn-danger', dataset: { testid: 'cancel' }, text: t('manage.cancel'), onclick: openCancel })),
  );
}

function deadlineNote(b) {
  const hours = Math.round((Date.parse(b.start) - Date.parse(b.changeDeadline)) / 3600000);
  const l = b.location;
  return h(
    'section',
    { class: 'manage-section' },
    h('div', { class: 'banner banner-info', dataset: { testid: 'deadline-note' }, role: 'note' },
      h('p', { text: t('manage.deadlinePassed', { deadline: deadlineText(b), count: hours }) }),
      h('p', { text: t('manage.contactOffice', { location: l.name }) }),
      h('ul', {},
        l.phone ? h('li', {}, `${t('site.footer.phone')}: `, h('a', { href: `tel:${l.phone.replace(/[^+\d]/g, '')}`, dir: 'ltr', text: l.phone })) : null,
        l.email ? h('li', {}, `${t('manage.email')}: `, h('a', { href: `mailto:${l.email}`, dir: 'ltr', text: l.email })) : null)),
  );
}

// ------------------------------------------------------------------ reschedule

async function startReschedule() {
  state.mode = 'day';
  state.error = null;
  state.notice = null;
  state.date = null;
  state.slot = null;
  render({ focus: 'section' });
}

function rescheduleSection(b) {
  const body = h('div', { class: 'reschedule-body', 'aria-busy': 'true' }, h('p', { class: 'loading', text: t('site.loading') }));
  const headingText = state.mode === 'day' ? t('manage.rescheduleDay')
    : state.mode === 'time' ? t('site.time.heading', { date: dayLong(state.date) })
      : t('manage.rescheduleConfirmHeading');
  const section = h(
    'section',
    { class: 'manage-section', 'aria-labelledby': 'reschedule-heading', dataset: { testid: 'reschedule-section', mode: state.mode } },
    h('h2', { id: 'reschedule-heading', tabindex: '-1', text: headingText }),
    body,
    h('div', { class: 'button-row' },
      state.mode !== 'day' ? h('button', { type: 'button', class: 'btn btn-quiet', dataset: { testid: 'back' }, text: state.mode === 'time' ? t('site.time.otherDay') : t('manage.otherTime'), onclick: () => { state.error = null; state.mode = state.mode === 'time' ? 'day' : 'time'; render({ focus: 'section' }); } }) : null,
      h('button', { type: 'button', class: 'btn btn-quiet', dataset: { testid: 'reschedule-abort' }, text: t('manage.rescheduleAbort'), onclick: () => { state.mode = 'view'; state.error = null; render({ focus: 'heading' }); } })),
  );
  if (state.mode === 'day') fillDays(b, body);
  else if (state.mode === 'time') fillTimes(b, body);
  else fillConfirm(b, body);
  return section;
}

async function ensureAvailability(b) {
  if (!state.availability) state.availability = await new Availability(api, b.service, b.location).load();
  return state.availability;
}

async function fillDays(b, body) {
  try {
    const a = await ensureAvailability(b);
    body.removeAttribute('aria-busy');
    if (a.none || !a.sorted.length) {
      replaceChildren(body, h('p', { class: 'banner banner-info', dataset: { testid: 'no-slots' }, role: 'status', text: t('manage.noSlots') }));
      return;
    }
    const chooser = new DayChooser({
      availability: a,
      selected: state.date,
      onPick: (date) => {
        state.date = date;
        state.mode = 'time';
        state.error = null;
        render({ focus: 'section' });
      },
    });
    replaceChildren(body, chooser.el);
  } catch (err) {
    body.removeAttribute('aria-busy');
    replaceChildren(body);
    showError(() => errorMessage(err.code, 'manage'));
  }
}

async function fillTimes(b, body) {
  const date = state.date;
  try {
    const own = Date.parse(b.start);
    const slots = (await api.slots(b.service.id, b.location.id, date)).filter((s) => Date.parse(s.start) !== own);
    if (state.mode !== 'time' || state.date !== date) return;
    body.removeAttribute('aria-busy');
    if (!slots.length) {
      state.availability?.forget(date);
      state.mode = 'day';
      state.error = () => t('site.time.noneLeft', { date: dayLong(date) });
      render({ focus: 'section' });
      return;
    }
    replaceChildren(body, timeList(slots, b.location.timezone, (slot) => {
      state.slot = slot;
      state.mode = 'confirm';
      state.error = null;
      render({ focus: 'section' });
    }));
    announce(els.announcer, t('site.time.announce', { count: slots.length }));
  } catch (err) {
    body.removeAttribute('aria-busy');
    replaceChildren(body);
    showError(() => errorMessage(err.code, 'manage'));
  }
}

function fillConfirm(b, body) {
  const tz = b.location.timezone;
  const slot = state.slot;
  body.removeAttribute('aria-busy');
  const button = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'reschedule-confirm' }, text: t('manage.rescheduleConfirm'), onclick: () => reschedule(button) });
  replaceChildren(
    body,
    h('dl', { class: 'facts' },
      h('div', { class: 'fact-row' }, h('dt', { text: t('manage.newTime') }), h('dd', { dataset: { testid: 'reschedule-new' }, text: whenText(slot.start, slot.end, tz) })),
      h('div', { class: 'fact-row' }, h('dt', { text: t('manage.oldTime') }), h('dd', { text: whenText(b.start, b.end, tz) }))),
    h('p', { class: 'hint', text: t('manage.rescheduleText') }),
    h('div', { class: 'button-row' }, button),
  );
}

async function reschedule(button) {
  if (state.busy) return;
  state.busy = true;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const payload = await api.reschedule(code, token, state.slot.start);
    if (payload.errors.length) {
      const errorCode = payload.errors[0].code;
      if (errorCode === 'DEADLINE_PASSED' || errorCode === 'BOOKING_NOT_ACTIVE') {
        await reload();
        state.mode = 'view';
        state.error = () => errorMessage(errorCode, 'manage');
        render({ focus: 'error' });
        return;
      }
      if (['SLOT_TAKEN', 'OUTSIDE_BOOKING_WINDOW', 'SLOT_UNAVAILABLE', 'INVALID_TIME', 'SAME_SLOT'].includes(errorCode)) {
        state.mode = 'time';
        state.error = () => errorMessage(errorCode, 'manage');
        render({ focus: 'error' });
        return;
      }
      showError(() => errorMessage(errorCode, 'manage'));
      return;
    }
    state.booking = payload.booking;
    state.mode = 'view';
    state.availability = null;
    state.error = null;
    state.notice = () => t('manage.rescheduled');
    render({ focus: 'heading' });
  } catch (err) {
    showError(() => errorMessage(err.code, 'manage'));
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
  const el = $('#manage-error');
  if (el) {
    setFieldError(null, el, message, { testid: 'error' });
    focusElement(el);
  }
}

// ------------------------------------------------------------------ cancel

function openCancel() {
  setFieldError(null, els.dialogError, null);
  $('#cancel-text').textContent = t('manage.cancelText', { when: whenText(state.booking.start, state.booking.end, state.booking.location.timezone) });
  els.dialog.showModal();
  els.dialogKeep.focus();
}

function setUpCancel() {
  els.dialogKeep.addEventListener('click', () => els.dialog.close());
  els.dialog.addEventListener('close', () => {
    if (state.booking?.status === 'CONFIRMED') $('[data-testid="cancel"]')?.focus();
  });
  els.dialogConfirm.addEventListener('click', async () => {
    if (state.busy) return;
    state.busy = true;
    els.dialogConfirm.disabled = true;
    try {
      const payload = await api.cancel(code, token);
      if (payload.errors.length) {
        const errorCode = payload.errors[0].code;
        if (errorCode === 'DEADLINE_PASSED' || errorCode === 'BOOKING_NOT_ACTIVE') {
          els.dialog.close();
          await reload();
          state.error = () => errorMessage(errorCode, 'manage');
          render({ focus: 'error' });
          return;
        }
        setFieldError(null, els.dialogError, () => errorMessage(errorCode, 'manage'), { testid: 'cancel-error' });
        return;
      }
      state.booking = payload.booking;
      state.mode = 'view';
      state.error = null;
      state.notice = () => t('manage.cancelled');
      els.dialog.close();
      render({ focus: 'heading' });
      announce(els.announcer, t('manage.cancelled'));
    } catch (err) {
      setFieldError(null, els.dialogError, () => errorMessage(err.code, 'manage'), { testid: 'cancel-error' });
    } finally {
      state.busy = false;
      els.dialogConfirm.disabled = false;
    }
  });
}

// ------------------------------------------------------------------ language

/**
 * The citizen switched the page's language: later messages about the booking (reminders,
 * changes) go out in it too. Said in the page's notice; a failure is not worth an error box
 * (the page itself has switched), so it is only announced.
 */
async function keepBookingLanguage() {
  const wanted = gqlLanguage();
  if (!state.booking || state.booking.language === wanted) return;
  try {
    const payload = await api.setLanguage(code, token, wanted);
    if (payload.errors.length) throw Object.assign(new Error('setBookingLanguage'), { code: payload.errors[0].code });
    state.booking.language = payload.booking.language;
    state.notice = () => t('manage.languageSaved');
  } catch (err) {
    announce(els.announcer, errorMessage(err.code, 'manage'));
  }
}

// ------------------------------------------------------------------ loading

async function reload() {
  const booking = await api.booking(code, token);
  if (!booking) {
    state.problem = 'manage.notFound';
    return null;
  }
  state.booking = booking;
  return booking;
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
  setUpCancel();
  if (code && !token && canPush()) {
    try {
      token = (await import('../lib/push.js')).rememberedToken();
    } catch {
      token = null;
    }
  }
  if (!code || !token) {
    state.problem = 'manage.notFound';
    render();
    return;
  }
  try {
    await reload();
  } catch (err) {
    replaceChildren(els.root, h('p', { class: 'banner banner-error', role: 'alert', dataset: { testid: 'error' }, text: errorMessage(err.code, 'manage') }));
    els.root.removeAttribute('aria-busy');
    return;
  }
  // Speak the booking's language unless the URL or an earlier choice says otherwise.
  const wanted = state.booking?.language?.toLowerCase();
  if (!params.lang && !storage.get('lang') && isLanguage(wanted) && wanted !== language()) {
    await setLanguage(wanted);
    await reload(); // names and the calendar file in that language
  }
  onLanguageChange(async () => {
    if (state.booking) {
      await keepBookingLanguage();
      try {
        await reload();
      } catch {
        /* keep the names in the previous language */
      }
    }
    render();
  });
  render();
}

// A different link pasted into the same tab only changes the fragment: load that booking.
window.addEventListener('hashchange', () => window.location.reload());

main().catch((err) => {
  console.error(err);
  revealPage();
  els.root.removeAttribute('aria-busy');
  $('#load-failed').hidden = false;
});

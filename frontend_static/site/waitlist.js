// "Join the waitlist" in the booking flow (site and embed), loaded on demand by flow.js
// (dynamic import) when the citizen opens it: where nothing is free, or nothing suits them.
// A small form — which days, where (the chosen location or any), name, e-mail, optional
// phone, how to be told (e-mail or SMS), language, privacy consent — then joinWaitlist and
// the confirmation with the entry's link /waitlist/<id>#<token> (the token is shown once by
// the server: the citizen needs the link to leave the waitlist).
//
// The form's state lives on the flow (`flow.waitlist`), so a language switch (the flow
// re-renders its step) keeps what was typed, the errors and the result.

import { h, replaceChildren, setFieldError, focusElement, announce } from '../lib/dom.js';
import { t, language, LANGUAGES, gqlLanguage, isLanguage } from '../lib/i18n.js';
import { errorMessage } from '../lib/ui.js';
import { addDays, dayLong, todayIn, ltr } from './dates.js';
import { privacyLinks } from './booking-view.js';

/** How the offer may be sent: SMS only where the server can send it. */
const channelsOf = (flow) => (flow.org.smsEnabled ? ['EMAIL', 'SMS'] : ['EMAIL']);
const WEEKS = 4; // the default window: today and the next four weeks
/** Form fields: the input's id, its test hook and its error's test hook (error-<field>). */
const FIELDS = {
  firstDay: { id: 'wl-first-day', testid: 'waitlist-first-day', error: 'error-first-day' },
  lastDay: { id: 'wl-last-day', testid: 'waitlist-last-day', error: 'error-last-day' },
  location: { id: 'wl-location', testid: null, error: 'error-location' },
  name: { id: 'wl-name', testid: 'waitlist-name', error: 'error-name' },
  email: { id: 'wl-email', testid: 'waitlist-email', error: 'error-email' },
  phone: { id: 'wl-phone', testid: 'waitlist-phone', error: 'error-phone' },
  channel: { id: 'wl-channel', testid: 'waitlist-channel', error: 'error-channel' },
  language: { id: 'wl-language', testid: 'waitlist-language', error: 'error-language' },
  privacy: { id: 'wl-privacy', testid: 'waitlist-consent', error: 'error-consent' },
};
const ORDER = Object.keys(FIELDS);
/** The server's UserError.field -> our field (the rest is shown above the form). */
const SERVER_FIELD = { firstDay: 'firstDay', lastDay: 'lastDay', name: 'name', email: 'email', phone: 'phone', channel: 'channel', language: 'language', location: 'location' };
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

const message = (code) => () => errorMessage(code, 'waitlist');

/** The locations that offer the flow's service (the choice "where"). */
function placesOf(flow) {
  return flow.org.locations.filter((l) => flow.offers(l, flow.service));
}

function timeZoneOf(flow, locationId) {
  const chosen = flow.org.locations.find((l) => l.id === locationId);
  return (chosen || flow.location || flow.org.locations[0])?.timezone || flow.org.timezone;
}

function initialState(flow) {
  const places = placesOf(flow);
  const location = flow.location && places.some((l) => l.id === flow.location.id) ? flow.location.id : places.length === 1 ? places[0].id : '';
  const today = todayIn(timeZoneOf(flow, location));
  const c = flow.contact || {};
  return {
    serviceId: flow.service.id,
    values: {
      firstDay: today,
      lastDay: addDays(today, WEEKS * 7 - 1),
      location, // '' = any location
      name: c.name || '',
      email: c.email || '',
      phone: c.phone || '',
      channel: c.channel === 'SMS' && flow.org.smsEnabled ? 'SMS' : 'EMAIL',
      language: isLanguage(c.language) ? c.language : null, // null: the page's language
      privacy: false,
    },
    errors: {}, // field -> () => message
    joined: null, // { entry, url, service, location, channel, email, phone }
    copied: null, // () => message after "copy link"
    busy: false,
  };
}

/** Fill the flow's `waitlist` step body. */
export function renderWaitlist(flow, container) {
  if (!flow.waitlist) flow.waitlist = initialState(flow);
  const state = flow.waitlist;
  if (state.joined) replaceChildren(container, joinedView(flow, state));
  else {
    replaceChildren(container, form(flow, state));
    for (const [f, msg] of Object.entries(state.errors)) setError(container, f, msg);
  }
}

// ------------------------------------------------------------------ the form

function form(flow, state) {
  const v = state.values;
  const today = todayIn(timeZoneOf(flow, v.location));
  const keep = (name) => (event) => {
    const el = event.currentTarget;
    v[name] = el.type === 'checkbox' ? el.checked : el.value;
  };
  const field = (name, labelKey, input, hintKey = null) => {
    const f = FIELDS[name];
    const hint = hintKey ? h('p', { class: 'hint', id: `${f.id}-hint`, text: t(hintKey) }) : null;
    if (hint) input.setAttribute('aria-describedby', hint.id);
    return h('div', { class: 'field' }, h('label', { for: f.id, text: t(labelKey) }), hint, input, errorEl(name));
  };
  const input = (name, attrs) => h('input', { id: FIELDS[name].id, name: FIELDS[name].id, dataset: { testid: FIELDS[name].testid }, ...attrs });

  const firstDay = input('firstDay', { type: 'date', required: true, 'aria-required': 'true', min: today, value: v.firstDay, oninput: keep('firstDay') });
  const lastDay = input('lastDay', { type: 'date', required: true, 'aria-required': 'true', min: today, value: v.lastDay, oninput: keep('lastDay') });
  const days = h('fieldset', { class: 'waitlist-days', 'aria-describedby': 'wl-days-hint' },
    h('legend', { text: t('waitlist.form.days') }),
    h('p', { class: 'hint', id: 'wl-days-hint', text: t('waitlist.form.daysHint') }),
    h('div', { class: 'date-pair' },
      field('firstDay', 'waitlist.form.firstDay', firstDay),
      field('lastDay', 'waitlist.form.lastDay', lastDay)));

  const places = placesOf(flow);
  let where;
  if (places.length > 1) {
    const radio = (value, title, meta, testid) => h('label', { class: 'choice waitlist-place' },
      h('input', {
        type: 'radio', name: 'wl-location', value, checked: v.location === value,
        dataset: { testid, locationId: value || null },
        onchange: () => { v.location = value; },
      }),
      h('span', {}, h('span', { class: 'option-title', text: title }), meta ? h('span', { class: 'option-meta', text: meta }) : null));
    where = h('fieldset', { class: 'waitlist-where', id: FIELDS.location.id, 'aria-describedby': 'wl-location-hint' },
      h('legend', { text: t('waitlist.form.where') }),
      h('p', { class: 'hint', id: 'wl-location-hint', text: t('waitlist.form.whereHint') }),
      h('div', { class: 'waitlist-places' },
        radio('', t('waitlist.form.anyLocation'), t('waitlist.form.anyLocationHint'), 'waitlist-any-location'),
        places.map((l) => radio(l.id, l.name, null, 'waitlist-location'))),
      errorEl('location'));
  } else {
    where = places.length ? h('p', { class: 'choice-summary', text: `${t('waitlist.form.where')}: ${places[0].name}` }) : null;
  }

  const c = (name, attrs) => input(name, attrs);
  const name = c('name', { type: 'text', autocomplete: 'name', required: true, 'aria-required': 'true', maxlength: '200', value: v.name, oninput: keep('name') });
  const email = c('email', { type: 'email', autocomplete: 'email', inputmode: 'email', required: true, 'aria-required': 'true', spellcheck: 'false', value: v.email, oninput: keep('email') });
  const phone = c('phone', { type: 'tel', autocomplete: 'tel', inputmode: 'tel', value: v.phone, oninput: keep('phone') });
  const channels = channelsOf(flow);
  if (!channels.includes(v.channel)) v.channel = 'EMAIL';
  const channel = channels.length < 2 ? null : h('select', { id: FIELDS.channel.id, name: FIELDS.channel.id, dataset: { testid: FIELDS.channel.testid }, onchange: keep('channel') },
    channels.map((ch) => h('option', { value: ch, selected: v.channel === ch, text: t(`waitlist.channel.${ch}`) })));
  const lang = v.language || language();
  const languageSelect = h('select', { id: FIELDS.language.id, name: FIELDS.language.id, dataset: { testid: FIELDS.language.testid }, onchange: keep('language') },
    LANGUAGES.map((l) => h('option', { value: l.code, lang: l.code, selected: l.code === lang, text: l.name })));
  const privacy = h('input', { type: 'checkbox', id: FIELDS.privacy.id, name: FIELDS.privacy.id, required: true, 'aria-required': 'true', dataset: { testid: FIELDS.privacy.testid }, checked: v.privacy, onchange: keep('privacy') });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-confirm', dataset: { testid: 'waitlist-submit' }, text: t('waitlist.form.submit') });

  const el = h('form', { class: 'details-form waitlist-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); join(flow, el, submit); } },
    h('p', { class: 'hint', text: t('waitlist.form.intro') }),
    days,
    where,
    h('p', { class: 'hint', text: t('site.details.required') }),
    field('name', 'site.details.name', name),
    field('email', 'site.details.email', email, 'waitlist.form.emailHint'),
    field('phone', 'site.details.phone', phone, channel ? 'waitlist.form.phoneHint' : 'site.details.phoneHintNoSms'),
    channel ? field('channel', 'waitlist.form.channel', channel, 'waitlist.form.channelHint') : null,
    field('language', 'site.details.language', languageSelect, 'waitlist.form.languageHint'),
    h('section', { class: 'privacy', 'aria-labelledby': 'wl-privacy-heading' },
      h('h3', { id: 'wl-privacy-heading', text: t('site.privacy.heading') }),
      h('p', { text: t('waitlist.privacy.text', { org: flow.org.name }) }),
      h('details', {}, h('summary', { text: t('site.privacy.more') }), h('p', { text: t('waitlist.privacy.details', { org: flow.org.name }) })),
      privacyLinks(flow.org),
      h('div', { class: 'checkbox-field' }, privacy, h('label', { for: FIELDS.privacy.id, text: t('site.privacy.consent') })),
      errorEl('privacy')),
    h('div', { class: 'form-actions' }, submit, flow.backButton(t('waitlist.form.cancel'))));
  return el;
}

function errorEl(name) {
  return h('p', { class: 'field-error', id: `${FIELDS[name].id}-error`, hidden: true });
}

/** The element that carries aria-invalid for a field (the radio group: its checked radio too). */
function setError(root, name, msg) {
  const f = FIELDS[name];
  const target = root.querySelector(`#${f.id}`);
  const el = root.querySelector(`#${f.id}-error`);
  if (!el) return;
  setFieldError(target, el, msg, { testid: f.error });
  if (!msg && target) {
    const ids = (target.getAttribute('aria-describedby') || '').split(/\s+/).filter((id) => id && id !== el.id);
    if (ids.length) target.setAttribute('aria-describedby', ids.join(' '));
    else target.removeAttribute('aria-describedby');
  }
}

function validate(flow, v) {
  const errors = {};
  const today = todayIn(timeZoneOf(flow, v.location));
  if (!ISO_DAY.test(v.firstDay)) errors.firstDay = 'DAY_REQUIRED';
  else if (v.firstDay < today) errors.firstDay = 'FIRST_DAY_PAST';
  if (!ISO_DAY.test(v.lastDay)) errors.lastDay = 'DAY_REQUIRED';
  else if (ISO_DAY.test(v.firstDay) && v.lastDay < v.firstDay) errors.lastDay = 'INVALID_DATE_RANGE';
  else if (v.lastDay < today) errors.lastDay = 'OUTSIDE_BOOKING_WINDOW';
  const name = v.name.trim();
  if (!name || !/\p{L}/u.test(name)) errors.name = 'INVALID_NAME';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email.trim())) errors.email = 'INVALID_EMAIL';
  const phone = v.phone.trim();
  if (phone && ((phone.match(/\d/g) || []).length < 5 || !/^[+\d\s()./-]+$/.test(phone))) errors.phone = 'INVALID_PHONE';
  else if (!phone && v.channel === 'SMS') errors.phone = 'PHONE_REQUIRED';
  if (!v.privacy) errors.privacy = 'PRIVACY';
  return errors;
}

/** Show field errors (codes by field); focus the first. Returns how many there are. */
function showErrors(flow, root, codes) {
  const state = flow.waitlist;
  state.errors = {};
  for (const f of ORDER) setError(root, f, null);
  const fields = ORDER.filter((f) => codes[f] && root.querySelector(`#${FIELDS[f].id}`));
  for (const f of fields) {
    state.errors[f] = message(codes[f]);
    setError(root, f, state.errors[f]);
  }
  if (fields.length) {
    flow.showStepError(() => t('site.details.fixErrors', { count: fields.length }));
    const first = root.querySelector(`#${FIELDS[fields[0]].id}`);
    (first?.matches('fieldset') ? first.querySelector('input:checked, input') : first)?.focus();
  }
  return fields.length;
}

async function join(flow, formEl, button) {
  const state = flow.waitlist;
  if (state.busy) return;
  const root = formEl;
  flow.showStepError(null);
  const v = state.values;
  if (showErrors(flow, root, validate(flow, v))) return;
  const input = {
    service: flow.service.id,
    location: v.location || null,
    firstDay: v.firstDay,
    lastDay: v.lastDay,
    name: v.name.trim(),
    email: v.email.trim(),
    phone: v.phone.trim() || null,
    channel: v.channel,
    language: gqlLanguage(isLanguage(v.language) ? v.language : language()),
  };
  state.busy = true;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  formEl.setAttribute('aria-busy', 'true');
  try {
    const payload = await flow.api.joinWaitlist(input);
    if (payload.errors.length) {
      const codes = {};
      for (const e of payload.errors) {
        const f = SERVER_FIELD[e.field];
        if (e.code === 'SERVICE_NOT_OFFERED' && root.querySelector(`#${FIELDS.location.id}`)) codes.location ||= e.code;
        else if (f && root.querySelector(`#${FIELDS[f].id}`)) codes[f] ||= e.code;
      }
      if (showErrors(flow, root, codes)) return;
      const code = payload.errors[0].code;
      flow.showStepError(message(code));
      focusElement(flow.stepBanner);
      return;
    }
    const place = flow.org.locations.find((l) => l.id === payload.entry.location) || null;
    state.joined = {
      entry: payload.entry,
      url: `${window.location.origin}/waitlist/${encodeURIComponent(payload.entry.id)}#${payload.token}`,
      location: place,
      channel: input.channel,
      email: input.email,
      phone: input.phone,
    };
    state.errors = {};
    flow.go('waitlist'); // the confirmation, its heading focused
    announce(flow.announcer, t('waitlist.joined.announce', { service: flow.service.name }));
  } catch (err) {
    flow.showStepError(() => errorMessage(err.code, 'site'));
    focusElement(flow.stepBanner);
  } finally {
    state.busy = false;
    if (button.isConnected) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      formEl.removeAttribute('aria-busy');
    }
  }
}

// ------------------------------------------------------------------ joined

function joinedView(flow, state) {
  const j = state.joined;
  const e = j.entry;
  const where = j.location ? j.location.name : t('waitlist.form.anyLocation');
  const how = j.channel === 'SMS' && j.phone
    ? t('waitlist.joined.howSms', { phone: ltr(j.phone), email: ltr(j.email) })
    : t('waitlist.joined.howEmail', { email: ltr(j.email) });
  const status = h('p', { class: 'hint', role: 'status', dataset: { testid: 'waitlist-copy-status' } });
  if (state.copied) status.textContent = state.copied();
  const link = h('a', {
    href: j.url,
    class: 'waitlist-link',
    dir: 'ltr',
    dataset: { testid: 'waitlist-link' },
    target: flow.newWindowLinks ? '_blank' : null,
    rel: flow.newWindowLinks ? 'noopener' : null,
    'aria-describedby': 'wl-link-hint',
  }, j.url, flow.newWindowLinks ? h('span', { class: 'sr-only', text: ` (${t('site.newWindow')})` }) : null);
  const copy = h('button', {
    type: 'button',
    class: 'btn',
    dataset: { testid: 'waitlist-copy' },
    text: t('waitlist.joined.copy'),
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(j.url);
        state.copied = () => t('waitlist.joined.copied');
      } catch {
        state.copied = () => t('waitlist.joined.copyFailed');
      }
      announce(status, state.copied());
    },
  });
  return h('div', { class: 'waitlist-joined', dataset: { testid: 'waitlist-joined', entryId: e.id } },
    h('p', { class: 'banner banner-success', text: t('waitlist.joined.text', { service: flow.service.name }) }),
    // Double opt-in: the entry counts once the address is confirmed from the e-mail.
    h('p', { class: 'banner banner-info', role: 'note', dataset: { testid: 'waitlist-confirm-hint' }, text: t('waitlist.joined.confirmHint', { email: ltr(j.email) }) }),
    h('dl', { class: 'facts' },
      h('div', { class: 'fact-row' }, h('dt', { text: t('site.facts.service') }), h('dd', { text: flow.service.name })),
      h('div', { class: 'fact-row' }, h('dt', { text: t('site.facts.location') }), h('dd', { text: where })),
      h('div', { class: 'fact-row' }, h('dt', { text: t('waitlist.period') }), h('dd', { text: t('waitlist.range', { first: dayLong(e.firstDay), last: dayLong(e.lastDay) }) }))),
    h('section', { class: 'waitlist-how', 'aria-labelledby': 'wl-how-heading' },
      h('h3', { id: 'wl-how-heading', text: t('waitlist.joined.howHeading') }),
      h('p', { text: how }),
      h('p', { text: t('waitlist.joined.offerRule') })),
    h('section', { class: 'waitlist-link-box', 'aria-labelledby': 'wl-link-heading' },
      h('h3', { id: 'wl-link-heading', text: t('waitlist.joined.linkHeading') }),
      h('p', { class: 'hint', id: 'wl-link-hint', text: t('waitlist.joined.linkHint') }),
      h('p', {}, link),
      h('div', { class: 'button-row' }, copy),
      status),
    h('div', { class: 'button-row' },
      h('button', { type: 'button', class: 'btn btn-quiet', dataset: { testid: 'back' }, text: t('waitlist.joined.backToSearch'), onclick: () => flow.back() })));
}

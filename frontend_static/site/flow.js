// The booking flow of the citizen site and the embed:
//   location (grouped by organization when the server hosts several) or "any location"
//   -> service -> (locations by their soonest free slot) -> day -> time -> the slot is held
//   while the citizen types -> confirm -> confirmation.
// Where nothing (suitable) is free — the no-slots state, the day and time steps — the
// citizen may join the waitlist instead: the `waitlist` step, whose form lives in
// waitlist.js and is loaded only then (dynamic import).
// One step is shown at a time in `root`; moving to a step focuses its heading. Texts come
// from the catalogs; the GraphQL calls from api.js. The embed passes no store (no storage)
// and an anonymous api (no cookies).

import { h, replaceChildren, setFieldError, focusElement, announce } from '../lib/dom.js';
import { t, onLanguageChange, language, LANGUAGES, gqlLanguage, isLanguage } from '../lib/i18n.js';
import { errorMessage } from '../lib/ui.js';
import { DayChooser } from './calendar.js';
import { Availability, timeList, soonestList, addressLine } from './picker.js';
import { facts, documentsBlock, confirmationView, privacyLinks } from './booking-view.js';
import { dayLong, formatFee, localDay, ltr } from './dates.js';

const STAGES = ['place', 'service', 'date', 'details', 'done'];
const STAGE_OF = {
  location: 'place', service: 'service', soonest: 'place', day: 'date', time: 'date', waitlist: 'date', details: 'details', done: 'done',
};
/** Announce and offer "more time" this long before the hold runs out (WCAG 2.2.1: ≥ 20 s). */
const HOLD_WARNING_SECONDS = 120;
/** Booking errors that mean "this time is gone": back to the time list with a message. */
const SLOT_GONE = new Set(['SLOT_TAKEN', 'HOLD_EXPIRED', 'HOLD_NOT_FOUND', 'OUTSIDE_BOOKING_WINDOW', 'SLOT_UNAVAILABLE', 'INVALID_TIME']);
const FORM_FIELDS = ['name', 'email', 'phone', 'channel', 'language', 'privacy'];

const byKey = (list, key) => {
  const k = String(key || '').trim().toLowerCase();
  return list.find((x) => x.id === key || x.slug.toLowerCase() === k) || null;
};

function newKey() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class BookingFlow {
  /**
   * @param {{root: HTMLElement, api: object, params: object, source?: 'WEB'|'EMBED',
   *          announcer?: HTMLElement, onOrganization?: (org) => void, history?: boolean,
   *          newWindowLinks?: boolean, print?: boolean, push?: boolean}} options
   * `push`: offer Web Push ("notify me") on the confirmation (not in the embed).
   */
  constructor({ root, api, params, source = 'WEB', announcer = null, onOrganization = () => {}, history = false, newWindowLinks = false, print = false, push = false }) {
    this.root = root;
    this.api = api;
    this.params = params;
    this.source = source;
    this.announcer = announcer;
    this.onOrganization = onOrganization;
    this.useHistory = history;
    this.newWindowLinks = newWindowLinks;
    this.canPrint = print;
    this.push = push;

    this.orgs = [];
    this.org = null;
    this.orgFixed = false; // by ?org=, ?location= or because there is only one
    this.location = null;
    this.anyLocation = false;
    this.service = null;
    this.availability = null;
    this.soonest = null;
    this.date = null;
    this.slots = null;
    this.hold = null;
    this.holdDeadline = 0; // performance.now() at which the hold runs out (server's count)
    this.holdLimitReached = false; // extendHold said HOLD_EXTENSION_LIMIT
    this.extending = false;
    this.idempotencyKey = null;
    this.contact = this.emptyContact();
    this.fieldErrors = {};
    this.result = null;
    this.message = null; // () => string, shown at the top of the step
    this.step = null;
    this.rootStep = null;
    this.busy = false;
    this.historyGuard = false;
    this.timer = null;
    this.warned = new Set();
    this.waitlist = null; // the waitlist form's state (waitlist.js), kept across re-renders
    this.waitlistFrom = null; // the step the waitlist was opened from

    this.progressEl = h('ol', { class: 'progress', 'aria-label': '' });
    this.stepEl = h('div', { class: 'step-container' });
    replaceChildren(root, this.progressEl, this.stepEl);
    onLanguageChange(() => this.languageChanged());
    if (this.useHistory) window.addEventListener('popstate', () => this.popState());
    // Closing the tab while a slot is held gives it back at once (not only after expiry).
    window.addEventListener('pagehide', () => {
      if (this.hold && this.step === 'details') {
        this.api.releaseOnExit(this.hold.id, this.hold.secret);
        this.hold = null;
        this.stopTimer();
      }
    });
  }

  emptyContact() {
    return { name: '', email: '', phone: '', channel: 'EMAIL', language: null, privacy: false };
  }

  // ------------------------------------------------------------------ start and routing

  async start() {
    this.showLoading();
    try {
      this.orgs = await this.api.organizations();
    } catch (err) {
      this.fatal(err);
      return;
    }
    const p = this.params;
    let org = p.org ? this.orgs.find((o) => o.slug === p.org.toLowerCase()) : null;
    let location = null;
    if (p.location) {
      let found = null;
      try {
        found = await this.api.findLocation(p.location);
      } catch {
        found = null;
      }
      if (!found && org) {
        // findLocation answers null when the key is ambiguous across organizations
        const key = p.location.toLowerCase();
        found = org.locations.find((l) => [l.id, l.slug, l.shortName, l.name].some((v) => v && v.toLowerCase() === key)) || null;
      }
      const owner = found && this.orgs.find((o) => o.locations.some((l) => l.id === found.id));
      if (owner && (!org || owner === org)) {
        org = owner;
        location = owner.locations.find((l) => l.id === found.id);
      } else {
        this.message = () => t('site.location.notFound', { key: p.location });
      }
    }
    if (!org && this.orgs.length === 1) org = this.orgs[0];
    if (!this.orgs.length) {
      this.fatalKey('site.noOrganizations');
      return;
    }
    if (p.service) {
      const owner = org || this.orgs.find((o) => byKey(o.services, p.service));
      this.service = owner ? byKey(owner.services, p.service) : null;
      if (this.service) org = owner;
      else this.message = () => t('site.service.notFound', { key: p.service });
    }
    this.rootStep = 'location';
    if (!org) {
      this.go('location', { focus: false });
      return;
    }
    this.setOrg(org);
    this.orgFixed = true;
    if (this.org.locations.length <= 1) this.rootStep = 'service';
    const places = this.service ? this.org.locations.filter((l) => this.offers(l, this.service)) : this.org.locations;
    if (location) this.location = location;
    else if (places.length === 1) this.location = places[0];
    if (this.service && this.location && !this.offers(this.location, this.service)) {
      const name = this.service.name;
      this.message = () => t('site.service.notHere', { service: name, location: this.location.name });
      this.service = null;
    }
    if (this.location && this.service) this.go('day', { focus: false });
    else if (this.location) this.go('service', { focus: false });
    else this.go('location', { focus: false });
  }

  setOrg(org) {
    this.org = org;
    this.onOrganization(org);
  }

  offers(location, service) {
    return service.locations.some((l) => l.id === location.id);
  }

  servicesAt(location) {
    return location ? this.org.services.filter((s) => this.offers(location, s)) : this.org.services;
  }

  /** Show a step. `message` stays for the next render only. */
  go(step, { focus = true } = {}) {
    if (this.step === 'details' && step !== 'details' && step !== 'done') this.releaseHold();
    this.step = step;
    this.render();
    if (focus) focusElement(this.stepEl.querySelector('h2'));
    if (this.useHistory && step !== this.rootStep && !this.historyGuard) {
      window.history.pushState({ vorzimmer: true }, '');
      this.historyGuard = true;
    }
  }

  /** The browser's Back button does what the page's Back button does. */
  popState() {
    if (!this.historyGuard) return;
    this.historyGuard = false;
    this.back();
  }

  back() {
    this.message = null;
    const s = this.step;
    if (s === 'done') return this.restart();
    if (s === 'waitlist') return this.go(this.waitlistFrom || this.rootStep);
    if (s === 'details') return this.go('time');
    if (s === 'time') return this.go(this.availability ? 'day' : 'soonest');
    if (s === 'day') return this.go(this.anyLocation ? 'soonest' : 'service');
    if (s === 'soonest') return this.go('service');
    if (s === 'service') return this.go(this.hasLocationStep() ? 'location' : 'service');
    return this.go(this.rootStep);
  }

  /** Whether there is a choice of place (several locations, or several organizations). */
  hasLocationStep() {
    return !this.orgFixed || this.org.locations.length > 1;
  }

  restart() {
    this.stopTimer();
    this.result = null;
    this.hold = null;
    this.date = null;
    this.slots = null;
    this.contact = this.emptyContact();
    this.fieldErrors = {};
    this.go(this.location ? 'service' : 'location');
  }

  // ------------------------------------------------------------------ rendering

  showLoading() {
    this.root.setAttribute('aria-busy', 'true');
    replaceChildren(this.stepEl, h('p', { class: 'loading', text: t('site.loading') }));
  }

  fatal(err) {
    this.root.removeAttribute('aria-busy');
    replaceChildren(this.stepEl, h('p', { class: 'banner banner-error', role: 'alert', dataset: { testid: 'error' }, text: errorMessage(err?.code, 'site') }),
      h('button', { type: 'button', class: 'btn', text: t('site.retry'), onclick: () => this.start() }));
  }

  fatalKey(key) {
    this.root.removeAttribute('aria-busy');
    replaceChildren(this.stepEl, h('p', { class: 'banner banner-info', role: 'status', text: t(key) }));
  }

  renderProgress() {
    const current = STAGES.indexOf(STAGE_OF[this.step]);
    this.progressEl.setAttribute('aria-label', t('site.progress.label'));
    replaceChildren(
      this.progressEl,
      STAGES.map((stage, i) =>
        h(
          'li',
          { class: ['progress-item', i < current && 'is-done', i === current && 'is-current'], 'aria-current': i === current ? 'step' : null },
          h('span', { class: 'progress-number', 'aria-hidden': 'true', text: String(i + 1) }),
          h('span', { class: 'progress-text', text: t(`site.progress.${stage}`) }),
          i < current ? h('span', { class: 'sr-only', text: ` (${t('site.progress.doneMark')})` }) : null,
        ),
      ),
    );
  }

  render() {
    this.root.removeAttribute('aria-busy');
    this.renderProgress();
    const content = this[`render_${this.step}`]();
    const message = this.message;
    this.message = null;
    const banner = h('p', { class: 'banner banner-error step-message', id: 'step-message', role: 'alert', hidden: true });
    if (message) setFieldError(null, banner, message, { testid: 'error' });
    replaceChildren(this.stepEl, h('section', { class: `step step-${this.step}`, 'aria-labelledby': 'step-title', dataset: { step: this.step } }, content.heading, banner, content.body));
    this.stepBanner = banner;
  }

  heading(text) {
    return h('h2', { id: 'step-title', tabindex: '-1', text });
  }

  backButton(label = t('site.back')) {
    return h('button', { type: 'button', class: 'btn btn-quiet back-button', dataset: { testid: 'back' }, text: label, onclick: () => this.back() });
  }

  /** One line of what has been chosen so far. */
  choice() {
    const parts = [this.service?.name, this.location?.name, this.date && dayLong(this.date)].filter(Boolean);
    return parts.length ? h('p', { class: 'choice-summary', dataset: { testid: 'choice-summary' } }, h('span', { class: 'sr-only', text: `${t('site.yourChoice')}: ` }), parts.join(' · ')) : null;
  }

  showStepError(message) {
    if (this.stepBanner) setFieldError(null, this.stepBanner, message, { testid: 'error' });
  }

  render_location() {
    const orgs = this.orgFixed ? [this.org] : this.orgs;
    const groups = orgs.map((org) => {
      const items = [];
      const locations = org.locations.filter((l) => !this.service || this.offers(l, this.service));
      if (locations.length > 1) {
        items.push(h('li', {}, h('button', {
          type: 'button', class: 'option option-any', dataset: { testid: 'any-location', orgSlug: org.slug },
          onclick: () => this.chooseAnyLocation(org),
        }, h('span', { class: 'option-title', text: t('site.location.any') }), h('span', { class: 'option-meta', text: t('site.location.anyHint') }))));
      }
      for (const location of locations) {
        items.push(h('li', {}, h('button', {
          type: 'button', class: 'option', dataset: { testid: 'location-option', locationId: location.id, locationSlug: location.slug },
          onclick: () => this.chooseLocation(location, org),
        }, h('span', { class: 'option-title', text: location.name }), h('span', { class: 'option-meta', text: addressLine(location) }))));
      }
      const list = h('ul', { class: 'option-list' }, items);
      return orgs.length > 1
        ? h('section', { class: 'org-group', 'aria-labelledby': `org-${org.slug}`, dataset: { orgSlug: org.slug } }, h('h3', { id: `org-${org.slug}`, text: org.name }), list)
        : list;
    });
    return {
      heading: this.heading(t('site.location.heading')),
      body: [this.service ? this.choice() : null, groups],
    };
  }

  chooseLocation(location, org = this.org) {
    if (org !== this.org) this.setOrg(org);
    this.location = location;
    this.anyLocation = false;
    this.availability = null;
    if (this.service && this.offers(location, this.service)) this.go('day');
    else this.go('service');
  }

  chooseAnyLocation(org = this.org) {
    if (org !== this.org) this.setOrg(org);
    this.anyLocation = true;
    this.location = null;
    this.availability = null;
    this.go(this.service ? 'soonest' : 'service');
  }

  render_service() {
    const services = this.servicesAt(this.location);
    const list = h('ul', { class: 'service-list' }, services.map((s) => this.serviceCard(s)));
    return {
      heading: this.heading(t('site.service.heading')),
      body: [
        this.location ? h('p', { class: 'choice-summary', text: this.location.name }) : this.anyLocation ? h('p', { class: 'choice-summary', text: t('site.location.any') }) : null,
        services.length ? list : h('p', { class: 'banner banner-info', text: t('site.service.none') }),
        this.hasLocationStep() ? this.backButton() : null,
      ],
    };
  }

  serviceCard(service) {
    const id = `svc-${service.id}`;
    const docs = service.requiredDocuments || [];
    return h(
      'li',
      { class: 'service-card' },
      h('h3', { id: `${id}-name`, text: service.name }),
      service.description ? h('p', { class: 'service-description', text: service.description }) : null,
      h(
        'dl',
        { class: 'service-meta', id: `${id}-meta` },
        h('div', {}, h('dt', { text: t('site.facts.duration') }), h('dd', { text: t('site.minutes', { count: service.durationMinutes }) })),
        h('div', {}, h('dt', { text: t('site.facts.fee') }), h('dd', { text: service.fee ? formatFee(service.fee) : t('site.noFee') })),
      ),
      h(
        'div',
        { class: 'service-docs', id: `${id}-docs` },
        h('p', { class: 'service-docs-title', text: t('site.documents.heading') }),
        docs.length ? h('ul', {}, docs.map((d) => h('li', { text: d }))) : h('p', { text: t('site.documents.none') }),
      ),
      h('button', {
        type: 'button',
        class: ['btn', this.service === service ? 'btn-primary' : 'btn-choose'],
        dataset: { testid: 'service-option', serviceId: service.id, serviceSlug: service.slug },
        'aria-label': t('site.service.chooseLabel', { name: service.name }),
        'aria-describedby': `${id}-meta ${id}-docs`,
        text: t('site.service.choose'),
        onclick: () => this.chooseService(service),
      }),
    );
  }

  chooseService(service) {
    this.service = service;
    this.availability = null;
    this.date = null;
    this.go(this.anyLocation || !this.location ? 'soonest' : 'day');
  }

  render_soonest() {
    const body = h('div', { class: 'soonest', 'aria-busy': 'true' }, h('p', { class: 'loading', text: t('site.loading') }));
    this.loadSoonest(body);
    return { heading: this.heading(t('site.soonest.heading')), body: [this.choice(), body, this.backButton()] };
  }

  async loadSoonest(container) {
    const service = this.service;
    try {
      const entries = await this.api.soonest(service.id);
      if (this.step !== 'soonest' || this.service !== service) return;
      this.soonest = entries;
      const byId = new Map(this.org.locations.map((l) => [l.id, l]));
      const free = entries.filter((e) => e.firstSlot);
      container.removeAttribute('aria-busy');
      replaceChildren(
        container,
        free.length
          ? [h('p', { class: 'hint', text: t('site.soonest.intro') }), soonestList(entries, byId, (location, slot) => this.chooseSoonest(location, slot))]
          : this.noSlotsAnywhere(),
      );
      announce(this.announcer, free.length ? t('site.soonest.announce', { count: free.length }) : t('site.noSlots.anywhere', { service: service.name }));
    } catch (err) {
      container.removeAttribute('aria-busy');
      replaceChildren(container);
      this.showStepError(() => errorMessage(err.code, 'site'));
    }
  }

  chooseSoonest(location, slot) {
    this.location = location;
    this.availability = null;
    this.date = slot ? localDay(slot.start, location.timezone) : null;
    this.go(this.date ? 'time' : 'day');
  }

  noSlotsAnywhere() {
    return [
      h('div', { class: 'banner banner-info no-slots', dataset: { testid: 'no-slots' }, role: 'status' },
        h('p', { text: t('site.noSlots.anywhere', { service: this.service.name }) }),
        this.org.phone ? h('p', { text: t('site.noSlots.call', { phone: ltr(this.org.phone) }) }) : null),
      this.waitlistOffer('none'),
    ];
  }

  // ------------------------------------------------------------------ the waitlist

  /**
   * "Nothing (suitable) free? Join the waitlist": a short text and the button opening the form.
   * `kind` 'none' where nothing is free at all, 'other' on the day and time steps.
   */
  waitlistOffer(kind = 'other') {
    return h('section', { class: ['waitlist-offer', kind === 'none' && 'is-prominent'], 'aria-labelledby': `waitlist-offer-${kind}` },
      h('h3', { id: `waitlist-offer-${kind}`, text: t(kind === 'none' ? 'waitlist.offer.headingNone' : 'waitlist.offer.heading') }),
      h('p', { class: 'hint', text: t('waitlist.offer.text') }),
      h('button', { type: 'button', class: ['btn', kind === 'none' && 'btn-primary'], dataset: { testid: 'waitlist-join' }, text: t('waitlist.offer.button'), onclick: () => this.openWaitlist() }));
  }

  openWaitlist() {
    this.waitlistFrom = this.step;
    if (!this.waitlist || this.waitlist.serviceId !== this.service.id || this.waitlist.joined) this.waitlist = null;
    this.go('waitlist');
  }

  render_waitlist() {
    const body = h('div', { class: 'waitlist-body', 'aria-busy': 'true' }, h('p', { class: 'loading', text: t('site.loading') }));
    import('./waitlist.js')
      .then(({ renderWaitlist }) => {
        if (this.step !== 'waitlist' || !body.isConnected) return;
        body.removeAttribute('aria-busy');
        renderWaitlist(this, body);
      })
      .catch((err) => {
        body.removeAttribute('aria-busy');
        replaceChildren(body, h('button', { type: 'button', class: 'btn', text: t('site.retry'), onclick: () => this.go('waitlist') }));
        this.showStepError(() => errorMessage(err?.code || 'NETWORK', 'site'));
      });
    const joined = Boolean(this.waitlist?.joined);
    return { heading: this.heading(t(joined ? 'waitlist.joined.heading' : 'waitlist.heading')), body: [joined ? null : this.choice(), body] };
  }

  render_day() {
    const body = h('div', { class: 'day-body', 'aria-busy': 'true' }, h('p', { class: 'loading', text: t('site.loading') }));
    this.loadDays(body);
    return { heading: this.heading(t('site.day.heading')), body: [this.choice(), body, this.backButton()] };
  }

  async ensureAvailability() {
    if (!this.availability || this.availability.service !== this.service || this.availability.location !== this.location) {
      this.availability = await new Availability(this.api, this.service, this.location).load();
    }
    return this.availability;
  }

  async loadDays(container) {
    const step = this.step;
    try {
      const a = await this.ensureAvailability();
      if (this.step !== step) return;
      container.removeAttribute('aria-busy');
      if (a.none || !a.sorted.length) {
        replaceChildren(container, this.noSlotsHere(a));
        return;
      }
      const chooser = new DayChooser({ availability: a, selected: this.date, onPick: (date) => { this.date = date; this.go('time'); } });
      replaceChildren(container, chooser.el, this.waitlistOffer());
    } catch (err) {
      container.removeAttribute('aria-busy');
      replaceChildren(container, h('button', { type: 'button', class: 'btn', text: t('site.retry'), onclick: () => this.go('day') }));
      this.showStepError(() => errorMessage(err.code, 'site'));
    }
  }

  noSlotsHere(a) {
    const others = a.alternatives;
    const byId = new Map(this.org.locations.map((l) => [l.id, l]));
    return h(
      'div',
      { class: 'no-slots-box' },
      h('div', { class: 'banner banner-info no-slots', dataset: { testid: 'no-slots' }, role: 'status' },
        h('p', { text: t('site.noSlots.here', { service: this.service.name, location: this.location.name }) }),
        others.length ? null : h('p', { text: this.org.phone ? t('site.noSlots.call', { phone: ltr(this.org.phone) }) : t('site.noSlots.later') })),
      others.length
        ? [h('h3', { text: t('site.noSlots.elsewhere') }), soonestList(others, byId, (location, slot) => { this.anyLocation = false; this.chooseSoonest(location, slot); })]
        : null,
      this.waitlistOffer('none'),
    );
  }

  render_time() {
    const body = h('div', { class: 'time-body', 'aria-busy': 'true' }, h('p', { class: 'loading', text: t('site.loading') }));
    this.loadTimes(body);
    return { heading: this.heading(t('site.time.heading', { date: dayLong(this.date) })), body: [this.choice(), body, this.backButton(t('site.time.otherDay'))] };
  }

  async loadTimes(container) {
    const date = this.date;
    try {
      const [slots] = await Promise.all([this.api.slots(this.service.id, this.location.id, date), this.ensureAvailability()]);
      if (this.step !== 'time' || this.date !== date) return;
      this.slots = slots;
      container.removeAttribute('aria-busy');
      if (!slots.length) {
        this.availability?.forget(date);
        this.message = () => t('site.time.noneLeft', { date: dayLong(date) });
        this.go('day');
        return;
      }
      replaceChildren(container, timeList(slots, this.location.timezone, (slot, button) => this.holdSlot(slot, button)), this.waitlistOffer());
      announce(this.announcer, t('site.time.announce', { count: slots.length }));
    } catch (err) {
      container.removeAttribute('aria-busy');
      replaceChildren(container, h('button', { type: 'button', class: 'btn', text: t('site.retry'), onclick: () => this.go('time') }));
      this.showStepError(() => errorMessage(err.code, 'site'));
    }
  }

  async holdSlot(slot, button) {
    if (this.busy) return;
    this.busy = true;
    const buttons = this.stepEl.querySelectorAll('[data-testid="slot-option"]');
    for (const b of buttons) b.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const payload = await this.api.hold({ service: this.service.id, location: this.location.id, start: slot.start });
      if (payload.errors.length) {
        const code = payload.errors[0].code;
        this.message = () => errorMessage(code, 'site');
        this.go('time', { focus: true });
        return;
      }
      this.hold = { ...payload.hold, secret: payload.holdSecret }; // the secret: memory only
      this.idempotencyKey = newKey(); // one per booking attempt: retries and double clicks reuse it
      this.uncertain = false; // true while an earlier try with this key may have booked
      this.holdLimitReached = false;
      this.setHoldExpiry(this.hold.expiresInSeconds);
      this.fieldErrors = {};
      this.go('details');
      this.startTimer();
    } catch (err) {
      for (const b of buttons) b.disabled = false;
      button.removeAttribute('aria-busy');
      this.showStepError(() => errorMessage(err.code, 'site'));
    } finally {
      this.busy = false;
    }
  }

  releaseHold() {
    this.stopTimer();
    const hold = this.hold;
    this.hold = null;
    if (hold) this.api.release(hold.id, hold.secret).catch(() => {}); // it expires by itself anyway
  }

  // ------------------------------------------------------------------ the hold's countdown

  /**
   * The countdown runs on the server's count of seconds (expiresInSeconds), measured with the
   * monotonic clock: a device whose clock is wrong or changes still shows the right time.
   */
  setHoldExpiry(seconds) {
    this.holdDeadline = performance.now() + Math.max(0, Number(seconds) || 0) * 1000;
  }

  holdSecondsLeft() {
    return Math.max(0, Math.round((this.holdDeadline - performance.now()) / 1000));
  }

  /** "More time": the hold runs the organization's hold time from now again (extendHold). */
  async extendHold(button) {
    if (!this.hold || this.extending) return;
    this.extending = true;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    const status = this.stepEl.querySelector('[data-testid="hold-extend-status"]');
    const say = (message) => {
      if (status) status.textContent = message;
      announce(this.announcer, message);
    };
    try {
      const payload = await this.api.extendHold(this.hold.id, this.hold.secret);
      if (payload.errors.length) {
        const code = payload.errors[0].code;
        if (code === 'HOLD_EXTENSION_LIMIT') {
          // The warning now says so instead of offering the button; the focus goes with it.
          this.holdLimitReached = true;
          this.tick();
          focusElement(this.stepEl.querySelector('[data-testid="hold-countdown"]'));
          announce(this.announcer, t('site.hold.noMore'));
          return;
        }
        this.stopTimer();
        this.hold = null;
        this.message = () => errorMessage(code, 'site');
        this.go('time');
        return;
      }
      this.setHoldExpiry(payload.hold.expiresInSeconds);
      this.warned = new Set();
      this.tick();
      // The warning with its button goes away: the focus goes to the countdown, not to <body>.
      focusElement(this.stepEl.querySelector('[data-testid="hold-countdown"]'));
      say(t('site.hold.extended', { count: Math.round(this.holdSecondsLeft() / 60) }));
    } catch (err) {
      say(errorMessage(err.code, 'site'));
    } finally {
      this.extending = false;
      if (button.isConnected) {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    }
  }

  startTimer() {
    this.stopTimer();
    this.warned = new Set();
    this.tick();
    this.timer = window.setInterval(() => this.tick(), 1000);
  }

  stopTimer() {
    if (this.timer) window.clearInterval(this.timer);
    this.timer = null;
  }

  tick() {
    const left = this.holdSecondsLeft();
    const el = this.stepEl.querySelector('[data-testid="hold-countdown"]');
    if (el) {
      const mmss = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
      el.querySelector('.countdown-time').textContent = mmss;
      el.dataset.seconds = String(left);
      el.classList.toggle('is-urgent', left <= 60);
    }
    const warning = this.stepEl.querySelector('[data-testid="hold-warning"]');
    if (warning) {
      warning.hidden = !(left > 0 && left <= HOLD_WARNING_SECONDS);
      const more = warning.querySelector('[data-testid="hold-extend"]');
      if (more) more.hidden = this.holdLimitReached;
      warning.querySelector('p').textContent = t(this.holdLimitReached ? 'site.hold.noMore' : 'site.hold.warning');
    }
    for (const mark of [HOLD_WARNING_SECONDS, 30]) {
      if (left <= mark && left > 0 && !this.warned.has(mark)) {
        this.warned.add(mark);
        const when = left > 60 ? t('site.hold.warningMinutes', { count: Math.round(left / 60) }) : t('site.hold.warningSeconds', { count: left });
        announce(this.announcer, this.holdLimitReached ? when : `${when} ${t('site.hold.moreHint')}`);
      }
    }
    if (left <= 0 && this.step === 'details') {
      this.stopTimer();
      this.hold = null;
      this.message = () => errorMessage('HOLD_EXPIRED', 'site');
      this.go('time');
    }
  }

  // ------------------------------------------------------------------ details and confirm

  render_details() {
    const c = this.contact;
    const field = (name, labelKey, input, hintKey = null) => {
      const errorEl = h('p', { class: 'field-error', id: `${name}-error`, hidden: true });
      const hint = hintKey ? h('p', { class: 'hint', id: `${name}-hint`, text: t(hintKey) }) : null;
      if (hint) input.setAttribute('aria-describedby', `${name}-hint`);
      const wrap = h('div', { class: 'field' }, h('label', { for: input.id, text: t(labelKey) }), hint, input, errorEl);
      return wrap;
    };
    const keep = (name) => (event) => {
      const el = event.currentTarget;
      c[name] = el.type === 'checkbox' ? el.checked : el.value;
    };
    const name = h('input', { type: 'text', id: 'name', name: 'name', autocomplete: 'name', required: true, 'aria-required': 'true', maxlength: '200', dataset: { testid: 'name' }, value: c.name, oninput: keep('name') });
    const email = h('input', { type: 'email', id: 'email', name: 'email', autocomplete: 'email', inputmode: 'email', required: true, 'aria-required': 'true', spellcheck: 'false', dataset: { testid: 'email' }, value: c.email, oninput: keep('email') });
    const phone = h('input', { type: 'tel', id: 'phone', name: 'phone', autocomplete: 'tel', inputmode: 'tel', dataset: { testid: 'phone' }, value: c.phone, oninput: keep('phone') });
    const channels = this.channels();
    if (!channels.includes(c.channel)) c.channel = 'EMAIL';
    const channel = this.org.allowChannelChoice === false ? null : h('select', { id: 'channel', name: 'channel', dataset: { testid: 'channel' }, onchange: keep('channel') },
      channels.map((ch) => h('option', { value: ch, selected: c.channel === ch, text: t(`site.channel.${ch}`) })));
    const lang = c.language || language();
    const languageSelect = h('select', { id: 'language', name: 'language', dataset: { testid: 'language' }, onchange: keep('language') },
      LANGUAGES.map((l) => h('option', { value: l.code, lang: l.code, selected: l.code === lang, text: l.name })));
    const privacy = h('input', { type: 'checkbox', id: 'privacy', name: 'privacy', required: true, 'aria-required': 'true', dataset: { testid: 'privacy-consent' }, checked: c.privacy, onchange: keep('privacy') });
    const privacyError = h('p', { class: 'field-error', id: 'privacy-error', hidden: true });
    const confirm = h('button', { type: 'submit', class: 'btn btn-primary btn-confirm', dataset: { testid: 'confirm' }, text: t('site.details.confirm') });

    const form = h(
      'form',
      { class: 'details-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.book(form, confirm); } },
      h('p', { class: 'hint', text: t('site.details.required') }),
      field('name', 'site.details.name', name),
      field('email', 'site.details.email', email, 'site.details.emailHint'),
      field('phone', 'site.details.phone', phone, channels.includes('SMS') ? 'site.details.phoneHint' : 'site.details.phoneHintNoSms'),
      channel ? field('channel', 'site.details.channel', channel, 'site.details.channelHint') : null,
      field('language', 'site.details.language', languageSelect, 'site.details.languageHint'),
      h(
        'section',
        { class: 'privacy', 'aria-labelledby': 'privacy-heading' },
        h('h3', { id: 'privacy-heading', text: t('site.privacy.heading') }),
        h('p', { id: 'privacy-text', text: t('site.privacy.text', { org: this.org.name }) }),
        h('details', {}, h('summary', { text: t('site.privacy.more') }), h('p', { text: t('site.privacy.details', { org: this.org.name }) })),
        privacyLinks(this.org),
        h('div', { class: 'checkbox-field' }, privacy, h('label', { for: 'privacy', text: t('site.privacy.consent') })),
        privacyError,
      ),
      h('div', { class: 'form-actions' }, confirm, this.backButton(t('site.details.otherTime'))),
    );

    const countdown = h(
      'p',
      { class: 'countdown', tabindex: '-1', dataset: { testid: 'hold-countdown' }, role: 'timer', 'aria-live': 'off', 'aria-atomic': 'true' },
      h('span', { text: `${t('site.hold.label')} ` }),
      h('strong', { class: 'countdown-time', text: '' }),
      h('span', { class: 'countdown-unit', text: ` ${t('site.hold.unit')}` }),
    );
    // Shown from HOLD_WARNING_SECONDS before the end (tick): the warning and its "more time".
    const more = h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'hold-extend' }, text: t('site.hold.more'), onclick: () => this.extendHold(more) });
    const warning = h('div', { class: 'hold-warning', dataset: { testid: 'hold-warning' }, hidden: true },
      h('p', { text: t('site.hold.warning') }),
      more);
    const body = [
      countdown,
      warning,
      h('p', { class: 'hint hold-extend-status', dataset: { testid: 'hold-extend-status' } }),
      h('p', { class: 'hint', text: t('site.hold.hint') }),
      h('section', { class: 'summary', 'aria-labelledby': 'summary-heading' },
        h('h3', { id: 'summary-heading', text: t('site.details.summary') }),
        facts({ service: this.service, location: this.location, start: this.hold?.start, end: this.hold?.end })),
      documentsBlock(this.service),
      form,
    ];
    // field errors survive a re-render (language switch)
    queueMicrotask(() => {
      for (const [f, message] of Object.entries(this.fieldErrors)) this.setError(f, message);
      this.tick();
    });
    return { heading: this.heading(t('site.details.heading')), body };
  }

  setError(fieldName, message) {
    const input = this.stepEl.querySelector(`#${fieldName}`);
    const el = this.stepEl.querySelector(`#${fieldName}-error`);
    if (!input || !el) return;
    setFieldError(input, el, message, { testid: `error-${fieldName}` });
    if (!message) {
      const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter((id) => id && id !== el.id);
      if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
      else input.removeAttribute('aria-describedby');
    }
  }

  validate() {
    const c = this.contact;
    const errors = {};
    const name = c.name.trim();
    if (!name || !/\p{L}/u.test(name)) errors.name = 'INVALID_NAME';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c.email.trim())) errors.email = 'INVALID_EMAIL';
    const phone = c.phone.trim();
    if (phone && ((phone.match(/\d/g) || []).length < 5 || !/^[+\d\s()./-]+$/.test(phone))) errors.phone = 'INVALID_PHONE';
    else if (!phone && this.chosenChannel() === 'SMS') errors.phone = 'PHONE_REQUIRED';
    if (!c.privacy) errors.privacy = 'privacy';
    return errors;
  }

  /** The channels the form offers: SMS only where the server can send it. */
  channels() {
    return this.org.smsEnabled ? ['EMAIL', 'SMS', 'NONE'] : ['EMAIL', 'NONE'];
  }

  /** The channel to book with; null (the server's default) where the form does not ask. */
  chosenChannel() {
    if (this.org.allowChannelChoice === false) return null;
    return this.channels().includes(this.contact.channel) ? this.contact.channel : 'EMAIL';
  }

  messageFor(code) {
    return code === 'privacy' ? () => t('site.privacy.required') : () => errorMessage(code, 'site');
  }

  showFieldErrors(errors) {
    this.fieldErrors = {};
    for (const f of FORM_FIELDS) this.setError(f, null);
    // Only fields the form shows (the channel select is left out where there is no choice).
    const fields = FORM_FIELDS.filter((f) => errors[f] && this.stepEl.querySelector(`#${f}`));
    for (const f of fields) {
      this.fieldErrors[f] = this.messageFor(errors[f]);
      this.setError(f, this.fieldErrors[f]);
    }
    if (fields.length) {
      this.showStepError(() => t('site.details.fixErrors', { count: fields.length }));
      this.stepEl.querySelector(`#${fields[0]}`)?.focus();
    }
    return fields.length;
  }

  async book(form, button) {
    if (this.busy) return; // a double click sends nothing twice (and the key would replay anyway)
    this.showStepError(null);
    if (this.showFieldErrors(this.validate())) return;
    if (!this.hold) {
      this.message = () => errorMessage('HOLD_EXPIRED', 'site');
      this.go('time');
      return;
    }
    const c = this.contact;
    const input = {
      hold: this.hold.id,
      holdSecret: this.hold.secret,
      name: c.name.trim(),
      email: c.email.trim(),
      phone: c.phone.trim() || null,
      channel: this.chosenChannel(),
      language: gqlLanguage(isLanguage(c.language) ? c.language : language()),
      source: this.source,
      idempotencyKey: this.idempotencyKey,
    };
    this.busy = true;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    form.setAttribute('aria-busy', 'true');
    try {
      const payload = await this.api.book(input);
      if (payload.errors.length) {
        this.handleBookingErrors(payload.errors);
        return;
      }
      this.stopTimer();
      this.hold = null;
      this.result = { booking: payload.booking, manageUrl: payload.manageUrl, manageToken: payload.manageToken };
      this.go('done');
    } catch (err) {
      // Network or server trouble: the same idempotency key makes a retry safe.
      this.uncertain = true;
      this.showStepError(() => errorMessage(err.code, 'site'));
    } finally {
      this.busy = false;
      if (button.isConnected) {
        button.disabled = false;
        button.removeAttribute('aria-busy');
        form.removeAttribute('aria-busy');
      }
    }
  }

  handleBookingErrors(errors) {
    // The server resolves the hold before it looks up the idempotency key, and booking
    // deletes the hold: a retry after a lost answer gets HOLD_NOT_FOUND instead of the
    // replayed booking. Then it most likely went through: say so instead of "taken".
    if (this.uncertain && errors.some((e) => e.code === 'HOLD_NOT_FOUND' || e.code === 'IDEMPOTENCY_KEY_REUSED')) {
      this.stopTimer();
      this.hold = null;
      this.message = () => t('site.errors.maybeBooked');
      this.go('time');
      return;
    }
    if (errors.some((e) => e.code === 'CHANNEL_UNAVAILABLE')) {
      // SMS was switched off since the page loaded: offer what is possible and say why.
      this.org.smsEnabled = false;
      this.contact.channel = 'EMAIL';
      this.message = () => errorMessage('CHANNEL_UNAVAILABLE', 'site');
      this.go('details');
      return;
    }
    const gone = errors.find((e) => SLOT_GONE.has(e.code));
    if (gone) {
      this.stopTimer();
      this.hold = null; // taken or expired: nothing to give back
      this.message = () => errorMessage(gone.code, 'site');
      this.go('time');
      return;
    }
    const byField = {};
    for (const e of errors) if (FORM_FIELDS.includes(e.field) && !byField[e.field]) byField[e.field] = e.code;
    if (this.showFieldErrors(byField)) return;
    this.showStepError(() => errorMessage(errors[0].code, 'site'));
    focusElement(this.stepBanner);
  }

  // ------------------------------------------------------------------ confirmation

  render_done() {
    const { booking, manageUrl, manageToken } = this.result;
    return {
      heading: this.heading(t('site.done.heading')),
      body: confirmationView({
        booking, manageUrl, manageToken, newWindowLinks: this.newWindowLinks, canPrint: this.canPrint, push: this.push, onAnother: () => this.restart(),
      }),
    };
  }

  // ------------------------------------------------------------------ language switch

  async languageChanged() {
    if (!this.org || !this.step) return;
    try {
      const orgs = await this.api.organizations();
      const refresh = (list, item) => (item ? list.find((x) => x.id === item.id) || item : item);
      this.orgs = orgs;
      this.org = refresh(orgs, this.org);
      this.onOrganization(this.org);
      this.location = refresh(this.org.locations, this.location);
      this.service = refresh(this.org.services, this.service);
      if (this.availability) {
        this.availability.service = this.service;
        this.availability.location = this.location;
      }
      if (this.step === 'done' && this.result?.manageToken) {
        const booking = await this.api.booking(this.result.booking.code, this.result.manageToken);
        if (booking) this.result.booking = booking;
      }
    } catch {
      /* names stay in the previous language */
    }
    this.render(); // what was loaded (free days) is kept; only the texts change
  }
}

// Choosing a slot, shared by the booking flow (site and embed) and the manage page's
// reschedule: which days are free (fetched in windows of at most 92 days, as availableDays
// allows), the earliest free slot per location (soonestAvailability), the time list, the
// "nothing free here, but there" list.

import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { addDays, addMonths, dayLong, localDay, localTime, monthOf, todayIn } from './dates.js';

const WINDOW_DAYS = 92; // availableDays answers at most 92 days at once
const MAX_MONTHS_AHEAD = 24; // a safety net: the booking window is unknown to the client

export class Availability {
  constructor(api, service, location) {
    this.api = api;
    this.service = service;
    this.location = location;
    this.timeZone = location.timezone;
    this.today = todayIn(this.timeZone);
    this.days = new Set();
    this.sorted = [];
    this.fetchedUntil = addDays(this.today, -1);
    this.exhausted = false;
    this.soonest = [];
    this.first = null;
  }

  /** Loads the earliest free slot of every location and the first window of free days. */
  async load() {
    const [soonest] = await Promise.all([
      this.api.soonest(this.service.id).catch(() => null),
      this.fetchWindow(),
    ]);
    this.soonest = soonest || [];
    const mine = this.soonest.find((s) => s.location.id === this.location.id);
    this.first = mine ? mine.firstSlot : soonest ? null : undefined;
    if (this.first) await this.ensure(localDay(this.first.start, this.timeZone));
    return this;
  }

  /** True when nothing at all is free here within the booking window. */
  get none() {
    return this.first === null || (this.first === undefined && this.exhausted && !this.sorted.length);
  }

  get firstDay() {
    return this.sorted[0] || null;
  }

  /** Other locations offering the service with a free slot, soonest first. */
  get alternatives() {
    return this.soonest.filter((s) => s.firstSlot && s.location.id !== this.location.id);
  }

  has(date) {
    return this.days.has(date);
  }

  nextDays(n) {
    return this.sorted.slice(0, n);
  }

  forget(date) {
    this.days.delete(date);
    this.sorted = this.sorted.filter((d) => d !== date);
  }

  async fetchWindow() {
    const from = addDays(this.fetchedUntil, 1);
    const to = addDays(from, WINDOW_DAYS - 1);
    const days = await this.api.days(this.service.id, this.location.id, from, to);
    for (const d of days) this.days.add(d);
    this.sorted = [...this.days].sort();
    this.fetchedUntil = to;
    // Past the first free day, an empty window means the booking window has ended.
    if (!days.length && (this.sorted.length || from > addDays(this.today, 366))) this.exhausted = true;
  }

  async ensure(date) {
    while (!this.exhausted && this.fetchedUntil < date) await this.fetchWindow();
  }

  async ensureMonth(ym) {
    await this.ensure(addDays(`${addMonths(ym, 1)}-01`, -1));
  }

  /** Whether the calendar may show this month. */
  canShow(ym) {
    if (ym < monthOf(this.today) || ym > addMonths(monthOf(this.today), MAX_MONTHS_AHEAD)) return false;
    if (ym <= monthOf(this.fetchedUntil)) return true;
    return !this.exhausted;
  }

  slots(date) {
    return this.api.slots(this.service.id, this.location.id, date);
  }
}

/** The free times of one day as buttons. */
export function timeList(slots, timeZone, onPick) {
  return h(
    'ul',
    { class: 'slot-list' },
    slots.map((slot) =>
      h(
        'li',
        {},
        h('button', {
          type: 'button',
          class: 'btn slot-button',
          dataset: { testid: 'slot-option', start: slot.start },
          'aria-label': t('site.time.slotLabel', { time: slot.localTime || localTime(slot.start, timeZone) }),
          text: slot.localTime || localTime(slot.start, timeZone),
          onclick: (event) => onPick(slot, event.currentTarget),
        }),
      ),
    ),
  );
}

/** Locations with their earliest free slot (for "any location" and for "nothing free here"). */
export function soonestList(entries, locationsById, onPick) {
  return h(
    'ul',
    { class: 'option-list' },
    entries.map((entry) => {
      const location = locationsById.get(entry.location.id) || entry.location;
      const tz = location.timezone;
      const when = entry.firstSlot
        ? t('site.soonest.firstFree', { date: dayLong(localDay(entry.firstSlot.start, tz)), time: localTime(entry.firstSlot.start, tz) })
        : t('site.soonest.noneFree');
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'option',
            dataset: { testid: 'soonest-option', locationId: location.id, start: entry.firstSlot?.start },
            disabled: !entry.firstSlot,
            onclick: () => onPick(location, entry.firstSlot),
          },
          h('span', { class: 'option-title', text: location.name }),
          location.address ? h('span', { class: 'option-meta', text: addressLine(location) }) : null,
          h('span', { class: 'option-meta option-strong', text: when }),
        ),
      );
    }),
  );
}

export function addressLine(location) {
  const a = location.address;
  if (!a) return '';
  return [a.street, [a.zipCode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
}

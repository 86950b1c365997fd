// The day chooser: an accessible month calendar AND a plain list of the next free days.
//
// The calendar is a real table (caption = month, column headers = weekdays). Every free day
// is a button; days without a free slot are plain text. The free days are one tab stop:
// arrow keys move to the next/previous free day (mirrored in right-to-left), up/down by a
// week, Home/End to the first/last free day of the month, PageUp/PageDown change the month.

import { h, replaceChildren } from '../lib/dom.js';
import { t, languageInfo } from '../lib/i18n.js';
import { addDays, addMonths, monthOf, monthShape, monthTitle, weekdays, dayLong } from './dates.js';

let instances = 0;

export class DayChooser {
  /**
   * @param {{availability: import('./picker.js').Availability, selected?: string|null,
   *          onPick: (date: string) => void, headingTag?: string, listSize?: number}} options
   */
  constructor({ availability, selected = null, onPick, headingTag = 'h3', listSize = 6 }) {
    this.availability = availability;
    this.selected = selected;
    this.onPick = onPick;
    this.headingTag = headingTag;
    this.listSize = listSize;
    this.id = `cal${++instances}`;
    const start = selected || availability.firstDay || availability.today;
    this.month = monthOf(start);
    this.el = h('div', { class: 'day-chooser' });
    this.render();
  }

  render(focusDate = null) {
    const a = this.availability;
    const next = a.nextDays(this.listSize);
    const list = h(
      'section',
      { class: 'next-days', 'aria-labelledby': `${this.id}-list` },
      h(this.headingTag, { id: `${this.id}-list`, text: t('site.day.nextHeading') }),
      h(
        'ul',
        { class: 'next-days-list' },
        next.map((date) =>
          h(
            'li',
            {},
            h('button', {
              type: 'button',
              class: 'btn day-list-button',
              dataset: { testid: 'day-list-item', date },
              'aria-pressed': String(date === this.selected),
              text: dayLong(date),
              onclick: () => this.onPick(date),
            }),
          ),
        ),
      ),
    );
    replaceChildren(this.el, list, this.calendar());
    if (focusDate) this.el.querySelector(`[data-testid="day-option"][data-date="${focusDate}"]`)?.focus();
  }

  calendar() {
    const a = this.availability;
    const ym = this.month;
    const { length, firstWeekday } = monthShape(ym);
    const names = weekdays();
    const inMonth = a.sorted.filter((d) => monthOf(d) === ym);
    const tabStop = inMonth.includes(this.selected) ? this.selected : inMonth[0];
    const titleId = `${this.id}-title`;

    const rows = [];
    let cells = [];
    for (let i = 1; i < firstWeekday; i++) cells.push(h('td', { class: 'cal-empty' }));
    for (let day = 1; day <= length; day++) {
      const date = `${ym}-${String(day).padStart(2, '0')}`;
      const free = a.has(date);
      const label = dayLong(date);
      cells.push(
        h(
          'td',
          { class: ['cal-day', free && 'is-free', date === a.today && 'is-today'] },
          free
            ? h('button', {
                type: 'button',
                class: 'cal-button',
                dataset: { testid: 'day-option', date },
                tabindex: date === tabStop ? '0' : '-1',
                'aria-label': `${label}, ${t('site.day.free')}`,
                'aria-pressed': String(date === this.selected),
                'aria-current': date === a.today ? 'date' : null,
                text: String(day),
                onclick: () => this.onPick(date),
              })
            : h('span', { class: 'cal-closed' }, h('span', { 'aria-hidden': 'true', text: String(day) }), h('span', { class: 'sr-only', text: `${label}, ${t('site.day.notFree')}` })),
        ),
      );
      if (cells.length === 7) {
        rows.push(h('tr', {}, cells));
        cells = [];
      }
    }
    if (cells.length) {
      while (cells.length < 7) cells.push(h('td', { class: 'cal-empty' }));
      rows.push(h('tr', {}, cells));
    }

    const table = h(
      'table',
      { class: 'cal-table', 'aria-labelledby': titleId, onkeydown: (e) => this.key(e) },
      h('thead', {}, h('tr', {}, names.map((n) => h('th', { scope: 'col', abbr: n.long }, h('span', { 'aria-hidden': 'true', text: n.short }), h('span', { class: 'sr-only', text: n.long }))))),
      h('tbody', {}, rows),
    );
    const prev = a.canShow(addMonths(ym, -1));
    const next = a.canShow(addMonths(ym, 1));
    return h(
      'section',
      { class: 'calendar', 'aria-labelledby': `${this.id}-cal` },
      h(this.headingTag, { id: `${this.id}-cal`, class: 'sr-only', text: t('site.day.calendarHeading') }),
      h(
        'div',
        { class: 'cal-head' },
        h('button', {
          type: 'button', class: 'btn cal-nav', dataset: { testid: 'month-prev' }, disabled: !prev,
          'aria-label': t('site.day.prevMonth'), text: '‹', onclick: () => this.goMonth(-1),
        }),
        h('p', { class: 'cal-title', id: titleId, 'aria-live': 'polite', text: monthTitle(ym) }),
        h('button', {
          type: 'button', class: 'btn cal-nav', dataset: { testid: 'month-next' }, disabled: !next,
          'aria-label': t('site.day.nextMonth'), text: '›', onclick: () => this.goMonth(1),
        }),
      ),
      table,
      inMonth.length ? null : h('p', { class: 'hint', text: t('site.day.noneThisMonth') }),
      h('p', { class: 'hint', text: t('site.day.keyboardHint') }),
    );
  }

  async goMonth(delta, focus = null) {
    const target = addMonths(this.month, delta);
    if (!this.availability.canShow(target)) return;
    this.el.setAttribute('aria-busy', 'true');
    try {
      await this.availability.ensureMonth(target);
    } finally {
      this.el.removeAttribute('aria-busy');
    }
    this.month = target;
    this.render();
    const inMonth = this.availability.sorted.filter((d) => monthOf(d) === target);
    const pick = focus === 'last' ? inMonth[inMonth.length - 1] : focus === 'first' ? inMonth[0] : focus;
    const button = pick && this.el.querySelector(`[data-testid="day-option"][data-date="${pick}"]`);
    // After the month buttons, keep focus on the button that was used (it is re-created).
    if (button) button.focus();
    else if (!focus) this.el.querySelector(`[data-testid="month-${delta < 0 ? 'prev' : 'next'}"]:not(:disabled)`)?.focus();
  }

  key(event) {
    const current = event.target.closest?.('[data-testid="day-option"]')?.dataset.date;
    if (!current) return;
    const a = this.availability;
    const rtl = languageInfo().dir === 'rtl';
    const after = (d) => a.sorted.find((x) => x > d);
    const before = (d) => [...a.sorted].reverse().find((x) => x < d);
    let target = null;
    switch (event.key) {
      case 'ArrowRight': target = rtl ? before(current) : after(current); break;
      case 'ArrowLeft': target = rtl ? after(current) : before(current); break;
      case 'ArrowDown': target = a.sorted.find((x) => x >= addDays(current, 7)); break;
      case 'ArrowUp': target = [...a.sorted].reverse().find((x) => x <= addDays(current, -7)); break;
      case 'Home': target = a.sorted.find((x) => monthOf(x) === this.month); break;
      case 'End': target = [...a.sorted].reverse().find((x) => monthOf(x) === this.month); break;
      case 'PageDown': event.preventDefault(); this.goMonth(1, 'first'); return;
      case 'PageUp': event.preventDefault(); this.goMonth(-1, 'first'); return;
      default: return;
    }
    event.preventDefault();
    if (!target) return;
    if (monthOf(target) !== this.month) {
      const [ty, tm] = monthOf(target).split('-').map(Number);
      const [cy, cm] = this.month.split('-').map(Number);
      this.goMonth((ty - cy) * 12 + (tm - cm), target);
      return;
    }
    for (const b of this.el.querySelectorAll('[data-testid="day-option"]')) b.tabIndex = b.dataset.date === target ? 0 : -1;
    this.el.querySelector(`[data-testid="day-option"][data-date="${target}"]`)?.focus();
  }
}


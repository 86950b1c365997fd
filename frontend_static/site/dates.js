// Dates for the booking pages. Local days travel as 'YYYY-MM-DD' strings (the location's
// days, from the server) and are formatted as UTC dates, so the browser's own time zone can
// never shift them; instants are shown in the location's time zone.

import { languageInfo, isoDateIn, formatTime } from '../lib/i18n.js';

/** 'YYYY-MM-DD' -> Date at 00:00 UTC. */
export function utcDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function addDays(iso, n) {
  const date = utcDate(iso);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** 'YYYY-MM' of a day, and months added to a 'YYYY-MM'. */
export const monthOf = (iso) => iso.slice(0, 7);
export function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1 + n, 1));
  return date.toISOString().slice(0, 7);
}

/** Days in a month and the ISO weekday (1 = Monday) of its first day. */
export function monthShape(ym) {
  const first = utcDate(`${ym}-01`);
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
  return { length: last.getUTCDate(), firstWeekday: ((first.getUTCDay() + 6) % 7) + 1 };
}

const format = (options, date) => {
  try {
    return new Intl.DateTimeFormat(languageInfo().locale, { timeZone: 'UTC', ...options }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
};

/** "Montag, 23. November 2026" */
export const dayLong = (iso) => format({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }, utcDate(iso));
/** "Mo., 23. Nov." */
export const dayShort = (iso) => format({ weekday: 'short', day: 'numeric', month: 'short' }, utcDate(iso));
/** "November 2026" */
export const monthTitle = (ym) => format({ month: 'long', year: 'numeric' }, utcDate(`${ym}-01`));

/** Weekday names Monday..Sunday, { short, long }. */
export function weekdays() {
  return Array.from({ length: 7 }, (_, i) => {
    const date = utcDate(`2024-01-0${i + 1}`); // 1 January 2024 was a Monday
    const short = format({ weekday: 'short' }, date);
    // Long "short" names (Arabic) do not fit seven columns at 320 px: use the narrow form.
    return { short: short.length > 4 ? format({ weekday: 'narrow' }, date) : short, long: format({ weekday: 'long' }, date) };
  });
}

/** The location's local day of an instant. */
export const localDay = (instant, timeZone) => isoDateIn(timeZone, new Date(instant));
/** HH:MM of an instant in the location's time zone. */
export const localTime = (instant, timeZone) => formatTime(instant, timeZone);
/** The location's today. */
export const todayIn = (timeZone) => isoDateIn(timeZone);

/** A fee as currency, e.g. "37,00 €". */
export function formatFee(fee) {
  if (!fee) return '';
  try {
    return new Intl.NumberFormat(languageInfo().locale, { style: 'currency', currency: fee.currency }).format(Number(fee.amount));
  } catch {
    return `${fee.amount} ${fee.currency}`;
  }
}

/** A phone number, e-mail address or code inside a sentence: kept left-to-right in Arabic. */
export const ltr = (value) => `\u2066${value}\u2069`;

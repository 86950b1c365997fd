// The i18n loader. Every user-facing text of the pages lives in frontend_static/i18n/<lang>.json;
// HTML carries keys (data-i18n="key", data-i18n-attr="aria-label:key;placeholder:key") and
// modules call t('key', { params }). Setting a language sets <html lang dir> too.

/** The five languages, named in themselves (the only texts not in the catalogs). */
export const LANGUAGES = [
  { code: 'de', name: 'Deutsch', dir: 'ltr', locale: 'de-DE', gql: 'DE', speech: 'de-DE' },
  { code: 'en', name: 'English', dir: 'ltr', locale: 'en-GB', gql: 'EN', speech: 'en-GB' },
  { code: 'tr', name: 'Türkçe', dir: 'ltr', locale: 'tr-TR', gql: 'TR', speech: 'tr-TR' },
  // Western digits in Arabic too: ticket numbers (A042) and counters (Schalter 3) use them.
  { code: 'ar', name: 'العربية', dir: 'rtl', locale: 'ar-u-nu-latn', gql: 'AR', speech: 'ar-SA' },
  { code: 'uk', name: 'Українська', dir: 'ltr', locale: 'uk-UA', gql: 'UK', speech: 'uk-UA' },
];
export const DEFAULT_LANGUAGE = 'de';

const CATALOG_BASE = new URL('../i18n/', import.meta.url);
const catalogs = new Map();
const listeners = new Set();
let current = { code: DEFAULT_LANGUAGE, messages: {}, fallback: {} };

export function languageInfo(code = current.code) {
  return LANGUAGES.find((l) => l.code === code) || LANGUAGES[0];
}

export function isLanguage(code) {
  return LANGUAGES.some((l) => l.code === code);
}

/** The current language code. */
export function language() {
  return current.code;
}

/** The current language as the GraphQL `Language` enum (DE, EN, …). */
export function gqlLanguage(code = current.code) {
  return languageInfo(code).gql;
}

/**
 * The first usable language of: an explicit choice (URL parameter), a stored choice,
 * the browser's languages, German.
 */
export function pickLanguage(...candidates) {
  const browser = (navigator.languages || [navigator.language || '']).map((l) => String(l).slice(0, 2).toLowerCase());
  for (const c of [...candidates, ...browser]) {
    if (c && isLanguage(c)) return c;
  }
  return DEFAULT_LANGUAGE;
}

async function loadCatalog(code) {
  if (!catalogs.has(code)) {
    catalogs.set(
      code,
      fetch(new URL(`${code}.json`, CATALOG_BASE), { credentials: 'same-origin' }).then((r) => {
        if (!r.ok) throw new Error(`catalog ${code}: HTTP ${r.status}`);
        return r.json();
      }),
    );
  }
  try {
    return await catalogs.get(code);
  } catch (err) {
    catalogs.delete(code);
    throw err;
  }
}

/** Switch language: load its catalog, set <html lang dir>, re-translate the page, notify. */
export async function setLanguage(code, { root = document } = {}) {
  const info = languageInfo(isLanguage(code) ? code : DEFAULT_LANGUAGE);
  // Only the chosen catalog: all five are complete (tests/pages/test_catalogs.py checks it),
  // so a German fallback would cost ~10 KB on every non-German first load for nothing.
  const messages = await loadCatalog(info.code);
  current = { code: info.code, messages, fallback: messages };
  document.documentElement.lang = info.code;
  document.documentElement.dir = info.dir;
  translate(root);
  revealPage();
  for (const fn of listeners) fn(info.code);
  return info.code;
}

/**
 * Show a page that waits for its language (<html class="i18n-pending">, css/site.css): done by
 * setLanguage, and by a page's error handling when the catalog could not be loaded.
 */
export function revealPage() {
  document.documentElement.classList.remove('i18n-pending');
}

/** Call fn(code) after every language switch; returns an unsubscribe function. */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function lookup(messages, key) {
  let node = messages;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Whether the catalog has this key (e.g. an error code's message). */
export function has(key) {
  return lookup(current.messages, key) !== undefined || lookup(current.fallback, key) !== undefined;
}

/**
 * The text for `key` with {placeholders} filled in. A plural entry is an object of CLDR
 * categories ({ one, other, … }) chosen by params.count.
 */
export function t(key, params = {}) {
  let message = lookup(current.messages, key);
  if (message === undefined) message = lookup(current.fallback, key);
  if (message === undefined) {
    console.warn(`i18n: missing key ${key}`);
    return key;
  }
  if (message && typeof message === 'object') {
    const category = new Intl.PluralRules(languageInfo().locale).select(Number(params.count ?? 0));
    message = message[category] ?? message.other ?? '';
  }
  return String(message).replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === 'number' ? formatNumber(value) : String(value ?? '');
  });
}

/** Apply data-i18n / data-i18n-attr keys under root. */
export function translate(root = document) {
  const scope = root.querySelectorAll ? root : document;
  const nodes = [];
  if (scope instanceof Element && (scope.hasAttribute('data-i18n') || scope.hasAttribute('data-i18n-attr'))) nodes.push(scope);
  nodes.push(...scope.querySelectorAll('[data-i18n], [data-i18n-attr]'));
  for (const el of nodes) {
    const key = el.getAttribute('data-i18n');
    if (key) el.textContent = t(key);
    const attrs = el.getAttribute('data-i18n-attr');
    if (attrs) {
      for (const pair of attrs.split(';')) {
        const [attr, attrKey] = pair.split(':').map((s) => s.trim());
        if (attr && attrKey) el.setAttribute(attr, t(attrKey));
      }
    }
  }
}

export function formatNumber(value) {
  return new Intl.NumberFormat(languageInfo().locale).format(value);
}

/** HH:MM of an instant, in a time zone (default: the browser's). */
export function formatTime(value, timeZone) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const options = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (timeZone) options.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat(languageInfo().locale, options).format(date);
  } catch {
    delete options.timeZone;
    return new Intl.DateTimeFormat(languageInfo().locale, options).format(date);
  }
}

/** A long local date (e.g. for the console's "today"). */
export function formatDate(value, timeZone) {
  const date = value instanceof Date ? value : new Date(value);
  const options = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
  if (timeZone) options.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat(languageInfo().locale, options).format(date);
  } catch {
    delete options.timeZone;
    return new Intl.DateTimeFormat(languageInfo().locale, options).format(date);
  }
}

/** YYYY-MM-DD of "today" in a time zone (the location's today, DESIGN "Time"). */
export function isoDateIn(timeZone, now = new Date()) {
  const parts = {};
  let fmt;
  try {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    fmt = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
  }
  for (const p of fmt.formatToParts(now)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

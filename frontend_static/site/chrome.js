// What every citizen page (site, manage, embed) has around its content: appearance
// (theme, large text, high contrast), the language switch, and the page's parameters.
// `store` keeps choices across visits on the site; the embed passes none (no storage).

import { applyAppearance, renderLanguageSwitch } from '../lib/ui.js';
import { setLanguage, isLanguage, DEFAULT_LANGUAGE } from '../lib/i18n.js';
import { readParams } from '../lib/params.js';

/** readParams() plus ?org=<slug>. */
export function siteParams(search = window.location.search) {
  const q = new URLSearchParams(search);
  const org = (q.get('org') || '').trim().toLowerCase();
  return { ...readParams(search), org: /^[a-z0-9][a-z0-9_-]{0,59}$/.test(org) ? org : null };
}

/**
 * @param {{params: object, store?: {get: Function, set: Function}|null, defaultTheme?: string,
 *          langSwitch: HTMLElement, contrastToggle: HTMLElement, largeTextToggle: HTMLElement,
 *          language?: string|null}} options
 */
export async function setUpChrome({ params, store = null, defaultTheme = 'light', langSwitch, contrastToggle, largeTextToggle, language = null }) {
  const stored = (key) => (store ? store.get(key) : null);
  const prefs = {
    theme: params.theme || stored('theme') || defaultTheme,
    fontSize: params.fontSize || stored('fontSize') || 'normal',
    contrast: params.contrast || stored('contrast') || null,
  };
  const prefersMore = () => window.matchMedia?.('(prefers-contrast: more)').matches;
  const sync = () => {
    applyAppearance(prefs);
    const high = prefs.contrast === 'high' || (prefs.contrast === null && prefersMore());
    contrastToggle.setAttribute('aria-pressed', String(Boolean(high)));
    largeTextToggle.setAttribute('aria-pressed', String(prefs.fontSize !== 'normal'));
  };
  sync();
  contrastToggle.addEventListener('click', () => {
    prefs.contrast = contrastToggle.getAttribute('aria-pressed') === 'true' ? 'normal' : 'high';
    store?.set('contrast', prefs.contrast);
    sync();
  });
  largeTextToggle.addEventListener('click', () => {
    prefs.fontSize = prefs.fontSize === 'normal' ? 'large' : 'normal';
    store?.set('fontSize', prefs.fontSize);
    sync();
  });
  // German unless the URL or an earlier choice on this device says otherwise.
  const chosen = [params.lang, stored('lang'), language].find((c) => c && isLanguage(c));
  await setLanguage(chosen || DEFAULT_LANGUAGE);
  renderLanguageSwitch(langSwitch, async (code) => {
    store?.set('lang', code);
    await setLanguage(code);
  });
  return prefs;
}

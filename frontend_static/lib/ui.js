// Page building blocks shared by the display, ticket page, kiosk and console: appearance
// (theme / font size / contrast), the language switch, the live-connection banner and the
// messages for typed error codes.

import { h, replaceChildren, refreshFieldErrors } from './dom.js';
import { LANGUAGES, language, t, has, formatTime, onLanguageChange } from './i18n.js';
import { THEMES, FONT_SIZES } from './params.js';

// Field errors set with a message function follow the language.
onLanguageChange(() => refreshFieldErrors());

/** Set <html data-theme data-font-size data-contrast>. Unknown values fall back to defaults. */
export function applyAppearance({ theme, fontSize, contrast } = {}) {
  const root = document.documentElement;
  root.dataset.theme = THEMES.includes(theme) ? theme : 'light';
  root.dataset.fontSize = FONT_SIZES.includes(fontSize) ? fontSize : 'normal';
  if (contrast === 'high' || contrast === 'normal') root.dataset.contrast = contrast;
  else delete root.dataset.contrast;
}

/**
 * Render the five language buttons into `container` (a <nav> with an aria-label key).
 * Each button carries its own lang attribute (WCAG 3.1.2) and aria-pressed.
 */
export function renderLanguageSwitch(container, onChoose) {
  const list = h('ul');
  for (const lang of LANGUAGES) {
    list.append(
      h(
        'li',
        {},
        h('button', {
          type: 'button',
          lang: lang.code,
          dir: lang.dir,
          dataset: { lang: lang.code, testid: `lang-${lang.code}` },
          'aria-pressed': String(lang.code === language()),
          text: lang.name,
          onclick: () => onChoose(lang.code),
        }),
      ),
    );
  }
  container.classList.add('lang-switch');
  replaceChildren(container, list);
  const refresh = () => {
    for (const button of container.querySelectorAll('button[data-lang]')) {
      button.setAttribute('aria-pressed', String(button.dataset.lang === language()));
    }
  };
  onLanguageChange(refresh);
  return refresh;
}

/**
 * Keep an offline banner in step with a LiveConnection: hidden while online, otherwise
 * "Verbindung unterbrochen – Stand HH:MM" (the last moment the page's data was known to be
 * current). `timeZone` formats that time for the place (the board's location).
 */
export function bindConnectionBanner(banner, connection, { timeZone = undefined, hasState = () => true } = {}) {
  const render = () => {
    const status = connection.status;
    banner.dataset.status = status;
    document.documentElement.dataset.connection = status;
    if (status === 'online' || status === 'connecting') {
      banner.hidden = true;
      banner.textContent = '';
      return;
    }
    const when = connection.lastGoodAt && hasState() ? formatTime(connection.lastGoodAt, timeZone) : null;
    banner.textContent = when ? t('live.offlineSince', { time: when }) : t('live.offline');
    banner.hidden = false;
  };
  const stop = connection.onStatus(render);
  const stopLang = onLanguageChange(render);
  return () => {
    stop();
    stopLang();
  };
}

/**
 * A localised message for a typed error code (UserError.code or extensions.code). A page may
 * word a code its own way: `<context>.errors.<CODE>` wins over the shared `errors.<CODE>`.
 */
export function errorMessage(code, context = null) {
  if (code && context && has(`${context}.errors.${code}`)) return t(`${context}.errors.${code}`);
  if (code && has(`errors.${code}`)) return t(`errors.${code}`);
  return t('errors.UNKNOWN');
}

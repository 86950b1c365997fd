// Small DOM helpers shared by every page. No framework: elements are built with h() and
// texts always come from the i18n catalogs (lib/i18n.js), set as textContent, never as HTML.

/** document.querySelector shorthand. */
export const $ = (selector, root = document) => root.querySelector(selector);

/** document.querySelectorAll as an array. */
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** The element with this data-testid (tests and pages use the same hooks). */
export const byTestId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

/**
 * Build an element: h('button', { class: 'btn', dataset: { testid: 'x' }, onclick: fn }, 'text').
 * Attributes named on* become listeners; `text` sets textContent; children may be strings,
 * nodes, arrays, null or false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'dataset') {
      for (const [name, v] of Object.entries(value)) if (v !== null && v !== undefined && v !== false) el.dataset[name] = v;
    }
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Show or hide with the `hidden` attribute (CSS never overrides it: see base.css). */
export function show(el, visible = true) {
  if (el) el.hidden = !visible;
  return el;
}

/** Read a cookie by name (for Django's `csrftoken`). */
export function getCookie(name) {
  for (const part of document.cookie ? document.cookie.split(';') : []) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/**
 * Announce a message in a live region. The text is cleared first and set a tick later, so
 * screen readers announce the same message twice in a row too.
 */
export function announce(region, message) {
  if (!region) return;
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = message;
  }, 60);
}

/**
 * Tie an error message to a form field (WCAG 3.3.1): aria-invalid, aria-describedby and the
 * message element's text. Pass message = null to clear. Only one element on a page carries
 * data-testid="error" at a time (the one showing a message), so tests can find it.
 */
export function setFieldError(input, messageEl, message, { testid = 'error' } = {}) {
  if (!messageEl) return;
  // A function is kept and called again after a language switch (refreshFieldErrors).
  messageEl._message = typeof message === 'function' ? message : null;
  const text = typeof message === 'function' ? message() : message;
  if (text) {
    messageEl.textContent = text;
    messageEl.hidden = false;
    if (testid) messageEl.dataset.testid = testid;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      const ids = new Set((input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
      ids.add(messageEl.id);
      input.setAttribute('aria-describedby', Array.from(ids).join(' '));
    }
  } else {
    messageEl.textContent = '';
    messageEl.hidden = true;
    if (testid && messageEl.dataset.testid === testid) delete messageEl.dataset.testid;
    if (input) input.removeAttribute('aria-invalid');
  }
}

/** Re-render the visible field errors that were set with a message function. */
export function refreshFieldErrors(root = document) {
  for (const el of root.querySelectorAll('.field-error')) {
    if (!el.hidden && typeof el._message === 'function') el.textContent = el._message();
  }
}

/** True when a key event comes from something the user types into. */
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target.getAttribute('type') || 'text').toLowerCase();
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(type);
}

/** Move focus to an element (making it focusable for the moment if it is a heading etc.). */
export function focusElement(el, { preventScroll = false } = {}) {
  if (!el) return;
  if (!el.matches('a[href], button, input, select, textarea, [tabindex]')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll });
}

/**
 * Parse a trusted SVG string from our own server (e.g. a QR code) into an SVG element,
 * without innerHTML: XML-parsed, scripts and event attributes dropped all the same.
 */
export function parseSvg(svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  if (!svg || svg.nodeName.toLowerCase() !== 'svg' || doc.querySelector('parsererror')) return null;
  for (const node of svg.querySelectorAll('script, foreignObject')) node.remove();
  for (const node of [svg, ...svg.querySelectorAll('*')]) {
    for (const attr of Array.from(node.attributes)) {
      if (/^on/i.test(attr.name) || attr.name === 'style') node.removeAttribute(attr.name);
    }
  }
  return document.importNode(svg, true);
}

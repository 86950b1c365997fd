// URL parameters the pages understand, validated: ?location=&lang=&theme=&font_size=&service=&speak=1
// Unknown or malformed values are ignored (null), so a typo never breaks a TV or a kiosk.

export const LANGUAGE_CODES = ['de', 'en', 'tr', 'ar', 'uk'];
export const THEMES = ['light', 'dark', 'kommune'];
export const FONT_SIZES = ['normal', 'large', 'xlarge'];

function oneOf(value, allowed) {
  if (value === null || value === undefined) return null;
  const v = String(value).trim().toLowerCase();
  return allowed.includes(v) ? v : null;
}

function text(value, max = 200) {
  if (value === null || value === undefined) return null;
  const v = String(value).trim();
  return v && v.length <= max ? v : null;
}

function flag(value) {
  if (value === null || value === undefined) return false;
  return ['1', 'true', 'yes', 'on', ''].includes(String(value).trim().toLowerCase());
}

/** The page's parameters from a query string (default: the current URL). */
export function readParams(search = window.location.search) {
  const q = new URLSearchParams(search);
  return {
    location: text(q.get('location')),
    lang: oneOf(q.get('lang'), LANGUAGE_CODES),
    theme: oneOf(q.get('theme'), THEMES),
    fontSize: oneOf(q.get('font_size') ?? q.get('fontSize'), FONT_SIZES),
    contrast: q.has('contrast') ? (oneOf(q.get('contrast'), ['high', 'normal']) || 'high') : null,
    service: text(q.get('service')),
    speak: q.has('speak') ? flag(q.get('speak')) : false,
  };
}

/**
 * The secret of a holder's ticket link (/t/<id>#<token>). It lives in the fragment, which the
 * browser never sends to the server; the page passes it in the GraphQL request body only.
 */
export function readHashToken(hash = window.location.hash) {
  const raw = (hash || '').replace(/^#/, '').trim();
  if (!raw) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The ticket id of /t/<uuid>. */
export function ticketIdFromPath(pathname = window.location.pathname) {
  const m = /\/t\/([0-9a-fA-F-]{36})\/?$/.exec(pathname);
  return m ? m[1].toLowerCase() : null;
}

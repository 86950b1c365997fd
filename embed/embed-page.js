// The booking widget inside a city portal's iframe: /embed?location=&service=&lang=&theme=&org=&origin=
// The site's booking flow in a compact layout, booked with source EMBED. No cookies (the
// GraphQL calls are anonymous: credentials 'omit') and no storage of any kind, so it works
// where third-party cookies and storage are blocked.
//
// Its height goes to the embedding page (embed.js resizes the iframe) as
// {type: 'vorzimmer:height', height} — nothing else, no personal data — posted only to the
// parent's exact origin: location.ancestorOrigins, else the Referer's origin, else the
// `origin` parameter the loader passes. Without a parent (or a known origin) nothing is posted.

import { $ } from '/static/app/lib/dom.js';
import { t, revealPage } from '/static/app/lib/i18n.js';
import { createApi } from '/static/app/site/api.js';
import { BookingFlow } from '/static/app/site/flow.js';
import { setUpChrome, siteParams } from '/static/app/site/chrome.js';

const params = siteParams();

function asOrigin(value) {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) ? url.origin : null;
  } catch {
    return null;
  }
}

function parentOrigin() {
  if (window.parent === window) return null;
  const ancestors = window.location.ancestorOrigins;
  if (ancestors && ancestors.length) return asOrigin(ancestors[0]);
  if (document.referrer) return asOrigin(document.referrer);
  const given = new URLSearchParams(window.location.search).get('origin');
  return given && asOrigin(given) === given ? given : null;
}

function reportHeight() {
  const target = parentOrigin();
  if (!target) return;
  const root = document.getElementById('embed-root');
  let last = 0;
  let queued = false;
  const send = () => {
    queued = false;
    const height = Math.ceil(root.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'vorzimmer:height', height }, target);
  };
  const queue = () => {
    if (!queued) {
      queued = true;
      window.requestAnimationFrame(send);
    }
  };
  new ResizeObserver(queue).observe(root);
  window.addEventListener('load', queue);
  queue();
}

try {
  reportHeight();
  await setUpChrome({
    params,
    store: null,
    defaultTheme: 'light',
    langSwitch: $('#lang-switch'),
    contrastToggle: $('#contrast-toggle'),
    largeTextToggle: $('#large-text-toggle'),
  });
  const flow = new BookingFlow({
    root: $('#flow'),
    api: createApi({ anonymous: true }),
    params,
    source: 'EMBED',
    announcer: $('#announcer'),
    onOrganization: (org) => {
      document.title = `${t('site.appName')} – ${org.name}`;
    },
    history: false,
    newWindowLinks: true,
    print: false,
    // No Web Push here: a service worker cannot be registered from another site's iframe.
    // The waitlist is offered as on the site (its form is loaded only when opened).
    push: false,
  });
  await flow.start();
} catch (err) {
  console.error(err);
  revealPage();
  $('#flow').removeAttribute('aria-busy');
  $('#load-failed').hidden = false;
}

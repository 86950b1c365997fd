// Web Push ("notify me") for a booking (reminders) or a walk-in ticket ("almost your turn",
// "called"). Loaded on demand (dynamic import) by the confirmation view (site, waitlist page),
// the manage page and the ticket page — and only where the browser has Web Push
// ('serviceWorker' in navigator && 'PushManager' in window); the embed never offers it.
//
// Permission is asked only after the citizen clicks the button. Then /sw.js is registered
// (scope /), the browser subscribed with the server's VAPID key, and the subscription sent
// with subscribePush, proven by the booking's code + manage token or the ticket's id + status
// token. Pushes carry no personal data ({title, url, number?}); their url has no secret, so
// this device remembers the link's token for that path (localStorage) for when the citizen
// opens a notification: manage.js and ticket.js look it up when their URL has no fragment.

import { h, focusElement } from './dom.js';
import { gql } from './graphql.js';
import { t, gqlLanguage, onLanguageChange } from './i18n.js';
import { errorMessage } from './ui.js';
import { storage } from './storage.js';

const VAPID_QUERY = 'query VapidPublicKey { vapidPublicKey }';
const SUBSCRIBE = `mutation SubscribePush($input: PushSubscriptionInput!) {
  subscribePush(input: $input) { subscribed errors { code message field } } }`;
const LINKS_KEY = 'pushLinks'; // { "/manage/<code>": token, "/t/<id>": token }, newest last
const MAX_LINKS = 20;
const READY_TIMEOUT_MS = 20000;
const SUBSCRIBE_TIMEOUT_MS = 30000; // a browser whose push service is unreachable may never answer

/** Whether this browser can do Web Push at all. */
export const pushSupported = () =>
  'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** A failure with a code the opt-in box words: DENIED, DISMISSED, UNSUPPORTED, UNAVAILABLE, or a server/transport code. */
export class PushError extends Error {
  constructor(code, message = code) {
    super(message);
    this.name = 'PushError';
    this.code = code;
  }
}

/** The VAPID key (base64url, as vapidPublicKey answers it) as the bytes subscribe() wants. */
export function urlBase64ToUint8Array(base64String) {
  const padding = '='.repeat((4 - (base64String.length % 4)) % 4);
  const base64 = (base64String + padding).replace(/-/g, '+').replace(/_/g, '/');
  const raw = window.atob(base64);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** '/manage/<code>' or '/t/<ticket id>': where a push for this subject leads. */
function pathOf(subject) {
  return subject.bookingCode ? `/manage/${encodeURIComponent(subject.bookingCode)}` : `/t/${subject.ticket}`;
}
const tokenOf = (subject) => subject.bookingToken || subject.ticketToken;

/** The token this device keeps for a page opened from a notification (no fragment in its URL). */
export function rememberedToken(path = window.location.pathname) {
  const links = storage.get(LINKS_KEY, {});
  return links && typeof links === 'object' && typeof links[path] === 'string' ? links[path] : null;
}

function remember(subject) {
  const links = { ...(storage.get(LINKS_KEY, {}) || {}) };
  const path = pathOf(subject);
  delete links[path];
  links[path] = tokenOf(subject);
  const paths = Object.keys(links);
  for (const old of paths.slice(0, Math.max(0, paths.length - MAX_LINKS))) delete links[old];
  storage.set(LINKS_KEY, links);
}

const isOn = (subject) => Notification.permission === 'granted' && rememberedToken(pathOf(subject)) === tokenOf(subject);

let registering = null;

/** The promise, or a PushError('UNAVAILABLE') after `ms`. */
async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = window.setTimeout(() => reject(new PushError('UNAVAILABLE', `${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    window.clearTimeout(timer);
  }
}

/** Register /sw.js once per page and wait until it is active. */
function serviceWorker() {
  if (!registering) {
    registering = (async () => {
      await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      return withTimeout(navigator.serviceWorker.ready, READY_TIMEOUT_MS, 'service worker not ready');
    })();
    registering.catch(() => {
      registering = null;
    });
  }
  return registering;
}

function sameKey(subscription, key) {
  const current = subscription.options?.applicationServerKey;
  if (!current) return true; // the browser does not tell: keep it
  const a = new Uint8Array(current);
  return a.length === key.length && a.every((byte, i) => byte === key[i]);
}

/**
 * Ask for permission (call it from a click: browsers allow the prompt only then), subscribe
 * and register the subscription for `subject` ({bookingCode, bookingToken} or {ticket,
 * ticketToken}). Resolves when the server will send pushes; throws PushError otherwise.
 */
export async function enablePush(subject) {
  if (!pushSupported() || !window.isSecureContext) throw new PushError('UNSUPPORTED');
  if (Notification.permission === 'denied') throw new PushError('DENIED');
  // First thing after the click, while the browser still counts it as the user's gesture.
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (permission === 'denied') throw new PushError('DENIED');
  if (permission !== 'granted') throw new PushError('DISMISSED');

  let registration;
  try {
    registration = await serviceWorker();
  } catch (err) {
    throw err instanceof PushError ? err : new PushError('UNAVAILABLE', err?.message);
  }
  const { vapidPublicKey } = await gql(VAPID_QUERY); // GraphQLRequestError (code) on failure
  const key = urlBase64ToUint8Array(vapidPublicKey);
  let subscription;
  try {
    subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ||= await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      SUBSCRIBE_TIMEOUT_MS,
      'pushManager.subscribe',
    );
  } catch (err) {
    if (err instanceof PushError) throw err;
    // NotAllowedError: permission withdrawn meanwhile; AbortError and the rest: no push
    // service (e.g. a browser without one, or it is unreachable).
    throw new PushError(err?.name === 'NotAllowedError' ? 'DENIED' : 'UNAVAILABLE', err?.message);
  }
  const json = subscription.toJSON();
  const input = {
    endpoint: json.endpoint,
    p256dh: json.keys?.p256dh,
    auth: json.keys?.auth,
    language: gqlLanguage(),
    ...subject,
  };
  const { subscribePush } = await gql(SUBSCRIBE, { input });
  if (subscribePush.errors.length) throw new PushError(subscribePush.errors[0].code);
  if (!subscribePush.subscribed) throw new PushError('UNKNOWN');
  remember(subject);
}

const STATUS_KEYS = {
  working: 'push.status.working',
  on: 'push.status.on',
  DENIED: 'push.status.denied',
  DISMISSED: 'push.status.dismissed',
  UNSUPPORTED: 'push.status.unsupported',
  UNAVAILABLE: 'push.status.unavailable',
};
/** What each box showed last, by subject: the pages re-render (language switch, manage actions). */
const shown = new Map();

/**
 * The opt-in box: heading, what it is for, the button (push-optin) and a status line
 * (push-status, a polite live region with data-state). `kind`: 'booking' or 'ticket'.
 */
export function pushOptIn(subject, { kind = 'booking', headingTag = 'h3' } = {}) {
  const id = `push-${kind}`;
  const subjectKey = pathOf(subject);
  const heading = h(headingTag, { id: `${id}-heading` });
  const text = h('p', { class: 'hint', id: `${id}-text` });
  const button = h('button', { type: 'button', class: 'btn', dataset: { testid: 'push-optin' }, 'aria-describedby': `${id}-text` });
  const status = h('p', { class: 'push-status', role: 'status', dataset: { testid: 'push-status' } });
  const box = h('section', { class: 'push-optin', 'aria-labelledby': heading.id }, heading, text, button, status);

  let state = shown.get(subjectKey) || (isOn(subject) ? { state: 'on' } : null);
  if (!state && Notification.permission === 'denied') state = { state: 'DENIED' };

  const render = () => {
    heading.textContent = t('push.heading');
    text.textContent = t(kind === 'ticket' ? 'push.textTicket' : 'push.textBooking');
    button.textContent = t('push.button');
    const s = state?.state;
    status.dataset.state = s || 'idle';
    status.classList.toggle('is-error', Boolean(s && s !== 'on' && s !== 'working'));
    status.classList.toggle('is-ok', s === 'on');
    if (!s) status.textContent = '';
    else if (STATUS_KEYS[s]) status.textContent = t(STATUS_KEYS[s]);
    else status.textContent = errorMessage(s, 'push');
    button.hidden = s === 'on';
  };
  const set = (next) => {
    state = next;
    if (next && next.state !== 'working') shown.set(subjectKey, next);
    render();
  };

  button.addEventListener('click', async () => {
    if (state?.state === 'working') return;
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
    button.setAttribute('aria-disabled', 'true');
    button.setAttribute('aria-busy', 'true');
    set({ state: 'working' });
    try {
      await enablePush(subject);
      set({ state: 'on' });
      focusElement(status); // the button is gone: keep the focus near
    } catch (err) {
      set({ state: err?.code || 'UNKNOWN' });
      if (!(err instanceof PushError)) console.warn('push opt-in failed', err);
    } finally {
      button.removeAttribute('aria-disabled');
      button.removeAttribute('aria-busy');
    }
  });

  let connected = false;
  const stop = onLanguageChange(() => {
    if (box.isConnected) connected = true;
    else if (connected) {
      stop();
      return;
    }
    render();
  });
  render();
  return box;
}

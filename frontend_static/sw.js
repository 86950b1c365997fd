/* vorzimmer service worker (/sw.js, scope /): Web Push only — no caching, no fetch handler.
   A push carries {title, url, number?} and nothing personal; it is shown as it is. A click
   focuses a tab already showing that page (its URL there has the secret in the fragment),
   otherwise opens the url (the page finds the token this device kept when opting in). */
'use strict';

self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** A path on this origin, or '/' (never another site). */
function safeUrl(value) {
  try {
    const url = new URL(typeof value === 'string' && value ? value : '/', self.location.origin);
    return url.origin === self.location.origin ? url.pathname + url.search : '/';
  } catch (err) {
    return '/';
  }
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) {
    data = {};
  }
  if (!data || typeof data !== 'object') data = {};
  const url = safeUrl(data.url);
  const title = typeof data.title === 'string' && data.title.trim() ? data.title.trim().slice(0, 200) : self.location.host;
  const number = typeof data.number === 'string' || typeof data.number === 'number' ? String(data.number).slice(0, 20) : '';
  const options = {
    body: number,
    tag: url, // a newer message about the same ticket or booking replaces the older one
    renotify: true,
    data: { url },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = safeUrl(event.notification.data && event.notification.data.url);
  const target = new URL(url, self.location.origin);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const client of windows) {
      const open = new URL(client.url);
      if (open.origin === target.origin && open.pathname === target.pathname && 'focus' in client) {
        return client.focus();
      }
    }
    if (self.clients.openWindow) return self.clients.openWindow(target.href);
    return undefined;
  })());
});

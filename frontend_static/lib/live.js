// Live subscriptions over graphql-transport-ws (vendored graphql-ws client), built for screens
// that run for days: a TV board, a phone in a pocket, a clerk's console.
//
// - Reconnect forever with full-jitter exponential backoff: wait random(0, min(cap, base·2^n))
//   before attempt n (base 1 s, cap 30 s), so a restarted server is not hit by every board at
//   once; the wait ends early when the browser comes back online or the tab becomes visible.
// - keepAlive: a ping every PING_INTERVAL_MS; no pong within PONG_TIMEOUT_MS -> the socket is
//   declared dead, terminated and reconnected. A silently dead connection (Wi-Fi gone, proxy
//   dropped it, laptop slept) is therefore noticed within PING_INTERVAL_MS + PONG_TIMEOUT_MS
//   = 8 s; a close the browser does see is shown after OFFLINE_GRACE_MS (so a reconnect that
//   succeeds at once does not flash the banner).
// - After every (re)connect each subscription refetches its state over HTTP (the protocol has
//   no "subscribed" acknowledgement, so an event right after subscribing can be missed), in
//   addition to the server's first event.
//   A refetch answer is dropped when a live event arrived after it was asked for.
// - A subscription the server ends (complete) stays ended; one the server rejects with a
//   "this will not change" code (NOT_FOUND, FORBIDDEN, …) stops; anything else is retried.

import { createClient } from '../vendor/graphql-ws/client.js';

export const PING_INTERVAL_MS = 4000;
export const PONG_TIMEOUT_MS = 4000;
export const OFFLINE_GRACE_MS = 2000;
export const RECONNECT_BASE_MS = 1000;
export const RECONNECT_CAP_MS = 30000;
const ACK_TIMEOUT_MS = 5000;
const OPEN_TIMEOUT_MS = 10000; // a handshake into a black hole: give up and try again
const FINAL_CODES = new Set(['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);

/** Full jitter (AWS architecture blog): a uniformly random wait up to the capped exponential. */
export function fullJitterDelay(attempt, baseMs = RECONNECT_BASE_MS, capMs = RECONNECT_CAP_MS) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(Math.random() * ceiling);
}

/** ws(s)://<this host>/graphql */
export function websocketUrl(path = '/graphql') {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${path}`;
}

function errorCode(errors) {
  if (!Array.isArray(errors)) return null;
  return errors.find((e) => e?.extensions?.code)?.extensions?.code || null;
}

/**
 * One WebSocket per page, shared by its subscriptions.
 *
 * status: 'connecting' (never connected yet) | 'online' | 'offline'
 * lastGoodAt: the last moment the page's live data was known to be current (a live event, a
 *   pong or a successful refetch while connected); pages show it as "Stand HH:MM".
 */
export class LiveConnection {
  constructor({ url = websocketUrl(), connectionParams } = {}) {
    this.status = 'connecting';
    this.lastGoodAt = null;
    this._statusListeners = new Set();
    this._subs = new Set();
    this._wakers = new Set();
    this._pongTimer = null;
    this._graceTimer = null;
    this._openTimer = null;
    this._connected = false;
    this._closed = false;

    this.client = createClient({
      url,
      connectionParams,
      lazy: true,
      lazyCloseTimeout: 3000,
      keepAlive: PING_INTERVAL_MS,
      connectionAckWaitTimeout: ACK_TIMEOUT_MS,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: (retries) => this._sleep(fullJitterDelay(retries)),
      on: {
        connecting: () => this._armOpenTimer(),
        connected: () => this._onConnected(),
        closed: () => this._onClosed(),
        ping: (received) => {
          if (!received) this._armPongTimer();
        },
        pong: (received) => {
          if (received) {
            this._clearPongTimer();
            this._markGood();
          }
        },
      },
    });

    this._onOffline = () => {
      // The browser knows the network is gone: say so at once and drop the socket.
      this._setStatus('offline');
      this.client.terminate();
    };
    this._onOnline = () => this._wake();
    this._onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      const stale = !this.lastGoodAt || Date.now() - this.lastGoodAt.getTime() > PING_INTERVAL_MS + PONG_TIMEOUT_MS;
      if (this._connected && stale) {
        // Phones freeze background tabs (and their timers): the socket may be dead without
        // a close event. Start afresh; the reconnect refetches the state.
        this._connected = false;
        this.client.terminate();
      }
      this._wake();
    };
    window.addEventListener('offline', this._onOffline);
    window.addEventListener('online', this._onOnline);
    document.addEventListener('visibilitychange', this._onVisible);
  }

  /** Call fn(status, connection) on every status change (and once now). Returns an unsubscribe. */
  onStatus(fn) {
    this._statusListeners.add(fn);
    fn(this.status, this);
    return () => this._statusListeners.delete(fn);
  }

  /**
   * Subscribe. onData(data, {source: 'live'|'refetch'}) gets every event and every refetch.
   * refetch() -> Promise<data> loads the same state over HTTP (run after every connect).
   * onError(errorsOrError, code) for rejected subscriptions and failed refetches.
   * onComplete() when the server ends the subscription (e.g. a finished ticket).
   * Returns { dispose(), refresh() }.
   */
  subscribe({ query, variables = {}, onData, refetch = null, onError = null, onComplete = null, versionOf = null }) {
    const conn = this;
    let unsubscribe = null;
    let retryAttempt = 0;
    let liveEvents = 0;
    let retryTimer = null;
    // With versionOf(data) (e.g. when the server read the state), states are ordered by it: a
    // refetch is kept even when a live event arrived meanwhile, unless that event is newer, and
    // a late event older than what is shown is dropped. Without it, arrival order decides.
    let latest = null;
    const isFresh = (data) => {
      const version = versionOf ? versionOf(data) : null;
      if (version == null) return true;
      if (latest !== null && version < latest) return false;
      latest = version;
      return true;
    };

    const sub = {
      active: true,
      dispose() {
        sub.active = false;
        window.clearTimeout(retryTimer);
        conn._subs.delete(sub);
        if (unsubscribe) unsubscribe();
        unsubscribe = null;
      },
      /** Load the state over HTTP now (after a connect, or when a tab comes back). */
      refresh() {
        if (!refetch || !sub.active) return Promise.resolve();
        const mark = liveEvents;
        return Promise.resolve()
          .then(refetch)
          .then((data) => {
            if (!sub.active || data == null) return;
            // Without versions, a live event that came meanwhile counts as at least as fresh.
            if (versionOf ? !isFresh(data) : liveEvents !== mark) return;
            if (conn._connected) conn._markGood();
            onData(data, { source: 'refetch' });
          })
          .catch((err) => {
            if (sub.active && onError) onError(err, err?.code || null);
          });
      },
    };

    const retryLater = () => {
      window.clearTimeout(retryTimer);
      retryTimer = window.setTimeout(start, fullJitterDelay(retryAttempt++));
    };

    function start() {
      if (!sub.active) return;
      unsubscribe = conn.client.subscribe(
        { query, variables },
        {
          next(result) {
            if (!sub.active) return;
            if (result?.errors?.length && !result.data) {
              if (onError) onError(result.errors, errorCode(result.errors));
              return;
            }
            liveEvents += 1;
            retryAttempt = 0;
            conn._markGood();
            if (!isFresh(result.data)) return;
            onData(result.data, { source: 'live' });
          },
          error(err) {
            unsubscribe = null;
            if (!sub.active) return;
            if (Array.isArray(err)) {
              const code = errorCode(err);
              if (onError) onError(err, code);
              if (FINAL_CODES.has(code)) {
                sub.dispose();
                return;
              }
            }
            // The client gave up on this socket (a close code it treats as fatal, a bad
            // response) or the server rejected the operation for a passing reason: retry.
            retryLater();
          },
          complete() {
            unsubscribe = null;
            if (!sub.active) return;
            sub.active = false;
            conn._subs.delete(sub);
            if (onComplete) onComplete();
          },
        },
      );
    }

    this._subs.add(sub);
    start();
    if (this._connected) sub.refresh();
    return sub;
  }

  /** Close the socket for good (e.g. the clerk signs out). */
  dispose() {
    this._closed = true;
    for (const sub of Array.from(this._subs)) sub.dispose();
    window.removeEventListener('offline', this._onOffline);
    window.removeEventListener('online', this._onOnline);
    document.removeEventListener('visibilitychange', this._onVisible);
    this._clearPongTimer();
    window.clearTimeout(this._graceTimer);
    window.clearTimeout(this._openTimer);
    this._wake();
    this.client.dispose();
  }

  _armOpenTimer() {
    window.clearTimeout(this._openTimer);
    this._openTimer = window.setTimeout(() => {
      if (!this._connected && !this._closed) this.client.terminate();
    }, OPEN_TIMEOUT_MS);
  }

  _onConnected() {
    window.clearTimeout(this._openTimer);
    this._connected = true;
    window.clearTimeout(this._graceTimer);
    this._markGood();
    this._setStatus('online');
    for (const sub of Array.from(this._subs)) sub.refresh();
  }

  _onClosed() {
    window.clearTimeout(this._openTimer);
    const wasConnected = this._connected;
    this._connected = false;
    this._clearPongTimer();
    if (this._closed || this._subs.size === 0) return; // a lazy close: nobody is listening
    if (this.status === 'offline') return;
    window.clearTimeout(this._graceTimer);
    this._graceTimer = window.setTimeout(
      () => {
        if (!this._connected && !this._closed) this._setStatus('offline');
      },
      wasConnected ? OFFLINE_GRACE_MS : 0,
    );
  }

  _armPongTimer() {
    this._clearPongTimer();
    this._pongTimer = window.setTimeout(() => {
      // No pong: the connection is dead even though no close event came.
      this._connected = false;
      this._setStatus('offline');
      this.client.terminate();
    }, PONG_TIMEOUT_MS);
  }

  _clearPongTimer() {
    window.clearTimeout(this._pongTimer);
    this._pongTimer = null;
  }

  _markGood() {
    this.lastGoodAt = new Date();
  }

  _setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    for (const fn of Array.from(this._statusListeners)) fn(status, this);
  }

  _sleep(ms) {
    return new Promise((resolve) => {
      const done = () => {
        window.clearTimeout(timer);
        this._wakers.delete(done);
        resolve();
      };
      const timer = window.setTimeout(done, ms);
      this._wakers.add(done);
    });
  }

  _wake() {
    for (const done of Array.from(this._wakers)) done();
  }
}

// GraphQL over HTTP for the pages: POST /graphql, same origin, with
//  - X-CSRFToken from Django's `csrftoken` cookie (the staff console's session needs it;
//    the page response sets the cookie, and it is read afresh for every request because
//    signing in rotates it), and
//  - Authorization: Bearer <device token> on a paired kiosk.
// Business failures come back as data (payload.errors: [UserError]); transport, auth and
// bugs are thrown as GraphQLRequestError.

import { getCookie } from './dom.js';

export const GRAPHQL_PATH = '/graphql';
const DEVICE_TOKEN_KEY = 'vorzimmer.deviceToken';

export class GraphQLRequestError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, errors?: Array, network?: boolean}} details
   */
  constructor(message, { status = 0, errors = [], network = false } = {}) {
    super(message);
    this.name = 'GraphQLRequestError';
    this.status = status;
    this.errors = errors;
    this.network = network;
  }

  /** The first error's extensions.code (FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, …). */
  get code() {
    if (this.network) return 'NETWORK';
    const code = this.errors.find((e) => e?.extensions?.code)?.extensions?.code;
    if (code) return code;
    if (this.status === 401) return 'UNAUTHENTICATED';
    if (this.status === 403) return 'FORBIDDEN';
    return 'UNKNOWN';
  }
}

/** The paired device's secret (kiosks), kept in this browser's localStorage. */
export const deviceToken = {
  get() {
    try {
      return window.localStorage.getItem(DEVICE_TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token) {
    window.localStorage.setItem(DEVICE_TOKEN_KEY, token);
  },
  clear() {
    try {
      window.localStorage.removeItem(DEVICE_TOKEN_KEY);
    } catch {
      /* storage unavailable: nothing stored */
    }
  },
};

/**
 * Run one query or mutation. Returns `data`; throws GraphQLRequestError on network failure,
 * non-2xx responses, or top-level errors.
 *
 * @param {string} query
 * @param {object} [variables]
 * `anonymous: true` (the embed) sends no cookies at all (credentials: 'omit') and so no
 * X-CSRFToken either: the server needs CSRF only for a signed-in session, never for citizens.
 *
 * `background: true` marks a request the person did not cause (a refresh after a live update):
 * it does not count as activity for the staff session's idle timeout.
 *
 * @param {{token?: string|null, timeoutMs?: number, signal?: AbortSignal, anonymous?: boolean, background?: boolean}} [options]
 */
export async function gql(query, variables = {}, { token = null, timeoutMs = 15000, signal, anonymous = false, background = false } = {}) {
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  if (background) headers['X-Background-Request'] = '1';
  const csrf = anonymous ? null : getCookie('csrftoken');
  if (csrf) headers['X-CSRFToken'] = csrf;
  if (token) headers.Authorization = `Bearer ${token}`;

  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), timeoutMs);
  if (signal) signal.addEventListener('abort', () => controller.abort(), { once: true });
  let response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers,
      credentials: anonymous ? 'omit' : 'same-origin',
      cache: 'no-store',
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
  } catch (err) {
    throw new GraphQLRequestError(err?.message || 'network error', { network: true });
  } finally {
    window.clearTimeout(timer);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  if (!response.ok || !body || errors.length) {
    const message = errors[0]?.message || `HTTP ${response.status}`;
    throw new GraphQLRequestError(message, { status: response.status, errors });
  }
  return body.data;
}

/** A gql() bound to the kiosk's device token (read on every call: unpairing takes effect at once). */
export function deviceGql(query, variables = {}, options = {}) {
  return gql(query, variables, { ...options, token: deviceToken.get() });
}

// The staff session's idle clock in the console (the server side is backend/accounts/idle.py).
//
// The server ends a session STAFF_IDLE_TIMEOUT_MINUTES after its last activity: a request the
// person caused. Refreshes after live updates are sent as background requests and do not
// count, so a console left open does not keep itself signed in. Typing or clicking without a
// request tells the server at most once a minute (extendStaffSession). A minute before the
// end (half the timeout when it is shorter) a dialog offers "stay signed in".

import { gql } from './lib/graphql.js';

const EXTEND = 'mutation ExtendStaffSession { extendStaffSession { idleTimeoutSeconds } }';
const WARN_BEFORE_MS = 60_000;
const TELL_SERVER_EVERY_MS = 60_000;
const INTERACTIONS = ['keydown', 'pointerdown', 'wheel'];

export class IdleGuard {
  /**
   * @param {{dialog: HTMLDialogElement, stay: HTMLButtonElement, onExpired: () => void}} options
   */
  constructor({ dialog, stay, onExpired }) {
    this.dialog = dialog;
    this.stay = stay;
    this.onExpired = onExpired;
    this.timeoutMs = null;
    this.lastActivity = 0;
    this.timers = [];
    this.onInteraction = (event) => {
      if (!this.dialog.open && !event.target?.closest?.('dialog')) this.interaction();
    };
    this.stay.addEventListener('click', () => this.extend());
    // Escape means the person is here: the same as "stay signed in".
    this.dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      this.extend();
    });
  }

  get running() {
    return this.timeoutMs !== null;
  }

  /** Start after signing in (or on a page load with a session). */
  async start() {
    const data = await gql(EXTEND);
    const seconds = data.extendStaffSession.idleTimeoutSeconds;
    if (seconds === null) return false;
    if (!this.running) INTERACTIONS.forEach((name) => document.addEventListener(name, this.onInteraction, true));
    this.timeoutMs = seconds * 1000;
    this.activity();
    return true;
  }

  stop() {
    this.timers.forEach((id) => window.clearTimeout(id));
    this.timers = [];
    this.timeoutMs = null;
    INTERACTIONS.forEach((name) => document.removeEventListener(name, this.onInteraction, true));
    if (this.dialog.open) this.dialog.close();
  }

  /** A request the person caused has reached the server: the clock starts again. */
  activity() {
    if (!this.running) return;
    this.lastActivity = Date.now();
    this.timers.forEach((id) => window.clearTimeout(id));
    const warnBefore = Math.min(WARN_BEFORE_MS, this.timeoutMs / 2);
    this.timers = [
      window.setTimeout(() => this.warn(), this.timeoutMs - warnBefore),
      window.setTimeout(() => this.expire(), this.timeoutMs),
    ];
  }

  interaction() {
    const every = Math.min(TELL_SERVER_EVERY_MS, this.timeoutMs / 4);
    if (this.running && Date.now() - this.lastActivity >= every) this.extend({ quiet: true });
  }

  warn() {
    if (!this.running || this.dialog.open) return;
    this.dialog.showModal();
    this.stay.focus();
  }

  async extend({ quiet = false } = {}) {
    try {
      const data = await gql(EXTEND);
      if (data.extendStaffSession.idleTimeoutSeconds === null) {
        this.expire();
        return;
      }
      this.activity();
      if (this.dialog.open) this.dialog.close();
    } catch {
      if (!quiet && this.dialog.open) this.stay.focus(); // the network: let them try again
    }
  }

  expire() {
    if (!this.running) return;
    this.stop();
    this.onExpired();
  }
}

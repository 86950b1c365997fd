// The counter console for clerks: /staff/
// Session sign-in (logIn with X-CSRFToken), pick a location and a counter, then work the live
// queue (counterQueue subscription, refetched after every reconnect) with buttons and
// keyboard shortcuts, next to today's appointments.

import { $, $$, h, replaceChildren, setFieldError, focusElement, isTypingTarget } from './lib/dom.js';
import { gql as request } from './lib/graphql.js';
import {
  setLanguage, t, has, pickLanguage, gqlLanguage, onLanguageChange, formatTime, formatDate, isoDateIn,
} from './lib/i18n.js';
import { LiveConnection } from './lib/live.js';
import { readParams } from './lib/params.js';
import { storage } from './lib/storage.js';
import { applyAppearance, bindConnectionBanner, renderLanguageSwitch, errorMessage } from './lib/ui.js';
import { IdleGuard } from './staff-session.js';

const ERRORS = 'errors { code message field }';
const TICKET_FIELDS = 'id number status source service priority queuedAt dueAt calledAt servicePoint recallCount bookingCode name availableActions';
const QUEUE_FIELDS = `location
  waiting { ${TICKET_FIELDS} }
  active { ${TICKET_FIELDS} }
  parked { ${TICKET_FIELDS} }
  servicePoints { id name services signedIn }
  organizationKind
  asOf`;

const Q = {
  me: `query Me($lang: Language) {
    me { username displayName workplaces { canWorkQueue location { id name shortName timezone services { id name(language: $lang) } } } }
  }`,
  logIn: `mutation LogIn($input: LogInInput!, $lang: Language) {
    logIn(input: $input) {
      me { username displayName workplaces { canWorkQueue location { id name shortName timezone services { id name(language: $lang) } } } }
      ${ERRORS}
    }
  }`,
  logOut: 'mutation LogOut { logOut }',
  changePassword: `mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok ${ERRORS} } }`,
  requestReset: `mutation RequestPasswordReset($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) { ok ${ERRORS} } }`,
  reset: `mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { ok ${ERRORS} } }`,
  queue: `query CounterQueue($location: ID!) { counterQueue(location: $location) { ${QUEUE_FIELDS} } }`,
  queueLive: `subscription CounterQueue($location: ID!) { counterQueue(location: $location) { ${QUEUE_FIELDS} } }`,
  bookings: `query Bookings($location: ID!, $date: Date!, $offset: Int!, $lang: Language) {
    locationBookings(location: $location, date: $date, offset: $offset, limit: 100) {
      totalCount hasNextPage
      items { id code status start end name service { id name(language: $lang) } }
    }
  }`,
  signIn: `mutation SignIn($input: ServicePointInput!) { signInToServicePoint(input: $input) { servicePoint { id name services signedIn } ${ERRORS} } }`,
  signOut: `mutation SignOut($input: ServicePointInput!) { signOutOfServicePoint(input: $input) { servicePoint { id } ${ERRORS} } }`,
  callNext: `mutation CallNext($input: ServicePointInput!) { callNextTicket(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
  recall: `mutation Recall($input: TicketInput!) { recallTicket(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
  start: `mutation Start($input: TicketInput!) { startTicket(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
  finish: `mutation Finish($input: TicketInput!) { finishTicket(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
  noShow: `mutation NoShow($input: TicketInput!) { markNoShow(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
  park: `mutation Park($input: TicketInput!) { parkTicket(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
  return: `mutation Return($input: TicketInput!) { returnTicket(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
  transfer: `mutation Transfer($input: TransferTicketInput!) { transferTicket(input: $input) { ticket { ${TICKET_FIELDS} } ${ERRORS} } }`,
};

/**
 * Each button's keyboard shortcut and the server's TicketAction it is (null: the counter's own
 * call, always offered). Whether a ticket allows it is the server's word: the ticket's
 * availableActions, from the queue's transition table.
 */
const ACTIONS = {
  callNext: { key: 'N', action: null },
  recall: { key: 'R', action: 'RECALL' },
  start: { key: 'S', action: 'START' },
  finish: { key: 'F', action: 'FINISH' },
  noShow: { key: 'X', action: 'NO_SHOW' },
  transfer: { key: 'T', action: 'TRANSFER' },
  park: { key: 'P', action: 'PARK' },
};

/** Whether the server offers this button's action for the ticket. */
function offered(name, ticket) {
  const { action } = ACTIONS[name];
  return action === null || Boolean(ticket?.availableActions?.includes(action));
}
const KEY_TO_ACTION = Object.fromEntries(Object.entries(ACTIONS).map(([name, a]) => [a.key, name]));
const BOOKINGS_REFRESH_MS = 15000;

const params = readParams();
const els = {
  main: $('#main'),
  whoami: $('#whoami'),
  logout: $('#logout'),
  banner: $('#connection-status'),
  alert: $('#alert'),
  status: $('#status-message'),
  loginForm: $('#login-form'),
  username: $('#login-username'),
  password: $('#login-password'),
  usernameError: $('#login-username-error'),
  passwordError: $('#login-password-error'),
  setupForm: $('#setup-form'),
  locationSelect: $('#location-select'),
  locationHint: $('#location-hint'),
  counterSelect: $('#counter-select'),
  setupError: $('#setup-error'),
  signInButton: $('#counter-sign-in'),
  viewOnly: $('#view-only'),
  noWorkplaces: $('#no-workplaces'),
  consoleTitle: $('#console-title'),
  consoleDate: $('#console-date'),
  changeCounter: $('#change-counter'),
  current: $('#current-ticket'),
  actions: $('#actions'),
  viewOnlyNote: $('#view-only-note'),
  waitingList: $('#waiting-list'),
  waitingCount: $('#waiting-count'),
  waitingEmpty: $('#waiting-empty'),
  activeList: $('#active-list'),
  activeCount: $('#active-count'),
  activeEmpty: $('#active-empty'),
  parkedList: $('#parked-list'),
  parkedCount: $('#parked-count'),
  parkedEmpty: $('#parked-empty'),
  bookingsList: $('#bookings-list'),
  bookingsCount: $('#bookings-count'),
  bookingsEmpty: $('#bookings-empty'),
  bookingsError: $('#bookings-error'),
  transferDialog: $('#transfer-dialog'),
  transferForm: $('#transfer-form'),
  transferText: $('#transfer-text'),
  transferService: $('#transfer-service'),
  transferCounter: $('#transfer-counter'),
  transferError: $('#transfer-error'),
  changePassword: $('#change-password'),
  passwordDialog: $('#password-dialog'),
  passwordForm: $('#password-form'),
  passwordOld: $('#password-old'),
  passwordNew: $('#password-new'),
  passwordOldError: $('#password-old-error'),
  passwordNewError: $('#password-new-error'),
  forgot: $('#forgot'),
  forgotForm: $('#forgot-form'),
  forgotEmail: $('#forgot-email'),
  forgotError: $('#forgot-email-error'),
  resetForm: $('#reset-form'),
  resetPassword: $('#reset-password'),
  resetError: $('#reset-error'),
};

const idle = new IdleGuard({ dialog: $('#idle-dialog'), stay: $('#idle-stay'), onExpired: () => signedOutForInactivity() });

/** Every request goes through here: one the person caused counts as session activity. */
async function gql(query, variables = {}, options = {}) {
  const data = await request(query, variables, options);
  if (!options.background) idle.activity();
  return data;
}

const app = {
  view: null,
  me: null,
  workplace: null, // { canWorkQueue, location }
  counter: null, // ServicePoint (null: view only)
  queue: null, // CounterQueue
  bookings: null,
  connection: null,
  subscription: null,
  busy: false,
  nextAction: null, // an action clicked while another ran (runs right after it)
  bookingsTimer: null,
  bookingsLoadedAt: 0,
  setupPoints: [],
  lastAlert: null,
  lastStatus: null,
  resetKey: null,
};

// ---------------------------------------------------------------- messages

function showAlert(message) {
  app.lastAlert = null;
  els.alert.textContent = message || '';
}

function showAlertKey(key, params) {
  app.lastAlert = [key, params];
  els.alert.textContent = t(key, params);
}

function showStatus(key, params = {}) {
  app.lastStatus = key ? [key, params] : null;
  els.status.textContent = key ? t(key, params) : '';
}

function clearMessages() {
  showAlert(null);
  showStatus(null);
}

// ---------------------------------------------------------------- views

function go(view, { focus = true } = {}) {
  app.view = view;
  for (const name of ['login', 'reset', 'setup', 'console']) $(`#view-${name}`).hidden = name !== view;
  els.main.removeAttribute('aria-busy');
  els.logout.hidden = !app.me;
  els.changePassword.hidden = !app.me;
  els.whoami.hidden = !app.me;
  els.whoami.textContent = app.me ? t('staff.signedInAs', { name: app.me.displayName }) : '';
  if (focus) focusElement($(`#view-${view} h1`));
}

function serviceName(id) {
  return app.workplace?.location.services.find((s) => s.id === id)?.name || '';
}

function tz() {
  return app.workplace?.location.timezone;
}

// ---------------------------------------------------------------- sign in / out

async function loadMe() {
  const data = await gql(Q.me, { lang: gqlLanguage() });
  return data.me;
}

function setUpLogin() {
  els.loginForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (app.busy) return;
    clearMessages();
    setFieldError(els.username, els.usernameError, null);
    setFieldError(els.password, els.passwordError, null);
    const username = els.username.value.trim();
    const password = els.password.value;
    if (!username) {
      setFieldError(els.username, els.usernameError, () => t('staff.login.usernameMissing'));
      els.username.focus();
      return;
    }
    if (!password) {
      setFieldError(els.password, els.passwordError, () => t('staff.login.passwordMissing'));
      els.password.focus();
      return;
    }
    app.busy = true;
    try {
      const data = await gql(Q.logIn, { input: { username, password }, lang: gqlLanguage() });
      const { me, errors } = data.logIn;
      if (errors.length || !me) {
        const code = errors[0]?.code || 'INVALID_CREDENTIALS';
        const onUser = errors[0]?.field === 'username';
        setFieldError(onUser ? els.username : els.password, onUser ? els.usernameError : els.passwordError, () => errorMessage(code, 'staff'));
        els.password.value = '';
        (onUser ? els.username : els.password).focus();
        return;
      }
      els.password.value = '';
      app.me = me;
      await idle.start().catch(() => false);
      await showSetup();
    } catch (err) {
      showAlert(errorMessage(err.code, 'staff'));
    } finally {
      app.busy = false;
    }
  });

  els.logout.addEventListener('click', async () => {
    clearMessages();
    await leaveCounter();
    try {
      await gql(Q.logOut);
    } catch {
      /* the session ends with the cookie anyway */
    }
    stopLive();
    idle.stop();
    app.me = null;
    app.workplace = null;
    storage.remove('staff.counter');
    go('login', { focus: false });
    showStatus('staff.loggedOut');
    els.username.focus();
  });
}

/** The idle clock ran out: sign out here too (the server has or will, whatever we send). */
async function signedOutForInactivity() {
  await leaveCounter().catch(() => {});
  try {
    await request(Q.logOut);
  } catch {
    /* the server ends the session by itself */
  }
  stopLive();
  for (const dialog of $$('dialog[open]')) dialog.close();
  app.me = null;
  app.workplace = null;
  app.counter = null;
  go('login');
  showAlertKey('staff.idle.signedOut');
}

// ---------------------------------------------------------------- passwords

function setUpPasswords() {
  els.changePassword.addEventListener('click', () => {
    for (const [input, error] of [[els.passwordOld, els.passwordOldError], [els.passwordNew, els.passwordNewError]]) {
      input.value = '';
      setFieldError(input, error, null);
    }
    els.passwordDialog.showModal();
    els.passwordOld.focus();
  });
  $('#password-cancel').addEventListener('click', () => els.passwordDialog.close());
  els.passwordDialog.addEventListener('close', () => focusElement(els.changePassword));
  els.passwordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = { oldPassword: [els.passwordOld, els.passwordOldError], newPassword: [els.passwordNew, els.passwordNewError] };
    for (const [input, error] of Object.values(fields)) setFieldError(input, error, null);
    const missing = Object.values(fields).find(([input]) => !input.value);
    if (missing) {
      setFieldError(missing[0], missing[1], () => t('staff.password.missing'));
      missing[0].focus();
      return;
    }
    try {
      const data = await gql(Q.changePassword, { input: { oldPassword: els.passwordOld.value, newPassword: els.passwordNew.value } });
      const { ok, errors } = data.changePassword;
      if (!ok) {
        const [input, error] = fields[errors[0]?.field] || fields.oldPassword;
        setFieldError(input, error, () => errorMessage(errors[0]?.code, 'staff'));
        input.focus();
        return;
      }
      els.passwordDialog.close();
      showStatus('staff.password.changed');
    } catch (err) {
      setFieldError(els.passwordOld, els.passwordOldError, () => errorMessage(err.code, 'staff'));
    }
  });

  els.forgotForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const email = els.forgotEmail.value.trim();
    setFieldError(els.forgotEmail, els.forgotError, null);
    if (!email) {
      setFieldError(els.forgotEmail, els.forgotError, () => t('staff.password.missing'));
      els.forgotEmail.focus();
      return;
    }
    try {
      const data = await gql(Q.requestReset, { input: { email, language: gqlLanguage() } });
      const { ok, errors } = data.requestPasswordReset;
      if (!ok) {
        setFieldError(els.forgotEmail, els.forgotError, () => errorMessage(errors[0]?.code, 'staff'));
        return;
      }
      els.forgotEmail.value = '';
      showStatus('staff.forgot.sent');
    } catch (err) {
      showAlert(errorMessage(err.code, 'staff'));
    }
  });

  els.resetForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    setFieldError(els.resetPassword, els.resetError, null);
    if (!els.resetPassword.value) {
      setFieldError(els.resetPassword, els.resetError, () => t('staff.password.missing'));
      els.resetPassword.focus();
      return;
    }
    try {
      const data = await gql(Q.reset, { input: { key: app.resetKey, newPassword: els.resetPassword.value } });
      const { ok, errors } = data.resetPassword;
      if (!ok) {
        setFieldError(els.resetPassword, els.resetError, () => errorMessage(errors[0]?.code, 'staff'));
        els.resetPassword.focus();
        return;
      }
      els.resetPassword.value = '';
      app.resetKey = null;
      go('login');
      showStatus('staff.reset.done');
    } catch (err) {
      showAlert(errorMessage(err.code, 'staff'));
    }
  });
}

/** `#reset=<uid.token>` from the e-mail: kept in memory, dropped from the address at once. */
function takeResetKey() {
  const key = new URLSearchParams(window.location.hash.slice(1)).get('reset');
  if (!key) return null;
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return key;
}

// ---------------------------------------------------------------- location and counter

async function showSetup({ focus = true } = {}) {
  const workplaces = app.me.workplaces;
  els.noWorkplaces.hidden = workplaces.length > 0;
  els.setupForm.hidden = workplaces.length === 0;
  replaceChildren(
    els.locationSelect,
    workplaces.map((w) =>
      h('option', {
        value: w.location.id,
        text: w.canWorkQueue ? w.location.name : t('staff.setup.locationViewOnly', { name: w.location.name }),
      }),
    ),
  );
  const saved = storage.get('staff.counter');
  const preferred = workplaces.find((w) => w.location.id === saved?.location)
    || workplaces.find((w) => params.location && [w.location.id, w.location.shortName, w.location.name].includes(params.location))
    || workplaces.find((w) => w.canWorkQueue)
    || workplaces[0];
  go('setup', { focus });
  if (preferred) {
    els.locationSelect.value = preferred.location.id;
    await onLocationChosen();
  }
}

// Only the newest location choice may fill the counter list: the start-up choice and the
// user's own arrive as two loads, and an older answer arriving last used to reset the list
// (and the counter picked from it) under the user's hand.
let counterLoads = 0;

async function onLocationChosen() {
  const load = ++counterLoads;
  setFieldError(els.counterSelect, els.setupError, null);
  const workplace = app.me.workplaces.find((w) => w.location.id === els.locationSelect.value);
  app.workplace = workplace;
  if (!workplace) return;
  els.locationHint.hidden = workplace.canWorkQueue;
  els.locationHint.textContent = workplace.canWorkQueue ? '' : t('staff.setup.viewOnlyHint');
  els.viewOnly.hidden = false;
  els.signInButton.hidden = !workplace.canWorkQueue;
  els.counterSelect.disabled = !workplace.canWorkQueue;
  replaceChildren(els.counterSelect);
  let points;
  try {
    points = (await gql(Q.queue, { location: workplace.location.id })).counterQueue.servicePoints;
  } catch (err) {
    if (load !== counterLoads) return;
    app.setupPoints = [];
    setFieldError(els.counterSelect, els.setupError, () => errorMessage(err.code, 'staff'));
    return;
  }
  if (load !== counterLoads) return;
  app.setupPoints = points;
  renderCounterOptions();
  const saved = storage.get('staff.counter');
  const mine = app.setupPoints.find((p) => p.signedIn === app.me.username);
  const pick = mine || app.setupPoints.find((p) => p.id === saved?.counter) || app.setupPoints.find((p) => !p.signedIn);
  if (pick) els.counterSelect.value = pick.id;
}

function renderCounterOptions() {
  const value = els.counterSelect.value;
  replaceChildren(
    els.counterSelect,
    app.setupPoints.map((p) => {
      let label = p.name;
      if (p.signedIn === app.me.username) label = t('staff.setup.counterYours', { name: p.name });
      else if (p.signedIn) label = t('staff.setup.counterTaken', { name: p.name, user: p.signedIn });
      return h('option', { value: p.id, text: label });
    }),
  );
  if (value) els.counterSelect.value = value;
}

function setUpSetup() {
  els.locationSelect.addEventListener('change', () => onLocationChosen());
  els.setupForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (app.busy || !app.workplace?.canWorkQueue) return;
    clearMessages();
    const pointId = els.counterSelect.value;
    if (!pointId) {
      setFieldError(els.counterSelect, els.setupError, () => t('staff.setup.counterMissing'));
      els.counterSelect.focus();
      return;
    }
    app.busy = true;
    try {
      const data = await gql(Q.signIn, { input: { servicePoint: pointId } });
      const { servicePoint, errors } = data.signInToServicePoint;
      if (errors.length || !servicePoint) {
        setFieldError(els.counterSelect, els.setupError, () => errorMessage(errors[0]?.code, 'staff'));
        els.counterSelect.focus();
        return;
      }
      app.counter = servicePoint;
      storage.set('staff.counter', { location: app.workplace.location.id, counter: servicePoint.id });
      startConsole();
      showStatus('staff.setup.signedIn', { counter: servicePoint.name });
    } catch (err) {
      handleFailure(err);
    } finally {
      app.busy = false;
    }
  });
  els.viewOnly.addEventListener('click', () => {
    clearMessages();
    app.counter = null;
    startConsole();
  });
  els.changeCounter.addEventListener('click', async () => {
    clearMessages();
    await leaveCounter();
    stopLive();
    await showSetup();
  });
}

async function leaveCounter() {
  if (!app.counter) return;
  const counter = app.counter;
  app.counter = null;
  try {
    await gql(Q.signOut, { input: { servicePoint: counter.id } });
  } catch {
    /* signing in elsewhere signs out here too */
  }
}

// ---------------------------------------------------------------- the live console

function startConsole() {
  stopLive();
  app.queue = null;
  app.bookings = null;
  renderConsoleHeader();
  renderQueue();
  renderBookings();
  go('console');
  const connection = new LiveConnection();
  app.connection = connection;
  bindConnectionBanner(els.banner, connection, { timeZone: tz(), hasState: () => app.queue !== null });
  const location = app.workplace.location.id;
  app.subscription = connection.subscribe({
    query: Q.queueLive,
    variables: { location },
    onData: (data, { source }) => {
      app.queue = data.counterQueue;
      renderQueue();
      if (source === 'refetch' || Date.now() - app.bookingsLoadedAt > BOOKINGS_REFRESH_MS) loadBookings();
      else scheduleBookings();
    },
    refetch: () => gql(Q.queue, { location }, { background: true }),
    // The newest state wins, not the last to arrive: after "call next" a live event read
    // before the call may overtake the console's refetch (ISO times in UTC sort as text).
    versionOf: (data) => data?.counterQueue?.asOf ?? null,
    onError: (errors, code) => {
      if (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') sessionLost();
    },
  });
}

function stopLive() {
  window.clearTimeout(app.bookingsTimer);
  if (app.connection) app.connection.dispose();
  app.connection = null;
  app.subscription = null;
  els.banner.hidden = true;
  delete document.documentElement.dataset.connection;
}

async function sessionLost() {
  stopLive();
  idle.stop();
  app.me = null;
  app.counter = null;
  go('login');
  showAlertKey('staff.sessionEnded');
}

function renderConsoleHeader() {
  const place = app.workplace.location;
  els.consoleTitle.textContent = app.counter
    ? t('staff.console.title', { counter: app.counter.name, location: place.name })
    : t('staff.console.titleViewOnly', { location: place.name });
  els.consoleDate.textContent = t('staff.console.today', { date: formatDate(new Date(), place.timezone) });
  els.viewOnlyNote.hidden = Boolean(app.counter);
  els.actions.hidden = !app.counter;
}

function currentTicket() {
  if (!app.queue || !app.counter) return null;
  const mine = app.queue.active.filter((ticket) => ticket.servicePoint === app.counter.name);
  return mine.length ? mine[mine.length - 1] : null;
}

/** A practice words the chain registered / waiting / in treatment / done. */
function statusLabel(status) {
  const practiceKey = `staff.practice.status.${status}`;
  return app.queue?.organizationKind === 'PRACTICE' && has(practiceKey) ? t(practiceKey) : t(`staff.status.${status}`);
}

function ticketDetails(ticket) {
  const parts = [];
  const service = serviceName(ticket.service);
  if (service) parts.push(service);
  if (ticket.source === 'BOOKING') {
    parts.push(ticket.dueAt
      ? t('staff.ticket.booking', { time: formatTime(ticket.dueAt, tz()), code: ticket.bookingCode || '' })
      : t('staff.ticket.bookingNoTime', { code: ticket.bookingCode || '' }));
    if (ticket.name) parts.push(ticket.name);
  } else {
    parts.push(t('staff.ticket.walkIn'));
  }
  return parts;
}

let currentSignature = null;

function renderCurrent() {
  const ticket = currentTicket();
  // Re-render only on a change: the panel is a live region.
  const signature = JSON.stringify([document.documentElement.lang, ticket]);
  if (signature !== currentSignature) {
    currentSignature = signature;
    renderCurrentTicket(ticket);
  }
  // aria-disabled, not disabled: a button that becomes unavailable keeps the keyboard focus
  for (const button of $$('button[data-action]', els.actions)) {
    button.setAttribute('aria-disabled', String(!offered(button.dataset.action, ticket)));
  }
}

function renderCurrentTicket(ticket) {
  if (!ticket) {
    replaceChildren(els.current, h('p', { class: 'current-empty muted', text: t('staff.console.noCurrent') }));
    els.current.dataset.status = 'NONE';
  } else {
    els.current.dataset.status = ticket.status;
    els.current.dataset.ticketId = ticket.id;
    replaceChildren(
      els.current,
      h('p', { class: 'current-number', text: ticket.number }),
      h('p', { class: 'current-status', text: statusLabel(ticket.status) }),
      h('ul', { class: 'current-details' }, ticketDetails(ticket).map((text) => h('li', { text }))),
      h('p', { class: 'muted' }, [
        ticket.calledAt ? t('staff.ticket.calledAt', { time: formatTime(ticket.calledAt, tz()) }) : '',
        ticket.recallCount ? ` · ${t('staff.ticket.recalls', { count: ticket.recallCount })}` : '',
      ]),
    );
  }
}

function ticketRow(ticket, { testid = null, extra = null } = {}) {
  return h(
    'li',
    { class: 'ticket-row', dataset: { testid, ticketId: ticket.id, status: ticket.status } },
    h('span', { class: 'row-number', text: ticket.number }),
    h(
      'span',
      { class: 'row-body' },
      h('span', { class: 'row-details', text: ticketDetails(ticket).join(' · ') }),
      h('span', { class: 'row-meta muted' }, [
        ticket.status === 'WAITING' || ticket.status === 'PARKED'
          ? t('staff.ticket.since', { time: formatTime(ticket.queuedAt, tz()) })
          : t('staff.ticket.atCounter', { status: statusLabel(ticket.status), counter: ticket.servicePoint || '' }),
        ticket.priority > 0 ? ` · ${t('staff.ticket.priority', { priority: ticket.priority })}` : '',
      ]),
    ),
    extra,
  );
}

function renderList(list, countEl, emptyEl, items) {
  replaceChildren(list, items);
  countEl.textContent = app.queue ? `(${items.length})` : '';
  emptyEl.hidden = !app.queue || items.length > 0;
}

function renderQueue() {
  renderCurrent();
  const queue = app.queue;
  renderList(els.waitingList, els.waitingCount, els.waitingEmpty, (queue?.waiting || []).map((ticket) => ticketRow(ticket, { testid: 'waiting-item' })));
  const current = currentTicket();
  renderList(
    els.activeList,
    els.activeCount,
    els.activeEmpty,
    (queue?.active || []).filter((ticket) => ticket !== current).map((ticket) => ticketRow(ticket, { testid: 'active-item' })),
  );
  renderList(
    els.parkedList,
    els.parkedCount,
    els.parkedEmpty,
    (queue?.parked || []).map((ticket) =>
      ticketRow(ticket, {
        testid: 'parked-item',
        extra: app.counter && ticket.availableActions.includes('RETURN')
          ? h('button', {
            type: 'button',
            class: 'btn row-action',
            dataset: { testid: 'return' },
            text: t('staff.actions.return'),
            'aria-label': t('staff.actions.returnTicket', { number: ticket.number }),
            onclick: () => runTicketAction('return', ticket),
          })
          : null,
      }),
    ),
  );
  if (queue && app.counter) {
    // keep the counter's name in step (an admin may rename it)
    const point = queue.servicePoints.find((p) => p.id === app.counter.id);
    if (point && point.name !== app.counter.name) {
      app.counter = point;
      renderConsoleHeader();
    }
  }
}

// ---------------------------------------------------------------- today's appointments

function scheduleBookings() {
  window.clearTimeout(app.bookingsTimer);
  app.bookingsTimer = window.setTimeout(loadBookings, Math.max(0, BOOKINGS_REFRESH_MS - (Date.now() - app.bookingsLoadedAt)));
}

async function loadBookings() {
  window.clearTimeout(app.bookingsTimer);
  if (!app.workplace) return;
  const place = app.workplace.location;
  app.bookingsLoadedAt = Date.now();
  const items = [];
  try {
    for (let offset = 0, page = 0; page < 10; page += 1) {
      const data = await gql(Q.bookings, { location: place.id, date: isoDateIn(place.timezone), offset, lang: gqlLanguage() }, { background: true });
      const result = data.locationBookings;
      items.push(...result.items);
      if (!result.hasNextPage) break;
      offset += result.items.length;
    }
    app.bookings = items;
    setFieldError(null, els.bookingsError, null);
  } catch (err) {
    setFieldError(null, els.bookingsError, () => errorMessage(err.code, 'staff'), { testid: null });
  }
  renderBookings();
}

function renderBookings() {
  const items = app.bookings || [];
  replaceChildren(
    els.bookingsList,
    items.map((b) =>
      h(
        'li',
        { class: ['booking-row', `booking-${b.status.toLowerCase()}`], dataset: { testid: 'booking-item', bookingId: b.id } },
        h('span', { class: 'booking-time', text: `${formatTime(b.start, tz())}–${formatTime(b.end, tz())}` }),
        h(
          'span',
          { class: 'row-body' },
          h('span', { class: 'row-details', text: [b.service?.name, b.name].filter(Boolean).join(' · ') }),
          h('span', { class: 'row-meta muted', text: `${b.code} · ${t(`staff.bookingStatus.${b.status}`)}` }),
        ),
      ),
    ),
  );
  els.bookingsCount.textContent = app.bookings ? `(${items.length})` : '';
  els.bookingsEmpty.hidden = !app.bookings || items.length > 0;
}

// ---------------------------------------------------------------- actions

function setBusy(busy) {
  app.busy = busy;
  els.actions.setAttribute('aria-busy', String(busy));
}

/** Run a mutation; typed errors go to the alert region, success to the status region. */
async function mutate(query, variables, field) {
  clearMessages();
  setBusy(true);
  try {
    const data = await gql(query, variables);
    const payload = data[field];
    if (payload.errors.length) {
      showAlert(errorMessage(payload.errors[0].code, 'staff'));
      return null;
    }
    app.subscription?.refresh();
    return payload;
  } catch (err) {
    handleFailure(err);
    return null;
  } finally {
    setBusy(false);
    const next = app.nextAction;
    app.nextAction = null;
    if (next) runAction(next);
  }
}

async function handleFailure(err) {
  if (['FORBIDDEN', 'UNAUTHENTICATED', 'CSRF_FAILED'].includes(err?.code)) {
    // Not allowed here, or the session ended (expired, signed out in another tab)?
    const me = await loadMe().catch(() => undefined);
    if (me === null) {
      sessionLost();
      return;
    }
  }
  showAlert(errorMessage(err?.code, 'staff'));
}

async function runAction(name) {
  if (!app.counter) return;
  if (app.busy) {
    // A live update can show the called ticket before "call next" has answered: a click on
    // "start" then must not be lost; it runs as soon as the running action is done.
    app.nextAction = name;
    return;
  }
  const ticket = currentTicket();
  if (!offered(name, ticket)) {
    showAlertKey(ticket ? 'staff.errors.notNow' : 'staff.errors.noCurrent');
    return;
  }
  if (name === 'callNext') {
    const payload = await mutate(Q.callNext, { input: { servicePoint: app.counter.id } }, 'callNextTicket');
    if (payload?.ticket) showStatus('staff.done.called', { number: payload.ticket.number, counter: app.counter.name });
    return;
  }
  if (name === 'transfer') {
    openTransfer(ticket);
    return;
  }
  await runTicketAction(name, ticket);
}

const TICKET_ACTIONS = {
  recall: ['recall', 'recallTicket', 'staff.done.recalled'],
  start: ['start', 'startTicket', 'staff.done.started'],
  finish: ['finish', 'finishTicket', 'staff.done.finished'],
  noShow: ['noShow', 'markNoShow', 'staff.done.noShow'],
  park: ['park', 'parkTicket', 'staff.done.parked'],
  return: ['return', 'returnTicket', 'staff.done.returned'],
};

async function runTicketAction(name, ticket) {
  const [query, field, doneKey] = TICKET_ACTIONS[name];
  const payload = await mutate(Q[query], { input: { ticket: ticket.id } }, field);
  if (payload?.ticket) {
    // a recall past the limit ends as a no-show: say what really happened
    const key = name === 'recall' && payload.ticket.status === 'NO_SHOW' ? 'staff.done.noShow' : doneKey;
    showStatus(key, { number: payload.ticket.number });
  }
}

function setUpActions() {
  for (const button of $$('button[data-action]', els.actions)) {
    button.addEventListener('click', () => runAction(button.dataset.action));
  }
  document.addEventListener('keydown', (event) => {
    if (app.view !== 'console' || !app.counter) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (isTypingTarget(event.target) || document.querySelector('dialog[open]')) return;
    let letter = null;
    if (/^[a-z]$/i.test(event.key)) letter = event.key.toUpperCase();
    else if (event.code && /^Key[A-Z]$/.test(event.code)) letter = event.code.slice(3); // non-Latin layouts
    const name = letter && KEY_TO_ACTION[letter];
    if (!name) return;
    event.preventDefault();
    runAction(name);
  });
}

// ---------------------------------------------------------------- transfer

/** Whether a counter handles a service (a counter listing no services handles all). */
function serves(point, serviceId) {
  return !point.services.length || point.services.includes(serviceId);
}

/** Only counters that handle the service the ticket will have: any other could never call it. */
function renderTransferCounters(ticket) {
  const serviceId = els.transferService.value || ticket.service;
  const chosen = els.transferCounter.value;
  const points = (app.queue?.servicePoints || []).filter((p) => serves(p, serviceId));
  replaceChildren(
    els.transferCounter,
    h('option', { value: '', text: t('staff.transfer.anyCounter') }),
    points.map((p) => h('option', { value: p.id, text: p.name })),
  );
  els.transferCounter.value = points.some((p) => p.id === chosen) ? chosen : '';
}

function openTransfer(ticket) {
  setFieldError(els.transferService, els.transferError, null);
  els.transferDialog.dataset.ticketId = ticket.id;
  els.transferText.textContent = t('staff.transfer.text', { number: ticket.number, service: serviceName(ticket.service) });
  replaceChildren(
    els.transferService,
    h('option', { value: '', text: t('staff.transfer.sameService') }),
    app.workplace.location.services
      .filter((s) => s.id !== ticket.service)
      .map((s) => h('option', { value: s.id, text: s.name })),
  );
  els.transferCounter.value = '';
  renderTransferCounters(ticket);
  els.transferService.onchange = () => renderTransferCounters(ticket);
  els.transferDialog.showModal();
  els.transferService.focus();
}

function setUpTransfer() {
  $('#transfer-cancel').addEventListener('click', () => els.transferDialog.close());
  els.transferDialog.addEventListener('close', () => focusElement($('[data-testid="transfer"]')));
  els.transferForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const service = els.transferService.value || null;
    const servicePoint = els.transferCounter.value || null;
    if (!service && !servicePoint) {
      setFieldError(els.transferService, els.transferError, () => t('staff.transfer.nothingChosen'), { testid: 'transfer-error' });
      els.transferService.focus();
      return;
    }
    setFieldError(els.transferService, els.transferError, null, { testid: 'transfer-error' });
    try {
      const data = await gql(Q.transfer, { input: { ticket: els.transferDialog.dataset.ticketId, service, servicePoint } });
      const { ticket, errors } = data.transferTicket;
      if (errors.length) {
        const onCounter = errors[0].field === 'servicePoint';
        setFieldError(onCounter ? els.transferCounter : els.transferService, els.transferError, () => errorMessage(errors[0].code, 'staff'), { testid: 'transfer-error' });
        return;
      }
      els.transferDialog.close();
      showStatus('staff.done.transferred', { number: ticket.number });
      app.subscription?.refresh();
    } catch (err) {
      setFieldError(els.transferService, els.transferError, () => errorMessage(err.code, 'staff'), { testid: 'transfer-error' });
    }
  });
}

// ---------------------------------------------------------------- language and start

async function onLanguage() {
  if (app.lastAlert) showAlertKey(...app.lastAlert);
  if (app.lastStatus) showStatus(...app.lastStatus);
  if (app.me) {
    els.whoami.textContent = t('staff.signedInAs', { name: app.me.displayName });
    try {
      const me = await loadMe(); // service names in the new language
      if (me) {
        app.me = me;
        if (app.workplace) app.workplace = me.workplaces.find((w) => w.location.id === app.workplace.location.id) || app.workplace;
      }
    } catch {
      /* keep the old names */
    }
  }
  if (app.view === 'setup' && app.me) {
    const value = els.locationSelect.value;
    for (const option of els.locationSelect.options) {
      const w = app.me.workplaces.find((x) => x.location.id === option.value);
      if (w) option.textContent = w.canWorkQueue ? w.location.name : t('staff.setup.locationViewOnly', { name: w.location.name });
    }
    els.locationSelect.value = value;
    renderCounterOptions();
  }
  if (app.view === 'console') {
    renderConsoleHeader();
    renderQueue();
    loadBookings();
  }
}

async function main() {
  applyAppearance({
    theme: params.theme || storage.get('theme'),
    fontSize: params.fontSize || storage.get('fontSize'),
    contrast: params.contrast,
  });
  await setLanguage(pickLanguage(params.lang, storage.get('lang')));
  renderLanguageSwitch($('#lang-switch'), async (code) => {
    storage.set('lang', code);
    await setLanguage(code);
  });
  onLanguageChange(() => onLanguage());
  setUpLogin();
  setUpSetup();
  setUpActions();
  setUpTransfer();
  setUpPasswords();

  app.resetKey = takeResetKey();
  if (app.resetKey) {
    go('reset');
    return;
  }
  app.me = await loadMe().catch(() => null);
  if (!app.me) {
    go('login', { focus: false });
    return;
  }
  await idle.start().catch(() => false);
  await showSetup({ focus: false });
  // Resume at the counter this clerk is still signed in to (e.g. after a reload).
  const mine = app.setupPoints.find((p) => p.signedIn === app.me.username);
  if (mine && app.workplace?.canWorkQueue) {
    app.counter = mine;
    startConsole();
  }
}

main().catch((err) => {
  console.error(err);
  showAlertKey('staff.failed');
});

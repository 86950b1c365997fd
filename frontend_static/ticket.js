// The ticket holder's phone page: /t/<ticket id>#<status token>
// The token lives in the URL fragment (never sent to the server in a URL); it travels only in
// GraphQL request bodies. Live over the ticketStatus subscription, refetching the ticketStatus
// query after every reconnect.

import { $, announce, setFieldError, focusElement } from './lib/dom.js';
import { gql } from './lib/graphql.js';
import { setLanguage, t, has, pickLanguage, onLanguageChange } from './lib/i18n.js';
import { LiveConnection } from './lib/live.js';
import { readParams, readHashToken, ticketIdFromPath } from './lib/params.js';
import { storage } from './lib/storage.js';
import { applyAppearance, bindConnectionBanner, renderLanguageSwitch, errorMessage } from './lib/ui.js';

const STATUS_FIELDS = 'ticket number status position estimatedWaitMinutes servicePoint calledAt organizationKind';
const STATUS_SUBSCRIPTION = `subscription TicketStatus($ticket: ID!, $token: String!) {
  ticketStatus(ticket: $ticket, token: $token) { ${STATUS_FIELDS} }
}`;
const STATUS_QUERY = `query TicketStatus($ticket: ID!, $token: String!) {
  ticketStatus(ticket: $ticket, token: $token) { ${STATUS_FIELDS} }
}`;
const CANCEL_MUTATION = `mutation LeaveQueue($input: CancelTicketInput!) {
  cancelTicket(input: $input) { ticket { id number status } errors { code message field } }
}`;

const FINAL = new Set(['DONE', 'NO_SHOW', 'CANCELLED']);
const LEAVABLE = new Set(['WAITING', 'PARKED']);

const params = readParams();
const ticketId = ticketIdFromPath();
// Opened from a push notification the URL has no fragment: the token this device kept when
// the holder opted in (lib/push.js) stands in.
let token = readHashToken();
let pushBox = null; // the "notify me" box (lib/push.js, loaded on demand where Web Push exists)

const els = {
  main: $('#main'),
  card: $('#ticket-card'),
  number: $('#ticket-number'),
  status: $('#ticket-status'),
  positionRow: $('#position-row'),
  position: $('#ticket-position'),
  estimateRow: $('#estimate-row'),
  estimate: $('#ticket-estimate'),
  callBox: $('#call-box'),
  counter: $('#ticket-counter'),
  explain: $('#ticket-explain'),
  problem: $('#ticket-problem'),
  actions: $('#ticket-actions'),
  leave: $('#leave-queue'),
  keepOpen: $('#keep-open'),
  banner: $('#connection-status'),
  announcer: $('#announcer'),
  urgent: $('#urgent-announcer'),
  dialog: $('#leave-dialog'),
  dialogError: $('#leave-error'),
  dialogCancel: $('#leave-cancel'),
  dialogConfirm: $('#leave-confirm'),
};

let state = null; // the last TicketStatus
let problemKey = null;
let subscription = null;

function showProblem(key) {
  problemKey = key;
  els.problem.textContent = key ? t(key) : '';
  els.problem.hidden = !key;
  if (key) {
    els.card.hidden = true;
    els.actions.hidden = true;
    els.keepOpen.hidden = true;
    els.main.removeAttribute('aria-busy');
  }
}

/**
 * The text of `ticket.<kind>.<status>`: a practice words the chain its own way
 * (registered / waiting / in treatment / done), where it has a text for the status.
 */
function worded(kind, status, s = state) {
  const practiceKey = `ticket.practice.${kind}.${status}`;
  return s?.organizationKind === 'PRACTICE' && has(practiceKey) ? t(practiceKey) : t(`ticket.${kind}.${status}`);
}

function render() {
  if (!state) return;
  const s = state;
  els.main.removeAttribute('aria-busy');
  els.card.hidden = false;
  els.card.dataset.status = s.status;
  els.number.textContent = s.number;
  els.status.textContent = worded('status', s.status);

  const waiting = s.status === 'WAITING' && s.position != null;
  els.positionRow.hidden = !waiting;
  els.position.textContent = !waiting ? '' : s.position === 1 ? t('ticket.positionNext') : t('ticket.positionValue', { count: s.position });
  const hasEstimate = s.status === 'WAITING' && s.estimatedWaitMinutes != null;
  els.estimateRow.hidden = !hasEstimate;
  els.estimate.textContent = hasEstimate ? t('ticket.estimateValue', { count: s.estimatedWaitMinutes }) : '';

  const called = s.status === 'CALLED' || s.status === 'SERVING';
  els.callBox.hidden = !(called && s.servicePoint);
  els.counter.textContent = called && s.servicePoint ? s.servicePoint : '';
  els.callBox.dataset.serving = String(s.status === 'SERVING');

  els.explain.textContent = worded('explain', s.status);
  els.actions.hidden = !LEAVABLE.has(s.status);
  els.keepOpen.hidden = FINAL.has(s.status);
  renderPush(s);
  document.title = s.status === 'CALLED'
    ? t('ticket.titleCalled', { number: s.number, counter: s.servicePoint || '' })
    : `${s.number} – ${t('ticket.pageTitle')}`;
}

const canPush = () => 'serviceWorker' in navigator && 'PushManager' in window;

/** Offer "notify me" while the ticket can still be called (not on final states). */
function renderPush(s) {
  const wanted = canPush() && token && !FINAL.has(s.status) && s.status !== 'SERVING';
  if (!wanted) {
    if (pushBox) pushBox.hidden = true;
    return;
  }
  if (!pushBox) {
    pushBox = document.createElement('div');
    pushBox.className = 'ticket-push';
    els.actions.after(pushBox);
    import('./lib/push.js')
      .then(({ pushOptIn }) => pushBox.replaceChildren(pushOptIn({ ticket: s.ticket || ticketId, ticketToken: token }, { kind: 'ticket', headingTag: 'h2' })))
      .catch((err) => console.warn('push opt-in unavailable', err));
  }
  pushBox.hidden = false;
}

/** Announce what changed, and vibrate when the holder is called. */
function announceChange(previous, next) {
  if (!previous) return;
  const calledNow = next.status === 'CALLED' && (previous.status !== 'CALLED' || previous.calledAt !== next.calledAt);
  if (calledNow) {
    announce(els.urgent, t('ticket.announceCalled', { number: next.number, counter: next.servicePoint || '' }));
    if (typeof navigator.vibrate === 'function') {
      try {
        navigator.vibrate([400, 200, 400, 200, 400]);
      } catch {
        /* not allowed here */
      }
    }
    return;
  }
  if (previous.status !== next.status) {
    announce(els.announcer, `${t('ticket.statusLabel')}: ${worded('status', next.status, next)}. ${worded('explain', next.status, next)}`);
  } else if (next.status === 'WAITING' && previous.position !== next.position && next.position != null) {
    announce(els.announcer, next.position === 1 ? t('ticket.announceNext') : t('ticket.announcePosition', { count: next.position }));
  }
}

function apply(next) {
  if (!next) return;
  const previous = state;
  state = next;
  showProblem(null);
  render();
  announceChange(previous, next);
}

function setUpLeave() {
  els.leave.addEventListener('click', () => {
    setFieldError(null, els.dialogError, null);
    els.dialog.showModal();
    els.dialogCancel.focus();
  });
  els.dialogCancel.addEventListener('click', () => els.dialog.close());
  els.dialog.addEventListener('close', () => focusElement(els.leave.hidden ? els.number : els.leave));
  els.dialogConfirm.addEventListener('click', async () => {
    els.dialogConfirm.disabled = true;
    try {
      const data = await gql(CANCEL_MUTATION, { input: { ticket: state?.ticket || ticketId, token } });
      const { ticket, errors } = data.cancelTicket;
      if (errors.length) {
        setFieldError(null, els.dialogError, () => errorMessage(errors[0].code), { testid: 'leave-error' });
        return;
      }
      els.dialog.close();
      apply({ ...state, status: ticket.status, position: null, estimatedWaitMinutes: null });
      subscription?.refresh();
      announce(els.announcer, t('ticket.left'));
    } catch (err) {
      setFieldError(null, els.dialogError, () => errorMessage(err.code), { testid: 'leave-error' });
    } finally {
      els.dialogConfirm.disabled = false;
    }
  });
}

async function main() {
  const theme = params.theme || storage.get('theme') || (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  applyAppearance({ theme, fontSize: params.fontSize || storage.get('fontSize'), contrast: params.contrast });
  await setLanguage(pickLanguage(params.lang, storage.get('lang')));
  renderLanguageSwitch($('#lang-switch'), async (code) => {
    storage.set('lang', code);
    await setLanguage(code);
  });
  onLanguageChange(() => {
    render();
    if (problemKey) showProblem(problemKey);
  });
  setUpLeave();

  if (ticketId && !token && canPush()) {
    try {
      token = (await import('./lib/push.js')).rememberedToken();
    } catch {
      token = null;
    }
  }
  if (!ticketId || !token) {
    showProblem('ticket.notFound');
    return;
  }

  const connection = new LiveConnection();
  bindConnectionBanner(els.banner, connection, { hasState: () => state !== null });
  subscription = connection.subscribe({
    query: STATUS_SUBSCRIPTION,
    variables: { ticket: ticketId, token },
    onData: (data) => apply(data.ticketStatus),
    refetch: () => gql(STATUS_QUERY, { ticket: ticketId, token }),
    onError: (errors, code) => {
      if (code === 'NOT_FOUND' || code === 'BAD_USER_INPUT') showProblem('ticket.notFound');
    },
  });
}

main().catch((err) => {
  console.error(err);
  showProblem('ticket.failed');
});

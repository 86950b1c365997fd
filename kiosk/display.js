// The waiting-room call display: /display/queue?location=<id|slug|short name>&lang=&theme=&font_size=&speak=1
// Live over the queueDisplay subscription (first event = the current state), refetching
// queueBoard after every reconnect. No personal data: the board API has none, so a display
// needs no pairing. Optionally `#pair=<code>` (manage.py pair_device --kind=display) pairs it
// once: the token is kept here and gives the location, so the address can leave it out. The
// code travels in the fragment, which browsers never send, so it lands in no access log; a
// code in the query (`?pair=`, as older set-up notes had it) has been sent and is refused.
// `?help` (or no location at all) shows the set-up help.
//
// Sound: browsers start audio only after a user gesture. A TV without input runs Chromium in
// kiosk mode with `--autoplay-policy=no-user-gesture-required`; elsewhere the page offers an
// "enable sound" button, and any key or touch unlocks it too.

import { $, h, replaceChildren, announce } from '/static/app/lib/dom.js';
import { gql } from '/static/app/lib/graphql.js';
import { setLanguage, t, gqlLanguage, languageInfo, formatTime, DEFAULT_LANGUAGE } from '/static/app/lib/i18n.js';
import { LiveConnection, fullJitterDelay } from '/static/app/lib/live.js';
import { readParams } from '/static/app/lib/params.js';
import { applyAppearance, bindConnectionBanner, errorMessage } from '/static/app/lib/ui.js';
import { Gong, speak, spokenNumber } from '/static/app/lib/audio.js';

const LOCATION_QUERY = `query DisplayLocation($key: String!, $lang: Language) {
  findLocation(key: $key) {
    id name shortName timezone
    services { id queuePrefix name(language: $lang) }
  }
}`;

const BOARD_FIELDS = `location updatedAt recalled
  called { number servicePoint service calledAt recalls serving }
  waiting { service prefix count estimatedWaitMinutes }`;

const BOARD_SUBSCRIPTION = `subscription Board($location: ID!) { queueDisplay(location: $location) { ${BOARD_FIELDS} } }`;
const BOARD_QUERY = `query Board($location: ID!) { queueBoard(location: $location) { ${BOARD_FIELDS} } }`;

const PAIR_MUTATION = `mutation PairDisplay($input: PairDeviceInput!) {
  pairDevice(input: $input) { token kind location errors { code } }
}`;
const CONFIG_QUERY = 'query DisplayConfig { displayConfig { location name } }';
const DISPLAY_TOKEN_KEY = 'vorzimmer.displayToken'; // apart from a kiosk's token in the same browser

const MAX_CALLED_SHOWN = 8;
const ANNOUNCE_WINDOW_MS = 2 * 60 * 1000; // calls older than this (missed while offline) stay silent

const params = readParams();
const query = new URLSearchParams(window.location.search);
const els = {
  main: $('#main'),
  name: $('#location-name'),
  clock: $('#clock'),
  banner: $('#connection-status'),
  calledList: $('#called-list'),
  calledEmpty: $('#called-empty'),
  waitingList: $('#waiting-list'),
  message: $('#board-message'),
  announcer: $('#announcer'),
  enableAudio: $('#enable-audio'),
  help: $('#display-help'),
  helpCommand: $('#help-command'),
};

let place = null; // { id, name, shortName, timezone, services }
let board = null; // the last QueueBoard shown
const seenCalls = new Set(); // number|calledAt of calls already announced
const gong = new Gong();

function showMessage(key) {
  showText(key ? t(key) : '');
}

function showText(text) {
  els.message.textContent = text || '';
  els.message.hidden = !text;
}

function showHelp() {
  const example = `${window.location.origin}/display/queue?location=${encodeURIComponent(params.location || 'rathaus')}`;
  els.helpCommand.textContent = `chromium --kiosk --autoplay-policy=no-user-gesture-required "${example}"`;
  els.help.hidden = false;
}

const displayToken = {
  get() {
    try {
      return window.localStorage.getItem(DISPLAY_TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token) {
    window.localStorage.setItem(DISPLAY_TOKEN_KEY, token);
  },
  clear() {
    try {
      window.localStorage.removeItem(DISPLAY_TOKEN_KEY);
    } catch {
      /* nothing stored */
    }
  },
};

/**
 * `#pair=<code>`: trade the code for this display's token, then drop it from the address. A
 * kiosk-mode launcher may keep opening the old address: with a token kept, a used code is
 * ignored. Returns an error text, or null.
 */
async function pairFromAddress() {
  const url = new URL(window.location.href);
  if (query.has('pair')) {
    // The code went to the server in the request line (and its logs): never use it.
    url.searchParams.delete('pair');
    window.history.replaceState(null, '', url);
    return displayToken.get() ? null : t('display.pairInQuery');
  }
  const code = new URLSearchParams(url.hash.slice(1)).get('pair');
  if (!code) return null;
  url.hash = '';
  window.history.replaceState(null, '', url.href.replace(/#$/, ''));
  try {
    const data = await gql(PAIR_MUTATION, { input: { code, kind: 'display' } });
    const { token, errors } = data.pairDevice;
    if (token) {
      displayToken.set(token);
      return null;
    }
    return displayToken.get() ? null : errorMessage(errors[0]?.code || 'PAIRING_INVALID', 'display');
  } catch (err) {
    return displayToken.get() ? null : errorMessage(err.code, 'display');
  }
}

/** The location of a paired display (null when unpaired, or the pairing was revoked). */
async function pairedLocation() {
  const token = displayToken.get();
  if (!token) return null;
  try {
    const data = await gql(CONFIG_QUERY, {}, { token });
    if (data.displayConfig) return data.displayConfig.location;
  } catch (err) {
    if (err.code !== 'UNAUTHENTICATED') throw err;
  }
  displayToken.clear();
  return null;
}

function serviceName(id) {
  return place?.services.find((s) => s.id === id)?.name || '';
}

function tickClock() {
  if (place) els.clock.textContent = formatTime(new Date(), place.timezone);
}

function callKey(call) {
  return `${call.number}|${call.calledAt || ''}|${call.recalls}`;
}

function renderBoard() {
  if (!board) return;
  const called = board.called.slice(0, MAX_CALLED_SHOWN);
  replaceChildren(
    els.calledList,
    called.map((call, index) =>
      h(
        'li',
        {
          class: ['called-item', index === 0 && 'is-newest', call.serving && 'is-serving'],
          dataset: { testid: 'board-called-item', number: call.number },
        },
        h('span', { class: 'called-number', text: call.number }),
        h('span', { class: 'called-arrow', 'aria-hidden': 'true', text: '→' }),
        h('span', { class: 'sr-only', text: ` ${t('display.goTo')} ` }),
        h('span', { class: 'called-counter', text: call.servicePoint }),
        index === 0 && !call.serving ? h('span', { class: 'sr-only', text: ` (${t('display.newest')})` }) : null,
      ),
    ),
  );
  els.calledEmpty.hidden = called.length > 0;

  const waiting = board.waiting
    .map((w) => ({ ...w, name: serviceName(w.service) }))
    .filter((w) => w.name || w.count > 0);
  replaceChildren(
    els.waitingList,
    waiting.map((w) =>
      h(
        'li',
        { class: 'waiting-item', dataset: { service: w.service } },
        h('span', { class: 'waiting-prefix', 'aria-hidden': 'true', text: w.prefix }),
        h(
          'span',
          { class: 'waiting-text' },
          h('span', { class: 'waiting-name', text: w.name || w.prefix }),
          h(
            'span',
            { class: 'waiting-meta' },
            h('span', { class: 'waiting-count', text: t('display.waitingCount', { count: w.count }) }),
            h('span', {
              class: 'waiting-eta',
              text: w.count > 0 || w.estimatedWaitMinutes > 0
                ? t('display.estimate', { count: w.estimatedWaitMinutes })
                : t('display.noWait'),
            }),
          ),
        ),
      ),
    ),
  );
}

/** Gong, speech and the live region for calls that are new since the last state. */
function announceNewCalls(next, isFirst) {
  const fresh = [];
  for (const call of next.called) {
    const key = callKey(call);
    if (seenCalls.has(key)) continue;
    seenCalls.add(key);
    if (isFirst || call.serving) continue;
    // measured on the server's clock (the state's updatedAt), so a TV with a wrong clock still rings
    const age = call.calledAt && next.updatedAt ? new Date(next.updatedAt) - new Date(call.calledAt) : 0;
    if (age > ANNOUNCE_WINDOW_MS) continue;
    fresh.push(call);
  }
  if (next.recalled && !fresh.some((c) => c.number === next.recalled)) {
    const call = next.called.find((c) => c.number === next.recalled);
    if (call && !isFirst) fresh.push(call);
  }
  if (seenCalls.size > 500) {
    const keep = new Set(next.called.map(callKey));
    for (const key of Array.from(seenCalls)) if (!keep.has(key)) seenCalls.delete(key);
  }
  if (!fresh.length) return;
  // oldest first, so the newest is said last and stays on screen
  fresh.reverse();
  announce(
    els.announcer,
    fresh.map((c) => t('display.announce', { number: c.number, counter: c.servicePoint })).join(' '),
  );
  const gongMs = gong.play();
  if (params.speak) {
    const lang = languageInfo().speech;
    window.setTimeout(() => {
      for (const c of fresh) speak(t('display.speech', { number: spokenNumber(c.number), counter: c.servicePoint }), lang);
    }, gongMs ? gongMs - 600 : 0);
  }
  // let the newest row pulse once
  els.calledList.querySelector('.is-newest')?.classList.add('just-called');
}

function applyBoard(next) {
  if (!next) return;
  if (board && next.updatedAt && board.updatedAt && new Date(next.updatedAt) < new Date(board.updatedAt)) return;
  const isFirst = board === null;
  board = next;
  els.main.removeAttribute('aria-busy');
  showMessage(null);
  renderBoard();
  announceNewCalls(next, isFirst);
}

function setUpAudio() {
  const refresh = () => {
    // A running AudioContext means the browser lets this page play sound (a gesture came, or
    // Chromium runs with --autoplay-policy=no-user-gesture-required): speech may speak too.
    const needsGesture = gong.supported
      ? !gong.unlocked
      : params.speak && 'speechSynthesis' in window && !gong.speechUnlocked;
    els.enableAudio.hidden = !needsGesture;
  };
  const unlock = async () => {
    await gong.unlock();
    refresh();
  };
  els.enableAudio.addEventListener('click', unlock);
  // The TV may only have a remote: any key or touch unlocks too.
  document.addEventListener('keydown', unlock);
  document.addEventListener('pointerdown', unlock);
  gong.onChange(refresh);
  refresh();
}

async function loadPlace(lang) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const key = params.location || (await pairedLocation());
      if (!key) return undefined; // neither ?location= nor a pairing
      const data = await gql(LOCATION_QUERY, { key, lang: gqlLanguage(lang) });
      return data.findLocation;
    } catch (err) {
      if (err.network || err.status >= 500) {
        showMessage('display.connecting');
        await new Promise((resolve) => window.setTimeout(resolve, 1000 + fullJitterDelay(attempt)));
        continue;
      }
      throw err;
    }
  }
}

async function main() {
  applyAppearance(params);
  const lang = await setLanguage(params.lang || DEFAULT_LANGUAGE);
  setUpAudio();
  if (query.has('help')) showHelp();
  const pairingProblem = await pairFromAddress();
  if (pairingProblem) {
    showText(pairingProblem);
    showHelp();
    return;
  }
  try {
    place = await loadPlace(lang);
  } catch {
    place = null;
  }
  if (place === undefined) {
    showMessage('display.noLocation');
    showHelp();
    return;
  }
  if (!place) {
    showMessage('display.locationNotFound');
    return;
  }
  els.name.textContent = place.name;
  document.title = `${place.shortName || place.name} – ${t('display.pageTitle')}`;
  tickClock();
  window.setInterval(tickClock, 10 * 1000);

  const connection = new LiveConnection();
  bindConnectionBanner(els.banner, connection, { timeZone: place.timezone, hasState: () => board !== null });
  connection.subscribe({
    query: BOARD_SUBSCRIPTION,
    variables: { location: place.id },
    onData: (data) => applyBoard(data.queueDisplay || data.queueBoard),
    refetch: () => gql(BOARD_QUERY, { location: place.id }),
    onError: (errors, code) => {
      if (code === 'NOT_FOUND') showMessage('display.locationNotFound');
    },
  });
}

main().catch((err) => {
  console.error(err);
  showMessage('display.failed');
});

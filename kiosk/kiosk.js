// The kiosk terminal: /kiosk?location=&lang=&service=&theme=&font_size=
// Pair once (8-digit code -> device token in localStorage), then: check in a booking (typed
// code or QR via BarcodeDetector) or draw a walk-in ticket; show, print; reset when idle.
// Every request after pairing carries `Authorization: Bearer <device token>`.

import { $, $$, h, replaceChildren, announce, setFieldError, focusElement, parseSvg } from '/static/app/lib/dom.js';
import { gql, deviceGql, deviceToken } from '/static/app/lib/graphql.js';
import {
  LANGUAGES, DEFAULT_LANGUAGE, setLanguage, language, t, has, gqlLanguage, formatTime, onLanguageChange, isLanguage, translate,
} from '/static/app/lib/i18n.js';
import { fullJitterDelay } from '/static/app/lib/live.js';
import { readParams, THEMES, FONT_SIZES } from '/static/app/lib/params.js';
import { storage } from '/static/app/lib/storage.js';
import { applyAppearance, renderLanguageSwitch, errorMessage } from '/static/app/lib/ui.js';

const Q = {
  pair: `mutation Pair($input: PairDeviceInput!) {
    pairDevice(input: $input) { token kind location errors { code message field } }
  }`,
  config: `query KioskConfig { kioskConfig { location name idleTimeoutSeconds organizationKind } }`,
  location: `query KioskLocation($id: ID!, $lang: Language) {
    location(id: $id) { id name shortName timezone services { id slug queuePrefix name(language: $lang) } }
  }`,
  findLocation: `query FindLocation($key: String!) { findLocation(key: $key) { id name } }`,
  checkIn: `mutation CheckIn($input: CheckInInput!) {
    checkIn(input: $input) {
      ticket { id number service position estimatedWaitMinutes statusUrl qrSvg } errors { code message field }
    }
  }`,
  draw: `mutation Draw($input: DrawTicketInput!) {
    drawTicket(input: $input) { ticket { id number service position estimatedWaitMinutes statusUrl qrSvg } errors { code message field } }
  }`,
  unlock: `mutation Unlock($input: KioskPinInput!) {
    unlockKioskSettings(input: $input) { unlocked errors { code message field } }
  }`,
};

const IDLE_WARNING_SECONDS = 20; // WCAG 2.2.1: at least 20 s to ask for more time
const CODE_KEYS = '23456789ABCDEFGHJKMNPQRSTUVWXYZ-'.split(''); // booking codes never use 0/O, 1/I/L
const DIGIT_KEYS = '1234567890'.split('');
const SETTINGS_KEY = 'kiosk.settings';

const params = readParams();
const screens = ['pairing', 'home', 'checkin', 'draw', 'result', 'pin', 'settings'];

const els = {
  location: $('#kiosk-location'),
  notice: $('#kiosk-notice'),
  settingsOpen: $('#settings-open'),
  langSwitch: $('#lang-switch'),
  announcer: $('#announcer'),
  pairingForm: $('#pairing-form'),
  pairingCode: $('#pairing-code'),
  pairingError: $('#pairing-error'),
  pairingLocation: $('#pairing-location'),
  checkinForm: $('#checkin-form'),
  checkinCode: $('#checkin-code'),
  checkinError: $('#checkin-error'),
  scanStart: $('#scan-start'),
  scanStop: $('#scan-stop'),
  scanner: $('#scanner'),
  video: $('#scanner-video'),
  drawError: $('#draw-error'),
  serviceList: $('#service-list'),
  serviceEmpty: $('#service-empty'),
  resultTitle: $('#result-title'),
  resultLocation: $('#result-location'),
  issuedNumber: $('#issued-number'),
  resultService: $('#result-service'),
  resultWaitingRoom: $('#result-waiting-room'),
  resultPositionRow: $('#result-position-row'),
  resultPosition: $('#result-position'),
  resultEstimateRow: $('#result-estimate-row'),
  resultEstimate: $('#result-estimate'),
  issuedQr: $('#issued-qr'),
  resultTime: $('#result-time'),
  print: $('#print'),
  pinForm: $('#pin-form'),
  pinInput: $('#pin-input'),
  pinError: $('#pin-error'),
  settingsForm: $('#settings-form'),
  settingsLanguages: $('#settings-languages'),
  deviceInfo: $('#device-info'),
  unpair: $('#unpair'),
  unpairDialog: $('#unpair-dialog'),
  idleDialog: $('#idle-dialog'),
  idleText: $('#idle-text'),
  idleCountdown: $('#idle-countdown'),
  idleExtend: $('#idle-extend'),
  idleReset: $('#idle-reset'),
};

const kiosk = {
  screen: null,
  config: null, // { location, name, idleTimeoutSeconds }
  place: null, // { id, name, shortName, timezone, services }
  servicesLang: null,
  issued: null, // { ticket, kind: 'checkin' | 'draw', at: Date }
  busy: false,
  noticeKey: null,
};

// ---------------------------------------------------------------- settings and appearance

function storedSettings() {
  const s = storage.get(SETTINGS_KEY, {}) || {};
  return {
    lang: isLanguage(s.lang) ? s.lang : null,
    theme: THEMES.includes(s.theme) ? s.theme : null,
    fontSize: FONT_SIZES.includes(s.fontSize) ? s.fontSize : null,
    contrast: s.contrast === 'high' ? 'high' : s.contrast === 'normal' ? 'normal' : null,
  };
}

/** Settings saved on this kiosk (PIN-protected) win over URL parameters, then built-in defaults. */
function effectiveSettings() {
  const s = storedSettings();
  return {
    lang: s.lang || params.lang || DEFAULT_LANGUAGE,
    theme: s.theme || params.theme || 'light',
    fontSize: s.fontSize || params.fontSize || 'normal',
    contrast: s.contrast || params.contrast || null,
  };
}

function applySettings() {
  const s = effectiveSettings();
  applyAppearance({ theme: s.theme, fontSize: s.fontSize, contrast: s.contrast });
  return s;
}

// ---------------------------------------------------------------- office or practice wording

function isPractice() {
  return kiosk.config?.organizationKind === 'PRACTICE';
}

/** A practice registers patients (registered / waiting / in treatment / done): its own key. */
function worded(key) {
  const practiceKey = key.replace(/^kiosk\./, 'kiosk.practice.');
  return isPractice() && has(practiceKey) ? practiceKey : key;
}

/** Switch the static texts marked data-i18n-practice to the organization's wording. */
function applyWording() {
  for (const el of $$('[data-i18n-practice]')) {
    if (!el.dataset.i18nOffice) el.dataset.i18nOffice = el.dataset.i18n;
    el.dataset.i18n = isPractice() ? el.dataset.i18nPractice : el.dataset.i18nOffice;
  }
  translate(document);
}

// ---------------------------------------------------------------- screens and messages

function clearErrors() {
  setFieldError(els.pairingCode, els.pairingError, null);
  setFieldError(els.checkinCode, els.checkinError, null);
  setFieldError(null, els.drawError, null);
  setFieldError(els.pinInput, els.pinError, null);
}

function showNotice(key, params = {}) {
  kiosk.noticeKey = key ? [key, params] : null;
  els.notice.textContent = key ? t(key, params) : '';
  els.notice.hidden = !key;
}

function go(name, { focus = true } = {}) {
  if (kiosk.screen === 'checkin' && name !== 'checkin') stopScanner();
  kiosk.screen = name;
  for (const screen of screens) $(`#screen-${screen}`).hidden = screen !== name;
  clearErrors();
  if (name !== 'pairing' && name !== 'home') showNotice(null);
  els.settingsOpen.hidden = name === 'pairing' || name === 'pin' || name === 'settings';
  document.body.dataset.screen = name;
  if (focus) focusElement($(`#screen-${name} h1`));
  idle.touch();
}

function setBusy(busy) {
  kiosk.busy = busy;
  document.body.setAttribute('aria-busy', String(busy));
  for (const button of $$('form button[type="submit"], .service-option')) button.disabled = busy;
}

/** A request failed without a typed error: the device was unpaired, the network is down, … */
function handleRequestFailure(err, messageEl, input) {
  if (err?.code === 'UNAUTHENTICATED') {
    deviceToken.clear();
    kiosk.config = null;
    startPairing('kiosk.pairing.revoked');
    return;
  }
  setFieldError(input, messageEl, () => errorMessage(err?.code, 'kiosk'));
}

// ---------------------------------------------------------------- idle reset (WCAG 2.2.1)

const idle = {
  timer: null,
  countdownTimer: null,
  remaining: 0,
  /** Whether there is anything to clear: not on the start screen in the default language. */
  dirty() {
    if (!kiosk.config) return false;
    return kiosk.screen !== 'home' || language() !== effectiveSettings().lang;
  },
  touch() {
    if (els.idleDialog.open) return;
    window.clearTimeout(this.timer);
    if (!kiosk.config) return;
    const seconds = Math.max(1, kiosk.config.idleTimeoutSeconds || 60);
    this.timer = window.setTimeout(() => this.warn(), seconds * 1000);
  },
  warn() {
    if (!this.dirty()) return;
    // count against a deadline, so a throttled timer cannot stretch the warning
    const deadline = Date.now() + IDLE_WARNING_SECONDS * 1000;
    this.remaining = IDLE_WARNING_SECONDS;
    this.render();
    els.idleDialog.showModal();
    els.idleExtend.focus();
    this.countdownTimer = window.setInterval(() => {
      this.remaining = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (this.remaining <= 0) {
        this.stopCountdown();
        els.idleDialog.close();
        resetKiosk();
      } else {
        this.render();
      }
    }, 250);
  },
  render() {
    els.idleText.textContent = t('kiosk.idle.text', { count: this.remaining });
    els.idleCountdown.textContent = String(this.remaining);
  },
  stopCountdown() {
    window.clearInterval(this.countdownTimer);
    this.countdownTimer = null;
  },
  extend() {
    this.stopCountdown();
    if (els.idleDialog.open) els.idleDialog.close();
    this.touch();
  },
};

function setUpIdle() {
  for (const type of ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart']) {
    document.addEventListener(type, () => idle.touch(), { passive: true, capture: true });
  }
  els.idleExtend.addEventListener('click', () => idle.extend());
  els.idleReset.addEventListener('click', () => {
    idle.stopCountdown();
    els.idleDialog.close();
    resetKiosk();
  });
  // Escape closes the dialog: that is asking for more time too.
  els.idleDialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    idle.extend();
  });
}

/** Back to the start: clear every input, result and error, default language. */
async function resetKiosk() {
  stopScanner();
  els.checkinCode.value = '';
  els.pinInput.value = '';
  kiosk.issued = null;
  replaceChildren(els.issuedQr);
  delete els.issuedQr.dataset.statusUrl;
  els.issuedNumber.textContent = '';
  clearErrors();
  if (els.unpairDialog.open) els.unpairDialog.close();
  const settings = applySettings();
  if (language() !== settings.lang) await setLanguage(settings.lang);
  if (kiosk.config) go('home');
}

// ---------------------------------------------------------------- on-screen keypads

function setUpKeypads() {
  for (const pad of $$('.keypad')) {
    const input = $(`#${pad.dataset.for}`);
    const keys = pad.dataset.keys === 'digits' ? DIGIT_KEYS : CODE_KEYS;
    const insert = (text) => {
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? input.value.length;
      if (input.maxLength > 0 && input.value.length - (end - start) + text.length > input.maxLength) return;
      input.setRangeText(text, start, end, 'end');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    };
    const keep = (event) => event.preventDefault(); // keep the caret in the field
    const buttons = keys.map((key) =>
      h('button', { type: 'button', class: 'key', tabindex: '-1', text: key, onpointerdown: keep, onclick: () => insert(key) }),
    );
    buttons.push(
      h('button', {
        type: 'button',
        class: 'key key-wide',
        tabindex: '-1',
        dataset: { i18n: 'kiosk.keyboard.backspace' },
        onpointerdown: keep,
        onclick: () => {
          const start = input.selectionStart ?? input.value.length;
          const end = input.selectionEnd ?? input.value.length;
          if (start !== end) input.setRangeText('', start, end, 'end');
          else if (start > 0) input.setRangeText('', start - 1, start, 'end');
          input.dispatchEvent(new Event('input', { bubbles: true }));
        },
      }),
      h('button', {
        type: 'button',
        class: 'key key-wide',
        tabindex: '-1',
        dataset: { i18n: 'kiosk.keyboard.clear' },
        onpointerdown: keep,
        onclick: () => {
          input.value = '';
          input.dispatchEvent(new Event('input', { bubbles: true }));
        },
      }),
    );
    replaceChildren(pad, buttons);
  }
}

// ---------------------------------------------------------------- pairing

async function startPairing(noticeKey = null) {
  go('pairing');
  showNotice(noticeKey);
  els.pairingLocation.hidden = true;
  if (params.location) {
    try {
      const data = await gql(Q.findLocation, { key: params.location });
      if (data.findLocation) {
        els.pairingLocation.dataset.name = data.findLocation.name;
        els.pairingLocation.textContent = t('kiosk.pairing.forLocation', { name: data.findLocation.name });
        els.pairingLocation.hidden = false;
      }
    } catch {
      /* only a hint */
    }
  }
}

function setUpPairing() {
  els.pairingForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (kiosk.busy) return;
    const digits = els.pairingCode.value.replace(/\D/g, '');
    if (digits.length !== 8) {
      setFieldError(els.pairingCode, els.pairingError, () => t('kiosk.pairing.invalidFormat'));
      els.pairingCode.focus();
      return;
    }
    setBusy(true);
    try {
      // with the kind, a display's code is refused (as PAIRING_INVALID, like any wrong code)
      const data = await gql(Q.pair, { input: { code: digits, kind: 'kiosk' } });
      const { token, errors } = data.pairDevice;
      if (errors.length || !token) {
        const code = errors[0]?.code || 'PAIRING_INVALID';
        setFieldError(els.pairingCode, els.pairingError, () => errorMessage(code, 'kiosk'));
        els.pairingCode.focus();
        return;
      }
      deviceToken.set(token);
      els.pairingCode.value = '';
      await loadKiosk();
      showNotice('kiosk.pairing.done');
    } catch (err) {
      setFieldError(els.pairingCode, els.pairingError, () => errorMessage(err.code, 'kiosk'));
    } finally {
      setBusy(false);
    }
  });
}

// ---------------------------------------------------------------- configuration and services

async function loadServices() {
  const lang = language();
  if (kiosk.place && kiosk.servicesLang === lang) return;
  const data = await deviceGql(Q.location, { id: kiosk.config.location, lang: gqlLanguage(lang) });
  if (!data.location) throw Object.assign(new Error('location gone'), { code: 'NOT_FOUND' });
  kiosk.place = data.location;
  kiosk.servicesLang = lang;
  els.location.textContent = kiosk.place.name;
  renderServices();
}

/** Load kioskConfig and the location (retrying while the server is unreachable). */
async function loadKiosk() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const data = await deviceGql(Q.config);
      if (!data.kioskConfig) {
        // a display's token, or a device an admin unpaired
        deviceToken.clear();
        await startPairing('kiosk.pairing.revoked');
        return;
      }
      kiosk.config = data.kioskConfig;
      applyWording();
      kiosk.servicesLang = null;
      await loadServices();
      showNotice(null);
      go('home');
      return;
    } catch (err) {
      if (err.code === 'UNAUTHENTICATED') {
        deviceToken.clear();
        await startPairing('kiosk.pairing.revoked');
        return;
      }
      showNotice('kiosk.connecting');
      await new Promise((resolve) => window.setTimeout(resolve, 1000 + fullJitterDelay(attempt, 1000, 15000)));
    }
  }
}

function preselectedServiceId() {
  if (!params.service || !kiosk.place) return null;
  const wanted = params.service.toLowerCase();
  const match = kiosk.place.services.find((s) => s.id === params.service || s.slug.toLowerCase() === wanted);
  return match ? match.id : null;
}

function renderServices() {
  if (!kiosk.place) return;
  const preselected = preselectedServiceId();
  const services = [...kiosk.place.services].sort((a, b) => (a.id === preselected ? -1 : b.id === preselected ? 1 : 0));
  replaceChildren(
    els.serviceList,
    services.map((service) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: ['btn', 'service-option', service.id === preselected && 'is-preselected'],
            dataset: { testid: 'service-option', serviceId: service.id },
            onclick: () => drawTicket(service),
          },
          h('span', { class: 'service-prefix', 'aria-hidden': 'true', text: service.queuePrefix }),
          h('span', { class: 'service-name', text: service.name }),
        ),
      ),
    ),
  );
  els.serviceEmpty.hidden = services.length > 0;
}

// ---------------------------------------------------------------- issuing tickets

function showResult(ticket, kind) {
  kiosk.issued = { ticket, kind, at: new Date() };
  renderResult();
  go('result');
  announce(
    els.announcer,
    t('kiosk.result.announce', { number: ticket.number }),
  );
}

function renderResult() {
  const issued = kiosk.issued;
  if (!issued) return;
  const { ticket, kind, at } = issued;
  const service = kiosk.place?.services.find((s) => s.id === ticket.service);
  els.resultTitle.textContent = t(worded(kind === 'checkin' ? 'kiosk.result.titleCheckin' : 'kiosk.result.titleDraw'));
  els.resultWaitingRoom.hidden = !isPractice();
  els.resultLocation.textContent = kiosk.place?.name || '';
  els.issuedNumber.textContent = ticket.number;
  els.resultService.textContent = service ? service.name : '';
  els.resultPositionRow.hidden = ticket.position == null;
  els.resultPosition.textContent = ticket.position == null ? '' : ticket.position === 1 ? t('kiosk.result.positionNext') : t('kiosk.result.positionValue', { count: ticket.position });
  els.resultEstimateRow.hidden = ticket.estimatedWaitMinutes == null;
  els.resultEstimate.textContent = ticket.estimatedWaitMinutes == null
    ? ''
    : t('kiosk.result.estimateValue', { count: ticket.estimatedWaitMinutes });
  els.resultTime.textContent = t('kiosk.result.issuedAt', { time: formatTime(at, kiosk.place?.timezone) });
  els.issuedQr.dataset.statusUrl = ticket.statusUrl || '';
  if (!els.issuedQr.firstChild) {
    const svg = ticket.qrSvg ? parseSvg(ticket.qrSvg) : null;
    if (svg) {
      svg.removeAttribute('width');
      svg.removeAttribute('height');
      svg.setAttribute('role', 'img');
      svg.setAttribute('focusable', 'false');
      els.issuedQr.append(svg);
    }
  }
  const svg = els.issuedQr.querySelector('svg');
  if (svg) svg.setAttribute('aria-label', t('kiosk.result.qrLabel', { number: ticket.number }));
}

async function drawTicket(service) {
  if (kiosk.busy) return;
  setFieldError(null, els.drawError, null);
  setBusy(true);
  try {
    const data = await deviceGql(Q.draw, { input: { service: service.id, location: kiosk.config.location } });
    const { ticket, errors } = data.drawTicket;
    if (errors.length || !ticket) {
      setFieldError(null, els.drawError, () => errorMessage(errors[0]?.code, 'kiosk'));
      els.drawError.focus?.();
      return;
    }
    replaceChildren(els.issuedQr);
    showResult(ticket, 'draw');
  } catch (err) {
    handleRequestFailure(err, els.drawError, null);
  } finally {
    setBusy(false);
  }
}

async function checkIn(code) {
  if (kiosk.busy) return;
  const value = code.trim();
  if (!value) {
    setFieldError(els.checkinCode, els.checkinError, () => t('kiosk.checkin.empty'));
    els.checkinCode.focus();
    return;
  }
  setFieldError(els.checkinCode, els.checkinError, null);
  setBusy(true);
  try {
    const data = await deviceGql(Q.checkIn, { input: { code: value } });
    const { ticket, errors } = data.checkIn;
    if (errors.length || !ticket) {
      const code = errors[0]?.code;
      setFieldError(els.checkinCode, els.checkinError, () => errorMessage(code, 'kiosk'));
      els.checkinCode.focus();
      return;
    }
    els.checkinCode.value = '';
    replaceChildren(els.issuedQr);
    showResult(ticket, 'checkin');
  } catch (err) {
    handleRequestFailure(err, els.checkinError, els.checkinCode);
  } finally {
    setBusy(false);
  }
}

// ---------------------------------------------------------------- QR scanning (BarcodeDetector)

const scanner = { stream: null, timer: null, detector: null };

/** The booking code inside a scanned text (the code itself, or a link containing XXX-XXX). */
export function codeFromScan(text) {
  const m = /([2-9A-HJ-NP-Z]{3})-?([2-9A-HJ-NP-Z]{3})(?![0-9A-Z])/i.exec(String(text || '').toUpperCase());
  return m ? `${m[1]}-${m[2]}` : String(text || '').trim();
}

async function setUpScanner() {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) return;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes('qr_code')) return;
    scanner.detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  } catch {
    return;
  }
  els.scanStart.hidden = false;
  els.scanStart.addEventListener('click', startScanner);
  els.scanStop.addEventListener('click', () => {
    stopScanner();
    els.scanStart.focus();
  });
}

async function startScanner() {
  setFieldError(els.checkinCode, els.checkinError, null);
  try {
    scanner.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'user' } }, audio: false });
  } catch {
    setFieldError(els.checkinCode, els.checkinError, () => t('kiosk.checkin.cameraError'));
    return;
  }
  els.video.srcObject = scanner.stream;
  els.scanner.hidden = false;
  els.checkinForm.hidden = true;
  await els.video.play().catch(() => {});
  els.scanStop.focus();
  announce(els.announcer, t('kiosk.checkin.scanHint'));
  const tick = async () => {
    if (!scanner.stream) return;
    try {
      const codes = await scanner.detector.detect(els.video);
      const raw = codes.find((c) => c.rawValue)?.rawValue;
      if (raw) {
        stopScanner();
        const code = codeFromScan(raw);
        els.checkinCode.value = code;
        await checkIn(raw);
        return;
      }
    } catch {
      /* frame not ready */
    }
    scanner.timer = window.setTimeout(tick, 250);
  };
  tick();
}

function stopScanner() {
  window.clearTimeout(scanner.timer);
  if (scanner.stream) for (const track of scanner.stream.getTracks()) track.stop();
  scanner.stream = null;
  els.video.srcObject = null;
  els.scanner.hidden = true;
  els.checkinForm.hidden = false;
}

// ---------------------------------------------------------------- settings (PIN)

function renderSettingsLanguages() {
  const current = effectiveSettings().lang;
  replaceChildren(
    els.settingsLanguages,
    LANGUAGES.map((lang) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: 'lang', value: lang.code, checked: lang.code === current, dataset: { testid: `settings-lang-${lang.code}` } }),
        h('span', { lang: lang.code, dir: lang.dir, text: lang.name }),
      ),
    ),
  );
}

function openSettings() {
  const s = effectiveSettings();
  renderSettingsLanguages();
  for (const input of $$('input[name="theme"]', els.settingsForm)) input.checked = input.value === s.theme;
  for (const input of $$('input[name="fontSize"]', els.settingsForm)) input.checked = input.value === s.fontSize;
  $('input[name="contrast"]', els.settingsForm).checked = s.contrast === 'high';
  els.deviceInfo.textContent = kiosk.config
    ? t('kiosk.settings.deviceInfo', { name: kiosk.config.name, location: kiosk.place?.name || '' })
    : '';
  go('settings');
}

function setUpSettings() {
  els.settingsOpen.addEventListener('click', () => {
    els.pinInput.value = '';
    go('pin');
    els.pinInput.focus();
  });
  els.pinForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (kiosk.busy) return;
    if (!els.pinInput.value) {
      setFieldError(els.pinInput, els.pinError, () => t('kiosk.settings.pinEmpty'));
      els.pinInput.focus();
      return;
    }
    setBusy(true);
    try {
      const data = await deviceGql(Q.unlock, { input: { pin: els.pinInput.value } });
      const { unlocked, errors } = data.unlockKioskSettings;
      els.pinInput.value = '';
      if (!unlocked) {
        setFieldError(els.pinInput, els.pinError, () => errorMessage(errors[0]?.code || 'WRONG_PIN', 'kiosk'));
        els.pinInput.focus();
        return;
      }
      openSettings();
    } catch (err) {
      handleRequestFailure(err, els.pinError, els.pinInput);
    } finally {
      setBusy(false);
    }
  });
  els.settingsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(els.settingsForm);
    const settings = {
      lang: form.get('lang') || DEFAULT_LANGUAGE,
      theme: form.get('theme') || 'light',
      fontSize: form.get('fontSize') || 'normal',
      contrast: form.get('contrast') === 'high' ? 'high' : 'normal',
    };
    storage.set(SETTINGS_KEY, settings);
    applySettings();
    await setLanguage(settings.lang);
    go('home');
    showNotice('kiosk.settings.saved');
    announce(els.announcer, t('kiosk.settings.saved'));
  });
  els.unpair.addEventListener('click', () => {
    els.unpairDialog.showModal();
    $('#unpair-cancel').focus();
  });
  $('#unpair-cancel').addEventListener('click', () => els.unpairDialog.close());
  $('#unpair-confirm').addEventListener('click', async () => {
    els.unpairDialog.close();
    deviceToken.clear();
    kiosk.config = null;
    kiosk.place = null;
    els.location.textContent = '';
    await startPairing('kiosk.settings.unpaired');
  });
}

// ---------------------------------------------------------------- wiring

function setUpNavigation() {
  $('#checkin-start').addEventListener('click', () => {
    els.checkinCode.value = '';
    go('checkin', { focus: false });
    els.checkinCode.focus();
  });
  $('#draw-start').addEventListener('click', async () => {
    go('draw');
    try {
      await loadServices();
    } catch (err) {
      handleRequestFailure(err, els.drawError, null);
    }
    const preselected = els.serviceList.querySelector('.is-preselected');
    if (preselected) preselected.focus();
  });
  for (const button of $$('[data-action="home"]')) button.addEventListener('click', () => resetKiosk());
  els.checkinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    checkIn(els.checkinCode.value);
  });
  els.checkinCode.addEventListener('input', () => {
    if (els.checkinCode.getAttribute('aria-invalid')) setFieldError(els.checkinCode, els.checkinError, null);
  });
  els.print.addEventListener('click', () => window.print());
}

async function onLanguage() {
  if (kiosk.noticeKey) showNotice(...kiosk.noticeKey);
  if (kiosk.issued) renderResult();
  if (els.idleDialog.open) idle.render();
  if (!els.pairingLocation.hidden && els.pairingLocation.dataset.name) {
    els.pairingLocation.textContent = t('kiosk.pairing.forLocation', { name: els.pairingLocation.dataset.name });
  }
  if (kiosk.config) {
    try {
      await loadServices();
      if (kiosk.issued) renderResult();
    } catch {
      /* names stay in the previous language until the next try */
    }
  }
}

async function main() {
  const settings = applySettings();
  await setLanguage(settings.lang);
  renderLanguageSwitch(els.langSwitch, (code) => setLanguage(code));
  onLanguageChange(() => onLanguage());
  setUpKeypads();
  translate(document); // the keypads' labels
  setUpIdle();
  setUpPairing();
  setUpNavigation();
  setUpSettings();
  setUpScanner();

  if (!deviceToken.get()) {
    await startPairing();
    return;
  }
  await loadKiosk();
}

main().catch((err) => {
  console.error(err);
  showNotice('kiosk.failed');
});

// Sound for the call display: a gong synthesised with Web Audio (no audio files) and speech
// synthesis. Browsers start audio only after a user gesture; the page shows a small
// "enable sound" button until unlock() has run inside a click or key press. A TV that nobody
// touches runs Chromium in kiosk mode with the flag `--autoplay-policy=no-user-gesture-required`:
// then the context may run from the start (the constructor tries) and no button appears.

export class Gong {
  constructor() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    this.supported = Boolean(Ctx);
    this.ctx = null;
    this._listeners = new Set();
    if (this.supported) {
      try {
        this.ctx = new Ctx({ latencyHint: 'playback' });
        this.ctx.addEventListener('statechange', () => this._notify());
        // allowed without a gesture under the autoplay flag; otherwise it stays suspended
        if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
      } catch {
        this.supported = false;
      }
    }
    this.speechUnlocked = false;
  }

  /** Audio may play now (the context runs). */
  get unlocked() {
    return Boolean(this.ctx && this.ctx.state === 'running');
  }

  onChange(fn) {
    this._listeners.add(fn);
    return () => this._listeners.delete(fn);
  }

  _notify() {
    for (const fn of Array.from(this._listeners)) fn(this.unlocked);
  }

  /** Call from a click/keydown handler: resumes audio and primes speech synthesis. */
  async unlock() {
    if ('speechSynthesis' in window && !this.speechUnlocked) {
      try {
        const primer = new SpeechSynthesisUtterance(' ');
        primer.volume = 0;
        window.speechSynthesis.speak(primer);
        this.speechUnlocked = true;
      } catch {
        /* no speech here */
      }
    }
    if (!this.ctx) return false;
    try {
      await this.ctx.resume();
    } catch {
      /* stays locked */
    }
    this._notify();
    return this.unlocked;
  }

  /**
   * A two-tone "ding-dong" (E5 then C5) with a soft attack, a bell-like overtone and a long
   * exponential decay. Returns its length in ms (0 when audio is locked).
   */
  play() {
    if (!this.unlocked) return 0;
    const ctx = this.ctx;
    const start = ctx.currentTime + 0.05;
    const master = ctx.createGain();
    master.gain.value = 0.55;
    master.connect(ctx.destination);
    const notes = [
      { freq: 659.25, at: 0 },
      { freq: 523.25, at: 0.65 },
    ];
    for (const { freq, at } of notes) {
      for (const [ratio, level] of [[1, 1], [2.0, 0.35], [3.01, 0.12]]) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq * ratio;
        const t0 = start + at;
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(level, t0 + 0.015);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 1.8 / ratio);
        osc.connect(gain).connect(master);
        osc.start(t0);
        osc.stop(t0 + 2);
      }
    }
    return 2600;
  }
}

/** Speak `text` in a BCP 47 language, with a matching voice when the system has one. */
export function speak(text, lang) {
  if (!('speechSynthesis' in window) || !text) return;
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = lang;
  utterance.rate = 0.9;
  const prefix = lang.slice(0, 2).toLowerCase();
  const voice = window.speechSynthesis.getVoices().find((v) => v.lang && v.lang.toLowerCase().startsWith(prefix));
  if (voice) utterance.voice = voice;
  window.speechSynthesis.speak(utterance);
}

/** "A042" -> "A 42", so synthesis says the letter and the number, not "a zero forty-two". */
export function spokenNumber(number) {
  const m = /^([A-Za-z]*)(\d+)$/.exec(String(number).trim());
  if (!m) return String(number);
  return `${m[1].split('').join(' ')} ${Number.parseInt(m[2], 10)}`.trim();
}

// Solves one proof-of-work challenge (ALTCHA v1) off the main thread: finds the number n in
// 0..maxNumber with SHA-256(salt + n) === challenge. A classic worker (no imports), started by
// lib/proof.js; nothing leaves the page and nothing is stored.
//
// SHA-256 is computed here rather than with WebCrypto: crypto.subtle.digest answers each call
// through a promise, which made solving 50-100 times slower than this loop (measured with
// ops/bench/proof_of_work.py), and it exists only in secure contexts. Only the solver runs
// here; the server checks every answer with hashlib. The salt's whole 64-byte blocks are the
// same for every candidate, so they are hashed once and each candidate costs one or two
// compressions.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const w = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes at `block[offset]` into `state` (in place). */
function compress(state, block, offset) {
  for (let i = 0; i < 16; i += 1) {
    const j = offset + i * 4;
    w[i] = (block[j] << 24) | (block[j + 1] << 16) | (block[j + 2] << 8) | block[j + 3];
  }
  for (let i = 16; i < 64; i += 1) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let i = 0; i < 64; i += 1) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

function solve(salt, challenge, maxNumber) {
  const saltBytes = new TextEncoder().encode(salt);
  const whole = saltBytes.length - (saltBytes.length % 64);
  const midstate = INITIAL.slice();
  for (let offset = 0; offset < whole; offset += 64) compress(midstate, saltBytes, offset);
  const rest = saltBytes.subarray(whole);
  const expected = new Int32Array(8);
  for (let i = 0; i < 8; i += 1) expected[i] = parseInt(challenge.substr(i * 8, 8), 16) | 0;

  const tail = new Uint8Array(128);
  tail.set(rest);
  const state = new Int32Array(8);
  for (let n = 0; n <= maxNumber; n += 1) {
    const digits = String(n);
    tail.fill(0, rest.length);
    let length = rest.length;
    for (let i = 0; i < digits.length; i += 1) tail[length + i] = digits.charCodeAt(i);
    length += digits.length;
    tail[length] = 0x80;
    const blocks = length + 9 <= 64 ? 1 : 2;
    const bits = (whole + length) * 8;
    const end = blocks * 64;
    tail[end - 4] = bits >>> 24;
    tail[end - 3] = bits >>> 16;
    tail[end - 2] = bits >>> 8;
    tail[end - 1] = bits;
    state.set(midstate);
    compress(state, tail, 0);
    if (blocks === 2) compress(state, tail, 64);
    let same = true;
    for (let i = 0; i < 8 && same; i += 1) same = state[i] === expected[i];
    if (same) return n;
  }
  return null;
}

self.onmessage = ({ data }) => {
  self.postMessage({ number: solve(data.salt, data.challenge, data.maxNumber) });
};

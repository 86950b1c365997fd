// Proofs of work for anonymous holdSlot, bookAppointment and joinWaitlist: instead of a puzzle
// the browser solves a small challenge in a Web Worker (lib/proof-worker.js), ideally before
// the citizen clicks (prepare). Loaded with import() by site/api.js only when a booking
// begins, so the first load of / does not carry it. Challenges come from our own server;
// nothing is stored (the embed may have no storage or cookies at all).

const WORKER_URL = new URL('./proof-worker.js', import.meta.url);
/** A prepared proof this close to its expiry is solved afresh rather than sent. */
const EXPIRY_MARGIN_MS = 30000;

function solveInWorker(challenge) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL);
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.number === null) reject(new Error('unsolvable challenge'));
      else resolve(data.number);
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message || 'proof worker failed'));
    };
    worker.postMessage({ salt: challenge.salt, challenge: challenge.challenge, maxNumber: challenge.maxNumber });
  });
}

/**
 * @param {(purpose: string) => Promise<object>} fetchChallenge  proofOfWorkChallenge(purpose)
 * @returns {{prepare(purpose: string): void, take(purpose: string): Promise<string|null>}}
 * `take` gives a solved proof (base64, ALTCHA's payload) once, or null where the server asks
 * for none (e.g. proofs switched off).
 */
export function createProofs(fetchChallenge) {
  const prepared = new Map(); // purpose -> Promise<{payload, expiresAt}>

  async function solve(purpose) {
    const asked = performance.now();
    const challenge = await fetchChallenge(purpose);
    if (!challenge.required) return { payload: null, expiresAt: Infinity };
    const number = await solveInWorker(challenge);
    const { algorithm, salt, signature } = challenge;
    const payload = btoa(JSON.stringify({ algorithm, challenge: challenge.challenge, number, salt, signature }));
    return { payload, expiresAt: asked + challenge.expiresInSeconds * 1000 };
  }

  function start(purpose) {
    const job = solve(purpose);
    prepared.set(purpose, job);
    job.catch(() => {
      if (prepared.get(purpose) === job) prepared.delete(purpose); // try again when needed
    });
    return job;
  }

  return {
    prepare(purpose) {
      if (!prepared.has(purpose)) start(purpose);
    },
    async take(purpose) {
      const job = prepared.get(purpose) || start(purpose);
      prepared.delete(purpose);
      let proof = await job;
      if (performance.now() > proof.expiresAt - EXPIRY_MARGIN_MS) proof = await solve(purpose);
      return proof.payload;
    },
  };
}

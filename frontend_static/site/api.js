// GraphQL documents of the citizen site, the manage page and the embed, and one small client
// per page. The embed's client is anonymous: no cookies, so no CSRF header (lib/graphql.js).

import { gql, GRAPHQL_PATH } from '../lib/graphql.js';
import { getCookie } from '../lib/dom.js';
import { gqlLanguage } from '../lib/i18n.js';

const ERRORS = 'errors { code message field }';
const LOCATION = 'id slug name shortName phone email timezone address { street zipCode city }';
const SERVICE = `id slug durationMinutes name(language: $lang) description(language: $lang)
  requiredDocuments(language: $lang) fee { amount currency } locations { id }`;
const BOOKING = `id code status start end changeDeadline name email phone language channel
  service { ${SERVICE} } location { ${LOCATION} organization { allowChannelChoice } }
  qrSvg ics(language: $lang)`;
const ENTRY = 'id status service location firstDay lastDay offerStart offerLocation offerExpiresAt';

const Q = {
  organizations: `query Organizations($lang: Language) {
    organizations { id slug name shortName website privacyUrl imprintUrl phone timezone
      smsEnabled allowChannelChoice locations { ${LOCATION} } services { ${SERVICE} } } }`,
  findLocation: 'query FindLocation($key: String!) { findLocation(key: $key) { id } }',
  days: `query Days($service: ID!, $location: ID!, $from: Date!, $to: Date!) {
    availableDays(service: $service, location: $location, from: $from, to: $to) }`,
  slots: `query Slots($service: ID!, $location: ID!, $date: Date!) {
    availableSlots(service: $service, location: $location, date: $date) { start end localTime remaining } }`,
  soonest: `query Soonest($service: ID!) {
    soonestAvailability(service: $service) { location { id } firstSlot { start end localTime } } }`,
  hold: `mutation Hold($input: HoldSlotInput!) {
    holdSlot(input: $input) { hold { id start end expiresInSeconds } holdSecret ${ERRORS} } }`,
  extendHold: `mutation ExtendHold($input: ExtendHoldInput!) {
    extendHold(input: $input) { hold { id expiresInSeconds } ${ERRORS} } }`,
  release: `mutation Release($input: ReleaseHoldInput!) { releaseHold(input: $input) { released ${ERRORS} } }`,
  book: `mutation Book($input: BookAppointmentInput!, $lang: Language) {
    bookAppointment(input: $input) { booking { ${BOOKING} } manageToken manageUrl replayed ${ERRORS} } }`,
  booking: `query Booking($code: String!, $token: String!, $lang: Language) {
    booking(code: $code, token: $token) { ${BOOKING} } }`,
  cancel: `mutation Cancel($input: ManageBookingInput!, $lang: Language) {
    cancelBooking(input: $input) { booking { ${BOOKING} } ${ERRORS} } }`,
  setLanguage: `mutation SetLanguage($input: SetBookingLanguageInput!) {
    setBookingLanguage(input: $input) { booking { language } ${ERRORS} } }`,
  reschedule: `mutation Reschedule($input: RescheduleBookingInput!, $lang: Language) {
    rescheduleBooking(input: $input) { booking { ${BOOKING} } ${ERRORS} } }`,
  joinWaitlist: `mutation JoinWaitlist($input: JoinWaitlistInput!) {
    joinWaitlist(input: $input) { entry { ${ENTRY} } token ${ERRORS} } }`,
  entry: `query Entry($entry: ID!, $token: String!) { waitlistEntry(entry: $entry, token: $token) { ${ENTRY} } }`,
  confirmOffer: `mutation ConfirmOffer($input: WaitlistEntryInput!, $lang: Language) {
    confirmWaitlistOffer(input: $input) { booking { ${BOOKING} } manageToken ${ERRORS} } }`,
  confirmEmail: `mutation ConfirmWaitlistEmail($input: ConfirmWaitlistEmailInput!) {
    confirmWaitlistEmail(input: $input) { entry { ${ENTRY} } ${ERRORS} } }`,
  leaveWaitlist: `mutation LeaveWaitlist($input: WaitlistEntryInput!) { leaveWaitlist(input: $input) { entry { ${ENTRY} } ${ERRORS} } }`,
  proofChallenge: `query ProofChallenge($purpose: ProofPurpose!) {
    proofOfWorkChallenge(purpose: $purpose) { required algorithm challenge salt signature maxNumber expiresInSeconds } }`,
  place: `query Place($service: ID!, $location: ID!, $withLocation: Boolean!, $lang: Language) {
    service(id: $service) { ${SERVICE} } location(id: $location) @include(if: $withLocation) { ${LOCATION} } }`,
};

/** Say "checking that you are not a bot" only when a proof keeps the citizen waiting this long. */
const PROOF_WAIT_NOTICE_MS = 500;

/** The page's GraphQL calls; `anonymous` for the embed (no cookies at all). */
export function createApi({ anonymous = false } = {}) {
  const run = (query, variables) => gql(query, variables, { anonymous });
  const lang = () => gqlLanguage();

  // Proofs of work for holdSlot, bookAppointment and joinWaitlist (lib/proof.js, loaded only
  // once a booking begins): `proof.prepare` solves one in the background before it is needed;
  // `proof.onWait(true/false)` tells the page while the citizen has to wait for one.
  let proofs = null;
  const loadProofs = () => {
    proofs ||= import('../lib/proof.js')
      .then(({ createProofs }) => createProofs(async (purpose) => (await run(Q.proofChallenge, { purpose })).proofOfWorkChallenge))
      .catch((err) => {
        proofs = null;
        throw err;
      });
    return proofs;
  };
  const proof = {
    onWait: () => {},
    prepare(purpose) {
      loadProofs().then((p) => p.prepare(purpose)).catch(() => {}); // taken again when needed
    },
  };
  const takeProof = async (purpose) => {
    const notice = window.setTimeout(() => proof.onWait(true), PROOF_WAIT_NOTICE_MS);
    try {
      return await (await loadProofs()).take(purpose);
    } finally {
      window.clearTimeout(notice);
      proof.onWait(false);
    }
  };
  const withProof = async (purpose, input, send) => {
    const payload = await send({ ...input, proof: await takeProof(purpose) });
    // Expired meanwhile, or this network's difficulty rose: one fresh proof, once.
    if (!payload.errors.some((e) => e.code === 'PROOF_INVALID')) return payload;
    return send({ ...input, proof: await takeProof(purpose) });
  };

  return {
    proof,
    organizations: async () => (await run(Q.organizations, { lang: lang() })).organizations,
    findLocation: async (key) => (await run(Q.findLocation, { key })).findLocation,
    days: async (service, location, from, to) => (await run(Q.days, { service, location, from, to })).availableDays,
    slots: async (service, location, date) => (await run(Q.slots, { service, location, date })).availableSlots,
    soonest: async (service) => (await run(Q.soonest, { service })).soonestAvailability,
    hold: (input) => withProof('HOLD_SLOT', input, async (i) => (await run(Q.hold, { input: i })).holdSlot),
    // A hold is used with the secret holdSlot returned (kept in memory only, never stored).
    release: async (hold, secret) => (await run(Q.release, { input: { hold, secret } })).releaseHold,
    extendHold: async (hold, secret) => (await run(Q.extendHold, { input: { hold, secret } })).extendHold,
    /** Give a hold back while the page goes away (keepalive: the request outlives the page). */
    releaseOnExit(hold, secret) {
      const headers = { 'Content-Type': 'application/json' };
      const csrf = anonymous ? null : getCookie('csrftoken');
      if (csrf) headers['X-CSRFToken'] = csrf;
      try {
        fetch(GRAPHQL_PATH, {
          method: 'POST', keepalive: true, headers, credentials: anonymous ? 'omit' : 'same-origin',
          body: JSON.stringify({ query: Q.release, variables: { input: { hold, secret } } }),
        }).catch(() => {});
      } catch {
        /* it expires by itself */
      }
    },
    book: (input) => withProof('BOOK_APPOINTMENT', input, async (i) => (await run(Q.book, { input: i, lang: lang() })).bookAppointment),
    booking: async (code, token) => (await run(Q.booking, { code, token, lang: lang() })).booking,
    cancel: async (code, token) => (await run(Q.cancel, { input: { code, token }, lang: lang() })).cancelBooking,
    /** Later messages about the booking in `language` (the GraphQL enum, e.g. 'AR'). */
    setLanguage: async (code, token, language) =>
      (await run(Q.setLanguage, { input: { code, token, language } })).setBookingLanguage,
    reschedule: async (code, token, newStart) =>
      (await run(Q.reschedule, { input: { code, token, newStart }, lang: lang() })).rescheduleBooking,
    // the waitlist (site/waitlist.js, site/waitlist-page.js)
    joinWaitlist: (input) => withProof('JOIN_WAITLIST', input, async (i) => (await run(Q.joinWaitlist, { input: i })).joinWaitlist),
    waitlistEntry: async (entry, token) => (await run(Q.entry, { entry, token })).waitlistEntry,
    confirmOffer: async (entry, token) => (await run(Q.confirmOffer, { input: { entry, token }, lang: lang() })).confirmWaitlistOffer,
    confirmWaitlistEmail: async (entry, token, confirmation) => (await run(Q.confirmEmail, { input: { entry, token, confirmation } })).confirmWaitlistEmail,
    leaveWaitlist: async (entry, token) => (await run(Q.leaveWaitlist, { input: { entry, token } })).leaveWaitlist,
    /** A service and (unless null) a location by id, names in the page language. */
    place: async (service, location) => {
      const data = await run(Q.place, { service, location: location || '', withLocation: Boolean(location), lang: lang() });
      return { service: data.service, location: data.location || null };
    },
  };
}

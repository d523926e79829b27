/**
 * Meta Conversions API facts the builder, the reader and the node share (see
 * reference/destinations.md, "Meta"). Every number here is Meta's rule, not a tuning knob.
 */

export const META_DEFAULT_BASE_URL = 'https://graph.facebook.com';
export const META_DEFAULT_API_VERSION = 'v26.0';

/** Events in one request's `data`. */
export const META_MAX_BATCH = 1000;

/** `event_time` may be at most 7 days old (62 days for physical_store); one older event fails the whole request. */
export const META_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;
export const META_PHYSICAL_STORE_MAX_AGE_SECONDS = 62 * 24 * 60 * 60;
/**
 * We stop a little short of Meta's limit: the request takes time to arrive, retries are re-planned later, and
 * Meta's clock is not ours. An event this close to the edge is skipped rather than allowed to poison a batch.
 */
export const META_AGE_SAFETY_SECONDS = 5 * 60;
/** Meta rejects `event_time` more than one minute in the future. */
export const META_MAX_FUTURE_SECONDS = 60;

/** The custom event a Click Tracker click is sent as (AnyTrack's name for it). */
export const META_CLICK_EVENT_NAME = 'OutboundClick';

export const META_ACTION_SOURCES = [
	'website',
	'email',
	'app',
	'phone_call',
	'chat',
	'physical_store',
	'system_generated',
	'business_messaging',
	'other',
] as const;
export type MetaActionSource = (typeof META_ACTION_SOURCES)[number];

/** Graph API error codes that mean "slow down" (reference: 4, 17, 613, 80003; 32 is the page-level limit). */
export const META_THROTTLING_CODES = new Set([4, 17, 32, 613, 80003, 80004]);
/** Graph API codes for a temporary problem on Meta's side. */
export const META_TRANSIENT_CODES = new Set([1, 2]);
/** Graph API codes for a token that is invalid, expired or revoked. */
export const META_AUTH_CODES = new Set([102, 190]);
/** Graph API codes for a valid token without the permission (or the pixel it names does not exist for it). */
export const META_PERMISSION_CODES = new Set([3, 10, 200]);

export const META_SUBCODE_BAD_FBC = 2804001;
export const META_SUBCODE_EVENT_TOO_OLD = 2804003;
export const META_SUBCODE_INVALID_DATA = 2804019;

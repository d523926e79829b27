// Click tracking: mint click ids, read ad click ids from a click request, decide where it may go
// (never an open redirect), tag offer links with the click id, and the AutoTag script for operators' pages.
export * from './types';
export { CLICK_ID_ALPHABET, CLICK_ID_BITS, CLICK_ID_LENGTH, mintClickId, mintVisitorId, isWellFormedVisitorId, isUsableClickId } from './ids';
export {
	CLICK_ID_PLACEHOLDER,
	NETWORK_LINK_DOMAINS,
	buildOfferRedirect,
	findLinkNetwork,
	hasPlaceholder,
	isValidSubidParam,
	linkNetworks,
	networkForHost,
	setQueryParam,
	tagLink,
} from './links';
export type { LinkNetwork, TagTarget, TaggedLink } from './links';
export { MAX_TARGET_LENGTH, isIpLiteral, parseHttpUrl } from './url';
export { DEFAULT_SUBID_PARAM, isHostAllowed, normalizeDomain, parseDomainAllowlist, resolveTarget, singleValue } from './targets';
export type { DomainAllowlist, OfferConfig, ResolvedTarget, TargetPolicy, TargetResult } from './targets';
export { buildFbc, isWellFormedFbc, isWellFormedFbp } from '../model/click';
export { DEFAULT_VISITOR_COOKIE, clientIp, isSecureRequest, normalizeIp, parseCookieHeader, readClickRequest, requestCookies } from './request';
export type { ClickDetails, ReadClickOptions } from './request';
export { DEFAULT_COOKIE_DAYS, trackClick } from './track';
export type { CookieSettings, RejectedClick, TrackOutcome, TrackedClick, TrackerConfig } from './track';
export { checkConsentCapture, cookieConsent, readConsent } from './consent';
export type { ConsentCapture, ConsentCookie } from './consent';
export { autoTagConfig, autoTagScript } from './autotag';
export type { AutoTagMode, AutoTagOptions } from './autotag';

/**
 * Conversion Funnel items → LinkedIn Conversions API requests
 * (POST {base}/rest/conversionEvents, `Authorization: Bearer <OAuth2 access token>`, Rest.li 2.0 BATCH_CREATE,
 * body `{ elements: [conversionEvent…] }`, at most 5,000 events per request).
 *
 * Facts, each with where it is written:
 * - Endpoint, `X-Restli-Protocol-Version: 2.0.0` and `LinkedIn-Version: YYYYMM` on every request, scope
 *   rw_conversions (plus r_ads) and the ad-account roles that may stream: "Conversions API",
 *   https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversions-api
 * - Versions are monthly (YYYYMM) and each is supported for at least one year before it is sunset; the
 *   newest listed when read was 202601, and the docs were published up to li-lms-2026-03:
 *   https://learn.microsoft.com/en-us/linkedin/marketing/versioning and
 *   https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversions-api-schema?view=li-lms-2026-03
 * - Several events in one request: `X-RestLi-Method: BATCH_CREATE` with `{ elements: [...] }`, answered with
 *   `{ elements: [{ status: 201 }, …] }` in request order (LinkedIn's Postman collection, "Stream multiple
 *   conversion events to the conversion rule"; LinkedIn's own Rest.li client reads each element's `status`,
 *   `id` and `error`: github.com/linkedin-developers/linkedin-api-python-client, restli/response_formatter.py).
 * - Up to 5,000 events per batch, 600 requests a minute, events at most 90 days old ("older … automatically
 *   rejected"): https://developer.salesforce.com/docs/data/data-cloud-int/guide/c360-a-linkedincapi-connector.html
 *   (a LinkedIn partner's documentation, linking the Learn page). Not confirmed on Learn itself, whose streaming
 *   section could not be read here: the 5,000 batch size and the 90-day window.
 * - An event: `conversion` (the rule's URN `urn:lla:llaPartnerConversion:<id>`), `conversionHappenedAt` (epoch
 *   milliseconds), `conversionValue { currencyCode, amount }` with the amount as a decimal STRING, `eventId`
 *   (deduplicated against the Insight Tag's event id), `user { userIds: [{ idType, idValue }], userInfo:
 *   { firstName, lastName, title, companyName, countryCode } }`. idTypes: SHA256_EMAIL,
 *   LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID (the li_fat_id click id), ACXIOM_ID, ORACLE_MOAT_ID.
 *   Every event needs at least one of those user ids (Commanders Act's LinkedIn destination lists the same rule:
 *   https://doc.commandersact.com/features/destinations/destinations-catalog/linkedin_capi); userInfo adds to
 *   the match; it is sent only with both firstName and lastName (the Learn schema asks for both when userInfo is
 *   present, as remembered, not re-read here). eventId is at most 64 characters (Salesforce's page
 *   above); ours are 35.
 *
 * Decisions:
 * - LinkedIn has no event names: each conversion goes to the conversion rule the operator picks, one for every
 *   event or one per funnel event name (`conversionRule` as a map, '*' for the rest), as Google Ads' conversion
 *   actions. An event without a rule is skipped with `no_conversion_rule`.
 * - Always BATCH_CREATE, even for one event: one answer shape, per-event statuses.
 * - Older than 90 days: `event_too_old`; more than 5 minutes ahead of our clock: `event_in_future` (LinkedIn
 *   documents no future bound; an event cannot have happened after it was reported).
 * - Click Tracker clicks, rejected or reversed conversions and negative values are not conversions LinkedIn
 *   can take (it has no way to retract one): `not_a_conversion`.
 * - The click id is `li_fat_id`, which LinkedIn appends to the landing URL when enhanced conversion tracking
 *   is on (and the Insight Tag keeps in a first-party cookie of the same name). The Click Tracker is expected
 *   to record it on the click as `liFatId`; it is sent as it is, never hashed.
 * - Without a hashed email or an li_fat_id LinkedIn cannot match the member: skipped with `no_match_keys`
 *   (names and country go along as userInfo when there is a user id, never alone). Not confirmed: one third-party
 *   write-up reports LinkedIn taking userInfo with an empty userIds list; we do not rely on it.
 * - A zero or missing value is left out (the rule's own value applies); the exact decimal goes as LinkedIn's
 *   string, never through a float.
 * - LinkedIn documents no test mode for the Conversions API (no test event code, no validate-only flag): there
 *   is none here.
 */
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { linkedinIdentityRules } from './identity';
import { isZeroDecimal } from '../../model';
import { gateConversion } from '../conversion-gate';
import { checkValueFrom, inBatches, missingSettings, planEach, skipAll } from '../planning';
import { eventIdFor } from '../event-id';
import type { ForwardableConversion, ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent } from '../types';

export const LINKEDIN_BASE_URL = 'https://api.linkedin.com';
/** The default `LinkedIn-Version`: documented (li-lms-2026-03) and, as every version, supported a year after release. */
export const LINKEDIN_DEFAULT_VERSION = '202603';
export const LINKEDIN_PROTOCOL_VERSION = '2.0.0';
export const LINKEDIN_MAX_BATCH = 5000;
/** LinkedIn refuses events older than this (90 days). */
export const LINKEDIN_MAX_AGE_DAYS = 90;
/** How far ahead of our clock an event time may be (clock skew). */
export const LINKEDIN_MAX_FUTURE_MS = 5 * 60 * 1000;
export const LINKEDIN_RULE_URN_PREFIX = 'urn:lla:llaPartnerConversion:';
export const LINKEDIN_ID_TYPES = ['SHA256_EMAIL', 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', 'ACXIOM_ID', 'ORACLE_MOAT_ID'] as const;
export type LinkedInIdType = (typeof LINKEDIN_ID_TYPES)[number];

export type LinkedInValueFrom = 'commission' | 'amount';

/** For the node's notice: what the operator must know that no setting can say. */
export const LINKEDIN_NODE_NOTICE =
	'LinkedIn has no test mode for the Conversions API: every event sent counts. Each conversion goes to the conversion rule set here (Campaign Manager → Analyze → Conversion tracking, method Conversions API), and needs an email or the li_fat_id click ID (turn on enhanced conversion tracking).';

/** The LinkedIn destination's configuration (the node fills it per item; items with equal configs share requests). */
export interface LinkedInConfig {
	/** OAuth2 access token of a member with rw_conversions on the rule's ad account (or a Conversions API token from Campaign Manager). */
	accessToken: string;
	/**
	 * The conversion rule (its numeric id or `urn:lla:llaPartnerConversion:<id>`), or one per funnel event name
	 * (`{ Purchase: '123', Lead: '456', '*': '789' }`, '*' for every other event).
	 */
	conversionRule: string | Record<string, string>;
	/** `LinkedIn-Version` (YYYYMM); default LINKEDIN_DEFAULT_VERSION. */
	apiVersion?: string;
	/** Replaces https://api.linkedin.com (tests, proxies). */
	baseUrl?: string;
	/** Which money field becomes `conversionValue.amount` (default 'commission', what the affiliate earned). */
	valueFrom?: LinkedInValueFrom;
}

export interface LinkedInUserId {
	idType: LinkedInIdType;
	idValue: string;
}

export interface LinkedInUserInfo {
	firstName: string;
	lastName: string;
	title?: string;
	companyName?: string;
	countryCode?: string;
}

export interface LinkedInEvent {
	conversion: string;
	conversionHappenedAt: number;
	conversionValue?: { currencyCode: string; amount: string };
	eventId: string;
	user: { userIds: LinkedInUserId[]; userInfo?: LinkedInUserInfo };
}

export interface LinkedInBody {
	elements: LinkedInEvent[];
}

/** The item's li_fat_id: the Click Tracker records it on the click as `liFatId` (see the module comment). */
type LinkedInClick = NonNullable<ForwardableConversion['click']> & { liFatId?: string };

const DAY_MS = 24 * 60 * 60 * 1000;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** `{base}/rest/conversionEvents`. */
export function conversionEventsUrl(config: Pick<LinkedInConfig, 'baseUrl'>): string {
	const base = (config.baseUrl?.trim() || LINKEDIN_BASE_URL).replace(/\/+$/, '');
	return `${base}/rest/conversionEvents`;
}

/** The version header's value, checked: YYYYMM (a month from 2022 on), optionally with LinkedIn's `.RR` revision. */
export function linkedinVersion(apiVersion: string | undefined): string {
	const version = apiVersion?.trim() || LINKEDIN_DEFAULT_VERSION;
	const match = /^(\d{4})(\d{2})(?:\.\d{2})?$/.exec(version);
	if (!match || Number(match[1]) < 2022 || Number(match[2]) < 1 || Number(match[2]) > 12) {
		throw new Error(`API Version must be a LinkedIn-Version as YYYYMM (e.g. ${LINKEDIN_DEFAULT_VERSION}), not "${version}"`);
	}
	return version;
}

/** The rule's URN from its numeric id or its URN; undefined when it is neither. */
export function conversionRuleUrn(rule: string): string | undefined {
	const value = rule.trim();
	if (/^\d+$/.test(value)) return `${LINKEDIN_RULE_URN_PREFIX}${value}`;
	return /^urn:lla:llaPartnerConversion:\d+$/.test(value) ? value : undefined;
}

/** The rule configured for this conversion: the string itself, or the map's entry for its event name (else '*'). */
function ruleFor(conversion: ForwardableConversion, config: LinkedInConfig): string | undefined {
	const configured = config.conversionRule;
	if (typeof configured === 'string') return text(configured);
	if (!configured || typeof configured !== 'object') return undefined;
	// The node's Event Name override (destinationEvents.linkedin) picks the rule row in place of the funnel's name.
	const eventName = text(conversion.destinationEvents?.linkedin) ?? conversion.eventName;
	return text(configured[eventName]) ?? text(configured['*']);
}

function hasRule(config: LinkedInConfig): boolean {
	const configured = config.conversionRule;
	if (typeof configured === 'string') return configured.trim() !== '';
	return !!configured && typeof configured === 'object' && Object.values(configured).some((rule) => text(rule) !== undefined);
}

function userValue(field: IdentityField, value: string | null | undefined): string | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	return normalizeAndHashWith(linkedinIdentityRules, field, value);
}

type Planned = { event: LinkedInEvent } | { skip: Omit<SkippedEvent, 'index'> };

function planOne(item: ForwardableEvent, config: LinkedInConfig, now: Date): Planned {
	const gated = gateConversion(
		item,
		config.valueFrom ?? 'commission',
		{
			platformName: 'LinkedIn',
			maxAgeMs: LINKEDIN_MAX_AGE_DAYS * DAY_MS,
			maxAgeText: `${LINKEDIN_MAX_AGE_DAYS} days`,
			maxFutureMs: LINKEDIN_MAX_FUTURE_MS,
		},
		now,
	);
	if ('skip' in gated) return gated;
	const input = gated.conversion;

	const rule = ruleFor(input, config);
	if (!rule) {
		return {
			skip: {
				code: 'no_conversion_rule',
				reason: `No LinkedIn conversion rule is set for the event "${input.eventName}": set a conversion rule for every event or one for this event`,
			},
		};
	}
	const conversion = conversionRuleUrn(rule);
	if (!conversion) {
		return {
			skip: {
				code: 'invalid_conversion_rule',
				reason: `"${rule.slice(0, 60)}" is not a LinkedIn conversion rule: use its numeric ID (Campaign Manager → Conversion tracking) or urn:lla:llaPartnerConversion:{ID}`,
			},
		};
	}

	const click = input.click as LinkedInClick | undefined;
	const person = input.user;
	const userIds: LinkedInUserId[] = [];
	const email = userValue('email', person?.email);
	if (email) userIds.push({ idType: 'SHA256_EMAIL', idValue: email });
	const liFatId = text(click?.liFatId);
	if (liFatId) userIds.push({ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: liFatId });
	const firstName = userValue('first_name', person?.firstName);
	const lastName = userValue('last_name', person?.lastName);
	// LinkedIn takes userInfo only with both names.
	const userInfo: LinkedInUserInfo | undefined = firstName && lastName ? { firstName, lastName } : undefined;
	const countryCode = userValue('country', person?.country);
	if (userInfo && countryCode) userInfo.countryCode = countryCode;
	if (userIds.length === 0) {
		return {
			skip: {
				code: 'no_match_keys',
				reason:
					'LinkedIn needs an email or an li_fat_id click ID to match the member; this conversion has neither (a name alone is not enough). Turn on enhanced conversion tracking in Campaign Manager and keep li_fat_id on the Click Tracker link.',
			},
		};
	}

	const event: LinkedInEvent = {
		conversion,
		conversionHappenedAt: gated.occurredAtMs,
		eventId: eventIdFor(input),
		user: { userIds, ...(userInfo ? { userInfo } : {}) },
	};
	const value = gated.value;
	const currency = text(input.currency)?.toUpperCase();
	if (value !== undefined && !isZeroDecimal(value) && currency) event.conversionValue = { currencyCode: currency, amount: value };
	return { event };
}

/** Plans the requests: one conversion event per sendable input item, BATCH_CREATE batches of at most 5,000, in input order. */
export function planLinkedInRequests(events: ForwardableEvent[], config: LinkedInConfig, now: Date): RequestPlan {
	checkValueFrom(config.valueFrom);
	const version = linkedinVersion(config.apiVersion);
	const missing = missingSettings('LinkedIn', [['access token', config.accessToken]]);
	if (missing) return skipAll(events.length, 'missing_config', missing);
	if (!hasRule(config)) return skipAll(events.length, 'missing_config', 'The LinkedIn configuration has no conversion rule');

	const { planned, skipped } = planEach(events, (input) => planOne(input, config, now));

	const requests: PlatformRequest[] = [];
	for (const batch of inBatches(planned, LINKEDIN_MAX_BATCH)) {
		const body: LinkedInBody = { elements: batch.map((entry) => entry.event) };
		requests.push({
			method: 'POST',
			url: conversionEventsUrl(config),
			headers: {
				Authorization: `Bearer ${config.accessToken.trim()}`,
				'Content-Type': 'application/json',
				'LinkedIn-Version': version,
				'X-Restli-Protocol-Version': LINKEDIN_PROTOCOL_VERSION,
				'X-RestLi-Method': 'BATCH_CREATE',
			},
			body: body as unknown as Record<string, unknown>,
			itemIndexes: batch.map((entry) => entry.index),
		});
	}
	return { requests, skipped };
}

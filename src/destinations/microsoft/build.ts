/**
 * Conversion Funnel items → Microsoft Advertising UET Conversions API requests
 * (POST {base}/v1/{tagId}/events, `Authorization: Bearer <token>`, at most 1,000 events per request).
 *
 * Facts from Microsoft Learn, "Conversions API (CAPI) Guide": body `{ data: [event…], continueOnValidationError }`;
 * an event has `eventType` ('custom' for conversions), `eventId` (dedup with UET), `eventName`, `eventTime`
 * (Unix seconds), `eventSourceUrl`, `adStorageConsent` ('G'/'D'), `userData { em, ph, msclkid, clientIpAddress,
 * clientUserAgent, anonymousId, externalId }` and `customData { value, currency, transactionId … }`.
 *
 * Decisions where the guide is silent:
 * - Click Tracker clicks are not sent (the API would take them only as page loads of our redirect, which is no
 *   conversion); reversed/rejected conversions and negative values are not sent either: `not_a_conversion`.
 * - Time window: the guide gives none. Conversions older than 90 days (the msclkid retention the guide suggests,
 *   beyond which the click can no longer be attributed) are skipped as `event_too_old`; more than 5 minutes in
 *   the future as `event_in_future`.
 * - `anonymousId` (the guide asks for a visitor id on every event): the matched click's id from our Click
 *   Tracker, a random token per visit and never a real user id.
 * - `transactionId` is the order id, else the network's transaction id; `eventId` is the deterministic event id.
 * - A zero value is left out with its currency, so the goal's own value applies.
 * - `continueOnValidationError` is sent as false: a refused batch is refused whole and its error names the
 *   events at fault by index, so ./response.ts fails exactly those and sends the others again.
 */
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { microsoftIdentityRules } from './identity';
import { isZeroDecimal } from '../../model';
import { gateConversion, platformEventName } from '../conversion-gate';
import { checkValueFrom, inBatches, planEach } from '../planning';
import { eventIdFor } from '../event-id';
import type { ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent } from '../types';
import type { Consent } from '../../model/consent';

export const MICROSOFT_BASE_URL = 'https://capi.uet.microsoft.com';
export const MICROSOFT_MAX_BATCH = 1000;
/** Conversions older than this are not sent (see the module comment). */
export const MICROSOFT_MAX_EVENT_AGE_DAYS = 90;
/** How far ahead of our clock an event time may be (clock skew). */
export const MICROSOFT_MAX_FUTURE_MS = 5 * 60 * 1000;
export const MICROSOFT_CONSENT_VALUES = ['G', 'D'] as const;

export type MicrosoftValueFrom = 'commission' | 'amount';

/** The Microsoft destination's configuration (the node fills it per item). */
export interface MicrosoftConfig {
	/** The UET tag the events belong to (the number in the UET tag's tracking code). */
	tagId: string;
	/** The Conversions API token of that tag. */
	accessToken: string;
	/** Replaces https://capi.uet.microsoft.com (tests, proxies). */
	baseUrl?: string;
	defaultCountry?: string;
	/** Which money field becomes `customData.value` (default: the commission). */
	valueFrom?: MicrosoftValueFrom;
	/** `adStorageConsent` on every event: 'G' granted, 'D' denied (left out: Microsoft treats events as granted). */
	adStorageConsent?: 'G' | 'D';
}

export interface MicrosoftUserData {
	em?: string;
	ph?: string;
	msclkid?: string;
	clientIpAddress?: string;
	clientUserAgent?: string;
	anonymousId?: string;
	externalId?: string;
}

export interface MicrosoftCustomData {
	value?: number;
	currency?: string;
	transactionId?: string;
}

export interface MicrosoftEvent {
	eventType: 'custom';
	eventId: string;
	eventName: string;
	eventTime: number;
	eventSourceUrl?: string;
	adStorageConsent?: 'G' | 'D';
	userData: MicrosoftUserData;
	customData?: MicrosoftCustomData;
}

export interface MicrosoftBody {
	data: MicrosoftEvent[];
	continueOnValidationError: false;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** Drops undefined members, so the body never carries `"em": undefined`. */
function compact<T extends object>(object: T): T | undefined {
	const entries = Object.entries(object).filter(([, value]) => value !== undefined && value !== '');
	return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

/** `{base}/v1/{tagId}/events`. */
export function eventsUrl(config: Pick<MicrosoftConfig, 'baseUrl' | 'tagId'>): string {
	const base = (config.baseUrl?.trim() || MICROSOFT_BASE_URL).replace(/\/+$/, '');
	return `${base}/v1/${encodeURIComponent(config.tagId.trim())}/events`;
}

function userValue(field: IdentityField, value: string | null | undefined, config: MicrosoftConfig): string | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	return normalizeAndHashWith(microsoftIdentityRules, field, value, {
		defaultCountry: config.defaultCountry,
	});
}

type Planned = { event: MicrosoftEvent } | { skip: Omit<SkippedEvent, 'index'> };

function planOne(item: ForwardableEvent, config: MicrosoftConfig, now: Date): Planned {
	const gated = gateConversion(
		item,
		config.valueFrom ?? 'commission',
		{
			platformName: 'Microsoft Advertising',
			maxAgeMs: MICROSOFT_MAX_EVENT_AGE_DAYS * DAY_MS,
			maxAgeText: `${MICROSOFT_MAX_EVENT_AGE_DAYS} days`,
			maxFutureMs: MICROSOFT_MAX_FUTURE_MS,
		},
		now,
	);
	if ('skip' in gated) return gated;
	const input = gated.conversion;
	const value = gated.value;
	const atMs = gated.occurredAtMs;

	const named = platformEventName(input, {
		platform: 'microsoft',
		platformName: 'Microsoft Advertising',
		takesCustomNames: true,
		examples: 'purchase, generate_lead, sign_up…',
	});
	if ('skip' in named) return named;
	const { name } = named;

	const click = input.click;
	const userData =
		compact<MicrosoftUserData>({
			em: userValue('email', input.user?.email, config),
			ph: userValue('phone', input.user?.phone, config),
			// Click ids, IP and user agent go as they are: Microsoft matches them raw.
			msclkid: text(click?.msclkid),
			clientIpAddress: userValue('ip_address', text(click?.ip) ?? text(input.ip), config),
			clientUserAgent: text(click?.userAgent),
			anonymousId: text(click?.clickId) ?? text(input.clickId),
			externalId: userValue('external_id', input.user?.externalId, config),
		}) ?? {};
	if (!userData.msclkid && !userData.em && !userData.ph && !userData.anonymousId && !userData.externalId) {
		return {
			skip: {
				code: 'no_user_data',
				reason:
					'Nothing identifies the person for Microsoft: no Microsoft click ID (msclkid), email, phone, click or external ID. Keep msclkid on the Click Tracker link (auto-tagging).',
			},
		};
	}

	const event: MicrosoftEvent = {
		eventType: 'custom',
		eventId: eventIdFor(input),
		eventName: name,
		eventTime: Math.floor(atMs / 1000),
		userData,
	};
	const sourceUrl = text(click?.landingUrl);
	if (sourceUrl && URL.canParse(sourceUrl)) event.eventSourceUrl = sourceUrl;
	// The item's ad user data consent when known ('G'/'D'), else the node's Ad Storage Consent option.
	const itemConsent = (input as { consent?: Consent }).consent?.adUserData;
	const adStorageConsent = itemConsent ? (itemConsent === 'denied' ? 'D' : 'G') : config.adStorageConsent;
	if (adStorageConsent) event.adStorageConsent = adStorageConsent;
	const customData = compact<MicrosoftCustomData>({
		// The API takes a JSON double: the exact decimal string becomes a number only here.
		...(value !== undefined && !isZeroDecimal(value) ? { value: Number(value), currency: text(input.currency)?.toUpperCase() } : {}),
		transactionId: text(input.orderId) ?? text(input.transactionId),
	});
	if (customData) event.customData = customData;
	return { event };
}

/** Plans the requests: one UET custom event per conversion, batches of at most 1,000, in input order. */
export function planMicrosoftRequests(events: ForwardableEvent[], config: MicrosoftConfig, now: Date): RequestPlan {
	checkValueFrom(config.valueFrom);
	if (config.adStorageConsent !== undefined && !MICROSOFT_CONSENT_VALUES.includes(config.adStorageConsent)) {
		throw new Error(`Ad Storage Consent must be "G" or "D", not "${String(config.adStorageConsent)}"`);
	}

	const { planned, skipped } = planEach(events, (input) => planOne(input, config, now));

	const requests: PlatformRequest[] = [];
	for (const batch of inBatches(planned, MICROSOFT_MAX_BATCH)) {
		const body: MicrosoftBody = {
			data: batch.map((entry) => entry.event),
			continueOnValidationError: false,
		};
		requests.push({
			method: 'POST',
			url: eventsUrl(config),
			headers: {
				Authorization: `Bearer ${config.accessToken.trim()}`,
				'Content-Type': 'application/json',
			},
			body: body as unknown as Record<string, unknown>,
			itemIndexes: batch.map((entry) => entry.index),
		});
	}
	return { requests, skipped };
}

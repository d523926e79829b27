/**
 * The contract every ad-platform destination implements (one folder per platform under
 * src/destinations/<platform>/, registered in ./index.ts). Destinations are pure: they build
 * requests and read responses; sending, sleeping and the clock are passed in (see ./send.ts).
 */
import type { Conversion } from '../model';
import type { ClickRecord, ConversionClick } from '../model/click';
import type { HttpRequest, HttpResponse } from '../http/port';
import type { IdentityRules } from '../identity/rules';
import type { DESTINATIONS } from './registry';

/** Every platform id: the keys of the registry (./registry.ts), so a new platform is one line there. */
export type Platform = keyof typeof DESTINATIONS;

/** What a destination forwards: a Conversion Funnel item (eventName set, the matched click under `click`). */
export type ForwardableConversion = Conversion & {
	eventName: string;
	/** The funnel's conversion id; the event id sent to platforms is derived from (network, transactionId, eventName). */
	conversionId?: string;
	/** The matched click as the funnel attaches it (ad click ids, never hashed, and the visit). */
	click?: ConversionClick;
	/** Per-platform event names from the funnel's mapping table ({ meta: 'Purchase', tiktok: 'CompletePayment', … }). */
	destinationEvents?: Record<string, string | undefined>;
};

/** A Click Tracker item forwarded as an OutboundClick-style event (Meta and TikTok only). */
export type ForwardableClick = ClickRecord & { kind?: 'click' };

export type ForwardableEvent = ForwardableConversion | ForwardableClick;

export interface MetaConfig {
	pixelId: string;
	accessToken: string;
	apiVersion?: string;
	/** For tests and proxies: replaces https://graph.facebook.com. */
	baseUrl?: string;
	testEventCode?: string;
	/** action_source for conversions (default 'website'). */
	actionSource?: string;
	defaultCountry?: string;
	/** Which money field becomes the event value (default: the commission, the affiliate's revenue). */
	valueFrom?: 'commission' | 'amount';
	/** Event name for Click Tracker items (default OutboundClick). */
	clickEventName?: string;
}

export interface TikTokConfig {
	pixelCode: string;
	accessToken: string;
	/** Replaces https://business-api.tiktok.com. */
	baseUrl?: string;
	testEventCode?: string;
	eventSource?: 'web' | 'app' | 'offline' | 'crm';
	defaultCountry?: string;
	/** Which money field becomes the event value (default: the commission, the affiliate's revenue). */
	valueFrom?: 'commission' | 'amount';
	/** Event name for Click Tracker items (default OutboundClick). */
	clickEventName?: string;
}

export interface GoogleAdsConfig {
	customerId: string;
	/** `customers/{cid}/conversionActions/{id}`, or the bare numeric id; per event name when a map is given. */
	conversionAction: string | Record<string, string>;
	developerToken: string;
	/** OAuth2 access token (the node gets it from n8n's OAuth2 credential). */
	accessToken: string;
	loginCustomerId?: string;
	apiVersion?: string;
	/** Replaces https://googleads.googleapis.com. */
	baseUrl?: string;
	validateOnly?: boolean;
	defaultCountry?: string;
}

/** Each platform's configuration type, read off its registered destination. */
export type PlatformConfigs = { [P in Platform]: (typeof DESTINATIONS)[P] extends Destination<string, infer C> ? C : never };

/** One HTTP request to a platform, with the input events it carries (indexes into the input array, in body order). */
export interface PlatformRequest extends HttpRequest {
	method: 'POST';
	url: string;
	headers: Record<string, string>;
	/** The JSON body as an object (serialize with JSON.stringify). */
	body: Record<string, unknown>;
	itemIndexes: number[];
}

/** An event the destination will not send, and why (too old for Meta, no click id for Google, …). */
export interface SkippedEvent {
	index: number;
	/** 'failed' (default): it will never be sendable; 'retry_later': sendable after `retryAt` (Google's 6-hour rule). */
	outcome?: 'failed' | 'retry_later';
	retryAt?: string;
	code: string;
	/** For the operator: what is wrong and what to do. Never contains PII or tokens. */
	reason: string;
}

export interface RequestPlan {
	requests: PlatformRequest[];
	skipped: SkippedEvent[];
}

/** The platform's answer (the engine's one HTTP port: src/http/port.ts). */
export type PlatformResponse = HttpResponse;

/**
 * What happened to one event:
 * - `sent`: the platform accepted it;
 * - `failed`: the platform rejected it for its data — sending it again would fail again;
 * - `retry`: a transient failure (throttling, 5xx, network) — the sender retries with backoff;
 * - `retry_later`: valid but not yet acceptable (Google TOO_RECENT_EVENT) — send again after `retryAt`.
 */
export type EventOutcome = 'sent' | 'failed' | 'retry' | 'retry_later';

export interface EventResult {
	index: number;
	outcome: EventOutcome;
	/** Platform error code/subcode, when there is one. */
	code?: string;
	/** For the operator; never PII or tokens. */
	reason?: string;
	/** For retry_later: the earliest time (ISO) the platform will accept it. */
	retryAt?: string;
	/** For retry: the platform's Retry-After, in ms, when it gave one. */
	retryAfterMs?: number;
	/** The event id sent (for dedup at the platform). */
	eventId?: string;
	/** The platform's id for the request that carried it, where diagnostics are looked up by it (Google's Data Manager API). */
	requestId?: string;
}

/** One ad platform: its id, its configuration type C, its identity rules, and how requests are planned and read. */
export interface Destination<P extends string, C = unknown> {
	platform: P;
	/** Largest number of events in one request. */
	maxBatch: number;
	/** How this platform normalizes and hashes user data (normalizeAndHash(platform, …) applies them). */
	identity: IdentityRules;
	/** Plans the requests for `events` (batched to maxBatch), skipping what must not be sent. */
	planRequests(events: ForwardableEvent[], config: C, now: Date): RequestPlan;
	/** Reads a response into one result per event the request carried. */
	readResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[];
}

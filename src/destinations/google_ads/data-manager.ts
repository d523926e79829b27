/**
 * Google Ads conversions through Google's Data Manager API (events:ingest): the primary API for offline click
 * conversions and enhanced conversions for leads since the Google Ads API stopped taking them from developer
 * tokens that had not used them recently (CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE, 15 June 2026).
 *
 * One request per batch of at most 2000 events, all for one destination (the operating account and conversion
 * action): https://developers.google.com/data-manager/api/devguides/limits
 * The request, its Destination and Event: https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest
 * - destinations[]: operatingAccount {accountType GOOGLE_ADS, accountId digits} (the Customer ID), loginAccount
 *   (the manager, or a data partner) and linkedAccount (a data partner's linked advertiser) when set, and
 *   productDestinationId: the conversion action's numeric id, never its resource name
 *   (https://developers.google.com/data-manager/api/devguides/events/google-ads/offline/upgrade/field-mappings);
 * - events[]: transactionId (our deterministic event id), eventTimestamp (RFC 3339), adIdentifiers {gclid |
 *   gbraid | wbraid} (one, gclid first, as the Google Ads API wanted), userData.userIdentifiers [{emailAddress},
 *   {phoneNumber}] (at most 10), conversionValue and currency, consent, eventSource WEB;
 * - encoding HEX: required whenever userData is sent; our hashes are lower-case hex SHA-256;
 * - validateOnly: the node's test mode (the request is checked, nothing recorded).
 * User data is normalized and hashed as https://developers.google.com/data-manager/api/devguides/concepts/formatting
 * says: email lower-cased and trimmed, dots removed before the @ of gmail.com and googlemail.com addresses; phone
 * in E.164 with its '+'. Those are the Google Ads rules ./identity.ts already holds.
 *
 * A conversion needs an ad identifier or user data (NO_IDENTIFIERS_PROVIDED otherwise): with user data and no
 * click id it is an enhanced conversion for lead
 * (https://developers.google.com/data-manager/api/devguides/events/google-ads/offline/send-events).
 * The 6-hour rule and "a conversion after its click" are Google Ads' import rules, whatever the API, so they are
 * kept: the Data Manager API checks them only while processing, where a refusal is seen in diagnostics alone.
 *
 * Reversals. https://developers.google.com/data-manager/api/devguides/events/google-ads/conversion-adjustments :
 * an IngestEvents event whose transactionId matches a conversion already recorded for the same conversion
 * action is an adjustment; it can restate the value (conversionValue and currency replace the recorded ones) or
 * add user data, nothing else. Our transaction id is derived from (network, transaction, event), so a conversion
 * sent again with a new positive value restates it (no setting needed). A retraction (a reversed or refunded
 * conversion: status reversed, or a negative amount) has no Data Manager equivalent: it still needs the Google
 * Ads API's ConversionAdjustmentUploadService with RETRACTION
 * (https://developers.google.com/google-ads/api/docs/conversions/upload-adjustments), or the Google Ads UI. Such
 * items are skipped here with a reason saying so; a partial refund cannot be a restatement either, as the item
 * carries the refund, not the value that remains.
 */
import { isZeroDecimal } from '../../model';
import { type ConversionGateRules, gateConversion } from '../conversion-gate';
import { eventIdFor } from '../event-id';
import { checkValueFrom, inBatches, planEach } from '../planning';
import type { ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent } from '../types';
import {
	GOOGLE_ADS_GATE_RULES,
	type GoogleAdsOptions,
	type GoogleAdsSkippedEvent,
	clickIdFor,
	conversionActionFor,
	googleClickTiming,
	googleCustomerId,
	hashedContactsFor,
} from './build';
import { dataManagerConsent, googleConsentFor } from './consent';

export const DATA_MANAGER_BASE_URL = 'https://datamanager.googleapis.com';
/** The API's version lives in its path; Google has published only v1. */
export const DATA_MANAGER_API_VERSION = 'v1';
/** https://developers.google.com/data-manager/api/devguides/limits : 2000 events and 10 user identifiers per event. */
export const DATA_MANAGER_MAX_EVENTS = 2000;
export const DATA_MANAGER_MAX_USER_IDENTIFIERS = 10;
/** The OAuth2 scope of every Data Manager API method (the ingest reference's Authorization scopes). */
export const DATA_MANAGER_SCOPE = 'https://www.googleapis.com/auth/datamanager';

export const DATA_MANAGER_RETRACTION =
	'can restate a conversion value through the Data Manager API but retract it only with a Google Ads API conversion adjustment (RETRACTION) or in the Google Ads UI: https://developers.google.com/data-manager/api/devguides/events/google-ads/conversion-adjustments';

/** The gate's rules: Google Ads' own, with the Data Manager API's answer on retractions. */
export const DATA_MANAGER_GATE_RULES: ConversionGateRules = { ...GOOGLE_ADS_GATE_RULES, retraction: DATA_MANAGER_RETRACTION };

export interface DataManagerProductAccount {
	accountType: 'GOOGLE_ADS' | 'DATA_PARTNER';
	accountId: string;
}

export interface DataManagerDestination {
	operatingAccount: DataManagerProductAccount;
	loginAccount?: DataManagerProductAccount;
	linkedAccount?: DataManagerProductAccount;
	productDestinationId: string;
}

export interface DataManagerEvent {
	transactionId: string;
	eventTimestamp: string;
	adIdentifiers?: { gclid?: string; gbraid?: string; wbraid?: string };
	userData?: { userIdentifiers: Array<{ emailAddress: string } | { phoneNumber: string }> };
	conversionValue?: number;
	currency?: string;
	consent?: { adUserData?: string; adPersonalization?: string };
	eventSource: 'WEB';
}

/** Like the Google Ads request: each row's click time travels with the request, for a later answer to use. */
export interface DataManagerRequest extends PlatformRequest {
	clickedAt?: Array<string | undefined>;
}

export function ingestEventsUrl(baseUrl: string | undefined): string {
	const base = (baseUrl?.trim() || DATA_MANAGER_BASE_URL).replace(/\/+$/, '');
	return `${base}/${DATA_MANAGER_API_VERSION}/events:ingest`;
}

/** The conversion action's numeric id, from itself or from customers/{cid}/conversionActions/{id}. */
export function conversionActionId(action: string): string | undefined {
	const text = action.trim();
	if (/^\d+$/.test(text)) return text;
	return /^customers\/[\d-]+\/conversionActions\/(\d+)$/.exec(text)?.[1];
}

/** The destination every event of the request goes to: the operating account, and how it is reached. */
export function dataManagerDestination(config: GoogleAdsOptions, productDestinationId: string): DataManagerDestination {
	const destination: DataManagerDestination = {
		operatingAccount: { accountType: 'GOOGLE_ADS', accountId: googleCustomerId(config.customerId) },
		productDestinationId,
	};
	if (config.loginCustomerId?.trim()) {
		destination.loginAccount = {
			accountType: config.loginAccountType ?? 'GOOGLE_ADS',
			accountId: googleCustomerId(config.loginCustomerId, 'login customer ID'),
		};
	}
	if (config.linkedAccountId?.trim()) {
		destination.linkedAccount = { accountType: 'DATA_PARTNER', accountId: googleCustomerId(config.linkedAccountId, 'linked account ID') };
	}
	return destination;
}

type Built = { event: DataManagerEvent; productDestinationId: string; clickedAt?: string } | { skipped: Omit<GoogleAdsSkippedEvent, 'index'> };

/** One event, or why it is not sent. */
export function buildDataManagerEvent(input: ForwardableEvent, config: GoogleAdsOptions, now: Date): Built {
	const gated = gateConversion(input, config.valueFrom ?? 'commission', DATA_MANAGER_GATE_RULES, now);
	if ('skip' in gated) return { skipped: gated.skip };
	const conversion = gated.conversion;
	const configured = conversionActionFor(conversion, config);
	if (!configured) {
		return {
			skipped: {
				code: 'no_conversion_action',
				reason: `No Google Ads conversion action is set for the event "${conversion.eventName}": set a default conversion action or one for this event`,
			},
		};
	}
	const productDestinationId = conversionActionId(configured);
	if (!productDestinationId) {
		return {
			skipped: {
				code: 'invalid_conversion_action',
				reason: `"${configured}" is not a conversion action: use its numeric ID or customers/{customer ID}/conversionActions/{ID}`,
			},
		};
	}
	const consent = googleConsentFor(conversion, config);
	const contacts = hashedContactsFor(conversion, config, consent);
	const userIdentifiers = [...(contacts.email ? [{ emailAddress: contacts.email }] : []), ...(contacts.phone ? [{ phoneNumber: contacts.phone }] : [])].slice(
		0,
		DATA_MANAGER_MAX_USER_IDENTIFIERS,
	);
	const clickIds = clickIdFor(conversion.click);
	if (!clickIds && userIdentifiers.length === 0) {
		const denied = consent.adUserData === 'DENIED' && (conversion.user?.email || conversion.user?.phone);
		return {
			skipped: {
				code: 'no_identifiers',
				reason: denied
					? 'No Google click ID, and the visitor denied consent to ad user data, so the email and phone may not be sent: Google has nothing to match this conversion on'
					: 'No Google click ID (gclid, gbraid or wbraid) and no email or phone: Google needs one of them to match the conversion (an enhanced conversion for leads needs the email or phone)',
			},
		};
	}

	// A lead without a click id has no click time: only a click's conversion follows the click rules.
	const timing = googleClickTiming(clickIds ? conversion.click?.clickedAt : undefined, gated.occurredAtMs, conversion.receivedAt, now);
	if ('skipped' in timing) return timing;
	const { convertedAt } = timing;

	// https://developers.google.com/data-manager/api/devguides/concepts/formatting#timestamp : RFC 3339.
	const event: DataManagerEvent = { transactionId: eventIdFor(conversion), eventTimestamp: convertedAt.toISOString(), eventSource: 'WEB' };
	if (clickIds) event.adIdentifiers = { ...clickIds };
	if (userIdentifiers.length > 0) event.userData = { userIdentifiers };
	const value = gated.value;
	if (value !== undefined && !isZeroDecimal(value)) {
		// A JSON double, as the API takes it; the exact decimal string becomes a number only here.
		event.conversionValue = Number(value);
		if (conversion.currency) event.currency = conversion.currency;
	}
	const wireConsent = dataManagerConsent(consent);
	if (wireConsent) event.consent = wireConsent;
	return { event, productDestinationId, clickedAt: conversion.click?.clickedAt };
}

/**
 * Requests of at most 2000 events, one per conversion action (a request names its destinations once, and our
 * events each go to one action). The same conversion twice in the input is sent once: a second event with the
 * same transaction id would be taken as an adjustment of the first.
 */
export function planDataManagerRequests(events: ForwardableEvent[], config: GoogleAdsOptions, now: Date, maxBatch = DATA_MANAGER_MAX_EVENTS): RequestPlan {
	checkValueFrom(config.valueFrom, { allowNone: true });
	const url = ingestEventsUrl(config.baseUrl);
	googleCustomerId(config.customerId);
	const firstWithId = new Map<string, number>();
	type Planned = { event: DataManagerEvent; productDestinationId: string; clickedAt?: string };
	const { planned, skipped } = planEach(events, (event, index): Planned | { skip: Omit<SkippedEvent, 'index'> } => {
		const built = buildDataManagerEvent(event, config, now);
		if ('skipped' in built) return { skip: built.skipped };
		const key = `${built.productDestinationId}|${built.event.transactionId}`;
		const first = firstWithId.get(key);
		if (first !== undefined) {
			return {
				skip: {
					code: 'DUPLICATE_TRANSACTION_ID',
					reason: `The same conversion (transaction ID ${built.event.transactionId}) is item ${first} of this batch: sent once, there`,
				},
			};
		}
		firstWithId.set(key, index);
		return built;
	});
	const byAction = new Map<string, typeof planned>();
	for (const entry of planned) byAction.set(entry.productDestinationId, [...(byAction.get(entry.productDestinationId) ?? []), entry]);
	const requests = [...byAction.entries()].flatMap(([productDestinationId, entries]) =>
		inBatches(entries, maxBatch).map((batch): DataManagerRequest => {
			const body: Record<string, unknown> = {
				destinations: [dataManagerDestination(config, productDestinationId)],
				events: batch.map((entry) => entry.event),
				encoding: 'HEX',
			};
			if (config.validateOnly) body.validateOnly = true;
			return {
				method: 'POST',
				url,
				// No Authorization here: the node sends through n8n's OAuth2 helper, which adds the bearer token. No developer token.
				headers: { 'content-type': 'application/json', ...(config.accessToken?.trim() ? { Authorization: `Bearer ${config.accessToken.trim()}` } : {}) },
				body,
				itemIndexes: batch.map((entry) => entry.index),
				clickedAt: batch.map((entry) => entry.clickedAt),
			};
		}),
	);
	return { requests, skipped };
}

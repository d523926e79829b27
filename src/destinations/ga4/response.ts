/**
 * GA4's answer → one result per event. The collection endpoint answers 2xx (204, empty) for every request it
 * receives, valid or not ("Measurement Protocol reference", response codes): 2xx means delivered, and the
 * builder (./build.ts) has already held back everything GA4 would drop. The validation server
 * (/debug/mp/collect, the Validate Only setting) answers `{ validationMessages: [{ fieldPath, description,
 * validationCode }] }`: a message naming an event (fieldPath `events[2]…` or a description "Event at index: [2]")
 * fails that event; a message about the request fails them all; none: every event is valid (and not recorded).
 * Non-2xx answers come from Google's edge or a proxy: 429 and 5xx are retried, 401/403 point at the credential.
 */
import { parseRetryAfter } from '../../http/retry';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';
import { GA4_DEBUG_COLLECT_PATH } from './build';

export const GA4_CREDENTIAL_HINT =
	"Check the GA4 Measurement Protocol credential: the API secret must be one created for this web stream (Admin → Data streams → the stream → Measurement Protocol API secrets), and the Measurement ID must be that stream's G- ID.";

export interface Ga4ValidationMessage {
	fieldPath?: string;
	description?: string;
	validationCode?: string;
}

const MAX_REASON = 300;
const shorten = (message: string) => (message.length > MAX_REASON ? `${message.slice(0, MAX_REASON - 1)}…` : message);

function isDebug(request: PlatformRequest): boolean {
	try {
		return new URL(request.url).pathname.endsWith(GA4_DEBUG_COLLECT_PATH);
	} catch {
		return request.url.includes(GA4_DEBUG_COLLECT_PATH);
	}
}

/** The position in `events` a validation message is about, or undefined when it is about the request. */
export function messagePosition(message: Ga4ValidationMessage): number | undefined {
	const path = /^events\[(\d+)\]/.exec(message.fieldPath ?? '');
	if (path) return Number(path[1]);
	const described = /\bevent at index:?\s*\[(\d+)\]/i.exec(message.description ?? '');
	return described ? Number(described[1]) : undefined;
}

function messagesOf(body: unknown): Ga4ValidationMessage[] | undefined {
	if (typeof body !== 'object' || body === null || !Array.isArray((body as { validationMessages?: unknown }).validationMessages)) return undefined;
	return (body as { validationMessages: unknown[] }).validationMessages.filter(
		(entry): entry is Ga4ValidationMessage => typeof entry === 'object' && entry !== null,
	);
}

const describe = (message: Ga4ValidationMessage) =>
	`${message.validationCode ?? 'INVALID'}${message.fieldPath ? ` at ${message.fieldPath}` : ''}${message.description ? `: ${message.description}` : ''}`;

function eventIdsOf(request: PlatformRequest): Array<string | undefined> {
	const events =
		(
			request.body as {
				events?: Array<{ params?: { transaction_id?: unknown } }>;
			}
		).events ?? [];
	return request.itemIndexes.map((_, position) => {
		const id = events[position]?.params?.transaction_id;
		return typeof id === 'string' ? id : undefined;
	});
}

export function readGa4Response(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	const eventIds = eventIdsOf(request);
	const all = (result: Omit<EventResult, 'index' | 'eventId'>): EventResult[] =>
		request.itemIndexes.map((index, position) => ({
			index,
			eventId: eventIds[position],
			...result,
		}));
	const retryAfterMs = parseRetryAfter(response.headers['retry-after'] ?? response.headers['Retry-After'], now);

	if (response.status === 429 || response.status >= 500) {
		return all({
			outcome: 'retry',
			code: `http_${response.status}`,
			reason: `GA4 answered HTTP ${response.status}`,
			...(retryAfterMs !== undefined && { retryAfterMs }),
		});
	}
	if (response.status === 401 || response.status === 403) {
		return all({
			outcome: 'failed',
			code: `http_${response.status}`,
			reason: `GA4 refused the request (HTTP ${response.status}). ${GA4_CREDENTIAL_HINT}`,
		});
	}
	if (response.status < 200 || response.status >= 300) {
		return all({
			outcome: 'failed',
			code: `http_${response.status}`,
			reason: `GA4 answered HTTP ${response.status}: check the Base URL and the Measurement ID`,
		});
	}
	if (!isDebug(request)) return all({ outcome: 'sent' });

	const messages = messagesOf(response.body);
	if (!messages) {
		return all({
			outcome: 'failed',
			code: 'unexpected_response',
			reason: `GA4's validation server answered HTTP ${response.status} without validationMessages: check the Base URL`,
		});
	}
	const general = messages.filter((message) => messagePosition(message) === undefined);
	return request.itemIndexes.map((index, position) => {
		const own = messages.filter((message) => messagePosition(message) === position);
		const blamed = [...own, ...general];
		if (blamed.length === 0) {
			return {
				index,
				eventId: eventIds[position],
				outcome: 'sent' as const,
				code: 'validated',
				reason: "Valid for GA4's validation server (Validate Only: nothing was recorded)",
			};
		}
		return {
			index,
			eventId: eventIds[position],
			outcome: 'failed' as const,
			code: blamed[0].validationCode ?? 'VALIDATION_FAILED',
			reason: shorten(`GA4's validation server refused this event: ${blamed.map(describe).join('; ')}`),
		};
	});
}

/**
 * GA4's answer → one result per event. The collection endpoint answers 2xx (204, empty) for every request it
 * receives, valid or not ("Measurement Protocol reference", response codes): 2xx means delivered, and the
 * builder (./build.ts) has already held back everything GA4 would drop. The validation server
 * (/debug/mp/collect, the Validate Only setting) answers `{ validationMessages: [{ fieldPath, description,
 * validationCode }] }`: a message naming an event (fieldPath `events[2]…` or a description "Event at index: [2]")
 * fails that event; a message about the request fails them all; none: every event is valid (and not recorded).
 * Non-2xx answers come from Google's edge or a proxy: 429 and 5xx are retried, 401/403 point at the credential.
 */
import { type ResponseReader, type Verdict, bodyRows, readThroughFrame, shorten } from '../response-frame';
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

const ga4Reader: ResponseReader<undefined> = {
	platformName: 'GA4',
	eventIds: (request) => bodyRows(request, ['events']).map((row) => (row.params as { transaction_id?: unknown } | undefined)?.transaction_id),
	answer: () => undefined,
	retry: ({ status, httpCode }) => ({ code: httpCode, reason: `GA4 answered HTTP ${status}` }),
	credential: ({ status, httpCode }) => ({ code: httpCode, reason: `GA4 refused the request (HTTP ${status}). ${GA4_CREDENTIAL_HINT}` }),
	refused: ({ status, httpCode }) => ({ outcome: 'failed', code: httpCode, reason: `GA4 answered HTTP ${status}: check the Base URL and the Measurement ID` }),
	unexpected: ({ status }) => `GA4's validation server answered HTTP ${status} without validationMessages: check the Base URL`,
	accepted: ({ request, response, count }) => {
		if (!isDebug(request)) return { outcome: 'sent' };
		const messages = messagesOf(response.body);
		if (!messages) return undefined;
		const general = messages.filter((message) => messagePosition(message) === undefined);
		return Array.from({ length: count }, (_, position): Verdict => {
			const blamed = [...messages.filter((message) => messagePosition(message) === position), ...general];
			if (blamed.length === 0) return { outcome: 'sent', code: 'validated', reason: "Valid for GA4's validation server (Validate Only: nothing was recorded)" };
			return {
				outcome: 'failed',
				code: blamed[0].validationCode ?? 'VALIDATION_FAILED',
				reason: shorten(`GA4's validation server refused this event: ${blamed.map(describe).join('; ')}`, MAX_REASON),
			};
		});
	},
};

export function readGa4Response(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(ga4Reader, request, response, now);
}

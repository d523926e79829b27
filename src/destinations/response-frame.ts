/**
 * The frame every platform's response reader shares, so a reader is its platform's answer and wording and
 * nothing else. The frame owns what every platform does alike: reading Retry-After, the status classes (429
 * and 5xx are retried with the platform's Retry-After; 401 and 403 refuse the credential; a 2xx is read for
 * per-event results and, when it carries none, reported as failed rather than sent; every other status is
 * a refusal), the fan-out of one answer to one result per event the request carried, with its event id, and
 * keeping the request's secrets out of every reason (a platform's words may quote what it was sent).
 */
import { parseRetryAfter } from '../http/retry';
import type { EventResult, PlatformRequest, PlatformResponse } from './types';

/** What one event's result says, but its index and event id (the frame adds those). */
export type Verdict = Omit<EventResult, 'index' | 'eventId'>;

/** One verdict for every event of the request, or one per body position. */
export type Verdicts = Verdict | Verdict[];

/** What a reader's hooks are given: the request, the answer as the platform's reader read it, and the status. */
export interface ResponseContext<A> {
	request: PlatformRequest;
	response: PlatformResponse;
	status: number;
	now: Date;
	answer: A;
	/** How many events the request carried. */
	count: number;
	/** `http_<status>`: the result code when the platform gave none. */
	httpCode: string;
	/** The Retry-After header, in ms, when there is a readable one. */
	retryAfterMs?: number;
}

export interface ResponseReader<A> {
	/** The platform as the operator knows it ('Reddit'). */
	platformName: string;
	/** The event id at each body position (what the platform dedups on); anything but a non-empty string is left out. */
	eventIds(request: PlatformRequest): unknown[];
	/** The platform's answer read from the body: its envelope, error shape, per-event list. */
	answer(response: PlatformResponse, request: PlatformRequest): A;
	/** An answer that is transient whatever its status (Meta's throttling codes, Google's 408/409); 429 and 5xx always are. */
	transient?(context: ResponseContext<A>): boolean;
	/** An answer that refuses the credential whatever its status (Meta's token codes); 401 and 403 always do. */
	refusesCredential?(context: ResponseContext<A>): boolean;
	/** The code and reason of a transient failure; a retryAfterMs given here replaces the header's. */
	retry(context: ResponseContext<A>): { code: string; reason: string; retryAfterMs?: number };
	/** The code and reason of a refused credential, with the hint at what to fix. */
	credential(context: ResponseContext<A>): { code: string; reason: string };
	/** A 2xx answer's verdicts; undefined when it carries no per-event result (a proxy page, the wrong Base URL). */
	accepted(context: ResponseContext<A>): Verdicts | undefined;
	/** The reason for a 2xx without per-event results (the events are reported failed: whether they arrived is unknown). */
	unexpected?(context: ResponseContext<A>): string;
	/** Every other answer: the request, or some of its events, refused. */
	refused(context: ResponseContext<A>): Verdicts;
	/** A last pass over every reason (Snapchat's token in its own words). */
	scrub?(reason: string, request: PlatformRequest): string;
}

const MAX_REASON = 400;

/** A platform's words cut to a reason's length. */
export function shorten(message: string, max = MAX_REASON): string {
	return message.length > max ? `${message.slice(0, max - 1)}…` : message;
}

/** A header by name, whatever the case the sender gave it. */
export function headerValue(headers: PlatformResponse['headers'], name: string): string | string[] | undefined {
	const key = Object.keys(headers ?? {}).find((candidate) => candidate.toLowerCase() === name);
	return key === undefined ? undefined : headers[key];
}

/** A transient failure carrying the platform's Retry-After (for throttling an answer reports in its body). */
export function retryVerdict(context: ResponseContext<unknown>, code: string, reason: string): Verdict {
	return { outcome: 'retry', code, reason, ...(context.retryAfterMs !== undefined && { retryAfterMs: context.retryAfterMs }) };
}

/** The verdict for the events a refusal did not blame: not processed, so they go again without the others. */
export function batchRejected(reason: string): Verdict {
	return { outcome: 'retry', code: 'batch_rejected', reason };
}

/** One verdict per position: the blamed ones from `blamedVerdict`, every other one `others`. */
export function blameEach<B>(count: number, blamed: Map<number, B>, blamedVerdict: (blame: B) => Verdict, others: Verdict): Verdict[] {
	return Array.from({ length: count }, (_, position) => {
		const blame = blamed.get(position);
		return blame === undefined ? others : blamedVerdict(blame);
	});
}

/** Reads a platform's answer into one result per event the request carried, in body order. */
export function readThroughFrame<A>(reader: ResponseReader<A>, request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	const status = response.status;
	const context: ResponseContext<A> = {
		request,
		response,
		status,
		now,
		answer: reader.answer(response, request),
		count: request.itemIndexes.length,
		httpCode: `http_${status}`,
		retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after'), now),
	};
	return fanOut(reader, request, verdictsOf(reader, context));
}

function verdictsOf<A>(reader: ResponseReader<A>, context: ResponseContext<A>): Verdicts {
	const { status } = context;
	if (status === 429 || status >= 500 || reader.transient?.(context)) {
		const { retryAfterMs, code, reason } = reader.retry(context);
		return retryVerdict({ ...context, retryAfterMs: retryAfterMs ?? context.retryAfterMs }, code, reason);
	}
	if (status === 401 || status === 403 || reader.refusesCredential?.(context)) return { outcome: 'failed', ...reader.credential(context) };
	if (status >= 200 && status < 300) {
		const accepted = reader.accepted(context);
		if (accepted !== undefined) return accepted;
		const reason = reader.unexpected?.(context) ?? `${reader.platformName} answered HTTP ${status} without a result for each event`;
		return { outcome: 'failed', code: 'unexpected_response', reason };
	}
	return reader.refused(context);
}

const SECRET_PARAMS: Record<string, string> = { access_token: '[access token]', api_secret: '[API secret]' };
const SECRET_HEADERS: Record<string, string> = { authorization: '[access token]', 'access-token': '[access token]', 'developer-token': '[developer token]' };

/** The secrets the request carries (tokens in its query or headers), each with what stands in its place. */
function secretsOf(request: PlatformRequest): Array<[secret: string, label: string]> {
	const secrets: Array<[string, string]> = [];
	if (URL.canParse(request.url)) {
		for (const [name, value] of new URL(request.url).searchParams) if (SECRET_PARAMS[name]) secrets.push([value, SECRET_PARAMS[name]]);
	}
	for (const [name, value] of Object.entries(request.headers ?? {})) {
		const label = SECRET_HEADERS[name.toLowerCase()];
		if (label && typeof value === 'string') secrets.push([value.replace(/^Bearer\s+/i, '').trim(), label]);
	}
	// A very short value would blank out ordinary words; real tokens are long.
	return secrets.filter(([secret]) => secret.length >= 8);
}

function withoutSecrets(reason: string, secrets: Array<[string, string]>): string {
	return secrets.reduce((text, [secret, label]) => text.split(secret).join(label), reason);
}

/** The verdicts as results: each with its input index and event id, in body order, and no secret in a reason. */
function fanOut<A>(reader: ResponseReader<A>, request: PlatformRequest, verdicts: Verdicts): EventResult[] {
	const eventIds = reader.eventIds(request);
	const secrets = secretsOf(request);
	return request.itemIndexes.map((index, position) => {
		const verdict = Array.isArray(verdicts) ? verdicts[position] : verdicts;
		const eventId = eventIds[position];
		const clean = verdict.reason === undefined ? undefined : withoutSecrets(verdict.reason, secrets);
		const reason = clean !== undefined && reader.scrub ? reader.scrub(clean, request) : clean;
		return {
			index,
			...(typeof eventId === 'string' && eventId !== '' ? { eventId } : {}),
			...verdict,
			...(reason !== undefined ? { reason } : {}),
		};
	});
}

/** The values at `key` of each row of the body's list at `path` (`['data']`, `['data', 'events']`). */
export function bodyRows(request: PlatformRequest, path: string[]): Array<Record<string, unknown>> {
	let list: unknown = request.body;
	for (const key of path) list = typeof list === 'object' && list !== null ? (list as Record<string, unknown>)[key] : undefined;
	return Array.isArray(list) ? list.map((row) => (typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : {})) : [];
}

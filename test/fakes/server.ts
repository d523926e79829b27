/**
 * A tiny JSON HTTP server for the platform fakes: listens on 127.0.0.1 on a free port, parses each request
 * body (JSON when it parses, else the raw text), records every request, and answers with whatever the
 * fake's handler returns. No routing or validation here: each fake in this folder does its own.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformRequest, PlatformResponse } from '../../src/destinations';

export interface RecordedRequest {
	method: string;
	/** Path and query as sent, e.g. "/v26/customers/123:uploadClickConversions?x=1". */
	url: string;
	path: string;
	query: Record<string, string>;
	/** Lower-cased header names, as Node gives them. */
	headers: IncomingHttpHeaders;
	rawBody: string;
	/** The parsed JSON body, or the raw text when it is not JSON (undefined when empty). */
	body: unknown;
	receivedAt: Date;
}

export interface FakeResponse {
	status: number;
	headers?: Record<string, string>;
	/** Serialized as JSON unless it is a string. */
	body?: unknown;
}

export type FakeHandler = (request: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

export interface JsonFake {
	/** http://127.0.0.1:<port>, without a trailing slash. */
	url: string;
	/** Every request received, in arrival order. */
	requests: RecordedRequest[];
	close(): Promise<void>;
}

export async function startJsonFake(handler: FakeHandler): Promise<JsonFake> {
	const requests: RecordedRequest[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const rawBody = Buffer.concat(chunks).toString('utf8');
			let body: unknown = rawBody === '' ? undefined : rawBody;
			try {
				if (rawBody !== '') body = JSON.parse(rawBody);
			} catch {
				// not JSON: keep the text
			}
			const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
			const recorded: RecordedRequest = {
				method: req.method ?? 'GET',
				url: req.url ?? '/',
				path: parsed.pathname,
				query: Object.fromEntries(parsed.searchParams),
				headers: req.headers,
				rawBody,
				body,
				receivedAt: new Date(),
			};
			requests.push(recorded);
			Promise.resolve()
				.then(() => handler(recorded))
				.then(
					(answer) => {
						const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
						res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
						res.end(text);
					},
					(error: unknown) => {
						res.writeHead(500, { 'content-type': 'text/plain' });
						res.end(`fake handler crashed: ${error instanceof Error ? error.message : String(error)}`);
					},
				);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.closeAllConnections();
				server.close((error) => (error ? reject(error) : resolve()));
			}),
	};
}

/** SendDependencies['send'] over real HTTP with fetch: any status resolves; only a network failure rejects. */
export async function fetchSend(request: PlatformRequest): Promise<PlatformResponse> {
	const response = await fetch(request.url, {
		method: request.method,
		headers: { 'content-type': 'application/json', ...request.headers },
		body: JSON.stringify(request.body),
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// keep the text
	}
	return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

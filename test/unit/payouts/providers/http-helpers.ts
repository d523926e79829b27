/**
 * Real HTTP for the provider tests: a small node:http server on 127.0.0.1 (port 0) whose handler each test file
 * writes, and a `send` built on fetch with an AbortSignal timeout, as a node would pass in.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayoutDeps, PayoutHttpRequest, PayoutHttpResponse, PayoutSend } from '../../../../src/payouts/providers';

export interface SeenRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: IncomingHttpHeaders;
	body: string;
}

export interface Answer {
	status: number;
	headers?: Record<string, string>;
	body?: unknown;
}

/** 'hang' never answers (a timeout); 'drop' closes the connection without an answer (a crash after receiving). */
export type HandlerResult = Answer | 'hang' | 'drop';

export interface TestServer {
	url: string;
	requests: SeenRequest[];
	close(): Promise<void>;
}

export async function startServer(handler: (request: SeenRequest) => HandlerResult | Promise<HandlerResult>): Promise<TestServer> {
	const requests: SeenRequest[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			const seen: SeenRequest = {
				method: req.method ?? 'GET',
				path: url.pathname,
				query: url.searchParams,
				headers: req.headers,
				body: Buffer.concat(chunks).toString('utf8'),
			};
			requests.push(seen);
			void Promise.resolve(handler(seen)).then((answer) => {
				if (answer === 'hang') return;
				if (answer === 'drop') {
					req.socket.destroy();
					return;
				}
				const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
				res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
				res.end(text);
			});
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

/** PayoutSend over fetch: any status resolves; a network error or the timeout rejects. */
export function fetchSend(timeoutMs = 5000): PayoutSend {
	return async (request: PayoutHttpRequest): Promise<PayoutHttpResponse> => {
		const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeoutMs) });
		const text = await response.text();
		let body: unknown = text;
		if ((response.headers.get('content-type') ?? '').includes('json')) {
			try {
				body = JSON.parse(text);
			} catch {
				// keep the text
			}
		}
		return { status: response.status, headers: Object.fromEntries(response.headers), body };
	};
}

export interface RecordingDeps extends PayoutDeps {
	sleeps: number[];
	sent: PayoutHttpRequest[];
}

/** Deps with a real send, a no-op sleep that records each wait, a fixed jitter and a settable clock. */
export function recordingDeps(options: { timeoutMs?: number; now?: () => Date; maxAttempts?: number } = {}): RecordingDeps {
	const send = fetchSend(options.timeoutMs);
	const deps: RecordingDeps = {
		sleeps: [],
		sent: [],
		send: async (request) => {
			deps.sent.push(request);
			return send(request);
		},
		sleep: async (ms) => {
			deps.sleeps.push(ms);
		},
		now: options.now,
		random: () => 0.5,
		retry: { maxAttempts: options.maxAttempts ?? 4, baseDelayMs: 500, maxDelayMs: 30_000 },
	};
	return deps;
}

/** Every message of an error and its cause chain, for secret-leak checks. */
export function allText(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	return `${error.name} ${error.message} ${JSON.stringify(error)} ${error.cause ? allText(error.cause) : ''}`;
}

import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PartnerRequest, PartnerResponse, PartnerSendDependencies } from '../../../src/partners';

export interface RecordedCall {
	method: string;
	url: string;
	headers: IncomingMessage['headers'];
	body: string;
}

export type Answer = (call: RecordedCall, response: ServerResponse, index: number) => void;

/** A real HTTP server on 127.0.0.1 (port 0) answering each request with the next answer (the last one repeats). */
export async function startPartnerServer(answers: Answer[]): Promise<{ url: string; calls: RecordedCall[]; server: Server; close(): Promise<void> }> {
	const calls: RecordedCall[] = [];
	const server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const call = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
			calls.push(call);
			const index = calls.length - 1;
			answers[Math.min(index, answers.length - 1)](call, response, index);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		calls,
		server,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export const answer =
	(status: number, body = '', headers: Record<string, string> = {}): Answer =>
	(_call, response) => {
		response.writeHead(status, { 'content-type': 'text/plain', ...headers });
		response.end(body);
	};

/** Drops the connection without an answer: the client sees a network error. */
export const hangUp: Answer = (_call, response) => {
	response.socket?.destroy();
};

/** A real HTTP client (fetch) as the engine's `send`, and a sleep that records the waits instead of waiting. */
export function realDependencies(): PartnerSendDependencies & { waits: number[] } {
	const waits: number[] = [];
	return {
		waits,
		sleep: async (ms) => {
			waits.push(ms);
		},
		random: () => 0.5,
		send: async (request: PartnerRequest): Promise<PartnerResponse> => {
			const response = await fetch(request.url, {
				method: request.method,
				headers: request.headers,
				...(request.body !== undefined ? { body: request.body } : {}),
			});
			return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: await response.text() };
		},
	};
}

/** A Conversion Funnel item as the funnel hands it on (the fields Send Postback reads, plus some it ignores). */
export function funnelLikeItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		network: 'custom',
		clickId: 'clk_01hx8k2m3n',
		transactionId: 'TX-1001',
		orderId: 'ORD-77',
		networkEventType: null,
		eventName: 'Purchase',
		status: 'approved',
		amount: '79.5',
		commission: '12.25',
		currency: 'USD',
		occurredAt: '2026-05-21T00:57:45Z',
		receivedAt: '2026-05-21T00:58:00Z',
		affiliateId: 'aff-42',
		offerId: '17',
		route: 'purchase',
		conversionId: 'cv_abc123',
		click: { clickId: 'clk_01hx8k2m3n', clickedAt: '2026-05-20T10:00:00Z', gclid: 'Cj0KCQ' },
		...overrides,
	};
}

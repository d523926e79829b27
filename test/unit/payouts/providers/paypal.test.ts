/**
 * The PayPal Payouts client against a small PayPal-shaped server over real HTTP: request shapes, the token
 * cache, retries with the same ids, unknown outcomes, duplicate sender_batch_id resolution, paged lookups.
 */
import {
	PAYOUT_PROVIDERS,
	PayoutBatchInvalid,
	PayoutOutcomeUnknown,
	PayoutProviderUnavailable,
	cancelPayPalItem,
	PayoutRequestRejected,
	type PayoutBatch,
	type PayoutLine,
	type PayPalConfig,
	chunkLines,
	clearPayPalTokenCache,
	formatPayPalAmount,
	paypalItemState,
} from '../../../../src/payouts/providers';
import { type Answer, type HandlerResult, type SeenRequest, type TestServer, allText, recordingDeps, startServer } from './http-helpers';

const CLIENT_ID = 'AcL13nt-1d-for-tests';
const SECRET = 'EFs3cr3t-paypal-never-print-me';
const paypal = PAYOUT_PROVIDERS.paypal;

interface StoredBatch {
	payoutBatchId: string;
	requestId?: string;
	body: { sender_batch_header: Record<string, string>; items: Array<Record<string, unknown> & { sender_item_id: string }> };
	statuses: Record<string, string>;
}

/** A PayPal-shaped server: tokens, create (with Request-Id replay or the duplicate error), paged GET, item GET. */
class PayPalSim {
	server!: TestServer;
	tokens = new Set<string>();
	tokenRequests = 0;
	batches = new Map<string, StoredBatch>();
	/** What PayPal does with a repeated sender_batch_id: replay the original 201 when the Request-Id matches, or always the error. */
	duplicateMode: 'replay' | 'error' = 'replay';
	expiresIn = 32400;
	/** Answers to give before the real one, consumed in order, for requests matching `path`. */
	faults: Array<{ method: string; path: RegExp; result: HandlerResult }> = [];
	/** Echo the secret and token in error messages (a hostile or buggy proxy) to prove redaction. */
	echoSecrets = false;
	scope = 'https://uri.paypal.com/services/payments/realtimepayment https://uri.paypal.com/payments/payouts openid';

	get url(): string {
		return this.server.url;
	}
	get requests(): SeenRequest[] {
		return this.server.requests;
	}
	async start(): Promise<this> {
		this.server = await startServer((request) => this.handle(request));
		return this;
	}
	requestsTo(method: string, path: RegExp): SeenRequest[] {
		return this.requests.filter((request) => request.method === method && path.test(request.path));
	}

	private error(status: number, name: string, message: string, extra: Record<string, unknown> = {}): Answer {
		return { status, body: { name, message, debug_id: `dbg${this.requests.length}`, ...extra } };
	}

	private handle(request: SeenRequest): HandlerResult {
		const faultIndex = this.faults.findIndex((fault) => fault.method === request.method && fault.path.test(request.path));
		if (faultIndex >= 0) {
			const [fault] = this.faults.splice(faultIndex, 1);
			if (fault.result === 'drop' && request.path === '/v1/payments/payouts') this.create(request); // received, then the line died
			return fault.result;
		}
		if (request.method === 'POST' && request.path === '/v1/oauth2/token') return this.token(request);
		const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
		if (!token || !this.tokens.has(token)) {
			return this.error(
				401,
				'AUTHENTICATION_FAILURE',
				this.echoSecrets ? `Token ${token} rejected` : 'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
			);
		}
		if (request.method === 'POST' && request.path === '/v1/payments/payouts') return this.create(request);
		const batchMatch = /^\/v1\/payments\/payouts\/([^/]+)$/.exec(request.path);
		if (request.method === 'GET' && batchMatch) return this.read(batchMatch[1], request.query);
		const cancelMatch = /^\/v1\/payments\/payouts-item\/([^/]+)\/cancel$/.exec(request.path);
		if (request.method === 'POST' && cancelMatch) {
			for (const batch of this.batches.values()) {
				const index = batch.body.items.findIndex((_, i) => `${batch.payoutBatchId}-I${i}` === cancelMatch[1]);
				if (index < 0) continue;
				const itemId = batch.body.items[index].sender_item_id;
				if (batch.statuses[itemId] !== 'UNCLAIMED') {
					return this.error(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', {
						details: [{ issue: 'ITEM_ALREADY_CLAIMED_OR_NOT_UNCLAIMED' }],
					});
				}
				batch.statuses[itemId] = 'RETURNED';
				return { status: 200, body: { ...this.itemView(batch, index), sender_batch_id: batch.body.sender_batch_header.sender_batch_id } };
			}
			return this.error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.');
		}
		const itemMatch = /^\/v1\/payments\/payouts-item\/([^/]+)$/.exec(request.path);
		if (request.method === 'GET' && itemMatch) {
			for (const batch of this.batches.values()) {
				const index = batch.body.items.findIndex((_, i) => `${batch.payoutBatchId}-I${i}` === itemMatch[1]);
				if (index >= 0) return { status: 200, body: { ...this.itemView(batch, index), sender_batch_id: batch.body.sender_batch_header.sender_batch_id } };
			}
			return this.error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.');
		}
		return this.error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.');
	}

	private token(request: SeenRequest): Answer {
		this.tokenRequests++;
		const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`;
		if (
			request.headers.authorization !== expected ||
			request.body !== 'grant_type=client_credentials' ||
			request.headers['content-type'] !== 'application/x-www-form-urlencoded'
		) {
			// Echoes what was presented (the header and the decoded secret), as a careless proxy might.
			const presented = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
				.toString('utf8')
				.split(':')[1];
			const description = this.echoSecrets
				? `Client Authentication failed for ${request.headers.authorization} (${presented})`
				: 'Client Authentication failed';
			return { status: 401, body: { error: 'invalid_client', error_description: description } };
		}
		const token = `A21AA-token-${this.tokenRequests}`;
		this.tokens.add(token);
		return {
			status: 200,
			body: { scope: this.scope, access_token: token, token_type: 'Bearer', app_id: 'APP-80W284485P519543T', expires_in: this.expiresIn, nonce: 'n' },
		};
	}

	private create(request: SeenRequest): Answer {
		const body = JSON.parse(request.body) as StoredBatch['body'];
		const senderBatchId = body.sender_batch_header.sender_batch_id;
		if (!Array.isArray(body.items) || body.items.length < 1 || body.items.length > 15000) {
			return this.error(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', {
				details: [{ field: 'items', issue: 'size out of range' }],
			});
		}
		const requestId = request.headers['paypal-request-id'] as string | undefined;
		const existing = this.batches.get(senderBatchId);
		if (existing) {
			if (this.duplicateMode === 'replay' && requestId && existing.requestId === requestId) return { status: 201, body: this.createdView(existing) };
			return this.error(400, 'USER_BUSINESS_ERROR', 'User business error.', {
				details: [{ field: 'SENDER_BATCH_ID', location: 'body', issue: 'Batch with given sender_batch_id already exists' }],
				links: [
					{ href: `https://api-m.sandbox.paypal.com/v1/payments/payouts/${existing.payoutBatchId}`, rel: 'self', method: 'GET', encType: 'application/json' },
				],
			});
		}
		const stored: StoredBatch = { payoutBatchId: `PB${this.batches.size + 1}XYZ`, requestId, body, statuses: {} };
		this.batches.set(senderBatchId, stored);
		return { status: 201, body: this.createdView(stored) };
	}

	private createdView(batch: StoredBatch): unknown {
		return {
			batch_header: { payout_batch_id: batch.payoutBatchId, batch_status: 'PENDING', sender_batch_header: batch.body.sender_batch_header },
			links: [{ href: `https://api-m.sandbox.paypal.com/v1/payments/payouts/${batch.payoutBatchId}`, rel: 'self', method: 'GET' }],
		};
	}

	private itemView(batch: StoredBatch, index: number): Record<string, unknown> {
		const item = batch.body.items[index];
		const status = batch.statuses[item.sender_item_id] ?? 'PENDING';
		const view: Record<string, unknown> = {
			payout_item_id: `${batch.payoutBatchId}-I${index}`,
			transaction_status: status,
			payout_batch_id: batch.payoutBatchId,
			payout_item: { recipient_type: item.recipient_type, amount: item.amount, receiver: item.receiver, sender_item_id: item.sender_item_id },
		};
		if (['FAILED', 'BLOCKED', 'DENIED', 'UNCLAIMED', 'RETURNED'].includes(status)) {
			view.errors = { name: status === 'UNCLAIMED' ? 'RECEIVER_UNREGISTERED' : 'RECEIVER_ACCOUNT_LOCKED', message: `Item is ${status.toLowerCase()}` };
		}
		return view;
	}

	private read(payoutBatchId: string, query: URLSearchParams): Answer {
		const batch = [...this.batches.values()].find((candidate) => candidate.payoutBatchId === payoutBatchId);
		if (!batch) return this.error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.');
		const pageSize = Number(query.get('page_size') ?? 1000);
		const page = Number(query.get('page') ?? 1);
		const total = batch.body.items.length;
		const indexes = Array.from({ length: total }, (_, i) => i).slice((page - 1) * pageSize, page * pageSize);
		return {
			status: 200,
			body: {
				...(query.get('total_required') === 'true' ? { total_items: total, total_pages: Math.ceil(total / pageSize) } : {}),
				batch_header: { payout_batch_id: batch.payoutBatchId, batch_status: 'SUCCESS', sender_batch_header: batch.body.sender_batch_header },
				items: indexes.map((index) => this.itemView(batch, index)),
			},
		};
	}
}

let sim: PayPalSim;
let config: PayPalConfig;

beforeEach(async () => {
	clearPayPalTokenCache();
	sim = await new PayPalSim().start();
	config = { clientId: CLIENT_ID, clientSecret: SECRET, environment: 'sandbox', baseUrl: sim.url };
});
afterEach(async () => {
	await sim.server.close();
});

const line = (index: number, overrides: Partial<PayoutLine> = {}): PayoutLine => ({
	itemId: `2026-10_aff${index}`,
	affiliateId: `aff${index}`,
	receiver: `affiliate${index}@example.com`,
	currency: 'USD',
	amount: '12.5',
	...overrides,
});
const batchOf = (lines: PayoutLine[], batchId = 'payout-2026-10-usd'): PayoutBatch => ({ batchId, period: '2026-10', lines });
const creates = () => sim.requestsTo('POST', /^\/v1\/payments\/payouts$/);

describe('create batch request', () => {
	it('sends the exact JSON body with sender ids, PayPal-Request-Id and a bearer token from a client-credentials grant', async () => {
		const deps = recordingDeps();
		const batch: PayoutBatch = {
			batchId: 'payout-2026-10-usd',
			period: '2026-10',
			emailSubject: 'Your October commissions',
			emailMessage: 'Thanks for promoting us!',
			lines: [
				line(1, { note: 'October 2026' }),
				line(2, { receiver: '+1 650 555 1212', amount: '100' }),
				line(3, { receiver: 'G83JXTJ5EHCQ2', currency: 'JPY', amount: '500' }),
				line(4, { receiver: 'someone-id', receiverType: 'PAYPAL_ID', currency: 'KWD', amount: '1.234' }),
			],
		};
		const result = await paypal.submit(config, batch, deps);
		expect(result).toEqual({ providerBatchId: 'PB1XYZ', items: batch.lines.map((l) => ({ itemId: l.itemId, state: 'pending' })) });

		const [tokenRequest, createRequest] = sim.requests;
		expect(tokenRequest.path).toBe('/v1/oauth2/token');
		expect(tokenRequest.body).toBe('grant_type=client_credentials');
		expect(createRequest.headers.authorization).toBe('Bearer A21AA-token-1');
		expect(createRequest.headers['paypal-request-id']).toBe('payout-2026-10-usd');
		expect(createRequest.headers['content-type']).toBe('application/json');
		expect(createRequest.body).toBe(
			JSON.stringify({
				sender_batch_header: { sender_batch_id: 'payout-2026-10-usd', email_subject: 'Your October commissions', email_message: 'Thanks for promoting us!' },
				items: [
					{
						recipient_type: 'EMAIL',
						amount: { value: '12.50', currency: 'USD' },
						receiver: 'affiliate1@example.com',
						sender_item_id: '2026-10_aff1',
						note: 'October 2026',
					},
					{ recipient_type: 'PHONE', amount: { value: '100.00', currency: 'USD' }, receiver: '+1 650 555 1212', sender_item_id: '2026-10_aff2' },
					{ recipient_type: 'PAYPAL_ID', amount: { value: '500', currency: 'JPY' }, receiver: 'G83JXTJ5EHCQ2', sender_item_id: '2026-10_aff3' },
					{ recipient_type: 'PAYPAL_ID', amount: { value: '1.234', currency: 'KWD' }, receiver: 'someone-id', sender_item_id: '2026-10_aff4' },
				],
			}),
		);
		expect(deps.sleeps).toEqual([]);
	});

	it.each([
		['500.5', 'JPY'],
		['10.5', 'HUF'],
		['3.25', 'TWD'],
		['1.005', 'USD'],
	])('refuses %s %s before any call (PayPal takes fewer decimals)', async (amount, currency) => {
		const deps = recordingDeps();
		const promise = paypal.submit(config, batchOf([line(1), line(2, { amount, currency })]), deps);
		await expect(promise).rejects.toThrow(PayoutBatchInvalid);
		await expect(promise).rejects.toThrow(new RegExp(`${currency}`));
		expect(sim.requests).toHaveLength(0);
	});

	it('formats whole amounts in JPY, HUF and TWD and pads others', () => {
		expect(formatPayPalAmount('500', 'JPY')).toBe('500');
		expect(formatPayPalAmount('1200.00', 'HUF')).toBe('1200');
		expect(formatPayPalAmount('30', 'TWD')).toBe('30');
		expect(formatPayPalAmount('0.1', 'EUR')).toBe('0.10');
		expect(() => formatPayPalAmount('1.5', 'HUF')).toThrow(/whole amounts only in HUF/);
	});

	it('refuses more than 15,000 lines (the caller splits with chunkLines), a repeated item id, zero amounts', async () => {
		const deps = recordingDeps();
		const many = Array.from({ length: 15_001 }, (_, i) => line(i));
		await expect(paypal.submit(config, batchOf(many), deps)).rejects.toThrow(/15001 lines; PayPal takes at most 15000/);
		expect(chunkLines(many, 15_000).map((chunk) => chunk.length)).toEqual([15_000, 1]);
		expect(chunkLines([], 10)).toEqual([]);
		await expect(paypal.submit(config, batchOf([line(1), line(1)]), deps)).rejects.toThrow(/appears twice/);
		await expect(paypal.submit(config, batchOf([line(1, { amount: '0.00' })]), deps)).rejects.toThrow(/above zero/);
		await expect(paypal.submit(config, batchOf([line(1, { itemId: 'has space' })]), deps)).rejects.toThrow(/Item id/);
		expect(sim.requests).toHaveLength(0);
	});
});

describe('token', () => {
	it('is cached per client and host, renewed shortly before it expires', async () => {
		let now = new Date('2026-11-01T00:00:00Z');
		sim.expiresIn = 3600;
		const deps = recordingDeps({ now: () => now });
		await paypal.submit(config, batchOf([line(1)], 'batch-a'), deps);
		await paypal.submit(config, batchOf([line(1)], 'batch-b'), deps);
		expect(sim.tokenRequests).toBe(1);
		now = new Date(now.getTime() + 3600_000 - 30_000); // inside the last minute: renewed
		await paypal.submit(config, batchOf([line(1)], 'batch-c'), deps);
		expect(sim.tokenRequests).toBe(2);
		expect(creates().map((request) => request.headers.authorization)).toEqual(['Bearer A21AA-token-1', 'Bearer A21AA-token-1', 'Bearer A21AA-token-2']);
	});

	it('a 401 on a call fetches a new token once and sends again', async () => {
		const deps = recordingDeps();
		await paypal.submit(config, batchOf([line(1)], 'batch-a'), deps);
		sim.tokens.clear(); // PayPal revoked the cached token
		const result = await paypal.submit(config, batchOf([line(1)], 'batch-b'), deps);
		expect(result.providerBatchId).toBe('PB2XYZ');
		expect(sim.tokenRequests).toBe(2);
		expect(creates().map((request) => request.headers.authorization)).toEqual(['Bearer A21AA-token-1', 'Bearer A21AA-token-1', 'Bearer A21AA-token-2']);
		expect(deps.sleeps).toEqual([]);
	});

	it('a second 401 in a row is an authentication failure, not a retry loop', async () => {
		const deps = recordingDeps();
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/payments\/payouts$/,
			result: { status: 401, body: { name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed', debug_id: 'd1' } },
		});
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/payments\/payouts$/,
			result: { status: 401, body: { name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed', debug_id: 'd2' } },
		});
		const error = await paypal.submit(config, batchOf([line(1)]), deps).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PayoutRequestRejected);
		expect((error as PayoutRequestRejected).status).toBe(401);
		expect((error as Error).message).toMatch(/AUTHENTICATION_FAILURE.*client ID and secret.*debug_id d2/);
		expect(sim.tokenRequests).toBe(2);
	});
});

describe('retries and unknown outcomes', () => {
	it('retries 503 and 429 with backoff (honouring Retry-After), the same body and Request-Id every time', async () => {
		const deps = recordingDeps();
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/payments\/payouts$/,
			result: { status: 503, body: { name: 'SERVICE_UNAVAILABLE', message: 'Service Unavailable.', debug_id: 'x1' } },
		});
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/payments\/payouts$/,
			result: { status: 429, headers: { 'retry-after': '7' }, body: { name: 'RATE_LIMIT_REACHED', message: 'Too many requests', debug_id: 'x2' } },
		});
		const result = await paypal.submit(config, batchOf([line(1), line(2)]), deps);
		expect(result.providerBatchId).toBe('PB1XYZ');
		expect(creates()).toHaveLength(3);
		expect(new Set(creates().map((request) => request.body)).size).toBe(1);
		expect(creates().map((request) => request.headers['paypal-request-id'])).toEqual(['payout-2026-10-usd', 'payout-2026-10-usd', 'payout-2026-10-usd']);
		// full jitter at 0.5: 250 ms after the first attempt; the server's 7 s wins after the second
		expect(deps.sleeps).toEqual([250, 7000]);
	});

	it('a timeout on every attempt is PayoutOutcomeUnknown (the caller resolves by lookup)', async () => {
		const deps = recordingDeps({ timeoutMs: 150, maxAttempts: 2 });
		sim.faults.push(
			{ method: 'POST', path: /^\/v1\/payments\/payouts$/, result: 'hang' },
			{ method: 'POST', path: /^\/v1\/payments\/payouts$/, result: 'hang' },
		);
		const error = await paypal.submit(config, batchOf([line(1)]), deps).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PayoutOutcomeUnknown);
		expect((error as PayoutOutcomeUnknown).attempts).toBe(2);
		expect((error as Error).message).toMatch(/did not confirm batch payout-2026-10-usd after 2 attempts.*no answer/);
		expect(deps.sleeps).toHaveLength(1);
	});

	it('5xx until the retries run out is PayoutOutcomeUnknown', async () => {
		const deps = recordingDeps({ maxAttempts: 3 });
		for (let i = 0; i < 3; i++)
			sim.faults.push({
				method: 'POST',
				path: /^\/v1\/payments\/payouts$/,
				result: { status: 500, body: { name: 'INTERNAL_SERVER_ERROR', message: 'An internal server error occurred.', debug_id: `e${i}` } },
			});
		const error = await paypal.submit(config, batchOf([line(1)]), deps).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PayoutOutcomeUnknown);
		expect((error as Error).message).toContain('PayPal answered 500 INTERNAL_SERVER_ERROR (debug_id e2)');
		expect(deps.sleeps).toEqual([250, 500]);
	});
});

describe('duplicate sender_batch_id', () => {
	it('a repeat of a batch is resolved by reading the original batch the error links to', async () => {
		sim.duplicateMode = 'error';
		const deps = recordingDeps();
		const batch = batchOf([line(1), line(2), line(3)]);
		const first = await paypal.submit(config, batch, deps);
		sim.batches.get(batch.batchId)!.statuses = { '2026-10_aff1': 'SUCCESS', '2026-10_aff2': 'UNCLAIMED', '2026-10_aff3': 'FAILED' };
		const second = await paypal.submit(config, batch, deps);
		expect(second.providerBatchId).toBe(first.providerBatchId);
		expect(second.items).toEqual([
			{ itemId: '2026-10_aff1', state: 'paid', providerItemId: 'PB1XYZ-I0', providerStatus: 'SUCCESS' },
			{
				itemId: '2026-10_aff2',
				state: 'unclaimed',
				providerItemId: 'PB1XYZ-I1',
				providerStatus: 'UNCLAIMED',
				code: 'RECEIVER_UNREGISTERED',
				reason: 'Item is unclaimed',
			},
			{
				itemId: '2026-10_aff3',
				state: 'failed',
				providerItemId: 'PB1XYZ-I2',
				providerStatus: 'FAILED',
				code: 'RECEIVER_ACCOUNT_LOCKED',
				reason: 'Item is failed',
			},
		]);
		expect(sim.batches.size).toBe(1);
		// The link's host is PayPal's, but the read goes to our configured host with our token.
		expect(sim.requestsTo('GET', /^\/v1\/payments\/payouts\/PB1XYZ$/)).toHaveLength(1);
	});

	it('a crash after PayPal received the batch (connection dropped) resolves on retry through the duplicate error', async () => {
		sim.duplicateMode = 'error';
		const deps = recordingDeps();
		sim.faults.push({ method: 'POST', path: /^\/v1\/payments\/payouts$/, result: 'drop' });
		const result = await paypal.submit(config, batchOf([line(1), line(2)]), deps);
		expect(result.providerBatchId).toBe('PB1XYZ');
		expect(result.items.map((item) => item.state)).toEqual(['pending', 'pending']);
		expect(sim.batches.size).toBe(1);
		expect(creates()).toHaveLength(2);
	});

	it('a duplicate whose original cannot be read is an unknown outcome naming the PayPal batch', async () => {
		sim.duplicateMode = 'error';
		const deps = recordingDeps({ maxAttempts: 2 });
		const batch = batchOf([line(1)]);
		await paypal.submit(config, batch, deps);
		sim.faults.push({
			method: 'GET',
			path: /^\/v1\/payments\/payouts\//,
			result: { status: 503, body: { name: 'SERVICE_UNAVAILABLE', message: 'x', debug_id: 'a' } },
		});
		sim.faults.push({
			method: 'GET',
			path: /^\/v1\/payments\/payouts\//,
			result: { status: 503, body: { name: 'SERVICE_UNAVAILABLE', message: 'x', debug_id: 'b' } },
		});
		const error = await paypal.submit(config, batch, deps).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PayoutOutcomeUnknown);
		expect((error as PayoutOutcomeUnknown).providerBatchId).toBe('PB1XYZ');
	});

	it('PayPal replaying the original 201 for the same PayPal-Request-Id creates nothing new', async () => {
		const deps = recordingDeps();
		const batch = batchOf([line(1)]);
		const first = await paypal.submit(config, batch, deps);
		const second = await paypal.submit(config, batch, deps);
		expect(second).toEqual(first);
		expect(sim.batches.size).toBe(1);
	});
});

describe('refusals', () => {
	it('a 422 is PayoutRequestRejected with status, name, debug_id, details and what to do', async () => {
		const deps = recordingDeps();
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/payments\/payouts$/,
			result: {
				status: 422,
				body: {
					name: 'UNPROCESSABLE_ENTITY',
					message: 'The requested action could not be performed, semantically incorrect, or failed business validation.',
					debug_id: 'abc123',
					details: [{ field: 'items[0].amount', issue: 'INSUFFICIENT_FUNDS', description: 'Sender does not have sufficient funds.' }],
				},
			},
		});
		const error = (await paypal.submit(config, batchOf([line(1)]), deps).catch((e: unknown) => e)) as PayoutRequestRejected;
		expect(error).toBeInstanceOf(PayoutRequestRejected);
		expect(error).toMatchObject({ provider: 'paypal', status: 422, errorName: 'UNPROCESSABLE_ENTITY', debugId: 'abc123' });
		expect(error.details).toEqual([{ field: 'items[0].amount', issue: 'INSUFFICIENT_FUNDS', description: 'Sender does not have sufficient funds.' }]);
		expect(error.message).toMatch(
			/^PayPal refused the payout batch payout-2026-10-usd \(422 UNPROCESSABLE_ENTITY: .*items\[0\]\.amount: INSUFFICIENT_FUNDS.*Add funds to the PayPal balance.*debug_id abc123\)$/,
		);
		expect(deps.sleeps).toEqual([]);
	});

	it('a 403 NOT_AUTHORIZED says the app needs Payouts enabled', async () => {
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/payments\/payouts$/,
			result: { status: 403, body: { name: 'NOT_AUTHORIZED', message: 'Authorization failed due to insufficient permissions.', debug_id: 'f1' } },
		});
		await expect(paypal.submit(config, batchOf([line(1)]), recordingDeps())).rejects.toThrow(/403 NOT_AUTHORIZED.*enable Payouts/);
	});
});

describe('lookup', () => {
	it('reads every page (page_size 1000, total_required) and maps each transaction_status; missing items are unknown', async () => {
		const deps = recordingDeps();
		const lines = Array.from({ length: 2500 }, (_, i) => line(i));
		const batch = batchOf(lines);
		const { providerBatchId } = await paypal.submit(config, batch, deps);
		const statuses = ['SUCCESS', 'FAILED', 'PENDING', 'UNCLAIMED', 'RETURNED', 'ONHOLD', 'BLOCKED', 'REFUNDED', 'REVERSED'];
		const stored = sim.batches.get(batch.batchId)!;
		lines.forEach((l, i) => (stored.statuses[l.itemId] = statuses[i % statuses.length]));
		// A line PayPal never had (the caller's batch grew): unknown, never guessed.
		const lookedUp = await paypal.lookup(config, { ...batch, lines: [...lines, line(9999)] }, deps, { providerBatchId });
		const reads = sim.requestsTo('GET', /^\/v1\/payments\/payouts\//);
		expect(reads.map((request) => request.query.toString())).toEqual([
			'page_size=1000&page=1&total_required=true',
			'page_size=1000&page=2&total_required=true',
			'page_size=1000&page=3&total_required=true',
		]);
		expect(lookedUp.found).toBe(true);
		expect(lookedUp.items).toHaveLength(2501);
		expect(lookedUp.items.slice(0, 9).map((item) => [item.providerStatus, item.state])).toEqual([
			['SUCCESS', 'paid'],
			['FAILED', 'failed'],
			['PENDING', 'pending'],
			['UNCLAIMED', 'unclaimed'],
			['RETURNED', 'returned'],
			['ONHOLD', 'pending'],
			['BLOCKED', 'failed'],
			['REFUNDED', 'returned'],
			['REVERSED', 'returned'],
		]);
		expect(lookedUp.items[1].code).toBe('RECEIVER_ACCOUNT_LOCKED');
		expect(lookedUp.items[2500]).toEqual({
			itemId: '2026-10_aff9999',
			state: 'unknown',
			code: 'not_in_batch',
			reason: `PayPal batch ${providerBatchId} has no item with this sender_item_id`,
		});
		// No POST besides the original create: a lookup with a known id only reads.
		expect(creates()).toHaveLength(1);
	});

	it('maps the whole transaction_status table', () => {
		expect(
			Object.fromEntries(
				['SUCCESS', 'PENDING', 'ONHOLD', 'UNCLAIMED', 'RETURNED', 'REFUNDED', 'REVERSED', 'FAILED', 'BLOCKED', 'DENIED', 'NEW', undefined].map((s) => [
					String(s),
					paypalItemState(s),
				]),
			),
		).toEqual({
			SUCCESS: 'paid',
			PENDING: 'pending',
			ONHOLD: 'pending',
			UNCLAIMED: 'unclaimed',
			RETURNED: 'returned',
			REFUNDED: 'returned',
			REVERSED: 'returned',
			FAILED: 'failed',
			BLOCKED: 'failed',
			DENIED: 'failed',
			NEW: 'unknown',
			undefined: 'unknown',
		});
	});

	it('without a PayPal batch id, posts the same batch again and reads the original it points to', async () => {
		sim.duplicateMode = 'error';
		const deps = recordingDeps();
		const batch = batchOf([line(1), line(2)]);
		await paypal.submit(config, batch, deps);
		sim.batches.get(batch.batchId)!.statuses = { '2026-10_aff1': 'SUCCESS', '2026-10_aff2': 'PENDING' };
		const lookedUp = await paypal.lookup(config, batch, deps);
		expect(lookedUp).toMatchObject({ found: true, providerBatchId: 'PB1XYZ', items: [{ state: 'paid' }, { state: 'pending' }] });
		expect(creates().map((request) => request.headers['paypal-request-id'])).toEqual(['payout-2026-10-usd', 'payout-2026-10-usd']);
		expect(sim.batches.size).toBe(1);
	});

	it('read-only (Sync Status) without a PayPal batch or item id sends nothing and finds nothing', async () => {
		const deps = recordingDeps();
		const batch = batchOf([line(1), line(2)]);
		const lookedUp = await paypal.lookup(config, batch, deps, { readOnly: true });
		expect(lookedUp.found).toBe(false);
		expect(lookedUp.items.map((item) => [item.itemId, item.state, item.code])).toEqual([
			['2026-10_aff1', 'unknown', 'batch_id_unknown'],
			['2026-10_aff2', 'unknown', 'batch_id_unknown'],
		]);
		expect(creates()).toHaveLength(0);
		expect(sim.batches.size).toBe(0);
	});

	it('with only an item id, finds the batch through GET payouts-item', async () => {
		const deps = recordingDeps();
		const batch = batchOf([line(1)]);
		await paypal.submit(config, batch, deps);
		const lookedUp = await paypal.lookup(config, batch, deps, { providerItemIds: { '2026-10_aff1': 'PB1XYZ-I0' } });
		expect(lookedUp).toMatchObject({
			found: true,
			providerBatchId: 'PB1XYZ',
			items: [{ itemId: '2026-10_aff1', state: 'pending', providerItemId: 'PB1XYZ-I0' }],
		});
		expect(sim.requestsTo('GET', /^\/v1\/payments\/payouts-item\/PB1XYZ-I0$/)).toHaveLength(1);
		expect(creates()).toHaveLength(1);
	});

	it('a batch PayPal cannot be read for is PayoutProviderUnavailable (nothing was paid by reading)', async () => {
		const deps = recordingDeps({ maxAttempts: 2 });
		sim.faults.push(
			{ method: 'GET', path: /^\/v1\/payments\/payouts\//, result: 'drop' },
			{ method: 'GET', path: /^\/v1\/payments\/payouts\//, result: 'drop' },
		);
		await expect(paypal.lookup(config, batchOf([line(1)]), deps, { providerBatchId: 'PB1XYZ' })).rejects.toThrow(PayoutProviderUnavailable);
	});

	it('cancels an unclaimed item', async () => {
		const deps = recordingDeps();
		const batch = batchOf([line(1), line(2)]);
		await paypal.submit(config, batch, deps);
		sim.batches.get(batch.batchId)!.statuses = { '2026-10_aff1': 'UNCLAIMED', '2026-10_aff2': 'SUCCESS' };
		expect(await cancelPayPalItem(config, deps, 'PB1XYZ-I0')).toMatchObject({
			itemId: '2026-10_aff1',
			state: 'returned',
			providerStatus: 'RETURNED',
			providerItemId: 'PB1XYZ-I0',
		});
		await expect(cancelPayPalItem(config, deps, 'PB1XYZ-I1')).rejects.toThrow(/400 INVALID_REQUEST.*ITEM_ALREADY_CLAIMED_OR_NOT_UNCLAIMED/);
	});

	it('an unknown PayPal batch id is found: false with every line unknown', async () => {
		const lookedUp = await paypal.lookup(config, batchOf([line(1)]), recordingDeps(), { providerBatchId: 'NOPE123' });
		expect(lookedUp).toEqual({
			found: false,
			providerBatchId: 'NOPE123',
			items: [{ itemId: '2026-10_aff1', state: 'unknown', code: 'batch_not_found', reason: 'PayPal does not know batch NOPE123' }],
		});
	});
});

describe('credentials and secrets', () => {
	it('testCredentials resolves with good credentials and always asks for a fresh token', async () => {
		await paypal.testCredentials(config, recordingDeps());
		await paypal.testCredentials(config, recordingDeps());
		expect(sim.tokenRequests).toBe(2);
	});

	it('testCredentials says what is wrong without the secret, even when the server echoes it', async () => {
		sim.echoSecrets = true;
		const wrong = { ...config, clientSecret: 'EFwr0ng-secret-value-123' };
		const error = await paypal.testCredentials(wrong, recordingDeps()).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/PayPal refused the client ID and secret \(sandbox\): invalid_client/);
		const text = allText(error);
		expect(text).not.toContain('EFwr0ng-secret-value-123');
		expect(text).not.toContain(SECRET);
		expect(text).not.toContain(Buffer.from(`${CLIENT_ID}:EFwr0ng-secret-value-123`).toString('base64'));
	});

	it('an app whose token lacks the Payouts scope fails the credential test', async () => {
		sim.scope = 'openid https://uri.paypal.com/services/invoicing';
		await expect(paypal.testCredentials(config, recordingDeps())).rejects.toThrow(/lacks the https:\/\/uri.paypal.com\/payments\/payouts scope/);
	});

	it('no error message carries the secret or a token', async () => {
		sim.echoSecrets = true;
		const deps = recordingDeps({ maxAttempts: 2 });
		await paypal.submit(config, batchOf([line(1)], 'batch-a'), deps);
		const errors: unknown[] = [];
		// a 401 on both the call and the retry, with the token echoed back
		sim.tokens.clear();
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/oauth2\/token$/,
			result: { status: 200, body: { access_token: 'A21AA-stolen-token-xyz', expires_in: 100 } },
		});
		errors.push(await paypal.submit(config, batchOf([line(1)], 'batch-b'), deps).catch((e: unknown) => e));
		// a 5xx whose message echoes the secret, until the retries run out
		clearPayPalTokenCache();
		sim.faults.push(
			{
				method: 'POST',
				path: /^\/v1\/payments\/payouts$/,
				result: { status: 500, body: { name: 'INTERNAL_SERVER_ERROR', message: `boom ${SECRET}`, debug_id: SECRET } },
			},
			{
				method: 'POST',
				path: /^\/v1\/payments\/payouts$/,
				result: { status: 400, body: { name: 'INVALID_REQUEST', message: `bad ${SECRET}`, debug_id: 'd', details: [{ issue: `x ${SECRET}` }] } },
			},
		);
		errors.push(await paypal.submit(config, batchOf([line(1)], 'batch-c'), deps).catch((e: unknown) => e));
		expect(errors.every((error) => error instanceof PayoutRequestRejected)).toBe(true);
		for (const error of errors) {
			const text = allText(error);
			expect(text).not.toContain(SECRET);
			expect(text).not.toMatch(/A21AA-[a-z0-9-]+/);
		}
	});
});

/**
 * The Stripe Connect transfers client against a small Stripe-shaped server over real HTTP: the form body, the
 * idempotency key on every attempt, account checks, per-line failures, and lookups by transfer_group.
 */
import {
	PAYOUT_PROVIDERS,
	PayoutBatchInvalid,
	PayoutRequestRejected,
	type PayoutBatch,
	type PayoutLine,
	type StripeConfig,
	stripeAmount,
} from '../../../../src/payouts/providers';
import { type Answer, type HandlerResult, type SeenRequest, type TestServer, allText, recordingDeps, startServer } from './http-helpers';

const SECRET_KEY = 'sk_test_51NeverPrintThisKey0123456789abcdef';
const stripe = PAYOUT_PROVIDERS.stripe;

interface Transfer {
	id: string;
	object: 'transfer';
	amount: number;
	amount_reversed: number;
	reversed: boolean;
	currency: string;
	destination: string;
	transfer_group: string | null;
	description: string | null;
	metadata: Record<string, string>;
}

/** A Stripe-shaped server: accounts, balance, transfers with idempotency keys (replay, mismatch, in use), list by group. */
class StripeSim {
	server!: TestServer;
	accounts: Record<string, { payouts_enabled: boolean; capabilities: Record<string, string>; requirements?: Record<string, unknown> }> = {
		acct_1Ready: { payouts_enabled: true, capabilities: { transfers: 'active' } },
		acct_2Ready: { payouts_enabled: true, capabilities: { transfers: 'active' } },
		acct_3Onboarding: { payouts_enabled: false, capabilities: { transfers: 'inactive' }, requirements: { disabled_reason: 'requirements.past_due' } },
	};
	/** Platform balance in minor units: a transfer above it fails with balance_insufficient. */
	balance = 1_000_000;
	transfers: Transfer[] = [];
	idempotency = new Map<string, { params: string; answer: Answer }>();
	faults: Array<{ method: string; path: RegExp; result: HandlerResult }> = [];

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

	private error(status: number, type: string, message: string, code?: string): Answer {
		return { status, headers: { 'request-id': `req_${this.requests.length}` }, body: { error: { type, message, ...(code ? { code } : {}) } } };
	}

	private handle(request: SeenRequest): HandlerResult {
		const faultIndex = this.faults.findIndex((fault) => fault.method === request.method && fault.path.test(request.path));
		if (faultIndex >= 0) return this.faults.splice(faultIndex, 1)[0].result;
		const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
		if (presented !== SECRET_KEY) {
			// Stripe masks all but the last four characters of the key it was given.
			return this.error(
				401,
				'invalid_request_error',
				`Invalid API Key provided: ${(presented ?? '').slice(0, 8)}${'*'.repeat(20)}${(presented ?? '').slice(-4)}`,
			);
		}
		if (request.method === 'GET' && request.path === '/v1/balance')
			return { status: 200, body: { object: 'balance', available: [{ amount: this.balance, currency: 'usd' }], pending: [] } };
		const accountMatch = /^\/v1\/accounts\/([^/]+)$/.exec(request.path);
		if (request.method === 'GET' && accountMatch) {
			const account = this.accounts[accountMatch[1]];
			if (!account) return this.error(404, 'invalid_request_error', `No such account: '${accountMatch[1]}'`, 'resource_missing');
			return { status: 200, body: { id: accountMatch[1], object: 'account', ...account } };
		}
		if (request.method === 'POST' && request.path === '/v1/transfers') return this.createTransfer(request);
		if (request.method === 'GET' && request.path === '/v1/transfers') return this.list(request.query);
		return this.error(404, 'invalid_request_error', `Unrecognized request URL (${request.method}: ${request.path})`);
	}

	private createTransfer(request: SeenRequest): Answer {
		if (request.headers['content-type'] !== 'application/x-www-form-urlencoded')
			return this.error(400, 'invalid_request_error', 'Invalid request: unsupported Content-Type');
		const key = request.headers['idempotency-key'] as string | undefined;
		if (key) {
			const seen = this.idempotency.get(key);
			if (seen && seen.params !== request.body) {
				return this.error(
					400,
					'idempotency_error',
					`Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
				);
			}
			if (seen) return { ...seen.answer, headers: { ...seen.answer.headers, 'idempotent-replayed': 'true' } };
		}
		const form = new URLSearchParams(request.body);
		const amount = Number(form.get('amount'));
		let answer: Answer;
		if (!Number.isInteger(amount) || amount < 1) answer = this.error(400, 'invalid_request_error', 'Invalid integer: amount', 'parameter_invalid_integer');
		else if (amount > this.balance) {
			answer = this.error(
				400,
				'invalid_request_error',
				'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card.',
				'balance_insufficient',
			);
		} else {
			this.balance -= amount;
			const metadata: Record<string, string> = {};
			for (const [name, value] of form) {
				const match = /^metadata\[(.+)\]$/.exec(name);
				if (match) metadata[match[1]] = value;
			}
			const transfer: Transfer = {
				id: `tr_${String(this.transfers.length + 1).padStart(4, '0')}`,
				object: 'transfer',
				amount,
				amount_reversed: 0,
				reversed: false,
				currency: form.get('currency') ?? '',
				destination: form.get('destination') ?? '',
				transfer_group: form.get('transfer_group'),
				description: form.get('description'),
				metadata,
			};
			this.transfers.push(transfer);
			answer = { status: 200, body: transfer };
		}
		if (key) this.idempotency.set(key, { params: request.body, answer });
		return answer;
	}

	private list(query: URLSearchParams): Answer {
		const limit = Number(query.get('limit') ?? 10);
		// Stripe lists newest first.
		let matching = [...this.transfers].reverse().filter((transfer) => transfer.transfer_group === query.get('transfer_group'));
		const after = query.get('starting_after');
		if (after) matching = matching.slice(matching.findIndex((transfer) => transfer.id === after) + 1);
		return { status: 200, body: { object: 'list', url: '/v1/transfers', has_more: matching.length > limit, data: matching.slice(0, limit) } };
	}
}

let sim: StripeSim;
let config: StripeConfig;

beforeEach(async () => {
	sim = await new StripeSim().start();
	config = { secretKey: SECRET_KEY, baseUrl: sim.url };
});
afterEach(async () => {
	await sim.server.close();
});

const line = (index: number, overrides: Partial<PayoutLine> = {}): PayoutLine => ({
	itemId: `2026-10_aff${index}`,
	affiliateId: `aff${index}`,
	receiver: 'acct_1Ready',
	currency: 'USD',
	amount: '12.5',
	...overrides,
});
const batchOf = (lines: PayoutLine[], batchId = 'payout-2026-10-usd'): PayoutBatch => ({ batchId, period: '2026-10', lines });
const transferPosts = () => sim.requestsTo('POST', /^\/v1\/transfers$/);

describe('transfer request', () => {
	it('sends the exact form body with bracket metadata keys, the idempotency key and the bearer key', async () => {
		const deps = recordingDeps();
		const result = await stripe.submit(
			config,
			batchOf([line(1, { note: 'October & more' }), line(2, { receiver: 'acct_2Ready', currency: 'JPY', amount: '500' })]),
			deps,
		);
		expect(result).toEqual({
			items: [
				{ itemId: '2026-10_aff1', state: 'paid', providerItemId: 'tr_0001', providerStatus: 'transferred' },
				{ itemId: '2026-10_aff2', state: 'paid', providerItemId: 'tr_0002', providerStatus: 'transferred' },
			],
		});
		const [first, second] = transferPosts();
		expect(first.body).toBe(
			'amount=1250&currency=usd&destination=acct_1Ready&transfer_group=payout-2026-10-usd&description=October%20%26%20more' +
				'&metadata[item_id]=2026-10_aff1&metadata[affiliate_id]=aff1&metadata[period]=2026-10',
		);
		expect(second.body).toBe(
			'amount=500&currency=jpy&destination=acct_2Ready&transfer_group=payout-2026-10-usd&description=Affiliate%20commission%202026-10' +
				'&metadata[item_id]=2026-10_aff2&metadata[affiliate_id]=aff2&metadata[period]=2026-10',
		);
		expect(first.headers['idempotency-key']).toBe('payout-2026-10-usd:2026-10_aff1');
		expect(second.headers['idempotency-key']).toBe('payout-2026-10-usd:2026-10_aff2');
		expect(first.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
		expect(sim.transfers[0].metadata).toEqual({ item_id: '2026-10_aff1', affiliate_id: 'aff1', period: '2026-10' });
		// Each destination account is checked once, before its first transfer.
		expect(sim.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
			'GET /v1/accounts/acct_1Ready',
			'POST /v1/transfers',
			'GET /v1/accounts/acct_2Ready',
			'POST /v1/transfers',
		]);
	});

	it('counts amounts as Stripe does', () => {
		expect(stripeAmount('12.5', 'USD')).toBe(1250n);
		expect(stripeAmount('500', 'JPY')).toBe(500n);
		expect(stripeAmount('500', 'HUF')).toBe(50000n); // whole forints, written with two decimals
		expect(stripeAmount('1000', 'ISK')).toBe(100000n);
		expect(stripeAmount('1.23', 'KWD')).toBe(1230n);
		expect(() => stripeAmount('1.5', 'HUF')).toThrow(PayoutBatchInvalid);
		expect(() => stripeAmount('1.234', 'KWD')).toThrow(/third decimal/);
		expect(() => stripeAmount('1.005', 'USD')).toThrow(/more decimals/);
		expect(() => stripeAmount('5', 'XYZ')).toThrow(/not an ISO 4217/);
	});

	it('refuses a receiver that is not an acct_ id before any call', async () => {
		await expect(stripe.submit(config, batchOf([line(1, { receiver: 'affiliate@example.com' })]), recordingDeps())).rejects.toThrow(
			/not a Stripe connected account id/,
		);
		expect(sim.requests).toHaveLength(0);
	});
});

describe('per-line outcomes', () => {
	it('a destination not ready for payouts fails its line (account_not_ready) and the others are paid', async () => {
		const result = await stripe.submit(
			config,
			batchOf([line(1), line(2, { receiver: 'acct_3Onboarding' }), line(3, { receiver: 'acct_9Missing' }), line(4)]),
			recordingDeps(),
		);
		expect(result.items.map((item) => [item.itemId, item.state, item.code])).toEqual([
			['2026-10_aff1', 'paid', undefined],
			['2026-10_aff2', 'failed', 'account_not_ready'],
			['2026-10_aff3', 'failed', 'account_not_ready'],
			['2026-10_aff4', 'paid', undefined],
		]);
		expect(result.items[1].reason).toMatch(/payouts_enabled false, transfers capability inactive, requirements.past_due.*finish Stripe onboarding/);
		expect(result.items[2].reason).toMatch(/resource_missing: No such account/);
		expect(transferPosts().map((request) => request.headers['idempotency-key'])).toEqual([
			'payout-2026-10-usd:2026-10_aff1',
			'payout-2026-10-usd:2026-10_aff4',
		]);
	});

	it('the account check can be turned off', async () => {
		await stripe.submit({ ...config, checkDestinationAccounts: false }, batchOf([line(1)]), recordingDeps());
		expect(sim.requests.map((request) => request.path)).toEqual(['/v1/transfers']);
	});

	it('balance_insufficient fails that line, and the batch goes on', async () => {
		sim.balance = 2000;
		const result = await stripe.submit(config, batchOf([line(1, { amount: '15' }), line(2, { amount: '10' }), line(3, { amount: '5' })]), recordingDeps());
		expect(result.items.map((item) => [item.state, item.code])).toEqual([
			['paid', undefined],
			['failed', 'balance_insufficient'],
			['paid', undefined],
		]);
		expect(result.items[1].reason).toMatch(
			/^Stripe refused the transfer \(400 invalid_request_error\/balance_insufficient: .*\(request req_\d+\)\)\. Add funds to the Stripe balance/,
		);
	});

	it('submitting the same batch again replays the same transfers (nobody is paid twice)', async () => {
		const deps = recordingDeps();
		const batch = batchOf([line(1), line(2)]);
		const first = await stripe.submit(config, batch, deps);
		const second = await stripe.submit(config, batch, deps);
		expect(second).toEqual(first);
		expect(sim.transfers).toHaveLength(2);
	});

	it('idempotency_error (same key, changed parameters) is PayoutRequestRejected with what was done so far', async () => {
		const deps = recordingDeps();
		await stripe.submit(config, batchOf([line(1), line(2)]), deps);
		const changed = batchOf([line(0), line(1), line(2, { amount: '99' })]);
		const error = (await stripe.submit(config, changed, deps).catch((e: unknown) => e)) as PayoutRequestRejected;
		expect(error).toBeInstanceOf(PayoutRequestRejected);
		expect(error).toMatchObject({ provider: 'stripe', status: 400, errorName: 'idempotency_error' });
		expect(error.message).toMatch(/Stripe refused the transfer for item 2026-10_aff2 of batch payout-2026-10-usd .*batch changed after it was first submitted/);
		expect(error.partial?.map((item) => [item.itemId, item.state, item.providerItemId])).toEqual([
			['2026-10_aff0', 'paid', 'tr_0003'],
			['2026-10_aff1', 'paid', 'tr_0001'],
		]);
		expect(sim.transfers).toHaveLength(3);
	});

	it('retries 429, 409 and 503 with backoff and the same key and body every time', async () => {
		const deps = recordingDeps();
		sim.faults.push(
			{
				method: 'POST',
				path: /^\/v1\/transfers$/,
				result: {
					status: 429,
					headers: { 'retry-after': '2' },
					body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' } },
				},
			},
			{
				method: 'POST',
				path: /^\/v1\/transfers$/,
				result: {
					status: 409,
					body: {
						error: {
							type: 'idempotency_error',
							code: 'idempotency_key_in_use',
							message: 'There is currently another in-progress request using this Idempotent Key',
						},
					},
				},
			},
			{ method: 'POST', path: /^\/v1\/transfers$/, result: { status: 503, body: { error: { type: 'api_error', message: 'Service unavailable' } } } },
		);
		const result = await stripe.submit(config, batchOf([line(1)]), deps);
		expect(result.items).toEqual([{ itemId: '2026-10_aff1', state: 'paid', providerItemId: 'tr_0001', providerStatus: 'transferred' }]);
		expect(transferPosts()).toHaveLength(4);
		expect(new Set(transferPosts().map((request) => `${request.headers['idempotency-key']}|${request.body}`)).size).toBe(1);
		expect(deps.sleeps).toEqual([2000, 500, 1000]);
	});

	it('no answer until the retries run out (or a timeout) makes that line unknown, not failed', async () => {
		const deps = recordingDeps({ timeoutMs: 150, maxAttempts: 2 });
		sim.faults.push(
			{ method: 'POST', path: /^\/v1\/transfers$/, result: 'hang' },
			{ method: 'POST', path: /^\/v1\/transfers$/, result: { status: 500, body: { error: { type: 'api_error', message: 'oops' } } } },
		);
		const result = await stripe.submit(config, batchOf([line(1), line(2)]), deps);
		expect(result.items.map((item) => [item.state, item.code])).toEqual([
			['unknown', 'no_answer'],
			['paid', undefined],
		]);
		expect(result.items[0].reason).toMatch(/after 2 attempts \(last: Stripe answered 500 api_error: oops\)/);
	});

	it('Stripe-Should-Retry: false stops the retries', async () => {
		const deps = recordingDeps();
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/transfers$/,
			result: { status: 500, headers: { 'stripe-should-retry': 'false' }, body: { error: { type: 'api_error', message: 'replayed failure' } } },
		});
		const result = await stripe.submit(config, batchOf([line(1)]), deps);
		expect(result.items[0]).toMatchObject({ state: 'failed', code: 'api_error' });
		expect(deps.sleeps).toEqual([]);
	});
});

describe('lookup by transfer_group', () => {
	it('pages through the group and matches metadata[item_id]; reversed is returned; absent is unknown not_found, never failed (its call may be in flight)', async () => {
		const deps = recordingDeps();
		const lines = Array.from({ length: 230 }, (_, i) => line(i, { receiver: i % 2 ? 'acct_1Ready' : 'acct_2Ready', amount: '1' }));
		const batch = batchOf(lines);
		await stripe.submit({ ...config, checkDestinationAccounts: false }, batch, deps);
		// Transfers of another group never count.
		await stripe.submit({ ...config, checkDestinationAccounts: false }, batchOf([line(500)], 'payout-2026-09-usd'), deps);
		Object.assign(sim.transfers[3], { amount_reversed: 100, reversed: true });
		Object.assign(sim.transfers[4], { amount_reversed: 40 });
		const extra = [line(900), line(901)];
		const result = await stripe.lookup(config, { ...batch, lines: [...lines, ...extra] }, deps, { inFlightItemIds: ['2026-10_aff901'] });

		const lists = sim.requestsTo('GET', /^\/v1\/transfers$/);
		expect(lists.map((request) => request.query.toString())).toEqual([
			'transfer_group=payout-2026-10-usd&limit=100',
			'transfer_group=payout-2026-10-usd&limit=100&starting_after=tr_0131',
			'transfer_group=payout-2026-10-usd&limit=100&starting_after=tr_0031',
		]);
		expect(result.found).toBe(true);
		expect(result.items).toHaveLength(232);
		expect(result.items[0]).toEqual({ itemId: '2026-10_aff0', state: 'paid', providerItemId: 'tr_0001', providerStatus: 'transferred' });
		expect(result.items[3]).toMatchObject({ state: 'returned', providerStatus: 'reversed', code: 'transfer_reversed' });
		expect(result.items[4]).toMatchObject({ state: 'paid', providerStatus: 'partially_reversed', reason: '40 of 100 (minor units) reversed' });
		expect(result.items[230]).toMatchObject({ itemId: '2026-10_aff900', state: 'unknown', code: 'not_found' });
		expect(result.items[231]).toMatchObject({ itemId: '2026-10_aff901', state: 'unknown', code: 'in_flight' });
	});

	it('a group with no transfers is found: false', async () => {
		const result = await stripe.lookup(config, batchOf([line(1)]), recordingDeps());
		expect(result).toEqual({
			found: false,
			items: [
				{
					itemId: '2026-10_aff1',
					state: 'unknown',
					code: 'not_found',
					reason:
						'No transfer in group payout-2026-10-usd carries this item yet: not paid so far, and its call may still be in flight (the next Pay run sends it again under the same idempotency key)',
				},
			],
		});
	});

	it('two transfers for one item are flagged', async () => {
		const deps = recordingDeps();
		await stripe.submit(config, batchOf([line(1)]), deps);
		sim.transfers.push({ ...sim.transfers[0], id: 'tr_dup' });
		const result = await stripe.lookup(config, batchOf([line(1)]), deps);
		expect(result.items[0]).toMatchObject({ state: 'paid', code: 'multiple_transfers' });
		expect(result.items[0].reason).toMatch(/2 transfers carry this item \(tr_dup, tr_0001\)/);
	});
});

describe('credentials and secrets', () => {
	it('testCredentials reads the balance', async () => {
		await stripe.testCredentials(config, recordingDeps());
		expect(sim.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1/balance']);
	});

	it('a wrong key, a publishable key or a refused transfer never shows the key', async () => {
		const wrongKey = 'sk_test_51WrongKeyWrongKeyWrongKey987654';
		const errors: unknown[] = [];
		errors.push(await stripe.testCredentials({ ...config, secretKey: wrongKey }, recordingDeps()).catch((e: unknown) => e));
		errors.push(await stripe.testCredentials({ ...config, secretKey: 'pk_test_51Publishable' }, recordingDeps()).catch((e: unknown) => e));
		errors.push(await stripe.submit({ ...config, secretKey: wrongKey }, batchOf([line(1)]), recordingDeps()).catch((e: unknown) => e));
		errors.push(
			await stripe.submit({ ...config, secretKey: wrongKey, checkDestinationAccounts: false }, batchOf([line(1)]), recordingDeps()).catch((e: unknown) => e),
		);
		// A server that echoes the full key in a line failure.
		sim.faults.push({
			method: 'POST',
			path: /^\/v1\/transfers$/,
			result: { status: 400, body: { error: { type: 'invalid_request_error', code: 'x', message: `bad ${SECRET_KEY}` } } },
		});
		const lineFailure = await stripe.submit(config, batchOf([line(1)]), recordingDeps());
		expect((errors[0] as Error).message).toMatch(/^Stripe refused the key \(401 invalid_request_error: Invalid API Key provided: \[redacted\]/);
		expect((errors[0] as Error).message).toContain('Check the Stripe secret key');
		expect((errors[1] as Error).message).toMatch(/publishable key/);
		expect(errors[2]).toBeInstanceOf(PayoutRequestRejected);
		expect(errors[3]).toBeInstanceOf(PayoutRequestRejected);
		for (const text of [...errors.map(allText), JSON.stringify(lineFailure)]) {
			expect(text).not.toContain(wrongKey);
			expect(text).not.toContain(SECRET_KEY);
			expect(text).not.toMatch(/sk_test_51\w/);
			expect(text).not.toContain(wrongKey.slice(-4));
		}
	});
});

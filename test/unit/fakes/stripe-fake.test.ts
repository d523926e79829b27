/** The Stripe Connect fake refuses what Stripe refuses, in Stripe's shapes, replays idempotent answers, and moves money only once. */
import { STRIPE_FAKE_SECRET_KEY as KEY, type StripeFake, type StripeFakeOptions, parseStripeParams, redactKey, startStripeFake } from '../../fakes/stripe';

const START = new Date('2026-11-21T12:00:00Z');
const HOUR = 60 * 60 * 1000;
const ACCOUNT = 'acct_1AffiliateOne000';

let now: Date;
let fake: StripeFake;
let running = false;

async function start(options: StripeFakeOptions = {}) {
	now = new Date(START);
	fake = await startStripeFake({ now: () => now, balance: { usd: 100_000 }, accounts: [{ id: ACCOUNT }], ...options });
	running = true;
}
afterEach(async () => {
	if (running) await fake.close();
	running = false;
});

interface Call {
	method?: string;
	form?: Record<string, string> | string;
	headers?: Record<string, string>;
	authorization?: string | null;
	signal?: AbortSignal;
}

async function call(path: string, { method = 'GET', form, headers = {}, authorization = `Bearer ${KEY}`, signal }: Call = {}) {
	const body = form === undefined ? undefined : typeof form === 'string' ? form : new URLSearchParams(form).toString();
	const response = await fetch(`${fake.url}${path}`, {
		method,
		headers: {
			...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
			...(authorization === null ? {} : { authorization }),
			...headers,
		},
		body,
		signal,
	});
	return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const transferForm = (overrides: Record<string, string> = {}) => ({
	amount: '1250',
	currency: 'usd',
	destination: ACCOUNT,
	transfer_group: 'payout-2026-10',
	'metadata[affiliate_id]': 'aff-1',
	'metadata[period]': '2026-10',
	...overrides,
});
const transfer = (overrides: Record<string, string> = {}, extra: Call = {}) =>
	call('/v1/transfers', { method: 'POST', form: transferForm(overrides), ...extra });
const withKey = (key: string) => ({ headers: { 'idempotency-key': key } });

/** Every Stripe error: { error: { type, message, code?, param?, doc_url? } } and a Request-Id header. */
function expectStripeError(response: { status: number; headers: Headers; body: any }, status: number, type: string, code?: string, param?: string) {
	expect(response.status).toBe(status);
	expect(Object.keys(response.body)).toEqual(['error']);
	expect(response.body.error.type).toBe(type);
	expect(typeof response.body.error.message).toBe('string');
	expect(response.body.error.code).toBe(code);
	expect(response.body.error.param).toBe(param);
	if (code) expect(response.body.error.doc_url).toMatch(/^https:\/\/docs\.stripe\.com\/error-codes\//);
	expect(response.headers.get('request-id')).toMatch(/^req_/);
}

describe('Stripe fake: authentication', () => {
	beforeEach(() => start());

	it('accepts the secret key as Bearer or as the Basic user name', async () => {
		const viaBearer = await call('/v1/balance');
		expect(viaBearer.status).toBe(200);
		expect(viaBearer.headers.get('request-id')).toMatch(/^req_/);
		const viaBasic = await call('/v1/balance', { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` });
		expect(viaBasic.status).toBe(200);
		expect(viaBasic.body).toEqual({
			object: 'balance',
			available: [{ amount: 100_000, currency: 'usd', source_types: { card: 100_000 } }],
			pending: [expect.objectContaining({ amount: 0, currency: 'usd' })],
			livemode: false,
		});
	});

	it('refuses a missing or wrong key with 401 and never echoes the whole key', async () => {
		expectStripeError(await call('/v1/balance', { authorization: null }), 401, 'invalid_request_error');
		const wrongKey = 'sk_test_51WrongKeyThatIsSecret9876';
		const wrong = await transfer({}, { authorization: `Bearer ${wrongKey}` });
		expectStripeError(wrong, 401, 'invalid_request_error');
		expect(wrong.body.error.message).toMatch(/^Invalid API Key provided: sk_test_\*+9876$/);
		expect(JSON.stringify(wrong.body)).not.toContain(wrongKey);
		const wrongBasic = await call('/v1/balance', { authorization: `Basic ${Buffer.from(`${wrongKey}:`).toString('base64')}` });
		expect(wrongBasic.status).toBe(401);
		expect(fake.transfers()).toEqual([]);
		expect(redactKey('sk_live_abcdefgh1234')).toBe('sk_live_********1234');
	});
});

describe('Stripe fake: transfers', () => {
	beforeEach(() => start());

	it('creates a transfer, answers the transfer object, and takes it off the balance', async () => {
		const created = await transfer({ description: 'October commissions' });
		expect(created.status).toBe(200);
		expect(created.headers.get('request-id')).toMatch(/^req_/);
		expect(created.body).toEqual(
			expect.objectContaining({
				id: expect.stringMatching(/^tr_/),
				object: 'transfer',
				amount: 1250,
				amount_reversed: 0,
				currency: 'usd',
				destination: ACCOUNT,
				transfer_group: 'payout-2026-10',
				description: 'October commissions',
				metadata: { affiliate_id: 'aff-1', period: '2026-10' },
				reversed: false,
				livemode: false,
				created: Math.floor(START.getTime() / 1000),
				reversals: expect.objectContaining({ object: 'list', data: [], total_count: 0 }),
			}),
		);
		expect(fake.balance()).toEqual({ usd: 100_000 - 1250 });
		expect(fake.transfers()).toEqual([
			expect.objectContaining({
				id: created.body.id,
				amount: 1250,
				currency: 'usd',
				currencyAsSent: 'usd',
				destination: ACCOUNT,
				transferGroup: 'payout-2026-10',
				metadata: { affiliate_id: 'aff-1', period: '2026-10' },
			}),
		]);
	});

	it('refuses amounts that are not positive integers in minor units', async () => {
		const decimal = await transfer({ amount: '12.50' });
		expectStripeError(decimal, 400, 'invalid_request_error', 'parameter_invalid_integer', 'amount');
		expect(decimal.body.error.message).toContain('12.50');
		expectStripeError(await transfer({ amount: '0' }), 400, 'invalid_request_error', 'parameter_invalid_integer', 'amount');
		expectStripeError(await transfer({ amount: '-100' }), 400, 'invalid_request_error', 'parameter_invalid_integer', 'amount');
		expectStripeError(await transfer({ amount: '100000000' }), 400, 'invalid_request_error', 'amount_too_large', 'amount');
		const { amount: _amount, ...withoutAmount } = transferForm();
		expectStripeError(await call('/v1/transfers', { method: 'POST', form: withoutAmount }), 400, 'invalid_request_error', 'parameter_missing', 'amount');
		expect(fake.transfers()).toEqual([]);
		expect(fake.balance()).toEqual({ usd: 100_000 });
	});

	it('takes the currency in either case, answers it lower case, and keeps what was sent', async () => {
		const upper = await transfer({ currency: 'USD' });
		expect(upper.status).toBe(200);
		expect(upper.body.currency).toBe('usd');
		expect(fake.transfers()[0]).toEqual(expect.objectContaining({ currency: 'usd', currencyAsSent: 'USD' }));
		expectStripeError(await transfer({ currency: 'usdollars' }), 400, 'invalid_request_error', undefined, 'currency');
		const { currency: _currency, ...withoutCurrency } = transferForm();
		expectStripeError(await call('/v1/transfers', { method: 'POST', form: withoutCurrency }), 400, 'invalid_request_error', 'parameter_missing', 'currency');
	});

	it('refuses an unknown destination and an account without the transfers capability; payouts_enabled does not block a transfer', async () => {
		expectStripeError(await transfer({ destination: 'acct_unknown' }), 400, 'invalid_request_error', 'resource_missing', 'destination');
		const { destination: _destination, ...withoutDestination } = transferForm();
		expectStripeError(
			await call('/v1/transfers', { method: 'POST', form: withoutDestination }),
			400,
			'invalid_request_error',
			'parameter_missing',
			'destination',
		);
		fake.addAccount({ id: 'acct_inactive', transfersCapability: 'inactive' });
		const inactive = await transfer({ destination: 'acct_inactive' });
		expectStripeError(inactive, 400, 'invalid_request_error', 'insufficient_capabilities_for_transfer', 'destination');
		expect(inactive.body.error.message).toMatch(/transfers capability/);
		expect(fake.transfers()).toEqual([]);

		fake.addAccount({ id: 'acct_nopayouts', payoutsEnabled: false });
		expect((await transfer({ destination: 'acct_nopayouts' })).status).toBe(200);
	});

	it('refuses a transfer the platform balance cannot cover with balance_insufficient', async () => {
		fake.setBalance({ usd: 1000, eur: 5000 });
		const short = await transfer({ amount: '1001' });
		expectStripeError(short, 400, 'invalid_request_error', 'balance_insufficient');
		expect(fake.transfers()).toEqual([]);
		expect(fake.balance()).toEqual({ usd: 1000, eur: 5000 });
		expectStripeError(await transfer({ amount: '10', currency: 'gbp' }), 400, 'invalid_request_error', 'balance_insufficient');
		expect((await transfer({ amount: '1000' })).status).toBe(200);
		expect(fake.balance().usd).toBe(0);
	});

	it('refuses unknown parameters and bad metadata, and reads only form bodies', async () => {
		expectStripeError(await transfer({ recipient: 'x' }), 400, 'invalid_request_error', 'parameter_unknown', 'recipient');
		const longKey = await transfer({ [`metadata[${'k'.repeat(41)}]`]: 'v' });
		expectStripeError(longKey, 400, 'invalid_request_error', undefined, `metadata[${'k'.repeat(41)}]`);
		expectStripeError(await transfer({ 'metadata[note]': 'v'.repeat(501) }), 400, 'invalid_request_error', undefined, 'metadata[note]');
		const json = await fetch(`${fake.url}/v1/transfers`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ amount: 100, currency: 'usd', destination: ACCOUNT }),
		});
		const jsonBody = (await json.json()) as any;
		expect(json.status).toBe(400);
		expect(jsonBody.error).toEqual(expect.objectContaining({ code: 'parameter_missing', param: 'amount' }));
		expect(fake.transfers()).toEqual([]);
	});

	it('reads a transfer by id and lists them newest first by transfer_group, with cursors', async () => {
		const ids: string[] = [];
		for (let index = 0; index < 5; index++)
			ids.push((await transfer({ amount: String(100 + index), transfer_group: index < 4 ? 'group-a' : 'group-b' })).body.id);
		const one = await call(`/v1/transfers/${ids[2]}`);
		expect(one.body).toEqual(expect.objectContaining({ id: ids[2], amount: 102 }));
		expectStripeError(await call('/v1/transfers/tr_missing'), 404, 'invalid_request_error', 'resource_missing', 'id');

		const first = await call('/v1/transfers?transfer_group=group-a&limit=2');
		expect(first.body).toEqual({
			object: 'list',
			data: [expect.objectContaining({ id: ids[3] }), expect.objectContaining({ id: ids[2] })],
			has_more: true,
			url: '/v1/transfers',
		});
		const next = await call(`/v1/transfers?transfer_group=group-a&limit=2&starting_after=${ids[2]}`);
		expect(next.body.data.map((entry: any) => entry.id)).toEqual([ids[1], ids[0]]);
		expect(next.body.has_more).toBe(false);
		const back = await call(`/v1/transfers?transfer_group=group-a&limit=1&ending_before=${ids[1]}`);
		expect(back.body.data.map((entry: any) => entry.id)).toEqual([ids[2]]);
		expect((await call(`/v1/transfers?destination=${ACCOUNT}`)).body.data).toHaveLength(5);

		expectStripeError(await call('/v1/transfers?limit=101'), 400, 'invalid_request_error', 'parameter_invalid_integer', 'limit');
		expectStripeError(await call('/v1/transfers?starting_after=tr_missing'), 400, 'invalid_request_error', 'resource_missing', 'starting_after');
		expectStripeError(await call('/v1/transfers?group=x'), 400, 'invalid_request_error', 'parameter_unknown', 'group');
	});

	it('reverses partially, repeatedly, up to the amount and no further, giving the money back', async () => {
		const created = await transfer({ amount: '1000' });
		const id = created.body.id;
		const partial = await call(`/v1/transfers/${id}/reversals`, { method: 'POST', form: { amount: '300' } });
		expect(partial.status).toBe(200);
		expect(partial.body).toEqual(
			expect.objectContaining({ id: expect.stringMatching(/^trr_/), object: 'transfer_reversal', amount: 300, currency: 'usd', transfer: id }),
		);
		expect(fake.balance().usd).toBe(100_000 - 700);
		const shown = await call(`/v1/transfers/${id}`);
		expect(shown.body).toEqual(expect.objectContaining({ amount_reversed: 300, reversed: false }));
		expect(shown.body.reversals.data).toHaveLength(1);

		const tooMuch = await call(`/v1/transfers/${id}/reversals`, { method: 'POST', form: { amount: '701' } });
		expectStripeError(tooMuch, 400, 'invalid_request_error', undefined, 'amount');
		const rest = await call(`/v1/transfers/${id}/reversals`, { method: 'POST' });
		expect(rest.body.amount).toBe(700);
		expect(fake.transfers()[0]).toEqual(expect.objectContaining({ amountReversed: 1000, reversed: true }));
		expect(fake.balance().usd).toBe(100_000);
		expectStripeError(await call(`/v1/transfers/${id}/reversals`, { method: 'POST', form: { amount: '1' } }), 400, 'invalid_request_error');
		expectStripeError(await call('/v1/transfers/tr_missing/reversals', { method: 'POST' }), 404, 'invalid_request_error', 'resource_missing', 'id');
		expect((await call(`/v1/transfers/${id}/reversals`)).body.data.map((entry: any) => entry.amount)).toEqual([700, 300]);
	});

	it('shows connected accounts with payouts_enabled and the transfers capability', async () => {
		fake.addAccount({ id: 'acct_pending', payoutsEnabled: false, transfersCapability: 'pending' });
		const active = await call(`/v1/accounts/${ACCOUNT}`);
		expect(active.body).toEqual(expect.objectContaining({ id: ACCOUNT, object: 'account', payouts_enabled: true, capabilities: { transfers: 'active' } }));
		const pending = await call('/v1/accounts/acct_pending');
		expect(pending.body).toEqual(expect.objectContaining({ payouts_enabled: false, capabilities: { transfers: 'pending' } }));
		const unknown = await call('/v1/accounts/acct_nobody');
		expectStripeError(unknown, 403, 'invalid_request_error', 'account_invalid');
		expect(unknown.body.error.message).not.toContain(KEY);
		expectStripeError(await call('/v1/charges'), 404, 'invalid_request_error');
	});
});

describe('Stripe fake: idempotency', () => {
	beforeEach(() => start());

	it('replays the first answer for the same key and parameters, moving money once', async () => {
		const first = await transfer({}, withKey('payout-aff-1-2026-10'));
		// Parameter order does not matter.
		const reordered = Object.fromEntries(Object.entries(transferForm()).reverse());
		const replay = await call('/v1/transfers', { method: 'POST', form: reordered, ...withKey('payout-aff-1-2026-10') });
		expect(replay.status).toBe(200);
		expect(replay.body).toEqual(first.body);
		expect(replay.headers.get('idempotent-replayed')).toBe('true');
		expect(replay.headers.get('original-request')).toBe(first.headers.get('request-id'));
		expect(replay.headers.get('request-id')).not.toBe(first.headers.get('request-id'));
		expect(first.headers.get('idempotent-replayed')).toBeNull();
		expect(first.headers.get('idempotency-key')).toBe('payout-aff-1-2026-10');
		expect(fake.transfers()).toHaveLength(1);
		expect(fake.transfers()[0].idempotencyKey).toBe('payout-aff-1-2026-10');
		expect(fake.balance().usd).toBe(100_000 - 1250);
	});

	it('refuses the same key with other parameters or on another endpoint', async () => {
		await transfer({}, withKey('key-1'));
		const changed = await transfer({ amount: '1251' }, withKey('key-1'));
		expectStripeError(changed, 400, 'idempotency_error');
		expect(changed.body.error.message).toMatch(/same parameters/);
		const elsewhere = await call(`/v1/transfers/${fake.transfers()[0].id}/reversals`, { method: 'POST', ...withKey('key-1') });
		expectStripeError(elsewhere, 400, 'idempotency_error');
		expect(fake.transfers()).toHaveLength(1);
		expect(fake.transfers()[0].amountReversed).toBe(0);
	});

	it('takes keys up to 255 characters and forgets them after 24 hours', async () => {
		expectStripeError(await transfer({}, withKey('k'.repeat(256))), 400, 'invalid_request_error');
		expect(fake.transfers()).toEqual([]);
		const key = 'k'.repeat(255);
		const first = await transfer({}, withKey(key));
		expect(first.status).toBe(200);
		now = new Date(START.getTime() + 23 * HOUR);
		expect((await transfer({}, withKey(key))).body.id).toBe(first.body.id);
		now = new Date(START.getTime() + 24 * HOUR);
		const later = await transfer({}, withKey(key));
		expect(later.headers.get('idempotent-replayed')).toBeNull();
		expect(later.body.id).not.toBe(first.body.id);
		expect(fake.transfers()).toHaveLength(2);
	});

	it('replays an execution error (balance_insufficient) but not a parameter error', async () => {
		fake.setBalance({ usd: 100 });
		const short = await transfer({}, withKey('short-1'));
		expect(short.body.error.code).toBe('balance_insufficient');
		fake.setBalance({ usd: 100_000 });
		const replayed = await transfer({}, withKey('short-1'));
		expect(replayed.status).toBe(400);
		expect(replayed.body).toEqual(short.body);
		expect(replayed.headers.get('idempotent-replayed')).toBe('true');

		const invalidFirst = await transfer({ amount: '12.50' }, withKey('fixable-1'));
		expect(invalidFirst.body.error.code).toBe('parameter_invalid_integer');
		const fixed = await transfer({}, withKey('fixable-1'));
		expect(fixed.status).toBe(200);
		expect(fake.transfers()).toHaveLength(1);
	});

	it('a 500 is remembered for its key and replayed; the transfer was never made', async () => {
		fake.failNext(1);
		const failed = await transfer({}, withKey('five-hundred'));
		expectStripeError(failed, 500, 'api_error');
		const replay = await transfer({}, withKey('five-hundred'));
		expect(replay.status).toBe(500);
		expect(replay.body).toEqual(failed.body);
		expect(replay.headers.get('idempotent-replayed')).toBe('true');
		expect(fake.transfers()).toEqual([]);
		// A new key executes.
		expect((await transfer({}, withKey('five-hundred-retry'))).status).toBe(200);
	});

	it('failNext afterApplying makes the transfer, answers 500, and the key replays that 500', async () => {
		fake.failNext(1, { afterApplying: true });
		const lost = await transfer({}, withKey('lost-1'));
		expectStripeError(lost, 500, 'api_error');
		expect(fake.transfers()).toEqual([expect.objectContaining({ amount: 1250, destination: ACCOUNT, idempotencyKey: 'lost-1' })]);
		expect(fake.balance().usd).toBe(100_000 - 1250);
		const replay = await transfer({}, withKey('lost-1'));
		expect(replay.status).toBe(500);
		expect(replay.headers.get('idempotent-replayed')).toBe('true');
		expect(fake.transfers()).toHaveLength(1);
		// The way to find out: list by transfer group.
		const listed = await call('/v1/transfers?transfer_group=payout-2026-10');
		expect(listed.body.data.map((entry: any) => entry.id)).toEqual([fake.transfers()[0].id]);
	});

	it('429 and 503 are not remembered: a retry with the same key executes', async () => {
		fake.failNext(1, { status: 429, retryAfterSeconds: 2 });
		fake.failNext(1, { status: 503 });
		const limited = await transfer({}, withKey('busy-1'));
		expectStripeError(limited, 429, 'invalid_request_error', 'rate_limit');
		expect(limited.headers.get('retry-after')).toBe('2');
		expectStripeError(await transfer({}, withKey('busy-1')), 503, 'api_error');
		expect((await transfer({}, withKey('busy-1'))).status).toBe(200);
		expect(fake.transfers()).toHaveLength(1);
	});

	it('a key whose first request is still in progress gets 409; once answered it replays', async () => {
		fake.hangNext(1);
		await expect(transfer({}, { ...withKey('slow-1'), signal: AbortSignal.timeout(300) })).rejects.toThrow();
		expect(fake.transfers()).toHaveLength(1);
		const busy = await transfer({}, withKey('slow-1'));
		expectStripeError(busy, 409, 'idempotency_error', 'idempotency_key_in_use');
		fake.releaseHung();
		const replay = await transfer({}, withKey('slow-1'));
		expect(replay.status).toBe(200);
		expect(replay.body.id).toBe(fake.transfers()[0].id);
		expect(replay.headers.get('idempotent-replayed')).toBe('true');
		expect(fake.transfers()).toHaveLength(1);
	});

	it('hangNext beforeApplying holds the request before it executes: nothing listed, the key busy, then one transfer', async () => {
		fake.hangNext(1, { beforeApplying: true });
		const pending = transfer({}, withKey('held-1'));
		// Wait until the fake has the request (it is recorded on arrival).
		while (!fake.requests.some((request) => request.method === 'POST')) await new Promise((resolve) => setTimeout(resolve, 5));
		expect(fake.transfers()).toHaveLength(0);
		expect((await call('/v1/transfers?transfer_group=payout-2026-10')).body.data).toEqual([]);
		expectStripeError(await transfer({}, withKey('held-1')), 409, 'idempotency_error', 'idempotency_key_in_use');
		fake.releaseHung();
		const answer = await pending;
		expect(answer.status).toBe(200);
		expect(fake.transfers().map((made) => made.id)).toEqual([answer.body.id]);
		const replay = await transfer({}, withKey('held-1'));
		expect(replay.body.id).toBe(answer.body.id);
		expect(replay.headers.get('idempotent-replayed')).toBe('true');
		expect(fake.transfers()).toHaveLength(1);
	});

	it('hangNext with answerAfterMs answers late with the real answer', async () => {
		fake.hangNext(1, { answerAfterMs: 200 });
		const started = Date.now();
		const late = await transfer();
		expect(Date.now() - started).toBeGreaterThanOrEqual(150);
		expect(late.body.id).toBe(fake.transfers()[0].id);
	});

	it('GETs ignore idempotency keys and faults unless asked', async () => {
		fake.failNext(1);
		expect((await call('/v1/balance', withKey('k'))).status).toBe(200);
		expect((await transfer()).status).toBe(500);
		fake.failNext(1, { on: 'any', status: 503 });
		expect((await call('/v1/balance')).status).toBe(503);
	});
});

describe('Stripe fake: form parsing', () => {
	it('parses bracket keys into hashes and arrays', () => {
		expect(parseStripeParams('amount=100&metadata%5Baffiliate_id%5D=aff-1&metadata[period]=2026-10&expand[]=a&expand[]=b')).toEqual({
			amount: '100',
			metadata: { affiliate_id: 'aff-1', period: '2026-10' },
			expand: ['a', 'b'],
		});
		expect(parseStripeParams('a[b][c]=1')).toEqual({ a: { b: { c: '1' } } });
		expect(() => parseStripeParams('metadata=x&metadata[a]=1')).toThrow(/Invalid hash/);
	});
});

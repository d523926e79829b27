/** The PayPal Payouts fake refuses what PayPal refuses, in PayPal's shapes (checked against our description of its fields and limits), and pays what it accepts. */
import { type SchemaDocument, validateQuery, validateSchema } from '../../fakes/openapi';
import {
	PAYPAL_FAKE_CLIENT_ID as CLIENT_ID,
	PAYPAL_FAKE_CLIENT_SECRET as SECRET,
	type PayPalFake,
	type PayPalFakeOptions,
	startPayPalFake,
} from '../../fakes/paypal';
import { PAYPAL_PAYOUTS_SCHEMA } from '../../fakes/paypal-schema';

const START = new Date('2026-11-21T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
/** Problems of `value` against one of our PayPal schemas in ../../fakes/paypal-schema.ts (empty when it conforms). */
const schemaProblems = (name: string, value: unknown) => validateSchema(PAYPAL_PAYOUTS_SCHEMA, { $ref: `#/schemas/${name}` }, value);

let now: Date;
let fake: PayPalFake;
let running = false;

async function start(options: PayPalFakeOptions = {}) {
	now = new Date(START);
	fake = await startPayPalFake({ now: () => now, ...options });
	running = true;
}
afterEach(async () => {
	if (running) await fake.close();
	running = false;
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function requestToken(authorization = basic(CLIENT_ID, SECRET), body = 'grant_type=client_credentials') {
	const response = await fetch(`${fake.url}/v1/oauth2/token`, {
		method: 'POST',
		headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
		body,
	});
	return { status: response.status, body: (await response.json()) as any };
}

async function bearer(): Promise<string> {
	const { body } = await requestToken();
	return body.access_token as string;
}

interface Call {
	method?: string;
	body?: unknown;
	headers?: Record<string, string>;
	token?: string | null;
	signal?: AbortSignal;
}

async function call(path: string, { method = 'GET', body, headers = {}, token, signal }: Call = {}) {
	const auth = token === null ? {} : { authorization: `Bearer ${token ?? (await bearer())}` };
	const response = await fetch(`${fake.url}${path}`, {
		method,
		headers: { 'content-type': 'application/json', ...auth, ...headers },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
		signal,
	});
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: (text === '' ? undefined : JSON.parse(text)) as any };
}

const item = (overrides: Record<string, unknown> = {}) => ({
	recipient_type: 'EMAIL',
	amount: { value: '12.34', currency: 'USD' },
	receiver: 'affiliate-1@example.com',
	sender_item_id: 'aff-1-2026-10',
	note: 'Commission for October',
	...overrides,
});
const batch = (items: unknown[], senderBatchId = 'payout-2026-10') => ({
	sender_batch_header: { sender_batch_id: senderBatchId, email_subject: 'You have a payout' },
	items,
});
const create = (body: unknown, extra: Call = {}) => call('/v1/payments/payouts', { method: 'POST', body, ...extra });
const issues = (body: any) => (body.details ?? []).map((detail: any) => [detail.field, detail.issue]);

/** Every PayPal error: the error schema plus the fields we promise (details, information_link, links). */
function expectPayPalError(response: { status: number; headers: Headers; body: any }, status: number, name: string) {
	expect(response.status).toBe(status);
	expect(response.body.name).toBe(name);
	expect(schemaProblems('error', response.body)).toEqual([]);
	expect(typeof response.body.message).toBe('string');
	expect(response.body.debug_id).toMatch(/^[0-9a-f]{13}$/);
	expect(response.headers.get('paypal-debug-id')).toBe(response.body.debug_id);
	expect(Array.isArray(response.body.details)).toBe(true);
	expect(response.body.information_link).toMatch(/^https:\/\/developer\.paypal\.com\//);
	expect(response.body.links).toEqual(expect.arrayContaining([expect.objectContaining({ rel: 'information_link' })]));
}

describe('PayPal fake: OAuth2 token', () => {
	beforeEach(() => start());

	it('issues a bearer token for the right client credentials', async () => {
		const { status, body } = await requestToken();
		expect(status).toBe(200);
		expect(body).toEqual({
			scope: expect.stringContaining('https://uri.paypal.com/payments/payouts'),
			access_token: expect.any(String),
			token_type: 'Bearer',
			app_id: expect.any(String),
			expires_in: 32400,
			nonce: expect.any(String),
		});
		const created = await create(batch([item()]), { token: body.access_token });
		expect(created.status).toBe(201);
	});

	it('refuses wrong or missing client credentials and other grant types', async () => {
		for (const authorization of [basic(CLIENT_ID, 'wrong'), basic('someone-else', SECRET), '']) {
			const { status, body } = await requestToken(authorization);
			expect(status).toBe(401);
			expect(body).toEqual({ error: 'invalid_client', error_description: 'Client Authentication failed' });
		}
		const password = await requestToken(undefined, 'grant_type=password');
		expect(password.status).toBe(400);
		expect(password.body.error).toBe('unsupported_grant_type');
		const none = await requestToken(undefined, '');
		expect(none.status).toBe(400);
		expect(none.body.error).toBe('unsupported_grant_type');
	});

	it('refuses a missing, unknown or expired bearer with AUTHENTICATION_FAILURE', async () => {
		const missing = await create(batch([item()]), { token: null });
		expectPayPalError(missing, 401, 'AUTHENTICATION_FAILURE');
		const unknown = await create(batch([item()]), { token: 'A21AAnot-a-token' });
		expectPayPalError(unknown, 401, 'AUTHENTICATION_FAILURE');

		const token = await bearer();
		now = new Date(START.getTime() + 32399 * 1000);
		expect((await call('/v1/payments/payouts-item/NOPE', { token })).status).toBe(404);
		now = new Date(START.getTime() + 32400 * 1000);
		const expired = await call('/v1/payments/payouts-item/NOPE', { token });
		expectPayPalError(expired, 401, 'AUTHENTICATION_FAILURE');
		expect(expired.body.details[0].issue).toBe('TOKEN_EXPIRED');
		expect(fake.batches()).toEqual([]);
	});

	it('expireTokens() invalidates every issued token', async () => {
		const token = await bearer();
		fake.expireTokens();
		expectPayPalError(await create(batch([item()]), { token }), 401, 'AUTHENTICATION_FAILURE');
	});

	it('answers 403 NOT_AUTHORIZED when the app lacks the Payouts permission', async () => {
		await fake.close();
		running = false;
		await start({ payoutsPermission: false });
		expectPayPalError(await create(batch([item()])), 403, 'NOT_AUTHORIZED');
	});
});

describe('PayPal fake: create a batch', () => {
	beforeEach(() => start());

	it('accepts a valid batch with 201, PENDING, a self link, and records who is to be paid', async () => {
		const response = await create(
			batch([item(), item({ receiver: 'affiliate-2@example.com', sender_item_id: 'aff-2-2026-10', amount: { value: '5', currency: 'USD' } })]),
		);
		expect(response.status).toBe(201);
		expect(schemaProblems('createBatchResponse', response.body)).toEqual([]);
		const id = response.body.batch_header.payout_batch_id;
		expect(response.body).toEqual({
			batch_header: {
				payout_batch_id: expect.stringMatching(/^[A-Z0-9]{13}$/),
				batch_status: 'PENDING',
				sender_batch_header: { sender_batch_id: 'payout-2026-10', email_subject: 'You have a payout' },
			},
			links: [{ href: `${fake.url}/v1/payments/payouts/${id}`, rel: 'self', method: 'GET', encType: 'application/json' }],
		});
		expect(fake.paidItems()).toEqual([
			expect.objectContaining({
				payoutBatchId: id,
				senderBatchId: 'payout-2026-10',
				senderItemId: 'aff-1-2026-10',
				receiver: 'affiliate-1@example.com',
				recipientType: 'EMAIL',
				amount: '12.34',
				currency: 'USD',
				status: 'PENDING',
			}),
			expect.objectContaining({ payoutBatchId: id, senderItemId: 'aff-2-2026-10', receiver: 'affiliate-2@example.com', amount: '5', status: 'PENDING' }),
		]);
		expect(fake.batches()).toEqual([expect.objectContaining({ payoutBatchId: id, senderBatchId: 'payout-2026-10', status: 'PENDING' })]);
	});

	it('validates against the OpenAPI request schema: a missing required field', async () => {
		const { receiver: _receiver, ...withoutReceiver } = item();
		const noReceiver = await create(batch([withoutReceiver]));
		expectPayPalError(noReceiver, 400, 'INVALID_REQUEST');
		expect(noReceiver.body.message).toBe('Request is not well-formed, syntactically incorrect, or violates schema.');
		expect(issues(noReceiver.body)).toEqual([['/items/0/receiver', 'MISSING_REQUIRED_PARAMETER']]);

		const noItems = await create({ sender_batch_header: { sender_batch_id: 'x' } });
		expect(issues(noItems.body)).toEqual([['/items', 'MISSING_REQUIRED_PARAMETER']]);
		const noAmountCurrency = await create(batch([item({ amount: { value: '1.00' } })]));
		expect(issues(noAmountCurrency.body)).toEqual([['/items/0/amount/currency', 'MISSING_REQUIRED_PARAMETER']]);
		expect(fake.batches()).toEqual([]);
	});

	it('validates against the OpenAPI request schema: sender_item_id longer than 63', async () => {
		const tooLong = await create(batch([item({ sender_item_id: 'x'.repeat(64) })]));
		expectPayPalError(tooLong, 400, 'INVALID_REQUEST');
		expect(issues(tooLong.body)).toEqual([['/items/0/sender_item_id', 'INVALID_STRING_MAX_LENGTH']]);
		expect((await create(batch([item({ sender_item_id: 'x'.repeat(63) })]))).status).toBe(201);
	});

	it('validates against the OpenAPI request schema: an amount value that is not a string', async () => {
		const numeric = await create(batch([item({ amount: { value: 12.34, currency: 'USD' } })]));
		expectPayPalError(numeric, 400, 'INVALID_REQUEST');
		expect(issues(numeric.body)).toEqual([['/items/0/amount/value', 'INVALID_PARAMETER_TYPE']]);
		expect(numeric.body.details[0]).toEqual(expect.objectContaining({ location: 'body', value: '12.34' }));

		const badPurpose = await create(batch([item({ purpose: 'BRIBES' })]));
		expect(issues(badPurpose.body)).toEqual([['/items/0/purpose', 'INVALID_PARAMETER_VALUE']]);
		const longReceiver = await create(batch([item({ receiver: `${'a'.repeat(120)}@example.com` })]));
		expect(issues(longReceiver.body)).toContainEqual(['/items/0/receiver', 'INVALID_STRING_MAX_LENGTH']);
		expect(fake.batches()).toEqual([]);
	});

	it('takes 15,000 items and refuses 15,001 (and zero)', async () => {
		const many = (count: number) =>
			Array.from({ length: count }, (_, index) =>
				item({ receiver: `affiliate-${index}@example.com`, sender_item_id: `item-${index}`, amount: { value: '1.00', currency: 'USD' } }),
			);
		const tooMany = await create(batch(many(15001), 'big-1'));
		expectPayPalError(tooMany, 400, 'INVALID_REQUEST');
		expect(issues(tooMany.body)).toEqual([['/items', 'INVALID_ARRAY_MAX_ITEMS']]);
		const none = await create(batch([], 'big-0'));
		expect(issues(none.body)).toEqual([['/items', 'INVALID_ARRAY_MIN_ITEMS']]);
		expect(fake.batches()).toEqual([]);

		const limit = await create(batch(many(15000), 'big-2'));
		expect(limit.status).toBe(201);
		expect(fake.paidItems()).toHaveLength(15000);
	});

	it('checks amount decimals per currency: none for JPY, HUF and TWD, at most two otherwise', async () => {
		for (const currency of ['JPY', 'HUF', 'TWD']) {
			const decimals = await create(batch([item({ amount: { value: '1000.50', currency } })], `dec-${currency}`));
			expectPayPalError(decimals, 400, 'INVALID_REQUEST');
			expect(issues(decimals.body)).toEqual([['/items/0/amount/value', 'DECIMALS_NOT_SUPPORTED']]);
		}
		const threeDecimals = await create(batch([item({ amount: { value: '12.345', currency: 'USD' } })], 'dec-usd'));
		expect(issues(threeDecimals.body)).toEqual([['/items/0/amount/value', 'DECIMAL_PRECISION']]);
		for (const value of ['-5.00', '1e3', '12,50', '', '0.00']) {
			const bad = await create(batch([item({ amount: { value, currency: 'USD' } })], `bad-${value}`));
			expect(bad.status).toBe(400);
			expect(bad.body.details[0].field).toBe('/items/0/amount/value');
		}
		const lowerCurrency = await create(batch([item({ amount: { value: '1.00', currency: 'usd' } })], 'lower'));
		expect(issues(lowerCurrency.body)).toEqual([['/items/0/amount/currency', 'INVALID_PARAMETER_SYNTAX']]);
		const unsupported = await create(batch([item({ amount: { value: '1.00', currency: 'XYZ' } })], 'xyz'));
		expect(issues(unsupported.body)).toEqual([['/items/0/amount/currency', 'CURRENCY_NOT_SUPPORTED']]);
		expect(fake.batches()).toEqual([]);

		expect((await create(batch([item({ amount: { value: '1000', currency: 'JPY' } })], 'ok-jpy'))).status).toBe(201);
		expect((await create(batch([item({ amount: { value: '12.5', currency: 'EUR' } })], 'ok-eur'))).status).toBe(201);
	});

	it('refuses an item above 20,000 USD with 422 and takes exactly 20,000', async () => {
		const over = await create(batch([item({ amount: { value: '20000.01', currency: 'USD' } })], 'big-usd'));
		expectPayPalError(over, 422, 'UNPROCESSABLE_ENTITY');
		expect(issues(over.body)).toEqual([['/items/0/amount/value', 'AMOUNT_LIMIT_EXCEEDED']]);
		expect((await create(batch([item({ amount: { value: '20000.00', currency: 'USD' } })], 'max-usd'))).status).toBe(201);
	});

	it('refuses PHONE recipients in sandbox mode (also when set in the batch header) and takes them live', async () => {
		const phone = item({ recipient_type: 'PHONE', receiver: '408-555-0134' });
		const sandbox = await create(batch([phone], 'phone-1'));
		expectPayPalError(sandbox, 422, 'UNPROCESSABLE_ENTITY');
		expect(issues(sandbox.body)).toEqual([['/items/0/recipient_type', 'RECIPIENT_TYPE_NOT_SUPPORTED']]);
		const { recipient_type: _type, ...untyped } = phone;
		const viaHeader = await create({ sender_batch_header: { sender_batch_id: 'phone-2', recipient_type: 'PHONE' }, items: [untyped] });
		expect(viaHeader.status).toBe(422);

		await fake.close();
		running = false;
		await start({ mode: 'live' });
		const live = await create(batch([phone], 'phone-3'));
		expect(live.status).toBe(201);
		expect(fake.paidItems()[0].recipientType).toBe('PHONE');
	});

	it('refuses a sender_item_id repeated inside a batch, a receiver that does not match its type, an unknown recipient_type', async () => {
		const duplicate = await create(batch([item(), item({ receiver: 'other@example.com' })]));
		expectPayPalError(duplicate, 400, 'INVALID_REQUEST');
		expect(issues(duplicate.body)).toEqual([['/items/1/sender_item_id', 'DUPLICATE_SENDER_ITEM_ID']]);

		const notAnEmail = await create(batch([item({ receiver: 'not-an-email' })]));
		expect(issues(notAnEmail.body)).toEqual([['/items/0/receiver', 'INVALID_RECEIVER']]);
		const badPayPalId = await create(batch([item({ recipient_type: 'PAYPAL_ID', receiver: 'someone@example.com' })]));
		expect(issues(badPayPalId.body)).toEqual([['/items/0/receiver', 'INVALID_RECEIVER']]);
		const unknownType = await create(batch([item({ recipient_type: 'IBAN' })]));
		expect(issues(unknownType.body)).toEqual([['/items/0/recipient_type', 'INVALID_PARAMETER_VALUE']]);
		expect(fake.batches()).toEqual([]);
		expect((await create(batch([item({ recipient_type: 'PAYPAL_ID', receiver: 'G83JXTJ5EHCQ2' })]))).status).toBe(201);
	});

	it('refuses a body that is not JSON', async () => {
		expectPayPalError(
			await create('sender_batch_header=x', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
			415,
			'UNSUPPORTED_MEDIA_TYPE',
		);
		const malformed = await create('{"items": [', {});
		expectPayPalError(malformed, 400, 'INVALID_REQUEST');
		expect(malformed.body.details[0].issue).toBe('MALFORMED_REQUEST_JSON');
	});

	it('refuses a sender_batch_id used in the last 30 days, linking to the original batch, and takes it again after 30 days', async () => {
		const first = await create(batch([item()], 'monthly-2026-10'));
		const originalId = first.body.batch_header.payout_batch_id;

		now = new Date(START.getTime() + 29 * DAY);
		const again = await create(batch([item({ amount: { value: '99.00', currency: 'USD' } })], 'monthly-2026-10'));
		expectPayPalError(again, 400, 'USER_BUSINESS_ERROR');
		expect(again.body.details).toEqual([
			expect.objectContaining({ field: 'SENDER_BATCH_ID', issue: 'SENDER_BATCH_ID_ALREADY_USED', value: 'monthly-2026-10' }),
		]);
		const original = again.body.links.find((entry: any) => entry.rel !== 'information_link');
		expect(original).toEqual(expect.objectContaining({ href: `${fake.url}/v1/payments/payouts/${originalId}`, method: 'GET' }));
		const followed = await fetch(original.href, { headers: { authorization: `Bearer ${await bearer()}` } });
		expect(((await followed.json()) as any).batch_header.payout_batch_id).toBe(originalId);
		expect(fake.batches()).toHaveLength(1);

		now = new Date(START.getTime() + 30 * DAY);
		const later = await create(batch([item()], 'monthly-2026-10'));
		expect(later.status).toBe(201);
		expect(later.body.batch_header.payout_batch_id).not.toBe(originalId);
		expect(fake.batches()).toHaveLength(2);
	});

	it('replays the original answer for a PayPal-Request-Id seen in the last 30 days', async () => {
		const headers = { 'paypal-request-id': 'payouts-2026-10-run-1' };
		const first = await create(batch([item()], 'req-1'), { headers });
		expect(first.status).toBe(201);
		now = new Date(START.getTime() + 10 * DAY);
		// Even a different body gets the first answer: the header alone identifies the request.
		const replay = await create(batch([item()], 'req-2'), { headers });
		expect(replay.status).toBe(201);
		expect(replay.body).toEqual(first.body);
		expect(fake.batches()).toEqual([expect.objectContaining({ senderBatchId: 'req-1', requestId: 'payouts-2026-10-run-1' })]);

		// A refused request is not remembered: the corrected one goes through under the same id.
		const refusedHeaders = { 'paypal-request-id': 'run-2' };
		expect((await create(batch([item({ sender_item_id: 'y'.repeat(64) })], 'req-3'), { headers: refusedHeaders })).status).toBe(400);
		expect((await create(batch([item()], 'req-3'), { headers: refusedHeaders })).status).toBe(201);
		expect(fake.batches()).toHaveLength(2);
	});
});

describe('PayPal fake: batch and item status', () => {
	beforeEach(() => start());

	async function createThree() {
		const response = await create(
			batch([
				item({ receiver: 'a@example.com', sender_item_id: 'a', amount: { value: '10.00', currency: 'USD' } }),
				item({ receiver: 'b@example.com', sender_item_id: 'b', amount: { value: '20.50', currency: 'USD' } }),
				item({ receiver: 'c@example.com', sender_item_id: 'c', amount: { value: '0.25', currency: 'USD' } }),
			]),
		);
		return response.body.batch_header.payout_batch_id as string;
	}

	it('shows a pending batch with its header, total amount and items', async () => {
		const id = await createThree();
		const shown = await call(`/v1/payments/payouts/${id}`);
		expect(shown.status).toBe(200);
		expect(schemaProblems('batch', shown.body)).toEqual([]);
		expect(shown.body.batch_header).toEqual(
			expect.objectContaining({
				payout_batch_id: id,
				batch_status: 'PENDING',
				time_created: '2026-11-21T12:00:00Z',
				amount: { currency: 'USD', value: '30.75' },
				fees: { currency: 'USD', value: '0.00' },
				sender_batch_header: expect.objectContaining({ sender_batch_id: 'payout-2026-10' }),
			}),
		);
		expect(shown.body.items.map((entry: any) => [entry.payout_item.sender_item_id, entry.transaction_status, entry.payout_batch_id])).toEqual([
			['a', 'PENDING', id],
			['b', 'PENDING', id],
			['c', 'PENDING', id],
		]);
		expect(shown.body.items[0].payout_item).toEqual(
			expect.objectContaining({ receiver: 'a@example.com', recipient_type: 'EMAIL', amount: { currency: 'USD', value: '10.00' } }),
		);
		expect(shown.body.items[0].links[0]).toEqual(
			expect.objectContaining({ href: `${fake.url}/v1/payments/payouts-item/${shown.body.items[0].payout_item_id}`, rel: 'item' }),
		);
	});

	it('pages items with page, page_size and total_required, and checks those parameters', async () => {
		const id = await createThree();
		const second = await call(`/v1/payments/payouts/${id}?page=2&page_size=2&total_required=true`);
		expect(second.body.total_items).toBe(3);
		expect(second.body.total_pages).toBe(2);
		expect(second.body.items.map((entry: any) => entry.payout_item.sender_item_id)).toEqual(['c']);
		expect(second.body.links.map((entry: any) => entry.rel)).toEqual(['first', 'prev', 'self']);
		const first = await call(`/v1/payments/payouts/${id}?page_size=2`);
		expect(first.body.total_items).toBeUndefined();
		expect(first.body.links.find((entry: any) => entry.rel === 'next').href).toBe(`${fake.url}/v1/payments/payouts/${id}?page_size=2&page=2`);

		for (const query of ['page_size=1001', 'page=abc', 'page=0', 'total_required=yes']) {
			const bad = await call(`/v1/payments/payouts/${id}?${query}`);
			expectPayPalError(bad, 400, 'INVALID_REQUEST');
			expect(bad.body.details[0].location).toBe('query');
		}
		expectPayPalError(await call('/v1/payments/payouts/NOSUCHBATCH12'), 404, 'RESOURCE_NOT_FOUND');
	});

	it('settle() moves the batch to SUCCESS and items to their statuses, with item errors', async () => {
		const id = await createThree();
		now = new Date(START.getTime() + 60_000);
		const changed = fake.settle(id, {
			byReceiver: { 'b@example.com': { status: 'FAILED', error: 'RECEIVER_ACCOUNT_LOCKED' } },
			bySenderItemId: { c: 'UNCLAIMED' },
		});
		expect(changed.map((entry) => [entry.senderItemId, entry.status])).toEqual([
			['a', 'SUCCESS'],
			['b', 'FAILED'],
			['c', 'UNCLAIMED'],
		]);
		const shown = await call(`/v1/payments/payouts/${id}`);
		expect(schemaProblems('batch', shown.body)).toEqual([]);
		expect(shown.body.batch_header.batch_status).toBe('SUCCESS');
		expect(shown.body.batch_header.time_completed).toBe('2026-11-21T12:01:00Z');
		const [a, b, c] = shown.body.items;
		expect(a.transaction_status).toBe('SUCCESS');
		expect(a.transaction_id).toMatch(/^[A-Z0-9]{17}$/);
		expect(a.errors).toBeUndefined();
		expect(b.transaction_status).toBe('FAILED');
		expect(b.transaction_id).toBeUndefined();
		expect(b.errors).toEqual(expect.objectContaining({ name: 'RECEIVER_ACCOUNT_LOCKED', message: expect.any(String) }));
		expect(c.transaction_status).toBe('UNCLAIMED');
		expect(c.errors.name).toBe('RECEIVER_UNREGISTERED');
		expect(fake.paidItems().map((entry) => [entry.receiver, entry.status, entry.errorName])).toEqual([
			['a@example.com', 'SUCCESS', undefined],
			['b@example.com', 'FAILED', 'RECEIVER_ACCOUNT_LOCKED'],
			['c@example.com', 'UNCLAIMED', 'RECEIVER_UNREGISTERED'],
		]);

		// Later changes (an unclaimed item returned after 30 days) touch only the items named.
		fake.settle(id, { bySenderItemId: { c: 'RETURNED' } });
		expect(fake.paidItems().map((entry) => entry.status)).toEqual(['SUCCESS', 'FAILED', 'RETURNED']);
	});

	it('settle("all") settles every batch with the default status', async () => {
		await create(batch([item()], 'one'));
		await create(batch([item()], 'two'));
		fake.settle('all', { status: 'UNCLAIMED' });
		expect(fake.batches().map((entry) => [entry.senderBatchId, entry.status, entry.items[0].status])).toEqual([
			['one', 'SUCCESS', 'UNCLAIMED'],
			['two', 'SUCCESS', 'UNCLAIMED'],
		]);
		expect(() => fake.settle('NOSUCHBATCH', {})).toThrow(/no batch/);
	});

	it('shows one item with its batch and sender ids', async () => {
		const id = await createThree();
		fake.settle(id);
		const itemId = fake.paidItems()[1].payoutItemId;
		const shown = await call(`/v1/payments/payouts-item/${itemId}`);
		expect(shown.status).toBe(200);
		expect(schemaProblems('item', shown.body)).toEqual([]);
		expect(shown.body).toEqual(
			expect.objectContaining({
				payout_item_id: itemId,
				payout_batch_id: id,
				sender_batch_id: 'payout-2026-10',
				transaction_status: 'SUCCESS',
				payout_item: expect.objectContaining({ sender_item_id: 'b', receiver: 'b@example.com', amount: { currency: 'USD', value: '20.50' } }),
			}),
		);
		expect(shown.body.links.map((entry: any) => entry.rel)).toEqual(['self', 'batch']);
		expectPayPalError(await call('/v1/payments/payouts-item/NOSUCHITEM123'), 404, 'RESOURCE_NOT_FOUND');
	});

	it('cancels only UNCLAIMED items, which become RETURNED', async () => {
		const id = await createThree();
		fake.settle(id, { bySenderItemId: { a: 'UNCLAIMED' } });
		const [unclaimed, succeeded] = fake.paidItems();
		const cancelled = await call(`/v1/payments/payouts-item/${unclaimed.payoutItemId}/cancel`, { method: 'POST' });
		expect(cancelled.status).toBe(200);
		expect(schemaProblems('item', cancelled.body)).toEqual([]);
		expect(cancelled.body.transaction_status).toBe('RETURNED');
		expect(fake.paidItems()[0].status).toBe('RETURNED');

		const again = await call(`/v1/payments/payouts-item/${unclaimed.payoutItemId}/cancel`, { method: 'POST' });
		expectPayPalError(again, 400, 'INVALID_REQUEST');
		const paid = await call(`/v1/payments/payouts-item/${succeeded.payoutItemId}/cancel`, { method: 'POST' });
		expectPayPalError(paid, 400, 'INVALID_REQUEST');
		expect(paid.body.details[0]).toEqual(expect.objectContaining({ issue: 'ITEM_INCORRECT_STATUS', value: 'SUCCESS' }));
		expectPayPalError(await call('/v1/payments/payouts-item/NOSUCHITEM123/cancel', { method: 'POST' }), 404, 'RESOURCE_NOT_FOUND');
	});
});

describe('PayPal fake: fault injection', () => {
	beforeEach(() => start());

	it('failNext answers 500 / 503 / 429 in PayPal shapes without creating anything', async () => {
		fake.failNext(1);
		fake.failNext(1, { status: 503 });
		fake.failNext(1, { status: 429, retryAfterSeconds: 30 });
		const token = await bearer();
		const internal = await create(batch([item()]), { token });
		expectPayPalError(internal, 500, 'INTERNAL_SERVER_ERROR');
		expectPayPalError(await create(batch([item()]), { token }), 503, 'SERVICE_UNAVAILABLE');
		const limited = await create(batch([item()]), { token });
		expectPayPalError(limited, 429, 'RATE_LIMIT_REACHED');
		expect(limited.headers.get('retry-after')).toBe('30');
		expect(fake.batches()).toEqual([]);
		expect((await create(batch([item()]), { token })).status).toBe(201);
	});

	it('a fault is not used up by an unauthenticated request, and only hits GETs when asked', async () => {
		fake.failNext(1, { on: 'any' });
		expect((await create(batch([item()]), { token: 'A21AAwrong' })).status).toBe(401);
		expect((await call('/v1/payments/payouts/NOSUCHBATCH12')).status).toBe(500);
		fake.failNext(1);
		expect((await call('/v1/payments/payouts/NOSUCHBATCH12')).status).toBe(404);
		expect((await create(batch([item()]))).status).toBe(500);
	});

	it('failNext afterAccepting creates and records the batch but the client gets a 500', async () => {
		fake.failNext(1, { afterAccepting: true });
		const headers = { 'paypal-request-id': 'lost-answer-1' };
		const lost = await create(batch([item()], 'lost-1'), { headers });
		expectPayPalError(lost, 500, 'INTERNAL_SERVER_ERROR');
		expect(fake.batches()).toEqual([expect.objectContaining({ senderBatchId: 'lost-1', status: 'PENDING' })]);
		expect(fake.paidItems()).toHaveLength(1);
		const createdId = fake.batches()[0].payoutBatchId;

		// Retrying with the same sender_batch_id is refused with a link to the batch that was made.
		const retry = await create(batch([item()], 'lost-1'));
		expectPayPalError(retry, 400, 'USER_BUSINESS_ERROR');
		expect(retry.body.links[0].href).toBe(`${fake.url}/v1/payments/payouts/${createdId}`);
		// Retrying with the same PayPal-Request-Id gets the answer that was lost.
		const replay = await create(batch([item()], 'lost-1'), { headers });
		expect(replay.status).toBe(201);
		expect(replay.body.batch_header.payout_batch_id).toBe(createdId);
		expect(fake.paidItems()).toHaveLength(1);
	});

	it('hangNext accepts the batch and holds the answer past the client timeout', async () => {
		fake.hangNext(1);
		const token = await bearer();
		await expect(create(batch([item()], 'hung-1'), { token, signal: AbortSignal.timeout(300) })).rejects.toThrow();
		expect(fake.batches()).toEqual([expect.objectContaining({ senderBatchId: 'hung-1' })]);
		fake.releaseHung();
		const retry = await create(batch([item()], 'hung-1'), { token });
		expect(retry.body.name).toBe('USER_BUSINESS_ERROR');
		expect(fake.paidItems()).toHaveLength(1);
	});

	it('hangNext with answerAfterMs answers late with the real answer', async () => {
		fake.hangNext(1, { answerAfterMs: 200 });
		const started = Date.now();
		const late = await create(batch([item()], 'slow-1'));
		expect(Date.now() - started).toBeGreaterThanOrEqual(150);
		expect(late.status).toBe(201);
		expect(late.body.batch_header.payout_batch_id).toBe(fake.batches()[0].payoutBatchId);
	});
});

describe('OpenAPI subset validator', () => {
	const document = {
		paths: {},
		components: {
			schemas: {
				money: { type: 'object', required: ['value'], properties: { value: { type: 'string', pattern: '^[0-9]+$' } }, additionalProperties: false },
				row: {
					type: 'object',
					properties: {
						kind: { type: 'string', enum: ['A', 'B'] },
						count: { type: 'integer', minimum: 1, maximum: 3 },
						money: { $ref: '#/components/schemas/money' },
						tags: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string', minLength: 2 } },
						when: { type: 'string', format: 'date-time' },
						extra: { type: 'object', additionalProperties: { type: 'boolean' } },
					},
				},
			},
		},
	} as SchemaDocument;
	const check = (value: unknown) => validateSchema(document, { $ref: '#/components/schemas/row' }, value).map((issue) => [issue.field, issue.issue]);

	it('accepts a conforming value', () => {
		expect(check({ kind: 'A', count: 2, money: { value: '12' }, tags: ['ab'], when: '2026-11-21T12:00:00Z', extra: { x: true } })).toEqual([]);
	});

	it('reports each rule it knows with a JSON pointer', () => {
		expect(check({ kind: 'C', count: 1.5 })).toEqual([
			['/kind', 'INVALID_PARAMETER_VALUE'],
			['/count', 'INVALID_PARAMETER_TYPE'],
		]);
		expect(check({ count: 4, money: { value: '1.5', other: 1 }, tags: ['a', 'bb', 'cc'], when: 'yesterday', extra: { x: 'yes' } })).toEqual([
			['/count', 'INVALID_PARAMETER_VALUE'],
			['/money/value', 'INVALID_PARAMETER_SYNTAX'],
			['/money/other', 'UNKNOWN_FIELD'],
			['/tags', 'INVALID_ARRAY_MAX_ITEMS'],
			['/when', 'INVALID_PARAMETER_SYNTAX'],
			['/extra/x', 'INVALID_PARAMETER_TYPE'],
		]);
		expect(check({ money: {}, tags: [] })).toEqual([
			['/money/value', 'MISSING_REQUIRED_PARAMETER'],
			['/tags', 'INVALID_ARRAY_MIN_ITEMS'],
		]);
		expect(check({ tags: ['a'] })).toEqual([['/tags/0', 'INVALID_STRING_MIN_LENGTH']]);
	});

	it('coerces query strings before checking them against parameter schemas', () => {
		const parameters = [
			{ name: 'page', in: 'query' as const, schema: { type: 'integer', minimum: 1 } },
			{ name: 'all', in: 'query' as const, schema: { type: 'boolean' } },
		];
		expect(validateQuery(document, parameters, { page: '2', all: 'true' })).toEqual({ issues: [], values: { page: 2, all: true } });
		expect(validateQuery(document, parameters, { page: 'x', all: '1' }).issues.map((issue) => [issue.field, issue.issue])).toEqual([
			['page', 'INVALID_PARAMETER_TYPE'],
			['all', 'INVALID_PARAMETER_TYPE'],
		]);
	});
});

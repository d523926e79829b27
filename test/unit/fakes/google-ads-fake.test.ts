/** The Google Ads fake rejects each mistake the reference lists, in Google's shapes, and accepts a correct upload. */
import { createHash } from 'node:crypto';
import {
	FAKE_GOOGLE_ACCESS_TOKEN as TOKEN,
	FAKE_GOOGLE_DEVELOPER_TOKEN as DEV,
	FAKE_GOOGLE_REFRESH_TOKEN,
	type GoogleAdsFake,
	type GoogleAdsFakeOptions,
	startGoogleAdsFake,
} from '../../fakes/google-ads';

const NOW = new Date('2026-11-21T12:00:00Z');
const HOUR = 3600 * 1000;
const CID = '1234567890';
const ACTION = `customers/${CID}/conversionActions/111`;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

let fake: GoogleAdsFake;

async function start(options: GoogleAdsFakeOptions = {}) {
	fake = await startGoogleAdsFake({ now: () => NOW, ...options });
	fake.registerClick('G-OLD', new Date(NOW.getTime() - 30 * HOUR));
	fake.registerClick('G-OLD-2', new Date(NOW.getTime() - 30 * HOUR));
	fake.registerClick('G-RECENT', new Date(NOW.getTime() - 2 * HOUR));
	fake.registerClick('GB-1', new Date(NOW.getTime() - 30 * HOUR));
	fake.registerClick('WB-1', new Date(NOW.getTime() - 30 * HOUR));
}
afterEach(async () => {
	await fake.close();
});

const row = (overrides: Record<string, unknown> = {}) => ({
	conversionAction: ACTION,
	gclid: 'G-OLD',
	conversionDateTime: '2026-11-21 06:00:00+00:00',
	conversionValue: 39.5,
	currencyCode: 'USD',
	orderId: 'cv_1',
	...overrides,
});

interface Call {
	path?: string;
	method?: string;
	headers?: Record<string, string | undefined>;
	body?: unknown;
}

async function call({
	path = `/v26/customers/${CID}:uploadClickConversions`,
	method = 'POST',
	headers = {},
	body = { conversions: [row()], partialFailure: true },
}: Call = {}) {
	const merged: Record<string, string> = {};
	for (const [key, value] of Object.entries({ 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'developer-token': DEV, ...headers })) {
		if (value !== undefined) merged[key] = value;
	}
	const response = await fetch(`${fake.url}${path}`, {
		method,
		headers: merged,
		body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await response.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = text;
	}
	return { status: response.status, body: json };
}

const upload = (rows: unknown[], extra: Record<string, unknown> = {}) => call({ body: { conversions: rows, partialFailure: true, ...extra } });
const errorCodes = (body: any) => (body.error?.details?.[0]?.errors ?? []).map((error: any) => Object.values(error.errorCode)[0]);
const rowErrors = (body: any) =>
	(body.partialFailureError?.details?.[0]?.errors ?? []).map((error: any) => [
		error.location.fieldPathElements[0].index ?? 0,
		Object.values(error.errorCode)[0],
	]);

describe('Google Ads fake', () => {
	beforeEach(async () => {
		await start();
	});

	it('accepts a correct upload and answers with results and a job id', async () => {
		const { status, body } = await upload([
			row(),
			row({ gclid: undefined, gbraid: 'GB-1', orderId: 'cv_2' }),
			row({ gclid: 'G-OLD-2', orderId: 'cv_3', userIdentifiers: [{ hashedEmail: hash('a@b.c') }] }),
		]);
		expect(status).toBe(200);
		expect(body.partialFailureError).toBeUndefined();
		expect(body.results).toEqual([
			{ conversionAction: ACTION, conversionDateTime: '2026-11-21 06:00:00+00:00', gclid: 'G-OLD' },
			{ conversionAction: ACTION, conversionDateTime: '2026-11-21 06:00:00+00:00', gbraid: 'GB-1' },
			{ conversionAction: ACTION, conversionDateTime: '2026-11-21 06:00:00+00:00', gclid: 'G-OLD-2' },
		]);
		expect(typeof body.jobId).toBe('string');
		expect(fake.accepted.map((conversion) => conversion.orderId)).toEqual(['cv_1', 'cv_2', 'cv_3']);
	});

	describe('auth', () => {
		it('rejects a token in the query string', async () => {
			const { status, body } = await call({
				path: `/v26/customers/${CID}:uploadClickConversions?access_token=${TOKEN}`,
				headers: { authorization: undefined },
			});
			expect(status).toBe(401);
			expect(body.error.status).toBe('UNAUTHENTICATED');
			const withHeaderToo = await call({ path: `/v26/customers/${CID}:uploadClickConversions?access_token=${TOKEN}` });
			expect(withHeaderToo.status).toBe(401);
		});

		it('requires a known Bearer token', async () => {
			expect((await call({ headers: { authorization: undefined } })).status).toBe(401);
			expect((await call({ headers: { authorization: TOKEN } })).status).toBe(401);
			const wrong = await call({ headers: { authorization: 'Bearer nope' } });
			expect([wrong.status, errorCodes(wrong.body)]).toEqual([401, ['OAUTH_TOKEN_INVALID']]);
		});

		it('requires the developer-token header, with the right token', async () => {
			const missing = await call({ headers: { 'developer-token': undefined } });
			expect([missing.status, errorCodes(missing.body)]).toEqual([400, ['DEVELOPER_TOKEN_PARAMETER_MISSING']]);
			const wrong = await call({ headers: { 'developer-token': 'other' } });
			expect([wrong.status, errorCodes(wrong.body)]).toEqual([403, ['DEVELOPER_TOKEN_NOT_APPROVED']]);
		});

		it('takes login-customer-id as digits only', async () => {
			const dashed = await call({ headers: { 'login-customer-id': '111-222-3333' } });
			expect([dashed.status, errorCodes(dashed.body)]).toEqual([400, ['INVALID_LOGIN_CUSTOMER_ID']]);
			expect((await call({ headers: { 'login-customer-id': '1112223333' } })).status).toBe(200);
		});

		it('answers GoogleAdsFailure details with the version in @type', async () => {
			const { body } = await call({ headers: { authorization: 'Bearer nope' } });
			expect(body.error.details[0]['@type']).toBe('type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure');
		});
	});

	it('requires the manager as login-customer-id for a managed customer', async () => {
		await fake.close();
		await start({ customers: { [CID]: { manager: '9999999999' } } });
		const direct = await call();
		expect([direct.status, errorCodes(direct.body)]).toEqual([403, ['USER_PERMISSION_DENIED']]);
		const wrong = await call({ headers: { 'login-customer-id': '8888888888' } });
		expect(errorCodes(wrong.body)).toEqual(['INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION']);
		expect((await call({ headers: { 'login-customer-id': '9999999999' } })).status).toBe(200);
		const other = await call({ path: '/v26/customers/5555555555:uploadClickConversions', headers: { 'login-customer-id': '9999999999' } });
		expect(errorCodes(other.body)).toEqual(['USER_PERMISSION_DENIED']);
	});

	describe('request shape', () => {
		it('requires partialFailure: true', async () => {
			for (const body of [{ conversions: [row()] }, { conversions: [row()], partialFailure: false }]) {
				const answer = await call({ body });
				expect([answer.status, errorCodes(answer.body)]).toEqual([400, ['REQUIRED']]);
			}
		});

		it('takes at most 2000 conversions', async () => {
			const rows = Array.from({ length: 2001 }, (_, i) => row({ orderId: `cv_${i}` }));
			const answer = await upload(rows);
			expect([answer.status, errorCodes(answer.body)]).toEqual([400, ['TOO_MANY_CONVERSIONS_IN_REQUEST']]);
			expect(fake.accepted).toEqual([]);
		});

		it('rejects unknown (snake_case) field names like proto JSON does', async () => {
			expect((await call({ body: { conversions: [row()], partial_failure: true } })).status).toBe(400);
			const rowField = await upload([{ ...row(), conversion_date_time: '2026-11-21 06:00:00+00:00' }]);
			expect(rowField.status).toBe(400);
			expect(rowField.body.error.message).toMatch(/Unknown name "conversion_date_time"/);
		});

		it('wants conversionValue as a JSON number and a JSON body', async () => {
			const answer = await upload([row({ conversionValue: '39.5' })]);
			expect([answer.status, answer.body.error.message]).toEqual([400, expect.stringMatching(/TYPE_DOUBLE/)]);
			expect((await call({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'conversions=x' })).status).toBe(400);
		});

		it('answers 404 for a retired version and for an unknown path', async () => {
			const retired = await call({ path: `/v22/customers/${CID}:uploadClickConversions` });
			expect([retired.status, retired.body.error.status]).toEqual([404, 'NOT_FOUND']);
			expect((await call({ path: `/v21/customers/${CID}:uploadClickConversions` })).status).toBe(404);
			const unknown = await call({ path: `/v26/customers/${CID}:uploadConversions` });
			expect(unknown.status).toBe(404);
			expect(unknown.body).toMatch(/<title>Error 404/);
		});

		it('wants the customer id in the URL as digits', async () => {
			const answer = await call({ path: '/v26/customers/123-456-7890:uploadClickConversions' });
			expect([answer.status, errorCodes(answer.body)]).toEqual([400, ['INVALID_CUSTOMER_ID']]);
		});
	});

	describe('rows (partial failure, HTTP 200)', () => {
		it('reports row errors in one GoogleAdsFailure, index 0 left out, {} for the failed rows', async () => {
			const { status, body } = await upload([
				row({ gclid: 'G-RECENT', orderId: 'a', conversionDateTime: '2026-11-21 11:00:00+00:00' }),
				row({ orderId: 'b', gclid: 'G-OLD-2' }),
				row({ gclid: 'G-UNKNOWN', orderId: 'c' }),
			]);
			expect(status).toBe(200);
			expect(body.results).toEqual([{}, expect.objectContaining({ gclid: 'G-OLD-2' }), {}]);
			expect(body.partialFailureError.code).toBe(3);
			expect(body.partialFailureError.details).toHaveLength(1);
			const [first, second] = body.partialFailureError.details[0].errors;
			expect(first.location.fieldPathElements[0]).toEqual({ fieldName: 'conversions' });
			expect(second.location.fieldPathElements[0]).toEqual({ fieldName: 'conversions', index: 2 });
			expect(rowErrors(body)).toEqual([
				[0, 'TOO_RECENT_EVENT'],
				[2, 'CLICK_NOT_FOUND'],
			]);
			expect(fake.accepted.map((conversion) => conversion.orderId)).toEqual(['b']);
		});

		it('wants exactly one click id', async () => {
			const { body } = await upload([
				row({ gclid: undefined, gbraid: 'GB-1', wbraid: 'WB-1', orderId: 'a' }),
				row({ gbraid: 'GB-1', orderId: 'b' }),
				row({ gclid: undefined, orderId: 'c' }),
			]);
			expect(rowErrors(body)).toEqual([
				[0, 'GBRAID_WBRAID_BOTH_SET'],
				[1, 'VALUE_MUST_BE_UNSET'],
				[2, 'REQUIRED'],
			]);
		});

		it('wants the date-time with an offset', async () => {
			const { body } = await upload([
				row({ conversionDateTime: '2026-11-21 06:00:00', orderId: 'a' }),
				row({ conversionDateTime: '2026-11-21T06:00:00Z', orderId: 'b' }),
				row({ conversionDateTime: '2026-11-21 08:00:00+02:00', orderId: 'c', gclid: 'G-OLD-2' }),
			]);
			expect(rowErrors(body)).toEqual([
				[0, 'INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET'],
				[1, 'INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET'],
			]);
		});

		it('applies the 6-hour rule and refuses a conversion before its click, by the fake clock and registered click times', async () => {
			const { body } = await upload([
				row({ gclid: 'G-RECENT', orderId: 'a', conversionDateTime: '2026-11-21 11:00:00+00:00' }),
				row({ orderId: 'b', conversionDateTime: '2026-11-20 05:59:59+00:00' }),
			]);
			expect(rowErrors(body)).toEqual([
				[0, 'TOO_RECENT_EVENT'],
				[1, 'CONVERSION_PRECEDES_EVENT'],
			]);
		});

		it('wants at most 5 identifiers, each one lower-case SHA-256 hashedEmail or hashedPhoneNumber', async () => {
			const six = Array.from({ length: 6 }, (_, i) => ({ hashedEmail: hash(`p${i}@x.y`) }));
			const { body } = await upload([
				row({ orderId: 'a', userIdentifiers: six }),
				row({ orderId: 'b', gclid: 'G-OLD-2', userIdentifiers: [{ hashedEmail: 'john@example.com' }] }),
				row({ orderId: 'c', gclid: 'GB-1', userIdentifiers: [{ hashedPhoneNumber: hash('+16505551212').toUpperCase() }] }),
				row({ orderId: 'd', gclid: 'WB-1', userIdentifiers: [{ addressInfo: { hashedFirstName: hash('john') } }] }),
			]);
			expect(rowErrors(body)).toEqual([
				[0, 'TOO_MANY'],
				[1, 'INVALID_USER_IDENTIFIER'],
				[2, 'INVALID_USER_IDENTIFIER'],
				[3, 'UNSUPPORTED_USER_IDENTIFIER'],
			]);
		});

		it('refuses a conversion action of another customer and a malformed currency', async () => {
			const { body } = await upload([
				row({ conversionAction: 'customers/5555555555/conversionActions/1' }),
				row({ orderId: 'b', gclid: 'G-OLD-2', currencyCode: 'usd' }),
			]);
			expect(rowErrors(body)).toEqual([
				[0, 'NO_CONVERSION_ACTION_FOUND'],
				[1, 'INVALID_CURRENCY_CODE'],
			]);
		});

		it('refuses duplicates inside a request and against earlier uploads', async () => {
			const inRequest = await upload([row({ orderId: 'a' }), row({ orderId: 'a', gclid: 'G-OLD-2' }), row({ orderId: 'c' })]);
			expect(rowErrors(inRequest.body)).toEqual([
				[1, 'DUPLICATE_ORDER_ID'],
				[2, 'DUPLICATE_CLICK_CONVERSION_IN_REQUEST'],
			]);
			const sameOrder = await upload([row({ orderId: 'a', gclid: 'G-OLD-2', conversionDateTime: '2026-11-21 07:00:00+00:00' })]);
			const sameClickTime = await upload([row({ orderId: 'z', conversionDateTime: '2026-11-21 08:00:00+02:00' })]);
			expect(rowErrors(sameOrder.body)).toEqual([[0, 'CLICK_CONVERSION_ALREADY_EXISTS']]);
			expect(rowErrors(sameClickTime.body)).toEqual([[0, 'CLICK_CONVERSION_ALREADY_EXISTS']]);
			expect(fake.accepted.map((conversion) => conversion.orderId)).toEqual(['a']);
		});

		it('records nothing and returns no results for validateOnly', async () => {
			const clean = await upload([row()], { validateOnly: true });
			expect(clean.body).toEqual({});
			const bad = await upload([row(), row({ gclid: 'G-RECENT', orderId: 'x', conversionDateTime: '2026-11-21 11:00:00+00:00' })], { validateOnly: true });
			expect(bad.body.results).toBeUndefined();
			expect(rowErrors(bad.body)).toEqual([[1, 'TOO_RECENT_EVENT']]);
			expect(fake.accepted).toEqual([]);
		});

		it('refuses unknown click ids unless told to accept them', async () => {
			await fake.close();
			await start({ unknownClicks: 'accept' });
			const { body } = await upload([row({ gclid: 'never-registered' })]);
			expect(body.partialFailureError).toBeUndefined();
		});
	});

	describe('fault injection', () => {
		it('answers the next uploads with 429 RESOURCE_EXHAUSTED, 500 and 503, then normally', async () => {
			fake.failNext(1, 429);
			fake.failNext(1, 500);
			fake.failNext(1, 503);
			const throttled = await upload([row()]);
			expect([throttled.status, throttled.body.error.status, errorCodes(throttled.body)]).toEqual([429, 'RESOURCE_EXHAUSTED', ['RESOURCE_EXHAUSTED']]);
			expect(throttled.body.error.details[0].errors[0].details.quotaErrorDetails.retryDelay).toBe('1s');
			expect([(await upload([row()])).status, (await upload([row()])).status]).toEqual([500, 503]);
			expect((await upload([row()])).status).toBe(200);
			expect(fake.uploads()).toHaveLength(1);
			expect(fake.requests).toHaveLength(4);
			expect(fake.accepted).toHaveLength(1);
		});
	});

	describe('credential test and token endpoint', () => {
		it('lists accessible customers with a valid token and developer token only', async () => {
			const listed = await call({ path: '/v26/customers:listAccessibleCustomers', method: 'GET' });
			expect(listed).toEqual({ status: 200, body: { resourceNames: ['customers/1234567890'] } });
			expect((await call({ path: '/v26/customers:listAccessibleCustomers', method: 'GET', headers: { 'developer-token': undefined } })).status).toBe(400);
			expect((await call({ path: '/v22/customers:listAccessibleCustomers', method: 'GET' })).status).toBe(404);
		});

		it('issues access tokens for the refresh token, which the API then accepts', async () => {
			const refused = await fetch(fake.tokenUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: 'grant_type=refresh_token&refresh_token=stale',
			});
			expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
			const granted = await fetch(fake.tokenUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: `grant_type=refresh_token&refresh_token=${FAKE_GOOGLE_REFRESH_TOKEN}&client_id=c&client_secret=s`,
			});
			const token = (await granted.json()) as { access_token: string; token_type: string };
			expect(token.token_type).toBe('Bearer');
			expect((await call({ headers: { authorization: `Bearer ${token.access_token}` } })).status).toBe(200);
		});
	});
});

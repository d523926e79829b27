import { createHmac } from 'node:crypto';
import { createHash } from 'node:crypto';
import { FIELD_LIMITS, JOURNAL_UNAVAILABLE_RESPONSE, REJECTED_BODY_LIMITS, journalAccepted, receivePostback, segmentBeforePath } from '../../src/intake';
import type { IntakeConfig, IntakeRequest } from '../../src/intake';

const NOW = new Date('2024-01-01T00:00:00Z');
const parseOptions = { now: () => NOW, timezone: 'UTC' };
const TOKEN = 'tok-7Qx2mL9p';

/** The ShareASale payload of seed 000. */
const SALE = {
	amountOfSale: '79',
	orderNumber: '2617207',
	merchantID: '87575',
	transtype: 'SALE',
	transID: '198198598',
	transDate: '2023-05-21 00:57:45',
	afftrack: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
	commission: '39.5',
};
const SALE_FORM = new URLSearchParams(SALE).toString();

function request(overrides: Partial<IntakeRequest> = {}): IntakeRequest {
	return { method: 'GET', query: { ...SALE }, headers: { 'user-agent': 'ShareASale-Postback' }, ip: '203.0.113.7', ...overrides };
}

const shareasale: IntakeConfig = { network: 'shareasale', parseOptions };

describe('receivePostback: accepted', () => {
	it('a ShareASale GET → 200 {ok:true, network, clickId, transactionId} and the conversion', () => {
		const outcome = receivePostback(request(), shareasale);
		expect(outcome.response).toEqual({
			status: 200,
			body: { ok: true, network: 'ShareASale', clickId: SALE.afftrack, transactionId: SALE.transID },
		});
		expect(outcome.rejected).toBeUndefined();
		expect(outcome.accepted).toMatchObject({
			network: 'shareasale',
			clickId: SALE.afftrack,
			amount: '79',
			commission: '39.5',
			currency: 'USD',
			occurredAt: '2023-05-21T00:57:45.000Z',
			receivedAt: '2024-01-01T00:00:00.000Z',
			raw: { method: 'GET', query: SALE, headers: { 'user-agent': 'ShareASale-Postback' } },
		});
	});

	it('the parse options reach the preset (time zone and currency)', () => {
		const outcome = receivePostback(request(), { network: 'shareasale', parseOptions: { ...parseOptions, timezone: 'America/New_York', currency: 'EUR' } });
		expect(outcome.accepted).toMatchObject({ occurredAt: '2023-05-21T04:57:45.000Z', currency: 'EUR' });
	});

	it('a POST whose body the server parsed into an object', () => {
		const outcome = receivePostback(request({ method: 'POST', query: {}, body: { ...SALE } }), shareasale);
		expect(outcome.response.status).toBe(200);
		expect(outcome.accepted?.raw.body).toEqual(SALE);
	});

	it('rawBody is used when the server handed over {} (it could not parse the body)', () => {
		const outcome = receivePostback(
			request({
				method: 'POST',
				query: {},
				body: {},
				rawBody: Buffer.from(SALE_FORM),
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
			}),
			shareasale,
		);
		expect(outcome.response.status).toBe(200);
		expect(outcome.accepted).toMatchObject({ clickId: SALE.afftrack, commission: '39.5', raw: { body: SALE_FORM } });
	});

	it('rawBody is used when there is no parsed body at all (a JSON text)', () => {
		const json = JSON.stringify({ click_id: 'c-1', commission: 4.99 });
		const outcome = receivePostback(
			request({ method: 'POST', query: {}, body: undefined, rawBody: Buffer.from(json), headers: { 'content-type': 'application/json' } }),
			{ network: 'custom', parseOptions },
		);
		expect(outcome.accepted).toMatchObject({ clickId: 'c-1', commission: '4.99' });
	});

	it('a non-empty parsed body wins over rawBody', () => {
		const outcome = receivePostback(request({ method: 'POST', query: {}, body: { ...SALE, afftrack: 'parsed' }, rawBody: Buffer.from(SALE_FORM) }), shareasale);
		expect(outcome.accepted?.clickId).toBe('parsed');
	});
});

describe('receivePostback: rejected (cannot be read)', () => {
	it('an unparseable postback → 400 with the error and a rejected record holding the request', () => {
		const outcome = receivePostback(request({ query: { ...SALE, commission: 'abc' } }), shareasale);
		expect(outcome.response.status).toBe(400);
		expect(outcome.response.body).toMatchObject({ ok: false, error: { code: 'invalid_amount', field: 'commission' } });
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.rejected).toEqual({
			network: 'shareasale',
			reason: expect.objectContaining({ code: 'invalid_amount', field: 'commission' }),
			httpStatus: 400,
			receivedAt: '2024-01-01T00:00:00.000Z',
			request: {
				method: 'GET',
				query: { ...SALE, commission: 'abc' },
				headers: { 'user-agent': 'ShareASale-Postback' },
				ip: '203.0.113.7',
			},
		});
	});

	it('the configured reject status (422) is used', () => {
		const outcome = receivePostback(request({ query: { ...SALE, afftrack: '!!afftrack!!' } }), { ...shareasale, rejectStatus: 422 });
		expect(outcome.response.status).toBe(422);
		expect(outcome.rejected).toMatchObject({ httpStatus: 422, reason: { code: 'missing_click_id', field: 'afftrack' } });
	});

	it('a body the server could not parse is kept as text in the rejected record', () => {
		const outcome = receivePostback(
			request({ method: 'POST', query: {}, body: {}, rawBody: Buffer.from('{"afftrack": '), headers: { 'content-type': 'application/json' } }),
			shareasale,
		);
		expect(outcome.response.status).toBe(400);
		expect(outcome.rejected?.reason.code).toBe('invalid_body');
		expect(outcome.rejected?.request.body).toBe('{"afftrack": ');
	});

	it('an unknown network → 400, rejected, no throw', () => {
		const outcome = receivePostback(request(), { network: 'nope', parseOptions });
		expect(outcome.response.status).toBe(400);
		expect(outcome.rejected?.network).toBe('nope');
	});
});

describe('receivePostback: the token query parameter is not kept', () => {
	const withToken: IntakeConfig = { ...shareasale, auth: { method: 'token', token: TOKEN, tokenParam: 'key' } };

	it('accepted: raw.query has no "key"', () => {
		const outcome = receivePostback(request({ query: { ...SALE, key: TOKEN } }), withToken);
		expect(outcome.response.status).toBe(200);
		expect(outcome.accepted?.raw.query).toEqual(SALE);
		expect(JSON.stringify(outcome)).not.toContain(TOKEN);
	});

	it('rejected after authenticating: request.query has no "key"', () => {
		const outcome = receivePostback(request({ query: { ...SALE, commission: 'abc', key: TOKEN } }), withToken);
		expect(outcome.response.status).toBe(400);
		expect(outcome.rejected?.request.query).toEqual({ ...SALE, commission: 'abc' });
		expect(JSON.stringify(outcome)).not.toContain(TOKEN);
	});

	it('the default parameter name "token" is stripped too', () => {
		const outcome = receivePostback(request({ query: { ...SALE, token: TOKEN } }), { ...shareasale, auth: { method: 'token', token: TOKEN } });
		expect(outcome.accepted?.raw.query).not.toHaveProperty('token');
	});

	it('other auth methods leave a parameter called "token" alone', () => {
		const outcome = receivePostback(request({ query: { ...SALE, token: 'network-data' }, ip: '203.0.113.7' }), {
			...shareasale,
			auth: { method: 'none', ipAllowlist: '203.0.113.7' },
		});
		expect(outcome.accepted?.raw.query).toHaveProperty('token', 'network-data');
	});
});

describe('receivePostback: unauthenticated', () => {
	const withToken: IntakeConfig = { ...shareasale, auth: { method: 'token', token: TOKEN } };

	it('a wrong token → 401, a rejected record, no conversion', () => {
		const outcome = receivePostback(request({ query: { ...SALE, token: 'guess' } }), withToken);
		expect(outcome.response.status).toBe(401);
		expect(outcome.response.body).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.rejected).toMatchObject({ httpStatus: 401, reason: { code: 'unauthorized' }, request: { method: 'GET', query: SALE } });
		expect(JSON.stringify(outcome)).not.toContain(TOKEN);
	});

	it('emitUnauthenticated false → 401 and no rejected record', () => {
		const outcome = receivePostback(request({ query: { ...SALE } }), { ...withToken, emitUnauthenticated: false });
		expect(outcome.response.status).toBe(401);
		expect(outcome.rejected).toBeUndefined();
		expect(outcome.accepted).toBeUndefined();
	});

	it('emitUnauthenticated true is the same as the default', () => {
		expect(receivePostback(request(), { ...withToken, emitUnauthenticated: true }).rejected).toBeDefined();
	});

	it('authentication is checked before parsing: a bad request with a bad token is 401, not 400', () => {
		const outcome = receivePostback(request({ query: { commission: 'abc' } }), withToken);
		expect(outcome.response.status).toBe(401);
	});

	it('the token in the path', () => {
		const pathAuth: IntakeConfig = { ...shareasale, auth: { method: 'token', token: TOKEN, tokenLocation: 'path' } };
		expect(receivePostback(request({ pathToken: TOKEN }), pathAuth).response.status).toBe(200);
		expect(receivePostback(request({ pathToken: 'x' }), pathAuth).response.status).toBe(401);
	});

	it('an address outside the allowlist → 403 forbidden', () => {
		const outcome = receivePostback(request({ ip: '198.51.100.1' }), { ...shareasale, auth: { method: 'none', ipAllowlist: '203.0.113.0/24' } });
		expect(outcome.response.status).toBe(403);
		expect(outcome.rejected).toMatchObject({ httpStatus: 403, reason: { code: 'forbidden' }, request: { ip: '198.51.100.1' } });
	});
});

describe('receivePostback: HTTP Basic', () => {
	const basicAuth: IntakeConfig = { ...shareasale, auth: { method: 'basic', user: 'sas', password: 'pw-Secret-42' } };
	const authorization = `Basic ${Buffer.from('sas:pw-Secret-42').toString('base64')}`;

	it('no credentials → 401 with a WWW-Authenticate challenge', () => {
		const outcome = receivePostback(request(), basicAuth);
		expect(outcome.response.status).toBe(401);
		expect(outcome.response.headers).toEqual({ 'WWW-Authenticate': 'Basic realm="postback"' });
	});

	it('the right credentials → 200 and the Authorization and Cookie headers are not in raw.headers', () => {
		const outcome = receivePostback(
			request({ headers: { Authorization: authorization, Cookie: 'session=abc', 'User-Agent': 'SAS', 'X-Forwarded-For': '203.0.113.7' } }),
			basicAuth,
		);
		expect(outcome.response.status).toBe(200);
		expect(outcome.response.headers).toBeUndefined();
		expect(outcome.accepted?.raw.headers).toEqual({ 'user-agent': 'SAS', 'x-forwarded-for': '203.0.113.7' });
	});

	it('a wrong password → 401; the rejected record has no Authorization or Cookie header and no password', () => {
		const wrong = `Basic ${Buffer.from('sas:pw-Secret-43').toString('base64')}`;
		const outcome = receivePostback(request({ headers: { authorization: wrong, cookie: 'session=abc', 'user-agent': 'SAS' } }), basicAuth);
		expect(outcome.response.status).toBe(401);
		expect(outcome.response.headers).toEqual({ 'WWW-Authenticate': 'Basic realm="postback"' });
		expect(outcome.rejected?.request.headers).toEqual({ 'user-agent': 'SAS' });
		const text = JSON.stringify(outcome);
		expect(text).not.toContain('pw-Secret-4');
		expect(text).not.toContain('session=abc');
	});
});

describe('receivePostback: HMAC', () => {
	const secret = 'hmac-intake-secret';
	const hmacAuth: IntakeConfig = { network: 'custom', parseOptions, auth: { method: 'hmac', hmacSecret: secret } };
	const json = JSON.stringify({ click_id: 'c-9', commission: '12.00' });
	const signature = createHmac('sha256', secret).update(json).digest('hex');

	it('a POST signed over the raw body → 200; the signature header is not kept', () => {
		const outcome = receivePostback(
			{
				method: 'POST',
				query: {},
				body: JSON.parse(json),
				rawBody: Buffer.from(json),
				headers: { 'content-type': 'application/json', 'x-postback-signature': `sha256=${signature}` },
			},
			hmacAuth,
		);
		expect(outcome.response.status).toBe(200);
		expect(outcome.accepted).toMatchObject({ clickId: 'c-9', commission: '12' });
		expect(outcome.accepted?.raw.headers).toEqual({ 'content-type': 'application/json' });
	});

	it('a tampered body → 401', () => {
		const tampered = json.replace('12.00', '120.0');
		const outcome = receivePostback(
			{ method: 'POST', query: {}, body: JSON.parse(tampered), rawBody: Buffer.from(tampered), headers: { 'x-postback-signature': signature } },
			hmacAuth,
		);
		expect(outcome.response.status).toBe(401);
		expect(outcome.rejected?.request.headers).toEqual({});
	});

	it('a GET is signed over the raw query string', () => {
		const rawQueryString = 'click_id=c-1&commission=3';
		const outcome = receivePostback(
			{
				method: 'GET',
				query: { click_id: 'c-1', commission: '3' },
				rawQueryString,
				headers: { 'x-postback-signature': createHmac('sha256', secret).update(rawQueryString).digest('hex') },
			},
			hmacAuth,
		);
		expect(outcome.response.status).toBe(200);
		expect(outcome.accepted?.commission).toBe('3');
	});
});

describe('receivePostback: the required credential cannot be loaded', () => {
	it('refuses with 503 and a reason for the operator, and still keeps the postback on Rejected', () => {
		const outcome = receivePostback(request(), { ...shareasale, auth: 'unavailable' });
		expect(outcome.response.status).toBe(503);
		expect(outcome.response.body).toMatchObject({ ok: false, error: { code: 'misconfigured' } });
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.rejected).toMatchObject({ httpStatus: 503, reason: { code: 'misconfigured' }, request: { query: { transID: SALE.transID } } });
	});
});

describe('receivePostback: the conversion says how it was authenticated', () => {
	const basicAuthorization = `Basic ${Buffer.from('sas:pw-Secret-42').toString('base64')}`;
	const hmacSecret = 'hmac-intake-secret';

	it.each([
		['none', shareasale, request()],
		['token', { ...shareasale, auth: { method: 'token', token: TOKEN } }, request({ query: { ...SALE, token: TOKEN } })],
		['token', { ...shareasale, auth: { method: 'token', token: TOKEN, tokenLocation: 'path' } }, request({ pathToken: TOKEN })],
		['basic', { ...shareasale, auth: { method: 'basic', user: 'sas', password: 'pw-Secret-42' } }, request({ headers: { authorization: basicAuthorization } })],
		[
			'hmac',
			{ ...shareasale, auth: { method: 'hmac', hmacSecret } },
			request({ rawQueryString: SALE_FORM, headers: { 'x-postback-signature': createHmac('sha256', hmacSecret).update(SALE_FORM).digest('hex') } }),
		],
		['ip_allowlist', { ...shareasale, auth: { method: 'none', ipAllowlist: '203.0.113.0/24' } }, request()],
		['token', { ...shareasale, auth: { method: 'token', token: TOKEN, ipAllowlist: '203.0.113.0/24' } }, request({ query: { ...SALE, token: TOKEN } })],
	] as Array<[string, IntakeConfig, IntakeRequest]>)('%s', (method, config, incoming) => {
		const outcome = receivePostback(incoming, config);
		expect(outcome.response.status).toBe(200);
		expect(outcome.accepted?.authentication).toBe(method);
	});
});

describe('receivePostback: credentials that authenticate nobody are refused when used', () => {
	it.each([
		['Basic without user and password', { method: 'basic', user: '', password: '' }, { authorization: `Basic ${Buffer.from(':').toString('base64')}` }],
		['Basic with neither set at all', { method: 'basic' }, { authorization: `Basic ${Buffer.from(':').toString('base64')}` }],
		['IP Allowlist Only without entries', { method: 'none', ipAllowlist: '' }, {}],
		['IP Allowlist Only with separators only', { method: 'none', ipAllowlist: ' ,; ' }, {}],
		['an empty token', { method: 'token', token: '' }, {}],
		['a blank token', { method: 'token', token: '   ' }, {}],
		['an empty HMAC secret', { method: 'hmac', hmacSecret: '' }, { 'x-postback-signature': createHmac('sha256', '').update(SALE_FORM).digest('hex') }],
	] as Array<[string, IntakeConfig['auth'], Record<string, string>]>)('%s → 503 misconfigured, kept on Rejected, no conversion', (_, auth, headers) => {
		const outcome = receivePostback(request({ query: { ...SALE, token: '   ' }, rawQueryString: SALE_FORM, headers }), { ...shareasale, auth });
		expect(outcome.response.status).toBe(503);
		expect(outcome.response.body).toMatchObject({ ok: false, error: { code: 'misconfigured' } });
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.rejected).toMatchObject({ httpStatus: 503, reason: { code: 'misconfigured' } });
	});
});

describe('receivePostback: HMAC covers everything that is read', () => {
	const secret = 'hmac-intake-secret';
	const hmacAuth: IntakeConfig = { network: 'custom', parseOptions, auth: { method: 'hmac', hmacSecret: secret } };
	const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('hex');
	const json = JSON.stringify({ click_id: 'c-9', commission: '12.00', transaction_id: 't-1' });

	it('an unsigned query parameter cannot override a signed body field: the POST is refused (401), nothing accepted', () => {
		const outcome = receivePostback(
			{
				method: 'POST',
				query: { commission: '9999' },
				rawQueryString: 'commission=9999',
				body: JSON.parse(json),
				rawBody: Buffer.from(json),
				headers: { 'content-type': 'application/json', 'x-postback-signature': sign(json) },
			},
			hmacAuth,
		);
		expect(outcome.response.status).toBe(401);
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.rejected?.reason).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('query parameters') });
	});

	it('an unsigned query parameter that adds a field (no body field to override) is refused too', () => {
		const outcome = receivePostback(
			{
				method: 'POST',
				query: { affiliate_id: 'attacker' },
				body: JSON.parse(json),
				rawBody: Buffer.from(json),
				headers: { 'content-type': 'application/json', 'x-postback-signature': sign(json) },
			},
			hmacAuth,
		);
		expect(outcome.response.status).toBe(401);
		expect(outcome.accepted).toBeUndefined();
	});

	it('a GET signed over its query string with a body that would override a signed field is refused (400), nothing accepted', () => {
		const rawQueryString = 'click_id=c-1&commission=3';
		const body = JSON.stringify({ commission: '9999' });
		const outcome = receivePostback(
			{
				method: 'GET',
				query: { click_id: 'c-1', commission: '3' },
				rawQueryString,
				body: JSON.parse(body),
				rawBody: Buffer.from(body),
				headers: { 'content-type': 'application/json', 'x-postback-signature': sign(rawQueryString) },
			},
			hmacAuth,
		);
		expect(outcome.response.status).toBe(400);
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.rejected?.reason).toMatchObject({ code: 'invalid_body' });
	});

	it('a GET with a body is refused whatever the authentication (a parsed body without bytes counts)', () => {
		const outcome = receivePostback(request({ body: { commission: '9999' } }), shareasale);
		expect(outcome.response.status).toBe(400);
		expect(outcome.accepted).toBeUndefined();
		expect(receivePostback(request({ body: {}, rawBody: Buffer.alloc(0) }), shareasale).response.status).toBe(200);
	});

	it('the signed POST without query parameters is still accepted, and a signed GET without a body too', () => {
		const post = receivePostback(
			{
				method: 'POST',
				query: {},
				body: JSON.parse(json),
				rawBody: Buffer.from(json),
				headers: { 'content-type': 'application/json', 'x-postback-signature': sign(json) },
			},
			hmacAuth,
		);
		expect(post.accepted).toMatchObject({ commission: '12', authentication: 'hmac' });
		const rawQueryString = 'click_id=c-1&commission=3';
		const get = receivePostback(
			{ method: 'GET', query: { click_id: 'c-1', commission: '3' }, rawQueryString, headers: { 'x-postback-signature': sign(rawQueryString) } },
			hmacAuth,
		);
		expect(get.accepted).toMatchObject({ commission: '3', authentication: 'hmac' });
	});
});

describe('receivePostback: what a Rejected item keeps is capped', () => {
	const withToken: IntakeConfig = { network: 'custom', parseOptions, auth: { method: 'token', token: TOKEN } };
	const big = JSON.stringify({ click_id: 'c-1', commission: '1', padding: 'x'.repeat(120_000) });

	it('an unauthenticated 120 kB POST keeps a 1 kB excerpt, the byte size and the SHA-256, and no credential header', () => {
		const outcome = receivePostback(
			{
				method: 'POST',
				query: {},
				body: JSON.parse(big),
				rawBody: Buffer.from(big),
				headers: { 'content-type': 'application/json', authorization: 'Bearer abc', cookie: 'sid=1' },
			},
			withToken,
		);
		expect(outcome.response.status).toBe(401);
		const kept = outcome.rejected!.request;
		expect(typeof kept.body).toBe('string');
		expect((kept.body as string).length).toBe(REJECTED_BODY_LIMITS.unauthenticated);
		expect(big.startsWith(kept.body as string)).toBe(true);
		expect(kept).toMatchObject({ bodyTruncated: true, bodyBytes: Buffer.byteLength(big), bodySha256: createHash('sha256').update(big).digest('hex') });
		expect(kept.headers).toEqual({ 'content-type': 'application/json' });
		expect(JSON.stringify(outcome).length).toBeLessThan(4096);
	});

	it('an unauthenticated body sent as unparsed text and a 503 (credential unavailable) are capped the same way', () => {
		const text = receivePostback({ method: 'POST', query: {}, body: big, headers: {} }, withToken).rejected!.request;
		expect(text).toMatchObject({ bodyTruncated: true, bodyBytes: Buffer.byteLength(big) });
		const unavailable = receivePostback({ method: 'POST', query: {}, rawBody: Buffer.from(big), headers: {} }, { ...withToken, auth: 'unavailable' }).rejected!
			.request;
		expect((unavailable.body as string).length).toBe(REJECTED_BODY_LIMITS.unauthenticated);
	});

	it('a small unauthenticated body is kept whole, as before', () => {
		const small = JSON.stringify({ click_id: 'c-1' });
		const outcome = receivePostback({ method: 'POST', query: {}, body: JSON.parse(small), rawBody: Buffer.from(small), headers: {} }, withToken);
		expect(outcome.rejected!.request.body).toEqual({ click_id: 'c-1' });
		expect(outcome.rejected!.request.bodyTruncated).toBeUndefined();
	});

	it('on a trigger without authentication every request is unauthenticated: an unreadable one keeps only the excerpt', () => {
		const outcome = receivePostback({ method: 'POST', query: {}, body: big, headers: { 'content-type': 'text/plain' } }, { network: 'custom', parseOptions });
		expect(outcome.response.status).toBe(400);
		expect((outcome.rejected!.request.body as string).length).toBe(REJECTED_BODY_LIMITS.unauthenticated);
		expect(outcome.rejected!.request).toMatchObject({ bodyTruncated: true, bodyBytes: Buffer.byteLength(big) });
	});

	it('an authenticated request that cannot be read keeps up to 64 kB, then an excerpt', () => {
		const outcome = receivePostback(
			{ method: 'POST', query: { token: TOKEN }, body: JSON.parse(big), rawBody: Buffer.from(big), headers: { 'content-type': 'application/json' } },
			withToken,
		);
		expect(outcome.response.status).toBe(400);
		expect((outcome.rejected!.request.body as string).length).toBe(REJECTED_BODY_LIMITS.authenticated);
		expect(outcome.rejected!.request.bodyTruncated).toBe(true);
	});
});

describe('receivePostback: over-long fields are refused, never cut', () => {
	const custom: IntakeConfig = { network: 'custom', parseOptions };
	const base = { click_id: 'c-1', commission: '3', transaction_id: 't-1' };

	it.each([
		['click_id', 'clickId', 'c'.repeat(FIELD_LIMITS.clickId + 1)],
		['transaction_id', 'transactionId', 't'.repeat(FIELD_LIMITS.transactionId + 1)],
		['email', 'user.email', `${'a'.repeat(250)}@example.com`],
		['phone', 'user.phone', '1'.repeat(FIELD_LIMITS['user.phone'] + 1)],
		['commission', 'commission', `1.${'1'.repeat(FIELD_LIMITS.commission)}`],
	])('%s longer than its limit → 400 field_too_long naming %s', (param, field, value) => {
		const outcome = receivePostback({ method: 'GET', query: { ...base, [param]: value }, headers: {} }, custom);
		expect(outcome.response.status).toBe(400);
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.rejected?.reason).toMatchObject({ code: 'field_too_long', field });
	});

	it('a value at its limit is accepted whole', () => {
		const clickId = 'c'.repeat(FIELD_LIMITS.clickId);
		const outcome = receivePostback({ method: 'GET', query: { ...base, click_id: clickId }, headers: {} }, custom);
		expect(outcome.accepted?.clickId).toBe(clickId);
	});

	it('an 80 kB raw value (read by no preset field) is refused before parsing, with 422 when configured', () => {
		const outcome = receivePostback({ method: 'GET', query: { ...base, junk: 'x'.repeat(80_000) }, headers: {} }, { ...custom, rejectStatus: 422 });
		expect(outcome.response.status).toBe(422);
		expect(outcome.rejected?.reason).toMatchObject({ code: 'field_too_long', field: 'junk' });
		const nested = receivePostback({ method: 'POST', query: {}, body: { data: { email: 'a'.repeat(80_000) } }, headers: {} }, custom);
		expect(nested.rejected?.reason).toMatchObject({ code: 'field_too_long', field: 'email' });
	});

	it('an 80 kB email value is refused with a reason before any pattern reads it', () => {
		const outcome = receivePostback({ method: 'GET', query: { ...base, email: `a@${'.'.repeat(80_000)}` }, headers: {} }, custom);
		expect(outcome.rejected?.reason).toMatchObject({ code: 'field_too_long' });
	});
});

describe('segmentBeforePath: the secret of a generated secret URL', () => {
	it.each([
		['/webhook/3f2b/shareasale?afftrack=1', 'shareasale', '3f2b'],
		['/webhook-test/3f2b/shareasale', 'shareasale', '3f2b'],
		['/hooks/a/b/3f2b/partners/shareasale/', '/partners/shareasale/', '3f2b'],
		['/webhook/shareasale', 'shareasale', 'webhook'],
		['/shareasale', 'shareasale', undefined],
		['/webhook/3f2b/other', 'shareasale', undefined],
		['/webhook/3f2b/xshareasale', 'shareasale', undefined],
		['/webhook/3f2b/', '', undefined],
	])('%s with path %s → %s', (url, path, expected) => {
		expect(segmentBeforePath(url, path)).toBe(expected);
	});

	it('a URL of 80,000 slashes is read in one pass and finds nothing', () => {
		expect(segmentBeforePath(`/${'/'.repeat(80_000)}x`, 'shareasale')).toBeUndefined();
	});
});

describe('journalAccepted (Resume If the Run Stops)', () => {
	it('an accepted postback: the journal’s item is emitted and the answer stays 200', async () => {
		const outcome = receivePostback(request(), shareasale);
		const journaled: unknown[] = [];
		const result = await journalAccepted(outcome, async (item) => {
			journaled.push(item);
			return { ...item, intake: { id: 'in_x' } };
		});
		expect(journaled).toEqual([outcome.accepted]);
		expect(result).toEqual({ response: outcome.response, accepted: { ...outcome.accepted, intake: { id: 'in_x' } } });
		expect(result.response.status).toBe(200);
	});

	it('a journal that throws: 503 with a reason and no detail of the error, the conversion still emitted unmarked', async () => {
		const outcome = receivePostback(request(), shareasale);
		const heard: unknown[] = [];
		const result = await journalAccepted(
			outcome,
			async () => {
				throw new Error('connect ECONNREFUSED db.internal:5432 user=postback');
			},
			(error) => heard.push((error as Error).message),
		);
		// The operator's side hears the cause; the network's answer does not carry it.
		expect(heard).toEqual(['connect ECONNREFUSED db.internal:5432 user=postback']);
		expect(result.accepted).toEqual(outcome.accepted);
		expect(result.response).toEqual(JOURNAL_UNAVAILABLE_RESPONSE);
		expect(result.response).toMatchObject({ status: 503, body: { ok: false, error: { code: 'journal_unavailable' } } });
		expect(JSON.stringify(result.response)).not.toMatch(/ECONNREFUSED|db\.internal|user=/);
	});

	it('a rejected postback is never journaled and keeps its answer', async () => {
		const { afftrack: _dropped, ...withoutClickId } = SALE;
		const outcome = receivePostback(request({ query: withoutClickId }), shareasale);
		expect(outcome.rejected).toBeDefined();
		const journal = jest.fn(async (item: Record<string, unknown>) => item);
		expect(await journalAccepted(outcome, journal)).toEqual({ response: outcome.response });
		expect(journal).not.toHaveBeenCalled();
	});
});

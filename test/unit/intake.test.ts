import { createHmac } from 'node:crypto';
import { receivePostback } from '../../src/intake';
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
		const outcome = receivePostback(
			request({ method: 'POST', query: {}, body: { ...SALE, afftrack: 'parsed' }, rawBody: Buffer.from(SALE_FORM) }),
			shareasale,
		);
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
		const outcome = receivePostback(request({ query: { ...SALE, token: 'network-data' } }), { ...shareasale, auth: { method: 'none' } });
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

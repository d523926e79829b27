import { createHmac } from 'node:crypto';
import { checkInboundAuth, DEFAULT_HMAC_MAX_AGE_SECONDS, ipInRange, parseAllowlist, parseIpRange } from '../../src/auth';
import {
	type IntakeConfig,
	type IntakeRequest,
	MAX_BODY_DEPTH,
	REJECTED_BODY_LIMITS,
	nestedDeeperThan,
	receivePostback,
	rejectReplays,
} from '../../src/intake';
import type { InboundAuthConfig, InboundAuthResult, InboundRequest } from '../../src/auth';

const TOKEN = 'tok_9f8e7d6c5b4a';
const USER = 'shareasale';
const PASSWORD = 'pw-S3cr3t!xyz';
const HMAC_SECRET = 'hmac-key-0123456789abcdef';
const SECRETS = [TOKEN, PASSWORD, HMAC_SECRET];

/** Every result the suite produces, so one test can check that no message ever carries a secret. */
const seen: InboundAuthResult[] = [];
function check(config: InboundAuthConfig, request: Partial<InboundRequest>, now?: () => Date): InboundAuthResult {
	const result = checkInboundAuth(config, { headers: {}, query: {}, signedPayload: '', ...request }, now);
	seen.push(result);
	return result;
}

function basic(user: string, password: string): string {
	return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function sign(payload: string | Buffer, secret: string, encoding: 'hex' | 'base64'): string {
	return createHmac('sha256', secret).update(payload).digest(encoding);
}

describe('IP ranges', () => {
	const range = (text: string) => {
		const parsed = parseIpRange(text);
		if (!parsed) throw new Error(`${text} did not parse`);
		return parsed;
	};

	it('203.0.113.7 is in 203.0.113.0/24 and not in 203.0.114.0/24', () => {
		expect(ipInRange('203.0.113.7', range('203.0.113.0/24'))).toBe(true);
		expect(ipInRange('203.0.113.255', range('203.0.113.0/24'))).toBe(true);
		expect(ipInRange('203.0.114.7', range('203.0.113.0/24'))).toBe(false);
		expect(ipInRange('203.0.113.7', range('203.0.114.0/24'))).toBe(false);
	});

	it('a /32 matches only its own address', () => {
		expect(ipInRange('203.0.113.7', range('203.0.113.8/32'))).toBe(false);
		expect(ipInRange('203.0.113.8', range('203.0.113.8/32'))).toBe(true);
		expect(ipInRange('203.0.113.8', range('203.0.113.8'))).toBe(true);
	});

	it('a range written with host bits set still covers its network', () => {
		expect(ipInRange('203.0.113.200', range('203.0.113.7/24'))).toBe(true);
	});

	it('prefix lengths that are not byte-aligned', () => {
		expect(ipInRange('10.0.0.15', range('10.0.0.0/28'))).toBe(true);
		expect(ipInRange('10.0.0.16', range('10.0.0.0/28'))).toBe(false);
		expect(ipInRange('172.31.255.255', range('172.16.0.0/12'))).toBe(true);
		expect(ipInRange('172.32.0.0', range('172.16.0.0/12'))).toBe(false);
	});

	it('an IPv4-mapped IPv6 address matches the IPv4 range', () => {
		expect(ipInRange('::ffff:203.0.113.7', range('203.0.113.0/24'))).toBe(true);
		expect(ipInRange('::FFFF:203.0.113.7', range('203.0.113.0/24'))).toBe(true);
		expect(ipInRange('::ffff:203.0.114.7', range('203.0.113.0/24'))).toBe(false);
		expect(ipInRange('203.0.113.7', range('::ffff:203.0.113.0/120'))).toBe(true);
	});

	it('IPv6 ranges', () => {
		expect(ipInRange('2001:db8::1', range('2001:db8::/32'))).toBe(true);
		expect(ipInRange('2001:db8:ffff:ffff::1', range('2001:db8::/32'))).toBe(true);
		expect(ipInRange('2001:db9::1', range('2001:db8::/32'))).toBe(false);
		expect(ipInRange('[2001:db8::1]', range('2001:db8::/32'))).toBe(true);
		expect(ipInRange('fe80::1%eth0', range('fe80::/10'))).toBe(true);
		expect(ipInRange('2001:db8::1', range('2001:db8::1'))).toBe(true);
		expect(ipInRange('2001:db8::2', range('2001:db8::1'))).toBe(false);
	});

	it('IPv4 ranges do not match unrelated IPv6 addresses, and /0 ranges keep to their family', () => {
		expect(ipInRange('2001:db8::1', range('0.0.0.0/0'))).toBe(false);
		expect(ipInRange('198.51.100.1', range('0.0.0.0/0'))).toBe(true);
		expect(ipInRange('2001:db8::1', range('::/0'))).toBe(true);
	});

	it('an address that is not an address is never in range', () => {
		expect(ipInRange('not-an-ip', range('0.0.0.0/0'))).toBe(false);
		expect(ipInRange('', range('::/0'))).toBe(false);
	});

	it.each(['10.0.0.300', '1.2.3.4/33', '2001:db8::/129', '1.2.3.4/', '1.2.3.4/x', 'example.com', '1.2.3', '::g', '1.2.3.4/-1'])('%s is malformed', (entry) => {
		expect(parseIpRange(entry)).toBeUndefined();
	});

	it('parseAllowlist splits on commas, spaces and new lines and reports what it cannot read', () => {
		const { ranges, invalid } = parseAllowlist('203.0.113.0/24, 10.0.0.300\n2001:db8::/32;  foo 1.2.3.4/33,,');
		expect(ranges.map((entry) => entry.text)).toEqual(['203.0.113.0/24', '2001:db8::/32']);
		expect(invalid).toEqual(['10.0.0.300', 'foo', '1.2.3.4/33']);
	});

	it('an empty allowlist has no entries and nothing invalid', () => {
		expect(parseAllowlist('  \n ')).toEqual({ ranges: [], invalid: [] });
	});
});

describe('checkInboundAuth: IP Allowlist Only', () => {
	it('without entries it authenticates nobody: refused as misconfigured (503), never "anyone"', () => {
		expect(check({ method: 'none' }, {})).toMatchObject({ ok: false, status: 503, code: 'misconfigured' });
		expect(check({ method: 'none', ipAllowlist: ' , \n ' }, { ip: '198.51.100.9' })).toMatchObject({ ok: false, status: 503, code: 'misconfigured' });
	});

	it('with entries it reports the allowlist as what verified the request', () => {
		expect(check({ method: 'none', ipAllowlist: '198.51.100.0/24' }, { ip: '198.51.100.9' })).toEqual({ ok: true, method: 'ip_allowlist' });
	});
});

describe('checkInboundAuth: token', () => {
	const config: InboundAuthConfig = { method: 'token', token: TOKEN, tokenParam: 'key' };

	it('the right token in the query passes', () => {
		expect(check(config, { query: { key: TOKEN } })).toMatchObject({ ok: true });
	});

	it('the default query parameter is "token" and the default location is the query', () => {
		expect(check({ method: 'token', token: TOKEN }, { query: { token: TOKEN } })).toMatchObject({ ok: true });
		expect(check({ method: 'token', token: TOKEN }, { query: { key: TOKEN } })).toMatchObject({ ok: false, status: 401 });
	});

	it('a repeated parameter uses its first value', () => {
		expect(check(config, { query: { key: [TOKEN, 'other'] } })).toMatchObject({ ok: true });
		expect(check(config, { query: { key: ['other', TOKEN] } })).toMatchObject({ ok: false });
	});

	it.each([
		['a wrong token', 'nope'],
		['a prefix of the token', TOKEN.slice(0, -1)],
		['the token with a suffix', `${TOKEN}x`],
		['the token in another case', TOKEN.toUpperCase()],
	])('%s → 401 unauthorized', (_label, presented) => {
		const result = check(config, { query: { key: presented } });
		expect(result).toMatchObject({ ok: false, status: 401, code: 'unauthorized' });
	});

	it('a missing or empty token → 401 naming the parameter', () => {
		const missing = check(config, { query: {} });
		expect(missing).toMatchObject({ ok: false, status: 401, code: 'unauthorized' });
		expect(!missing.ok && missing.message).toContain('"key"');
		expect(check(config, { query: { key: '' } })).toMatchObject({ ok: false, status: 401 });
	});

	it('the token in the path', () => {
		const pathConfig: InboundAuthConfig = { method: 'token', token: TOKEN, tokenLocation: 'path' };
		expect(check(pathConfig, { pathToken: TOKEN })).toMatchObject({ ok: true });
		expect(check(pathConfig, { pathToken: 'wrong' })).toMatchObject({ ok: false, status: 401, code: 'unauthorized' });
		expect(check(pathConfig, {})).toMatchObject({ ok: false, status: 401, code: 'unauthorized' });
		// A path credential is not satisfied by a query parameter.
		expect(check(pathConfig, { query: { token: TOKEN } })).toMatchObject({ ok: false });
	});

	it('an empty configured token is misconfigured, never "anything matches"', () => {
		expect(check({ method: 'token', token: '' }, { query: { token: '' } })).toMatchObject({ ok: false, code: 'misconfigured' });
		expect(check({ method: 'token' }, { query: {} })).toMatchObject({ ok: false, code: 'misconfigured' });
	});
});

describe('checkInboundAuth: HTTP Basic', () => {
	const config: InboundAuthConfig = { method: 'basic', user: USER, password: PASSWORD };

	it('the right user and password pass, header name in any case, scheme in any case', () => {
		expect(check(config, { headers: { authorization: basic(USER, PASSWORD) } })).toMatchObject({ ok: true });
		expect(check(config, { headers: { Authorization: basic(USER, PASSWORD) } })).toMatchObject({ ok: true });
		const lower = basic(USER, PASSWORD).replace('Basic', 'basic');
		expect(check(config, { headers: { AUTHORIZATION: lower } })).toMatchObject({ ok: true });
	});

	it('a password containing a colon', () => {
		const colonConfig: InboundAuthConfig = { method: 'basic', user: USER, password: 'a:b:c' };
		expect(check(colonConfig, { headers: { authorization: basic(USER, 'a:b:c') } })).toMatchObject({ ok: true });
		expect(check(colonConfig, { headers: { authorization: basic(USER, 'a:b') } })).toMatchObject({ ok: false });
	});

	it.each([
		['a wrong password', basic(USER, 'wrong')],
		['a wrong user', basic('someone', PASSWORD)],
		['no colon at all', `Basic ${Buffer.from(USER).toString('base64')}`],
		['another scheme', `Bearer ${PASSWORD}`],
	])('%s → 401 with a Basic challenge', (_label, authorization) => {
		const result = check(config, { headers: { authorization } });
		expect(result).toMatchObject({ ok: false, status: 401, code: 'unauthorized', challenge: 'Basic realm="postback"' });
	});

	it('no Authorization header → 401 with a Basic challenge', () => {
		expect(check(config, {})).toMatchObject({ ok: false, status: 401, challenge: 'Basic realm="postback"' });
	});

	it('an unset password is not satisfied by a different one', () => {
		expect(check({ method: 'basic', user: USER }, { headers: { authorization: basic(USER, PASSWORD) } })).toMatchObject({ ok: false });
	});
});

describe('checkInboundAuth: HMAC-SHA256', () => {
	const body = Buffer.from('afftrack=abc&commission=39.5&transID=198198598', 'utf8');
	const hexConfig: InboundAuthConfig = { method: 'hmac', hmacSecret: HMAC_SECRET };
	const b64Config: InboundAuthConfig = { method: 'hmac', hmacSecret: HMAC_SECRET, hmacEncoding: 'base64', hmacHeader: 'X-Signature' };

	it('a hex digest of the raw body in X-Postback-Signature passes', () => {
		expect(check(hexConfig, { signedPayload: body, headers: { 'x-postback-signature': sign(body, HMAC_SECRET, 'hex') } })).toMatchObject({ ok: true });
	});

	it('the hex digest in upper case and with a "sha256=" prefix passes', () => {
		const digest = sign(body, HMAC_SECRET, 'hex');
		expect(check(hexConfig, { signedPayload: body, headers: { 'X-Postback-Signature': digest.toUpperCase() } })).toMatchObject({ ok: true });
		expect(check(hexConfig, { signedPayload: body, headers: { 'x-postback-signature': `sha256=${digest}` } })).toMatchObject({ ok: true });
		expect(check(hexConfig, { signedPayload: body, headers: { 'x-postback-signature': ` SHA256=${digest} ` } })).toMatchObject({ ok: true });
	});

	it('a base64 digest in a configured header passes, with or without the prefix', () => {
		const digest = sign(body, HMAC_SECRET, 'base64');
		expect(check(b64Config, { signedPayload: body, headers: { 'x-signature': digest } })).toMatchObject({ ok: true });
		expect(check(b64Config, { signedPayload: body, headers: { 'x-signature': `sha256=${digest}` } })).toMatchObject({ ok: true });
	});

	it('a string payload (a GET query string) is signed the same way', () => {
		const query = 'afftrack=abc&commission=1';
		expect(check(hexConfig, { signedPayload: query, headers: { 'x-postback-signature': sign(query, HMAC_SECRET, 'hex') } })).toMatchObject({ ok: true });
	});

	it('a base64 digest is case-sensitive: changing its case fails', () => {
		const digest = sign(body, HMAC_SECRET, 'base64');
		const flipped = digest.replace(/[a-z]/, (letter) => letter.toUpperCase());
		expect(flipped).not.toBe(digest);
		expect(check(b64Config, { signedPayload: body, headers: { 'x-signature': flipped } })).toMatchObject({ ok: false, status: 401 });
	});

	it.each([
		['a tampered body', Buffer.from('afftrack=abc&commission=395.0&transID=198198598'), sign(body, HMAC_SECRET, 'hex')],
		['a digest made with another key', body, sign(body, 'another-key', 'hex')],
		['a base64 digest where hex is configured', body, sign(body, HMAC_SECRET, 'base64')],
		['a truncated digest', body, sign(body, HMAC_SECRET, 'hex').slice(0, 32)],
	])('%s → 401 unauthorized', (_label, payload, signature) => {
		const result = check(hexConfig, { signedPayload: payload, headers: { 'x-postback-signature': signature } });
		expect(result).toMatchObject({ ok: false, status: 401, code: 'unauthorized' });
	});

	it('a missing signature header → 401 naming the header', () => {
		const result = check(b64Config, { signedPayload: body, headers: { 'x-postback-signature': sign(body, HMAC_SECRET, 'base64') } });
		expect(result).toMatchObject({ ok: false, status: 401 });
		expect(!result.ok && result.message).toContain('X-Signature');
	});

	it('an empty HMAC secret is misconfigured', () => {
		const emptyKeyDigest = sign(body, '', 'hex');
		expect(check({ method: 'hmac', hmacSecret: '' }, { signedPayload: body, headers: { 'x-postback-signature': emptyKeyDigest } })).toMatchObject({
			ok: false,
			code: 'misconfigured',
		});
	});
});

describe('checkInboundAuth: IP allowlist', () => {
	const config: InboundAuthConfig = { method: 'token', token: TOKEN, ipAllowlist: '203.0.113.0/24, 2001:db8::/32' };

	it('an allowed address with the right token passes (v4, mapped v4, v6)', () => {
		expect(check(config, { ip: '203.0.113.7', query: { token: TOKEN } })).toMatchObject({ ok: true });
		expect(check(config, { ip: '::ffff:203.0.113.7', query: { token: TOKEN } })).toMatchObject({ ok: true });
		expect(check(config, { ip: '2001:db8::1', query: { token: TOKEN } })).toMatchObject({ ok: true });
	});

	it('an allowed address with a wrong token is still 401', () => {
		expect(check(config, { ip: '203.0.113.7', query: { token: 'wrong' } })).toMatchObject({ ok: false, status: 401, code: 'unauthorized' });
	});

	it('the right token from an address outside the list → 403 forbidden', () => {
		const result = check(config, { ip: '198.51.100.9', query: { token: TOKEN } });
		expect(result).toMatchObject({ ok: false, status: 403, code: 'forbidden' });
		expect(!result.ok && result.message).toContain('198.51.100.9');
	});

	it('an unknown caller address → 403', () => {
		expect(check(config, { query: { token: TOKEN } })).toMatchObject({ ok: false, status: 403, code: 'forbidden' });
	});

	it('the allowlist also applies with method none', () => {
		const open: InboundAuthConfig = { method: 'none', ipAllowlist: '203.0.113.7' };
		expect(check(open, { ip: '203.0.113.7' })).toMatchObject({ ok: true });
		expect(check(open, { ip: '203.0.113.8' })).toMatchObject({ ok: false, status: 403 });
	});

	it('a blank allowlist beside a token adds no address check', () => {
		expect(check({ method: 'token', token: TOKEN, ipAllowlist: '   ' }, { ip: '198.51.100.9', query: { token: TOKEN } })).toEqual({
			ok: true,
			method: 'token',
		});
	});

	it('a malformed allowlist entry makes the credential misconfigured and names the entry', () => {
		const result = check({ method: 'none', ipAllowlist: '203.0.113.0/24, 300.1.1.1' }, { ip: '203.0.113.7' });
		expect(result).toMatchObject({ ok: false, status: 503, code: 'misconfigured' });
		expect(!result.ok && result.message).toContain('300.1.1.1');
	});
});

describe('checkInboundAuth: unknown method', () => {
	it('is misconfigured, not open', () => {
		expect(check({ method: 'magic' as never }, {})).toMatchObject({ ok: false, code: 'misconfigured' });
	});
});

describe('checkInboundAuth: HMAC with a signed timestamp (replay protection)', () => {
	const body = Buffer.from('{"click_id":"abc","commission":"5","transaction_id":"T-1"}', 'utf8');
	const NOW = new Date('2026-11-21T12:00:00Z');
	const nowSeconds = Math.floor(NOW.getTime() / 1000);
	const clock = () => NOW;
	const config: InboundAuthConfig = { method: 'hmac', hmacSecret: HMAC_SECRET, hmacTimestampHeader: 'X-Postback-Timestamp', hmacMaxAgeSeconds: 300 };
	const signed = (timestamp: string | number, payload: Buffer | string = body, encoding: 'hex' | 'base64' = 'hex') =>
		sign(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.isBuffer(payload) ? payload : Buffer.from(payload)]), HMAC_SECRET, encoding);
	const headers = (timestamp: string | number, signature: string) => ({ 'x-postback-timestamp': String(timestamp), 'x-postback-signature': signature });

	it('a fresh timestamp signed with the body passes and reports its signature as the replay key', () => {
		const signature = signed(nowSeconds - 10);
		expect(check(config, { signedPayload: body, headers: headers(nowSeconds - 10, signature) }, clock)).toEqual({
			ok: true,
			method: 'hmac',
			replayKey: signature,
			replayWindowSeconds: 300,
		});
	});

	it('a timestamp in milliseconds is read as well (signed as sent)', () => {
		const millis = String(NOW.getTime() - 5000);
		expect(check(config, { signedPayload: body, headers: headers(millis, signed(millis)) }, clock)).toMatchObject({ ok: true });
	});

	it('the GET query string is signed as "<timestamp>.<query>"', () => {
		const query = 'click_id=abc&commission=5';
		expect(check(config, { signedPayload: query, headers: headers(nowSeconds, signed(nowSeconds, query)) }, clock)).toMatchObject({ ok: true });
	});

	it.each([
		['older than the max age', nowSeconds - 301, /301 s old/],
		['further in the future than the max age', nowSeconds + 301, /in the future/],
	])('a timestamp %s → 401 even with a valid signature', (_label, timestamp, message) => {
		const result = check(config, { signedPayload: body, headers: headers(timestamp, signed(timestamp)) }, clock);
		expect(result).toMatchObject({ ok: false, status: 401, code: 'unauthorized' });
		expect(!result.ok && result.message).toMatch(message);
	});

	it('the max age defaults to 300 s', () => {
		const noMax: InboundAuthConfig = { ...config, hmacMaxAgeSeconds: undefined };
		const old = nowSeconds - DEFAULT_HMAC_MAX_AGE_SECONDS - 1;
		expect(check(noMax, { signedPayload: body, headers: headers(old, signed(old)) }, clock)).toMatchObject({ ok: false, status: 401 });
		const fresh = nowSeconds - DEFAULT_HMAC_MAX_AGE_SECONDS + 1;
		expect(check(noMax, { signedPayload: body, headers: headers(fresh, signed(fresh)) }, clock)).toMatchObject({ ok: true });
	});

	it('a missing or unreadable timestamp header → 401 naming the header', () => {
		const missing = check(config, { signedPayload: body, headers: { 'x-postback-signature': signed(nowSeconds) } }, clock);
		expect(missing).toMatchObject({ ok: false, status: 401 });
		expect(!missing.ok && missing.message).toContain('X-Postback-Timestamp');
		expect(check(config, { signedPayload: body, headers: headers('yesterday', signed('yesterday')) }, clock)).toMatchObject({ ok: false, status: 401 });
	});

	it('a fresh timestamp swapped onto an old signature fails: the timestamp is signed', () => {
		const oldSignature = signed(nowSeconds - 3600);
		expect(check(config, { signedPayload: body, headers: headers(nowSeconds, oldSignature) }, clock)).toMatchObject({
			ok: false,
			status: 401,
			code: 'unauthorized',
		});
	});

	it('a signature of the body alone (no timestamp) fails once a timestamp header is configured', () => {
		expect(check(config, { signedPayload: body, headers: headers(nowSeconds, sign(body, HMAC_SECRET, 'hex')) }, clock)).toMatchObject({
			ok: false,
			status: 401,
		});
	});

	it('without a timestamp header configured nothing changes: no replay key', () => {
		expect(
			check({ method: 'hmac', hmacSecret: HMAC_SECRET }, { signedPayload: body, headers: { 'x-postback-signature': sign(body, HMAC_SECRET, 'hex') } }),
		).toMatchObject({ ok: true });
	});
});

describe('rejectReplays: a timestamped signature is accepted once', () => {
	const NOW = new Date('2026-11-21T12:00:00Z');
	const timestamp = String(Math.floor(NOW.getTime() / 1000));
	const body = JSON.stringify({ click_id: 'clk-1', commission: '5', transaction_id: 'T-replay' });
	const signature = sign(`${timestamp}.${body}`, HMAC_SECRET, 'hex');
	const config: IntakeConfig = {
		network: 'custom',
		auth: { method: 'hmac', hmacSecret: HMAC_SECRET, hmacTimestampHeader: 'X-Postback-Timestamp' },
		parseOptions: { now: () => NOW },
	};
	const incoming: IntakeRequest = {
		method: 'POST',
		query: {},
		body: JSON.parse(body),
		rawBody: Buffer.from(body),
		headers: { 'content-type': 'application/json', 'x-postback-timestamp': timestamp, 'x-postback-signature': signature },
	};
	/** An insert-if-absent memory, like store.claimConversion. */
	const memory = () => {
		const seenKeys = new Set<string>();
		return async (key: string) => (seenKeys.has(key) ? false : (seenKeys.add(key), true));
	};

	it('the first use is accepted; the same request again is refused 401 and kept on Rejected', async () => {
		const firstUse = memory();
		const first = await rejectReplays(incoming, config, receivePostback(incoming, config), firstUse);
		expect(first.response.status).toBe(200);
		expect(first.accepted?.transactionId).toBe('T-replay');
		expect(first.replay).toEqual({ key: signature, windowSeconds: DEFAULT_HMAC_MAX_AGE_SECONDS });

		const again = await rejectReplays(incoming, config, receivePostback(incoming, config), firstUse);
		expect(again.accepted).toBeUndefined();
		expect(again.response).toMatchObject({ status: 401, body: { ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/already used/) } } });
		expect(again.rejected).toMatchObject({ httpStatus: 401, reason: { code: 'unauthorized' } });
		// The signature header never travels with the kept request.
		expect(JSON.stringify(again.rejected)).not.toContain(signature);
	});

	it('a replay is refused without a Rejected item when unauthenticated requests are not passed on', async () => {
		const firstUse = memory();
		const quiet = { ...config, emitUnauthenticated: false };
		await rejectReplays(incoming, quiet, receivePostback(incoming, quiet), firstUse);
		const again = await rejectReplays(incoming, quiet, receivePostback(incoming, quiet), firstUse);
		expect(again.response.status).toBe(401);
		expect(again.rejected).toBeUndefined();
	});

	it('a memory that cannot be reached refuses the request (503) rather than risk a replay', async () => {
		const outcome = await rejectReplays(incoming, config, receivePostback(incoming, config), async () => {
			throw new Error('database is locked');
		});
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.response.status).toBe(503);
		expect(outcome.rejected?.reason.code).toBe('misconfigured');
	});

	it('requests without a timestamped signature never consult the memory', async () => {
		const plain: IntakeConfig = { network: 'custom', auth: { method: 'token', token: TOKEN } };
		const tokenRequest: IntakeRequest = { method: 'GET', query: { click_id: 'c', commission: '1', token: TOKEN }, headers: {} };
		const firstUse = jest.fn(async () => false);
		const outcome = await rejectReplays(tokenRequest, plain, receivePostback(tokenRequest, plain), firstUse);
		expect(outcome.response.status).toBe(200);
		expect(firstUse).not.toHaveBeenCalled();
	});
});

describe('intake: bodies nested too deep are refused before any preset reads them', () => {
	const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

	it('measures parsed and textual nesting without recursion', () => {
		expect(nestedDeeperThan(JSON.parse(nested(MAX_BODY_DEPTH)), MAX_BODY_DEPTH)).toBe(false);
		expect(nestedDeeperThan(JSON.parse(nested(MAX_BODY_DEPTH + 1)), MAX_BODY_DEPTH)).toBe(true);
		expect(nestedDeeperThan(JSON.parse(nested(10_000)), MAX_BODY_DEPTH)).toBe(true);
		expect(nestedDeeperThan(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, MAX_BODY_DEPTH)).toBe(true);
		// Brackets inside strings do not count.
		expect(nestedDeeperThan(JSON.stringify({ a: '{'.repeat(500) }), MAX_BODY_DEPTH)).toBe(false);
		expect(nestedDeeperThan({ click_id: 'a', commission: 1 }, MAX_BODY_DEPTH)).toBe(false);
		expect(nestedDeeperThan(undefined, MAX_BODY_DEPTH)).toBe(false);
	});

	it('a 10,000-level JSON body is answered 400 invalid_body and kept on Rejected as the text received', () => {
		const text = `{"click_id":"abc","commission":"1","extra":${nested(10_000)}}`;
		const outcome = receivePostback(
			{ method: 'POST', query: {}, body: JSON.parse(text), rawBody: Buffer.from(text), headers: { 'content-type': 'application/json' } },
			{ network: 'custom' },
		);
		expect(outcome.accepted).toBeUndefined();
		expect(outcome.response).toMatchObject({ status: 400, body: { ok: false, error: { code: 'invalid_body' } } });
		// As text (never the parsed structure); on a trigger without authentication, capped to an excerpt with size and hash.
		expect(outcome.rejected?.request.body).toBe(text.slice(0, REJECTED_BODY_LIMITS.unauthenticated));
		expect(outcome.rejected?.request).toMatchObject({ bodyTruncated: true, bodyBytes: text.length });
		// The record can be serialized (n8n stores and shows it).
		expect(() => JSON.stringify(outcome.rejected)).not.toThrow();
	});

	it('the same for a deep body sent as text', () => {
		const text = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
		const outcome = receivePostback(
			{ method: 'POST', query: {}, body: text, rawBody: Buffer.from(text), headers: { 'content-type': 'text/plain' } },
			{ network: 'custom', rejectStatus: 422 },
		);
		expect(outcome.response).toMatchObject({ status: 422, body: { error: { code: 'invalid_body' } } });
	});
});

describe('no result message carries a secret', () => {
	it('the suite produced failures to inspect', () => {
		expect(seen.filter((result) => !result.ok).length).toBeGreaterThan(30);
	});

	it('the token, the Basic password and the HMAC secret appear in no message or challenge', () => {
		// The secrets were presented in headers, queries and paths above; none may be echoed back.
		for (const result of seen) {
			if (result.ok) continue;
			const text = `${result.message} ${result.challenge ?? ''}`;
			for (const secret of SECRETS) expect(text).not.toContain(secret);
			expect(text).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
		}
	});
});

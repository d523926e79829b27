import { createHmac } from 'node:crypto';
import { checkInboundAuth, ipInRange, parseAllowlist, parseIpRange } from '../../src/auth';
import type { InboundAuthConfig, InboundAuthResult, InboundRequest } from '../../src/auth';

const TOKEN = 'tok_9f8e7d6c5b4a';
const USER = 'shareasale';
const PASSWORD = 'pw-S3cr3t!xyz';
const HMAC_SECRET = 'hmac-key-0123456789abcdef';
const SECRETS = [TOKEN, PASSWORD, HMAC_SECRET];

/** Every result the suite produces, so one test can check that no message ever carries a secret. */
const seen: InboundAuthResult[] = [];
function check(config: InboundAuthConfig, request: Partial<InboundRequest>): InboundAuthResult {
	const result = checkInboundAuth(config, { headers: {}, query: {}, signedPayload: '', ...request });
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

	it.each(['10.0.0.300', '1.2.3.4/33', '2001:db8::/129', '1.2.3.4/', '1.2.3.4/x', 'example.com', '1.2.3', '::g', '1.2.3.4/-1'])(
		'%s is malformed',
		(entry) => {
			expect(parseIpRange(entry)).toBeUndefined();
		},
	);

	it('parseAllowlist splits on commas, spaces and new lines and reports what it cannot read', () => {
		const { ranges, invalid } = parseAllowlist('203.0.113.0/24, 10.0.0.300\n2001:db8::/32;  foo 1.2.3.4/33,,');
		expect(ranges.map((entry) => entry.text)).toEqual(['203.0.113.0/24', '2001:db8::/32']);
		expect(invalid).toEqual(['10.0.0.300', 'foo', '1.2.3.4/33']);
	});

	it('an empty allowlist has no entries and nothing invalid', () => {
		expect(parseAllowlist('  \n ')).toEqual({ ranges: [], invalid: [] });
	});
});

describe('checkInboundAuth: none', () => {
	it('lets everything through', () => {
		expect(check({ method: 'none' }, {})).toEqual({ ok: true });
	});
});

describe('checkInboundAuth: token', () => {
	const config: InboundAuthConfig = { method: 'token', token: TOKEN, tokenParam: 'key' };

	it('the right token in the query passes', () => {
		expect(check(config, { query: { key: TOKEN } })).toEqual({ ok: true });
	});

	it('the default query parameter is "token" and the default location is the query', () => {
		expect(check({ method: 'token', token: TOKEN }, { query: { token: TOKEN } })).toEqual({ ok: true });
		expect(check({ method: 'token', token: TOKEN }, { query: { key: TOKEN } })).toMatchObject({ ok: false, status: 401 });
	});

	it('a repeated parameter uses its first value', () => {
		expect(check(config, { query: { key: [TOKEN, 'other'] } })).toEqual({ ok: true });
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
		expect(check(pathConfig, { pathToken: TOKEN })).toEqual({ ok: true });
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
		expect(check(config, { headers: { authorization: basic(USER, PASSWORD) } })).toEqual({ ok: true });
		expect(check(config, { headers: { Authorization: basic(USER, PASSWORD) } })).toEqual({ ok: true });
		const lower = basic(USER, PASSWORD).replace('Basic', 'basic');
		expect(check(config, { headers: { AUTHORIZATION: lower } })).toEqual({ ok: true });
	});

	it('a password containing a colon', () => {
		const colonConfig: InboundAuthConfig = { method: 'basic', user: USER, password: 'a:b:c' };
		expect(check(colonConfig, { headers: { authorization: basic(USER, 'a:b:c') } })).toEqual({ ok: true });
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
		expect(check(hexConfig, { signedPayload: body, headers: { 'x-postback-signature': sign(body, HMAC_SECRET, 'hex') } })).toEqual({ ok: true });
	});

	it('the hex digest in upper case and with a "sha256=" prefix passes', () => {
		const digest = sign(body, HMAC_SECRET, 'hex');
		expect(check(hexConfig, { signedPayload: body, headers: { 'X-Postback-Signature': digest.toUpperCase() } })).toEqual({ ok: true });
		expect(check(hexConfig, { signedPayload: body, headers: { 'x-postback-signature': `sha256=${digest}` } })).toEqual({ ok: true });
		expect(check(hexConfig, { signedPayload: body, headers: { 'x-postback-signature': ` SHA256=${digest} ` } })).toEqual({ ok: true });
	});

	it('a base64 digest in a configured header passes, with or without the prefix', () => {
		const digest = sign(body, HMAC_SECRET, 'base64');
		expect(check(b64Config, { signedPayload: body, headers: { 'x-signature': digest } })).toEqual({ ok: true });
		expect(check(b64Config, { signedPayload: body, headers: { 'x-signature': `sha256=${digest}` } })).toEqual({ ok: true });
	});

	it('a string payload (a GET query string) is signed the same way', () => {
		const query = 'afftrack=abc&commission=1';
		expect(check(hexConfig, { signedPayload: query, headers: { 'x-postback-signature': sign(query, HMAC_SECRET, 'hex') } })).toEqual({ ok: true });
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
		expect(check(config, { ip: '203.0.113.7', query: { token: TOKEN } })).toEqual({ ok: true });
		expect(check(config, { ip: '::ffff:203.0.113.7', query: { token: TOKEN } })).toEqual({ ok: true });
		expect(check(config, { ip: '2001:db8::1', query: { token: TOKEN } })).toEqual({ ok: true });
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
		expect(check(open, { ip: '203.0.113.7' })).toEqual({ ok: true });
		expect(check(open, { ip: '203.0.113.8' })).toMatchObject({ ok: false, status: 403 });
	});

	it('a blank allowlist allows any address', () => {
		expect(check({ method: 'none', ipAllowlist: '   ' }, { ip: '198.51.100.9' })).toEqual({ ok: true });
	});

	it('a malformed allowlist entry makes the credential misconfigured and names the entry', () => {
		const result = check({ method: 'none', ipAllowlist: '203.0.113.0/24, 300.1.1.1' }, { ip: '203.0.113.7' });
		expect(result).toMatchObject({ ok: false, status: 403, code: 'misconfigured' });
		expect(!result.ok && result.message).toContain('300.1.1.1');
	});
});

describe('checkInboundAuth: unknown method', () => {
	it('is misconfigured, not open', () => {
		expect(check({ method: 'magic' as never }, {})).toMatchObject({ ok: false, code: 'misconfigured' });
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

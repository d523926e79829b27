import fc from 'fast-check';
import { buildFbc, clientIp, isSecureRequest, isWellFormedFbc, normalizeIp, parseCookieHeader, readClickRequest } from '../../../src/clicks';
import { gaClientId } from '../../../src/clicks/request';
import type { ClickRequest } from '../../../src/clicks';

const NOW = new Date('2026-03-01T12:34:56.789Z');
const now = () => NOW;
const FBCLID = 'IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk';

function request(query: Record<string, unknown> = {}, extra: Partial<ClickRequest> = {}): ClickRequest {
	return { method: 'GET', query, headers: {}, ip: '203.0.113.10', ...extra };
}

describe('readClickRequest: ad platform click ids', () => {
	it('reads every ad click id, the utm parameters and the visitor details', () => {
		const details = readClickRequest(
			request(
				{
					fbclid: FBCLID,
					gclid: 'Cj0KCQiA-gclid_value',
					gbraid: '0AAAAADgbraid',
					wbraid: 'CjkKCQwbraid',
					ttclid: 'E.C.P.ttclid123',
					ScCid: 'a1b2c3d4-snap',
					epik: 'dj0yJnU9epik',
					rdt_cid: 'reddit_cid_1',
					msclkid: '1b2c3d4e5f',
					utm_source: 'facebook',
					utm_medium: 'cpc',
					utm_campaign: 'spring sale',
					utm_term: 'hosting',
					utm_content: 'ad-7',
					aff_id: 'aff42',
					landing: 'https://example.com/review?x=1',
					ref: 'https://www.facebook.com/',
				},
				{
					headers: {
						'user-agent': 'Mozilla/5.0 (test)',
						referer: 'https://example.com/review?x=1',
						cookie: '_fbp=fb.1.1700000000000.1234567890; _ttp=ttp-cookie-value; other=1',
					},
				},
			),
			{ now },
		);
		expect(details).toMatchObject({
			clickedAt: NOW.toISOString(),
			fbclid: FBCLID,
			fbc: `fb.1.${NOW.getTime()}.${FBCLID}`,
			fbp: 'fb.1.1700000000000.1234567890',
			gclid: 'Cj0KCQiA-gclid_value',
			gbraid: '0AAAAADgbraid',
			wbraid: 'CjkKCQwbraid',
			ttclid: 'E.C.P.ttclid123',
			ttp: 'ttp-cookie-value',
			sccid: 'a1b2c3d4-snap',
			epik: 'dj0yJnU9epik',
			rdtCid: 'reddit_cid_1',
			msclkid: '1b2c3d4e5f',
			utm: { source: 'facebook', medium: 'cpc', campaign: 'spring sale', term: 'hosting', content: 'ad-7' },
			affiliateId: 'aff42',
			ip: '203.0.113.10',
			userAgent: 'Mozilla/5.0 (test)',
			landingUrl: 'https://example.com/review?x=1',
			referrer: 'https://www.facebook.com/',
			newVisitor: true,
		});
	});

	it("reads the platforms' first-party cookies: GA4's _ga as its client id, Snapchat's _scid, Reddit's _rdt_uuid", () => {
		const fromCookies = readClickRequest(
			request({}, { headers: { cookie: '_ga=GA1.1.1234567890.1700000000; _scid=scid-value-1; _rdt_uuid=1700000000000.uuid-1' } }),
			{ now },
		);
		expect(fromCookies).toMatchObject({ gaClientId: '1234567890.1700000000', scCookie1: 'scid-value-1', rdtUuid: '1700000000000.uuid-1' });
		// AutoTag forwards them from the visitor's page as ga, scid and rdt_uuid.
		const forwarded = readClickRequest(request({ ga: 'GA1.2.987654321.1699999999', scid: 'scid-2', rdt_uuid: 'uuid-2' }), { now });
		expect(forwarded).toMatchObject({ gaClientId: '987654321.1699999999', scCookie1: 'scid-2', rdtUuid: 'uuid-2' });
	});

	it.each([
		['GA1.1.1234567890.1700000000', '1234567890.1700000000'],
		['GA1.3.42.1700000000', '42.1700000000'],
		['1234567890.1700000000', '1234567890.1700000000'],
		['GA1.1.abc.1700000000', undefined],
		['GS1.1.1700000000.1.1.1700000100.0.0.0', undefined],
		['', undefined],
	])('a _ga value %j is the client id %j', (value, expected) => {
		expect(gaClientId(value)).toBe(expected);
	});

	it.each(['ScCid', 'sccid', 'SCCID'])('reads Snapchat ScCid spelled %s', (name) => {
		expect(readClickRequest(request({ [name]: 'snap-1' })).sccid).toBe('snap-1');
	});

	it('keeps fbclid exactly as received: it is case-sensitive', () => {
		const details = readClickRequest(request({ fbclid: 'AbCdEf_123-XyZ' }), { now });
		expect(details.fbclid).toBe('AbCdEf_123-XyZ');
		expect(details.fbc).toBe(`fb.1.${NOW.getTime()}.AbCdEf_123-XyZ`);
	});

	it('takes the first of repeated parameters and ignores empty or structured ones', () => {
		const details = readClickRequest(request({ gclid: ['first', 'second'], ttclid: '', msclkid: { a: 'b' } }));
		expect(details.gclid).toBe('first');
		expect(details).not.toHaveProperty('ttclid');
		expect(details).not.toHaveProperty('msclkid');
	});

	it('drops ids with spaces or control characters, or absurdly long ones, instead of cleaning them', () => {
		const details = readClickRequest(request({ gclid: 'abc def', wbraid: 'a\u0000b', gbraid: 'x'.repeat(501), msclkid: 'ok' }));
		expect(details).not.toHaveProperty('gclid');
		expect(details).not.toHaveProperty('wbraid');
		expect(details).not.toHaveProperty('gbraid');
		expect(details.msclkid).toBe('ok');
	});

	it('has nothing but the basics for a bare request', () => {
		const details = readClickRequest(request(), { now });
		expect(Object.keys(details).sort()).toEqual(['clickedAt', 'ip', 'newVisitor', 'visitorId']);
	});
});

describe('readClickRequest: fbc and fbp', () => {
	const cookieFbc = `fb.1.1690000000000.${FBCLID}`;

	it('builds fbc as fb.1.[click time ms].[fbclid]', () => {
		expect(buildFbc('abc', NOW)).toBe(`fb.1.${NOW.getTime()}.abc`);
		expect(`${NOW.getTime()}`).toHaveLength(13);
	});

	it('keeps the browser _fbc cookie when it is well-formed and belongs to the same fbclid (original creation time)', () => {
		const details = readClickRequest(request({ fbclid: FBCLID }, { headers: { cookie: `_fbc=${cookieFbc}` } }), { now });
		expect(details.fbc).toBe(cookieFbc);
	});

	it('builds a fresh fbc when the cookie belongs to an older fbclid', () => {
		const details = readClickRequest(request({ fbclid: 'NewClick123' }, { headers: { cookie: `_fbc=${cookieFbc}` } }), { now });
		expect(details.fbc).toBe(`fb.1.${NOW.getTime()}.NewClick123`);
	});

	it('uses a well-formed cookie alone when the URL has no fbclid', () => {
		expect(readClickRequest(request({}, { headers: { cookie: `_fbc=${cookieFbc}` } })).fbc).toBe(cookieFbc);
		expect(readClickRequest(request({ fbc: cookieFbc })).fbc).toBe(cookieFbc);
	});

	it.each([
		'fb.1.169000000000.abc', // 12-digit time
		'fb.1.16900000000000.abc', // 14-digit time
		'fb.3.1690000000000.abc', // subdomain index out of range
		'fb.1.1690000000000.', // no fbclid
		'fb.1.1690000000000.ab cd',
		'fb.1.1690000000000.abc.extra',
		'FB.1.1690000000000.abc',
		'fb.1.abc.abc',
		'1690000000000.abc',
		'',
	])('rejects the malformed _fbc %j: omitted without an fbclid, rebuilt with one', (malformed) => {
		expect(isWellFormedFbc(malformed)).toBe(false);
		const cookie = `_fbc=${encodeURIComponent(malformed)}`;
		expect(readClickRequest(request({}, { headers: { cookie } }))).not.toHaveProperty('fbc');
		expect(readClickRequest(request({ fbc: malformed }))).not.toHaveProperty('fbc');
		expect(readClickRequest(request({ fbclid: 'Good_1' }, { headers: { cookie } }), { now }).fbc).toBe(`fb.1.${NOW.getTime()}.Good_1`);
	});

	it('does not build an fbc from an fbclid that is not one', () => {
		const details = readClickRequest(request({ fbclid: 'bad.fbclid!' }), { now });
		expect(details.fbclid).toBe('bad.fbclid!');
		expect(details).not.toHaveProperty('fbc');
	});

	it('every fbc it produces is well-formed (property)', () => {
		fc.assert(
			fc.property(fc.option(fc.string({ maxLength: 40 })), fc.option(fc.string({ maxLength: 60 })), (fbclid, cookie) => {
				const query = fbclid === null ? {} : { fbclid };
				const headers = cookie === null ? {} : { cookie: `_fbc=${encodeURIComponent(cookie)}` };
				const details = readClickRequest(request(query, { headers }), { now });
				if (details.fbc !== undefined) expect(isWellFormedFbc(details.fbc)).toBe(true);
			}),
		);
	});

	it('keeps only a well-formed _fbp (cookie first, then the fbp parameter AutoTag forwards)', () => {
		expect(readClickRequest(request({}, { headers: { cookie: '_fbp=fb.1.1700000000000.987654321' } })).fbp).toBe('fb.1.1700000000000.987654321');
		expect(readClickRequest(request({ fbp: 'fb.2.1700000000000.42' })).fbp).toBe('fb.2.1700000000000.42');
		expect(readClickRequest(request({ fbp: 'fb.1.1700000000000.abc' }))).not.toHaveProperty('fbp');
		expect(readClickRequest(request({}, { headers: { cookie: '_fbp=garbage' } }))).not.toHaveProperty('fbp');
	});

	it('reads _ttp from the cookie, then the ttp parameter', () => {
		expect(readClickRequest(request({ ttp: 'from-param' }, { headers: { cookie: '_ttp=from-cookie' } })).ttp).toBe('from-cookie');
		expect(readClickRequest(request({ ttp: 'from-param' })).ttp).toBe('from-param');
	});

	it('reads the parsed cookies a web server hands over as well as the Cookie header', () => {
		expect(readClickRequest(request({}, { cookies: { _ttp: 'parsed' } })).ttp).toBe('parsed');
	});
});

describe('readClickRequest: visitor id cookie', () => {
	const visitor = 'k3j9qv7xw2lmp8rt5yzab4cd6e';

	it('reuses a well-formed visitor cookie', () => {
		const details = readClickRequest(request({}, { headers: { cookie: `pb_vid=${visitor}` } }));
		expect(details.visitorId).toBe(visitor);
		expect(details.newVisitor).toBe(false);
	});

	it('reads a custom cookie name', () => {
		expect(readClickRequest(request({}, { headers: { cookie: `trk=${visitor}` } }), { cookieName: 'trk' }).visitorId).toBe(visitor);
	});

	it.each(['short', 'UPPERCASE0123456789ABCDEFGH', '<script>alert(1)</script>', `${visitor}; evil=1`, ''])(
		'mints a new one for the malformed cookie %j',
		(value) => {
			const details = readClickRequest(request({}, { headers: { cookie: `pb_vid=${encodeURIComponent(value)}` } }));
			expect(details.visitorId).not.toBe(value);
			expect(details.visitorId).toMatch(/^[0-9a-z]{26}$/);
			expect(details.newVisitor).toBe(true);
		},
	);
});

describe('readClickRequest: landing page and referrer', () => {
	it('falls back to the Referer header for both when AutoTag sent neither', () => {
		const details = readClickRequest(request({}, { headers: { referer: 'https://blog.example.com/post' } }));
		expect(details.landingUrl).toBe('https://blog.example.com/post');
		expect(details.referrer).toBe('https://blog.example.com/post');
	});

	it('ignores landing and ref values that are not http(s) URLs', () => {
		const details = readClickRequest(request({ landing: 'javascript:alert(1)', ref: 'not a url' }));
		expect(details).not.toHaveProperty('landingUrl');
		expect(details).not.toHaveProperty('referrer');
	});

	it('strips control characters from the user agent and bounds it', () => {
		const details = readClickRequest(request({}, { headers: { 'user-agent': `Bot\r\nX-Injected: 1${'a'.repeat(2000)}` } }));
		expect(details.userAgent).not.toMatch(/[\r\n]/);
		expect(details.userAgent!.length).toBeLessThanOrEqual(1000);
	});
});

describe('client IP and X-Forwarded-For', () => {
	const via = (xff: string | undefined, ip = '10.0.0.2', hops = 0) =>
		clientIp({ query: {}, headers: xff === undefined ? {} : { 'x-forwarded-for': xff }, ip }, hops);

	it('uses the address n8n reports when no proxy is trusted, whatever the header says', () => {
		expect(via('198.51.100.7', '10.0.0.2', 0)).toBe('10.0.0.2');
	});

	it('with one trusted proxy, takes the rightmost X-Forwarded-For entry (the one the proxy appended)', () => {
		expect(via('198.51.100.7', '10.0.0.2', 1)).toBe('198.51.100.7');
		// A visitor who sends their own X-Forwarded-For cannot choose the address recorded.
		expect(via('6.6.6.6, 198.51.100.7', '10.0.0.2', 1)).toBe('198.51.100.7');
	});

	it('with two trusted proxies, skips the one the outer proxy added', () => {
		expect(via('6.6.6.6, 198.51.100.7, 172.16.0.5', '10.0.0.2', 2)).toBe('198.51.100.7');
	});

	it('stops at the leftmost entry when more hops are configured than entries exist', () => {
		expect(via('198.51.100.7', '10.0.0.2', 5)).toBe('198.51.100.7');
	});

	it('falls back to the socket address when the chosen entry is not an address, or there is no header', () => {
		expect(via('unknown', '10.0.0.2', 1)).toBe('10.0.0.2');
		expect(via(undefined, '10.0.0.2', 1)).toBe('10.0.0.2');
	});

	it('normalises ports, brackets and IPv4-mapped IPv6', () => {
		expect(normalizeIp('::ffff:203.0.113.9')).toBe('203.0.113.9');
		expect(normalizeIp('203.0.113.9:4431')).toBe('203.0.113.9');
		expect(normalizeIp('[2001:DB8::1]:443')).toBe('2001:db8::1');
		expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
		expect(normalizeIp('not-an-ip')).toBeUndefined();
		expect(via('[2001:db8::7]:5000', '10.0.0.2', 1)).toBe('2001:db8::7');
	});

	it('reads a repeated header as one chain', () => {
		expect(clientIp({ query: {}, headers: { 'x-forwarded-for': ['6.6.6.6', '198.51.100.7'] }, ip: '10.0.0.2' }, 1)).toBe('198.51.100.7');
	});

	it('HTTPS: express req.secure, or X-Forwarded-Proto only from a trusted proxy', () => {
		expect(isSecureRequest({ query: {}, headers: {}, secure: true })).toBe(true);
		expect(isSecureRequest({ query: {}, headers: { 'x-forwarded-proto': 'https' } }, 0)).toBe(false);
		expect(isSecureRequest({ query: {}, headers: { 'x-forwarded-proto': 'https' } }, 1)).toBe(true);
		expect(isSecureRequest({ query: {}, headers: { 'x-forwarded-proto': 'http' } }, 1)).toBe(false);
	});
});

describe('parseCookieHeader', () => {
	it('keeps the first value of a name, drops quotes, decodes', () => {
		expect(parseCookieHeader('a=1; b="two"; a=3; c=%7Bx%7D; broken; d=%E0%A4%A')).toEqual({ a: '1', b: 'two', c: '{x}', d: '%E0%A4%A' });
		expect(parseCookieHeader(undefined)).toEqual({});
	});
});

import { trackClick } from '../../../src/clicks';
import type { ClickRequest, TrackerConfig } from '../../../src/clicks';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const config: TrackerConfig = {
	now: () => NOW,
	offers: [{ name: 'wpengine', url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=' }],
	allowedDomains: 'awin1.com',
};
const get = (query: Record<string, unknown>, extra: Partial<ClickRequest> = {}): ClickRequest => ({
	method: 'GET',
	query,
	headers: {},
	ip: '203.0.113.10',
	...extra,
});

describe('trackClick', () => {
	it('answers 302 to the offer with the click id in the subid, no-store, and the two first-party cookies', () => {
		const outcome = trackClick(get({ offer: 'wpengine', fbclid: 'AbC_1', gclid: 'g1', ttclid: 't1' }), config);
		const click = outcome.click!;
		expect(outcome.rejected).toBeUndefined();
		expect(outcome.response.status).toBe(302);
		expect(outcome.response.headers.Location).toBe(`https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=${click.clickId}`);
		expect(outcome.response.headers['Cache-Control']).toBe('no-store');
		expect(outcome.response.headers['Set-Cookie']).toEqual([
			`pb_vid=${click.visitorId}; Path=/; Max-Age=${90 * 86400}; SameSite=Lax`,
			`pb_vid_click=${click.clickId}; Path=/; Max-Age=${90 * 86400}; SameSite=Lax`,
		]);
		expect(click).toMatchObject({
			clickedAt: NOW.toISOString(),
			network: 'shareasale',
			offerId: 'wpengine',
			offerUrl: outcome.response.headers.Location,
			fbclid: 'AbC_1',
			fbc: `fb.1.${NOW.getTime()}.AbC_1`,
			gclid: 'g1',
			ttclid: 't1',
			ip: '203.0.113.10',
			newVisitor: true,
		});
		expect(click.clickId).toMatch(/^[0-9a-z]{26}$/);
	});

	it('marks the cookies Secure over HTTPS, with the configured domain and lifetime', () => {
		const outcome = trackClick(get({ offer: 'wpengine' }, { secure: true }), { ...config, cookie: { name: 'trk', days: 30, domain: '.Example.com' } });
		const cookies = outcome.response.headers['Set-Cookie'] as string[];
		expect(cookies[0]).toMatch(/^trk=[0-9a-z]{26}; Path=\/; Max-Age=2592000; Domain=example\.com; SameSite=Lax; Secure$/);
		expect(cookies[1]).toMatch(/^trk_click=/);
		expect(cookies.join()).not.toMatch(/HttpOnly/);
	});

	it('makes session cookies for a lifetime of 0, and caps it at 400 days', () => {
		expect((trackClick(get({ offer: 'wpengine' }), { ...config, cookie: { days: 0 } }).response.headers['Set-Cookie'] as string[])[0]).not.toMatch(/Max-Age/);
		expect((trackClick(get({ offer: 'wpengine' }), { ...config, cookie: { days: 9999 } }).response.headers['Set-Cookie'] as string[])[0]).toMatch(
			/Max-Age=34560000;/,
		);
	});

	it("keeps a returning visitor's id", () => {
		const visitor = 'k3j9qv7xw2lmp8rt5yzab4cd6e';
		const outcome = trackClick(get({ offer: 'wpengine' }, { headers: { cookie: `pb_vid=${visitor}` } }), config);
		expect(outcome.click).toMatchObject({ visitorId: visitor, newVisitor: false });
	});

	it('mints a different click id every time', () => {
		const ids = new Set(Array.from({ length: 200 }, () => trackClick(get({ offer: 'wpengine' }), config).click!.clickId));
		expect(ids.size).toBe(200);
	});

	it('uses the click id prefix', () => {
		expect(trackClick(get({ offer: 'wpengine' }), { ...config, clickIdPrefix: 'c' }).click!.clickId).toMatch(/^c[0-9a-z]{26}$/);
	});

	it.each([
		[{}, 400, 'missing_target'],
		[{ offer: 'unknown' }, 404, 'unknown_offer'],
		[{ url: 'https://evil.test/' }, 403, 'domain_not_allowed'],
		[{ url: 'not a url' }, 400, 'invalid_url'],
		[{ url: 'javascript:alert(1)' }, 400, 'unsupported_scheme'],
		[{ url: 'https://awin1.com@evil.test/' }, 400, 'credentials_in_url'],
	])('refuses %j with %i %s, a JSON reason, and no click', (query, status, code) => {
		const outcome = trackClick(get(query, { headers: { cookie: 'secret=1', 'user-agent': 'ua' } }), config);
		expect(outcome.click).toBeUndefined();
		expect(outcome.response.status).toBe(status);
		expect(outcome.response.body).toEqual({ ok: false, error: expect.objectContaining({ code }) });
		expect(outcome.response.headers).not.toHaveProperty('Location');
		expect(outcome.response.headers).not.toHaveProperty('Set-Cookie');
		expect(outcome.rejected).toMatchObject({
			httpStatus: status,
			reason: { code },
			request: { method: 'GET', query, ip: '203.0.113.10', headers: { 'user-agent': 'ua' } },
		});
		expect(outcome.rejected!.request.headers).not.toHaveProperty('cookie');
	});

	it.each([
		[{ cookie: { name: 'bad name' } }, 'cookieName'],
		[{ cookie: { domain: 'not a domain/' } }, 'cookieDomain'],
		[{ clickIdPrefix: 'UP' }, 'clickIdPrefix'],
	])('refuses every click while a setting is broken (%j)', (extra, field) => {
		const outcome = trackClick(get({ offer: 'wpengine' }), { ...config, ...extra });
		expect(outcome.response.status).toBe(500);
		expect(outcome.rejected?.reason).toMatchObject({ code: 'misconfigured', field });
	});

	it('routes allowed links with the network taken from the domain', () => {
		const outcome = trackClick(get({ url: 'https://www.awin1.com/cread.php?awinmid=1&awinaffid=2&clickref=' }), config);
		expect(outcome.response.headers.Location).toBe(`https://www.awin1.com/cread.php?awinmid=1&awinaffid=2&clickref=${outcome.click!.clickId}`);
		expect(outcome.click).toMatchObject({ network: 'awin' });
		expect(outcome.click).not.toHaveProperty('offerId');
	});
});

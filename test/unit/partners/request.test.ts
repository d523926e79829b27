import { buildPartnerPostback } from '../../../src/partners';
import { funnelLikeItem } from './helpers';

const template = 'https://p.test/pb/{click_id}?c={click_id}&amt={amount}&note={note}&token={token}&lit=a%20b';
const values = { note: 'a&b = 🎉', token: 'tok-secret-9' };

describe('GET, POST form and POST JSON carry the same values', () => {
	it('GET: everything in the query, no body', () => {
		const built = buildPartnerPostback('custom', funnelLikeItem(), { template, values, method: 'GET' });
		expect(built).toMatchObject({ method: 'GET', partnerMethod: 'GET', headers: {} });
		expect(built.body).toBeUndefined();
		const query = new URL(built.url).searchParams;
		expect(Object.fromEntries(query)).toEqual({ c: 'clk_01hx8k2m3n', amt: '79.5', note: 'a&b = 🎉', token: 'tok-secret-9', lit: 'a b' });
		expect(built.redactedUrl).not.toContain('tok-secret-9');
	});

	it('POST form: the query becomes a form body, the URL keeps its (filled) path only', () => {
		const built = buildPartnerPostback('custom', funnelLikeItem(), { template, values, method: 'POST_FORM' });
		expect(built.method).toBe('POST');
		expect(built.url).toBe('https://p.test/pb/clk_01hx8k2m3n');
		expect(built.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded' });
		expect(Object.fromEntries(new URLSearchParams(built.body))).toEqual({
			c: 'clk_01hx8k2m3n',
			amt: '79.5',
			note: 'a&b = 🎉',
			token: 'tok-secret-9',
			lit: 'a b',
		});
		expect(built.redactedBody).toContain('token=REDACTED');
		expect(built.redactedBody).not.toContain('tok-secret');
	});

	it('POST JSON: an object of strings with the same values', () => {
		const built = buildPartnerPostback('custom', funnelLikeItem(), { template, values, method: 'POST_JSON' });
		expect(built.method).toBe('POST');
		expect(built.url).toBe('https://p.test/pb/clk_01hx8k2m3n');
		expect(built.headers).toEqual({ 'content-type': 'application/json' });
		expect(JSON.parse(built.body!)).toEqual({ c: 'clk_01hx8k2m3n', amt: '79.5', note: 'a&b = 🎉', token: 'tok-secret-9', lit: 'a b' });
		expect(JSON.parse(built.redactedBody!)).toMatchObject({ token: 'REDACTED' });
	});

	it('POST JSON: a repeated parameter becomes a list; empty parameters are left out when asked', () => {
		const built = buildPartnerPostback('custom', funnelLikeItem({ orderId: null }), {
			template: 'https://p.test/pb?s={click_id}&s=two&o={order_id}',
			method: 'POST_JSON',
			emptyParameters: 'omit',
		});
		expect(JSON.parse(built.body!)).toEqual({ s: ['clk_01hx8k2m3n', 'two'] });
	});

	it('the preset’s method is the default', () => {
		expect(buildPartnerPostback('voluum', funnelLikeItem(), { template: 'https://t.example/postback?cid={click_id}' }).method).toBe('GET');
	});
});

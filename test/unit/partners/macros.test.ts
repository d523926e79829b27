import { PartnerPostbackError, buildPartnerPostback, macrosOf, parseTemplate, redactUrl } from '../../../src/partners';
import { funnelLikeItem } from './helpers';

const build = (template: string, item: Record<string, unknown> = funnelLikeItem(), values?: Record<string, unknown>) =>
	buildPartnerPostback('custom', item, { template, ...(values ? { values } : {}) });

const errorOf = (fn: () => unknown): PartnerPostbackError => {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(PartnerPostbackError);
		return error as PartnerPostbackError;
	}
	throw new Error('expected a PartnerPostbackError');
};

describe('macro filling', () => {
	it('fills every standard macro from a funnel item', () => {
		const built = build(
			'https://p.test/pb?c={click_id}&t={transaction_id}&o={order_id}&a={amount}&m={commission}&cur={currency}&aff={affiliate_id}&off={offer_id}&e={event}&en={event_name}&s={status}&n={network}&cv={conversion_id}&at={occurred_at}',
		);
		expect(built.url).toBe(
			'https://p.test/pb?c=clk_01hx8k2m3n&t=TX-1001&o=ORD-77&a=79.5&m=12.25&cur=USD&aff=aff-42&off=17&e=Purchase&en=Purchase&s=approved&n=custom&cv=cv_abc123&at=2026-05-21T00%3A57%3A45Z',
		);
		expect(built.emptyMacros).toEqual([]);
		expect(built.method).toBe('GET');
	});

	it('takes the click id from the matched click when the item has none', () => {
		expect(build('https://p.test/?c={click_id}', funnelLikeItem({ clickId: null })).url).toBe('https://p.test/?c=clk_01hx8k2m3n');
	});

	it('encodes each value with encodeURIComponent and never the template’s own text', () => {
		const values = { v1: 'a&b=c', v2: 'two words', v3: 'Zürich – 東京', v4: '🎉 party', v5: '100%', v6: 'a+b/c?d#e' };
		const built = build('https://p.test/x%20y/pb?keep=already%20encoded&v1={v1}&v2={v2}&v3={v3}&v4={v4}&v5={v5}&v6={v6}', funnelLikeItem(), values);
		expect(built.url).toBe(
			`https://p.test/x%20y/pb?keep=already%20encoded&v1=a%26b%3Dc&v2=two%20words&v3=${encodeURIComponent('Zürich – 東京')}&v4=%F0%9F%8E%89%20party&v5=100%25&v6=a%2Bb%2Fc%3Fd%23e`,
		);
		// A server reads back exactly the values.
		const query = new URL(built.url).searchParams;
		for (const [name, value] of Object.entries(values)) expect(query.get(name)).toBe(value);
		expect(query.get('keep')).toBe('already encoded');
	});

	it('a broken UTF-16 half becomes U+FFFD instead of failing', () => {
		const built = build('https://p.test/?v={v}', funnelLikeItem(), { v: 'ok\uD800' });
		expect(new URL(built.url).searchParams.get('v')).toBe('ok\uFFFD');
	});

	it('fills macros in the path and host too, URL-encoded', () => {
		expect(build('https://{host}/a/{click_id}/b', funnelLikeItem(), { host: 'tracker.example.org' }).url).toBe(
			'https://tracker.example.org/a/clk_01hx8k2m3n/b',
		);
		expect(build('https://p.test/{v}', funnelLikeItem(), { v: 'a/b c' }).url).toBe('https://p.test/a%2Fb%20c');
	});

	it('a macro without a value becomes empty and is reported', () => {
		const built = build('https://p.test/?o={order_id}&c={coupon}&t={transaction_id}', funnelLikeItem({ orderId: null }), { coupon: '  ' });
		expect(built.url).toBe('https://p.test/?o=&c=&t=TX-1001');
		expect(built.emptyMacros).toEqual(['order_id', 'coupon']);
	});

	it('values from expressions: numbers and booleans as text, null as empty, overrides by name', () => {
		const built = build('https://p.test/?n={n}&b={b}&z={z}&c={click_id}', funnelLikeItem(), { n: 12.5, b: true, z: null, click_id: 'override' });
		expect(built.url).toBe('https://p.test/?n=12.5&b=true&z=&c=override');
		expect(built.emptyMacros).toEqual(['z']);
	});

	it('accepts spaces inside braces and leaves non-macro braces as text', () => {
		const parsed = parseTemplate('https://p.test/?a={ click_id }&j={"x":1}');
		expect(macrosOf(parsed)).toEqual(['click_id']);
	});

	it('unknown macros are an error naming them (never the values)', () => {
		const error = errorOf(() => build('https://p.test/?a={clickid}&b={aff_sub}&c={click_id}'));
		expect(error.code).toBe('unknown_macro');
		expect(error.macros).toEqual(['clickid', 'aff_sub']);
		expect(error.message).toContain('{clickid}, {aff_sub}');
		expect(error.message).toContain('{click_id}');
		expect(error.message).not.toContain('clk_01hx8k2m3n');
	});

	it('a name mapped under Values is known', () => {
		expect(build('https://p.test/?s={aff_sub}', funnelLikeItem(), { aff_sub: 'x' }).url).toBe('https://p.test/?s=x');
	});

	it('refuses a result that is not an absolute http(s) URL', () => {
		expect(errorOf(() => build('ftp://p.test/?a={click_id}')).code).toBe('invalid_url');
		expect(errorOf(() => build('{host}/pb', funnelLikeItem(), { host: 'p.test' })).code).toBe('invalid_url');
		expect(errorOf(() => build('   ')).code).toBe('invalid_url');
	});

	it('refuses the Custom example domain until the operator replaces it', () => {
		const error = errorOf(() => buildPartnerPostback('custom', funnelLikeItem()));
		expect(error.code).toBe('template_not_configured');
	});

	it('an unknown preset is an error', () => {
		expect(errorOf(() => buildPartnerPostback('nope', funnelLikeItem())).code).toBe('unknown_preset');
	});

	it('omits parameters that are only empty macros when asked, and says which', () => {
		const built = buildPartnerPostback('custom', funnelLikeItem({ orderId: null }), {
			template: 'https://p.test/?c={click_id}&o={order_id}&label=x{order_id}&fixed=1',
			emptyParameters: 'omit',
		});
		expect(built.url).toBe('https://p.test/?c=clk_01hx8k2m3n&label=x&fixed=1');
		expect(built.omittedParameters).toEqual(['o']);
		expect(built.emptyMacros).toEqual(['order_id']);
	});
});

describe('secrets are redacted from what is shown', () => {
	it('values of secret-looking parameters and macros, wherever they are', () => {
		const built = build('https://p.test/{postback_key}/pb?token=abc123secret&api_key={api_key}&c={click_id}&signature=s1gnature', funnelLikeItem(), {
			postback_key: 'pathkey999',
			api_key: 'k-777-zz',
		});
		expect(built.url).toBe('https://p.test/pathkey999/pb?token=abc123secret&api_key=k-777-zz&c=clk_01hx8k2m3n&signature=s1gnature');
		expect(built.redactedUrl).toBe('https://p.test/REDACTED/pb?token=REDACTED&api_key=REDACTED&c=clk_01hx8k2m3n&signature=REDACTED');
		expect(built.secrets.sort()).toEqual(['abc123secret', 'k-777-zz', 'pathkey999', 's1gnature'].sort());
	});

	it('redactUrl removes user-info passwords and secret parameters', () => {
		expect(redactUrl('https://user:pa55@p.test/?password=x&Secret=y&ok=1')).toBe('https://user:REDACTED@p.test/?password=REDACTED&Secret=REDACTED&ok=1');
	});
});

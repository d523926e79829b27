import { createHash } from 'node:crypto';
import type { ForwardableClick, ForwardableConversion } from '../../../src/destinations';
import type { TikTokOptions } from '../../../src/destinations/tiktok';

export const NOW = new Date('2024-06-01T12:00:00Z');
export const PIXEL = 'CFAKEPIXEL0123456789';
export const TOKEN = 'tiktok-fake-access-token-0123456789';

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function tiktokConfig(overrides: Partial<TikTokOptions> = {}): TikTokOptions {
	return { pixelCode: PIXEL, accessToken: TOKEN, defaultCountry: 'US', ...overrides };
}

/** A ShareASale sale (seed 000's payload) as the Conversion Funnel emits it, with its matched click. */
export function conversion(overrides: Partial<ForwardableConversion> = {}): ForwardableConversion {
	return {
		network: 'shareasale',
		clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
		transactionId: '198198598',
		orderId: '2617207',
		networkEventType: 'SALE',
		eventName: 'Purchase',
		status: 'approved',
		amount: '79',
		commission: '39.5',
		currency: 'USD',
		occurredAt: '2024-05-31T00:57:45Z',
		receivedAt: '2024-05-31T00:58:00Z',
		affiliateId: null,
		offerId: null,
		merchantId: '87575',
		brandName: 'WP Engine',
		couponCode: null,
		ip: null,
		subIds: {},
		user: { email: '  John_Smith@Gmail.com ', phone: '(650) 555-1212', externalId: 'customer-42' },
		raw: { method: 'GET', query: {} },
		conversionId: 'conv_1',
		click: {
			clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
			clickedAt: '2024-05-30T10:00:00Z',
			ttclid: 'E.C.P.CqgBmYc7Xk2Lr9',
			ttp: '2bY8hV1wQz7pLk3-TTP',
			ip: '203.0.113.7',
			userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
			landingUrl: 'https://deals.example.com/wpengine?ttclid=E.C.P.CqgBmYc7Xk2Lr9',
		},
		destinationEvents: { meta: 'Purchase', tiktok: 'CompletePayment' },
		...overrides,
	};
}

/** A Click Tracker item (no transaction id): forwarded as an OutboundClick-style event. */
export function click(overrides: Partial<ForwardableClick> = {}): ForwardableClick {
	return {
		clickId: 'clk_8Jd2kQ0pLm3Zr7Tn5Vb1',
		clickedAt: '2024-06-01T11:59:00Z',
		visitorId: 'vis_4f7c9b',
		network: 'shareasale',
		offerId: 'wpengine',
		offerUrl: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&afftrack=clk_8Jd2kQ0pLm3Zr7Tn5Vb1',
		ttclid: 'E.C.P.Zz91Lk',
		ttp: 'ttp-cookie-77',
		ip: '198.51.100.23',
		userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
		referrer: 'https://www.tiktok.com/',
		landingUrl: 'https://deals.example.com/hosting',
		...overrides,
	};
}

/** `count` distinct sales (distinct transaction ids, so distinct event ids). */
export function conversions(count: number): ForwardableConversion[] {
	return Array.from({ length: count }, (_, i) => conversion({ transactionId: `T${i}`, orderId: `O${i}` }));
}

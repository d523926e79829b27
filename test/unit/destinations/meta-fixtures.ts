/** Funnel conversions and Click Tracker clicks for the Meta destination tests (ShareASale seed 000 values). */
import type { ForwardableClick, ForwardableConversion } from '../../../src/destinations';

export const NOW = new Date('2026-07-15T12:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);
export const HOUR = 3600 * 1000;
export const DAY = 24 * HOUR;

export const TOKEN = 'EAAfaketoken0123456789abcdef';
export const PIXEL = '1234567890123456';

/** A click the Click Tracker recorded for a visitor who came from a Facebook ad. */
export function clickOf(overrides: Partial<ForwardableConversion['click']> = {}): NonNullable<ForwardableConversion['click']> {
	const clickedAt = new Date(NOW.getTime() - 2 * HOUR);
	return {
		clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
		clickedAt: clickedAt.toISOString(),
		fbclid: 'IwAR2xYz_Q-9',
		fbc: `fb.1.${clickedAt.getTime()}.IwAR2xYz_Q-9`,
		fbp: 'fb.1.1752500000000.987654321',
		ip: '203.0.113.7',
		userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
		landingUrl: 'https://blog.example.com/wp-engine-review',
		...overrides,
	} as NonNullable<ForwardableConversion['click']>;
}

/** The ShareASale seed's sale as the Conversion Funnel emits it (Purchase, matched click). */
export function purchase(overrides: Partial<ForwardableConversion> = {}): ForwardableConversion {
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
		occurredAt: new Date(NOW.getTime() - HOUR).toISOString(),
		receivedAt: NOW.toISOString(),
		affiliateId: null,
		offerId: null,
		merchantId: '87575',
		brandName: null,
		couponCode: null,
		ip: null,
		subIds: {},
		user: {},
		raw: { method: 'GET', query: {} },
		click: clickOf(),
		destinationEvents: { meta: 'Purchase', tiktok: 'CompletePayment' },
		...overrides,
	};
}

/** A Click Tracker output item (Clicks output), as the node receives it. */
export function trackerClick(overrides: Partial<ForwardableClick> = {}): ForwardableClick {
	const { clickId, clickedAt, fbclid, fbp, ip, userAgent, landingUrl } = clickOf({ clickedAt: new Date(NOW.getTime() - 5 * 60 * 1000).toISOString() });
	return {
		eventName: 'OutboundClick',
		clickId,
		clickedAt,
		fbclid,
		fbc: `fb.1.${Date.parse(clickedAt)}.${fbclid}`,
		fbp,
		ip,
		userAgent,
		landingUrl,
		visitorId: 'v_8Jk2mQx7LpR4nT9wZc3Ya',
		network: 'shareasale',
		offerId: 'wpengine',
		offerUrl: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&afftrack=Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
		...overrides,
	} as ForwardableClick;
}

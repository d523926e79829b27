/** Funnel conversions for the Google Ads destination tests (the ShareASale seed sale, clicked from a Google ad). */
import type { ForwardableConversion } from '../../../src/destinations';
import type { GoogleAdsOptions } from '../../../src/destinations/google_ads';

export const NOW = new Date('2026-11-21T12:00:00Z');
export const HOUR = 3600 * 1000;
export const CUSTOMER = '1234567890';
export const ACTION_ID = '987654321';
export const ACTION = `customers/${CUSTOMER}/conversionActions/${ACTION_ID}`;
export const ACCESS_TOKEN = 'fake-google-access-token';
export const DEVELOPER_TOKEN = 'fake-developer-token';

export const config = (overrides: Partial<GoogleAdsOptions> = {}): GoogleAdsOptions => ({
	customerId: '123-456-7890',
	conversionAction: ACTION_ID,
	developerToken: DEVELOPER_TOKEN,
	accessToken: ACCESS_TOKEN,
	...overrides,
});

/** A click from a Google ad (auto-tagged), 30 hours before NOW. */
export function googleClick(overrides: Partial<NonNullable<ForwardableConversion['click']>> = {}): NonNullable<ForwardableConversion['click']> {
	return {
		clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
		clickedAt: new Date(NOW.getTime() - 30 * HOUR).toISOString(),
		gclid: 'Cj0KCQiA-gclid-0001',
		ip: '203.0.113.7',
		userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
		landingUrl: 'https://blog.example.com/wp-engine-review?gclid=Cj0KCQiA-gclid-0001',
		...overrides,
	} as NonNullable<ForwardableConversion['click']>;
}

/** The ShareASale seed's sale as the Conversion Funnel emits it (Purchase, matched click), a day after the click. */
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
		occurredAt: new Date(NOW.getTime() - 6 * HOUR).toISOString(),
		receivedAt: new Date(NOW.getTime() - 6 * HOUR + 5000).toISOString(),
		affiliateId: null,
		offerId: null,
		merchantId: '87575',
		brandName: null,
		couponCode: null,
		ip: null,
		subIds: {},
		user: { email: 'John.Smith@gmail.com', phone: '(650) 555-1212' },
		raw: { method: 'GET', query: {} },
		click: googleClick(),
		destinationEvents: { meta: 'Purchase', tiktok: 'CompletePayment' },
		...overrides,
	};
}

/** `count` distinct purchases, each with its own gclid (`${prefix}-gclid-${i}`). */
export const purchases = (count: number, prefix = 'tx') =>
	Array.from({ length: count }, (_, i) => purchase({ transactionId: `${prefix}-${i}`, click: googleClick({ gclid: `${prefix}-gclid-${i}` }) }));

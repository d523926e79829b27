// The workflows `npm run demo` runs: the whole tracking pipeline wired to Meta, TikTok and Google Ads, and
// two small webhook-triggered payout workflows (pay last month's commissions through PayPal; sync statuses).

export const DEMO_PATHS = {
	clicks: 'demo-go',
	shareasale: 'demo-shareasale',
	custom: 'demo-custom',
	pay: 'demo-payouts',
	sync: 'demo-payouts-sync',
};

export const GOOGLE_CUSTOMER = '1234567890';
export const GOOGLE_ACTION = `customers/${GOOGLE_CUSTOMER}/conversionActions/555001`;
/** The Conversion Funnel's outputs, in the node's order. */
export const FUNNEL_OUTPUTS = ['lead', 'purchase', 'other', 'reversal', 'pending', 'rejected', 'duplicate', 'unattributed'];

export const OFFERS = {
	wpengine: { url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=', network: 'shareasale', subid: 'afftrack' },
	nordvpn: { url: 'https://go.partner-offers.example/nordvpn?sub1=--CLICK-ID--', network: 'auto', subid: 'sub1' },
};

/** Affiliates and where PayPal pays them. */
export const AFFILIATES = {
	'aff-lena': 'lena.payouts@example.com',
	'aff-marco': 'marco@example.org',
	'aff-priya': 'priya.k@example.net',
};

const node = (name, type, parameters, position, extra = {}) => ({
	id: `demo-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});
const to = (...names) => names.map((name) => ({ node: name, type: 'main', index: 0 }));

/** The five platforms after Meta, TikTok and Google Ads: node name, type, credential key and type, and the id setting. */
export const MORE_PLATFORMS = [
	{ key: 'ga4', name: 'GA4 Measurement Protocol', type: 'ga4MeasurementProtocol', credential: 'ga4MeasurementProtocolApi', setting: 'measurementId' },
	{ key: 'snapchat', name: 'Snapchat Conversions API', type: 'snapchatConversions', credential: 'snapchatConversionsApi', setting: 'pixelId' },
	{ key: 'pinterest', name: 'Pinterest Conversions API', type: 'pinterestConversions', credential: 'pinterestConversionsApi', setting: 'adAccountId' },
	{ key: 'reddit', name: 'Reddit Conversions API', type: 'redditConversions', credential: 'redditConversionsApi', setting: 'pixelId' },
	{ key: 'microsoft', name: 'Microsoft Ads Conversions API', type: 'microsoftAdsConversions', credential: 'microsoftAdsConversionsApi', setting: 'tagId' },
];

/**
 * credentials: { meta, tiktok, google, paypal, ga4, snapchat, pinterest, reddit, microsoft }, each { id, name } as
 * n8n created it; ids: the pixel, measurement, ad account and tag ids by platform key.
 */
export function demoWorkflows(credentials, { metaPixel, tiktokPixel, ids = {} }) {
	const platformNames = ['Meta Conversions API', 'TikTok Events API', 'Google Ads Conversions', ...MORE_PLATFORMS.map((platform) => platform.name)];
	const pipeline = {
		name: 'Demo: clicks and postbacks → funnel → all eight ad platforms',
		nodes: [
			node(
				'Click Tracker',
				'n8n-nodes-postback.clickTracker',
				{
					path: DEMO_PATHS.clicks,
					offers: { offer: Object.entries(OFFERS).map(([name, offer]) => ({ name, url: offer.url, network: offer.network })) },
					allowedDomains: 'shareasale.com, go.partner-offers.example',
				},
				[0, -300],
				{ webhookId: 'd3300000-0000-4000-8000-0000000000c1' },
			),
			node('Outbound Clicks', 'n8n-nodes-base.noOp', {}, [300, -360]),
			node('Refused Clicks', 'n8n-nodes-base.noOp', {}, [300, -240]),
			node(
				'ShareASale Postback',
				'n8n-nodes-postback.postbackTrigger',
				{ network: 'shareasale', path: DEMO_PATHS.shareasale, options: { currency: 'USD', timezone: 'America/New_York' } },
				[0, 0],
				{ webhookId: 'd3300000-0000-4000-8000-0000000000c2' },
			),
			node('Custom Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'custom', path: DEMO_PATHS.custom, options: { currency: 'USD' } }, [0, 250], {
				webhookId: 'd3300000-0000-4000-8000-0000000000c3',
			}),
			node('Rejected Postbacks', 'n8n-nodes-base.noOp', {}, [300, 450]),
			node('Conversion Funnel', 'n8n-nodes-postback.conversionFunnel', { attributionWindow: '30d', attributionModel: 'lastClick' }, [300, 100]),
			node('Meta Conversions API', 'n8n-nodes-postback.metaConversions', { pixelId: metaPixel }, [650, -100], {
				credentials: { metaConversionsApi: credentials.meta },
			}),
			node('TikTok Events API', 'n8n-nodes-postback.tikTokEvents', { pixelCode: tiktokPixel }, [650, 100], {
				credentials: { tikTokEventsApi: credentials.tiktok },
			}),
			node('Google Ads Conversions', 'n8n-nodes-postback.googleAdsConversions', { customerId: GOOGLE_CUSTOMER, conversionAction: GOOGLE_ACTION }, [650, 300], {
				credentials: { googleAdsConversionsOAuth2Api: credentials.google },
			}),
			...MORE_PLATFORMS.map((platform, index) =>
				node(platform.name, `n8n-nodes-postback.${platform.type}`, { [platform.setting]: ids[platform.key] }, [950, -200 + index * 200], {
					credentials: { [platform.credential]: credentials[platform.key] },
				}),
			),
			node('Reversals', 'n8n-nodes-base.noOp', {}, [650, 500]),
			node('Duplicates', 'n8n-nodes-base.noOp', {}, [650, 650]),
			node('Unattributed (ledger only)', 'n8n-nodes-base.noOp', {}, [650, 800]),
		],
		connections: {
			'Click Tracker': { main: [to('Outbound Clicks'), to('Refused Clicks')] },
			'ShareASale Postback': { main: [to('Conversion Funnel'), to('Rejected Postbacks')] },
			'Custom Postback': { main: [to('Conversion Funnel'), to('Rejected Postbacks')] },
			'Conversion Funnel': {
				main: [
					to(...platformNames), // lead
					to(...platformNames), // purchase
					[],
					to('Reversals'),
					[],
					[],
					to('Duplicates'),
					to('Unattributed (ledger only)'),
				],
			},
		},
		settings: { executionOrder: 'v1' },
	};

	const store = {};
	const payout = {
		...store,
		provider: 'paypal',
		payDay: 1,
		holdingDays: 0,
		minimum: { minimum: [{ currency: 'USD', amount: '50.00' }] },
		receiversFrom: 'list',
		receivers: { affiliate: Object.entries(AFFILIATES).map(([affiliateId, receiver]) => ({ affiliateId, receiver })) },
		options: { resumeAfterMinutes: 0, note: 'Your affiliate commissions — thank you!' },
	};
	const webhook = (name, path, webhookId) => ({
		id: `demo-${path}`,
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId,
		parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
	});
	const paypal = { payPalPayoutsApi: credentials.paypal };
	const pay = {
		name: 'Demo: pay last month’s commissions (PayPal)',
		nodes: [
			webhook('Run Payouts', DEMO_PATHS.pay, 'd3300000-0000-4000-8000-0000000000c4'),
			node('Pay Affiliates', 'n8n-nodes-postback.affiliatePayouts', { ...payout, operation: 'pay' }, [300, 0], { credentials: paypal, alwaysOutputData: true }),
		],
		connections: { 'Run Payouts': { main: [to('Pay Affiliates')] } },
		settings: { executionOrder: 'v1' },
	};
	const sync = {
		name: 'Demo: sync payout statuses (PayPal)',
		nodes: [
			webhook('Sync Now', DEMO_PATHS.sync, 'd3300000-0000-4000-8000-0000000000c5'),
			node('Sync Status', 'n8n-nodes-postback.affiliatePayouts', { ...store, operation: 'syncStatus', provider: 'paypal' }, [300, 0], {
				credentials: paypal,
				alwaysOutputData: true,
			}),
		],
		connections: { 'Sync Now': { main: [to('Sync Status')] } },
		settings: { executionOrder: 'v1' },
	};
	return { pipeline, pay, sync };
}

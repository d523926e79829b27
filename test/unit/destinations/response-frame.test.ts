/**
 * What every platform's response reader does alike, now that one frame (src/destinations/response-frame.ts)
 * does it for all eight: one result per event at its input index with its event id, Retry-After on 429 and
 * 5xx whatever the case of the header's name, 401/403 failed with a hint, no secret of the request in a reason, and a
 * 2xx that is not the platform's answer never taken as delivered.
 */
import { DESTINATIONS, type Platform, type PlatformRequest, type PlatformResponse } from '../../../src/destinations';

const NOW = new Date('2026-12-07T12:00:00Z');
const TOKEN = 'EAAsecretsecretsecretsecret123';
const DEV_TOKEN = 'devtoken-0123456789';
const ids = ['id-4', '', 'id-9'];

/** Each platform's body with the event ids where that platform carries them, and its URL. */
const bearer = { Authorization: `Bearer ${TOKEN}` };
const requests: Record<Platform, Omit<PlatformRequest, 'method' | 'itemIndexes'>> = {
	meta: { url: `https://graph.facebook.com/v26.0/1/events?access_token=${TOKEN}`, headers: {}, body: { data: ids.map((event_id) => ({ event_id })) } },
	tiktok: {
		url: 'https://business-api.tiktok.com/open_api/v1.3/event/track/',
		headers: { 'Access-Token': TOKEN },
		body: { data: ids.map((event_id) => ({ event_id })) },
	},
	google_ads: {
		url: 'https://googleads.googleapis.com/v21/customers/1:uploadClickConversions',
		headers: { ...bearer, 'developer-token': DEV_TOKEN },
		body: { conversions: ids.map((orderId) => ({ orderId })) },
	},
	ga4: {
		url: `https://www.google-analytics.com/mp/collect?measurement_id=G-1&api_secret=${TOKEN}`,
		headers: {},
		body: { events: ids.map((transaction_id) => ({ params: { transaction_id } })) },
	},
	snapchat: { url: `https://tr.snapchat.com/v3/1/events?access_token=${TOKEN}`, headers: {}, body: { data: ids.map((event_id) => ({ event_id })) } },
	pinterest: { url: 'https://api.pinterest.com/v5/ad_accounts/1/events', headers: bearer, body: { data: ids.map((event_id) => ({ event_id })) } },
	reddit: {
		url: 'https://ads-api.reddit.com/api/v3/pixels/1/conversion_events',
		headers: bearer,
		body: { data: { events: ids.map((conversion_id) => ({ metadata: { conversion_id } })) } },
	},
	microsoft: { url: 'https://capi.uet.microsoft.com/v1/1/events', headers: bearer, body: { data: ids.map((eventId) => ({ eventId })) } },
	linkedin: {
		url: 'https://api.linkedin.com/rest/conversionEvents',
		headers: { ...bearer, 'LinkedIn-Version': '202603', 'X-Restli-Protocol-Version': '2.0.0', 'X-RestLi-Method': 'BATCH_CREATE' },
		body: { elements: ids.map((eventId) => ({ eventId })) },
	},
};
const platforms = Object.keys(requests) as Platform[];

function read(platform: Platform, status: number, body: unknown, headers: PlatformResponse['headers'] = {}) {
	const request: PlatformRequest = { method: 'POST', itemIndexes: [4, 7, 9], ...requests[platform] };
	return DESTINATIONS[platform].readResponse(request, { status, headers, body }, NOW);
}

describe('the response frame, through every platform', () => {
	it.each(platforms)('%s: one result per event, at its input index, with its event id (an empty one left out)', (platform) => {
		const results = read(platform, 503, 'Service Unavailable');
		expect(results.map((result) => result.index)).toEqual([4, 7, 9]);
		expect(results.map((result) => result.eventId)).toEqual(['id-4', undefined, 'id-9']);
		expect(results.map((result) => 'eventId' in result)).toEqual([true, false, true]);
	});

	it.each(platforms)('%s: 429 and 5xx are retried with Retry-After, whatever the case of its name', (platform) => {
		for (const [status, headers, wait] of [
			[429, { 'RETRY-AFTER': '5' }, 5000],
			[503, { 'Retry-After': '2' }, 2000],
			[500, { 'retry-after': 'Mon, 07 Dec 2026 12:00:30 GMT' }, 30_000],
		] as const) {
			const results = read(platform, status, '', headers);
			expect(results.map((result) => [result.outcome, result.retryAfterMs])).toEqual([
				['retry', wait],
				['retry', wait],
				['retry', wait],
			]);
		}
		expect(read(platform, 429, '')[0].retryAfterMs).toBeUndefined();
	});

	it.each(platforms)('%s: 401 and 403 fail every event with a hint, never a secret the request carried', (platform) => {
		const quoted = `token ${TOKEN} is invalid${platform === 'google_ads' ? ` for developer token ${DEV_TOKEN}` : ''}`;
		for (const status of [401, 403]) {
			const results = read(platform, status, { error: { message: quoted }, message: quoted });
			expect(results.every((result) => result.outcome === 'failed' && (result.reason ?? '').length > 0)).toBe(true);
			expect(JSON.stringify(results)).not.toContain(TOKEN);
			expect(JSON.stringify(results)).not.toContain(DEV_TOKEN);
		}
	});

	// Microsoft answers a bare 200 and GA4's collection endpoint an empty 204: for them any 2xx is delivery.
	it.each(platforms.filter((platform) => platform !== 'microsoft' && platform !== 'ga4'))(
		'%s: a 2xx that is not its answer is not taken as delivered',
		(platform) => {
			const results = read(platform, 200, '<html>a proxy page</html>');
			expect(results.map((result) => [result.outcome, result.code])).toEqual([
				['failed', 'unexpected_response'],
				['failed', 'unexpected_response'],
				['failed', 'unexpected_response'],
			]);
		},
	);
});

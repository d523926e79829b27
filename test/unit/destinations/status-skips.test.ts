import { planPlatformRequests } from '../../../src/destinations';
import { destinationEventsFor } from '../../../src/funnel/events';
import * as google from './google-ads-fixtures';
import * as metaFixtures from './meta-fixtures';

/** No platform can take a conversion back through these APIs: rejected and reversed conversions never go out as events. */
describe.each(['rejected', 'reversed'] as const)('a %s conversion', (status) => {
	test('is skipped by Meta, TikTok and Google Ads as not_a_conversion, with a reason, while an approved one in the same batch is sent', () => {
		const approvedMeta = metaFixtures.purchase({ transactionId: 'ok-1' });
		const refusedMeta = metaFixtures.purchase({ transactionId: 'no-1', status });
		const meta = planPlatformRequests('meta', [approvedMeta, refusedMeta], { pixelId: metaFixtures.PIXEL, accessToken: metaFixtures.TOKEN }, metaFixtures.NOW);
		expect(meta.requests.flatMap((request) => request.itemIndexes)).toEqual([0]);
		expect(meta.skipped).toMatchObject([{ index: 1, code: 'not_a_conversion', reason: expect.stringContaining(status) }]);

		const tiktok = planPlatformRequests('tiktok', [approvedMeta, refusedMeta], { pixelCode: 'CPIXEL123', accessToken: 'token' }, metaFixtures.NOW);
		expect(tiktok.requests.flatMap((request) => request.itemIndexes)).toEqual([0]);
		expect(tiktok.skipped).toMatchObject([{ index: 1, code: 'not_a_conversion', reason: expect.stringContaining(status) }]);

		const approvedGoogle = google.purchase({ transactionId: 'ok-2' });
		const refusedGoogle = google.purchase({ transactionId: 'no-2', status });
		const ads = planPlatformRequests('google_ads', [approvedGoogle, refusedGoogle], google.config(), google.NOW);
		expect(ads.requests.flatMap((request) => request.itemIndexes)).toEqual([0]);
		expect(ads.skipped).toMatchObject([{ index: 1, code: 'not_a_conversion', reason: expect.stringContaining(status) }]);
	});
});

/** The five platforms that share src/destinations/conversion-gate.ts skip them before building anything. */
describe.each(['rejected', 'reversed'] as const)('a %s conversion, on the platforms behind the conversion gate', (status) => {
	const configs = {
		ga4: { measurementId: 'G-TEST12345', apiSecret: 'secret' },
		snapchat: { pixelId: 'pixel-1', accessToken: 'token' },
		pinterest: { adAccountId: '549755885175', accessToken: 'token' },
		reddit: { pixelId: 't2_pixel', accessToken: 'token' },
		microsoft: { tagId: '187654321', accessToken: 'token' },
	} as const;
	test.each(Object.keys(configs) as Array<keyof typeof configs>)('%s skips it with a reason, and sends the approved one beside it', (platform) => {
		const common = { user: { email: 'a@example.com' }, destinationEvents: destinationEventsFor('Purchase') };
		const approved = metaFixtures.purchase({ transactionId: 'ok-3', ...common });
		const refused = metaFixtures.purchase({ transactionId: 'no-3', status, ...common });
		const plan = planPlatformRequests(platform, [approved, refused], configs[platform] as never, metaFixtures.NOW);
		expect(plan.requests.flatMap((request) => request.itemIndexes)).toEqual([0]);
		expect(plan.skipped).toEqual([{ index: 1, code: 'not_a_conversion', reason: expect.stringContaining(`A ${status} conversion is not sent to`) }]);
	});
});

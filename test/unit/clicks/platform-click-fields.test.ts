import { adPlatformSources } from '../../../src/clicks/autotag';
import { readClickRequest } from '../../../src/clicks/request';
import { platformClickFields } from '../../../src/destinations/click-fields';
import { conversionClick } from '../../../src/funnel/attribution';
import { conversionClickSchema } from '../../../src/funnel/schema';

/**
 * The click plumbing comes from the platforms' click fields (their definitions): it must carry at least what
 * the hand-written lists did, which stored clicks and saved pages rely on (platforms added since bring more).
 */
const BEFORE = [
	'fbclid',
	'fbc',
	'fbp',
	'gclid',
	'gbraid',
	'wbraid',
	'ttclid',
	'ttp',
	'sccid',
	'epik',
	'rdtCid',
	'msclkid',
	'gaClientId',
	'scCookie1',
	'rdtUuid',
];

test('the platforms declare the click fields the hand-written lists had', () => {
	expect(
		platformClickFields()
			.map(({ field }) => field)
			.sort(),
	).toEqual(expect.arrayContaining(BEFORE));
});

test('AutoTag carries the same URL parameters and cookies', () => {
	const { params, cookies } = adPlatformSources();
	expect([...params]).toEqual(expect.arrayContaining(['fbclid', 'gclid', 'gbraid', 'wbraid', 'ttclid', 'ScCid', 'sccid', 'epik', 'rdt_cid', 'msclkid']));
	expect(cookies).toEqual(expect.objectContaining({ fbc: '_fbc', fbp: '_fbp', ttp: '_ttp', ga: '_ga', scid: '_scid', rdt_uuid: '_rdt_uuid' }));
});

test('attribution and the funnel item schema carry every platform click field', () => {
	const click = Object.fromEntries(platformClickFields().map(({ field }) => [field, `${field}-value`]));
	const record = { clickId: 'c1', clickedAt: '2026-01-01T00:00:00.000Z', ...click, ip: '192.0.2.1', visitorId: 'v1' };
	const carried = conversionClick(record as never);
	expect(carried).toEqual({ clickId: 'c1', ...click, ip: '192.0.2.1', clickedAt: '2026-01-01T00:00:00.000Z' });
	expect(conversionClickSchema.parse(carried)).toEqual(carried);
	expect(conversionClickSchema.safeParse({ ...carried, unknownId: 'x' }).success).toBe(false);
});

test('the Click Tracker reads each field from where its platform says, first source first', () => {
	const details = readClickRequest(
		{
			query: { rdt_cid: 'r1', SCCID: 's1', epik: 'e-query', msclkid: 'm1', ttp: 't-query' },
			headers: { cookie: '_epik=e-cookie; _ttp=t-cookie; _rdt_uuid=u1' },
		} as never,
		{ now: () => new Date('2026-01-01T00:00:00Z') },
	) as unknown as Record<string, unknown>;
	expect(details).toMatchObject({ rdtCid: 'r1', sccid: 's1', epik: 'e-query', msclkid: 'm1', ttp: 't-cookie', rdtUuid: 'u1' });
});

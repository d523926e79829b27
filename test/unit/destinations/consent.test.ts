/**
 * Consent at every destination but Google Ads (issue 17), from the platforms' published rules:
 * - Meta: data_processing_options ['LDU'] with country and state 0 (Meta geolocates), [] explicitly off
 *   (https://developers.facebook.com/docs/marketing-apis/data-processing-options);
 * - TikTok: limited_data_use per event; Snapchat: data_processing_options as Meta's;
 * - Pinterest: custom_data.opt_out_type 'LDP' (https://developers.pinterest.com/docs/track-conversions/use-limited-data-processing-flag/);
 * - Reddit: data_processing_options.modes ['LDU'];
 * - GA4: the request's consent { ad_user_data, ad_personalization } GRANTED/DENIED;
 * - Microsoft: adStorageConsent G/D from ad user data; LinkedIn: no field.
 * And, for all of them, a denial of ad user data leaves the person's identifiers out of every request.
 */
import fc from 'fast-check';
import { DESTINATIONS, planPlatformRequests } from '../../../src/destinations';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { applyConsent, effectiveConsent } from '../../../src/destinations/consent';
import { SettingError, readSettings } from '../../../src/destinations/definition';
import type { ForwardableConversion, ForwardableEvent, Platform, PlatformRequest } from '../../../src/destinations/types';
import { destinationEventsFor } from '../../../src/funnel/events';
import type { Consent } from '../../../src/model';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, startMetaFake } from '../../fakes/meta';
import { TIKTOK_FAKE_PIXEL, TIKTOK_FAKE_TOKEN, startTikTokFake } from '../../fakes/tiktok';
import { SNAPCHAT_FAKE_PIXEL, SNAPCHAT_FAKE_TOKEN, startSnapchatFake } from '../../fakes/snapchat';
import { PINTEREST_FAKE_AD_ACCOUNT, PINTEREST_FAKE_TOKEN, startPinterestFake } from '../../fakes/pinterest';
import { REDDIT_FAKE_PIXEL, REDDIT_FAKE_TOKEN, startRedditFake } from '../../fakes/reddit';
import { GA4_FAKE_API_SECRET, GA4_FAKE_MEASUREMENT_ID, startGa4Fake } from '../../fakes/ga4';
import { MICROSOFT_FAKE_TAG, MICROSOFT_FAKE_TOKEN, startMicrosoftFake } from '../../fakes/microsoft';
import { NOW, purchase, trackerClick } from './meta-fixtures';

type ConsentPlatform = Exclude<Platform, 'google_ads'>;

const CONFIGS: Record<ConsentPlatform, Record<string, unknown>> = {
	meta: { pixelId: META_FAKE_PIXEL, accessToken: META_FAKE_TOKEN },
	tiktok: { pixelCode: TIKTOK_FAKE_PIXEL, accessToken: TIKTOK_FAKE_TOKEN },
	ga4: { measurementId: GA4_FAKE_MEASUREMENT_ID, apiSecret: GA4_FAKE_API_SECRET },
	snapchat: { pixelId: SNAPCHAT_FAKE_PIXEL, accessToken: SNAPCHAT_FAKE_TOKEN },
	pinterest: { adAccountId: PINTEREST_FAKE_AD_ACCOUNT, accessToken: PINTEREST_FAKE_TOKEN },
	reddit: { pixelId: REDDIT_FAKE_PIXEL, accessToken: REDDIT_FAKE_TOKEN },
	microsoft: { tagId: MICROSOFT_FAKE_TAG, accessToken: MICROSOFT_FAKE_TOKEN },
	linkedin: { conversionRule: '12345678', accessToken: 'token' },
};
const config = (platform: ConsentPlatform, extra: Record<string, unknown> = {}): never => ({ ...CONFIGS[platform], ...extra }) as never;

const PLATFORMS: ConsentPlatform[] = ['meta', 'tiktok', 'ga4', 'snapchat', 'pinterest', 'reddit', 'microsoft', 'linkedin'];

const EMAIL = 'buyer@example.com';
const IP = '203.0.113.7';

/** A purchase every platform takes: a person, an IP, every platform's click id and browser cookie. */
function sale(consent?: Consent, overrides: Partial<ForwardableConversion> = {}): ForwardableConversion {
	const base = purchase({
		user: { email: EMAIL, phone: '+15554441234', firstName: 'Ann', externalId: 'cust-9' },
		ip: IP,
		destinationEvents: destinationEventsFor('Purchase'),
		...overrides,
	});
	return {
		...base,
		click: {
			...base.click!,
			ip: IP,
			ttclid: 'E.C.P.ttclid',
			ttp: 'ttp-cookie-1',
			sccid: 'sc-click-1',
			scCookie1: 'sc-cookie-1',
			epik: 'epik-click-1',
			rdtCid: 'rdt-click-1',
			rdtUuid: '1700000000000.uuid-1',
			msclkid: 'ms-click-1',
			gaClientId: '1234567890.1700000000',
			liFatId: 'li-fat-1',
		} as ForwardableConversion['click'],
		...(consent ? { consent } : {}),
	};
}

const plan = (platform: ConsentPlatform, events: ForwardableEvent[], extra: Record<string, unknown> = {}) =>
	planPlatformRequests(platform, events, config(platform, extra), NOW);

function onlyEvent(platform: ConsentPlatform, event: ForwardableEvent, extra: Record<string, unknown> = {}): Record<string, unknown> {
	const { requests, skipped } = plan(platform, [event], extra);
	expect(skipped).toEqual([]);
	const body = requests[0].body as Record<string, unknown>;
	if (platform === 'reddit') return (body.data as { events: Array<Record<string, unknown>> }).events[0];
	if (platform === 'ga4') return body;
	return (body.data as Array<Record<string, unknown>>)[0];
}

const GPC: Consent = { adPersonalization: 'denied', gpc: true, source: 'gpc' };
const GRANTED: Consent = { adUserData: 'granted', adPersonalization: 'granted', source: 'cookie' };

describe('the effective consent of an event', () => {
	it("takes the item's values, the node's default for the ones the item leaves unknown", () => {
		expect(effectiveConsent({ adUserData: 'granted', source: 'link' }, { adUserData: 'denied', adPersonalization: 'denied', source: 'node' })).toEqual({
			adUserData: 'granted',
			adPersonalization: 'denied',
			source: 'link',
		});
		expect(effectiveConsent(undefined, { adUserData: 'denied', source: 'node' })).toEqual({ adUserData: 'denied', source: 'node' });
		expect(effectiveConsent(undefined, undefined)).toBeUndefined();
	});

	it('leaves the input events as they were', () => {
		const event = sale({ adUserData: 'denied' });
		const copy = structuredClone(event);
		applyConsent([event], {}, DESTINATIONS.meta.consent!);
		expect(event).toEqual(copy);
	});
});

describe('each platform maps consent to its own field', () => {
	it('Meta: LDU with country and state 0 for GPC or a denial, [] when known and nothing refused, nothing when unknown', () => {
		expect(onlyEvent('meta', sale(GPC))).toMatchObject({
			data_processing_options: ['LDU'],
			data_processing_options_country: 0,
			data_processing_options_state: 0,
		});
		expect(onlyEvent('meta', sale(GRANTED))).toMatchObject({ data_processing_options: [] });
		expect(onlyEvent('meta', sale(GRANTED))).not.toHaveProperty('data_processing_options_country');
		expect(onlyEvent('meta', sale())).not.toHaveProperty('data_processing_options');
	});

	it('TikTok: limited_data_use per event', () => {
		expect(onlyEvent('tiktok', sale(GPC)).limited_data_use).toBe(true);
		expect(onlyEvent('tiktok', sale(GRANTED)).limited_data_use).toBe(false);
		expect(onlyEvent('tiktok', sale())).not.toHaveProperty('limited_data_use');
	});

	it('Snapchat: data_processing_options as Meta', () => {
		expect(onlyEvent('snapchat', sale(GPC))).toMatchObject({
			data_processing_options: ['LDU'],
			data_processing_options_country: 0,
			data_processing_options_state: 0,
		});
		expect(onlyEvent('snapchat', sale(GRANTED))).toMatchObject({ data_processing_options: [] });
		expect(onlyEvent('snapchat', sale())).not.toHaveProperty('data_processing_options');
	});

	it('Pinterest: custom_data.opt_out_type LDP for a restricted visitor only', () => {
		expect((onlyEvent('pinterest', sale(GPC)).custom_data as Record<string, unknown>).opt_out_type).toBe('LDP');
		expect(onlyEvent('pinterest', sale(GRANTED)).custom_data).not.toHaveProperty('opt_out_type');
	});

	it('Reddit: data_processing_options.modes LDU for a restricted visitor only', () => {
		expect(onlyEvent('reddit', sale(GPC)).data_processing_options).toEqual({ modes: ['LDU'] });
		expect(onlyEvent('reddit', sale(GRANTED))).not.toHaveProperty('data_processing_options');
	});

	it('GA4: the request consent, each known value, and events of different consent in different requests', () => {
		expect(onlyEvent('ga4', sale(GPC)).consent).toEqual({ ad_personalization: 'DENIED' });
		expect(onlyEvent('ga4', sale(GRANTED)).consent).toEqual({ ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' });
		expect(onlyEvent('ga4', sale())).not.toHaveProperty('consent');
		const { requests } = plan('ga4', [sale(GRANTED), sale(GPC, { transactionId: 'other' })]);
		expect(requests.map((request) => request.body.consent)).toEqual([
			{ ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' },
			{ ad_personalization: 'DENIED' },
		]);
	});

	it("Microsoft: adStorageConsent from the item's ad user data, else the node's option", () => {
		expect(onlyEvent('microsoft', sale({ adUserData: 'denied' })).adStorageConsent).toBe('D');
		expect(onlyEvent('microsoft', sale(GRANTED), { adStorageConsent: 'D' }).adStorageConsent).toBe('G');
		expect(onlyEvent('microsoft', sale(GPC), { adStorageConsent: 'D' }).adStorageConsent).toBe('D');
		expect(onlyEvent('microsoft', sale())).not.toHaveProperty('adStorageConsent');
	});

	it("applies the node's Consent Default to an item without consent, and the item's own over it", () => {
		const denyAll = { consentDefault: { adUserData: 'denied', adPersonalization: 'denied', source: 'node' } };
		expect(onlyEvent('tiktok', sale(), denyAll).limited_data_use).toBe(true);
		expect(onlyEvent('tiktok', sale(GRANTED), denyAll).limited_data_use).toBe(false);
		expect(onlyEvent('tiktok', sale(), denyAll).user).not.toHaveProperty('email');
	});

	it('says why when an event cannot be sent once the identifiers are left out', () => {
		// Pinterest takes an event only with an email, or an IP and a user agent.
		const { skipped } = plan('pinterest', [sale({ adUserData: 'denied' })]);
		expect(skipped).toEqual([expect.objectContaining({ code: 'no_user_data', reason: expect.stringContaining('denied consent to ad user data') })]);
	});
});

describe('a denial of ad user data leaves the identifiers out of every request (generated)', () => {
	const PHONE = '+15554441234';
	/** What each platform would send for the person, hashed by its own rules, and the raw values. */
	const identifiers = (platform: ConsentPlatform): string[] =>
		[
			EMAIL,
			PHONE,
			IP,
			'cust-9',
			normalizeAndHash(platform, 'email', EMAIL),
			normalizeAndHash(platform, 'phone', PHONE),
			normalizeAndHash(platform, 'ip_address', IP),
			normalizeAndHash(platform, 'external_id', 'cust-9'),
			normalizeAndHash(platform, 'first_name', 'Ann'),
			// The browser ids the platforms declare.
			'ttp-cookie-1',
			'sc-cookie-1',
			'1700000000000.uuid-1',
			'fb.1.1752500000000.987654321',
		].filter((value): value is string => value !== undefined);

	const person = (withPhone: boolean) =>
		withPhone ? { email: EMAIL, phone: PHONE, firstName: 'Ann', externalId: 'cust-9' } : { email: EMAIL, externalId: 'cust-9' };
	const denial = fc.constantFrom<{ own?: Consent; fallback?: Consent }>(
		{ own: { adUserData: 'denied', source: 'link' } },
		{ own: { adPersonalization: 'granted', gpc: true, source: 'gpc' }, fallback: { adUserData: 'denied', source: 'node' } },
		{ fallback: { adUserData: 'denied', adPersonalization: 'denied', source: 'node' } },
	);

	it('holds for every platform but Google Ads', () => {
		fc.assert(
			fc.property(fc.constantFrom(...PLATFORMS), denial, fc.boolean(), fc.boolean(), (platform, { own, fallback }, conversionIp, withPhone) => {
				const event = sale(own, { ip: conversionIp ? IP : null, user: person(withPhone) });
				const { requests } = plan(platform, [event], fallback ? { consentDefault: fallback } : {});
				const sent = JSON.stringify(requests.map((request: PlatformRequest) => request.body));
				expect({ platform, leaked: identifiers(platform).filter((value) => sent.includes(value)) }).toEqual({ platform, leaked: [] });
			}),
			{ numRuns: 200 },
		);
	});

	it("leaves out Meta's per-item overrides of the person and a Click Tracker click's visitor and browser ids", () => {
		const overridden = { ...sale({ adUserData: 'denied' }), metaFields: { email: 'other@example.com', externalId: 'ext-7', eventName: 'Purchase' } };
		const sent = JSON.stringify(plan('meta', [overridden as ForwardableEvent]).requests.map((request) => request.body));
		expect(sent).not.toContain(normalizeAndHash('meta', 'email', 'other@example.com'));
		expect(sent).not.toContain(normalizeAndHash('meta', 'external_id', 'ext-7'));
		const click = { ...trackerClick(), ttp: 'ttp-cookie-1', consent: { adUserData: 'denied' } } as ForwardableEvent;
		for (const platform of ['meta', 'tiktok'] as const) {
			const body = JSON.stringify(plan(platform, [click]).requests.map((request) => request.body));
			for (const value of [IP, 'fb.1.1752500000000.987654321', 'ttp-cookie-1', normalizeAndHash(platform, 'external_id', 'v_8Jk2mQx7LpR4nT9wZc3Ya')!])
				expect({ platform, leaked: body.includes(value) ? value : undefined }).toEqual({ platform, leaked: undefined });
			// Still sent: the click with its ad click id.
			expect(body).toContain(platform === 'meta' ? 'IwAR2xYz_Q-9' : 'OutboundClick');
		}
	});

	it.each(PLATFORMS)('%s sends them with a grant (so the check above can fail)', (platform) => {
		const sent = JSON.stringify(plan(platform, [sale(GRANTED, { ip: IP, user: person(true) })]).requests.map((request) => request.body));
		expect(identifiers(platform).filter((value) => sent.includes(value)).length).toBeGreaterThan(0);
	});
});

describe('the strict fakes take the consent fields and refuse malformed ones', () => {
	const fakes = {
		meta: startMetaFake,
		tiktok: startTikTokFake,
		snapchat: startSnapchatFake,
		pinterest: startPinterestFake,
		reddit: startRedditFake,
		ga4: startGa4Fake,
		microsoft: startMicrosoftFake,
	} as const;
	/** Each platform's field set to something its API refuses. */
	const malformed: Record<keyof typeof fakes, (body: Record<string, unknown>) => void> = {
		meta: (body) => Object.assign((body.data as Array<Record<string, unknown>>)[0], { data_processing_options: ['CCPA'] }),
		tiktok: (body) => Object.assign((body.data as Array<Record<string, unknown>>)[0], { limited_data_use: 'yes' }),
		snapchat: (body) => Object.assign((body.data as Array<Record<string, unknown>>)[0], { data_processing_options: 'LDU' }),
		pinterest: (body) => Object.assign((body.data as Array<{ custom_data: Record<string, unknown> }>)[0].custom_data, { opt_out_type: 'SALE' }),
		reddit: (body) => Object.assign((body.data as { events: Array<Record<string, unknown>> }).events[0], { data_processing_options: { modes: ['FULL'] } }),
		ga4: (body) => Object.assign(body, { consent: { ad_user_data: 'granted' } }),
		microsoft: (body) => Object.assign((body.data as Array<Record<string, unknown>>)[0], { adStorageConsent: 'Denied' }),
	};

	async function send(request: PlatformRequest) {
		const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body) });
		const text = await response.text();
		return { status: response.status, headers: Object.fromEntries(response.headers), body: text ? (JSON.parse(text) as unknown) : undefined };
	}

	it.each(Object.keys(fakes) as Array<keyof typeof fakes>)('%s', async (platform) => {
		const fake = await fakes[platform]({ now: () => NOW });
		try {
			// GA4 reports problems only on its validation endpoint.
			const extra = { baseUrl: fake.url, ...(platform === 'ga4' ? { validateOnly: true } : {}) };
			const [request] = plan(platform, [sale(platform === 'microsoft' ? { adUserData: 'denied', source: 'link' } : GPC)], extra).requests;
			const accepted = DESTINATIONS[platform].readResponse(request, (await send(request)) as never, NOW);
			expect(accepted.map((result) => result.outcome)).toEqual(['sent']);
			const bad = structuredClone(request);
			malformed[platform](bad.body);
			const refused = DESTINATIONS[platform].readResponse(bad, (await send(bad)) as never, NOW);
			expect(refused.map((result) => result.outcome)).toEqual(['failed']);
		} finally {
			await fake.close();
		}
	});
});

describe("the node's Consent Default setting", () => {
	// Only the platform's consent setting is read: the others (pixel ids…) have tests of their own.
	const read = (platform: ConsentPlatform, consentDefault: unknown) =>
		readSettings(
			DESTINATIONS[platform].settings.filter((setting) => setting.type === 'consent'),
			(name, fallback) => (name === 'consentDefault' ? consentDefault : fallback),
		);

	it('is offered by every platform with a consent mapping, and read into the configuration', () => {
		for (const platform of PLATFORMS) {
			expect(DESTINATIONS[platform].settings).toContainEqual({ type: 'consent', field: DESTINATIONS[platform].consent!.field });
			expect(read(platform, { adUserData: 'denied' }).consentDefault).toEqual({ adUserData: 'denied', source: 'node' });
			expect(read(platform, {}).consentDefault).toBeUndefined();
		}
		const configured = DESTINATIONS.reddit.configFrom!(
			{ ...read('reddit', { adPersonalization: 'denied' }), pixelId: 't2_x', valueFrom: 'commission' },
			{ accessToken: 't' },
		);
		expect(configured).toMatchObject({ consentDefault: { adPersonalization: 'denied', source: 'node' } });
	});

	it('stops the item for a value that is neither granted nor denied (an expression gone wrong)', () => {
		expect(() => read('tiktok', { adUserData: 'maybe' })).toThrow(new SettingError('Consent Default → Ad User Data "maybe" is not granted or denied'));
	});
});

/** The Meta destination's request builder: every field, hashing shape, units, windows, batching, clicks. */
import type { ForwardableEvent, PlatformRequest } from '../../../src/destinations';
import {
	type MetaDestinationConfig,
	type MetaForwardableEvent,
	type MetaServerEvent,
	decimalToMetaValue,
	hashBirthdate,
	meta,
	metaEventsUrl,
} from '../../../src/destinations/meta';
import { eventIdFor } from '../../../src/destinations/event-id';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { DAY, HOUR, NOW, NOW_S, PIXEL, TOKEN, clickOf, purchase, trackerClick } from './meta-fixtures';

const config: MetaDestinationConfig = { pixelId: PIXEL, accessToken: TOKEN };
const HEX64 = /^[a-f0-9]{64}$/;
const hash = (field: Parameters<typeof normalizeAndHash>[1], value: string) => normalizeAndHash('meta', field, value)!;

function plan(events: MetaForwardableEvent[], overrides: Partial<MetaDestinationConfig> = {}, now = NOW) {
	return meta.planRequests(events, { ...config, ...overrides }, now);
}

/** The one event built for `event`, failing the test when it was skipped. */
function built(event: MetaForwardableEvent, overrides: Partial<MetaDestinationConfig> = {}): MetaServerEvent {
	const result = plan([event], overrides);
	expect(result.skipped).toEqual([]);
	return (result.requests[0].body.data as MetaServerEvent[])[0];
}

function skipped(event: MetaForwardableEvent, overrides: Partial<MetaDestinationConfig> = {}) {
	const result = plan([event], overrides);
	expect(result.requests).toEqual([]);
	expect(result.skipped).toHaveLength(1);
	return result.skipped[0];
}

describe('Meta: the request', () => {
	it('POSTs JSON to graph.facebook.com/v26.0/{pixel}/events with the token as the access_token query parameter', () => {
		const [request] = plan([purchase()]).requests;
		expect(request.method).toBe('POST');
		expect(request.url).toBe(`https://graph.facebook.com/v26.0/${PIXEL}/events?access_token=${TOKEN}`);
		expect(request.headers).toEqual({ 'content-type': 'application/json' });
		expect(JSON.stringify(request.headers)).not.toContain(TOKEN);
		expect(JSON.stringify(request.body)).not.toContain(TOKEN);
		expect(Object.keys(request.body)).toEqual(['data']);
		expect(request.itemIndexes).toEqual([0]);
	});

	it('takes the base URL and API version from the config (a bare 26.0 gets its v, the token is URL-encoded)', () => {
		expect(metaEventsUrl({ ...config, baseUrl: 'http://127.0.0.1:9999/', apiVersion: '25.0', accessToken: 'a&b=c' })).toBe(
			`http://127.0.0.1:9999/v25.0/${PIXEL}/events?access_token=a%26b%3Dc`,
		);
	});

	it('puts test_event_code at the top level only when configured', () => {
		expect(plan([purchase()], { testEventCode: 'TEST123' }).requests[0].body).toEqual({ data: expect.any(Array), test_event_code: 'TEST123' });
		expect(plan([purchase()], { testEventCode: '  ' }).requests[0].body).not.toHaveProperty('test_event_code');
	});

	it.each([
		['a pixel id that is not a number', { pixelId: 'my pixel' }, /pixel ID/],
		['an empty access token', { accessToken: ' ' }, /access token/],
		['an API version not like v26.0', { apiVersion: 'latest' }, /API version/],
		['an unknown action source', { actionSource: 'web' }, /action source/],
		['a base URL that is not http(s)', { baseUrl: 'graph.facebook.com' }, /base URL/],
		['an unknown valueFrom', { valueFrom: 'payout' as never }, /Value From/],
	])('refuses %s before sending anything', (_name, overrides, message) => {
		expect(() => plan([purchase()], overrides as Partial<MetaDestinationConfig>)).toThrow(message);
	});

	it('sends nothing for no events', () => {
		expect(plan([])).toEqual({ requests: [], skipped: [] });
	});
});

describe('Meta: one conversion, every field', () => {
	it('builds the ShareASale sale with its matched click', () => {
		const conversion = purchase({
			user: {
				email: ' John_Smith@gmail.com ',
				phone: '+1 (650) 555-1212',
				firstName: 'John',
				lastName: 'Smith',
				birthdate: '1990-02-28',
				city: 'Menlo Park',
				state: 'CA',
				zip: '94025',
				country: 'US',
				externalId: 'cust-42',
			},
		});
		const event = built(conversion);
		const click = clickOf();
		expect(event).toEqual({
			event_name: 'Purchase',
			event_time: NOW_S - 3600,
			event_id: eventIdFor(conversion),
			action_source: 'website',
			event_source_url: click.landingUrl,
			user_data: {
				em: [hash('email', ' John_Smith@gmail.com ')],
				ph: [hash('phone', '+1 (650) 555-1212')],
				fn: [hash('first_name', 'John')],
				ln: [hash('last_name', 'Smith')],
				db: [hashBirthdate('19900228')],
				ct: [hash('city', 'Menlo Park')],
				st: [hash('state', 'CA')],
				zp: [hash('zip', '94025')],
				country: [hash('country', 'US')],
				external_id: [hash('external_id', 'cust-42')],
				client_ip_address: click.ip,
				client_user_agent: click.userAgent,
				fbc: click.fbc,
				fbp: click.fbp,
			},
			custom_data: { value: 39.5, currency: 'USD', order_id: '2617207' },
		});
	});

	it('hashes with Meta’s published vectors (email trimmed and lower-cased; phone digits with country code, no +)', () => {
		const event = built(purchase({ user: { email: ' John_Smith@gmail.com ', phone: '+1 (650) 555-1212' } }));
		expect(event.user_data.em).toEqual(['62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f']);
		expect(event.user_data.ph).toEqual(['e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176']);
	});

	it('uses the default country for a phone written without one', () => {
		const event = built(purchase({ user: { phone: '(650) 555-1212' } }), { defaultCountry: 'US' });
		expect(event.user_data.ph).toEqual(['e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176']);
	});

	it('sends every hashed field as an array of one 64-hex digest and never hashes the raw ids', () => {
		const event = built(
			purchase({
				user: {
					email: 'a@example.com',
					phone: '+44 20 7946 0958',
					firstName: 'Ann',
					lastName: 'Lee',
					city: 'London',
					zip: 'SW1A 1AA',
					country: 'GB',
					externalId: 'x1',
				},
			}),
		);
		for (const key of ['em', 'ph', 'fn', 'ln', 'ct', 'zp', 'country', 'external_id'] as const) {
			expect(event.user_data[key]).toEqual([expect.stringMatching(HEX64)]);
		}
		for (const key of ['client_ip_address', 'client_user_agent', 'fbc', 'fbp'] as const) {
			expect(event.user_data[key]).toBe(clickOf()[key === 'client_ip_address' ? 'ip' : key === 'client_user_agent' ? 'userAgent' : key]);
			expect(event.user_data[key]).not.toMatch(HEX64);
		}
	});

	it('passes an already-hashed value through untouched', () => {
		const digest = '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f';
		expect(built(purchase({ user: { email: digest } })).user_data.em).toEqual([digest]);
	});

	it('omits missing and empty user fields instead of hashing the empty string', () => {
		const event = built(purchase({ user: { email: '   ', firstName: '' } }));
		expect(event.user_data).not.toHaveProperty('em');
		expect(event.user_data).not.toHaveProperty('fn');
		expect(Object.keys(event.user_data).sort()).toEqual(['client_ip_address', 'client_user_agent', 'fbc', 'fbp']);
	});

	it('hashes the birthdate as YYYYMMDD and drops dates that do not exist', () => {
		expect(hashBirthdate('1990-02-28')).toBe(hashBirthdate('19900228'));
		expect(hashBirthdate('1990/02/28')).toMatch(HEX64);
		expect(hashBirthdate('1990-02-30')).toBeUndefined();
		expect(hashBirthdate('28.02.1990')).toBeUndefined();
		expect(built(purchase({ user: { birthdate: 'soon' } })).user_data).not.toHaveProperty('db');
	});

	it('takes the IP from the click, else the one the network saw; an invalid IP is left out', () => {
		expect(built(purchase({ ip: '198.51.100.1' })).user_data.client_ip_address).toBe('203.0.113.7');
		expect(built(purchase({ ip: '2001:db8::1', click: clickOf({ ip: undefined }) })).user_data.client_ip_address).toBe('2001:db8::1');
		expect(built(purchase({ ip: null, click: clickOf({ ip: 'localhost' }) })).user_data).not.toHaveProperty('client_ip_address');
	});
});

describe('Meta: event name and id', () => {
	it('uses the funnel’s Meta event name', () => {
		expect(built(purchase({ eventName: 'Purchase', destinationEvents: { meta: 'Subscribe' } })).event_name).toBe('Subscribe');
	});

	it('falls back to the event name when the item has no destinationEvents (library callers)', () => {
		expect(built(purchase({ eventName: 'Lead', destinationEvents: undefined })).event_name).toBe('Lead');
	});

	it('skips an event the funnel’s mapping removed for Meta', () => {
		expect(skipped(purchase({ eventName: 'Lead', destinationEvents: { tiktok: 'Lead' } })).code).toBe('no_meta_event');
	});

	it('without the funnel and without an event name: no_meta_event, the code every platform uses', () => {
		const skip = skipped(purchase({ eventName: undefined as unknown as string, destinationEvents: undefined }));
		expect(skip).toEqual({ index: 0, code: 'no_meta_event', reason: expect.stringContaining('Event Name') });
	});

	it('an empty funnel mapping (every platform removed) is not sent to Meta', () => {
		expect(skipped(purchase({ destinationEvents: {} })).code).toBe('no_meta_event');
	});

	it('lets the node override the event name per item', () => {
		expect(built({ ...purchase(), metaFields: { eventName: 'AffiliateSale' } }).event_name).toBe('AffiliateSale');
	});

	it('derives a deterministic event id from (network, transaction id, event), the same on every build', () => {
		const first = built(purchase()).event_id;
		expect(first).toBe(eventIdFor(purchase()));
		expect(built(purchase()).event_id).toBe(first);
		expect(built(purchase({ transactionId: '198198599' })).event_id).not.toBe(first);
	});
});

describe('Meta: time', () => {
	it('sends event_time in unix seconds (10 digits, floored)', () => {
		const event = built(purchase({ occurredAt: '2026-07-15T10:59:59.999Z' }));
		expect(event.event_time).toBe(Math.floor(Date.parse('2026-07-15T10:59:59Z') / 1000));
		expect(String(event.event_time)).toHaveLength(10);
	});

	it('keeps a time zone offset (the same instant)', () => {
		expect(built(purchase({ occurredAt: '2026-07-15T13:30:00+02:00' })).event_time).toBe(Date.parse('2026-07-15T11:30:00Z') / 1000);
	});

	it('sends an event 6 days old and skips one older than 7 days, saying why', () => {
		expect(built(purchase({ occurredAt: new Date(NOW.getTime() - 6 * DAY).toISOString() })).event_time).toBe(NOW_S - 6 * 86400);
		const skip = skipped(purchase({ occurredAt: new Date(NOW.getTime() - 7 * DAY - 1000).toISOString() }));
		expect(skip).toEqual({ index: 0, code: 'event_too_old', reason: expect.stringMatching(/7 days.*2804003/) });
	});

	it('stays a few minutes short of the 7-day edge, so an event cannot age past it on the way', () => {
		expect(skipped(purchase({ occurredAt: new Date(NOW.getTime() - 7 * DAY + 60 * 1000).toISOString() })).code).toBe('event_too_old');
	});

	it('allows physical_store events up to 62 days', () => {
		const event = purchase({ occurredAt: new Date(NOW.getTime() - 30 * DAY).toISOString() });
		expect(built(event, { actionSource: 'physical_store' }).event_time).toBe(NOW_S - 30 * 86400);
		expect(skipped({ ...event, occurredAt: new Date(NOW.getTime() - 63 * DAY).toISOString() }, { actionSource: 'physical_store' }).code).toBe('event_too_old');
	});

	it('skips an event more than a minute in the future and sends one a few seconds ahead as now', () => {
		expect(skipped(purchase({ occurredAt: new Date(NOW.getTime() + 2 * 60 * 1000).toISOString() })).code).toBe('event_in_future');
		expect(built(purchase({ occurredAt: new Date(NOW.getTime() + 30 * 1000).toISOString() })).event_time).toBe(NOW_S);
	});

	it('skips an event without a readable time', () => {
		expect(skipped(purchase({ occurredAt: 'yesterday' })).code).toBe('invalid_time');
	});

	it('never puts a stale event into a batch: the others in the same call are sent', () => {
		const events = [
			purchase({ transactionId: 'a' }),
			purchase({ transactionId: 'b', occurredAt: new Date(NOW.getTime() - 8 * DAY).toISOString() }),
			purchase({ transactionId: 'c' }),
		];
		const result = plan(events);
		expect(result.skipped.map((entry) => [entry.index, entry.code])).toEqual([[1, 'event_too_old']]);
		expect(result.requests).toHaveLength(1);
		expect(result.requests[0].itemIndexes).toEqual([0, 2]);
		expect((result.requests[0].body.data as MetaServerEvent[]).every((event) => NOW_S - event.event_time < 7 * 86400)).toBe(true);
	});
});

describe('Meta: value and currency', () => {
	it('sends the commission as the value by default (the affiliate’s revenue), or the sale amount', () => {
		expect(built(purchase()).custom_data).toEqual({ value: 39.5, currency: 'USD', order_id: '2617207' });
		expect(built(purchase(), { valueFrom: 'amount' }).custom_data).toEqual({ value: 79, currency: 'USD', order_id: '2617207' });
	});

	it('turns the exact decimal string into a JSON number that prints the same digits', () => {
		for (const decimal of ['39.5', '0.1', '0.07', '1234567.89', '100', '0', '99999999999.99']) {
			expect(JSON.stringify(decimalToMetaValue(decimal))).toBe(decimal);
		}
		const json = JSON.stringify(plan([purchase({ commission: '12.34' })]).requests[0].body);
		expect(json).toContain('"custom_data":{"value":12.34,"currency":"USD"');
	});

	it('skips a Purchase without a value (Meta needs value and currency), and names the fix', () => {
		const skip = skipped(purchase({ commission: null }));
		expect(skip.code).toBe('missing_value');
		expect(skip.reason).toMatch(/Value From/);
		expect(built(purchase({ commission: null }), { valueFrom: 'amount' }).custom_data?.value).toBe(79);
	});

	it('sends a Lead without a value as it is (no value, no currency)', () => {
		const event = built(purchase({ eventName: 'Lead', destinationEvents: { meta: 'Lead' }, commission: null, amount: null, orderId: null }));
		expect(event).not.toHaveProperty('custom_data');
	});

	it('lets the node override value and currency per item', () => {
		expect(built({ ...purchase(), metaFields: { value: '12.5', currency: 'eur' } }).custom_data).toEqual({ value: 12.5, currency: 'EUR', order_id: '2617207' });
		expect(skipped({ ...purchase(), metaFields: { value: 'ten' } }).code).toBe('invalid_value');
	});

	it('skips a negative value, given or overridden, as a reversal (not_a_conversion, as on every platform)', () => {
		expect(skipped(purchase({ commission: '-39.5' }))).toEqual({ index: 0, code: 'not_a_conversion', reason: expect.stringContaining('reversal or refund') });
		expect(skipped({ ...purchase(), metaFields: { value: '-5' } }).code).toBe('not_a_conversion');
		expect(built({ ...purchase({ commission: 'n/a' }), metaFields: { value: '5' } }).custom_data?.value).toBe(5);
	});

	it('does not send reversals or rejections (Meta cannot take a conversion back)', () => {
		expect(skipped(purchase({ status: 'reversed', commission: '-39.5', amount: '-79' })).code).toBe('not_a_conversion');
		expect(skipped(purchase({ status: 'rejected' })).code).toBe('not_a_conversion');
		expect(built(purchase({ status: 'pending' })).event_name).toBe('Purchase');
	});
});

describe('Meta: fbc and fbp', () => {
	it('keeps a well-formed fbc exactly (the fbclid is case-sensitive)', () => {
		const fbc = 'fb.1.1752580800000.AbC-dEf_123';
		expect(built(purchase({ click: clickOf({ fbc, fbclid: 'AbC-dEf_123' }) })).user_data.fbc).toBe(fbc);
	});

	it('omits a malformed fbc rather than guessing (Meta fails the whole request with 2804001)', () => {
		for (const fbc of ['fb.1.1752580800.IwAR', 'IwAR2xYz', 'fb.1.1752580800000.', 'fb.1.1752580800000.has space']) {
			expect(built(purchase({ click: clickOf({ fbc, fbclid: undefined }) })).user_data).not.toHaveProperty('fbc');
		}
	});

	it('builds fb.1.<click time in ms>.<fbclid> when the click has an fbclid but no fbc', () => {
		const click = clickOf({ fbc: undefined });
		expect(built(purchase({ click })).user_data.fbc).toBe(`fb.1.${Date.parse(click.clickedAt)}.${click.fbclid}`);
		expect(built(purchase({ click: clickOf({ fbc: undefined, fbclid: 'not valid!' }) })).user_data).not.toHaveProperty('fbc');
	});

	it('sends fbp unhashed when well-formed and omits it otherwise', () => {
		expect(built(purchase()).user_data.fbp).toBe('fb.1.1752500000000.987654321');
		expect(built(purchase({ click: clickOf({ fbp: 'GA1.2.3' }) })).user_data).not.toHaveProperty('fbp');
	});
});

describe('Meta: action source and the website rule', () => {
	it('skips a website conversion with no matched click (no user agent, no page URL) and explains the choices', () => {
		const skip = skipped(purchase({ click: undefined, user: { email: 'a@example.com' } }));
		expect(skip.code).toBe('missing_website_fields');
		expect(skip.reason).toMatch(/user agent.*event_source_url|event_source_url/);
		expect(skip.reason).toMatch(/system_generated/);
	});

	it('skips a website event whose click has no landing page, unless the node supplies one', () => {
		const event = purchase({ click: clickOf({ landingUrl: undefined }) });
		expect(skipped(event).code).toBe('missing_website_fields');
		expect(built({ ...event, metaFields: { eventSourceUrl: 'https://blog.example.com/review' } }).event_source_url).toBe('https://blog.example.com/review');
		expect(skipped({ ...event, metaFields: { eventSourceUrl: '/review' } }).code).toBe('missing_website_fields');
	});

	it('sends the same conversion with another action source, without the website fields', () => {
		const event = built(purchase({ click: undefined, user: { email: 'a@example.com' } }), { actionSource: 'system_generated' });
		expect(event.action_source).toBe('system_generated');
		expect(event).not.toHaveProperty('event_source_url');
		expect(Object.keys(event.user_data)).toEqual(['em']);
	});

	it('skips an event with no customer information at all', () => {
		expect(skipped(purchase({ click: undefined }), { actionSource: 'system_generated' }).code).toBe('no_user_data');
	});

	it('lets the node override email, phone and external id', () => {
		const event = built({
			...purchase({ user: { email: 'old@example.com' } }),
			metaFields: { email: 'new@example.com', phone: '+16505551212', externalId: 'crm-1' },
		});
		expect(event.user_data.em).toEqual([hash('email', 'new@example.com')]);
		expect(event.user_data.ph).toEqual(['e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176']);
		expect(event.user_data.external_id).toEqual([hash('external_id', 'crm-1')]);
	});
});

describe('Meta: Click Tracker items', () => {
	it('sends a click as the OutboundClick custom event, timed at the click, with the visitor as external id', () => {
		const click = trackerClick();
		const event = built(click as ForwardableEvent);
		expect(event).toEqual({
			event_name: 'OutboundClick',
			event_time: Math.floor(Date.parse(click.clickedAt) / 1000),
			event_id: `click_${click.clickId}`,
			action_source: 'website',
			event_source_url: click.landingUrl,
			user_data: {
				external_id: [hash('external_id', click.visitorId!)],
				client_ip_address: click.ip,
				client_user_agent: click.userAgent,
				fbc: click.fbc,
				fbp: click.fbp,
			},
		});
	});

	it('skips a click outside Meta’s window or without a readable time, with the codes conversions get', () => {
		expect(skipped(trackerClick({ clickedAt: new Date(NOW.getTime() - 8 * DAY).toISOString() })).code).toBe('event_too_old');
		expect(skipped(trackerClick({ clickedAt: new Date(NOW.getTime() + 2 * 60 * 1000).toISOString() })).code).toBe('event_in_future');
		expect(skipped(trackerClick({ clickedAt: 'yesterday' }))).toEqual({ index: 0, code: 'invalid_time', reason: expect.stringContaining('click time') });
	});

	it('uses the configured click event name', () => {
		expect(built(trackerClick(), { clickEventName: 'AffiliateClick' }).event_name).toBe('AffiliateClick');
	});

	it('mixes clicks and conversions in one batch', () => {
		const result = plan([trackerClick(), purchase()]);
		expect((result.requests[0].body.data as MetaServerEvent[]).map((event) => event.event_name)).toEqual(['OutboundClick', 'Purchase']);
	});
});

describe('Meta: batching', () => {
	it('sends 2,500 conversions as 1000 + 1000 + 500, every input index exactly once, in order', () => {
		const events = Array.from({ length: 2500 }, (_, i) => purchase({ transactionId: `tx-${i}` }));
		const { requests, skipped: none } = plan(events);
		expect(none).toEqual([]);
		expect(requests.map((request) => (request.body.data as unknown[]).length)).toEqual([1000, 1000, 500]);
		expect(requests.map((request) => request.itemIndexes.length)).toEqual([1000, 1000, 500]);
		expect(requests.flatMap((request: PlatformRequest) => request.itemIndexes)).toEqual(events.map((_, i) => i));
		const ids = requests.flatMap((request) => (request.body.data as MetaServerEvent[]).map((event) => event.event_id));
		expect(new Set(ids).size).toBe(2500);
		expect(meta.maxBatch).toBe(1000);
	});

	it('keeps itemIndexes pointing at the input when some events are skipped', () => {
		const events = Array.from({ length: 1003 }, (_, i) =>
			purchase({ transactionId: `tx-${i}`, occurredAt: new Date(NOW.getTime() - (i % 2 === 0 ? HOUR : 8 * DAY)).toISOString() }),
		);
		const { requests, skipped: stale } = plan(events);
		expect(stale).toHaveLength(501);
		expect(requests).toHaveLength(1);
		expect(requests[0].itemIndexes).toEqual(events.map((_, i) => i).filter((i) => i % 2 === 0));
		expect((requests[0].body.data as MetaServerEvent[])[1].event_id).toBe(eventIdFor(events[2]));
	});
});

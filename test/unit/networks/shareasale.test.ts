import { join } from 'node:path';
import { conversionSchema } from '../../../src/model';
import { listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, ParseResult, PostbackRequest } from '../../../src/networks';
import { SHAREASALE_ANYTRACK_BASE_URL, SHAREASALE_ANYTRACK_POSTBACK_URL, SHAREASALE_CONVERSION_PAYLOAD } from '../../fixtures/seed-payloads';
import { ok } from './results';

/** AnyTrack's ShareASale article: the postback URL to paste into ShareASale and the conversion payload. */
const BASE_URL = SHAREASALE_ANYTRACK_BASE_URL;
const seedPostbackUrl = (): string => SHAREASALE_ANYTRACK_POSTBACK_URL;
const PAYLOAD: Record<string, string> = { ...SHAREASALE_CONVERSION_PAYLOAD };
const NOW = new Date('2024-01-01T00:00:00Z');
const base: ParseOptions = { now: () => NOW, timezone: 'UTC' };

function err(result: ParseResult) {
	if (result.ok) throw new Error(`expected an error, got a conversion for ${result.conversion.clickId}`);
	return result.error;
}

function formOf(values: Record<string, string>): string {
	return Object.entries(values)
		.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
		.join('&');
}

const parse = (request: PostbackRequest, options: ParseOptions = base) => parsePostback('shareasale', request, options);
const getWith = (overrides: Record<string, string>) => parse({ method: 'GET', query: { ...PAYLOAD, ...overrides } });

/** Every field of the seed's conversion, independent of how it travelled. */
const SEED_FIELDS = {
	network: 'shareasale',
	clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
	transactionId: '198198598',
	orderId: '2617207',
	merchantId: '87575',
	networkEventType: 'SALE',
	eventName: null,
	status: 'approved',
	amount: '79',
	commission: '39.5',
	currency: 'USD',
	occurredAt: '2023-05-21T00:57:45.000Z',
	receivedAt: '2024-01-01T00:00:00.000Z',
	affiliateId: null,
	offerId: null,
	brandName: null,
	couponCode: null,
	ip: null,
	subIds: {},
	user: {},
};

describe('ShareASale seed (000): the postback URL', () => {
	it('the seed holds the payload the other tests use', () => {
		expect(Object.keys(PAYLOAD).sort()).toEqual(
			['afftrack', 'amountOfSale', 'commission', 'merchantID', 'orderNumber', 'transDate', 'transID', 'transtype'].sort(),
		);
	});

	it('listNetworks() shareasale template equals the seed URL character for character', () => {
		const preset = listNetworks().find((network) => network.id === 'shareasale');
		expect(preset).toBeDefined();
		expect(preset!.postbackUrlTemplate(BASE_URL)).toBe(seedPostbackUrl());
	});

	it('the subid parameter and macro are afftrack / !!afftrack!!, and the macro is in the URL', () => {
		const preset = listNetworks().find((network) => network.id === 'shareasale')!;
		expect(preset.subidParam).toBe('afftrack');
		expect(preset.clickIdMacro).toBe('!!afftrack!!');
		expect(seedPostbackUrl()).toContain(`afftrack=${preset.clickIdMacro}`);
	});

	it('appends to a base URL that already has a query with "&"', () => {
		const preset = listNetworks().find((network) => network.id === 'shareasale')!;
		const url = preset.postbackUrlTemplate(`${BASE_URL}?k=1`);
		expect(url.startsWith(`${BASE_URL}?k=1&afftrack=!!afftrack!!&`)).toBe(true);
		expect(url.split('?')).toHaveLength(2);
	});
});

describe('ShareASale seed (000): the conversion payload in every transport', () => {
	it('GET query', () => {
		const conversion = ok(parse({ method: 'GET', query: { ...PAYLOAD } }));
		expect(conversion).toEqual({ ...SEED_FIELDS, raw: { method: 'GET', query: PAYLOAD } });
		expect(conversion.raw).not.toHaveProperty('body');
		expect(conversionSchema.safeParse(conversion).success).toBe(true);
	});

	it('POST form string with a content type', () => {
		const body = formOf(PAYLOAD);
		const conversion = ok(parse({ method: 'post', query: {}, body, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' } }));
		expect(conversion).toEqual({
			...SEED_FIELDS,
			raw: { method: 'POST', query: {}, body, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } },
		});
	});

	it('POST form as a Buffer without a content type', () => {
		const text = formOf(PAYLOAD);
		const conversion = ok(parse({ method: 'POST', body: Buffer.from(text, 'utf8') }));
		expect(conversion).toEqual({ ...SEED_FIELDS, raw: { method: 'POST', query: {}, body: text } });
	});

	it('POST JSON string with application/json', () => {
		const body = JSON.stringify(PAYLOAD);
		const conversion = ok(parse({ method: 'POST', body, headers: { 'content-type': 'application/json' } }));
		expect(conversion).toEqual({
			...SEED_FIELDS,
			raw: { method: 'POST', query: {}, body: PAYLOAD, headers: { 'content-type': 'application/json' } },
		});
	});

	it('POST JSON string without a content type (recognised by its shape)', () => {
		const conversion = ok(parse({ method: 'POST', body: JSON.stringify(PAYLOAD) }));
		expect(conversion).toEqual({ ...SEED_FIELDS, raw: { method: 'POST', query: {}, body: PAYLOAD } });
	});

	it('POST body already parsed into an object', () => {
		const conversion = ok(parse({ method: 'POST', body: { ...PAYLOAD } }));
		expect(conversion).toEqual({ ...SEED_FIELDS, raw: { method: 'POST', query: {}, body: PAYLOAD } });
	});

	it('raw keeps repeated query parameters as sent', () => {
		const conversion = ok(parse({ method: 'GET', query: { ...PAYLOAD, extra: ['a', 'b'] } }));
		expect(conversion.raw.query).toEqual({ ...PAYLOAD, extra: ['a', 'b'] });
	});

	it('a value in both query and body is read from the body', () => {
		const conversion = ok(
			parse({
				method: 'POST',
				query: { afftrack: 'fromQuery' },
				body: formOf({ ...PAYLOAD, afftrack: 'fromBody' }),
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
			}),
		);
		expect(conversion.clickId).toBe('fromBody');
		expect(conversion.raw.query).toEqual({ afftrack: 'fromQuery' });
	});

	it('parameter names are matched without regard to case (merchantId, TRANSID)', () => {
		const { merchantID, transID, ...rest } = PAYLOAD;
		const conversion = ok(parse({ method: 'GET', query: { ...rest, merchantId: merchantID, TRANSID: transID } }));
		expect(conversion.merchantId).toBe('87575');
		expect(conversion.transactionId).toBe('198198598');
	});

	it('credential headers are not kept in raw', () => {
		const conversion = ok(parse({ method: 'GET', query: { ...PAYLOAD }, headers: { Authorization: 'Basic dTpw', Cookie: 'a=b', 'User-Agent': 'ShareASale' } }));
		expect(conversion.raw.headers).toEqual({ 'user-agent': 'ShareASale' });
	});
});

describe('ShareASale transDate and the time zone option', () => {
	it('UTC: the local time is read as UTC', () => {
		expect(ok(getWith({})).occurredAt).toBe('2023-05-21T00:57:45.000Z');
	});

	it('America/New_York: 00:57:45 EDT (UTC-4) is 04:57:45Z', () => {
		const conversion = ok(parse({ method: 'GET', query: { ...PAYLOAD } }, { ...base, timezone: 'America/New_York' }));
		expect(conversion.occurredAt).toBe('2023-05-21T04:57:45.000Z');
	});

	it('America/New_York in winter: EST (UTC-5)', () => {
		const conversion = ok(parse({ method: 'GET', query: { ...PAYLOAD, transDate: '2023-01-21 00:57:45' } }, { ...base, timezone: 'America/New_York' }));
		expect(conversion.occurredAt).toBe('2023-01-21T05:57:45.000Z');
	});

	it('no timezone option means UTC', () => {
		const conversion = ok(parse({ method: 'GET', query: { ...PAYLOAD } }, { now: () => NOW }));
		expect(conversion.occurredAt).toBe('2023-05-21T00:57:45.000Z');
	});

	it('an unreplaced !!transDate!! falls back to the time received', () => {
		expect(ok(getWith({ transDate: '!!transDate!!' })).occurredAt).toBe('2024-01-01T00:00:00.000Z');
	});

	it('a transDate that is not a date → invalid_date on transDate', () => {
		const error = err(getWith({ transDate: '2023-13-45 99:99:99' }));
		expect(error.code).toBe('invalid_date');
		expect(error.field).toBe('transDate');
	});

	it('an impossible calendar date → invalid_date', () => {
		expect(err(getWith({ transDate: '2023-02-30 10:00:00' })).code).toBe('invalid_date');
	});

	it('an unknown time zone option → invalid_date rather than a guess', () => {
		const error = err(parse({ method: 'GET', query: { ...PAYLOAD } }, { ...base, timezone: 'Not/AZone' }));
		expect(error.code).toBe('invalid_date');
		// The operator's setting is named, not the network's transDate.
		expect(error.field).toBe('timezone');
		expect(error.message).toContain('"Not/AZone"');
	});
});

describe('ShareASale missing and invalid values', () => {
	it.each([
		['the unreplaced macro', '!!afftrack!!'],
		['an empty value', ''],
		['whitespace', '   '],
		['a null word', 'null'],
	])('afftrack as %s → missing_click_id on afftrack', (_label, afftrack) => {
		const error = err(getWith({ afftrack }));
		expect(error.code).toBe('missing_click_id');
		expect(error.field).toBe('afftrack');
	});

	it('no afftrack parameter at all → missing_click_id', () => {
		const { afftrack: _omitted, ...rest } = PAYLOAD;
		expect(err(parse({ method: 'GET', query: rest })).code).toBe('missing_click_id');
	});

	it('!!commission!! is a missing commission (null), not an error', () => {
		const conversion = ok(getWith({ commission: '!!commission!!' }));
		expect(conversion.commission).toBeNull();
		expect(conversion.amount).toBe('79');
	});

	it('!!amountOfSale!! is a missing amount (null)', () => {
		expect(ok(getWith({ amountOfSale: '!!amountOfSale!!' })).amount).toBeNull();
	});

	it.each(['abc', '1,000', '$39.50', '3e2'])('commission=%s → invalid_amount on commission', (commission) => {
		const error = err(getWith({ commission }));
		expect(error.code).toBe('invalid_amount');
		expect(error.field).toBe('commission');
	});

	it('amountOfSale=abc → invalid_amount on amountOfSale', () => {
		const error = err(getWith({ amountOfSale: 'abc' }));
		expect(error.code).toBe('invalid_amount');
		expect(error.field).toBe('amountOfSale');
	});

	it('amounts are normalised to canonical decimals', () => {
		const conversion = ok(getWith({ amountOfSale: '079.00', commission: '39.50' }));
		expect(conversion.amount).toBe('79');
		expect(conversion.commission).toBe('39.5');
	});

	it('JSON numbers are read exactly, exponent forms expanded', () => {
		const body = `{"afftrack":"c1","amountOfSale":79,"commission":1e-7}`;
		const conversion = ok(parse({ method: 'POST', body, headers: { 'content-type': 'application/json' } }));
		expect(conversion.amount).toBe('79');
		expect(conversion.commission).toBe('0.0000001');
	});

	it('a negative commission (a reversal) is kept as a negative decimal', () => {
		expect(ok(getWith({ commission: '-39.50' })).commission).toBe('-39.5');
	});

	it('unreplaced macros in optional fields become null, never data', () => {
		const conversion = ok(getWith({ transID: '!!transID!!', orderNumber: '!!orderNumber!!', merchantID: '!!merchantID!!', transtype: '!!transtype!!' }));
		expect(conversion.transactionId).toBeNull();
		expect(conversion.orderId).toBeNull();
		expect(conversion.merchantId).toBeNull();
		expect(conversion.networkEventType).toBeNull();
	});

	it('options.currency EUR → EUR', () => {
		expect(ok(parse({ method: 'GET', query: { ...PAYLOAD } }, { ...base, currency: 'EUR' })).currency).toBe('EUR');
	});

	it('options.currency XXQ → unknown_currency', () => {
		const error = err(parse({ method: 'GET', query: { ...PAYLOAD } }, { ...base, currency: 'XXQ' }));
		expect(error.code).toBe('unknown_currency');
	});

	it('a JSON array body → invalid_body', () => {
		expect(err(parse({ method: 'POST', body: JSON.stringify([PAYLOAD]) })).code).toBe('invalid_body');
	});

	it('malformed JSON with a JSON content type → invalid_body', () => {
		expect(err(parse({ method: 'POST', body: '{"afftrack": ', headers: { 'content-type': 'application/json' } })).code).toBe('invalid_body');
	});
});

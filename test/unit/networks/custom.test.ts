import { conversionSchema } from '../../../src/model';
import { DEFAULT_CUSTOM_TEMPLATE, customPostbackUrl, listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, PostbackRequest } from '../../../src/networks';
import { anytrackCustomExampleQuery } from '../../fixtures/seed-payloads';
import { ok, err } from './results';

/** AnyTrack's custom-integration article: its filled-in example postback URL, as query parameters. */
const SEED_QUERY = anytrackCustomExampleQuery();
const NOW = new Date('2024-01-01T00:00:00Z');
const base: ParseOptions = { now: () => NOW };

const parse = (request: PostbackRequest, options: ParseOptions = base) => parsePostback('custom', request, options);
const get = (query: Record<string, string>, options: ParseOptions = base) => parse({ method: 'GET', query }, options);
const postJson = (body: unknown, options: ParseOptions = base) =>
	parse({ method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }, options);

const SEED_FIELDS = {
	network: 'custom',
	clickId: 'CAxaduSFl0fpiROSdRkptrJ5REfN2GeEnE',
	transactionId: '10492A',
	orderId: null,
	networkEventType: null,
	eventName: 'CompleteRegistration',
	status: 'approved',
	amount: null,
	commission: '4.99',
	currency: 'USD',
	occurredAt: '2024-01-01T00:00:00.000Z',
	receivedAt: '2024-01-01T00:00:00.000Z',
	affiliateId: null,
	offerId: null,
	merchantId: null,
	brandName: 'Apple Inc',
	couponCode: null,
	ip: null,
	subIds: {},
	user: { email: 'jsmith@example.com', firstName: 'John', lastName: 'Smith' },
};

describe('custom seed (002): the filled example URL', () => {
	it('the seed query holds the documented values', () => {
		expect(SEED_QUERY).toEqual({
			click_id: 'CAxaduSFl0fpiROSdRkptrJ5REfN2GeEnE',
			commission: '4.99',
			currency: 'USD',
			transaction_id: '10492A',
			brand_name: 'Apple Inc',
			event_name: 'CompleteRegistration',
			email: 'jsmith@example.com',
			name: 'John Smith',
		});
	});

	it('GET: every standard field, and name split into first and last', () => {
		const conversion = ok(get({ ...SEED_QUERY }));
		expect(conversion).toEqual({ ...SEED_FIELDS, raw: { method: 'GET', query: SEED_QUERY } });
		expect(conversionSchema.safeParse(conversion).success).toBe(true);
	});

	it('POST JSON: the same conversion, body kept parsed', () => {
		const conversion = ok(postJson(SEED_QUERY));
		expect(conversion).toEqual({
			...SEED_FIELDS,
			raw: { method: 'POST', query: {}, body: SEED_QUERY, headers: { 'content-type': 'application/json' } },
		});
	});

	it('POST form: the same conversion, body kept as text', () => {
		const body = new URLSearchParams(SEED_QUERY).toString();
		const conversion = ok(parse({ method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
		expect(conversion).toEqual({
			...SEED_FIELDS,
			raw: { method: 'POST', query: {}, body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
		});
	});

	it('POST with the click id in the URL and the rest in the body', () => {
		const { click_id, ...rest } = SEED_QUERY;
		const conversion = ok(parse({ method: 'POST', query: { click_id }, body: rest }));
		expect(conversion.clickId).toBe(click_id);
		expect(conversion.commission).toBe('4.99');
		expect(conversion.user).toEqual(SEED_FIELDS.user);
	});
});

describe('custom: names and matching parameters', () => {
	it('an explicit first_name wins over the first half of name; last_name still comes from name', () => {
		const conversion = ok(get({ click_id: 'c1', name: 'John Smith', first_name: 'Johnny' }));
		expect(conversion.user).toEqual({ firstName: 'Johnny', lastName: 'Smith' });
	});

	it('an explicit last_name wins over the second half of name', () => {
		const conversion = ok(get({ click_id: 'c1', name: 'John Smith', last_name: 'Smythe' }));
		expect(conversion.user).toEqual({ firstName: 'John', lastName: 'Smythe' });
	});

	it('a single-word name is a first name only', () => {
		expect(ok(get({ click_id: 'c1', name: 'Cher' })).user).toEqual({ firstName: 'Cher' });
	});

	it('a three-word name keeps the last word as the last name', () => {
		expect(ok(get({ click_id: 'c1', name: '  Mary  Ann   Smith ' })).user).toEqual({ firstName: 'Mary Ann', lastName: 'Smith' });
	});

	it('all matching parameters land in user (zipcode → zip)', () => {
		const conversion = ok(
			get({
				click_id: 'c1',
				email: 'jsmith@example.com',
				first_name: 'John',
				last_name: 'Smith',
				phone: '+1 (650) 555 4444',
				birthdate: '1991-05-26',
				city: 'Menlo Park',
				state: 'CA',
				zipcode: '94025',
				country: 'US',
			}),
		);
		expect(conversion.user).toEqual({
			email: 'jsmith@example.com',
			firstName: 'John',
			lastName: 'Smith',
			phone: '+1 (650) 555 4444',
			birthdate: '1991-05-26',
			city: 'Menlo Park',
			state: 'CA',
			zip: '94025',
			country: 'US',
		});
	});

	it('a JSON number zipcode becomes text', () => {
		expect(ok(postJson({ click_id: 'c1', zipcode: 94025 })).user).toEqual({ zip: '94025' });
	});

	it('unreplaced placeholders in matching parameters are left out of user', () => {
		const conversion = ok(get({ click_id: 'c1', email: '{email}', name: '{name}', phone: '', city: 'null' }));
		expect(conversion.user).toEqual({});
	});
});

describe('custom: money', () => {
	it('commission as a JSON number 4.99 stays exactly "4.99"', () => {
		expect(ok(postJson('{"click_id":"c1","commission":4.99}')).commission).toBe('4.99');
	});

	it('commission as a JSON number 1e-7 becomes "0.0000001"', () => {
		expect(ok(postJson('{"click_id":"c1","commission":1e-7}')).commission).toBe('0.0000001');
	});

	it('a large JSON number in exponent form is expanded, not refused', () => {
		expect(ok(postJson('{"click_id":"c1","amount":1e21}')).amount).toBe('1000000000000000000000');
	});

	it('a parsed object body with a number commission', () => {
		expect(ok(parse({ method: 'POST', body: { click_id: 'c1', commission: 0.30000000000000004 } })).commission).toBe('0.30000000000000004');
	});

	it('payout is read when commission is absent; sale_amount is the amount', () => {
		const conversion = ok(get({ click_id: 'c1', payout: '2.50', sale_amount: '100.00' }));
		expect(conversion.commission).toBe('2.5');
		expect(conversion.amount).toBe('100');
	});

	it('the unreplaced {commission} placeholder is a missing commission', () => {
		expect(ok(get({ click_id: 'c1', commission: '{commission}' })).commission).toBeNull();
	});

	it('commission=4,99 → invalid_amount on commission', () => {
		const error = err(get({ click_id: 'c1', commission: '4,99' }));
		expect(error).toMatchObject({ code: 'invalid_amount', field: 'commission' });
	});

	it('currency from the postback wins over the option and is upper-cased', () => {
		expect(ok(get({ click_id: 'c1', currency: 'eur' }, { ...base, currency: 'GBP' })).currency).toBe('EUR');
		expect(ok(get({ click_id: 'c1' }, { ...base, currency: 'GBP' })).currency).toBe('GBP');
	});

	it('an unknown currency code → unknown_currency on currency', () => {
		expect(err(get({ click_id: 'c1', currency: 'DOLLARS' }))).toMatchObject({ code: 'unknown_currency', field: 'currency' });
		expect(err(get({ click_id: 'c1', currency: 'XYZ' }))).toMatchObject({ code: 'unknown_currency', field: 'currency' });
	});
});

describe('custom: click id and status', () => {
	it.each(['{click_id}', '', '--CLICK-ID--', '{sub1}'])('click_id=%j → missing_click_id', (clickId) => {
		expect(err(get({ click_id: clickId, commission: '1' }))).toMatchObject({ code: 'missing_click_id', field: 'click_id' });
	});

	it('clickid and clickId are accepted aliases', () => {
		expect(ok(get({ clickid: 'a1' })).clickId).toBe('a1');
		expect(ok(get({ clickId: 'a2' })).clickId).toBe('a2');
	});

	it.each([
		['approved', 'approved'],
		['Pending', 'pending'],
		['on hold', 'pending'],
		['declined', 'rejected'],
		['REFUNDED', 'reversed'],
		['chargeback', 'reversed'],
	])('status=%s → %s', (word, expected) => {
		const result = get({ click_id: 'c1', status: word });
		if (expected === undefined) {
			expect(err(result)).toMatchObject({ code: 'invalid_status', field: 'status' });
		} else {
			expect(ok(result).status).toBe(expected);
		}
	});

	it('an unknown status word is refused, not guessed', () => {
		const error = err(get({ click_id: 'c1', status: 'maybe' }));
		expect(error.code).toBe('invalid_status');
		expect(error.message).toContain('maybe');
	});

	it('no status means approved', () => {
		expect(ok(get({ click_id: 'c1' })).status).toBe('approved');
	});

	it('occurred_at with an offset is the conversion time', () => {
		expect(ok(get({ click_id: 'c1', occurred_at: '2024-01-15T10:22:33-08:00' })).occurredAt).toBe('2024-01-15T18:22:33.000Z');
	});

	it('sub1…sub5 are collected into subIds', () => {
		expect(ok(get({ click_id: 'c1', sub1: 'a', sub3: 'c', sub4: '{sub4}' })).subIds).toEqual({ sub1: 'a', sub3: 'c' });
	});
});

describe('custom: fieldMap', () => {
	const nested = {
		visitor: { id: 'v-42' },
		sale: { payout: 12.5, currency: 'CAD', id: 'T-9' },
		customer: { email: 'a@b.example', full_name: 'Ada Lovelace' },
	};
	const fieldMap = {
		click_id: 'visitor.id',
		commission: 'sale.payout',
		currency: 'sale.currency',
		transaction_id: 'sale.id',
		email: 'customer.email',
		name: 'customer.full_name',
	} as const;

	it('dotted paths reach into a nested JSON body', () => {
		const conversion = ok(postJson(nested, { ...base, fieldMap }));
		expect(conversion).toMatchObject({
			clickId: 'v-42',
			commission: '12.5',
			currency: 'CAD',
			transactionId: 'T-9',
			user: { email: 'a@b.example', firstName: 'Ada', lastName: 'Lovelace' },
		});
		expect(conversion.raw.body).toEqual(nested);
	});

	it('a mapped field replaces the standard name (click_id in the body is ignored)', () => {
		const error = err(postJson({ click_id: 'std', visitor: {} }, { ...base, fieldMap: { click_id: 'visitor.id' } }));
		expect(error).toMatchObject({ code: 'missing_click_id', field: 'visitor.id' });
	});

	it('a path through a non-object is missing, not an error', () => {
		const conversion = ok(postJson({ click_id: 'c1', sale: 'flat' }, { ...base, fieldMap: { commission: 'sale.payout' } }));
		expect(conversion.commission).toBeNull();
	});
});

describe('custom: postback URL templates', () => {
	const BASE = 'https://example.test/webhook/postback';

	it('placeholders {sub1}/{payout} give click_id={sub1}&commission={payout}, macros not URL-encoded', () => {
		expect(customPostbackUrl(BASE, { click_id: '{sub1}', commission: '{payout}' })).toBe(`${BASE}?click_id={sub1}&commission={payout}`);
	});

	it('parameters follow the standard order, whatever order the placeholders were given in', () => {
		expect(customPostbackUrl(BASE, { transaction_id: '{txid}', click_id: '{sub1}' })).toBe(`${BASE}?click_id={sub1}&transaction_id={txid}`);
	});

	it('blank placeholders are left out', () => {
		expect(customPostbackUrl(BASE, { click_id: '{sub1}', commission: '  ' })).toBe(`${BASE}?click_id={sub1}`);
	});

	it('the default template carries click_id, commission, currency and transaction_id', () => {
		const expected = `${BASE}?click_id={click_id}&commission={commission}&currency={currency}&transaction_id={transaction_id}`;
		expect(customPostbackUrl(BASE)).toBe(expected);
		expect(customPostbackUrl(BASE, DEFAULT_CUSTOM_TEMPLATE)).toBe(expected);
		expect(
			listNetworks()
				.find((network) => network.id === 'custom')!
				.postbackUrlTemplate(BASE),
		).toBe(expected);
	});

	it('the seed template shape: a base with a query gets "&"', () => {
		expect(customPostbackUrl(`${BASE}?k=secret`, { click_id: '{click_id}' })).toBe(`${BASE}?k=secret&click_id={click_id}`);
		expect(customPostbackUrl(`${BASE}?`, { click_id: '{click_id}' })).toBe(`${BASE}?click_id={click_id}`);
	});

	it('the filled URL made from the default template parses back', () => {
		const template = customPostbackUrl(BASE);
		const filled = template.replace('{click_id}', 'abc').replace('{commission}', '4.99').replace('{currency}', 'USD').replace('{transaction_id}', 'T1');
		const query = Object.fromEntries(new URL(filled).searchParams);
		expect(ok(get(query))).toMatchObject({ clickId: 'abc', commission: '4.99', currency: 'USD', transactionId: 'T1' });
	});
});

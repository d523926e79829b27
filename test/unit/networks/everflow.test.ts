import { listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, PostbackRequest } from '../../../src/networks';
import { ok, err } from './results';

const options: ParseOptions = { now: () => new Date('2024-01-01T00:00:00Z') };

/** Our template as Everflow fires it when it knows {payout} but not {payout_amount}. */
const FIRED = {
	sub1: 'k3VbQ8zPq1',
	transaction_id: '9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f60',
	payout: '12.00',
	payout_amount: '{payout_amount}',
	sale_amount: '89.99',
	currency: 'USD',
	event_id: '0',
	affiliate_id: '7',
	offer_id: '31',
	sub2: 'fb',
	sub3: '{sub3}',
	sub4: '',
	sub5: 'v2',
};

const get = (query: Record<string, string>): PostbackRequest => ({ method: 'GET', query });

describe('everflow preset', () => {
	const expected = {
		network: 'everflow',
		clickId: 'k3VbQ8zPq1',
		transactionId: '9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f60',
		commission: '12',
		amount: '89.99',
		currency: 'USD',
		networkEventType: '0',
		affiliateId: '7',
		offerId: '31',
		orderId: null,
		status: 'approved',
		occurredAt: '2024-01-01T00:00:00.000Z',
		subIds: { sub2: 'fb', sub5: 'v2' },
	};

	it('maps a GET postback', () => {
		expect(ok(parsePostback('everflow', get(FIRED), options))).toMatchObject(expected);
	});

	it('maps a POST JSON body (money as JSON numbers) and a POST form body', () => {
		const json = ok(parsePostback('everflow', { method: 'POST', body: { ...FIRED, payout: 12, sale_amount: 89.99 } }, options));
		expect(json).toMatchObject(expected);
		const form = ok(
			parsePostback(
				'everflow',
				{ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(FIRED).toString() },
				options,
			),
		);
		expect(form).toMatchObject(expected);
	});

	it('reads the payout from {payout_amount} when {payout} came back unreplaced', () => {
		const conversion = ok(parsePostback('everflow', get({ ...FIRED, payout: '{payout}', payout_amount: '4.5' }), options));
		expect(conversion.commission).toBe('4.5');
	});

	it('reads an order id when the sender adds one', () => {
		expect(ok(parsePostback('everflow', get({ ...FIRED, order_id: 'SO-1001' }), options)).orderId).toBe('SO-1001');
	});

	it.each([
		['reversed', 'reversed'],
		['approved', 'approved'],
		['pending', 'pending'],
		['rejected', 'rejected'],
	])('maps status=%s to %s', (status, expectedStatus) => {
		expect(ok(parsePostback('everflow', get({ ...FIRED, status }), options)).status).toBe(expectedStatus);
	});

	it('refuses an unknown status', () => {
		expect(err(parsePostback('everflow', get({ ...FIRED, status: 'upsell' }), options))).toMatchObject({ code: 'invalid_status', field: 'status' });
	});

	it("refuses an unreplaced {sub1} as a missing click id, even with Everflow's own transaction id present", () => {
		const error = err(parsePostback('everflow', get({ ...FIRED, sub1: '{sub1}' }), options));
		expect(error).toMatchObject({ code: 'missing_click_id', field: 'sub1' });
		expect(error.message).toContain('sub1');
	});

	it('refuses a non-numeric payout or sale amount and an unknown currency, naming the parameter', () => {
		expect(err(parsePostback('everflow', get({ ...FIRED, payout: '12 USD' }), options))).toMatchObject({ code: 'invalid_amount', field: 'payout' });
		expect(err(parsePostback('everflow', get({ ...FIRED, sale_amount: 'n/a' }), options))).toMatchObject({
			code: 'invalid_amount',
			field: 'sale_amount',
		});
		expect(err(parsePostback('everflow', get({ ...FIRED, currency: 'US' }), options))).toMatchObject({ code: 'unknown_currency', field: 'currency' });
	});

	it('treats unreplaced money and currency macros as missing', () => {
		const conversion = ok(
			parsePostback('everflow', get({ ...FIRED, payout: '{payout}', sale_amount: '{sale_amount}', currency: '{currency}' }), { ...options, currency: 'EUR' }),
		);
		expect(conversion).toMatchObject({ commission: null, amount: null, currency: 'EUR' });
	});

	it('is listed with its subid, macro and postback URL', () => {
		const info = listNetworks().find((network) => network.id === 'everflow');
		expect(info).toMatchObject({ subidParam: 'sub1', clickIdMacro: '{sub1}' });
		expect(info!.postbackUrlTemplate('https://n8n.example.com/webhook/abc/postback')).toBe(
			'https://n8n.example.com/webhook/abc/postback?sub1={sub1}&transaction_id={transaction_id}&payout={payout}' +
				'&payout_amount={payout_amount}&sale_amount={sale_amount}&currency={currency}&event_id={event_id}' +
				'&affiliate_id={affiliate_id}&offer_id={offer_id}&sub2={sub2}&sub3={sub3}&sub4={sub4}&sub5={sub5}',
		);
	});
});

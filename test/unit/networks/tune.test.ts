import { listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, PostbackRequest } from '../../../src/networks';
import { ok, err } from './results';
import { TUNE_EVENT_LOG, TUNE_EVENT_LOG_QUERY } from '../../fixtures/seed-payloads';

const options: ParseOptions = { now: () => new Date('2024-01-01T00:00:00Z') };

/** The TUNE event log (AnyTrack's Custom Integration example), values exactly as logged. */
const SEED_QUERY = { ...TUNE_EVENT_LOG };

const get = (query: Record<string, string>): PostbackRequest => ({ method: 'GET', query });

describe('tune preset', () => {
	const expectedSeedConversion = {
		network: 'tune',
		clickId: 'ej2kaIZSEV1rhNu8ohhqtt',
		transactionId: '10219dbfbe3c8802f63db008acd29c',
		orderId: null,
		networkEventType: '5',
		status: 'approved',
		amount: null,
		commission: '4.485',
		currency: 'USD',
		occurredAt: '2020-05-19T12:46:16.000Z',
		receivedAt: '2024-01-01T00:00:00.000Z',
		affiliateId: '4479',
		offerId: '2',
		merchantId: '2',
		ip: '92.170.247.132',
		subIds: { aff_sub5: 'ej2kaIZSEV1rhNu8ohhqtt' },
		user: {},
	};

	it('reads the seed event log posted as a JSON body', () => {
		const conversion = ok(parsePostback('tune', { method: 'POST', body: SEED_QUERY }, options));
		expect(conversion).toMatchObject(expectedSeedConversion);
		expect(conversion.raw.body).toEqual(SEED_QUERY);
	});

	it('reads the seed event log as a JSON text body', () => {
		const conversion = ok(
			parsePostback('tune', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(SEED_QUERY) }, options),
		);
		expect(conversion).toMatchObject(expectedSeedConversion);
	});

	it('reads the seed event log as a GET query of strings', () => {
		const conversion = ok(parsePostback('tune', get({ ...TUNE_EVENT_LOG_QUERY }), options));
		expect(conversion).toMatchObject(expectedSeedConversion);
		expect(conversion.raw.query.device_id).toBe('{device_id}');
	});

	it('reads a form POST body', () => {
		const body = new URLSearchParams({ ...TUNE_EVENT_LOG_QUERY }).toString();
		const conversion = ok(parsePostback('tune', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, options));
		expect(conversion).toMatchObject(expectedSeedConversion);
		expect(conversion.raw.body).toBe(body);
	});

	it("never turns the unreplaced {device_id} macro or the ip of TUNE's server into data", () => {
		const conversion = ok(parsePostback('tune', { method: 'POST', body: SEED_QUERY }, options));
		expect(JSON.stringify({ ...conversion, raw: undefined })).not.toContain('{device_id}');
		expect(conversion.ip).not.toBe('35.161.196.166');
	});

	it('falls back to `commission` (a JSON number, exact) only when payout is missing', () => {
		const { payout: _payout, ...withoutPayout } = SEED_QUERY;
		expect(ok(parsePostback('tune', { method: 'POST', body: withoutPayout }, options)).commission).toBe('500');
		const unreplaced = { ...SEED_QUERY, payout: '{payout}', commission: 0.1 };
		expect(ok(parsePostback('tune', { method: 'POST', body: unreplaced }, options)).commission).toBe('0.1');
	});

	it('turns a JSON-number payout that JavaScript prints in exponent form into exact decimal text', () => {
		const conversion = ok(parsePostback('tune', { method: 'POST', body: { ...SEED_QUERY, payout: 5e-7 } }, options));
		expect(conversion.commission).toBe('0.0000005');
	});

	it('reads the datetime in the configured time zone', () => {
		const conversion = ok(parsePostback('tune', { method: 'POST', body: SEED_QUERY }, { ...options, timezone: 'America/New_York' }));
		expect(conversion.occurredAt).toBe('2020-05-19T16:46:16.000Z');
	});

	it('maps sale amount, order id and every aff_sub that holds a value', () => {
		const conversion = ok(
			parsePostback(
				'tune',
				get({
					aff_click_id: 'clk-1',
					transaction_id: 'tx-1',
					payout: '12.50',
					sale_amount: '125.00',
					currency: 'eur',
					adv_sub: 'ORDER-77',
					aff_sub: 'campaign-a',
					aff_sub2: '{aff_sub2}',
					aff_sub3: '',
					aff_sub4: 'blue',
				}),
				options,
			),
		);
		expect(conversion).toMatchObject({ amount: '125', commission: '12.5', currency: 'EUR', orderId: 'ORDER-77' });
		expect(conversion.subIds).toEqual({ aff_sub: 'campaign-a', aff_sub4: 'blue' });
		expect(conversion.occurredAt).toBe('2024-01-01T00:00:00.000Z');
	});

	it.each([
		['approved', 'approved'],
		['pending', 'pending'],
		['rejected', 'rejected'],
		['Pending', 'pending'],
	])('maps status=%s to %s', (status, expected) => {
		expect(ok(parsePostback('tune', get({ aff_click_id: 'c', status }), options)).status).toBe(expected);
	});

	it('refuses an unknown status', () => {
		const error = err(parsePostback('tune', get({ aff_click_id: 'c', status: 'maybe' }), options));
		expect(error).toMatchObject({ code: 'invalid_status', field: 'status' });
		expect(error.message).toContain('maybe');
	});

	it.each([[{}], [{ aff_click_id: '{aff_click_id}' }], [{ aff_click_id: '' }], [{ aff_click_id: 'null' }]])(
		'refuses a postback without a click id: %j',
		(query) => {
			const error = err(parsePostback('tune', get({ ...query, transaction_id: 'tx', payout: '1' }), options));
			expect(error).toMatchObject({ code: 'missing_click_id', field: 'aff_click_id' });
			expect(error.message).toContain('aff_click_id');
		},
	);

	it('refuses a non-numeric payout or sale amount, naming the parameter', () => {
		expect(err(parsePostback('tune', get({ aff_click_id: 'c', payout: '$4.49' }), options))).toMatchObject({
			code: 'invalid_amount',
			field: 'payout',
		});
		expect(err(parsePostback('tune', get({ aff_click_id: 'c', sale_amount: '1,234.00' }), options))).toMatchObject({
			code: 'invalid_amount',
			field: 'sale_amount',
		});
	});

	it('refuses an unknown currency and a malformed datetime', () => {
		expect(err(parsePostback('tune', get({ aff_click_id: 'c', currency: 'XYZ' }), options))).toMatchObject({
			code: 'unknown_currency',
			field: 'currency',
		});
		expect(err(parsePostback('tune', get({ aff_click_id: 'c', datetime: '19/05/2020' }), options))).toMatchObject({
			code: 'invalid_date',
			field: 'datetime',
		});
	});

	it('reports a broken JSON body as invalid_body', () => {
		const error = err(parsePostback('tune', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"aff_click_id":' }, options));
		expect(error.code).toBe('invalid_body');
	});

	it('is listed with its subid, macro and postback URL', () => {
		const info = listNetworks().find((network) => network.id === 'tune');
		expect(info).toMatchObject({ subidParam: 'aff_click_id', clickIdMacro: '{aff_click_id}' });
		expect(info!.postbackUrlTemplate('https://n8n.example.com/webhook/abc/postback')).toBe(
			'https://n8n.example.com/webhook/abc/postback?aff_click_id={aff_click_id}&transaction_id={transaction_id}&payout={payout}' +
				'&sale_amount={sale_amount}&currency={currency}&datetime={datetime}&affiliate_id={affiliate_id}&offer_id={offer_id}' +
				'&goal_id={goal_id}&advertiser_id={advertiser_id}&aff_sub={aff_sub}&aff_sub2={aff_sub2}&aff_sub3={aff_sub3}' +
				'&aff_sub4={aff_sub4}&aff_sub5={aff_sub5}&session_ip={session_ip}',
		);
	});
});

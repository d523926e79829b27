import { listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, PostbackRequest } from '../../../src/networks';
import { ok, err } from './results';

const options: ParseOptions = { now: () => new Date('2024-01-01T00:00:00Z') };

/** A transaction notification as Awin posts it (names as in Awin's notification JSON). */
const TRANSACTION = {
	transactionId: '381120945',
	transactionDate: '2024-02-10 09:15:42',
	transactionCurrency: 'GBP',
	transactionAmount: '64.20',
	affiliateId: '45628',
	merchantId: '3661',
	groupId: '0',
	bannerId: '0',
	clickRef: 'c7Hq2LmX90',
	clickRef2: 'email',
	clickThroughTime: '2024-02-10 08:01:03',
	clickTime: '2024-02-10 08:01:03',
	url: 'https://publisher.example/review',
	commission: '3.21',
	commissionGroups: [{ id: '15250', name: 'Default Commission', code: 'DEFAULT', description: '5% on all sales' }],
};

/** The GET Awin makes once it has filled our template's macros. */
const GET_QUERY = {
	clickref: 'c7Hq2LmX90',
	clickref2: 'email',
	clickref3: '',
	transactionid: '381120945',
	transactiondate: '2024-02-10 09:15:42',
	transactionamount: '64.20',
	transactioncurrency: 'GBP',
	commission: '3.21',
	merchantid: '3661',
	affiliateid: '45628',
	clicktime: '2024-02-10 08:01:03',
	commissiongroups: '[{"id":"15250","name":"Default Commission","code":"DEFAULT","commissionAmount":"3.21"}]',
};

const get = (query: Record<string, string>): PostbackRequest => ({ method: 'GET', query });

describe('awin preset', () => {
	const expected = {
		network: 'awin',
		clickId: 'c7Hq2LmX90',
		transactionId: '381120945',
		commission: '3.21',
		amount: '64.2',
		currency: 'GBP',
		merchantId: '3661',
		affiliateId: '45628',
		occurredAt: '2024-02-10T09:15:42.000Z',
		receivedAt: '2024-01-01T00:00:00.000Z',
		status: 'approved',
	};

	it('maps the GET Awin makes from our template', () => {
		const conversion = ok(parsePostback('awin', get(GET_QUERY), options));
		expect(conversion).toMatchObject(expected);
		expect(conversion.subIds).toEqual({
			clickRef2: 'email',
			clickTime: '2024-02-10 08:01:03',
			commissionGroups: GET_QUERY.commissiongroups,
		});
	});

	it('maps the POST form with the AwinTransactionPush JSON field', () => {
		const body = new URLSearchParams({ AwinTransactionPush: JSON.stringify(TRANSACTION) }).toString();
		const conversion = ok(
			parsePostback('awin', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body }, options),
		);
		expect(conversion).toMatchObject(expected);
		expect(JSON.parse(conversion.subIds.commissionGroups)).toEqual(TRANSACTION.commissionGroups);
		expect(conversion.subIds.clickRef2).toBe('email');
	});

	it('maps a POST JSON body, commission as a JSON number', () => {
		const conversion = ok(parsePostback('awin', { method: 'POST', body: { ...TRANSACTION, commission: 3.21 } }, options));
		expect(conversion).toMatchObject(expected);
	});

	it('takes the conversion time from transactionDate, never from clickTime', () => {
		const { transactiondate: _date, ...withoutDate } = GET_QUERY;
		expect(ok(parsePostback('awin', get(withoutDate), options)).occurredAt).toBe('2024-01-01T00:00:00.000Z');
	});

	it('refuses an unreplaced !!!clickRef!!! and an empty clickRef as a missing click id', () => {
		expect(err(parsePostback('awin', get({ ...GET_QUERY, clickref: '!!!clickRef!!!' }), options))).toMatchObject({
			code: 'missing_click_id',
			field: 'clickref',
		});
		const body = { ...TRANSACTION, clickRef: '' };
		expect(err(parsePostback('awin', { method: 'POST', body }, options)).code).toBe('missing_click_id');
	});

	it('treats other unreplaced macros as missing', () => {
		const conversion = ok(
			parsePostback('awin', get({ ...GET_QUERY, transactionamount: '!!!transactionAmount!!!', commissiongroups: '!!!commissionGroups!!!' }), options),
		);
		expect(conversion.amount).toBeNull();
		expect(conversion.subIds.commissionGroups).toBeUndefined();
	});

	it.each([
		['pending', 'pending'],
		['approved', 'approved'],
		['declined', 'rejected'],
		['deleted', 'rejected'],
	])('maps status %s to %s', (status, expectedStatus) => {
		expect(ok(parsePostback('awin', get({ ...GET_QUERY, status }), options)).status).toBe(expectedStatus);
		expect(ok(parsePostback('awin', { method: 'POST', body: { ...TRANSACTION, commissionStatus: status } }, options)).status).toBe(expectedStatus);
	});

	it('refuses an unknown status', () => {
		expect(err(parsePostback('awin', get({ ...GET_QUERY, status: 'bonus' }), options))).toMatchObject({ code: 'invalid_status', field: 'status' });
	});

	it('refuses a non-numeric amount or commission and an unknown currency, naming the parameter', () => {
		expect(err(parsePostback('awin', get({ ...GET_QUERY, transactionamount: '64,20' }), options))).toMatchObject({
			code: 'invalid_amount',
			field: 'transactionamount',
		});
		expect(err(parsePostback('awin', get({ ...GET_QUERY, commission: '£3.21' }), options))).toMatchObject({
			code: 'invalid_amount',
			field: 'commission',
		});
		expect(err(parsePostback('awin', get({ ...GET_QUERY, transactioncurrency: 'QQQ' }), options))).toMatchObject({
			code: 'unknown_currency',
			field: 'transactioncurrency',
		});
	});

	it('refuses an AwinTransactionPush that is not JSON', () => {
		const error = err(
			parsePostback(
				'awin',
				{ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'AwinTransactionPush=%7Bnot-json' },
				options,
			),
		);
		expect(error).toMatchObject({ code: 'invalid_body', field: 'AwinTransactionPush' });
	});

	it('is listed with its subid, macro and postback URL', () => {
		const info = listNetworks().find((network) => network.id === 'awin');
		expect(info).toMatchObject({ subidParam: 'clickref', clickIdMacro: '!!!clickRef!!!' });
		expect(info!.postbackUrlTemplate('https://n8n.example.com/webhook/abc/postback')).toBe(
			'https://n8n.example.com/webhook/abc/postback?clickref=!!!clickRef!!!&clickref2=!!!clickRef2!!!&clickref3=!!!clickRef3!!!' +
				'&transactionid=!!!transactionId!!!&transactiondate=!!!transactionDate!!!&transactionamount=!!!transactionAmount!!!' +
				'&transactioncurrency=!!!transactionCurrency!!!&commission=!!!commission!!!&merchantid=!!!merchantId!!!' +
				'&affiliateid=!!!affiliateId!!!&clicktime=!!!clickTime!!!&commissiongroups=!!!commissionGroups!!!',
		);
	});
});

import { listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, PostbackRequest } from '../../../src/networks';
import { ok, err } from './results';

const options: ParseOptions = { now: () => new Date('2024-01-01T00:00:00Z') };

/** A postback as Impact fills the template: every macro replaced, the optional ones possibly empty. */
const ACTION = {
	SubId1: 'Lp7Qx2vZk9',
	ActionId: '19816.4617.1245234',
	ActionTrackerId: '12345',
	ActionTrackerName: 'Online Sale',
	CampaignId: '5678',
	MediaPartnerId: '2233445',
	Payout: '7.50',
	Amount: '150.00',
	Currency: 'USD',
	Status: 'PENDING',
	StatusDetail: '',
	EventDate: '2024-03-05T14:22:10-08:00',
	PromoCode: 'SPRING20',
	SubId2: 'newsletter',
	SubId3: '',
	SharedId: 'shared-9',
	DeltaPayout: '',
	DeltaAmount: '',
};

const get = (query: Record<string, string>): PostbackRequest => ({ method: 'GET', query });

describe('impact preset', () => {
	const expected = {
		network: 'impact',
		clickId: 'Lp7Qx2vZk9',
		transactionId: '19816.4617.1245234',
		networkEventType: 'Online Sale',
		merchantId: '5678',
		affiliateId: '2233445',
		commission: '7.5',
		amount: '150',
		currency: 'USD',
		status: 'pending',
		occurredAt: '2024-03-05T22:22:10.000Z',
		receivedAt: '2024-01-01T00:00:00.000Z',
		couponCode: 'SPRING20',
		subIds: { SubId2: 'newsletter', SharedId: 'shared-9' },
	};

	it('maps a GET postback', () => {
		expect(ok(parsePostback('impact', get(ACTION), options))).toMatchObject(expected);
	});

	it('maps a POST JSON body with the same names (amounts as JSON numbers)', () => {
		const body = { ...ACTION, Payout: 7.5, Amount: 150 };
		const conversion = ok(parsePostback('impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, options));
		expect(conversion).toMatchObject(expected);
	});

	it('maps a POST form body', () => {
		const body = new URLSearchParams(ACTION).toString();
		const conversion = ok(parsePostback('impact', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, options));
		expect(conversion).toMatchObject(expected);
	});

	it('reads parameter names without regard to case', () => {
		const conversion = ok(parsePostback('impact', get({ subid1: 'abc', actionid: 'A-1', PAYOUT: '1.25', currency: 'gbp' }), options));
		expect(conversion).toMatchObject({ clickId: 'abc', transactionId: 'A-1', commission: '1.25', currency: 'GBP' });
	});

	it('falls back to ActionTrackerId when the tracker name is missing', () => {
		const conversion = ok(parsePostback('impact', get({ ...ACTION, ActionTrackerName: '{ActionTrackerName}' }), options));
		expect(conversion.networkEventType).toBe('12345');
	});

	it('keeps the deltas, originals and status detail of a modified action in subIds', () => {
		const conversion = ok(
			parsePostback(
				'impact',
				get({
					...ACTION,
					Status: 'APPROVED',
					StatusDetail: 'Partial return',
					DeltaPayout: '-2.50',
					DeltaAmount: '-50.00',
					OriginalAmount: '135.00',
					OriginalCurrency: 'EUR',
				}),
				options,
			),
		);
		expect(conversion.status).toBe('approved');
		expect(conversion.subIds).toEqual({
			SubId2: 'newsletter',
			SharedId: 'shared-9',
			DeltaPayout: '-2.50',
			DeltaAmount: '-50.00',
			OriginalAmount: '135.00',
			OriginalCurrency: 'EUR',
			StatusDetail: 'Partial return',
		});
	});

	it.each([
		['PENDING', 'pending'],
		['APPROVED', 'approved'],
		['REVERSED', 'reversed'],
		['rejected', 'rejected'],
	])('maps Status=%s to %s', (status, expected) => {
		expect(ok(parsePostback('impact', get({ ...ACTION, Status: status }), options)).status).toBe(expected);
	});

	it('refuses an unknown status, naming the parameter', () => {
		expect(err(parsePostback('impact', get({ ...ACTION, Status: 'LOCKED_IN' }), options))).toMatchObject({
			code: 'invalid_status',
			field: 'Status',
		});
	});

	it('refuses an unreplaced {SubId1} as a missing click id', () => {
		const error = err(parsePostback('impact', get({ ...ACTION, SubId1: '{SubId1}' }), options));
		expect(error).toMatchObject({ code: 'missing_click_id', field: 'SubId1' });
	});

	it('treats other unreplaced macros as missing', () => {
		const conversion = ok(parsePostback('impact', get({ ...ACTION, Amount: '{Amount}', PromoCode: '{PromoCode}', Currency: '{Currency}' }), options));
		expect(conversion).toMatchObject({ amount: null, couponCode: null, currency: 'USD' });
	});

	it('refuses a non-numeric Payout or Amount and an unknown currency', () => {
		expect(err(parsePostback('impact', get({ ...ACTION, Payout: 'seven' }), options))).toMatchObject({ code: 'invalid_amount', field: 'Payout' });
		expect(err(parsePostback('impact', get({ ...ACTION, Amount: '150,00' }), options))).toMatchObject({ code: 'invalid_amount', field: 'Amount' });
		expect(err(parsePostback('impact', get({ ...ACTION, Currency: 'DOLLARS' }), options))).toMatchObject({
			code: 'unknown_currency',
			field: 'Currency',
		});
	});

	it('is listed with its subid, macro and postback URL', () => {
		const info = listNetworks().find((network) => network.id === 'impact');
		expect(info).toMatchObject({ subidParam: 'subId1', clickIdMacro: '{SubId1}' });
		expect(info!.postbackUrlTemplate('https://n8n.example.com/webhook/abc/postback')).toBe(
			'https://n8n.example.com/webhook/abc/postback?SubId1={SubId1}&ActionId={ActionId}&ActionTrackerId={ActionTrackerId}' +
				'&ActionTrackerName={ActionTrackerName}&CampaignId={CampaignId}&MediaPartnerId={MediaPartnerId}&Payout={Payout}' +
				'&Amount={Amount}&Currency={Currency}&Status={Status}&StatusDetail={StatusDetail}&EventDate={EventDate}' +
				'&PromoCode={PromoCode}&SubId2={SubId2}&SubId3={SubId3}&SharedId={SharedId}&DeltaPayout={DeltaPayout}&DeltaAmount={DeltaAmount}',
		);
	});
});

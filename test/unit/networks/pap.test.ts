import { getNetwork, listNetworks, parsePostback } from '../../../src/networks';
import type { ParseResult } from '../../../src/networks';

const now = () => new Date('2024-01-01T00:00:00Z');
const BASE = 'https://n8n.example.com/webhook/abc/postback';

function get(query: Record<string, string | string[]>): ParseResult {
	return parsePostback('pap', { method: 'GET', query }, { now });
}

function expectOk(result: ParseResult) {
	if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
	return result.conversion;
}

function expectError(result: ParseResult) {
	if (result.ok) throw new Error('expected an error, got a conversion');
	return result.error;
}

const SALE = {
	visitorId: 'f6bd3e1c8a1b4d7e9f0a2b3c4d5e6f70',
	TotalCost: '120.50',
	OrderID: 'ORD-1001',
	ProductID: 'PROD-7',
	Commission: '12.05',
	Currency: 'EUR',
	PStatus: 'A',
	AffiliateID: '11110001',
	CampaignID: 'c0a1b2c3',
	Coupon: 'SPRING10',
	ActionCode: 'signup',
	data1: 'alpha',
	data2: 'beta',
	data5: 'epsilon',
};

describe('Post Affiliate Pro preset', () => {
	it('is registered and builds its URL template', () => {
		expect(listNetworks().find((network) => network.id === 'pap')).toMatchObject({
			subidParam: 'visitorId',
			clickIdMacro: '{visitorId}',
		});
		expect(getNetwork('pap')?.postbackUrlTemplate(BASE)).toBe(
			`${BASE}?visitorId={visitorId}&TotalCost={TotalCost}&OrderID={OrderID}&ProductID={ProductID}&Commission={Commission}` +
				'&Currency={Currency}&PStatus={PStatus}&ActionCode={ActionCode}&Coupon={Coupon}' +
				'&data1={data1}&data2={data2}&data3={data3}&data4={data4}&data5={data5}',
		);
		expect(getNetwork('pap')?.setupHint).toMatch(/replac/i);
	});

	it('maps a sale request', () => {
		const conversion = expectOk(get(SALE));
		expect(conversion).toMatchObject({
			network: 'pap',
			clickId: SALE.visitorId,
			amount: '120.5',
			orderId: 'ORD-1001',
			transactionId: 'ORD-1001',
			offerId: 'PROD-7',
			commission: '12.05',
			currency: 'EUR',
			status: 'approved',
			affiliateId: '11110001',
			couponCode: 'SPRING10',
			networkEventType: 'signup',
			occurredAt: '2024-01-01T00:00:00.000Z',
			subIds: { data1: 'alpha', data2: 'beta', data5: 'epsilon', CampaignID: 'c0a1b2c3' },
		});
		expect(conversion.raw.query).toEqual(SALE);
	});

	it('reads a POST form body the same way', () => {
		const body = new URLSearchParams({ visitorId: 'v123', TotalCost: '10', PStatus: 'P' }).toString();
		const conversion = expectOk(parsePostback('pap', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, { now }));
		expect(conversion).toMatchObject({ clickId: 'v123', amount: '10', status: 'pending' });
	});

	it('treats unreplaced macros as missing', () => {
		const conversion = expectOk(
			get({
				visitorId: 'v1',
				TotalCost: '{TotalCost}',
				OrderID: '{OrderID}',
				Coupon: '{Coupon}',
				ActionCode: '{ActionCode}',
				data1: '{data1}',
				PStatus: '{PStatus}',
			}),
		);
		expect(conversion).toMatchObject({
			amount: null,
			orderId: null,
			transactionId: null,
			couponCode: null,
			networkEventType: null,
			subIds: {},
			status: 'approved',
		});
	});

	it('maps PStatus A, P and D', () => {
		expect(expectOk(get({ visitorId: 'v1', PStatus: 'A' })).status).toBe('approved');
		expect(expectOk(get({ visitorId: 'v1', PStatus: 'P' })).status).toBe('pending');
		expect(expectOk(get({ visitorId: 'v1', PStatus: 'D' })).status).toBe('rejected');
		expect(expectOk(get({ visitorId: 'v1', PStatus: 'd' })).status).toBe('rejected');
		const error = expectError(get({ visitorId: 'v1', PStatus: 'Z' }));
		expect(error).toMatchObject({ code: 'invalid_status', field: 'PStatus' });
	});

	it('treats a negative total as a refund or chargeback', () => {
		const conversion = expectOk(get({ visitorId: 'v1', TotalCost: '-120.50', Commission: '-12.05', PStatus: 'A' }));
		expect(conversion).toMatchObject({ status: 'reversed', amount: '-120.5', commission: '-12.05' });
		expect(expectOk(get({ visitorId: 'v1', TotalCost: '0', PStatus: 'A' })).status).toBe('approved');
	});

	it('accepts an affiliate id instead of a visitor id', () => {
		const conversion = expectOk(get({ AffiliateID: '11110001', TotalCost: '50' }));
		expect(conversion.clickId).toBeNull();
		expect(conversion.affiliateId).toBe('11110001');
	});

	it('refuses a sale with neither visitor id nor affiliate id, naming visitorId', () => {
		const queries: Array<Record<string, string>> = [
			{ TotalCost: '50' },
			{ visitorId: '{visitorId}', AffiliateID: '{AffiliateID}', TotalCost: '50' },
			{ visitorId: '', AffiliateID: ' ' },
		];
		for (const query of queries) {
			const error = expectError(get(query));
			expect(error.code).toBe('missing_click_id');
			expect(error.field).toBe('visitorId');
			expect(error.message).toContain('AffiliateID');
		}
	});

	it('refuses a non-numeric amount, naming the field', () => {
		expect(expectError(get({ visitorId: 'v1', TotalCost: '1,200.00' }))).toMatchObject({ code: 'invalid_amount', field: 'TotalCost' });
		expect(expectError(get({ visitorId: 'v1', Commission: 'ten' }))).toMatchObject({ code: 'invalid_amount', field: 'Commission' });
	});

	it('refuses an unknown currency', () => {
		expect(expectError(get({ visitorId: 'v1', Currency: 'QQQ' }))).toMatchObject({ code: 'unknown_currency', field: 'Currency' });
	});
});

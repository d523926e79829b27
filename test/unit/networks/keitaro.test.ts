import { getNetwork, listNetworks, parsePostback } from '../../../src/networks';
import type { ParseResult } from '../../../src/networks';

const now = () => new Date('2024-01-01T00:00:00Z');
const BASE = 'https://n8n.example.com/webhook/abc/postback';

function get(query: Record<string, string | string[]>): ParseResult {
	return parsePostback('keitaro', { method: 'GET', query }, { now });
}

function expectOk(result: ParseResult) {
	if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
	return result.conversion;
}

function expectError(result: ParseResult) {
	if (result.ok) throw new Error('expected an error, got a conversion');
	return result.error;
}

describe('Keitaro preset', () => {
	it('is registered and builds its URL template', () => {
		expect(listNetworks().find((network) => network.id === 'keitaro')).toMatchObject({ subidParam: 'subid', clickIdMacro: '{subid}' });
		expect(getNetwork('keitaro')?.postbackUrlTemplate(BASE)).toBe(`${BASE}?subid={subid}&status={status}&payout={payout}&tid={tid}&currency={currency}`);
	});

	it('maps a postback', () => {
		const conversion = expectOk(get({ subid: '3kd8sl2q1', status: 'sale', payout: '15.00', tid: 'order-9', currency: 'RUB' }));
		expect(conversion).toMatchObject({
			network: 'keitaro',
			clickId: '3kd8sl2q1',
			status: 'approved',
			networkEventType: 'sale',
			commission: '15',
			transactionId: 'order-9',
			currency: 'RUB',
			occurredAt: '2024-01-01T00:00:00.000Z',
		});
	});

	it.each([
		['lead', 'pending'],
		['sale', 'approved'],
		['rejected', 'rejected'],
		['rebill', 'approved'],
		['trash', 'rejected'],
		['SALE', 'approved'],
		['approved', 'approved'],
		['declined', 'rejected'],
		['chargeback', 'reversed'],
	])('maps status %s to %s and keeps the word as sent', (word, status) => {
		const conversion = expectOk(get({ subid: 's1', status: word }));
		expect(conversion.status).toBe(status);
		expect(conversion.networkEventType).toBe(word);
	});

	it('treats a postback without a status as a lead', () => {
		const conversion = expectOk(get({ subid: 's1', status: '{status}' }));
		expect(conversion.status).toBe('pending');
		expect(conversion.networkEventType).toBeNull();
	});

	it('refuses an unknown status, naming it', () => {
		expect(expectError(get({ subid: 's1', status: 'deposit_ftd' }))).toMatchObject({ code: 'invalid_status', field: 'status' });
	});

	it('reads revenue when payout is absent, payout first otherwise', () => {
		expect(expectOk(get({ subid: 's1', revenue: '7.5' })).commission).toBe('7.5');
		expect(expectOk(get({ subid: 's1', payout: '{payout}', revenue: '7.5' })).commission).toBe('7.5');
		expect(expectOk(get({ subid: 's1', payout: '3', revenue: '7.5' })).commission).toBe('3');
	});

	it('treats unreplaced macros as missing', () => {
		const conversion = expectOk(get({ subid: 's1', tid: '{tid}', payout: '{payout}', currency: '{currency}' }));
		expect(conversion).toMatchObject({ transactionId: null, commission: null, currency: 'USD' });
		expect(expectError(get({ subid: '{subid}', status: 'sale' }))).toMatchObject({ code: 'missing_click_id', field: 'subid' });
	});

	it('refuses a postback without subid', () => {
		expect(expectError(get({ status: 'sale', payout: '1' }))).toMatchObject({ code: 'missing_click_id', field: 'subid' });
	});

	it('refuses a non-numeric amount, naming the field it came from', () => {
		expect(expectError(get({ subid: 's1', payout: '10 USD' }))).toMatchObject({ code: 'invalid_amount', field: 'payout' });
		expect(expectError(get({ subid: 's1', revenue: 'abc' }))).toMatchObject({ code: 'invalid_amount', field: 'revenue' });
	});

	it('refuses an unknown currency', () => {
		expect(expectError(get({ subid: 's1', currency: 'QQQ' }))).toMatchObject({ code: 'unknown_currency', field: 'currency' });
	});
});

import { getNetwork, listNetworks, parsePostback } from '../../../src/networks';
import type { ParseResult } from '../../../src/networks';

const now = () => new Date('2024-01-01T00:00:00Z');
const BASE = 'https://n8n.example.com/webhook/abc/postback';

function get(query: Record<string, string | string[]>): ParseResult {
	return parsePostback('voluum', { method: 'GET', query }, { now });
}

function expectOk(result: ParseResult) {
	if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
	return result.conversion;
}

function expectError(result: ParseResult) {
	if (result.ok) throw new Error('expected an error, got a conversion');
	return result.error;
}

describe('Voluum preset', () => {
	it('is registered and builds its URL template', () => {
		expect(listNetworks().find((network) => network.id === 'voluum')).toMatchObject({ subidParam: 'cid', clickIdMacro: '{clickid}' });
		expect(getNetwork('voluum')?.postbackUrlTemplate(BASE)).toBe(`${BASE}?cid={clickid}&payout={payout}&txid={txid}&currency={currency}&et={event_type}`);
		expect(getNetwork('voluum')?.postbackUrlTemplate(`${BASE}?key=1`)).toBe(
			`${BASE}?key=1&cid={clickid}&payout={payout}&txid={txid}&currency={currency}&et={event_type}`,
		);
		expect(getNetwork('voluum')?.setupHint).toMatch(/replace/i);
	});

	it('maps a postback', () => {
		const conversion = expectOk(get({ cid: 'VLM0a1b2c3d4e5f', payout: '4.20', txid: 'tx-77', currency: 'gbp', et: 'signup' }));
		expect(conversion).toMatchObject({
			network: 'voluum',
			clickId: 'VLM0a1b2c3d4e5f',
			commission: '4.2',
			amount: null,
			transactionId: 'tx-77',
			currency: 'GBP',
			networkEventType: 'signup',
			status: 'approved',
			occurredAt: '2024-01-01T00:00:00.000Z',
			receivedAt: '2024-01-01T00:00:00.000Z',
		});
	});

	it('uses the configured default currency when none is sent', () => {
		const result = parsePostback('voluum', { method: 'GET', query: { cid: 'c1' } }, { now, currency: 'eur' });
		expect(expectOk(result).currency).toBe('EUR');
	});

	it("treats Voluum's REPLACE and OPTIONAL and unreplaced macros as missing", () => {
		const conversion = expectOk(get({ cid: 'c1', payout: 'OPTIONAL', txid: 'OPTIONAL', currency: '{currency}', et: '{event_type}' }));
		expect(conversion).toMatchObject({ commission: null, transactionId: null, currency: 'USD', networkEventType: null });
		for (const cid of ['REPLACE', '{clickid}', '', '   ', 'OPTIONAL']) {
			const error = expectError(get({ cid, payout: '1' }));
			expect(error).toMatchObject({ code: 'missing_click_id', field: 'cid' });
		}
	});

	it('refuses a postback without cid', () => {
		expect(expectError(get({ payout: '1' }))).toMatchObject({ code: 'missing_click_id', field: 'cid' });
	});

	it('refuses a non-numeric payout, naming it', () => {
		expect(expectError(get({ cid: 'c1', payout: '1e3' }))).toMatchObject({ code: 'invalid_amount', field: 'payout' });
	});

	it('refuses an unknown currency', () => {
		expect(expectError(get({ cid: 'c1', currency: 'QQQ' }))).toMatchObject({ code: 'unknown_currency', field: 'currency' });
	});

	it('reads a POST JSON body too', () => {
		const conversion = expectOk(
			parsePostback('voluum', { method: 'POST', body: '{"cid":"c9","payout":0.1}', headers: { 'content-type': 'application/json' } }, { now }),
		);
		expect(conversion).toMatchObject({ clickId: 'c9', commission: '0.1' });
	});
});

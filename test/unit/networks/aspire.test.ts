import { listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, PostbackRequest } from '../../../src/networks';
import { ok, err } from './results';

const options: ParseOptions = { now: () => new Date('2024-01-01T00:00:00Z') };

/** A GET as the store fires it: the query string of the URL. */
function getUrl(url: string): PostbackRequest {
	return { method: 'GET', query: Object.fromEntries(new URL(url).searchParams) };
}

describe('aspire preset', () => {
	it('reads the seed 004 partner-id postback (final URL)', () => {
		const conversion = ok(
			parsePostback('aspire', getUrl('https://aspireiq.go2cloud.org/aff_lsr?offer_id=1&affiliate_id=123456&amount=25&adv_unique1=547839'), options),
		);
		expect(conversion).toMatchObject({
			network: 'aspire',
			clickId: null,
			affiliateId: '123456',
			offerId: '1',
			amount: '25',
			commission: null,
			transactionId: '547839',
			orderId: '547839',
			networkEventType: 'partner_id',
			currency: 'USD',
			status: 'approved',
			occurredAt: '2024-01-01T00:00:00.000Z',
		});
	});

	it('reads aff_id as the template names it', () => {
		const conversion = ok(parsePostback('aspire', getUrl('https://x.test/?offer_id=1&aff_id=987&amount=10.50&adv_unique1=A-1'), options));
		expect(conversion).toMatchObject({ affiliateId: '987', amount: '10.5', transactionId: 'A-1', networkEventType: 'partner_id' });
	});

	it('refuses the seed template with every placeholder word left unreplaced, naming aff_id', () => {
		const error = err(
			parsePostback('aspire', getUrl('https://aspireiq.go2cloud.org/aff_lsr?offer_id=1&aff_id=AFFILIATE_ID&amount=AMOUNT&adv_unique1=ORDER_ID'), options),
		);
		expect(error).toMatchObject({ code: 'missing_field', field: 'aff_id' });
		expect(error.message).toMatch(/aff_id or affiliate_id/);
		expect(error.message).toMatch(/transaction_id/);
	});

	it('treats unreplaced AMOUNT and ORDER_ID as missing, not as data', () => {
		const conversion = ok(parsePostback('aspire', getUrl('https://x.test/?offer_id=OFFER_ID&aff_id=123456&amount=AMOUNT&adv_unique1=ORDER_ID'), options));
		expect(conversion).toMatchObject({ affiliateId: '123456', amount: null, offerId: null, transactionId: null, orderId: null });
	});

	it('reads the transaction-id protocol: the transaction id is the click', () => {
		const conversion = ok(parsePostback('aspire', getUrl('https://x.test/?transaction_id=102abc9f&amount=49.90&adv_unique1=ORD-5'), options));
		expect(conversion).toMatchObject({
			clickId: '102abc9f',
			transactionId: '102abc9f',
			orderId: 'ORD-5',
			amount: '49.9',
			affiliateId: null,
			networkEventType: 'transaction_id',
		});
	});

	it('prefers transaction_id when both protocols are filled, keeping the affiliate', () => {
		const conversion = ok(parsePostback('aspire', getUrl('https://x.test/?transaction_id=t-1&aff_id=55&amount=5'), options));
		expect(conversion).toMatchObject({ clickId: 't-1', affiliateId: '55', networkEventType: 'transaction_id' });
	});

	it('falls back to the partner-id protocol when TRANSACTION_ID is left unreplaced', () => {
		const conversion = ok(
			parsePostback('aspire', getUrl('https://x.test/?offer_id=3&aff_id=55&amount=5&adv_unique1=O-9&transaction_id=TRANSACTION_ID'), options),
		);
		expect(conversion).toMatchObject({ clickId: null, affiliateId: '55', transactionId: 'O-9', networkEventType: 'partner_id' });
	});

	it('accepts a JSON body (amount as a JSON number) and a form body', () => {
		const json = ok(parsePostback('aspire', { method: 'POST', body: { transaction_id: 'tj', amount: 12.3 } }, options));
		expect(json).toMatchObject({ clickId: 'tj', amount: '12.3' });
		const form = ok(
			parsePostback(
				'aspire',
				{
					method: 'POST',
					headers: { 'content-type': 'application/x-www-form-urlencoded' },
					body: 'offer_id=1&affiliate_id=123456&amount=25&adv_unique1=547839',
				},
				options,
			),
		);
		expect(form).toMatchObject({ affiliateId: '123456', amount: '25', orderId: '547839' });
	});

	it('refuses a non-numeric amount, naming the parameter', () => {
		const error = err(parsePostback('aspire', getUrl('https://x.test/?aff_id=1&amount=25%20USD'), options));
		expect(error).toMatchObject({ code: 'invalid_amount', field: 'amount' });
	});

	it('refuses an empty postback', () => {
		expect(err(parsePostback('aspire', { method: 'GET', query: {} }, options)).code).toBe('missing_field');
	});

	it('is listed with its subid, macro and postback URL', () => {
		const info = listNetworks().find((network) => network.id === 'aspire');
		expect(info).toMatchObject({ subidParam: 'transaction_id', clickIdMacro: 'TRANSACTION_ID' });
		expect(info!.postbackUrlTemplate('https://n8n.example.com/webhook/abc/postback')).toBe(
			'https://n8n.example.com/webhook/abc/postback?offer_id=OFFER_ID&aff_id=AFFILIATE_ID&amount=AMOUNT&adv_unique1=ORDER_ID&transaction_id=TRANSACTION_ID',
		);
	});

	it('parses its own template, unfilled, as missing rather than as data', () => {
		const url = listNetworks()
			.find((network) => network.id === 'aspire')!
			.postbackUrlTemplate('https://n8n.example.com/webhook/abc/postback');
		expect(err(parsePostback('aspire', getUrl(url), options)).code).toBe('missing_field');
	});
});

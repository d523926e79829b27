import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { getNetwork, listNetworks, parsePostback } from '../../../src/networks';
import { insKey } from '../../../src/networks/clickbank';
import type { ParseOptions, ParseResult, PostbackRequest } from '../../../src/networks';

const SECRET = 'MYSECRETKEY42';
const now = () => new Date('2024-01-01T00:00:00Z');
const options: ParseOptions = { secret: SECRET, now };

/** Encrypts exactly as ClickBank does, with the key derived independently of the preset's code. */
function encryptIns(plaintext: string, secret = SECRET, iv: Buffer = randomBytes(16)): { notification: string; iv: string } {
	const key = Buffer.from(createHash('sha1').update(secret).digest('hex').slice(0, 32), 'utf8');
	const cipher = createCipheriv('aes-256-cbc', key, iv);
	const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	return { notification: ciphertext.toString('base64'), iv: iv.toString('base64') };
}

function sample(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		transactionTime: '2024-03-05T13:47:51-07:00',
		receipt: 'CWOGBZLN',
		transactionType: 'SALE',
		vendor: 'testvendor',
		affiliate: 'topaffiliate',
		role: 'AFFILIATE',
		totalAccountAmount: 35.44,
		paymentMethod: 'VISA',
		totalOrderAmount: 47.95,
		totalTaxAmount: 0,
		totalShippingAmount: 0,
		currency: 'USD',
		orderLanguage: 'EN',
		trackingCodes: ['click_abc123'],
		lineItems: [
			{ itemNo: '1', productTitle: 'Keto Meal Guide', shippable: false, recurring: false, accountAmount: 35.44 },
			{ itemNo: '2', productTitle: 'Bonus Recipes', shippable: false, recurring: false, accountAmount: 0 },
		],
		customer: {
			shipping: {
				firstName: 'SHIPPY',
				lastName: 'PERSON',
				fullName: 'SHIPPY PERSON',
				email: 'ship@example.com',
				address: { city: 'Shiptown', state: 'CA', postalCode: '90001', country: 'US' },
			},
			billing: {
				firstName: 'JOHN',
				lastName: 'SMITH',
				fullName: 'JOHN SMITH',
				phoneNumber: '+1 208 555 0100',
				email: 'john@example.com',
				address: { city: 'Boise', state: 'ID', postalCode: '83704', country: 'US' },
			},
		},
		upsell: null,
		hopfeed: null,
		version: 8.0,
		attemptCount: 1,
		vendorVariables: { v1: 'landing-a' },
		...overrides,
	};
}

function post(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): PostbackRequest {
	return { method: 'POST', query: {}, body, headers };
}

function parseNotification(payload: Record<string, unknown>, opts: ParseOptions = options): ParseResult {
	return parsePostback('clickbank', post(encryptIns(JSON.stringify(payload))), opts);
}

function expectOk(result: ParseResult) {
	if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
	return result.conversion;
}

function expectError(result: ParseResult) {
	if (result.ok) throw new Error('expected an error, got a conversion');
	return result.error;
}

describe('ClickBank INS key derivation', () => {
	it('uses the first 32 hex characters of sha1(secret) as 32 UTF-8 bytes', () => {
		const hex = createHash('sha1').update(SECRET).digest('hex');
		const key = insKey(SECRET);
		expect(key).toHaveLength(32);
		expect(key.toString('utf8')).toBe(hex.slice(0, 32));
		expect(key.toString('utf8')).toMatch(/^[0-9a-f]{32}$/);
	});

	it('matches a known SHA-1 value', () => {
		// sha1("abc") = a9993e364706816aba3e25717850c26c9cd0d89d (FIPS 180 test vector).
		expect(insKey('abc').toString('utf8')).toBe('a9993e364706816aba3e25717850c26c');
	});
});

describe('ClickBank INS preset', () => {
	it('is registered with its subid and an unchanged URL template', () => {
		const info = listNetworks().find((network) => network.id === 'clickbank');
		expect(info).toMatchObject({ id: 'clickbank', subidParam: 'tid', clickIdMacro: 'tid' });
		expect(getNetwork('clickbank')?.postbackUrlTemplate('https://n8n.example.com/webhook/abc/postback')).toBe('https://n8n.example.com/webhook/abc/postback');
		expect(info?.setupHint).toMatch(/secret key/i);
	});

	it('decrypts a notification and maps its fields', () => {
		const conversion = expectOk(parseNotification(sample()));
		expect(conversion).toMatchObject({
			network: 'clickbank',
			clickId: 'click_abc123',
			transactionId: 'CWOGBZLN',
			networkEventType: 'SALE',
			status: 'approved',
			amount: '47.95',
			commission: '35.44',
			currency: 'USD',
			occurredAt: '2024-03-05T20:47:51.000Z',
			receivedAt: '2024-01-01T00:00:00.000Z',
			affiliateId: 'topaffiliate',
			merchantId: 'testvendor',
			brandName: 'Keto Meal Guide',
			orderId: null,
			user: {
				email: 'john@example.com',
				phone: '+1 208 555 0100',
				firstName: 'JOHN',
				lastName: 'SMITH',
				city: 'Boise',
				state: 'ID',
				zip: '83704',
				country: 'US',
			},
		});
		// The decrypted notification is kept, so line items and vendor variables are not lost.
		expect(conversion.raw.method).toBe('POST');
		expect(conversion.raw.body).toMatchObject({ receipt: 'CWOGBZLN', lineItems: [{ itemNo: '1' }, { itemNo: '2' }] });
	});

	it('reads the body as JSON text and as a Buffer too', () => {
		const encrypted = encryptIns(JSON.stringify(sample()));
		const asText = expectOk(parsePostback('clickbank', post(JSON.stringify(encrypted)), options));
		const asBuffer = expectOk(parsePostback('clickbank', post(Buffer.from(JSON.stringify(encrypted))), options));
		expect(asText.transactionId).toBe('CWOGBZLN');
		expect(asBuffer.transactionId).toBe('CWOGBZLN');
	});

	it('keeps JSON-number money exact', () => {
		const conversion = expectOk(parseNotification(sample({ totalAccountAmount: 1234567.1, totalOrderAmount: 0.3 })));
		expect(conversion.commission).toBe('1234567.1');
		expect(conversion.amount).toBe('0.3');
		const asText = expectOk(parseNotification(sample({ totalAccountAmount: '12.50', totalOrderAmount: '025.00' })));
		expect(asText.commission).toBe('12.5');
		expect(asText.amount).toBe('25');
	});

	it('strips NUL and whitespace padding around the decrypted JSON', () => {
		const padded = `${JSON.stringify(sample())}\u0000\u0000\u0000  \n`;
		const conversion = expectOk(parsePostback('clickbank', post(encryptIns(padded)), options));
		expect(conversion.transactionId).toBe('CWOGBZLN');
	});

	it('finds the click id in tid, then trackingCodes, then vendor variables', () => {
		expect(expectOk(parseNotification(sample({ tid: 'legacy_tid' }))).clickId).toBe('legacy_tid');
		expect(expectOk(parseNotification(sample({ tid: '{tid}' }))).clickId).toBe('click_abc123');
		expect(expectOk(parseNotification(sample({ trackingCodes: [], vendorVariables: { tid: 'vv_tid' } }))).clickId).toBe('vv_tid');
		expect(expectOk(parseNotification(sample({ trackingCodes: undefined, vendorVariables: { extclid: 'ext_click' } }))).clickId).toBe('ext_click');
	});

	it('refuses a notification without a click id, naming tid', () => {
		const error = expectError(parseNotification(sample({ trackingCodes: ['--CLICK-ID--'], vendorVariables: { tid: '' } })));
		expect(error.code).toBe('missing_click_id');
		expect(error.field).toBe('tid');
	});

	it('refuses a non-numeric amount, naming the field', () => {
		const error = expectError(parseNotification(sample({ totalAccountAmount: '35,44' })));
		expect(error).toMatchObject({ code: 'invalid_amount', field: 'totalAccountAmount' });
		const orderError = expectError(parseNotification(sample({ totalOrderAmount: '$47.95' })));
		expect(orderError).toMatchObject({ code: 'invalid_amount', field: 'totalOrderAmount' });
	});

	it('refuses an unknown currency', () => {
		const error = expectError(parseNotification(sample({ currency: 'QQQ' })));
		expect(error).toMatchObject({ code: 'unknown_currency', field: 'currency' });
	});

	it('treats refunds, chargebacks and insufficient funds as negative reversals', () => {
		for (const type of ['RFND', 'CGBK', 'INSF']) {
			const conversion = expectOk(parseNotification(sample({ transactionType: type })));
			expect(conversion.status).toBe('reversed');
			expect(conversion.networkEventType).toBe(type);
			expect(conversion.commission).toBe('-35.44');
			expect(conversion.amount).toBe('-47.95');
		}
		// Already negative amounts stay negative (never flipped back to positive).
		const negative = expectOk(parseNotification(sample({ transactionType: 'RFND', totalAccountAmount: -35.44, totalOrderAmount: '-47.95' })));
		expect(negative.commission).toBe('-35.44');
		expect(negative.amount).toBe('-47.95');
		const zero = expectOk(parseNotification(sample({ transactionType: 'CGBK', totalAccountAmount: 0 })));
		expect(zero.commission).toBe('0');
	});

	it('approves sales, rebills, tests and cancellations with their amounts as sent', () => {
		for (const type of ['SALE', 'BILL', 'TEST', 'TEST_SALE', 'CANCEL-REBILL', 'UNCANCEL-REBILL']) {
			const conversion = expectOk(parseNotification(sample({ transactionType: type })));
			expect(conversion.status).toBe('approved');
			expect(conversion.networkEventType).toBe(type);
			expect(conversion.commission).toBe('35.44');
		}
	});

	it('falls back to the shipping block and splits a full name', () => {
		const conversion = expectOk(
			parseNotification(
				sample({
					customer: {
						shipping: {
							fullName: 'Mary Ann Jones',
							email: 'mary@example.com',
							address: { city: 'Austin', state: 'TX', postalCode: '73301', country: 'US' },
						},
					},
				}),
			),
		);
		expect(conversion.user).toEqual({
			email: 'mary@example.com',
			firstName: 'Mary Ann',
			lastName: 'Jones',
			city: 'Austin',
			state: 'TX',
			zip: '73301',
			country: 'US',
		});
	});

	it('refuses a notification encrypted with another secret as undecryptable, without echoing secrets or data', () => {
		// Several ivs, so a lucky valid padding byte under the wrong key is still caught by the JSON check.
		for (let attempt = 0; attempt < 20; attempt++) {
			const body = encryptIns(JSON.stringify(sample()), 'SOMEOTHERKEY');
			const error = expectError(parsePostback('clickbank', post(body), options));
			expect(error.code).toBe('undecryptable_body');
			expect(error.field).toBe('notification');
			expect(error.message).toMatch(/secret key/i);
			expect(error.message).not.toContain(SECRET);
			expect(error.message).not.toContain('SOMEOTHERKEY');
			expect(error.message).not.toContain('john@example.com');
		}
	});

	it('refuses truncated, garbage or non-JSON ciphertext as undecryptable', () => {
		const good = encryptIns(JSON.stringify(sample()));
		const truncated = { ...good, notification: good.notification.slice(0, good.notification.length - 12) };
		const garbage = { ...good, notification: 'this is not base64 at all!!' };
		const badIv = { ...good, iv: Buffer.from('short').toString('base64') };
		const notJson = encryptIns('hello, this is not json');
		const jsonArray = encryptIns('[1,2,3]');
		for (const body of [truncated, garbage, badIv, notJson, jsonArray]) {
			const error = expectError(parsePostback('clickbank', post(body), options));
			expect(error).toMatchObject({ code: 'undecryptable_body', field: 'notification' });
		}
	});

	it('asks for the secret when none is configured', () => {
		const body = encryptIns(JSON.stringify(sample()));
		for (const opts of [{ now }, { now, secret: '' }, { now, secret: '   ' }]) {
			const error = expectError(parsePostback('clickbank', post(body), opts));
			expect(error).toMatchObject({ code: 'missing_secret', field: 'notification' });
		}
	});

	it('refuses an unencrypted body with a clear message', () => {
		const error = expectError(parsePostback('clickbank', post(sample()), options));
		expect(error.code).toBe('invalid_body');
		expect(error.message).toMatch(/notification/);
		expect(error.message).toMatch(/encrypted/i);
		const empty = expectError(parsePostback('clickbank', { method: 'POST', query: {} }, options));
		expect(empty.code).toBe('invalid_body');
		const notJson = expectError(parsePostback('clickbank', post('{"notification": '), options));
		expect(notJson.code).toBe('invalid_body');
		const numberNotification = expectError(parsePostback('clickbank', post({ notification: 42, iv: 'AAAA' }), options));
		expect(numberNotification).toMatchObject({ code: 'invalid_body', field: 'notification' });
	});
});

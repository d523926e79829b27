/**
 * The pure parts of retention and erasure (src/store/privacy.ts): a redacted payload keeps exactly the ids, money,
 * statuses and decisions and nothing else, whatever the payload holds; redacting again changes nothing; cutoffs
 * are days before "now"; a person is found by their email or phone in any form, and not by someone else's.
 */
import fc from 'fast-check';
import { REDACTED_TEXT, conversionCutoffs, personMatcher, conversionMatches, redactPayload, retentionCutoffs } from '../../src/store/privacy';

const json = fc.jsonValue();

describe('redactPayload', () => {
	it('keeps ids, money and decisions, drops everything else, and is idempotent (any payload)', () => {
		fc.assert(
			fc.property(fc.dictionary(fc.string(), json), json, json, (extra, user, raw) => {
				const payload = {
					...extra,
					transactionId: 'T-1',
					amount: '10.5',
					commission: '1.05',
					currency: 'USD',
					status: 'approved',
					user,
					raw,
					ip: '198.51.100.1',
					secretField: 'x',
				};
				const redacted = redactPayload(payload, 'personal') as Record<string, unknown>;
				expect(redacted).toMatchObject({
					transactionId: 'T-1',
					amount: '10.5',
					commission: '1.05',
					currency: 'USD',
					status: 'approved',
					user: {},
					raw: REDACTED_TEXT,
					ip: null,
					privacy: { redacted: 'personal' },
				});
				expect(redacted.secretField).toBeUndefined();
				expect(redactPayload(redacted, 'personal')).toEqual(redacted);
				// Once personal, a later raw-only pass never brings anything back.
				expect(redactPayload(redacted, 'raw')).toEqual(redacted);
			}),
		);
	});

	it('raw: only the raw postback goes', () => {
		const payload = { transactionId: 'T-1', user: { email: 'a@example.com' }, raw: { method: 'GET', query: { e: 'a@example.com' } } };
		expect(redactPayload(payload, 'raw')).toEqual({ transactionId: 'T-1', user: { email: 'a@example.com' }, raw: REDACTED_TEXT, privacy: { redacted: 'raw' } });
	});

	it('keeps only the click id and time of the click, and the attribution decision without its reason', () => {
		const redacted = redactPayload(
			{
				click: { clickId: 'c1', clickedAt: '2026-01-01T00:00:00.000Z', ip: '198.51.100.1', userAgent: 'UA', gclid: 'g', landingUrl: 'https://x/?e=a@b.co' },
				attribution: { method: 'ip-user-agent', clickId: 'c1', reason: 'ip 198.51.100.1 matched', window: '7d', model: 'last' },
			},
			'personal',
		);
		expect(redacted).toEqual({
			click: { clickId: 'c1', clickedAt: '2026-01-01T00:00:00.000Z' },
			attribution: { method: 'ip-user-agent', clickId: 'c1', window: '7d', model: 'last' },
			privacy: { redacted: 'personal' },
		});
	});
});

describe('retention cutoffs', () => {
	it('are whole days before now; customer data takes the raw postback with it', () => {
		const { cutoffs } = retentionCutoffs({ clicks: 30, rawPostbacks: 400, customerData: 10, deliveries: null }, '2026-06-01T00:00:00Z');
		expect(cutoffs).toEqual({ clicks: '2026-05-02T00:00:00.000Z', rawPostbacks: '2025-04-27T00:00:00.000Z', customerData: '2026-05-22T00:00:00.000Z' });
		expect(conversionCutoffs(cutoffs)).toEqual({ personal: '2026-05-22T00:00:00.000Z', raw: '2026-05-22T00:00:00.000Z' });
		expect(conversionCutoffs({ rawPostbacks: '2026-05-30T00:00:00.000Z', customerData: '2026-05-22T00:00:00.000Z' })).toEqual({
			personal: '2026-05-22T00:00:00.000Z',
			raw: '2026-05-30T00:00:00.000Z',
		});
	});
});

describe('finding a person', () => {
	const payloadWith = (email: string, phone: string) => ({
		user: { email, phone },
		raw: { method: 'POST', query: {}, body: `e=${encodeURIComponent(email)}` },
	});

	it('by email in another case, with spaces, or (Gmail) with dots; never by another address', () => {
		fc.assert(
			fc.property(fc.stringMatching(/^[a-z]{3,10}$/), fc.stringMatching(/^[a-z]{3,10}$/), (local, other) => {
				fc.pre(local !== other);
				const matcher = personMatcher({ email: ` ${local.toUpperCase()}@GMAIL.com ` });
				const dotted = `${local.slice(0, 1)}.${local.slice(1)}@gmail.com`;
				expect(conversionMatches(matcher, null, { user: { email: dotted } })).toBe(true);
				expect(conversionMatches(matcher, null, { raw: { body: `x=1&email=${encodeURIComponent(`${local}@gmail.com`)}` } })).toBe(true);
				expect(conversionMatches(matcher, null, payloadWith(`${other}@gmail.com`, '+44 20 7946 0000'))).toBe(false);
			}),
		);
	});

	it('never by an address that merely contains the address (a longer local part or domain)', () => {
		const matcher = personMatcher({ email: 'ply@gmail.com' });
		for (const other of ['aply@gmail.com', 'a.ply@gmail.com', 'x+ply@gmail.com', 'ply@gmail.community', 'ply@gmail.com.evil.example']) {
			expect({ other, matched: conversionMatches(matcher, null, { raw: { body: `note=${encodeURIComponent(`sent to ${other} today`)}` } }) }).toEqual({
				other,
				matched: false,
			});
		}
		for (const mention of ['sent to ply@gmail.com today', '<ply@gmail.com>', 'ply@gmail.com.', '"ply@gmail.com",x']) {
			expect({ mention, matched: conversionMatches(matcher, null, { raw: { body: `note=${encodeURIComponent(mention)}` } }) }).toEqual({
				mention,
				matched: true,
			});
		}
	});

	it('by phone in any format; never by another number', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 9999 }), (mine, theirs) => {
				fc.pre(mine !== theirs);
				const four = (n: number) => String(n).padStart(4, '0');
				const matcher = personMatcher({ phone: `650-555-${four(mine)}`, defaultCountry: 'US' });
				for (const written of [`+1 (650) 555-${four(mine)}`, `1650555${four(mine)}`, `(650) 555 ${four(mine)}`]) {
					expect(conversionMatches(matcher, null, { user: { phone: written } })).toBe(true);
				}
				expect(conversionMatches(matcher, null, { user: { phone: `+1 650 555 ${four(theirs)}` } })).toBe(false);
			}),
		);
	});
});

import fc from 'fast-check';
import { type Consent, GPC_CONSENT, adUserDataDenied, consentSchema, mergeConsent, parseConsentValue } from '../../src/model';

const value = fc.constantFrom(undefined, 'granted' as const, 'denied' as const);
const signal: fc.Arbitrary<Consent | undefined> = fc.option(
	fc.record(
		{
			adUserData: value,
			adPersonalization: value,
			gpc: fc.constantFrom(undefined, true, false),
			source: fc.constantFrom(undefined, 'link' as const, 'cookie' as const, 'gpc' as const, 'postback' as const),
		},
		{ requiredKeys: [] },
	) as fc.Arbitrary<Consent>,
	{ nil: undefined },
);

describe('mergeConsent', () => {
	it('lets a denial win over a grant, whichever comes first', () => {
		expect(mergeConsent({ adUserData: 'denied', source: 'link' }, { adUserData: 'granted', source: 'postback' })).toEqual({
			adUserData: 'denied',
			source: 'link',
		});
		expect(mergeConsent({ adUserData: 'granted', source: 'link' }, { adUserData: 'denied', source: 'cookie' })).toEqual({
			adUserData: 'denied',
			source: 'cookie',
		});
	});

	it('keeps each value on its own and a grant over unknown', () => {
		expect(mergeConsent({ adUserData: 'granted', source: 'cookie' }, GPC_CONSENT)).toEqual({
			adUserData: 'granted',
			adPersonalization: 'denied',
			gpc: true,
			source: 'gpc',
		});
	});

	it('is undefined when no signal says anything', () => {
		expect(mergeConsent(undefined, {}, { gpc: false })).toBeUndefined();
	});

	it('never loosens a denial, and its result always passes the schema (generated)', () => {
		fc.assert(
			fc.property(fc.array(signal, { maxLength: 5 }), (signals) => {
				const merged = mergeConsent(...signals);
				const denied = signals.some((one) => one?.adUserData === 'denied');
				expect(adUserDataDenied(merged)).toBe(denied);
				if (signals.some((one) => one?.adPersonalization === 'denied')) expect(merged?.adPersonalization).toBe('denied');
				if (merged !== undefined) expect(consentSchema.safeParse(merged).success).toBe(true);
				// Order does not matter for the values.
				const reversed = mergeConsent(...[...signals].reverse());
				expect(reversed?.adUserData).toBe(merged?.adUserData);
				expect(reversed?.adPersonalization).toBe(merged?.adPersonalization);
			}),
		);
	});
});

describe('parseConsentValue', () => {
	it.each([
		['granted', 'granted'],
		['YES', 'granted'],
		['1', 'granted'],
		['true', 'granted'],
		['denied', 'denied'],
		['No', 'denied'],
		['0', 'denied'],
		[false, 'denied'],
		['maybe', undefined],
		['', undefined],
		[{}, undefined],
	])('%p is %p', (input, expected) => {
		expect(parseConsentValue(input)).toBe(expected);
	});
});

describe('Global Privacy Control', () => {
	it('denies personalisation and leaves ad user data to the other signals', () => {
		expect(GPC_CONSENT.adPersonalization).toBe('denied');
		expect(GPC_CONSENT.adUserData).toBeUndefined();
		expect(adUserDataDenied(GPC_CONSENT)).toBe(false);
	});
});

import { type IdentityField, isSha256Hex, sha256Hex } from '../../../src/identity';
import { DESTINATIONS } from '../../../src/destinations';
import { type IdentityPlatform, identityRulesFor, normalizeAndHash, normalizeForPlatform } from '../../../src/destinations/user-data';

const PLATFORMS: IdentityPlatform[] = ['meta', 'tiktok', 'google_ads'];
const FIELDS: IdentityField[] = ['email', 'phone', 'first_name', 'last_name', 'city', 'state', 'zip', 'country', 'external_id'];
const US = { defaultCountry: 'US' };
const DIGEST = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

describe('Meta: the vectors Meta publishes (Customer Information Parameters)', () => {
	test.each([
		['email', 'John_Smith@gmail.com', undefined, 'john_smith@gmail.com', '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'],
		['phone', '(650)555-1212', US, '16505551212', 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
		['phone', '16505551212', undefined, '16505551212', 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
		['first_name', 'Mary', undefined, 'mary', '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec'],
		['first_name', '정', undefined, '정', '8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14'],
		['last_name', 'Valéry', undefined, 'valéry', '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c'],
		['country', 'United States', undefined, 'us', '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
	] as const)('%s %j → %s', (field, input, options, normalized, digest) => {
		expect(normalizeForPlatform('meta', field, input, options)).toBe(normalized);
		expect(normalizeAndHash('meta', field, input, options)).toBe(digest);
	});

	test.each([
		['city', 'Paris', 'paris'],
		['city', 'London', 'london'],
		['city', 'New York', 'newyork'],
		['state', 'AZ', 'az'],
		['state', 'CA', 'ca'],
		['zip', '94035', '94035'],
		['zip', '1987', '1987'],
		['zip', '75018', '75018'],
		['zip', 'M1 1AE', 'm11ae'],
	] as const)('documented normalized form: %s %j → %s', (field, input, normalized) => {
		expect(normalizeForPlatform('meta', field, input)).toBe(normalized);
		expect(normalizeAndHash('meta', field, input)).toBe(sha256Hex(normalized));
	});
});

describe('Meta rules', () => {
	test('email: trimmed and lower-cased, dots and +tags kept, not an email → nothing', () => {
		expect(normalizeForPlatform('meta', 'email', '  Jane.Doe+Ads@GMail.com\t')).toBe('jane.doe+ads@gmail.com');
		expect(normalizeForPlatform('meta', 'email', 'jane doe@example.com')).toBe('janedoe@example.com');
		for (const notEmail of ['jane', 'jane@', '@example.com', 'jane@example', 'a@b@example.com'])
			expect(normalizeAndHash('meta', 'email', notEmail)).toBeUndefined();
	});

	test('phone: E.164 digits without "+", whatever the writing', () => {
		for (const written of [
			'+1 (650) 555-1212',
			'+1-650-555-1212',
			'1 650 555 1212',
			'001 650 555 1212',
			'+1.650.555.1212',
			'650.555.1212',
			'(650) 555-1212 ext. 12',
		]) {
			expect(normalizeForPlatform('meta', 'phone', written, US)).toBe('16505551212');
		}
		expect(normalizeForPlatform('meta', 'phone', '020 7946 0958', { defaultCountry: 'GB' })).toBe('442079460958');
		expect(normalizeForPlatform('meta', 'phone', '+44 (0)20 7946 0958')).toBe('442079460958');
		expect(normalizeForPlatform('meta', 'phone', '030 1234567', { defaultCountry: 'de' })).toBe('49301234567');
		expect(normalizeForPlatform('meta', 'phone', '06 1234 5678', { defaultCountry: 'IT' })).toBe('390612345678');
	});

	test('phone: a leading 00 is the international prefix whatever the default country', () => {
		expect(normalizeForPlatform('meta', 'phone', '0044 20 7946 0958', US)).toBe('442079460958');
		expect(normalizeForPlatform('meta', 'phone', '0055 11 96123 4567', { defaultCountry: 'BR' })).toBe('5511961234567');
		expect(normalizeForPlatform('meta', 'phone', '0081 90 1234 5678', { defaultCountry: 'JP' })).toBe('819012345678');
	});

	test('phone: digits already carrying a country code, with or without a default country', () => {
		expect(normalizeForPlatform('meta', 'phone', '442079460958')).toBe('442079460958');
		expect(normalizeForPlatform('meta', 'phone', '442079460958', US)).toBe('442079460958');
		expect(normalizeForPlatform('meta', 'phone', 16505551212)).toBe('16505551212');
	});

	test('phone: nothing parseable → nothing sent', () => {
		for (const junk of ['abc', 'n/a', '12', '+', '+1', '+1 650', '000', '-', '()']) expect(normalizeAndHash('meta', 'phone', junk, US)).toBeUndefined();
	});

	test('phone: the same text reads differently per default country, however often it is asked', () => {
		for (let round = 0; round < 3; round++) {
			expect(normalizeForPlatform('meta', 'phone', '06 12 34 56 78', { defaultCountry: 'FR' })).toBe('33612345678');
			expect(normalizeForPlatform('meta', 'phone', '06 12 34 56 78', { defaultCountry: 'NL' })).toBe('31612345678');
			expect(normalizeForPlatform('meta', 'phone', '06 12 34 56 78')).toBeUndefined();
		}
	});

	test('phone: an unknown default country is ignored, not an error', () => {
		expect(normalizeForPlatform('meta', 'phone', '+1 650 555 1212', { defaultCountry: 'XX' })).toBe('16505551212');
		expect(normalizeForPlatform('meta', 'phone', '+1 650 555 1212', { defaultCountry: 'United States' })).toBe('16505551212');
	});

	test('names: lower case, punctuation and symbols removed, accents, scripts and inner spaces kept', () => {
		expect(normalizeForPlatform('meta', 'last_name', "  O'Brien ")).toBe('obrien');
		expect(normalizeForPlatform('meta', 'last_name', 'O’Connor')).toBe('oconnor');
		expect(normalizeForPlatform('meta', 'first_name', 'Mary-Anne')).toBe('maryanne');
		expect(normalizeForPlatform('meta', 'last_name', 'van der Berg')).toBe('van der berg');
		expect(normalizeForPlatform('meta', 'last_name', 'Smith Jr.')).toBe('smith jr');
		expect(normalizeForPlatform('meta', 'first_name', 'ZOË')).toBe('zoë');
		expect(normalizeForPlatform('meta', 'last_name', 'Иванов')).toBe('иванов');
		expect(normalizeAndHash('meta', 'first_name', '-.-')).toBeUndefined();
	});

	test('city: lower case without spaces, digits or punctuation; state: US states as their code', () => {
		expect(normalizeForPlatform('meta', 'city', ' St. Louis ')).toBe('stlouis');
		expect(normalizeForPlatform('meta', 'city', "Coeur d'Alene")).toBe('coeurdalene');
		expect(normalizeForPlatform('meta', 'city', 'São Paulo')).toBe('sãopaulo');
		expect(normalizeAndHash('meta', 'city', '12345')).toBeUndefined();
		expect(normalizeForPlatform('meta', 'state', 'California')).toBe('ca');
		expect(normalizeForPlatform('meta', 'state', ' new york ')).toBe('ny');
		expect(normalizeForPlatform('meta', 'state', 'District of Columbia')).toBe('dc');
		expect(normalizeForPlatform('meta', 'state', 'TX')).toBe('tx');
		expect(normalizeForPlatform('meta', 'state', 'Île-de-France')).toBe('îledefrance');
	});

	test('zip: US ZIP+4 in any spelling is its first 5 digits; other postcodes lose spaces and dashes', () => {
		for (const written of ['94103', '94103-1234', '941031234', '94103 1234', ' 94103 ']) expect(normalizeForPlatform('meta', 'zip', written)).toBe('94103');
		expect(normalizeForPlatform('meta', 'zip', 'SW1A 1AA')).toBe('sw1a1aa');
		expect(normalizeForPlatform('meta', 'zip', '100-0001')).toBe('1000001');
		expect(normalizeForPlatform('meta', 'zip', 2134)).toBe('2134');
		expect(normalizeAndHash('meta', 'zip', '7')).toBeUndefined();
	});

	test('country: ISO alpha-2 in lower case, from codes and English names', () => {
		expect(normalizeForPlatform('meta', 'country', ' US ')).toBe('us');
		expect(normalizeForPlatform('meta', 'country', 'Germany')).toBe('de');
		expect(normalizeForPlatform('meta', 'country', 'UK')).toBe('gb');
		expect(normalizeForPlatform('meta', 'country', 'united kingdom')).toBe('gb');
		expect(normalizeForPlatform('meta', 'country', 'USA')).toBe('us');
		expect(normalizeForPlatform('meta', 'country', 'Côte d’Ivoire')).toBe('ci');
		expect(normalizeForPlatform('meta', 'country', 'South Korea')).toBe('kr');
		for (const unknown of ['zz', 'xx', 'Atlantis', 'EU']) expect(normalizeAndHash('meta', 'country', unknown)).toBeUndefined();
	});

	test('external_id: trimmed and hashed, case kept', () => {
		expect(normalizeForPlatform('meta', 'external_id', '  Customer-42 ')).toBe('Customer-42');
		expect(normalizeAndHash('meta', 'external_id', 'Customer-42')).toBe(sha256Hex('Customer-42'));
		expect(normalizeAndHash('meta', 'external_id', 42)).toBe(sha256Hex('42'));
	});
});

describe('Google Ads rules', () => {
	test('email: gmail.com and googlemail.com lose every dot of the local part, +tags stay; other domains keep dots', () => {
		expect(normalizeForPlatform('google_ads', 'email', ' Jane.Doe@GMail.com ')).toBe('janedoe@gmail.com');
		expect(normalizeAndHash('google_ads', 'email', 'Jane.Doe@GMail.com')).toBe(sha256Hex('janedoe@gmail.com'));
		expect(normalizeForPlatform('google_ads', 'email', 'j.a.n.e@googlemail.com')).toBe('jane@googlemail.com');
		expect(normalizeForPlatform('google_ads', 'email', 'jane.doe+ads@gmail.com')).toBe('janedoe+ads@gmail.com');
		expect(normalizeForPlatform('google_ads', 'email', 'jane.doe@example.com')).toBe('jane.doe@example.com');
		expect(normalizeForPlatform('google_ads', 'email', 'jane.doe@gmail.com.au')).toBe('jane.doe@gmail.com.au');
	});

	test('phone: E.164 with "+" (the Google Ads API team’s examples +12125650000, +442070313000)', () => {
		expect(normalizeForPlatform('google_ads', 'phone', '(212) 565-0000', US)).toBe('+12125650000');
		expect(normalizeForPlatform('google_ads', 'phone', '020 7031 3000', { defaultCountry: 'GB' })).toBe('+442070313000');
		expect(normalizeAndHash('google_ads', 'phone', '(650)555-1212', US)).toBe(sha256Hex('+16505551212'));
	});

	test('names: trimmed and lower-cased only (inner spaces and punctuation kept)', () => {
		expect(normalizeForPlatform('google_ads', 'first_name', '  Anna  Maria ')).toBe('anna  maria');
		expect(normalizeForPlatform('google_ads', 'last_name', " O'Connor-Smith ")).toBe("o'connor-smith");
	});

	test('city, state, zip and country are sent unhashed', () => {
		expect(normalizeAndHash('google_ads', 'city', '  Mountain   View ')).toBe('Mountain View');
		expect(normalizeAndHash('google_ads', 'state', 'california')).toBe('CA');
		expect(normalizeAndHash('google_ads', 'state', 'ny')).toBe('NY');
		expect(normalizeAndHash('google_ads', 'state', 'Ontario')).toBe('Ontario');
		expect(normalizeAndHash('google_ads', 'zip', '94303-5300')).toBe('94303-5300');
		expect(normalizeAndHash('google_ads', 'zip', '943035300')).toBe('94303-5300');
		expect(normalizeAndHash('google_ads', 'zip', ' wc2h  8lg ')).toBe('WC2H 8LG');
		expect(normalizeAndHash('google_ads', 'country', 'united states')).toBe('US');
		expect(normalizeAndHash('google_ads', 'country', 'de')).toBe('DE');
		// A digest can never be turned back into the address Google asks for.
		expect(normalizeAndHash('google_ads', 'city', DIGEST)).toBeUndefined();
	});

	test('external_id is not a Google Ads identifier: nothing is sent', () => {
		expect(normalizeAndHash('google_ads', 'external_id', 'customer-42')).toBeUndefined();
	});
});

describe('TikTok rules', () => {
	test('phone: E.164 with "+" (TikTok’s example +12133734253)', () => {
		expect(normalizeForPlatform('tiktok', 'phone', '+1 (213) 373-4253')).toBe('+12133734253');
		expect(normalizeForPlatform('tiktok', 'phone', '213-373-4253', US)).toBe('+12133734253');
		expect(normalizeAndHash('tiktok', 'phone', '2133734253', US)).toBe(sha256Hex('+12133734253'));
	});

	test('email trimmed and lower-cased; names lower-cased; external_id keeps its case', () => {
		expect(normalizeAndHash('tiktok', 'email', ' John_Smith@Gmail.com ')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
		expect(normalizeForPlatform('tiktok', 'first_name', " D'Arcy ")).toBe("d'arcy");
		expect(normalizeAndHash('tiktok', 'external_id', ' Vis_4F7c ')).toBe(sha256Hex('Vis_4F7c'));
	});

	test('zip hashed; city, state and country sent as plain normalized text', () => {
		expect(normalizeAndHash('tiktok', 'zip', '94103-1234')).toBe(sha256Hex('94103'));
		expect(normalizeAndHash('tiktok', 'city', 'Menlo Park')).toBe('menlopark');
		expect(normalizeAndHash('tiktok', 'state', 'California')).toBe('ca');
		expect(normalizeAndHash('tiktok', 'country', 'US')).toBe('us');
	});
});

describe('the platforms disagree: same input, different output', () => {
	test('phone: Meta has no "+", Google and TikTok do', () => {
		const outputs = PLATFORMS.map((platform) => normalizeForPlatform(platform, 'phone', '(650) 555-1212', US));
		expect(outputs).toEqual(['16505551212', '+16505551212', '+16505551212']);
		expect(new Set(PLATFORMS.map((platform) => normalizeAndHash(platform, 'phone', '(650) 555-1212', US))).size).toBe(2);
	});

	test('gmail dots: only Google removes them', () => {
		expect(PLATFORMS.map((platform) => normalizeForPlatform(platform, 'email', 'Jane.Doe@gmail.com'))).toEqual([
			'jane.doe@gmail.com',
			'jane.doe@gmail.com',
			'janedoe@gmail.com',
		]);
	});

	test('names: only Meta removes punctuation', () => {
		expect(PLATFORMS.map((platform) => normalizeForPlatform(platform, 'last_name', "O'Brien"))).toEqual(['obrien', "o'brien", "o'brien"]);
	});

	test('address fields: hashed for Meta, plain for TikTok (except zip) and Google', () => {
		expect(normalizeAndHash('meta', 'city', 'Menlo Park')).toBe(sha256Hex('menlopark'));
		expect(normalizeAndHash('tiktok', 'city', 'Menlo Park')).toBe('menlopark');
		expect(normalizeAndHash('google_ads', 'city', 'Menlo Park')).toBe('Menlo Park');
		expect(PLATFORMS.map((platform) => normalizeAndHash(platform, 'zip', '94103-1234'))).toEqual([sha256Hex('94103'), sha256Hex('94103'), '94103-1234']);
		expect(PLATFORMS.map((platform) => normalizeAndHash(platform, 'country', 'United States'))).toEqual([sha256Hex('us'), 'us', 'US']);
	});
});

describe('every platform, every field', () => {
	const cases = PLATFORMS.flatMap((platform) => FIELDS.map((field) => [platform, field] as const));

	test.each(cases)('%s %s: empty, whitespace and non-text values send nothing', (platform, field) => {
		for (const nothing of ['', ' ', '\t\n', '\u00a0\u3000', null, undefined, Number.NaN, {}, ['a@b.com'], true]) {
			expect(normalizeAndHash(platform, field, nothing, US)).toBeUndefined();
			expect(normalizeForPlatform(platform, field, nothing, US)).toBeUndefined();
		}
	});

	const hashedCases = cases.filter(([platform, field]) => normalizeAndHash(platform, field, sampleValue(field), US)?.length === 64);

	test('the hashed fields are the ones each platform documents', () => {
		const hashed = (platform: IdentityPlatform) => hashedCases.filter(([p]) => p === platform).map(([, field]) => field);
		expect(hashed('meta')).toEqual(FIELDS);
		expect(hashed('tiktok')).toEqual(['email', 'phone', 'first_name', 'last_name', 'zip', 'external_id']);
		expect(hashed('google_ads')).toEqual(['email', 'phone', 'first_name', 'last_name']);
	});

	test.each(hashedCases)('%s %s: a SHA-256 digest passes through (lower-cased, trimmed), never hashed twice', (platform, field) => {
		expect(normalizeAndHash(platform, field, DIGEST, US)).toBe(DIGEST);
		expect(normalizeAndHash(platform, field, ` ${DIGEST.toUpperCase()}\n`, US)).toBe(DIGEST);
		const once = normalizeAndHash(platform, field, sampleValue(field), US);
		expect(isSha256Hex(once)).toBe(true);
		expect(normalizeAndHash(platform, field, once, US)).toBe(once);
		expect(once).not.toBe(sha256Hex(''));
	});

	test('not 64 hex characters exactly: normalized and hashed like any value', () => {
		expect(normalizeAndHash('meta', 'external_id', DIGEST.slice(1))).toBe(sha256Hex(DIGEST.slice(1)));
		expect(normalizeAndHash('meta', 'external_id', `${DIGEST}0`)).toBe(sha256Hex(`${DIGEST}0`));
		expect(normalizeAndHash('meta', 'external_id', `${DIGEST.slice(1)}g`)).toBe(sha256Hex(`${DIGEST.slice(1)}g`));
	});

	test('an unknown platform or field is a programming error', () => {
		expect(() => normalizeAndHash('myspace' as IdentityPlatform, 'email', 'a@b.com')).toThrow(TypeError);
		expect(() => normalizeAndHash('meta', 'gclid' as IdentityField, 'abc')).toThrow(TypeError);
	});

	test('the rules applied by platform id are the ones each registered destination carries', () => {
		for (const [platform, destination] of Object.entries(DESTINATIONS)) {
			expect(identityRulesFor(platform as IdentityPlatform)).toBe(destination.identity);
		}
	});
});

describe('isSha256Hex and sha256Hex', () => {
	test('isSha256Hex is anchored and lower case only', () => {
		expect(isSha256Hex(DIGEST)).toBe(true);
		for (const not of [DIGEST.toUpperCase(), ` ${DIGEST}`, `${DIGEST}\n`, DIGEST.slice(1), `${DIGEST}a`, `x${DIGEST.slice(1)}`, '', undefined, 42])
			expect(isSha256Hex(not)).toBe(false);
	});

	test('sha256Hex is the lower-case hex SHA-256 of the UTF-8 bytes', () => {
		expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
		expect(sha256Hex('john_smith@gmail.com')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
		expect(sha256Hex('valéry')).toBe('08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c');
	});
});

function sampleValue(field: IdentityField): string {
	const samples: Record<IdentityField, string> = {
		email: 'John_Smith@gmail.com',
		phone: '(650)555-1212',
		first_name: 'Mary',
		last_name: 'Smith',
		city: 'Menlo Park',
		state: 'CA',
		zip: '94025',
		country: 'US',
		external_id: 'customer-42',
		ip_address: '203.0.113.7',
	};
	return samples[field];
}

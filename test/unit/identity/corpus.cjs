// A deterministic corpus of user data for the Meta differential test (differential.test.ts) and the identity
// benchmark (bench/identity.bench.mjs): emails, phones, first and last names, cities, states, zips and countries
// written the many ways real exports write them. Same seed, same corpus, on every machine.
//
// Each record: { field, value, defaultCountry?, cls, international? }. `cls` names how the value was written
// (the differential test's exclusions are per class); `international` is, for a phone written without its
// country code, the same number written with it.
'use strict';

const { parsePhoneNumberFromString } = require('libphonenumber-js/min');
const exampleMobiles = require('libphonenumber-js/examples.mobile.json');

/** mulberry32: a small seeded PRNG, good enough to pick test data. */
function prng(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const FIRST_NAMES = [
	'Mary',
	'John',
	'José',
	'Zoë',
	'Łukasz',
	'Søren',
	'Đorđe',
	'Nguyễn',
	'Chloé',
	'François',
	'Björn',
	'Ñuño',
	'İlker',
	'Straße',
	'Ana María',
	'Jean-Luc',
	'Mary-Anne',
	"D'Arcy",
	'Renée',
	'Mikołaj',
	'정',
	'민준',
	'Иван',
	'Александр',
	'Αλέξανδρος',
	'محمد',
	'陽翔',
	'さくら',
	'Siobhán',
	'Aoife',
	'Oluwaseun',
	'Þór',
	'Ægir',
	'Jürgen',
	'Anna',
	'Li',
	'Ng',
	'Ève',
	'Joël',
	'Mª José',
	'J.R.',
	'Lou (Louise)',
];
const LAST_NAMES = [
	'Smith',
	'Müller',
	'García',
	"O'Brien",
	'O’Connor',
	'van der Berg',
	'de la Cruz',
	'Smith-Jones',
	'Smith Jr.',
	'Nguyễn',
	'Kowalczyk',
	'Żółć',
	'Øvergård',
	'Łopuszański',
	'Dubois',
	"D'Angelo",
	'McDonald',
	'St. John',
	'김',
	'박',
	'Иванов',
	'Παπαδόπουλος',
	'الأحمد',
	'田中',
	'Ó Súilleabháin',
	'Ben-David',
	'Da Silva',
	'Dvořák',
	'Çelik',
	'Şahin',
	'Öztürk',
	'Lindqvist',
	'Kähler',
	'Van Dyke',
	'II',
	'Smith, Jr',
	'Lee!',
	'Tran*',
];
const CITIES = [
	'Menlo Park',
	'New York',
	'Paris',
	'London',
	'St. Louis',
	'Winston-Salem',
	'São Paulo',
	'Zürich',
	'München',
	"Coeur d'Alene",
	'Saint-Jean-de-Luz',
	'Frankfurt am Main',
	'Washington, D.C.',
	'Los Angeles (CA)',
	'Kraków',
	'東京',
	'Москва',
	'Ciudad de México',
	'Rio de Janeiro',
	'Bogotá',
	"L'Aquila",
	'Aix-en-Provence',
	'29 Palms',
	'Twentynine Palms',
	'Köln',
	'Göteborg',
	'Reykjavík',
	'Montréal',
	'Québec',
	'Hồ Chí Minh',
	'Ōsaka',
	'Tel Aviv-Yafo',
	'Stoke-on-Trent',
	'Bad Homburg v.d. Höhe',
	'Dún Laoghaire',
	'St. John’s',
	'Sault Ste. Marie',
	'Milton Keynes',
	'10115',
	'Sevilla / Seville',
	'Cambridge & Co',
];
const US_STATE_NAMES = [
	'California',
	'New York',
	'Texas',
	'Washington',
	'District of Columbia',
	'North Carolina',
	'Georgia',
	'Puerto Rico',
	'Massachusetts',
	'West Virginia',
];
const US_STATE_CODES = ['CA', 'ny', 'Tx', 'WA', 'dc', 'NC', 'ga', 'PR', 'ma', 'WV', 'FL', 'il'];
const OTHER_STATES = [
	'Ontario',
	'Bayern',
	'Île-de-France',
	'Nuevo León',
	'New South Wales',
	'Québec',
	'Côte-d’Or',
	'São Paulo',
	'Baden-Württemberg',
	'Queensland',
	'ON',
	'NSW',
	'Emilia-Romagna',
	"Provence-Alpes-Côte d'Azur",
	'Tōkyō-to',
	'Region 9',
];
const COUNTRY_CODES = [
	'US',
	'us',
	'Gb',
	'DE',
	'fr',
	'IT',
	'es',
	'NL',
	'BR',
	'mx',
	'IN',
	'AU',
	'jp',
	'CN',
	'ZA',
	'NG',
	'AE',
	'SE',
	'PL',
	'AR',
	'KR',
	'CA',
	'IE',
	'CH',
	'BE',
	'AT',
	'NO',
	'DK',
	'FI',
	'PT',
	'TR',
	'GR',
];
const COUNTRY_NAMES = [
	'United States',
	'Germany',
	'United Kingdom',
	'France',
	'Brazil',
	'Japan',
	'USA',
	'UK',
	'South Korea',
	'Côte d’Ivoire',
	'Netherlands',
	'Spain',
];
const EMAIL_DOMAINS = [
	'gmail.com',
	'GMail.com',
	'googlemail.com',
	'yahoo.com',
	'outlook.com',
	'hotmail.co.uk',
	'example.co.uk',
	'mail.example.org',
	'web.de',
	'icloud.com',
	'proton.me',
	'company-name.io',
];
const LOCAL_WORDS = ['john', 'smith', 'mary', 'jane', 'doe', 'x', 'info', 'sales', 'a', 'b2b', 'test', 'john_smith', 'zoe', 'o', 'k9'];
/** Countries whose example mobile numbers seed the phones, with the default country configured for them. */
const PHONE_COUNTRIES = [
	'US',
	'CA',
	'GB',
	'DE',
	'FR',
	'IT',
	'ES',
	'NL',
	'BR',
	'MX',
	'IN',
	'AU',
	'JP',
	'CN',
	'RU',
	'ZA',
	'NG',
	'AE',
	'SE',
	'PL',
	'AR',
	'KR',
	'IE',
	'CH',
	'BE',
	'AT',
	'PT',
	'TR',
	'SG',
	'HK',
	'IL',
	'PH',
	'ID',
	'EG',
	'KE',
	'NZ',
];
const PADDING = ['', '', '', '', ' ', '  ', '\t', ' \n', '\u00a0', '\u3000'];

function corpusGenerator(seed) {
	const random = prng(seed);
	const int = (n) => Math.floor(random() * n);
	const pick = (list) => list[int(list.length)];
	const chance = (p) => random() < p;
	const pad = (text) => pick(PADDING) + text + pick(PADDING);
	const hexDigits = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
	const digits = (n) => Array.from({ length: n }, () => String(int(10))).join('');
	const recase = (text) => {
		switch (int(5)) {
			case 0:
				return text.toUpperCase();
			case 1:
				return text.toLowerCase();
			case 2:
				return Array.from(text, (char) => (chance(0.5) ? char.toUpperCase() : char.toLowerCase())).join('');
			default:
				return text;
		}
	};

	function email() {
		const roll = random();
		if (roll < 0.04) return { value: pad(chance(0.5) ? hexDigits(64) : hexDigits(64).toUpperCase()), cls: 'email:digest' };
		if (roll < 0.08) return { value: pad(pick(['josé', 'müller', 'zoë', '用户', 'ñandú']) + '@' + pick(EMAIL_DOMAINS)), cls: 'email:unicode' };
		if (roll < 0.11) return { value: pad(pick(['john.smith', 'mary']) + '@' + pick(['müller.de', 'пример.рф'])), cls: 'email:idn' };
		if (roll < 0.15)
			return {
				value: pad(
					pick(['john.smith', 'john@@gmail.com', 'john smith@gmail.com', '@gmail.com', 'john@', 'john@gmail', '.john@gmail.com', 'john..smith@gmail.com']),
				),
				cls: 'email:invalid',
			};
		const parts = Array.from({ length: 1 + int(3) }, () => pick(LOCAL_WORDS));
		let local = parts.join(pick(['.', '.', '_', '-', '']));
		if (chance(0.3)) local += String(int(1000));
		if (chance(0.2)) local += '+' + pick(['news', 'ads', 'x', '2024', 'shop.promo']);
		return { value: pad(recase(`${local}@${pick(EMAIL_DOMAINS)}`)), cls: 'email:valid' };
	}

	/** A possible number of `country`: its example mobile with the last digits replaced. */
	function phoneNumber(country) {
		const example = exampleMobiles[country];
		const keep = Math.max(example.length - 4, 2);
		const parsed = parsePhoneNumberFromString(example.slice(0, keep) + digits(example.length - keep), country);
		return parsed && parsed.isPossible() ? parsed : parsePhoneNumberFromString(example, country);
	}

	function phone() {
		const country = pick(PHONE_COUNTRIES);
		const number = phoneNumber(country);
		const e164 = number.number;
		const cc = number.countryCallingCode;
		const nsn = number.nationalNumber;
		const formatted = number.formatInternational();
		const national = number.formatNational();
		const other = () => (chance(0.5) ? undefined : pick(PHONE_COUNTRIES));
		const roll = random();
		if (roll < 0.02) return { value: pad(hexDigits(64)), defaultCountry: other(), cls: 'phone:digest' };
		if (roll < 0.04) return { value: pad(pick(['abc', '12', 'n/a', '+', '000', 'call me'])), defaultCountry: country, cls: 'phone:invalid' };
		if (roll < 0.2) return { value: pad(e164), defaultCountry: other(), cls: 'phone:e164' };
		if (roll < 0.36) return { value: pad(formatted), defaultCountry: other(), cls: 'phone:international' };
		if (roll < 0.44) return { value: pad(formatted.replace(/ /g, '-')), defaultCountry: other(), cls: 'phone:international' };
		if (roll < 0.5 && cc === '1')
			return { value: pad(`+1 (${nsn.slice(0, 3)}) ${nsn.slice(3, 6)}-${nsn.slice(6)}`), defaultCountry: other(), cls: 'phone:international' };
		if (roll < 0.6) return { value: pad(cc + nsn), defaultCountry: undefined, cls: 'phone:digits-with-country-code' };
		if (roll < 0.68)
			return { value: pad(`00${cc} ${formatted.slice(cc.length + 2)}`), defaultCountry: chance(0.5) ? undefined : country, cls: 'phone:00-prefix' };
		if (roll < 0.84) return { value: pad(national), defaultCountry: country, cls: 'phone:national', international: e164 };
		if (roll < 0.9) return { value: pad(national.replace(/\D/g, '')), defaultCountry: country, cls: 'phone:national', international: e164 };
		if (roll < 0.95) return { value: pad(formatted.replace(/[ -]/g, pick(['.', '/']))), defaultCountry: other(), cls: 'phone:dots-or-slashes' };
		// The trunk prefix kept in parentheses inside an international number: '+44 (0)20 7946 0958'.
		return { value: pad(`+${cc} (0)${formatted.slice(cc.length + 2)}`), defaultCountry: other(), cls: 'phone:trunk-in-parentheses' };
	}

	function name(list) {
		let value = recase(pick(list));
		if (chance(0.05)) value = value.replace(' ', '  ');
		return { value: pad(value), cls: 'name' };
	}

	function city() {
		return { value: pad(recase(pick(CITIES))), cls: 'city' };
	}

	function state() {
		const roll = random();
		if (roll < 0.3) return { value: pad(recase(pick(US_STATE_NAMES))), cls: 'state:us-name' };
		if (roll < 0.65) return { value: pad(pick(US_STATE_CODES)), cls: 'state:code' };
		return { value: pad(recase(pick(OTHER_STATES))), cls: 'state:other' };
	}

	function zip() {
		const roll = random();
		const five = digits(5);
		if (roll < 0.3) return { value: pad(five), cls: 'zip:us' };
		if (roll < 0.45) return { value: pad(`${five}-${digits(4)}`), cls: 'zip:us-plus4' };
		if (roll < 0.55) return { value: pad(`${five}${pick(['', ' ', '  '])}${digits(4)}`), cls: 'zip:us-plus4-no-dash' };
		if (roll < 0.85)
			return {
				value: pad(
					recase(pick(['SW1A 1AA', 'M1 1AE', 'EC1A 1BB', 'K1A 0B1', 'H2X 1Y4', '1012 AB', '75018', '10115', '2000', '3000', '28013', 'D02 X285', 'sw1a1aa'])),
				),
				cls: 'zip:other',
			};
		if (roll < 0.95) return { value: pad(pick(['100-0001', '01310-100', '04538-132', '150-0002', '00-950', '31-042', '4000-007'])), cls: 'zip:dash-non-us' };
		return { value: pad(pick(['1', 'A', '-'])), cls: 'zip:too-short' };
	}

	function country() {
		const roll = random();
		if (roll < 0.75) return { value: pad(pick(COUNTRY_CODES)), cls: 'country:code' };
		if (roll < 0.95) return { value: pad(recase(pick(COUNTRY_NAMES))), cls: 'country:name' };
		return { value: pad(pick(['uk', 'zz', 'xx', 'usa'])), cls: 'country:other' };
	}

	return { email, phone, first_name: () => name(FIRST_NAMES), last_name: () => name(LAST_NAMES), city, state, zip, country };
}

/** Default sizes: 13,000 records, at least 10,000 of them emails, phones and names. */
const DEFAULT_COUNTS = { email: 3500, phone: 3500, first_name: 1500, last_name: 1500, city: 750, state: 750, zip: 750, country: 750 };

/** The corpus for `seed`: an array of records, field by field in the order of `counts`. */
function makeCorpus(seed = 20240501, counts = DEFAULT_COUNTS) {
	const generate = corpusGenerator(seed);
	const records = [];
	for (const [field, count] of Object.entries(counts)) {
		for (let index = 0; index < count; index++) records.push({ field, ...generate[field]() });
	}
	return records;
}

module.exports = { makeCorpus, DEFAULT_COUNTS };

/**
 * Differential test: our Meta rules against the official facebook-nodejs-business-sdk on a generated corpus
 * (test/unit/identity/corpus.cjs, fixed seed). Wherever the SDK accepts a value, our hash must be the SDK's —
 * except for the classes listed in EXCLUDED, where Meta's own documentation says the SDK is wrong. Those are
 * counted and reported, never silently dropped.
 *
 * The SDK is called the way it hashes a real event: a UserData with the value set, then `normalize()`, which
 * runs ServerSideUtils.normalizeAndHash on every value (src/objects/serverside/user-data.js, utils.js).
 */
import type { IdentityField } from '../../../src/identity';
import { normalizeAndHash } from '../../../src/destinations/user-data';

interface CorpusRecord {
	field: IdentityField;
	value: string;
	defaultCountry?: string;
	cls: string;
	international?: string;
}

/** The part of the SDK (plain JavaScript, no type declarations) this test uses. */
interface SdkUserData {
	setEmail(value: string): SdkUserData;
	setPhone(value: string): SdkUserData;
	setFirstName(value: string): SdkUserData;
	setLastName(value: string): SdkUserData;
	setCity(value: string): SdkUserData;
	setState(value: string): SdkUserData;
	setZip(value: string): SdkUserData;
	setCountry(value: string): SdkUserData;
	normalize(): Record<string, Array<string | null> | undefined>;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const { ServerSideUtils, UserData } = require('facebook-nodejs-business-sdk') as {
	ServerSideUtils: { normalizeAndHash(input: string, field: string): string | null };
	UserData: new () => SdkUserData;
};
const { makeCorpus } = require('./corpus.cjs') as { makeCorpus: (seed?: number) => CorpusRecord[] };
/* eslint-enable @typescript-eslint/no-require-imports */

/** The SDK's UserData setter and payload key for each of our fields (external_id: the SDK does not hash it). */
const SDK: Partial<Record<IdentityField, { key: string; set: (data: SdkUserData, value: string) => SdkUserData }>> = {
	email: { key: 'em', set: (data, value) => data.setEmail(value) },
	phone: { key: 'ph', set: (data, value) => data.setPhone(value) },
	first_name: { key: 'fn', set: (data, value) => data.setFirstName(value) },
	last_name: { key: 'ln', set: (data, value) => data.setLastName(value) },
	city: { key: 'ct', set: (data, value) => data.setCity(value) },
	state: { key: 'st', set: (data, value) => data.setState(value) },
	zip: { key: 'zp', set: (data, value) => data.setZip(value) },
	country: { key: 'country', set: (data, value) => data.setCountry(value) },
};

const THREW = Symbol('the SDK threw');

function sdkHash(field: IdentityField, value: string): string | null | typeof THREW {
	const sdk = SDK[field];
	if (!sdk) throw new Error(`no SDK mapping for ${field}`);
	try {
		return sdk.set(new UserData(), value).normalize()[sdk.key]?.[0] ?? null;
	} catch {
		return THREW;
	}
}

/** Punctuation the SDK itself removes from cities and states; every other mark is one it keeps and Meta forbids. */
const SDK_STRIPPED_FROM_CITY = /[0-9\s().-]/g;
const hasPunctuationOrSymbol = (text: string): boolean => /[\p{P}\p{S}]/u.test(text);

/**
 * Classes of input where Meta's documentation (developers.facebook.com, Conversions API → Customer Information
 * Parameters) contradicts the SDK, so our hash differs on purpose. Each is decided from the input alone.
 */
const EXCLUDED: Array<{ id: string; why: string; applies: (record: CorpusRecord) => boolean }> = [
	{
		id: 'phone:national',
		why: 'Written without the country code: the SDK cannot add it ("(650)555-1212" hashes as 6505551212); Meta: "Phone numbers must include a country code". Compared below through the same number written internationally instead.',
		applies: (record) => record.cls === 'phone:national',
	},
	{
		id: 'phone:dots-or-slashes',
		why: 'The SDK keeps "." and "/" inside the digits it hashes; Meta: "Remove symbols, letters, and any leading zeros".',
		applies: (record) => record.cls === 'phone:dots-or-slashes',
	},
	{
		id: 'phone:trunk-in-parentheses',
		why: 'The SDK keeps the national trunk 0 of "+44 (0)20 …" (4402079460958), which is not part of the number with its country code (442079460958).',
		applies: (record) => record.cls === 'phone:trunk-in-parentheses',
	},
	{
		id: 'name:punctuation',
		why: 'The SDK only trims and lower-cases names; Meta: "Lowercase only with no punctuation" (we remove it: "O\'Brien" → obrien).',
		applies: (record) => (record.field === 'first_name' || record.field === 'last_name') && hasPunctuationOrSymbol(record.value),
	},
	{
		id: 'city-state:punctuation',
		why: 'The SDK removes only digits, spaces, ".", "-", "(" and ")" from cities and states; Meta: "no punctuation, no special characters" (apostrophes, commas, "&", "/"…).',
		applies: (record) => (record.field === 'city' || record.field === 'state') && hasPunctuationOrSymbol(record.value.replace(SDK_STRIPPED_FROM_CITY, '')),
	},
	{
		id: 'city-state:nothing-left',
		why: 'A city of only digits normalizes to "" and the SDK hashes the empty string; a hash of "" matches nobody, so we send nothing.',
		applies: (record) => (record.field === 'city' || record.field === 'state') && record.value.trim().toLowerCase().replace(SDK_STRIPPED_FROM_CITY, '') === '',
	},
	{
		id: 'state:us-name',
		why: 'US states written out: the SDK hashes "california"; Meta: "Use the 2-character ANSI abbreviation code in lowercase" (ca).',
		applies: (record) => record.cls === 'state:us-name',
	},
	{
		id: 'zip:us-plus4-no-dash',
		why: 'ZIP+4 without a dash ("941031234"): the SDK hashes all 9 digits; Meta: "Use only the first 5 digits for U.S. zip codes".',
		applies: (record) => record.cls === 'zip:us-plus4-no-dash',
	},
	{
		id: 'zip:dash-non-us',
		why: 'The SDK cuts every postcode at its first dash (Japan "100-0001" → 100, Brazil "01310-100" → 01310); Meta: "lowercase with no spaces and no dash" (1000001).',
		applies: (record) => record.cls === 'zip:dash-non-us',
	},
];

describe('Meta rules vs facebook-nodejs-business-sdk (differential)', () => {
	const corpus = makeCorpus();

	test('the corpus is large and deterministic', () => {
		expect(corpus.length).toBeGreaterThanOrEqual(10000);
		expect(corpus.filter((record) => ['email', 'phone', 'first_name', 'last_name'].includes(record.field)).length).toBeGreaterThanOrEqual(10000);
		expect(makeCorpus().slice(0, 50)).toEqual(corpus.slice(0, 50));
	});

	test('no difference wherever the SDK accepts the value, outside the documented exclusions', () => {
		const mismatches: string[] = [];
		const stats = { compared: 0, sdkThrew: 0, sdkOmitted: 0, excluded: 0, excludedDiffering: 0, viaInternational: 0 };
		const byClass = new Map<string, { compared: number; skipped: number; excluded: number }>();
		const excludedBy = new Map<string, { count: number; differing: number }>();

		for (const record of corpus) {
			const row = byClass.get(record.cls) ?? { compared: 0, skipped: 0, excluded: 0 };
			byClass.set(record.cls, row);
			const options = record.defaultCountry ? { defaultCountry: record.defaultCountry } : undefined;
			const ours = normalizeAndHash('meta', record.field, record.value, options);
			const sdk = sdkHash(record.field, record.value);
			const show = `${record.cls} ${JSON.stringify(record.value)}${record.defaultCountry ? ` (${record.defaultCountry})` : ''}`;

			if (sdk === THREW) {
				stats.sdkThrew++;
				row.skipped++;
				continue;
			}
			if (sdk === null) {
				// The SDK sends nothing (empty after trimming, a one-character zip): neither do we.
				stats.sdkOmitted++;
				row.skipped++;
				if (ours !== undefined) mismatches.push(`${show}: SDK omits it, we send ${ours}`);
				continue;
			}
			const exclusion = EXCLUDED.find((candidate) => candidate.applies(record));
			if (exclusion) {
				stats.excluded++;
				row.excluded++;
				const entry = excludedBy.get(exclusion.id) ?? { count: 0, differing: 0 };
				entry.count++;
				if (ours !== sdk) entry.differing++;
				excludedBy.set(exclusion.id, entry);
				if (record.international) {
					// The same number written with its country code, which the SDK does handle.
					stats.viaInternational++;
					const sdkInternational = sdkHash('phone', record.international);
					if (ours !== sdkInternational) mismatches.push(`${show}: ours ${ours}, SDK on ${record.international} ${String(sdkInternational)}`);
				}
				continue;
			}
			stats.compared++;
			row.compared++;
			if (ours !== sdk) mismatches.push(`${show}: ours ${ours}, SDK ${sdk}`);
		}

		const lines = [
			`Meta differential on ${corpus.length} generated values: ${stats.compared} compared, ${stats.sdkThrew + stats.sdkOmitted} skipped (SDK threw ${stats.sdkThrew}, SDK sent nothing ${stats.sdkOmitted}), ${stats.excluded} in excluded classes (${stats.viaInternational} of them national phones compared through their international form)`,
			...[...byClass.entries()]
				.sort()
				.map(
					([cls, row]) =>
						`  ${cls.padEnd(34)} compared ${String(row.compared).padStart(5)}  skipped ${String(row.skipped).padStart(5)}  excluded ${String(row.excluded).padStart(5)}`,
				),
			'Excluded classes (SDK contradicts Meta documentation):',
			...EXCLUDED.map((exclusion) => {
				const entry = excludedBy.get(exclusion.id) ?? { count: 0, differing: 0 };
				return `  ${exclusion.id}: ${entry.count} values, ${entry.differing} hash differently — ${exclusion.why}`;
			}),
		];
		process.stdout.write(`${lines.join('\n')}\n`);

		expect({ mismatches: mismatches.length, first: mismatches.slice(0, 25) }).toEqual({ mismatches: 0, first: [] });
		expect(stats.compared).toBeGreaterThanOrEqual(6000);
	});

	test('the SDK path we compare against is the one its UserData uses', () => {
		expect(sdkHash('email', ' John_Smith@gmail.com ')).toBe(ServerSideUtils.normalizeAndHash('John_Smith@gmail.com', 'em'));
		expect(sdkHash('email', 'John_Smith@gmail.com')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
	});
});

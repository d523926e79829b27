/**
 * Region names to codes: US states (ANSI / USPS two-letter codes) and countries (ISO 3166-1 alpha-2).
 * Keys are folded with `foldName` (lower case, accents and everything but letters removed).
 */

/** The 50 states, the District of Columbia and the inhabited territories, by folded name. */
const US_STATES: Readonly<Record<string, string>> = {
	alabama: 'al',
	alaska: 'ak',
	arizona: 'az',
	arkansas: 'ar',
	california: 'ca',
	colorado: 'co',
	connecticut: 'ct',
	delaware: 'de',
	districtofcolumbia: 'dc',
	washingtondc: 'dc',
	florida: 'fl',
	georgia: 'ga',
	hawaii: 'hi',
	idaho: 'id',
	illinois: 'il',
	indiana: 'in',
	iowa: 'ia',
	kansas: 'ks',
	kentucky: 'ky',
	louisiana: 'la',
	maine: 'me',
	maryland: 'md',
	massachusetts: 'ma',
	michigan: 'mi',
	minnesota: 'mn',
	mississippi: 'ms',
	missouri: 'mo',
	montana: 'mt',
	nebraska: 'ne',
	nevada: 'nv',
	newhampshire: 'nh',
	newjersey: 'nj',
	newmexico: 'nm',
	newyork: 'ny',
	northcarolina: 'nc',
	northdakota: 'nd',
	ohio: 'oh',
	oklahoma: 'ok',
	oregon: 'or',
	pennsylvania: 'pa',
	rhodeisland: 'ri',
	southcarolina: 'sc',
	southdakota: 'sd',
	tennessee: 'tn',
	texas: 'tx',
	utah: 'ut',
	vermont: 'vt',
	virginia: 'va',
	washington: 'wa',
	westvirginia: 'wv',
	wisconsin: 'wi',
	wyoming: 'wy',
	americansamoa: 'as',
	guam: 'gu',
	northernmarianaislands: 'mp',
	puertorico: 'pr',
	usvirginislands: 'vi',
	unitedstatesvirginislands: 'vi',
};

/** Lower case, diacritics dropped, only letters kept: 'Côte d’Ivoire' → 'cotedivoire', 'New York' → 'newyork'. */
export function foldName(name: string): string {
	return name
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[^\p{L}]/gu, '');
}

/** The lower-case two-letter code of a US state or territory written out in full, else undefined. */
export function usStateCode(name: string): string | undefined {
	return US_STATES[foldName(name)];
}

/** Region codes the locale data knows that are not countries (or are test codes). */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'QO', 'UN', 'XA', 'XB', 'ZZ']);

/** Everyday names and old codes the locale data does not give (or no longer gives), by folded name. */
const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
	usa: 'us',
	us: 'us',
	unitedstatesofamerica: 'us',
	america: 'us',
	uk: 'gb',
	greatbritain: 'gb',
	britain: 'gb',
	england: 'gb',
	scotland: 'gb',
	wales: 'gb',
	northernireland: 'gb',
	unitedkingdomofgreatbritainandnorthernireland: 'gb',
	holland: 'nl',
	thenetherlands: 'nl',
	korea: 'kr',
	republicofkorea: 'kr',
	russianfederation: 'ru',
	czechrepublic: 'cz',
	turkey: 'tr',
	ivorycoast: 'ci',
	macedonia: 'mk',
	swaziland: 'sz',
	burma: 'mm',
	uae: 'ae',
	vaticancity: 'va',
	holysee: 'va',
	capeverde: 'cv',
	caboverde: 'cv',
	eastimor: 'tl',
	congokinshasa: 'cd',
	democraticrepublicofthecongo: 'cd',
	drc: 'cd',
	congobrazzaville: 'cg',
	republicofthecongo: 'cg',
	palestine: 'ps',
	hongkong: 'hk',
	macau: 'mo',
	macao: 'mo',
};

interface CountryIndex {
	codes: Set<string>;
	byName: Map<string, string>;
}

let countryIndex: CountryIndex | undefined;

/**
 * Built once from the runtime's own locale data (Node ships full ICU): every two-letter region code it can name,
 * with its English long and short names ('United States', 'US'; 'United Kingdom', 'UK'), plus the aliases above.
 * Deprecated codes ICU still names (UK, SU, YU, DD…) are canonicalized to their current codes.
 */
function countries(): CountryIndex {
	if (countryIndex) return countryIndex;
	const codes = new Set<string>();
	const byName = new Map<string, string>();
	const long = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
	const short = new Intl.DisplayNames(['en'], { type: 'region', style: 'short', fallback: 'none' });
	const upper = (index: number): string => String.fromCharCode(65 + index);
	for (let first = 0; first < 26; first++) {
		for (let second = 0; second < 26; second++) {
			const code = upper(first) + upper(second);
			if (NOT_COUNTRIES.has(code) || !long.of(code)) continue;
			const current = canonicalRegion(code);
			if (current !== code) continue;
			codes.add(code.toLowerCase());
			for (const name of [long.of(code), short.of(code)]) {
				const key = name ? foldName(name) : '';
				if (key && !byName.has(key)) byName.set(key, code.toLowerCase());
			}
		}
	}
	for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) byName.set(alias, code);
	countryIndex = { codes, byName };
	return countryIndex;
}

/** The current code for a region code ('UK' → 'GB', 'SU' → 'RU'), or the code itself. */
function canonicalRegion(code: string): string {
	try {
		const [locale] = Intl.getCanonicalLocales(`und-${code}`);
		return locale?.split('-')[1] ?? code;
	} catch {
		return code;
	}
}

/**
 * The lower-case ISO 3166-1 alpha-2 code for a country written as a code ('US', ' de ', the old 'UK') or by its
 * English name ('United States', 'Côte d’Ivoire'), else undefined.
 */
export function countryCode(value: string): string | undefined {
	const text = value.trim().toLowerCase();
	const { codes, byName } = countries();
	if (/^[a-z]{2}$/.test(text)) {
		if (codes.has(text)) return text;
		const current = canonicalRegion(text.toUpperCase()).toLowerCase();
		return codes.has(current) ? current : undefined;
	}
	return byName.get(foldName(text));
}

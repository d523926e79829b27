/**
 * Exact money as decimal strings. Amounts never pass through a JS float: a float sum of
 * commissions drifts (0.1 + 0.2), and a ledger that drifts pays the wrong amount.
 */

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** The canonical decimal string for `input`, or `undefined` when it is not a plain decimal number. */
export function normalizeDecimal(input: string): string | undefined {
	const match = DECIMAL.exec(input.trim());
	if (!match) return undefined;
	const sign = match[1] === '-' ? '-' : '';
	const integer = match[2].replace(/^0+(?=\d)/, '');
	// Trailing zeros dropped by index: /0+$/ retried at every zero of a long run that does not end the text (quadratic).
	const digits = match[3] ?? '';
	let end = digits.length;
	while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
	const fraction = digits.slice(0, end);
	const body = fraction ? `${integer}.${fraction}` : integer;
	return body === '0' ? '0' : sign + body;
}

/**
 * A JSON number as an exact decimal string. Integers and short decimals print exactly
 * (`4.99` → "4.99"); exponent notation is expanded without going through arithmetic.
 */
export function decimalFromNumber(value: number): string | undefined {
	if (!Number.isFinite(value)) return undefined;
	const text = String(value);
	if (!/e/i.test(text)) return normalizeDecimal(text);
	const [mantissa, exponentText] = text.toLowerCase().split('e');
	const exponent = Number(exponentText);
	const negative = mantissa.startsWith('-');
	const [intPart, fracPart = ''] = mantissa.replace(/^[+-]/, '').split('.');
	const digits = intPart + fracPart;
	const pointAt = intPart.length + exponent;
	let result: string;
	if (pointAt <= 0) result = `0.${'0'.repeat(-pointAt)}${digits}`;
	else if (pointAt >= digits.length) result = digits + '0'.repeat(pointAt - digits.length);
	else result = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
	return normalizeDecimal((negative ? '-' : '') + result);
}

/** Whether a canonical decimal string is exactly zero. */
export function isZeroDecimal(value: string): boolean {
	return normalizeDecimal(value) === '0';
}

/** Whether a canonical decimal string is below zero. */
export function isNegativeDecimal(value: string): boolean {
	const normalized = normalizeDecimal(value);
	return normalized !== undefined && normalized.startsWith('-');
}

let knownCurrencies: Set<string> | undefined;

/** ISO 4217 codes known to this runtime's ICU data (Node ships full ICU). */
export function isKnownCurrency(code: string): boolean {
	knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
	return knownCurrencies.has(code);
}

const exponentCache = new Map<string, number>();

/**
 * ISO 4217 minor units of the currencies in circulation (list one), written out because ICU's CLDR data
 * differs from ISO for about twenty of them: it gives HUF, IDR, COP, PKR … 0 decimals and IQD 0 instead of 3
 * (CLDR describes how amounts are usually displayed, ISO what the currency is divided into), and it does not
 * know the fund codes (CLF, UYW, …) at all. Every code listed here has 2 decimals unless named below.
 */
const ISO_4217_CODES = new Set(
	(
		'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE ' +
		'CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF ' +
		'GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR ' +
		'LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN ' +
		'PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS ' +
		'TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ' +
		'ZMW ZWG'
	).split(' '),
);
const ISO_4217_EXCEPTIONS: Record<string, number> = {
	...Object.fromEntries('BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' ').map((code) => [code, 0])),
	...Object.fromEntries('BHD IQD JOD KWD LYD OMR TND'.split(' ').map((code) => [code, 3])),
	CLF: 4,
	UYW: 4,
};

/**
 * How many decimals a currency's minor unit has (USD 2, JPY 0, KWD 3), as ISO 4217 defines it; for a code
 * ISO no longer lists but the runtime's ICU data still knows (HRK, BGN, …), ICU's number. Throws for a code
 * that is not a currency: a ledger must never guess a scale.
 */
export function currencyExponent(currency: string): number {
	const code = currency.toUpperCase();
	let exponent = exponentCache.get(code);
	if (exponent === undefined) {
		if (!/^[A-Z]{3}$/.test(code)) throw new RangeError(`"${currency}" is not an ISO 4217 currency code`);
		if (ISO_4217_CODES.has(code)) exponent = ISO_4217_EXCEPTIONS[code] ?? 2;
		else if (isKnownCurrency(code)) exponent = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
		else throw new RangeError(`"${currency}" is not an ISO 4217 currency code`);
		exponentCache.set(code, exponent);
	}
	return exponent;
}

/**
 * An exact decimal amount as an integer count of the currency's minor unit ('12.34' USD → 1234n, '500' JPY →
 * 500n). An amount finer than the minor unit ('0.005' USD) is refused rather than rounded: rounding is a
 * business decision (see roundToMinorUnits), never a side effect of storing.
 */
export function toMinorUnits(amount: string, currency: string): bigint {
	const normalized = normalizeDecimal(amount);
	if (normalized === undefined) throw new RangeError(`"${amount}" is not a decimal amount`);
	const exponent = currencyExponent(currency);
	const negative = normalized.startsWith('-');
	const [integer, fraction = ''] = (negative ? normalized.slice(1) : normalized).split('.');
	if (fraction.length > exponent) throw new RangeError(`${amount} ${currency.toUpperCase()} has more decimals than the currency's minor unit (${exponent})`);
	const minor = BigInt(integer + fraction.padEnd(exponent, '0'));
	return negative ? -minor : minor;
}

/**
 * An exact decimal amount rounded to the currency's minor unit, half away from zero (the commercial rule, and
 * what a percentage commission of 2.5 % on 10.10 = 0.2525 needs): '0.2525' USD → 25n.
 */
export function roundToMinorUnits(amount: string, currency: string): bigint {
	const normalized = normalizeDecimal(amount);
	if (normalized === undefined) throw new RangeError(`"${amount}" is not a decimal amount`);
	const exponent = currencyExponent(currency);
	const negative = normalized.startsWith('-');
	const [integer, fraction = ''] = (negative ? normalized.slice(1) : normalized).split('.');
	let minor = BigInt(integer + fraction.slice(0, exponent).padEnd(exponent, '0'));
	if (fraction.length > exponent && fraction.charCodeAt(exponent) >= 53 /* '5' */) minor += 1n;
	return negative && minor !== 0n ? -minor : minor;
}

/** Integer minor units back to the canonical decimal string (1234n USD → '12.34', -5n USD → '-0.05', 500n JPY → '500'). */
export function fromMinorUnits(minor: bigint, currency: string): string {
	const exponent = currencyExponent(currency);
	const negative = minor < 0n;
	const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
	const integer = exponent === 0 ? digits : digits.slice(0, -exponent);
	const fraction = exponent === 0 ? '' : digits.slice(-exponent);
	return normalizeDecimal(`${negative ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`)!;
}

/** An amount with exactly the currency's decimals, as payout providers want it ('12.5' USD → '12.50'). */
export function formatMinorUnits(minor: bigint, currency: string): string {
	const exponent = currencyExponent(currency);
	const negative = minor < 0n;
	const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
	const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
	return negative ? `-${text}` : text;
}

/**
 * What to do with an amount that has more decimals than its currency's minor unit (0.005 USD, 0.5 JPY,
 * 0.0005 KWD). Such an amount can never be paid exactly, so it must not reach the ledger as it is: an old
 * version wrote them and every payout run then failed for every affiliate.
 *
 * - `reject` (the default): the postback is refused with a reason naming the field. Rounding moves money, and
 *   which rule a network's contract uses (commercial, banker's, cut off) is the operator's knowledge, not
 *   ours; a refusal is visible (a 4xx the network sees, the Rejected output the operator sees), and nothing is
 *   lost: the request is kept there and can be sent again once a rule is chosen.
 * - `roundHalfEven`: to the nearest minor unit, a tie to the even one (banker's rounding: no upward drift over
 *   many amounts).
 * - `roundHalfUp`: to the nearest minor unit, a tie away from zero (the commercial rule; 0.005 → 0.01,
 *   −0.005 → −0.01).
 * - `truncate`: the extra decimals are cut off, towards zero (0.019 → 0.01: never more than was reported).
 */
export type AmountPrecisionPolicy = 'reject' | 'roundHalfEven' | 'roundHalfUp' | 'truncate';
export const amountPrecisionPolicies: readonly AmountPrecisionPolicy[] = ['reject', 'roundHalfEven', 'roundHalfUp', 'truncate'];
export const DEFAULT_AMOUNT_PRECISION: AmountPrecisionPolicy = 'reject';

/** Whether a decimal amount has more decimals than the currency's minor unit. Throws for a non-decimal or a non-currency. */
export function exceedsMinorUnit(amount: string, currency: string): boolean {
	const normalized = normalizeDecimal(amount);
	if (normalized === undefined) throw new RangeError(`"${amount}" is not a decimal amount`);
	const fraction = normalized.split('.')[1] ?? '';
	return fraction.length > currencyExponent(currency);
}

/**
 * An exact decimal amount in the currency's minor units by `policy` (see AmountPrecisionPolicy); `reject`
 * throws the same RangeError as toMinorUnits for an amount finer than the minor unit.
 */
export function minorUnitsBy(amount: string, currency: string, policy: AmountPrecisionPolicy): bigint {
	if (policy === 'reject') return toMinorUnits(amount, currency);
	const normalized = normalizeDecimal(amount);
	if (normalized === undefined) throw new RangeError(`"${amount}" is not a decimal amount`);
	const exponent = currencyExponent(currency);
	const negative = normalized.startsWith('-');
	const [integer, fraction = ''] = (negative ? normalized.slice(1) : normalized).split('.');
	let minor = BigInt(integer + fraction.slice(0, exponent).padEnd(exponent, '0'));
	const rest = fraction.slice(exponent);
	if (rest !== '' && policy !== 'truncate') {
		// Compare the cut-off part with one half of a minor unit: "5" followed by zeros is exactly a half.
		const first = rest.charCodeAt(0) - 48;
		const exactHalf = first === 5 && /^5$/.test(rest);
		const aboveHalf = first > 5 || (first === 5 && !exactHalf);
		if (aboveHalf || (exactHalf && (policy === 'roundHalfUp' || minor % 2n === 1n))) minor += 1n;
	}
	return negative && minor !== 0n ? -minor : minor;
}

/**
 * An amount fitted to its currency by `policy`: the canonical decimal to record, whether it changed, or (for
 * `reject`, or an amount that is not a decimal) the reason it cannot be recorded.
 */
export function fitToMinorUnit(
	amount: string,
	currency: string,
	policy: AmountPrecisionPolicy = DEFAULT_AMOUNT_PRECISION,
): { ok: true; value: string; adjusted: boolean } | { ok: false; reason: string } {
	try {
		if (!exceedsMinorUnit(amount, currency)) return { ok: true, value: normalizeDecimal(amount)!, adjusted: false };
		if (policy === 'reject') {
			return {
				ok: false,
				reason: `${amount} ${currency.toUpperCase()} has more decimals than the currency's minor unit (${currencyExponent(currency)}); it cannot be paid exactly`,
			};
		}
		return { ok: true, value: fromMinorUnits(minorUnitsBy(amount, currency, policy), currency), adjusted: true };
	} catch (error) {
		return { ok: false, reason: (error as Error).message };
	}
}

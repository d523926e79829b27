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
	const fraction = (match[3] ?? '').replace(/0+$/, '');
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

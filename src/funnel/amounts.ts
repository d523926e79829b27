/**
 * Sign arithmetic on exact decimal strings. The funnel only ever compares with zero and flips signs,
 * so nothing here parses a number: the canonical text is read and rewritten as text.
 */
import { normalizeDecimal } from '../model';

export type Sign = -1 | 0 | 1;

/** The sign of a decimal string, or undefined when it is not a decimal. */
export function signOf(value: string | null | undefined): Sign | undefined {
	if (value === null || value === undefined) return undefined;
	const canonical = normalizeDecimal(value);
	if (canonical === undefined) return undefined;
	if (canonical === '0') return 0;
	return canonical.startsWith('-') ? -1 : 1;
}

/** The magnitude of a decimal string (`"-39.5"` → `"39.5"`). */
export function absoluteDecimal(value: string): string {
	const canonical = normalizeDecimal(value);
	if (canonical === undefined) throw new TypeError(`not a decimal: ${JSON.stringify(value)}`);
	return canonical.startsWith('-') ? canonical.slice(1) : canonical;
}

/** The negative of a decimal's magnitude (`"39.5"` and `"-39.5"` both → `"-39.5"`; `"0"` stays `"0"`). */
export function negativeDecimal(value: string): string {
	const magnitude = absoluteDecimal(value);
	return magnitude === '0' ? '0' : `-${magnitude}`;
}

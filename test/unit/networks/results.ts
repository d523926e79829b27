import type { ParseResult } from '../../../src/networks';

/** The conversion of a result that must have parsed; the failure says why it did not. */
export function ok(result: ParseResult) {
	if (!result.ok) throw new Error(`expected a conversion, got ${result.error.code}: ${result.error.message}`);
	return result.conversion;
}

/** The error of a result that must have been refused. */
export function err(result: ParseResult) {
	if (result.ok) throw new Error('expected an error, got a conversion');
	return result.error;
}

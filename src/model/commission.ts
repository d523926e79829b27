/**
 * Commission rules, for conversions that arrive without a commission: with merchant-side sale tracking
 * (Post Affiliate Pro's model) the shop reports the sale and the affiliate system works out what the
 * affiliate earns — a percentage of the sale, or a fixed amount per action (a lead, a sign-up).
 *
 * Which rule applies: among the rules that match (every field the rule sets equals the conversion's; a rule
 * that names an offer never matches a conversion without one), the most specific wins. Specificity ranks the
 * fields the rule sets, affiliate above offer above action code, so the order is
 *
 *   affiliate+offer+action > affiliate+offer > affiliate+action > affiliate > offer+action > offer > action > none
 *
 * (an affiliate's own deal beats anything about the offer; a rule about the offer beats one about the action
 * alone). Between rules equally specific, the first in the list wins. `currency` is a condition, not a rank:
 * a rule with a currency only applies to sales in that currency. A fixed rule must name its currency (a fixed
 * 5 means nothing without one), so a fixed rule in another currency never applies; no conversion happens here.
 *
 * A percentage is computed exactly and rounded half away from zero to the currency's minor unit
 * (7.5 % of 10.10 USD = 0.7575 → 0.76). Percentages above 100 are refused as a likely typing error.
 */
import { currencyExponent, fromMinorUnits, normalizeDecimal, roundToMinorUnits, toMinorUnits } from './money';

export interface CommissionRule {
	offerId?: string;
	affiliateId?: string;
	actionCode?: string;
	/** Percent of the sale amount, exact decimal from 0 to 100: '7.5'. Exactly one of percent and fixed. */
	percent?: string;
	/** A fixed commission per conversion, exact decimal ≥ 0 in `currency`. */
	fixed?: string;
	/** ISO 4217. Required with `fixed`; with `percent`, limits the rule to sales in this currency. */
	currency?: string;
}

export interface SaleForCommission {
	/** Exact decimal sale amount (negative for a refund: the percentage is then negative too). */
	saleAmount: string;
	currency: string;
	actionCode?: string;
	offerId?: string;
	affiliateId?: string;
}

export interface CommissionResult {
	/** Canonical exact decimal in `currency`, within the currency's minor unit. */
	commission: string;
	/** The sale's currency, upper case. */
	currency: string;
	rule: CommissionRule;
	/** The rule's position in the list given. */
	ruleIndex: number;
}

/** A rule that cannot be applied; `ruleIndex` is its position in the list. */
export class CommissionRuleError extends Error {
	constructor(
		readonly ruleIndex: number,
		reason: string,
	) {
		super(`commission rule ${ruleIndex}: ${reason}`);
		this.name = 'CommissionRuleError';
	}
}

const SELECTORS = ['affiliateId', 'offerId', 'actionCode'] as const;

/** Throws a CommissionRuleError naming the first bad rule; returns nothing when every rule is sound. */
export function validateCommissionRules(rules: readonly CommissionRule[]): void {
	if (!Array.isArray(rules)) throw new TypeError('commission rules must be an array');
	rules.forEach((rule, index) => {
		const fail = (reason: string): never => {
			throw new CommissionRuleError(index, reason);
		};
		if (!rule || typeof rule !== 'object' || Array.isArray(rule)) fail('is not an object');
		for (const field of SELECTORS) {
			const value = rule[field];
			if (value !== undefined && (typeof value !== 'string' || value === '')) fail(`${field} must be a non-empty string when set`);
		}
		const hasPercent = rule.percent !== undefined;
		const hasFixed = rule.fixed !== undefined;
		if (hasPercent && hasFixed) fail('sets both percent and fixed; a rule is one or the other');
		if (!hasPercent && !hasFixed) fail('sets neither percent nor fixed');
		if (rule.currency !== undefined) {
			if (typeof rule.currency !== 'string') fail('currency must be an ISO 4217 code');
			try {
				currencyExponent(rule.currency);
			} catch {
				fail(`currency ${JSON.stringify(rule.currency)} is not an ISO 4217 code`);
			}
		}
		if (hasPercent) {
			const percent = typeof rule.percent === 'string' ? normalizeDecimal(rule.percent) : undefined;
			if (percent === undefined) fail(`percent ${JSON.stringify(rule.percent)} is not a decimal number`);
			else if (percent.startsWith('-')) fail(`percent ${rule.percent} is negative`);
			else if (compareDecimal(percent, '100') > 0) fail(`percent ${rule.percent} is above 100`);
		} else {
			const fixed = typeof rule.fixed === 'string' ? normalizeDecimal(rule.fixed) : undefined;
			if (fixed === undefined) fail(`fixed ${JSON.stringify(rule.fixed)} is not a decimal number`);
			else if (fixed.startsWith('-')) fail(`fixed ${rule.fixed} is negative`);
			else if (rule.currency === undefined) fail('a fixed amount needs its currency');
			else {
				try {
					toMinorUnits(fixed, rule.currency);
				} catch (error) {
					fail((error as Error).message);
				}
			}
		}
	});
}

/** Specificity rank: affiliate 4, offer 2, action 1, summed (see the module comment). */
export function ruleSpecificity(rule: CommissionRule): number {
	return (rule.affiliateId !== undefined ? 4 : 0) + (rule.offerId !== undefined ? 2 : 0) + (rule.actionCode !== undefined ? 1 : 0);
}

/**
 * The commission the most specific matching rule gives the sale, or undefined when no rule matches.
 * Validates the rules first (a CommissionRuleError for a bad one) and the sale (a TypeError).
 */
export function commissionFor(sale: SaleForCommission, rules: readonly CommissionRule[]): CommissionResult | undefined {
	validateCommissionRules(rules);
	const saleAmount = typeof sale?.saleAmount === 'string' ? normalizeDecimal(sale.saleAmount) : undefined;
	if (saleAmount === undefined) throw new TypeError(`saleAmount ${JSON.stringify(sale?.saleAmount)} is not a decimal amount`);
	const currency = String(sale.currency ?? '').toUpperCase();
	currencyExponent(currency); // throws for a code that is not a currency

	let best: { rule: CommissionRule; index: number; rank: number } | undefined;
	rules.forEach((rule, index) => {
		if (SELECTORS.some((field) => rule[field] !== undefined && rule[field] !== sale[field])) return;
		if (rule.currency !== undefined && rule.currency.toUpperCase() !== currency) return;
		const rank = ruleSpecificity(rule);
		// Strictly greater: the earlier of two equally specific rules stays.
		if (!best || rank > best.rank) best = { rule, index, rank };
	});
	if (!best) return undefined;
	const { rule, index } = best;
	const minor = rule.fixed !== undefined ? toMinorUnits(rule.fixed, currency) : roundToMinorUnits(percentOf(saleAmount, rule.percent!), currency);
	return { commission: fromMinorUnits(minor, currency), currency, rule, ruleIndex: index };
}

/** Splits a canonical decimal into its digits as a BigInt and its number of decimals. */
function scaled(decimal: string): { digits: bigint; scale: number } {
	const [integer, fraction = ''] = decimal.split('.');
	return { digits: BigInt(integer + fraction), scale: fraction.length };
}

/** amount × percent / 100, exactly, as a decimal string (no rounding: the caller rounds once). */
export function percentOf(amount: string, percent: string): string {
	const a = scaled(normalizeDecimal(amount)!);
	const p = scaled(normalizeDecimal(percent)!);
	const product = a.digits * p.digits;
	const scale = a.scale + p.scale + 2; // the /100
	const negative = product < 0n;
	const digits = (negative ? -product : product).toString().padStart(scale + 1, '0');
	const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
	return normalizeDecimal((negative ? '-' : '') + text)!;
}

/** Compares two canonical non-negative decimals exactly. */
function compareDecimal(a: string, b: string): number {
	const x = scaled(a);
	const y = scaled(b);
	const scale = Math.max(x.scale, y.scale);
	const left = x.digits * 10n ** BigInt(scale - x.scale);
	const right = y.digits * 10n ** BigInt(scale - y.scale);
	return left < right ? -1 : left > right ? 1 : 0;
}

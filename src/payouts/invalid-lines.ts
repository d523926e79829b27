/**
 * Reporting the ledger lines a payout plan cannot read (see calculatePayoutPlan: they never fail a run). Kept
 * apart from run.ts so the run only has to hand them on.
 */
import type { CarriedBalance, PayoutEntryInput, PayoutLedgerLine, PayoutPlan } from './due';

/** One unreadable ledger line as a run reports it: its id, whose it is as far as it says, and why. */
export interface InvalidLineReport {
	affiliateId: string;
	currency: string;
	/** The amount as it stands in the ledger (not counted anywhere). */
	amount: string;
	period: string;
	outcome: 'invalid_line';
	code: 'invalid_line';
	reason: string;
	entryIds: string[];
}

const textOf = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));

/** The plan's unreadable lines, one report each, with what the run did about them. */
export function invalidLineReports<E extends PayoutEntryInput>(plan: PayoutPlan<E>, mode: 'hold' | 'skip' = 'hold'): InvalidLineReport[] {
	return plan.excluded
		.filter((excluded) => excluded.reason === 'invalid_line')
		.map((excluded) => {
			const line = (excluded.entry ?? {}) as Partial<PayoutLedgerLine>;
			const consequence =
				mode === 'skip'
					? 'It is not paid and stays in the ledger; the rest of the balance is paid without it.'
					: "It is not paid, and its affiliate's balance in its currency is held until it is resolved (see the Invalid Ledger Lines option).";
			return {
				affiliateId: textOf(line.affiliateId),
				currency: textOf(line.currency).toUpperCase(),
				amount: textOf(line.amount ?? line.commission),
				period: plan.period,
				outcome: 'invalid_line' as const,
				code: 'invalid_line' as const,
				reason: `Ledger line ${excluded.entryId ? `"${excluded.entryId}" ` : ''}cannot be paid: ${excluded.detail ?? 'unreadable'}. ${consequence}`,
				entryIds: excluded.entryId ? [excluded.entryId] : [],
			};
		});
}

/** Why a balance is carried, in words an affiliate manager can act on. */
export function carriedReasonText<E extends PayoutEntryInput>(carried: CarriedBalance<E>): string {
	switch (carried.reason) {
		case 'below_minimum':
			return `The balance ${carried.amount} ${carried.currency} is below the minimum payout of ${carried.minimum} ${carried.currency}: carried into the next period.`;
		case 'negative_balance':
			return `The balance is ${carried.amount} ${carried.currency} (reversals exceed new commissions): carried into the next period.`;
		case 'invalid_line':
			return `The balance ${carried.amount} ${carried.currency} is held: ledger line${(carried.invalidEntryIds ?? []).length === 1 ? '' : 's'} ${(carried.invalidEntryIds ?? []).map((id) => `"${id}"`).join(', ')} of this affiliate cannot be paid (reported separately). Paying without ${(carried.invalidEntryIds ?? []).length === 1 ? 'it' : 'them'} could pay money a reversal took back.`;
		default:
			return 'Nothing to pay: commissions and reversals cancel out.';
	}
}

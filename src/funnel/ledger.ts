/**
 * Commission ledger lines for a conversion's status changes. The ledger only grows: a change is
 * recorded by adding lines, never by editing one, and every line's id is derived from the conversion
 * id, the kind and the status, so writing the same change twice adds nothing.
 *
 * With X the commission (its magnitude):
 *
 * | change                         | lines                                                              |
 * |--------------------------------|--------------------------------------------------------------------|
 * | new, pending                   | commission +X (pending)                                            |
 * | new, approved                  | commission +X (approved)                                           |
 * | pending → approved             | adjustment −X (pending) releases the pending line; commission +X (approved) |
 * | pending → rejected / reversed  | adjustment −X (pending): the pending commission is withdrawn       |
 * | approved → rejected / reversed | reversal −Y (rejected / reversed), Y = the reversal's own commission, else X |
 *
 * So the lines of one status always sum to what is in that status (pending lines sum to what still
 * waits for approval, approved minus reversed to what was earned), and all of a conversion's lines
 * sum to what the affiliate keeps. A reversal whose original never reached the ledger adds nothing:
 * there is nothing to take back.
 */
import type { ConversionStatus } from '../model';
import type { LedgerEntry, LedgerKind } from '../store/types';
import { absoluteDecimal, negativeDecimal, signOf } from './amounts';

export interface LedgerChange {
	conversionId: string;
	affiliateId: string;
	/** The commission as recorded with the conversion (any sign); its magnitude is X. */
	commission: string;
	/** For reversals: the commission the reversal postback itself reported, if any. */
	reversalCommission?: string | null;
	currency: string;
	network?: string;
	transactionId?: string;
	occurredAt: string;
	recordedAt: string;
	/** The status before the change; undefined for a conversion seen for the first time. */
	from?: ConversionStatus;
	to: ConversionStatus;
}

export function ledgerEntryId(conversionId: string, kind: LedgerKind, status: ConversionStatus): string {
	return `${conversionId}:${kind}:${status}`;
}

/** The ledger lines one status change adds (pure). */
export function ledgerLinesFor(change: LedgerChange): LedgerEntry[] {
	const magnitude = absoluteDecimal(change.commission);
	if (magnitude === '0') return [];
	const line = (kind: LedgerKind, status: ConversionStatus, amount: string, note: string): LedgerEntry => ({
		id: ledgerEntryId(change.conversionId, kind, status),
		affiliateId: change.affiliateId,
		kind,
		amount,
		currency: change.currency,
		status,
		conversionId: change.conversionId,
		...(change.network ? { network: change.network } : {}),
		...(change.transactionId ? { transactionId: change.transactionId } : {}),
		occurredAt: change.occurredAt,
		recordedAt: change.recordedAt,
		note,
	});
	const credit = (status: ConversionStatus) => line('commission', status, magnitude, `Commission, ${status}`);
	const releasePending = (to: ConversionStatus) => line('adjustment', 'pending', `-${magnitude}`, `Pending commission ${to}`);
	const { from, to } = change;

	if (from === undefined) return to === 'pending' || to === 'approved' ? [credit(to)] : [];
	if (from === 'pending') {
		if (to === 'approved') return [releasePending(to), credit('approved')];
		if (to === 'rejected' || to === 'reversed') return [releasePending(to)];
		return [];
	}
	if (from === 'approved' && (to === 'rejected' || to === 'reversed')) {
		const own = change.reversalCommission && signOf(change.reversalCommission) ? change.reversalCommission : change.commission;
		return [line('reversal', to, negativeDecimal(own), `Commission ${to}`)];
	}
	return [];
}

import type { ConversionStatus } from '../model';

/** Common words networks use for a conversion's state, mapped onto ours. Unknown words are refused, not guessed. */
const STATUS_WORDS: Record<string, ConversionStatus> = {
	approved: 'approved',
	approve: 'approved',
	confirmed: 'approved',
	accepted: 'approved',
	completed: 'approved',
	paid: 'approved',
	locked: 'approved',
	pending: 'pending',
	hold: 'pending',
	on_hold: 'pending',
	open: 'pending',
	rejected: 'rejected',
	declined: 'rejected',
	denied: 'rejected',
	deleted: 'rejected',
	invalid: 'rejected',
	voided: 'reversed',
	void: 'reversed',
	reversed: 'reversed',
	reversal: 'reversed',
	refunded: 'reversed',
	refund: 'reversed',
	chargeback: 'reversed',
	cancelled: 'reversed',
	canceled: 'reversed',
};

export function normalizeStatus(value: string): ConversionStatus | undefined {
	return STATUS_WORDS[
		value
			.trim()
			.toLowerCase()
			.replace(/[\s-]+/g, '_')
	];
}

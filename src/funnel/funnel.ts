/**
 * The Conversion Funnel with its store: classify, deduplicate, attribute, record the conversion and its
 * status history, write the commission ledger, and pick the output.
 *
 * Dedup and status updates. The dedup key is (network, transactionId, eventName). A network reports
 * one transaction again when its status changes (Impact PENDING → APPROVED → REVERSED, a ClickBank
 * refund of a sale, a PAP negative transaction), and that is news, not a duplicate. So every postback
 * with a transaction id makes two atomic claims, in this order:
 *
 *   1. the status claim (network, transactionId, "<event>#status:<status>"): already claimed → a
 *      duplicate (this event of this transaction was already seen in this status);
 *   2. the event claim (network, transactionId, "<event>"): first → a new conversion; already claimed
 *      → a status update of the stored conversion.
 *
 * Claiming the status first is what keeps concurrent copies of one postback exactly-once: only one of
 * them can win the status claim, and only the winner goes on to the event claim. A status update appends
 * to the conversion's history; a status never goes back to pending, and rejected and reversed are final
 * (later postbacks for them are duplicates, with the reason on the item). With the TUNE repeat sequence
 * the event depends on arrival order, so its claims use the event "#sequence" and the click's counter is
 * advanced only by the winner of the event claim: a retried postback never moves the sequence on.
 *
 * A conversion without a transaction id is deduplicated on a key derived from what the postback carries and
 * a network's retry repeats (dedup-key.ts): the same claims as above, with `derived:<digest>` in place of the
 * transaction id, so every redelivery after the first is a Duplicate and the ledger is credited once. The item
 * says which key was used (`dedup.basis`: 'transaction_id' or 'derived', and the fields a derived key was made
 * of); with the option `withoutTransactionId: 'hold'` such a conversion is recorded and deduplicated the same
 * way but earns no commission until the network sends it with a transaction id.
 *
 * Before anything is claimed, the amounts are checked against the currency's minor unit (0.005 USD cannot be
 * paid): refused on the Rejected output with the reason (default), or fitted by the operator's rule
 * (`amountPrecision`, see AmountPrecisionPolicy). A conversion built by hand (a Code node) is held to the same
 * rule as one the Postback Trigger parsed, so no line finer than its currency reaches the ledger.
 *
 * An affiliate named only by the postback (a network that names the partner itself, with no stored click,
 * coupon or customer naming one) earns a commission only when the postback was authenticated by the trigger
 * and the operator trusts that network's affiliate ids (`trustPostbackAffiliate`); otherwise the conversion
 * is recorded and forwarded, and the item's ledger says why nothing was credited.
 *
 * Claims are leases, so a conversion is never lost to a process that stops halfway. A claim is taken
 * `pending` and completed (`done`) only after everything it guards is written: the conversion, its status
 * history and its ledger lines (the event claim is completed before the status claim). A pending claim is
 * the holder's for its lease (`claimLeaseMs`, default 2 minutes):
 *
 *   - a copy of the postback arriving within the lease is a Duplicate whose reason says it is in flight;
 *   - an execution that fails releases its claims on the way out, so a retry is processed at once;
 *   - a process that dies leaves its claims pending, and the first retry after the lease takes them over
 *     (atomically: concurrent retries still yield one winner) and redoes the work. Every write is
 *     idempotent (the conversion id and the ledger line ids are deterministic; a status is appended only
 *     as a compare-and-set on the status it was decided against), and an execution that finds the status it
 *     holds the claim for already written finishes the earlier one's work: it writes the ledger lines that
 *     may be missing and hands on the item that execution decided, on its event output.
 *
 * A status update also (re)writes, idempotently, the ledger lines of the conversion's earlier changes, so
 * lines an earlier stopped execution never wrote are filled in. An execution that outlives its lease and
 * finds, when it completes, that a retry took its claim over reports a Duplicate: the retry reports it.
 *
 * Remaining limits: with the TUNE repeat sequence, a process that dies after advancing a click's counter
 * and before saving the conversion leaves a gap in that click's sequence (the retry takes the next step).
 * A postback whose execution died and that is never sent again (by the network, or by re-running the failed
 * execution) stays unrecorded; its claims stay pending, visible in the store's conversion_claims table as
 * state 'pending' long after claimed_at.
 *
 * Here: the amounts check and the dedup decision. The claims are in ./claims.ts, a new conversion's recording in
 * ./record.ts, a status update (and finishing a stopped execution's work) in ./status-update.ts, what they share in
 * ./context.ts, and the item and options types in ./item.ts.
 */
import { type AmountPrecisionPolicy, type Conversion, type ConversionStatus, DEFAULT_AMOUNT_PRECISION, fitToMinorUnit } from '../model';
import { conversionIdFor } from '../model/ids';
import type { ConversionKey, StoredConversion } from '../store/types';
import { classifyConversion, usesRepeatSequence, type StatusPolicy } from './classify';
import { HeldClaims } from './claims';
import { type Context, duplicate, findOriginal, isFinal, pickOriginal } from './context';
import { type DedupBasis, derivedDedupKey, derivedKeyFields } from './dedup-key';
import { destinationEventsFor } from './events';
import { type AmountAdjustment, type FunnelItem, type FunnelOptions, type FunnelResult, type FunnelStore, type Refusal, SEQUENCE_CLAIM } from './item';
import { recordNew } from './record';
import { statusUpdate } from './status-update';

// The funnel's item and options types are part of its API (src/funnel/index.ts re-exports this module).
export * from './item';

/**
 * The conversion's amounts fitted to the currency's minor unit by the operator's rule, or why it is refused.
 * Checked before anything is claimed or recorded, whoever built the conversion.
 */
function fitAmounts(conversion: Conversion, policy: AmountPrecisionPolicy): { conversion: Conversion; adjustments: AmountAdjustment[] } | Refusal {
	const adjustments: AmountAdjustment[] = [];
	let fitted = conversion;
	for (const field of ['amount', 'commission'] as const) {
		const value = conversion[field];
		if (value === null) continue;
		const result = fitToMinorUnit(value, conversion.currency, policy);
		if (!result.ok) {
			return {
				code: 'amount_precision',
				field,
				reason: `The ${field} ${result.reason}. It was refused before anything was recorded: send it in whole minor units, or choose a rounding rule in the funnel's Amount Precision option.`,
			};
		}
		if (result.adjusted && policy !== 'reject') {
			adjustments.push({ field, received: value, recorded: result.value, rule: policy });
			fitted = { ...fitted, [field]: result.value };
		}
	}
	return { conversion: fitted, adjustments };
}

/** Runs one conversion through the funnel against the store. */
export async function runFunnel(received: Conversion, store: FunnelStore, options: FunnelOptions = {}): Promise<FunnelResult> {
	const statusPolicy = options.statusPolicy ?? 'approved';
	const fitted = fitAmounts(received, options.amountPrecision ?? DEFAULT_AMOUNT_PRECISION);
	if ('code' in fitted) return refuse(received, options, statusPolicy, fitted);
	const { conversion, adjustments } = fitted;
	const ownTransactionId = conversion.transactionId?.trim() ? conversion.transactionId : undefined;
	// No transaction id: the claims use a key derived from what the postback carries (dedup-key.ts).
	const basis: DedupBasis = ownTransactionId ? 'transaction_id' : 'derived';
	const transactionId = ownTransactionId ?? derivedDedupKey(conversion);
	// The item as the funnel hands it on, also for the beforeComplete hook (which sees it before the claims complete).
	const finish = ({ item }: FunnelResult) => {
		item.dedup = { ...item.dedup, basis, ...(basis === 'derived' ? { derivedFrom: derivedKeyFields(conversion) } : {}) };
		if (adjustments.length) item.amountAdjustments = adjustments;
	};
	const { beforeComplete } = options;
	const hooked: FunnelOptions = beforeComplete
		? {
				...options,
				beforeComplete: async (decided) => {
					finish(decided);
					await beforeComplete(decided);
				},
			}
		: options;
	const result = await runDeduplicated(conversion, store, hooked, statusPolicy, transactionId, basis);
	finish(result);
	return result;
}

/** The Rejected output for a conversion the funnel refuses before deduplication: nothing recorded, nothing claimed. */
function refuse(conversion: Conversion, options: FunnelOptions, statusPolicy: StatusPolicy, refusal: Refusal): FunnelResult {
	const { eventName } = classifyConversion(conversion, { statusPolicy });
	const item: FunnelItem = {
		...conversion,
		eventName,
		route: 'rejected',
		dedup: { status: 'refused', reason: 'Refused before deduplication: nothing was recorded, so a corrected postback is processed as new.' },
		destinationEvents: destinationEventsFor(eventName, options.eventMapping),
		ledger: { entries: [], reason: refusal.reason, code: refusal.code },
		refused: refusal,
	};
	return { output: 'rejected', item };
}

async function runDeduplicated(
	conversion: Conversion,
	store: FunnelStore,
	options: FunnelOptions,
	statusPolicy: StatusPolicy,
	transactionId: string,
	basis: DedupBasis,
): Promise<FunnelResult> {
	const now = options.now ?? (() => new Date());
	const { network } = conversion;
	const sequenceMode = Boolean(options.repeatSequence) && usesRepeatSequence(conversion);
	const provisional = classifyConversion(conversion, { statusPolicy });
	// A negative amount is a reversal whatever status word came with it.
	const status: ConversionStatus = provisional.reversal ? 'reversed' : conversion.status;
	let eventName = provisional.eventName;

	const context: Context = { conversion, store, options, now, statusPolicy, status, transactionId, basis };

	// A reversal or rejection names the transaction; its event is the original's, even when the postback's own words suggest another.
	let originals: StoredConversion[] | undefined;
	if (!sequenceMode && isFinal(status)) {
		originals = await store.findConversionsByTransaction(network, transactionId);
		const original = originals.some((stored) => stored.eventName === eventName) ? undefined : pickOriginal(originals);
		if (original) eventName = original.eventName;
	}

	const claimName = sequenceMode ? SEQUENCE_CLAIM : eventName;
	const claims = new HeldClaims(store, options.claimLeaseMs);
	const statusClaim = await claims.take({ network, transactionId, eventName: `${claimName}#status:${status}` }, 'status');
	if (statusClaim.result === 'duplicate') {
		const original = await findOriginal(store, network, transactionId, sequenceMode ? undefined : eventName);
		const reason =
			statusClaim.state === 'in-flight'
				? `This ${status} postback for the transaction is in flight: another execution claimed it${statusClaim.claimedAt ? ` at ${statusClaim.claimedAt}` : ''} and has not finished. ` +
					`It is not processed twice; if that execution stops without finishing, a retry after its ${claims.leaseSeconds()}-second claim lease is processed.`
				: `This ${status} postback for the transaction was already received.`;
		const inFlightUntil =
			statusClaim.state === 'in-flight' && statusClaim.claimedAt
				? new Date(Date.parse(statusClaim.claimedAt) + claims.leaseSeconds() * 1000).toISOString()
				: undefined;
		const result = duplicate(context, original, original?.eventName ?? eventName, reason);
		if (inFlightUntil) result.item.dedup = { ...result.item.dedup, inFlightUntil };
		return result;
	}

	try {
		const eventClaim = await claims.take({ network, transactionId, eventName: claimName }, 'event');
		// Seen before, or claimed by an execution that stopped before completing the claim: the conversion may be stored.
		const seen = eventClaim.result === 'duplicate' || eventClaim.state === 'taken-over';
		const original = seen ? await findOriginal(store, network, transactionId, sequenceMode ? undefined : eventName) : undefined;
		let result: FunnelResult;
		if (original) result = await statusUpdate(context, original);
		else {
			// The first time this conversion is seen (or a concurrent first postback has claimed it and not yet saved it).
			const sequence = sequenceMode ? await store.nextClickSequence(conversion.clickId!) : undefined;
			const classification = classifyConversion(conversion, { statusPolicy, sequence });
			const finalEvent = sequenceMode ? classification.eventName : eventName;
			const key: ConversionKey = { network, transactionId, eventName: finalEvent };
			result = await recordNew(context, { ...classification, eventName: finalEvent }, conversionIdFor(key), sequence, originals, { status: 'first', key });
		}
		if (options.beforeComplete) await options.beforeComplete(result);
		if (await claims.complete()) return result;
		// This execution outlived its lease and a retry took the postback over: the retry reports it.
		const saved = result.item.conversionId ? await store.getConversion(result.item.conversionId) : undefined;
		return duplicate(
			context,
			saved,
			result.item.eventName,
			`This execution took longer than its ${claims.leaseSeconds()}-second claim lease and another execution took the postback over: that one reports it. What both wrote is recorded once.`,
		);
	} catch (error) {
		// Nothing is completed: give the claims up, so a retry is processed at once rather than after the lease.
		await claims.release();
		throw error;
	}
}

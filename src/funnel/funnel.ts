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
 */
import {
	type AmountPrecisionPolicy,
	type Conversion,
	type ConversionStatus,
	DEFAULT_AMOUNT_PRECISION,
	fitToMinorUnit,
	isAuthenticated,
	toMinorUnits,
} from '../model';
import {
	type ClaimOutcome,
	type ConversionKey,
	type LedgerEntry,
	type StatusChange,
	type StoredConversion,
	type TrackingStore,
	DEFAULT_CLAIM_LEASE_MS,
	conversionIdFor,
} from '../store';
import { negativeDecimal, signOf } from './amounts';
import { type AttributionOptions, type Attribution, type ConversionClick, attributeConversion, conversionClick, customerKeyFor } from './attribution';
import { type Classification, type Route, type StatusPolicy, classifyConversion, eventRoute, usesRepeatSequence } from './classify';
import { type DestinationEvents, type EventMappingOverrides, destinationEventsFor } from './events';
import { type CommissionRule, commissionFor } from '../model/commission';
import { type LedgerChange, ledgerLinesFor } from './ledger';
import { type DedupBasis, derivedDedupKey, derivedKeyFields, isDerivedKey } from './dedup-key';

export type FunnelOutput = Route | 'duplicate' | 'unattributed';

/** The node's outputs, in order. */
export const funnelOutputs: readonly FunnelOutput[] = ['lead', 'purchase', 'other', 'reversal', 'pending', 'rejected', 'duplicate', 'unattributed'];

/** The event name the claims use while the TUNE repeat sequence decides the event. */
export const SEQUENCE_CLAIM = '#sequence';

export interface FunnelOptions extends AttributionOptions {
	statusPolicy?: StatusPolicy;
	/** Send conversions without a matching click to their event's output anyway (default: the Unattributed output). */
	forwardUnattributed?: boolean;
	/** TUNE's repeat sequence for one click id: Lead → CompleteRegistration → Purchase. */
	repeatSequence?: boolean;
	eventMapping?: EventMappingOverrides;
	/**
	 * How long this execution's dedup claims are its own, in milliseconds (default 2 minutes): a copy of the
	 * postback within it is a Duplicate (in flight); after it, a retry of a postback whose execution stopped is
	 * processed. Longer than an execution takes; the same for every execution on one store.
	 */
	claimLeaseMs?: number;
	/**
	 * Commission rules for conversions that carry no commission (merchant-side sale tracking, seed 003: the
	 * shop reports the sale, the affiliate system computes the commission): a percentage of the sale or a fixed
	 * amount per action code, per offer and per affiliate, the most specific rule winning (src/model/commission.ts).
	 */
	commissionRules?: CommissionRule[];
	/**
	 * An amount or commission finer than its currency's minor unit (0.005 USD): refused on the Rejected output
	 * ('reject', the default) or fitted by the operator's rule before anything is recorded.
	 */
	amountPrecision?: AmountPrecisionPolicy;
	/**
	 * Networks whose postbacks may name the affiliate to credit (`affiliate_id`): an affiliate named only by the
	 * postback earns a commission when its network is listed here AND the trigger authenticated the postback.
	 * Default: none (an affiliate comes only from a stored click, coupon or customer).
	 */
	trustPostbackAffiliate?: readonly string[];
	/**
	 * A conversion without a transaction id: 'derive' (default) credits it once under a key derived from what the
	 * postback carries; 'hold' records and deduplicates it the same way but writes no commission (for review).
	 */
	withoutTransactionId?: 'derive' | 'hold';
	now?: () => Date;
}

export interface Dedup {
	/** 'refused': the conversion was refused before deduplication (see `refused`); 'not-deduplicated' is no longer written. */
	status: 'first' | 'duplicate' | 'status-update' | 'not-deduplicated' | 'refused';
	/** The conversion's dedup key. */
	key?: ConversionKey;
	/** What the key's transaction id is: the network's own, or derived from the postback's fields (it carried none). */
	basis?: DedupBasis;
	/** With a derived key: the conversion fields it was made of. */
	derivedFrom?: string[];
	reason?: string;
}

/** Why the funnel refused a conversion (on the Rejected output): nothing was recorded or claimed. */
export interface Refusal {
	code: 'amount_precision';
	/** The conversion field at fault. */
	field: 'amount' | 'commission';
	reason: string;
}

/** An amount the funnel fitted to its currency's minor unit by the operator's rule. */
export interface AmountAdjustment {
	field: 'amount' | 'commission';
	received: string;
	recorded: string;
	rule: Exclude<AmountPrecisionPolicy, 'reject'>;
}

export interface ReversalLink {
	conversionId: string;
	eventName: string;
	/** The original's status before this postback. */
	status: ConversionStatus;
	occurredAt: string;
	amount?: string;
	commission?: string;
}

export interface LedgerLine {
	id: string;
	kind: LedgerEntry['kind'];
	amount: string;
	currency: string;
	status: ConversionStatus;
}

export interface LedgerOutcome {
	affiliateId?: string;
	/** The lines this postback adds (writing them again is a no-op: their ids are deterministic). */
	entries: LedgerLine[];
	/** Why nothing was added, when nothing was. */
	reason?: string;
	/** For the reasons a caller may act on: untrusted_affiliate, held_for_review, amount_precision. */
	code?: 'untrusted_affiliate' | 'held_for_review' | 'amount_precision';
	/** When the commission was computed from a commission rule (the postback carried none): which one, by position. */
	ruleIndex?: number;
}

/** The conversion as the funnel hands it on: the canonical conversion plus the funnel's decision. */
export type FunnelItem = Omit<Conversion, 'eventName'> & {
	eventName: string;
	route: FunnelOutput;
	/** The stored conversion's id (deterministic from the dedup key; random without a transaction id). */
	conversionId?: string;
	click?: ConversionClick;
	attribution?: Attribution;
	dedup: Dedup;
	destinationEvents: DestinationEvents;
	ledger: LedgerOutcome;
	statusChange?: { from: ConversionStatus; to: ConversionStatus };
	/** On reversals and rejections: the conversion taken back, or null when the store does not have it. */
	reversalOf?: ReversalLink | null;
	/** With the TUNE repeat sequence: this conversion's place in its click id's sequence. */
	sequence?: number;
	/** Amounts fitted to the currency's minor unit by the operator's rule (the received values are in `raw`). */
	amountAdjustments?: AmountAdjustment[];
	/** Set when the funnel refused the conversion (route 'rejected'): why. */
	refused?: Refusal;
};

export interface FunnelResult {
	output: FunnelOutput;
	item: FunnelItem;
}

/** What the funnel keeps in a stored conversion's payload and reads back for later postbacks. */
interface StoredPayload {
	click?: ConversionClick;
	attribution?: Attribution;
	ledger?: { entries?: unknown[] };
}

const isFinal = (status: ConversionStatus) => status === 'rejected' || status === 'reversed';
const payloadOf = (conversion: StoredConversion): StoredPayload =>
	conversion.payload !== null && typeof conversion.payload === 'object' ? (conversion.payload as StoredPayload) : {};

/**
 * The first of `lines` whose amount is finer than its currency's minor unit, with the reason: such a line is
 * never written (a conversion stored by an older version may still carry such a commission).
 */
function unpayableLine(lines: LedgerEntry[]): { line: LedgerEntry; reason: string } | undefined {
	for (const line of lines) {
		try {
			toMinorUnits(line.amount, line.currency);
		} catch (error) {
			return { line, reason: (error as Error).message };
		}
	}
	return undefined;
}

const unpayableReason = (found: { line: LedgerEntry; reason: string }) =>
	`No ledger line was written: ${found.reason}, and a line that cannot be paid exactly would block the payout of the affiliate's balance.`;

/**
 * Whether an affiliate named only by the postback may be credited: the trigger authenticated the postback AND
 * the operator trusts that network's affiliate ids. An unauthenticated request is a form anyone can post, and
 * an opt-in per network is the operator saying the network vouches for its partners; one without the other is
 * not enough, since an opted-in network's URL leaks as easily as any other.
 */
function postbackAffiliateTrusted(conversion: Conversion, options: FunnelOptions): boolean {
	return isAuthenticated(conversion) && (options.trustPostbackAffiliate ?? []).includes(conversion.network);
}

function untrustedAffiliateReason(conversion: Conversion, affiliateId: string, options: FunnelOptions): string {
	const why = !isAuthenticated(conversion)
		? `the postback was not authenticated (${conversion.authentication === 'none' ? 'the trigger accepts it without a secret' : 'it did not come through an authenticating Postback Trigger'})`
		: `the operator does not trust affiliate ids from ${conversion.network} postbacks`;
	const fix = (options.trustPostbackAffiliate ?? []).includes(conversion.network)
		? 'Authenticate the trigger (a secret token, Basic, HMAC or an IP allowlist)'
		: `Turn on "Trust Affiliate ID From Postbacks" for ${conversion.network} and authenticate the trigger`;
	return `No commission was written: the affiliate "${affiliateId}" is named only by the postback (no stored click, coupon or customer names one), and ${why}. ${fix} to credit such affiliates.`;
}

/** The original a reversal belongs to: the latest conversion of the transaction that is not already final. */
function pickOriginal(conversions: StoredConversion[]): StoredConversion | undefined {
	const open = conversions.filter((conversion) => !isFinal(conversion.status));
	return open[open.length - 1] ?? conversions[conversions.length - 1];
}

function linkTo(original: StoredConversion): ReversalLink {
	return {
		conversionId: original.id,
		eventName: original.eventName,
		status: original.status,
		occurredAt: original.occurredAt,
		...(original.amount !== undefined ? { amount: original.amount } : {}),
		...(original.commission !== undefined ? { commission: original.commission } : {}),
	};
}

function toLines(entries: LedgerEntry[]): LedgerLine[] {
	return entries.map(({ id, kind, amount, currency, status }) => ({ id, kind, amount, currency, status }));
}

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
export async function runFunnel(received: Conversion, store: TrackingStore, options: FunnelOptions = {}): Promise<FunnelResult> {
	const statusPolicy = options.statusPolicy ?? 'approved';
	const fitted = fitAmounts(received, options.amountPrecision ?? DEFAULT_AMOUNT_PRECISION);
	if ('code' in fitted) return refuse(received, options, statusPolicy, fitted);
	const { conversion, adjustments } = fitted;
	const ownTransactionId = conversion.transactionId?.trim() ? conversion.transactionId : undefined;
	// No transaction id: the claims use a key derived from what the postback carries (dedup-key.ts).
	const basis: DedupBasis = ownTransactionId ? 'transaction_id' : 'derived';
	const transactionId = ownTransactionId ?? derivedDedupKey(conversion);
	const result = await runDeduplicated(conversion, store, options, statusPolicy, transactionId, basis);
	const item = result.item;
	item.dedup = { ...item.dedup, basis, ...(basis === 'derived' ? { derivedFrom: derivedKeyFields(conversion) } : {}) };
	if (adjustments.length) item.amountAdjustments = adjustments;
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
	store: TrackingStore,
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
		return duplicate(context, original, original?.eventName ?? eventName, reason);
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

/** The claims one execution holds, completed (or released) together. */
class HeldClaims {
	private readonly held: Array<{ key: ConversionKey; token: string; kind: 'status' | 'event' }> = [];

	constructor(
		private readonly store: TrackingStore,
		private readonly leaseMs: number | undefined,
	) {}

	leaseSeconds(): number {
		return (this.leaseMs ?? DEFAULT_CLAIM_LEASE_MS) / 1000;
	}

	async take(key: ConversionKey, kind: 'status' | 'event'): Promise<ClaimOutcome> {
		const outcome = await this.store.claimConversionDetailed(key, this.leaseMs === undefined ? undefined : { leaseMs: this.leaseMs });
		if (outcome.result === 'first' && outcome.token) this.held.push({ key, token: outcome.token, kind });
		return outcome;
	}

	/**
	 * Completes the claims, the event claim before the status claim: a stop in between leaves the status claim
	 * pending, and its retry finishes the work. False when the status claim is no longer this execution's.
	 */
	async complete(): Promise<boolean> {
		let ours = true;
		for (const claim of [...this.held].reverse()) {
			const completed = await this.store.completeClaim(claim.key, { token: claim.token });
			// An event claim taken over by another postback of the transaction is that one's to complete.
			if (claim.kind === 'status') ours = completed;
		}
		this.held.length = 0;
		return ours;
	}

	/** Best effort: a claim that cannot be released now is taken over after its lease. */
	async release(): Promise<void> {
		for (const claim of this.held.splice(0).reverse()) await this.store.releaseClaim(claim.key, { token: claim.token }).catch(() => false);
	}
}

interface Context {
	conversion: Conversion;
	store: TrackingStore;
	options: FunnelOptions;
	now: () => Date;
	statusPolicy: StatusPolicy;
	/** The effective status: 'reversed' for negative amounts. */
	status: ConversionStatus;
	/** The dedup key's transaction id: the network's, or a derived key (`basis`). */
	transactionId: string;
	basis: DedupBasis;
}

/** The transaction id a ledger line names: the network's own, never a derived dedup key. */
function ledgerTransactionId(transactionId: string | undefined): string | undefined {
	return transactionId && !isDerivedKey(transactionId) ? transactionId : undefined;
}

async function findOriginal(store: TrackingStore, network: string, transactionId: string, eventName: string | undefined) {
	if (eventName !== undefined) return await store.getConversion(conversionIdFor({ network, transactionId, eventName }));
	return pickOriginal(await store.findConversionsByTransaction(network, transactionId));
}

/** The conversion's own fields for the output item, with the funnel's event and (for reversals) negative money. */
function baseItem(context: Context, eventName: string, original?: StoredConversion): Omit<FunnelItem, 'route' | 'dedup' | 'ledger'> {
	const { conversion, status, options } = context;
	const reversal = status === 'reversed';
	const money = (own: string | null, stored: string | undefined): string | null => {
		const value = own ?? stored ?? null;
		return reversal && value !== null ? negativeDecimal(value) : own;
	};
	return {
		...conversion,
		eventName,
		status,
		amount: money(conversion.amount, original?.amount),
		commission: money(conversion.commission, original?.commission),
		destinationEvents: destinationEventsFor(eventName, options.eventMapping),
	};
}

function duplicate(context: Context, original: StoredConversion | undefined, eventName: string, reason: string, extra: Partial<FunnelItem> = {}): FunnelResult {
	const { conversion, transactionId } = context;
	const stored = original ? payloadOf(original) : {};
	const item: FunnelItem = {
		...baseItem(context, eventName, original),
		route: 'duplicate',
		...(original ? { conversionId: original.id } : {}),
		...(stored.click ? { click: stored.click } : {}),
		...(stored.attribution ? { attribution: stored.attribution } : {}),
		dedup: { status: 'duplicate', key: { network: conversion.network, transactionId, eventName }, reason },
		ledger: { entries: [], reason: 'A duplicate adds nothing to the ledger.' },
		...extra,
	};
	return { output: 'duplicate', item };
}

/** How often a status update decides again when other executions keep changing the status under it. */
const STATUS_ATTEMPTS = 5;

/** A later postback for a stored conversion, in a status not seen before for it. */
async function statusUpdate(context: Context, original: StoredConversion, attempt = 1): Promise<FunnelResult> {
	const { conversion, store, now, status } = context;
	const from = original.status;
	const eventName = original.eventName;
	// This execution holds the claim for this status, so whoever wrote it held that claim before and stopped before completing it.
	if (from === status) return await resume(context, original);
	if (isFinal(from)) return duplicate(context, original, eventName, `The conversion is already ${from}; later statuses are not applied.`);
	if (status === 'pending') return duplicate(context, original, eventName, `A late pending postback: the conversion is already ${from}.`);

	const earlier = credited(original) ? await store.statusHistory(original.id) : [];
	const at = now().toISOString();
	if (!(await store.appendStatus({ conversionId: original.id, status, at, detail: conversion.raw }, { from }))) {
		// Another execution changed the status since it was read: decide again against the status it wrote.
		const current = await store.getConversion(original.id);
		if (!current || attempt >= STATUS_ATTEMPTS) {
			throw new Error(`Conversion Funnel: the status of conversion ${original.id} kept changing while this ${status} postback was applied; run it again.`);
		}
		return await statusUpdate(context, current, attempt + 1);
	}
	return await statusChanged(context, original, earlier, at, false);
}

/**
 * The postback's status is already the conversion's, and this execution holds that status's claim: an
 * earlier execution of this postback wrote it and stopped before completing its claims. Finishes its work.
 */
async function resume(context: Context, original: StoredConversion): Promise<FunnelResult> {
	const { store, status } = context;
	const history = await store.statusHistory(original.id);
	const index = history.findLastIndex((change) => change.status === status);
	if (index < 0) return duplicate(context, original, original.eventName, `The conversion is already ${status}.`);
	if (index === 0) return await resumeNew(context, original, history[0]);
	const from = history[index - 1].status;
	return await statusChanged(context, { ...original, status: from }, history.slice(0, index), history[index].at, true);
}

/** True when the conversion credited a commission when it was recorded (so its changes move money in the ledger). */
function credited(original: StoredConversion): boolean {
	return Boolean(original.affiliateId && original.commission && (payloadOf(original).ledger?.entries?.length ?? 0) > 0);
}

/** The ledger change of a credited conversion, without the change itself. */
function ledgerBase(original: StoredConversion): Pick<LedgerChange, 'conversionId' | 'affiliateId' | 'commission' | 'currency' | 'network' | 'transactionId'> {
	return {
		conversionId: original.id,
		affiliateId: original.affiliateId!,
		commission: original.commission!,
		currency: original.currency,
		network: original.network,
		transactionId: ledgerTransactionId(original.transactionId),
	};
}

/**
 * The ledger lines of a credited conversion's history (its recording, then each change), as the executions
 * that made them wrote them: same ids, so writing them again adds only the ones that are missing. An
 * earlier change's own occurrence time is not kept; the time it was recorded stands in for it.
 */
function historyLines(original: StoredConversion, history: StatusChange[]): LedgerEntry[] {
	const base = ledgerBase(original);
	return history.flatMap((change, index) =>
		ledgerLinesFor({
			...base,
			occurredAt: index === 0 ? original.occurredAt : change.at,
			recordedAt: change.at,
			...(index > 0 ? { from: history[index - 1].status } : {}),
			to: change.status,
		}),
	);
}

/**
 * A status change recorded for a stored conversion (`original` in the status before it; `earlier` its
 * history before it): its ledger lines, after any of the earlier ones that are missing, and the output.
 */
async function statusChanged(context: Context, original: StoredConversion, earlier: StatusChange[], at: string, resumed: boolean): Promise<FunnelResult> {
	const { conversion, store, options, status, statusPolicy } = context;
	const from = original.status;
	const eventName = original.eventName;
	const stored = payloadOf(original);
	let lines = credited(original)
		? ledgerLinesFor({
				...ledgerBase(original),
				reversalCommission: conversion.commission,
				occurredAt: conversion.occurredAt,
				recordedAt: at,
				from,
				to: status,
			})
		: [];
	const unpayable = lines.length ? unpayableLine([...historyLines(original, earlier), ...lines]) : undefined;
	if (unpayable) lines = [];
	if (lines.length) {
		for (const line of historyLines(original, earlier)) await store.addLedgerEntry(line);
		for (const line of lines) await store.addLedgerEntry(line);
	}

	const statusChange = { from, to: status };
	const dedup: Dedup = {
		status: 'status-update',
		key: { network: original.network, transactionId: context.transactionId, eventName },
		reason: `The conversion went from ${from} to ${status}.${resumed ? ` ${RESUMED}` : ''}`,
	};
	const ledger: LedgerOutcome = lines.length
		? { affiliateId: original.affiliateId, entries: toLines(lines) }
		: unpayable
			? { entries: [], reason: unpayableReason(unpayable), code: 'amount_precision' }
			: { entries: [], reason: 'The original conversion credited no commission to an affiliate.' };

	let output: FunnelOutput;
	if (status === 'reversed') output = 'reversal';
	else if (status === 'rejected') output = 'rejected';
	else if (statusPolicy === 'approvedAndPending') {
		// Already forwarded while pending: the approval is recorded, and there is nothing new to send.
		return duplicate(context, original, eventName, 'Approved after it was forwarded as pending: recorded, not forwarded again.', {
			dedup: { ...dedup, reason: `${dedup.reason} It was already forwarded while pending.` },
			statusChange,
			ledger,
		});
	} else {
		// Pending → approved under "approved only": this is the first time the conversion is forwarded.
		output = stored.attribution?.method === 'none' && !options.forwardUnattributed ? 'unattributed' : eventRoute(eventName);
	}
	const item: FunnelItem = {
		...baseItem(context, eventName, original),
		affiliateId: conversion.affiliateId ?? original.affiliateId ?? null,
		route: output,
		conversionId: original.id,
		...(stored.click ? { click: stored.click } : {}),
		...(stored.attribution ? { attribution: stored.attribution } : {}),
		dedup,
		ledger,
		statusChange,
		...(isFinal(status) ? { reversalOf: linkTo(original) } : {}),
	};
	return { output, item };
}

/** Said on the items of an execution that finished what an earlier one of the same postback left unfinished. */
const RESUMED = 'An earlier execution of this postback recorded it and stopped before finishing; this one finished it.';

/**
 * The conversion was recorded by an earlier execution of this postback that stopped before completing its
 * claims: writes the ledger lines and the lifetime link it may not have, and hands on the item it decided.
 */
async function resumeNew(context: Context, original: StoredConversion, recorded: StatusChange): Promise<FunnelResult> {
	const { store, status } = context;
	const decided = original.payload as Partial<FunnelItem> | null;
	if (!decided || typeof decided !== 'object' || !funnelOutputs.includes(decided.route as FunnelOutput) || !decided.dedup) {
		// Not recorded by the funnel: nothing to finish.
		return duplicate(context, original, original.eventName, `The conversion is already ${status}.`);
	}
	if (credited(original)) {
		const lines = historyLines(original, [recorded]);
		if (!unpayableLine(lines)) for (const line of lines) await store.addLedgerEntry(line);
	}
	await linkLifetime(context, original.affiliateId, decided.attribution?.method, decided.click?.clickId);
	const item = { ...decided, dedup: { ...decided.dedup, reason: decided.dedup.reason ? `${decided.dedup.reason} ${RESUMED}` : RESUMED } } as FunnelItem;
	return { output: item.route, item };
}

/** Lifetime referral: the first affiliate credited for this customer keeps them. */
async function linkLifetime(
	context: Context,
	affiliateId: string | undefined,
	method: Attribution['method'] | undefined,
	clickId: string | undefined,
): Promise<void> {
	const { conversion, options, store, status } = context;
	const email = conversion.user.email;
	if ((options.fallbacks ?? []).includes('lifetime') && email && affiliateId && method !== 'lifetime' && !isFinal(status)) {
		const customerKey = customerKeyFor(email);
		if (customerKey) await store.linkCustomer(customerKey, affiliateId, clickId);
	}
}

/** A conversion seen for the first time (or one that cannot be deduplicated). */
async function recordNew(
	context: Context,
	classification: Classification,
	conversionId: string,
	sequence: number | undefined,
	originals: StoredConversion[] | undefined,
	dedup: Dedup,
): Promise<FunnelResult> {
	const { conversion, store, options, now, status, transactionId } = context;
	const { eventName } = classification;
	const { attribution, click } = await attributeConversion(conversion, store, options);
	const route = classification.route;
	const forwardable = route === 'lead' || route === 'purchase' || route === 'other';
	const output: FunnelOutput = forwardable && attribution.method === 'none' && !options.forwardUnattributed ? 'unattributed' : route;
	const recordedAt = now().toISOString();
	// An affiliate only the postback names is credited only when trusted; the claim stays visible on the item.
	const untrusted = attribution.affiliateSource === 'network' && attribution.affiliateId !== undefined && !postbackAffiliateTrusted(conversion, options);
	const affiliateId = untrusted ? undefined : attribution.affiliateId;
	const held = context.basis === 'derived' && options.withoutTransactionId === 'hold';

	// No commission in the postback: the operator's rules may compute one from the sale (known only now that
	// the affiliate is attributed, since rules can be per affiliate).
	const ruled =
		conversion.commission === null && conversion.amount !== null && affiliateId && options.commissionRules?.length && !isFinal(status)
			? commissionFor(
					{
						saleAmount: conversion.amount,
						currency: conversion.currency,
						affiliateId,
						...(conversion.offerId ? { offerId: conversion.offerId } : {}),
						actionCode: conversion.networkEventType ?? eventName,
					},
					options.commissionRules,
				)
			: undefined;
	const commission = ruled?.commission ?? conversion.commission;

	let ledgerEntries: LedgerEntry[] = [];
	let ledgerReason: string | undefined;
	let ledgerCode: LedgerOutcome['code'];
	if (isFinal(status)) ledgerReason = 'A reversal or rejection whose original is not in the tracking store takes nothing back.';
	else if (untrusted) {
		ledgerReason = untrustedAffiliateReason(conversion, attribution.affiliateId!, options);
		ledgerCode = 'untrusted_affiliate';
	} else if (!affiliateId) ledgerReason = 'No affiliate to credit: the click carried none and the network does not name the partner.';
	else if (!classification.earns) ledgerReason = `A ${eventName} event earns no commission.`;
	else if (!commission || signOf(commission) === 0) {
		ledgerReason = options.commissionRules?.length
			? 'The postback carried no commission and no commission rule matched it.'
			: 'The postback carried no commission.';
	} else {
		ledgerEntries = ledgerLinesFor({
			conversionId,
			affiliateId,
			commission,
			currency: conversion.currency,
			network: conversion.network,
			transactionId: ledgerTransactionId(transactionId),
			occurredAt: conversion.occurredAt,
			recordedAt,
			to: status,
		});
		const unpayable = unpayableLine(ledgerEntries);
		if (unpayable) {
			// A commission rule's result is rounded to the currency, and the postback's amounts were fitted above:
			// this only guards the ledger against anything that slipped through.
			ledgerEntries = [];
			ledgerReason = unpayableReason(unpayable);
			ledgerCode = 'amount_precision';
		} else if (held) {
			ledgerEntries = [];
			ledgerReason =
				'Held for review: the postback carried no transaction id, and this funnel writes no commission for such conversions ("Without Transaction ID": hold). It is recorded and deduplicated; send it again with a transaction id to credit it.';
			ledgerCode = 'held_for_review';
		}
	}

	const reversalOf = isFinal(status) ? (originals && pickOriginal(originals) ? linkTo(pickOriginal(originals)!) : null) : undefined;
	const item: FunnelItem = {
		...baseItem(context, eventName),
		affiliateId: conversion.affiliateId ?? affiliateId ?? null,
		route: output,
		conversionId,
		...(click ? { click: conversionClick(click) } : {}),
		attribution,
		dedup,
		...(ruled ? { commission: ruled.commission } : {}),
		ledger: ledgerEntries.length
			? { affiliateId, entries: toLines(ledgerEntries), ...(ruled ? { ruleIndex: ruled.ruleIndex } : {}) }
			: { entries: [], reason: ledgerReason, ...(ledgerCode ? { code: ledgerCode } : {}) },
		...(reversalOf !== undefined ? { reversalOf } : {}),
		...(sequence !== undefined ? { sequence } : {}),
	};

	const record: StoredConversion = {
		id: conversionId,
		network: conversion.network,
		...(transactionId ? { transactionId } : {}),
		eventName,
		...(click?.clickId || conversion.clickId ? { clickId: click?.clickId ?? conversion.clickId! } : {}),
		...(affiliateId ? { affiliateId } : {}),
		status,
		...(item.amount !== null ? { amount: item.amount } : {}),
		...(item.commission !== null ? { commission: item.commission } : {}),
		currency: conversion.currency,
		occurredAt: conversion.occurredAt,
		recordedAt,
		attribution: attribution.method,
		payload: item,
	};
	if (!(await store.saveConversion(record))) {
		// Another execution saved this conversion since our claims: ours is an update of it (or, in the same
		// status, the same postback, whose execution stopped before completing: statusUpdate finishes it).
		const saved = await store.getConversion(conversionId);
		if (saved) return await statusUpdate(context, saved);
	}
	for (const entry of ledgerEntries) await store.addLedgerEntry(entry);
	await linkLifetime(context, affiliateId, attribution.method, click?.clickId);
	return { output, item };
}

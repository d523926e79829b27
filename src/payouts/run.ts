/**
 * Paying affiliates from the ledger, never twice. The order of writes is what makes it safe:
 *
 *   1. reserve  — the store holds the due ledger lines for one payout item (deterministic id) in one
 *                 transaction; a second worker reserving the same lines gets 'exists' or 'entries_taken';
 *   2. submitted — marked just before the provider is called;
 *   3. the call — PayPal's sender_batch_id / PayPal-Request-Id and Stripe's Idempotency-Key are the batch and
 *                 item ids, so calling again with the same batch can pay nobody twice;
 *   4. the answer — paid / failed (the lines are released and can be paid by a new item) / unknown.
 *
 * A run that died anywhere after 1 leaves items 'reserved', 'submitted' or 'unknown': the next run resolves
 * them first, by looking the batch up at the provider (and, where the provider never saw it, submitting the
 * same batch again), before it pays anything new.
 *
 * Nothing here imports n8n: the node passes the store, the provider configuration and the HTTP `send` in.
 */
import { createHash } from 'node:crypto';
import type { LedgerLine, PayoutItemRecord, PayoutItemState, TrackingStore } from '../store/types';
import { type DuePayout, type PayoutLedgerLine, type PayoutPlan, type PayoutRules, calculatePayoutPlan } from './due';
import { PAYOUT_PROVIDERS, cancelPayPalItem } from './providers';
import {
	type ItemOutcome,
	type PayoutBatch,
	type PayoutDeps,
	type PayoutLine,
	PayoutOutcomeUnknown,
	type PayoutProvider,
	type PayoutProviderConfigs,
	type PayoutProviderId,
	PayoutRequestRejected,
} from './providers/types';
import { buildStatement, type Statement } from './statement';
import { carriedReasonText, invalidLineReports } from './invalid-lines';

/** A ledger line as payouts read it, with the store line it came from. */
export type PayoutInputLine = PayoutLedgerLine & { line: LedgerLine };

export interface PayoutContext<P extends PayoutProviderId = PayoutProviderId> {
	store: TrackingStore;
	provider: P;
	config: PayoutProviderConfigs[P];
	deps: PayoutDeps;
}

/** Who receives an affiliate's money: a PayPal email / phone / payer id, or a Stripe connected account. */
export interface PayoutReceiver {
	receiver: string;
	receiverType?: PayoutLine['receiverType'];
}

export interface PayOptions {
	rules: PayoutRules;
	asOf: Date;
	/** The receiver of each affiliate; an affiliate without one is reported, not paid (its lines stay open). */
	receivers: ReadonlyMap<string, PayoutReceiver>;
	/** Only these affiliates / currencies (all when absent). */
	affiliateIds?: readonly string[];
	currencies?: readonly string[];
	/** Items in flight (reserved / submitted) for less than this are another run's business, not resumed (default 10 minutes). */
	resumeAfterMs?: number;
	note?: string;
	emailSubject?: string;
	emailMessage?: string;
	/** Compute and report only: nothing is reserved or sent. */
	dryRun?: boolean;
	/** How long this run holds the provider's run lock at most (default 15 minutes; freed as soon as the run ends). */
	runLeaseMs?: number;
}

/** What happened to one affiliate's balance in one currency in this run. */
export interface PayoutReport {
	affiliateId: string;
	currency: string;
	amount: string;
	period: string;
	/**
	 * paid / submitted (accepted, not final yet) / failed / unknown (the answer was lost: resolved by the next run
	 * or Sync) / already_in_flight (another run holds these lines) / no_receiver / carried (below the minimum or
	 * a negative balance: carried into the next period) / would_pay (dry run).
	 */
	outcome: 'paid' | 'submitted' | 'failed' | 'unknown' | 'unclaimed' | 'returned' | 'already_in_flight' | 'no_receiver' | 'carried' | 'would_pay' | 'invalid_line';
	itemId?: string;
	batchId?: string;
	provider?: PayoutProviderId;
	providerBatchId?: string;
	providerItemId?: string;
	/** For failures and carried balances: why, in words an affiliate manager can act on. */
	reason?: string;
	code?: string;
	/** Whether this item was left over from an earlier run and resolved now. */
	resumed?: boolean;
	entryIds: string[];
}

export interface PayoutRunResult {
	plan: PayoutPlan<PayoutInputLine>;
	reports: PayoutReport[];
}

const LIVE_STATES: PayoutItemState[] = ['reserved', 'submitted', 'unknown'];
const DEFAULT_RESUME_AFTER_MS = 10 * 60_000;
/** How long a payout run holds the provider's run lock unless it finishes first (then it frees it at once). */
const DEFAULT_RUN_LEASE_MS = 15 * 60_000;

function shortHash(text: string, length: number): string {
	return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The payout item id for one affiliate's balance: derived from provider, period, affiliate, currency and the
 * attempt (how many items that key had before), so the same run computed twice gets the same id, and a
 * balance re-paid after a failure gets a new one. 'YYYY-MM-' + 40 hex: within PayPal's 63 characters.
 */
export function payoutItemIdFor(provider: string, period: string, affiliateId: string, currency: string, attempt: number): string {
	return `${period}-${shortHash(`${provider}\u0000${period}\u0000${affiliateId}\u0000${currency.toUpperCase()}\u0000${attempt}`, 40)}`;
}

/** The batch id (PayPal sender_batch_id, Stripe transfer_group) of a set of items: deterministic, ≤ 64 characters. */
export function payoutBatchIdFor(provider: string, period: string, itemIds: readonly string[]): string {
	return `${provider}-${period}-${shortHash([...itemIds].sort().join('\n'), 40)}`;
}

function asPayoutLine(line: LedgerLine): PayoutInputLine {
	return {
		id: line.id,
		affiliateId: line.affiliateId,
		currency: line.currency,
		amount: line.amount,
		status: line.status,
		occurredAt: line.occurredAt,
		recordedAt: line.recordedAt,
		paid: line.settlement === 'paid',
		inFlight: line.settlement === 'locked',
		kind: line.kind,
		...(line.conversionId ? { conversionId: line.conversionId } : {}),
		...(line.transactionId ? { transactionId: line.transactionId } : {}),
		...(line.network ? { network: line.network } : {}),
		line,
	};
}

/** Ledger lines of the selected affiliates and currencies, read for payouts. */
async function readLines(store: TrackingStore, affiliateIds?: readonly string[], currencies?: readonly string[]): Promise<PayoutInputLine[]> {
	const wantedAffiliates = affiliateIds?.length ? new Set(affiliateIds) : undefined;
	const wantedCurrencies = currencies?.length ? new Set(currencies.map((code) => code.toUpperCase())) : undefined;
	const lines = await store.listLedger();
	return lines
		.filter((line) => (!wantedAffiliates || wantedAffiliates.has(line.affiliateId)) && (!wantedCurrencies || wantedCurrencies.has(line.currency.toUpperCase())))
		.map(asPayoutLine);
}

/** What is due at `asOf` (and what is carried, waiting or excluded, with reasons), from the store's ledger. */
export async function planPayouts(
	store: TrackingStore,
	rules: PayoutRules,
	asOf: Date,
	filter: { affiliateIds?: readonly string[]; currencies?: readonly string[] } = {},
): Promise<PayoutPlan<PayoutInputLine>> {
	return calculatePayoutPlan(await readLines(store, filter.affiliateIds, filter.currencies), rules, asOf);
}

function providerOf<P extends PayoutProviderId>(id: P): PayoutProvider<PayoutProviderConfigs[P]> {
	const provider = PAYOUT_PROVIDERS[id] as PayoutProvider<PayoutProviderConfigs[P]> | undefined;
	if (!provider) throw new Error(`Unknown payout provider "${String(id)}". Known: ${Object.keys(PAYOUT_PROVIDERS).join(', ')}`);
	return provider;
}

function batchOf(batchId: string, period: string, items: PayoutItemRecord[], options: Pick<PayOptions, 'note' | 'emailSubject' | 'emailMessage'> = {}, receiverTypes?: ReadonlyMap<string, PayoutReceiver>): PayoutBatch {
	return {
		batchId,
		period,
		lines: items.map((item) => ({
			itemId: item.id,
			affiliateId: item.affiliateId,
			receiver: item.receiver,
			...(receiverTypes?.get(item.affiliateId)?.receiverType ? { receiverType: receiverTypes.get(item.affiliateId)!.receiverType } : {}),
			currency: item.currency,
			amount: item.amount,
			...(options.note ? { note: options.note } : {}),
		})),
		...(options.emailSubject ? { emailSubject: options.emailSubject } : {}),
		...(options.emailMessage ? { emailMessage: options.emailMessage } : {}),
	};
}

/** The store state an item takes for a provider's answer about it. */
function stateFor(outcome: ItemOutcome): PayoutItemState {
	switch (outcome.state) {
		case 'paid':
			return 'paid';
		case 'pending':
			return 'submitted';
		case 'failed':
			return 'failed';
		case 'unclaimed':
			return 'unclaimed';
		case 'returned':
			return 'returned';
		default:
			return 'unknown';
	}
}

/** Which states an item may be moved from to take the provider's answer (never backwards from a final state). */
const MOVABLE_FROM: Record<PayoutItemState, PayoutItemState[]> = {
	reserved: [],
	submitted: ['reserved', 'submitted', 'unknown'],
	unknown: ['reserved', 'submitted', 'unknown'],
	paid: ['reserved', 'submitted', 'unknown', 'unclaimed', 'paid'],
	failed: ['reserved', 'submitted', 'unknown', 'unclaimed'],
	unclaimed: ['reserved', 'submitted', 'unknown', 'unclaimed'],
	returned: ['reserved', 'submitted', 'unknown', 'unclaimed', 'paid'],
};

/**
 * Records one provider answer on the item (compare-and-set, so a stale answer never overwrites a newer one).
 * Unclaimed money (PayPal) reopens the lines: the issue's rule. PayPal returns unclaimed money after 30 days.
 */
async function applyOutcome(store: TrackingStore, item: PayoutItemRecord, outcome: ItemOutcome, providerBatchId: string | undefined): Promise<PayoutItemState> {
	const state = stateFor(outcome);
	if (state === item.state && state !== 'unknown' && !outcome.providerItemId) return state;
	const changed = await store.updatePayoutItem(
		item.id,
		{
			state,
			...(providerBatchId ? { providerBatchId } : {}),
			...(outcome.providerItemId ? { providerItemId: outcome.providerItemId } : {}),
			...(outcome.reason || outcome.code ? { error: [outcome.code, outcome.reason].filter(Boolean).join(': ') } : {}),
			note: `provider: ${outcome.providerStatus ?? outcome.state}`,
			...(state === 'unclaimed' ? { reopen: true } : {}),
		},
		{ from: MOVABLE_FROM[state] },
	);
	if (changed) return state;
	return (await store.getPayoutItem(item.id))?.state ?? item.state;
}

function reportFor(item: PayoutItemRecord, state: PayoutItemState, outcome: Partial<ItemOutcome> & { providerBatchId?: string }, resumed: boolean): PayoutReport {
	const outcomeName: PayoutReport['outcome'] = state === 'reserved' ? 'submitted' : state;
	return {
		affiliateId: item.affiliateId,
		currency: item.currency,
		amount: item.amount,
		period: item.period,
		outcome: outcomeName,
		itemId: item.id,
		batchId: item.batchId,
		provider: item.provider as PayoutProviderId,
		...(outcome.providerBatchId ?? item.providerBatchId ? { providerBatchId: outcome.providerBatchId ?? item.providerBatchId } : {}),
		...(outcome.providerItemId ?? item.providerItemId ? { providerItemId: outcome.providerItemId ?? item.providerItemId } : {}),
		...(outcome.reason ? { reason: outcome.reason } : {}),
		...(outcome.code ? { code: outcome.code } : {}),
		resumed,
		entryIds: item.entryIds,
	};
}

/**
 * Sends one batch of reserved or resumed items and records every answer. A refusal (a 4xx that is not about
 * a repeat) fails the items and releases their lines; an unknown outcome leaves them 'unknown' for the next
 * run; anything else is recorded as the provider says.
 */
async function sendBatch<P extends PayoutProviderId>(context: PayoutContext<P>, batch: PayoutBatch, items: PayoutItemRecord[], resumed: boolean): Promise<PayoutReport[]> {
	const { store, deps } = context;
	const provider = providerOf(context.provider);
	for (const item of items) {
		if (item.state === 'reserved') await store.updatePayoutItem(item.id, { state: 'submitted', note: resumed ? 'submitted again by a later run' : 'sent to the provider' }, { from: ['reserved'] });
	}
	const current = async () => Promise.all(items.map(async (item) => (await store.getPayoutItem(item.id)) ?? item));
	try {
		// A resumed batch is looked up first: the provider may have it already (the answer was lost).
		if (resumed) {
			const known = items.find((item) => item.providerBatchId)?.providerBatchId;
			const lookup = await provider.lookup(context.config, batch, deps, {
				...(known ? { providerBatchId: known } : {}),
				providerItemIds: Object.fromEntries(items.filter((item) => item.providerItemId).map((item) => [item.id, item.providerItemId!])),
			});
			const answered = lookup.found ? new Map(lookup.items.filter((outcome) => outcome.state !== 'unknown').map((outcome) => [outcome.itemId, outcome])) : new Map<string, ItemOutcome>();
			if (lookup.found && answered.size === items.length) {
				const reports: PayoutReport[] = [];
				for (const item of await current()) {
					const outcome = answered.get(item.id)!;
					reports.push(reportFor(item, await applyOutcome(store, item, outcome, lookup.providerBatchId), { ...outcome, providerBatchId: lookup.providerBatchId }, true));
				}
				return reports;
			}
		}
		const result = await provider.submit(context.config, batch, deps);
		const answers = new Map(result.items.map((outcome) => [outcome.itemId, outcome]));
		const reports: PayoutReport[] = [];
		for (const item of await current()) {
			const outcome = answers.get(item.id) ?? { itemId: item.id, state: 'unknown' as const, reason: 'The provider did not answer for this item; the next run or Sync looks it up.' };
			reports.push(reportFor(item, await applyOutcome(store, item, outcome, result.providerBatchId), { ...outcome, ...(result.providerBatchId ? { providerBatchId: result.providerBatchId } : {}) }, resumed));
		}
		return reports;
	} catch (error) {
		const reports: PayoutReport[] = [];
		if (error instanceof PayoutRequestRejected) {
			for (const item of await current()) {
				const outcome: ItemOutcome = { itemId: item.id, state: 'failed', reason: error.message, code: error.name };
				reports.push(reportFor(item, await applyOutcome(store, item, outcome, undefined), outcome, resumed));
			}
			return reports;
		}
		// Unknown outcome (timeout, network, retries exhausted) or anything unexpected: the provider may have
		// acted, so the lines stay held; the next run or Sync resolves them by looking the batch up.
		const reason =
			error instanceof PayoutOutcomeUnknown
				? `${error.message} The lines stay held; the next run or Sync looks the batch up instead of paying again.`
				: `Unexpected error while paying: ${(error as Error).message}. The lines stay held until the batch is looked up.`;
		for (const item of await current()) {
			const outcome: ItemOutcome = { itemId: item.id, state: 'unknown', reason, code: 'outcome_unknown' };
			reports.push(reportFor(item, await applyOutcome(store, item, outcome, undefined), outcome, resumed));
		}
		return reports;
	}
}

/** Items another run left in flight (reserved, submitted, unknown), grouped by batch: resolved before anything new is paid. */
async function resumeInFlight<P extends PayoutProviderId>(context: PayoutContext<P>, now: Date, resumeAfterMs: number, options: PayOptions): Promise<PayoutReport[]> {
	const items = await context.store.listPayoutItems({ provider: context.provider, state: LIVE_STATES });
	const stale = items.filter((item) => item.state === 'unknown' || now.getTime() - Date.parse(item.updatedAt) >= resumeAfterMs);
	const reports: PayoutReport[] = [];
	const byBatch = new Map<string, PayoutItemRecord[]>();
	for (const item of stale) byBatch.set(item.batchId, [...(byBatch.get(item.batchId) ?? []), item]);
	for (const [batchId, batchItems] of byBatch) {
		// The whole batch as it was first sent (PayPal replays a sender_batch_id only with the same items).
		const everyItem = (await context.store.listPayoutItems({ batchId })).filter((item) => item.provider === context.provider);
		const batch = batchOf(batchId, batchItems[0].period, everyItem, options, options.receivers);
		const resolved = await sendBatch(context, batch, everyItem, true);
		const wanted = new Set(batchItems.map((item) => item.id));
		reports.push(...resolved.filter((report) => report.itemId && wanted.has(report.itemId)));
	}
	return reports;
}

/**
 * Pays what is due at `asOf`: first resolves items earlier runs left in flight, then reserves and pays every
 * payable balance that has a receiver. Carried balances, affiliates without a receiver and balances another
 * run is paying are reported, not paid.
 */
export async function payDuePayouts<P extends PayoutProviderId>(context: PayoutContext<P>, options: PayOptions): Promise<PayoutRunResult> {
	if (options.dryRun) return await payDuePayoutsLocked(context, options);
	// One run per provider at a time, across every process on the store (queue mode: two workers, a schedule
	// and a manual run): a run's batch id is derived from the balances it plans, so two runs planning at once
	// would send different halves under one batch id, and the provider would keep only the first half. The
	// lock is a leased claim: a run that dies frees it when the lease runs out, and the next run resumes its items.
	const lockKey = { network: 'payout-run', transactionId: context.provider, eventName: 'pay' };
	const lock = await context.store.claimConversionDetailed(lockKey, { leaseMs: options.runLeaseMs ?? DEFAULT_RUN_LEASE_MS });
	if (lock.result !== 'first' || !lock.token) {
		const plan = await planPayouts(context.store, options.rules, options.asOf, { affiliateIds: options.affiliateIds, currencies: options.currencies });
		const reason = `Another ${context.provider} payout run is in progress${lock.claimedAt ? ` (since ${lock.claimedAt})` : ''}: this run paid nothing; run it again when that one has finished.`;
		return {
			plan,
			reports: plan.payable.map((due) => ({
				affiliateId: due.affiliateId,
				currency: due.currency,
				amount: due.amount,
				period: due.period,
				outcome: 'already_in_flight' as const,
				code: 'run_in_progress',
				reason,
				provider: context.provider,
				entryIds: due.entries.map((entry) => entry.id),
			})),
		};
	}
	try {
		return await payDuePayoutsLocked(context, options);
	} finally {
		await context.store.releaseClaim(lockKey, { token: lock.token }).catch(() => false);
	}
}

async function payDuePayoutsLocked<P extends PayoutProviderId>(context: PayoutContext<P>, options: PayOptions): Promise<PayoutRunResult> {
	// Item times are the database's clock, so their age is measured on the host's clock, not on `deps.now`
	// (which may be a business date being re-run).
	const reports: PayoutReport[] = options.dryRun ? [] : await resumeInFlight(context, new Date(), options.resumeAfterMs ?? DEFAULT_RESUME_AFTER_MS, options);
	const plan = await planPayouts(context.store, options.rules, options.asOf, { affiliateIds: options.affiliateIds, currencies: options.currencies });

	for (const carried of plan.carried) {
		reports.push({
			affiliateId: carried.affiliateId,
			currency: carried.currency,
			amount: carried.amount,
			period: plan.period,
			outcome: 'carried',
			code: carried.reason,
			reason: carriedReasonText(carried),
			entryIds: carried.entries.map((entry) => entry.id),
		});
	}
	// A line no plan can read never fails the run: reported with its id, everyone else paid.
	reports.push(...invalidLineReports(plan, options.rules.invalidLines));

	// Every payable balance with a receiver becomes a candidate item; the run's batch id is derived from all of
	// them, so a rerun that computes the same balances names the same batch.
	const candidates: Array<{ due: DuePayout<PayoutInputLine>; itemId: string; receiver: string; entryIds: string[] }> = [];
	for (const due of plan.payable) {
		const entryIds = due.entries.map((entry) => entry.id);
		const receiver = options.receivers.get(due.affiliateId);
		const base = { affiliateId: due.affiliateId, currency: due.currency, amount: due.amount, period: due.period, entryIds };
		if (!receiver || !receiver.receiver.trim()) {
			reports.push({ ...base, outcome: 'no_receiver', code: 'no_receiver', reason: `No ${context.provider === 'paypal' ? 'PayPal receiver (email, phone or payer id)' : 'Stripe connected account (acct_…)'} is set for affiliate "${due.affiliateId}": not paid, the balance stays open.` });
			continue;
		}
		if (options.dryRun) {
			reports.push({ ...base, outcome: 'would_pay', provider: context.provider });
			continue;
		}
		const earlier = await context.store.listPayoutItems({ provider: context.provider, period: due.period, affiliateId: due.affiliateId });
		const attempt = earlier.filter((item) => item.currency === due.currency).length;
		candidates.push({ due, itemId: payoutItemIdFor(context.provider, due.period, due.affiliateId, due.currency, attempt), receiver: receiver.receiver.trim(), entryIds });
	}
	if (candidates.length === 0) return { plan, reports };

	const batchId = payoutBatchIdFor(context.provider, plan.period, candidates.map((candidate) => candidate.itemId));
	const reserved: PayoutItemRecord[] = [];
	for (const { due, itemId, receiver, entryIds } of candidates) {
		const reservation = { id: itemId, batchId, provider: context.provider, period: due.period, affiliateId: due.affiliateId, currency: due.currency, amount: due.amount, receiver, entryIds };
		const outcome = await context.store.reservePayoutItem(reservation);
		const base = { affiliateId: due.affiliateId, currency: due.currency, amount: due.amount, period: due.period, entryIds, itemId, provider: context.provider };
		if (outcome.outcome === 'reserved') reserved.push((await context.store.getPayoutItem(itemId))!);
		else if (outcome.outcome === 'exists') {
			reports.push({ ...base, outcome: 'already_in_flight', code: 'exists', reason: `Payout item ${itemId} already exists (${outcome.existing.state}): another run is paying or has paid this balance.` });
		} else {
			reports.push({ ...base, outcome: 'already_in_flight', code: 'entries_taken', reason: `${outcome.entryIds.length} of these ledger lines are already being paid by another payout item.` });
		}
	}
	if (reserved.length > 0) reports.push(...(await sendBatch(context, batchOf(batchId, plan.period, reserved, options, options.receivers), reserved, false)));
	return { plan, reports };
}

/**
 * Sync status: asks the provider about every item that is not final yet (submitted, unknown, unclaimed) and,
 * within `paidSinceMs`, paid items too (PayPal can still return or reverse them), and records the answers:
 * failed, returned and unclaimed items release their lines, which a later run pays again.
 */
export async function syncPayouts<P extends PayoutProviderId>(
	context: PayoutContext<P>,
	options: { paidSinceMs?: number; receivers?: ReadonlyMap<string, PayoutReceiver> } = {},
): Promise<PayoutReport[]> {
	const now = new Date(); // item times are the database's clock
	const states: PayoutItemState[] = ['reserved', 'submitted', 'unknown', 'unclaimed', ...(options.paidSinceMs ? (['paid'] as const) : [])];
	const items = (await context.store.listPayoutItems({ provider: context.provider, state: states })).filter(
		(item) => item.state !== 'paid' || now.getTime() - Date.parse(item.updatedAt) <= (options.paidSinceMs ?? 0),
	);
	const provider = providerOf(context.provider);
	const reports: PayoutReport[] = [];
	const byBatch = new Map<string, PayoutItemRecord[]>();
	for (const item of items) byBatch.set(item.batchId, [...(byBatch.get(item.batchId) ?? []), item]);
	for (const [batchId, batchItems] of byBatch) {
		const everyItem = (await context.store.listPayoutItems({ batchId })).filter((item) => item.provider === context.provider);
		const batch = batchOf(batchId, batchItems[0].period, everyItem, {}, options.receivers);
		const known = everyItem.find((item) => item.providerBatchId)?.providerBatchId;
		let lookup;
		try {
			lookup = await provider.lookup(context.config, batch, context.deps, {
				...(known ? { providerBatchId: known } : {}),
				providerItemIds: Object.fromEntries(everyItem.filter((item) => item.providerItemId).map((item) => [item.id, item.providerItemId!])),
			});
		} catch (error) {
			for (const item of batchItems) reports.push(reportFor(item, item.state, { reason: `Lookup failed: ${(error as Error).message}`, code: 'lookup_failed' }, false));
			continue;
		}
		const answers = new Map(lookup.items.map((outcome) => [outcome.itemId, outcome]));
		for (const item of batchItems) {
			const outcome = answers.get(item.id);
			if (!lookup.found || !outcome) {
				// The provider never saw the batch: an item reserved but never sent is still ours to send (Pay resumes it).
				reports.push(reportFor(item, item.state, { reason: 'The provider has no record of this item yet; the next Pay run sends it again.', code: 'not_found' }, false));
				continue;
			}
			if (outcome.state === 'unknown') {
				reports.push(reportFor(item, item.state, outcome, false));
				continue;
			}
			if (outcome.state === 'unclaimed' && context.provider === 'paypal' && outcome.providerItemId) {
				// Reopening unclaimed money while the receiver can still claim it would pay those commissions twice:
				// the item is cancelled first (PayPal returns the money), and only a confirmed cancel reopens the lines.
				reports.push(await cancelUnclaimed(context as PayoutContext<'paypal'>, item, outcome, lookup.providerBatchId));
				continue;
			}
			reports.push(reportFor(item, await applyOutcome(context.store, item, outcome, lookup.providerBatchId), { ...outcome, providerBatchId: lookup.providerBatchId }, false));
		}
	}
	return reports;
}

async function cancelUnclaimed(context: PayoutContext<'paypal'>, item: PayoutItemRecord, outcome: ItemOutcome, providerBatchId: string | undefined): Promise<PayoutReport> {
	try {
		const cancelled = await cancelPayPalItem(context.config, context.deps, outcome.providerItemId!);
		const returned: ItemOutcome = { ...cancelled, itemId: item.id, state: cancelled.state === 'returned' ? 'returned' : cancelled.state, reason: 'Unclaimed: cancelled at PayPal, the money returned; the commissions are open again.' };
		return reportFor(item, await applyOutcome(context.store, item, returned, providerBatchId), { ...returned, providerBatchId }, false);
	} catch (error) {
		// Not cancelled: the receiver can still claim it, so the lines stay held (unclaimed, not reopened).
		const held: ItemOutcome = { ...outcome, reason: `Unclaimed; cancelling it failed (${(error as Error).message}), so its commissions stay held.` };
		const changed = await context.store.updatePayoutItem(item.id, { state: 'unclaimed', error: held.reason, note: 'unclaimed, cancel failed' }, { from: MOVABLE_FROM.unclaimed });
		return reportFor(item, changed ? 'unclaimed' : item.state, held, false);
	}
}

/** The statement behind one affiliate's balance for a period: every ledger line, the opening balance, what was paid. */
export async function statementFor(store: TrackingStore, input: { affiliateId: string; currency: string; period: string }): Promise<Statement & { payoutState?: PayoutItemState }> {
	const lines = (await store.listLedger({ affiliateId: input.affiliateId, currency: input.currency.toUpperCase() })).map(asPayoutLine);
	// The payout behind the statement: the paid one, else one still on its way (submitted, or its answer not in
	// yet), so a statement built right after Pay already explains the amount sent.
	const items = (await store.listPayoutItems({ affiliateId: input.affiliateId, period: input.period })).filter((item) => item.currency === input.currency.toUpperCase());
	const paid = items.find((item) => item.state === 'paid') ?? [...items].reverse().find((item) => item.state === 'submitted' || item.state === 'unknown' || item.state === 'reserved');
	const statement = buildStatement({
		affiliateId: input.affiliateId,
		currency: input.currency.toUpperCase(),
		period: input.period,
		entries: lines,
		...(paid ? { payout: { affiliateId: paid.affiliateId, currency: paid.currency, amount: paid.amount, period: paid.period, payDate: paid.updatedAt.slice(0, 10), entries: lines.filter((line) => paid.entryIds.includes(line.id)) } } : {}),
	});
	// 'paid', or where the payment still is ('submitted': PayPal has not confirmed it yet).
	return paid ? { ...statement, payoutState: paid.state } : statement;
}

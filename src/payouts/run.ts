/**
 * Paying affiliates from the ledger, never twice. The order of writes is what makes it safe:
 *
 *   0. the run lock — one Pay run per provider at a time: a named lease ('payout-run', provider), renewed before
 *                 every provider call and on a timer; a run that cannot renew it was overtaken and stops before
 *                 its next provider call;
 *   1. reserve  — the store holds the due ledger lines for one payout item (deterministic id) in one
 *                 transaction; a second worker reserving the same lines gets 'exists' or 'entries_taken';
 *   2. submitted — marked (compare-and-set from 'reserved') just before the provider is called: from here on a
 *                 provider call may have happened;
 *   3. the call — PayPal's sender_batch_id / PayPal-Request-Id and Stripe's Idempotency-Key are the batch and
 *                 item ids, so calling again with the same batch can pay nobody twice;
 *   4. the answer — paid / failed (the lines are released and can be paid by a new item) / unknown.
 *
 * An item whose call may have happened is never failed or reopened on silence (a lookup that finds nothing, a
 * timeout): only the provider's own answer about those ids releases its lines — a refusal that covers every call
 * made with them, a failed, returned or reversed payment, or a confirmed cancel of unclaimed PayPal money.
 * A run that died anywhere after 1 leaves items 'reserved', 'submitted' or 'unknown': the next run resolves
 * them first, by asking the provider (PayPal: the same batch again, which PayPal answers with the original;
 * Stripe: the transfer group, then the same Idempotency-Key for a line without a transfer), before it pays
 * anything new. Sync Status only reads and records; it never sends a batch or a transfer.
 *
 * Nothing here imports n8n: the node passes the store, the provider configuration and the HTTP `send` in.
 */
import { createHash } from 'node:crypto';
import type { LedgerLine, LedgerStore, LeaseStore, PayoutItemRecord, PayoutItemState, PayoutStore } from '../store/types';
import { PAYOUT_RUN_LEASE_NAMESPACE } from '../model/leases';
import { type DuePayout, type PayoutLedgerLine, type PayoutPlan, type PayoutRules, calculatePayoutPlan } from './due';
import { PAYOUT_PROVIDERS, cancelPayPalItem, readPayPalItemById } from './providers';
import {
	type ItemOutcome,
	PayoutBatchInvalid,
	type PayoutBatch,
	type PayoutDeps,
	type PayoutLine,
	PayoutOutcomeUnknown,
	type PayoutProvider,
	type PayoutProviderConfigs,
	type PayoutProviderId,
	PayoutRequestRejected,
	PayoutRunStopped,
} from './providers/types';
import { buildStatement, type Statement } from './statement';
import { carriedReasonText, invalidLineReports } from './invalid-lines';

/** A ledger line as payouts read it, with the store line it came from. */
export type PayoutInputLine = PayoutLedgerLine & { line: LedgerLine };

/** The store roles a pay run uses: the ledger it pays from, the payout items, and the run lock (a lease). */
export type PayoutRunStore = LedgerStore & PayoutStore & LeaseStore;

export interface PayoutContext<P extends PayoutProviderId = PayoutProviderId> {
	store: PayoutRunStore;
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
	/**
	 * The lease of the provider's run lock (default 15 minutes): renewed before every provider call and every
	 * `runLeaseRenewMs`, freed as soon as the run ends. A run that could not renew it stops before its next call.
	 */
	runLeaseMs?: number;
	/** How often the lease is renewed while the run waits on a call (default a third of runLeaseMs; 0: only before each call). */
	runLeaseRenewMs?: number;
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
	outcome:
		| 'paid'
		| 'submitted'
		| 'failed'
		| 'unknown'
		| 'unclaimed'
		| 'returned'
		| 'already_in_flight'
		| 'no_receiver'
		| 'carried'
		| 'would_pay'
		| 'invalid_line';
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
async function readLines(store: LedgerStore, affiliateIds?: readonly string[], currencies?: readonly string[]): Promise<PayoutInputLine[]> {
	const wantedAffiliates = affiliateIds?.length ? new Set(affiliateIds) : undefined;
	const wantedCurrencies = currencies?.length ? new Set(currencies.map((code) => code.toUpperCase())) : undefined;
	const lines = await store.listLedger();
	return lines
		.filter((line) => (!wantedAffiliates || wantedAffiliates.has(line.affiliateId)) && (!wantedCurrencies || wantedCurrencies.has(line.currency.toUpperCase())))
		.map(asPayoutLine);
}

/** What is due at `asOf` (and what is carried, waiting or excluded, with reasons), from the store's ledger. */
export async function planPayouts(
	store: LedgerStore,
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

function batchOf(
	batchId: string,
	period: string,
	items: PayoutItemRecord[],
	options: Pick<PayOptions, 'note' | 'emailSubject' | 'emailMessage'> = {},
	receiverTypes?: ReadonlyMap<string, PayoutReceiver>,
): PayoutBatch {
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

/**
 * Which states an item may be moved from to take the provider's answer (never backwards from a final state).
 * 'paid' is taken from 'failed' too: failures are only recorded from the provider's own answer about the item,
 * so a later 'paid' is the provider correcting itself, and the truth is recorded (the store names any line that
 * was paid again meanwhile). A stale answer never turns 'returned' money back into 'paid'.
 */
const MOVABLE_FROM: Record<PayoutItemState, PayoutItemState[]> = {
	reserved: [],
	submitted: ['reserved', 'submitted', 'unknown'],
	unknown: ['reserved', 'submitted', 'unknown'],
	paid: ['reserved', 'submitted', 'unknown', 'unclaimed', 'paid', 'failed'],
	failed: ['reserved', 'submitted', 'unknown', 'unclaimed'],
	unclaimed: ['reserved', 'submitted', 'unknown', 'unclaimed'],
	returned: ['reserved', 'submitted', 'unknown', 'unclaimed', 'paid'],
};

/**
 * Records one provider answer on the item (compare-and-set, so a stale answer never overwrites a newer one).
 * 'unclaimed' always holds the lines: the receiver can still claim the money, so only a confirmed cancel
 * (recorded as 'returned') releases them (cancelUnclaimed).
 */
async function applyOutcome(store: PayoutStore, item: PayoutItemRecord, outcome: ItemOutcome, providerBatchId: string | undefined): Promise<PayoutItemState> {
	const state = stateFor(outcome);
	// Nothing new to record: the same state and no provider id the item lacks (PayPal's batch id must be kept: it
	// is what later reads use, so that nothing has to be sent again to find the batch).
	const newIds = (providerBatchId && providerBatchId !== item.providerBatchId) || (outcome.providerItemId && outcome.providerItemId !== item.providerItemId);
	if (state === item.state && state !== 'unknown' && !newIds) return state;
	const changed = await store.updatePayoutItem(
		item.id,
		{
			state,
			...(providerBatchId ? { providerBatchId } : {}),
			...(outcome.providerItemId ? { providerItemId: outcome.providerItemId } : {}),
			...(outcome.reason || outcome.code ? { error: [outcome.code, outcome.reason].filter(Boolean).join(': ') } : {}),
			note: `provider: ${outcome.providerStatus ?? outcome.state}`,
		},
		{ from: MOVABLE_FROM[state] },
	);
	if (changed) return state;
	return (await store.getPayoutItem(item.id))?.state ?? item.state;
}

function reportFor(
	item: PayoutItemRecord,
	state: PayoutItemState,
	outcome: Partial<ItemOutcome> & { providerBatchId?: string },
	resumed: boolean,
): PayoutReport {
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
		...((outcome.providerBatchId ?? item.providerBatchId) ? { providerBatchId: outcome.providerBatchId ?? item.providerBatchId } : {}),
		...((outcome.providerItemId ?? item.providerItemId) ? { providerItemId: outcome.providerItemId ?? item.providerItemId } : {}),
		...(outcome.reason ? { reason: outcome.reason } : {}),
		...(outcome.code ? { code: outcome.code } : {}),
		resumed,
		entryIds: item.entryIds,
	};
}

/**
 * Records what the provider said about one item, the one way for Pay and Sync alike: paid, pending (held),
 * failed and returned as said; unclaimed PayPal money is cancelled and the cancel confirmed before its lines
 * are released. A lookup that says nothing ('unknown': not found, in flight) changes nothing; a call of ours
 * whose answer was lost (`recordUnknown`) marks the item 'unknown', still holding its lines, for the next run.
 */
async function recordAnswer<P extends PayoutProviderId>(
	context: PayoutContext<P>,
	item: PayoutItemRecord,
	outcome: ItemOutcome,
	providerBatchId: string | undefined,
	resumed: boolean,
	recordUnknown = false,
): Promise<PayoutReport> {
	if (outcome.state === 'unknown' && !recordUnknown) return reportFor(item, item.state, { ...outcome, providerBatchId }, resumed);
	if (outcome.state === 'unclaimed' && context.provider === 'paypal' && outcome.providerItemId) {
		return await cancelUnclaimed(context as unknown as PayoutContext<'paypal'>, item, outcome, providerBatchId, resumed);
	}
	return reportFor(item, await applyOutcome(context.store, item, outcome, providerBatchId), { ...outcome, providerBatchId }, resumed);
}

/** The run lock of one provider's Pay runs: a named lease, renewed while the run works (namespace in the model). */
export { PAYOUT_RUN_LEASE_NAMESPACE };

/**
 * The lease a Pay run holds. It is renewed before every provider call (and on a timer, so one slow call does not
 * outlive it); once a renewal fails the run has been overtaken (its lease ran out and another run took it), so it
 * stops before its next provider call. What it has in flight stays for the next run to resolve by asking the
 * provider (same ids), never by reopening.
 */
class PayoutRunLease {
	private lost = false;
	private timer: ReturnType<typeof setInterval> | undefined;

	constructor(
		private readonly store: LeaseStore,
		private readonly key: string,
		private readonly token: string,
		private readonly ttlMs: number,
		renewEveryMs: number,
	) {
		if (renewEveryMs > 0) {
			this.timer = setInterval(() => void this.renew(), renewEveryMs);
			this.timer.unref?.();
		}
	}

	get isLost(): boolean {
		return this.lost;
	}

	/** Extends the lease; false (for good) once it is no longer this run's, or the store cannot say so. */
	async renew(): Promise<boolean> {
		if (this.lost) return false;
		const renewed = await this.store.renewLease(PAYOUT_RUN_LEASE_NAMESPACE, this.key, this.token, this.ttlMs).catch(() => ({ renewed: false as const }));
		if (!renewed.renewed) this.lost = true;
		return !this.lost;
	}

	/** Throws PayoutRunStopped unless the lease is still this run's (renewing it). */
	async ensure(): Promise<void> {
		if (!(await this.renew())) {
			throw new PayoutRunStopped(
				`This ${this.key} payout run lost its run lock (it was held past its lease and another run took it over): it stopped before its next call to ${this.key}. What it had in flight is resolved by the next run, by asking ${this.key} with the same ids.`,
			);
		}
	}

	async release(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		if (!this.lost) await this.store.releaseLease(PAYOUT_RUN_LEASE_NAMESPACE, this.key, this.token).catch(() => false);
	}
}

/** The context with every provider call guarded by the lease: renewed first, refused once lost. */
function guardedContext<P extends PayoutProviderId>(context: PayoutContext<P>, lease: PayoutRunLease): PayoutContext<P> {
	const send = context.deps.send;
	return {
		...context,
		deps: {
			...context.deps,
			send: async (request) => {
				await lease.ensure();
				return await send(request);
			},
		},
	};
}

/** A rejection that says nothing was paid by any call with these ids, ever, when the batch was never sent before. */
function rejectionIsAboutThisCallOnly(error: PayoutRequestRejected): boolean {
	return error.status === 401 || error.status === 403 || error.status === 429 || error.errorName === 'idempotency_error';
}

/**
 * Sends one batch of reserved or resumed items and records every answer.
 *
 * An item whose provider call may have happened before (any state but 'reserved') is first asked about: PayPal by
 * its sender_batch_id (re-sending the same batch, which PayPal answers with the original), Stripe by its transfer
 * group; a Stripe line without a transfer is sent again under the same Idempotency-Key. Nothing is ever failed
 * or reopened on a lookup's silence. A refusal fails items only when it can speak for every call ever made with
 * their ids; otherwise they stay held ('unknown') for the next run.
 */
async function sendBatch<P extends PayoutProviderId>(
	context: PayoutContext<P>,
	batch: PayoutBatch,
	items: PayoutItemRecord[],
	resumed: boolean,
): Promise<PayoutReport[]> {
	// Every provider call below goes through context.deps.send, which the run's lease guards (guardedContext).
	const { store, deps } = context;
	const provider = providerOf(context.provider);
	// Sent before (or possibly sent): an earlier call with these ids may have paid.
	const sentBefore = items.some((item) => item.state !== 'reserved');
	for (const item of items) {
		if (item.state !== 'reserved') continue;
		const mine = await store.updatePayoutItem(
			item.id,
			{ state: 'submitted', note: resumed ? 'submitted again by a later run' : 'sent to the provider' },
			{ from: ['reserved'] },
		);
		if (!mine) {
			// Another run moved it first (it holds the lock now): that run sends this batch, this one must not.
			return items.map((other) => ({
				...reportFor(
					other,
					other.state,
					{ code: 'taken_by_another_run', reason: 'Another payout run is sending this batch now: this run sent nothing for it.' },
					resumed,
				),
				outcome: 'already_in_flight' as const,
			}));
		}
	}
	const current = async () => Promise.all(items.map(async (item) => (await store.getPayoutItem(item.id)) ?? item));
	const recorded = new Set<string>();
	const reports: PayoutReport[] = [];
	const record = async (outcomes: ItemOutcome[], providerBatchId: string | undefined) => {
		const byId = new Map(outcomes.map((outcome) => [outcome.itemId, outcome]));
		for (const item of await current()) {
			const outcome = byId.get(item.id);
			if (!outcome || recorded.has(item.id)) continue;
			recorded.add(item.id);
			reports.push(await recordAnswer(context, item, outcome, providerBatchId, resumed, true));
		}
	};
	const rest = async (outcome: (item: PayoutItemRecord) => ItemOutcome, providerBatchId?: string) => {
		await record((await current()).filter((item) => !recorded.has(item.id)).map(outcome), providerBatchId);
	};
	try {
		let toSend = batch;
		if (sentBefore) {
			const known = items.find((item) => item.providerBatchId)?.providerBatchId;
			const lookup = await provider.lookup(context.config, batch, deps, {
				...(known ? { providerBatchId: known } : {}),
				providerItemIds: Object.fromEntries(items.filter((item) => item.providerItemId).map((item) => [item.id, item.providerItemId!])),
			});
			const answered = lookup.items.filter((outcome) => outcome.state !== 'unknown');
			await record(answered, lookup.providerBatchId);
			// PayPal has the batch (it never pays a sender_batch_id twice): what it said is all there is to record.
			if (context.provider === 'paypal') {
				await rest(
					(item) => ({
						itemId: item.id,
						state: 'unknown',
						code: 'not_in_batch',
						reason: 'PayPal did not report this item yet; the next run or Sync reads the batch again.',
					}),
					lookup.providerBatchId,
				);
				return reports;
			}
			// Stripe: the lines without a transfer go again under their own Idempotency-Keys (replayed, 409 while in
			// flight, or paid once).
			const open = new Set(items.filter((item) => !recorded.has(item.id)).map((item) => item.id));
			if (open.size === 0) return reports;
			toSend = { ...batch, lines: batch.lines.filter((line) => open.has(line.itemId)) };
		}
		const result = await provider.submit(context.config, toSend, deps, { resumed: sentBefore });
		await record(result.items, result.providerBatchId);
		await rest(
			(item) => ({ itemId: item.id, state: 'unknown', reason: 'The provider did not answer for this item; the next run or Sync looks it up.' }),
			result.providerBatchId,
		);
		return reports;
	} catch (error) {
		if (error instanceof PayoutRunStopped) {
			await record(error.partial ?? [], undefined);
			for (const item of await current()) {
				if (recorded.has(item.id)) continue;
				reports.push(reportFor(item, item.state, { code: 'run_lock_lost', reason: error.message }, resumed));
			}
			return reports;
		}
		if (error instanceof PayoutRequestRejected) {
			await record(error.partial ?? [], undefined);
			// A refusal speaks for every call with these ids only when no earlier call was made (the item was
			// 'reserved' until this run) or when it refuses the request itself whatever came before (a body PayPal
			// or Stripe will never accept). An auth or idempotency refusal of a repeat says nothing about the first call.
			const definitive = !sentBefore || !rejectionIsAboutThisCallOnly(error);
			await rest((item) =>
				definitive
					? { itemId: item.id, state: 'failed', reason: error.message, code: error.name }
					: {
							itemId: item.id,
							state: 'unknown',
							code: 'outcome_unknown',
							reason: `${error.message} An earlier call with the same ids may have paid: the lines stay held until the provider is asked again.`,
						},
			);
			return reports;
		}
		if (error instanceof PayoutBatchInvalid && !sentBefore) {
			// Refused before anything was ever sent for these items: nothing was paid.
			await rest((item) => ({ itemId: item.id, state: 'failed', reason: error.message, code: error.name }));
			return reports;
		}
		// Unknown outcome (timeout, network, retries exhausted) or anything unexpected: the provider may have
		// acted, so the lines stay held; the next run or Sync resolves them by asking the provider.
		const reason =
			error instanceof PayoutOutcomeUnknown
				? `${error.message} The lines stay held; the next run or Sync looks the batch up instead of paying again.`
				: `Unexpected error while paying: ${(error as Error).message}. The lines stay held until the batch is looked up.`;
		await rest((item) => ({ itemId: item.id, state: 'unknown', reason, code: 'outcome_unknown' }));
		return reports;
	}
}

/**
 * Items earlier runs left in flight (reserved, submitted, unknown) and PayPal money left unclaimed, grouped by
 * batch: resolved before anything new is paid, by asking the provider.
 */
async function resumeInFlight<P extends PayoutProviderId>(
	context: PayoutContext<P>,
	now: Date,
	resumeAfterMs: number,
	options: PayOptions,
	lease?: PayoutRunLease,
): Promise<PayoutReport[]> {
	const states: PayoutItemState[] = context.provider === 'paypal' ? [...LIVE_STATES, 'unclaimed'] : LIVE_STATES;
	const items = await context.store.listPayoutItems({ provider: context.provider, state: states });
	const stale = items.filter((item) => item.state === 'unknown' || item.state === 'unclaimed' || now.getTime() - Date.parse(item.updatedAt) >= resumeAfterMs);
	const reports: PayoutReport[] = [];
	const byBatch = new Map<string, PayoutItemRecord[]>();
	for (const item of stale) byBatch.set(item.batchId, [...(byBatch.get(item.batchId) ?? []), item]);
	for (const [batchId, batchItems] of byBatch) {
		if (lease?.isLost) break;
		// The whole batch as it was first sent (PayPal replays a sender_batch_id only with the same items).
		const everyItem = (await context.store.listPayoutItems({ batchId })).filter((item) => item.provider === context.provider);
		const batch = batchOf(batchId, batchItems[0].period, everyItem, options, options.receivers);
		// Items of the batch already final are sent along (PayPal needs the whole batch) but never recorded again.
		const open = everyItem.filter((item) => states.includes(item.state));
		const resolved = await sendBatch(context, batch, open, true);
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
	// would send different halves under one batch id, and the provider would keep only the first half. The lock
	// is a named lease, renewed while the run works; a run that dies frees it when the lease runs out, and the
	// next run resumes its items. A run that was overtaken stops before its next provider call.
	const ttlMs = options.runLeaseMs ?? DEFAULT_RUN_LEASE_MS;
	const lock = await context.store.acquireLease(PAYOUT_RUN_LEASE_NAMESPACE, context.provider, { ttlMs, holder: `pay run (process ${process.pid})` });
	if (!lock.acquired) {
		const plan = await planPayouts(context.store, options.rules, options.asOf, { affiliateIds: options.affiliateIds, currencies: options.currencies });
		const reason = `Another ${context.provider} payout run is in progress (since ${lock.acquiredAt}, its lock runs until ${lock.expiresAt} unless renewed): this run paid nothing; run it again when that one has finished.`;
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
	const lease = new PayoutRunLease(context.store, context.provider, lock.token, ttlMs, options.runLeaseRenewMs ?? Math.max(1, Math.floor(ttlMs / 3)));
	try {
		return await payDuePayoutsLocked(guardedContext(context, lease), options, lease);
	} finally {
		await lease.release();
	}
}

async function payDuePayoutsLocked<P extends PayoutProviderId>(
	context: PayoutContext<P>,
	options: PayOptions,
	lease?: PayoutRunLease,
): Promise<PayoutRunResult> {
	// Item times are the database's clock, so their age is measured on the host's clock, not on `deps.now`
	// (which may be a business date being re-run).
	const reports: PayoutReport[] = options.dryRun
		? []
		: await resumeInFlight(context, new Date(), options.resumeAfterMs ?? DEFAULT_RESUME_AFTER_MS, options, lease);
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
			reports.push({
				...base,
				outcome: 'no_receiver',
				code: 'no_receiver',
				reason: `No ${context.provider === 'paypal' ? 'PayPal receiver (email, phone or payer id)' : 'Stripe connected account (acct_…)'} is set for affiliate "${due.affiliateId}": not paid, the balance stays open.`,
			});
			continue;
		}
		if (options.dryRun) {
			reports.push({ ...base, outcome: 'would_pay', provider: context.provider });
			continue;
		}
		const earlier = await context.store.listPayoutItems({ provider: context.provider, period: due.period, affiliateId: due.affiliateId });
		const attempt = earlier.filter((item) => item.currency === due.currency).length;
		candidates.push({
			due,
			itemId: payoutItemIdFor(context.provider, due.period, due.affiliateId, due.currency, attempt),
			receiver: receiver.receiver.trim(),
			entryIds,
		});
	}
	if (candidates.length === 0) return { plan, reports };

	const batchId = payoutBatchIdFor(
		context.provider,
		plan.period,
		candidates.map((candidate) => candidate.itemId),
	);
	const reserved: PayoutItemRecord[] = [];
	for (const { due, itemId, receiver, entryIds } of candidates) {
		// Checked right before each reservation: an overtaken run reserving under the batch id that the new holder
		// derives from the same balances would split one sender_batch_id between two different batches.
		if (lease && !(await lease.renew())) {
			reports.push({
				affiliateId: due.affiliateId,
				currency: due.currency,
				amount: due.amount,
				period: due.period,
				entryIds,
				provider: context.provider,
				outcome: 'already_in_flight',
				code: 'run_lock_lost',
				reason: `This ${context.provider} payout run lost its run lock to another run before paying this balance: it reserved and paid nothing more.`,
			});
			continue;
		}
		const reservation = {
			id: itemId,
			batchId,
			provider: context.provider,
			period: due.period,
			affiliateId: due.affiliateId,
			currency: due.currency,
			amount: due.amount,
			receiver,
			entryIds,
		};
		const outcome = await context.store.reservePayoutItem(reservation);
		const base = { affiliateId: due.affiliateId, currency: due.currency, amount: due.amount, period: due.period, entryIds, itemId, provider: context.provider };
		if (outcome.outcome === 'reserved') reserved.push((await context.store.getPayoutItem(itemId))!);
		else if (outcome.outcome === 'exists') {
			reports.push({
				...base,
				outcome: 'already_in_flight',
				code: 'exists',
				reason: `Payout item ${itemId} already exists (${outcome.existing.state}): another run is paying or has paid this balance.`,
			});
		} else {
			reports.push({
				...base,
				outcome: 'already_in_flight',
				code: 'entries_taken',
				reason: `${outcome.entryIds.length} of these ledger lines are already being paid by another payout item.`,
			});
		}
	}
	if (reserved.length > 0) reports.push(...(await sendBatch(context, batchOf(batchId, plan.period, reserved, options, options.receivers), reserved, false)));
	return { plan, reports };
}

/**
 * Sync status: reads what the provider knows about every item that is not final yet (submitted, unknown,
 * unclaimed) and, within `paidSinceMs`, paid items too (PayPal can still return or reverse them), and records
 * it. It never sends anything that could pay: no batch and no transfer is created here (an item PayPal cannot be
 * asked about without re-sending its batch is left to the next Pay run), and an item the provider has no record
 * of is left as it is (its call may still be in flight). Failed and returned items release their lines; unclaimed
 * PayPal money is cancelled first, and only the confirmed cancel releases them.
 */
export async function syncPayouts<P extends PayoutProviderId>(
	context: PayoutContext<P>,
	options: { paidSinceMs?: number; receivers?: ReadonlyMap<string, PayoutReceiver> } = {},
): Promise<PayoutReport[]> {
	const now = new Date(); // item times are the database's clock
	// 'reserved' items were never sent: the Pay run that reserved them is sending them now, or the next one will.
	const states: PayoutItemState[] = ['submitted', 'unknown', 'unclaimed', ...(options.paidSinceMs ? (['paid'] as const) : [])];
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
				readOnly: true,
			});
		} catch (error) {
			for (const item of batchItems)
				reports.push(reportFor(item, item.state, { reason: `Lookup failed: ${(error as Error).message}`, code: 'lookup_failed' }, false));
			continue;
		}
		const answers = new Map(lookup.items.map((outcome) => [outcome.itemId, outcome]));
		for (const item of batchItems) {
			const outcome = answers.get(item.id);
			if (!outcome || outcome.state === 'unknown') {
				reports.push(
					reportFor(
						item,
						item.state,
						outcome ?? { code: 'not_found', reason: 'The provider has no record of this item yet; the next Pay run asks it again with the same ids.' },
						false,
					),
				);
				continue;
			}
			try {
				reports.push(await recordAnswer(context, (await context.store.getPayoutItem(item.id)) ?? item, outcome, lookup.providerBatchId, false));
			} catch (error) {
				reports.push(reportFor(item, item.state, { reason: `Recording the answer failed: ${(error as Error).message}`, code: 'record_failed' }, false));
			}
		}
	}
	return reports;
}

/**
 * Unclaimed PayPal money: the receiver can still claim it, so its lines stay held until PayPal confirms the
 * money is back (only an UNCLAIMED item can be cancelled, and it then reads RETURNED:
 * https://developer.paypal.com/docs/api/payments.payouts-batch/v1/#payouts-item_cancel). The item is recorded 'unclaimed' (holding) first, then cancelled; the cancel's answer, or a read
 * of the item when that answer is lost or refused, is recorded as PayPal gives it: RETURNED releases the lines,
 * SUCCESS (claimed meanwhile) is paid, anything else stays held for the next Sync or Pay.
 */
async function cancelUnclaimed(
	context: PayoutContext<'paypal'>,
	item: PayoutItemRecord,
	outcome: ItemOutcome,
	providerBatchId: string | undefined,
	resumed: boolean,
): Promise<PayoutReport> {
	const heldState = await applyOutcome(context.store, item, outcome, providerBatchId);
	if (heldState !== 'unclaimed') return reportFor(item, heldState, { ...outcome, providerBatchId }, resumed);
	const itemNow = (await context.store.getPayoutItem(item.id)) ?? item;
	let confirmed: ItemOutcome | undefined;
	let problem: string | undefined;
	try {
		confirmed = await cancelPayPalItem(context.config, context.deps, outcome.providerItemId!);
	} catch (error) {
		if (error instanceof PayoutRunStopped)
			return reportFor(itemNow, 'unclaimed', { ...outcome, code: 'run_lock_lost', reason: error.message, providerBatchId }, resumed);
		problem = (error as Error).message;
	}
	if (!confirmed || confirmed.state !== 'returned') {
		// The cancel was refused (claimed meanwhile?) or its answer lost: PayPal's own record of the item decides.
		try {
			confirmed = await readPayPalItemById(context.config, context.deps, outcome.providerItemId!);
		} catch (error) {
			problem = [problem, (error as Error).message].filter(Boolean).join('; ');
			confirmed = undefined;
		}
	}
	if (!confirmed || confirmed.state === 'unknown' || confirmed.state === 'unclaimed') {
		const reason = `Unclaimed; the cancel is not confirmed${problem ? ` (${problem})` : ''}, so its commissions stay held.`;
		await context.store.updatePayoutItem(item.id, { state: 'unclaimed', error: reason, note: 'unclaimed, cancel not confirmed' }, { from: ['unclaimed'] });
		return reportFor(itemNow, 'unclaimed', { ...outcome, reason, providerBatchId }, resumed);
	}
	const settled: ItemOutcome = {
		...confirmed,
		itemId: item.id,
		...(confirmed.state === 'returned'
			? { reason: 'Unclaimed: cancelled at PayPal and the cancel confirmed, the money returned; the commissions are open again.' }
			: {}),
	};
	return reportFor(itemNow, await applyOutcome(context.store, itemNow, settled, providerBatchId), { ...settled, providerBatchId }, resumed);
}

/** The statement behind one affiliate's balance for a period: every ledger line, the opening balance, what was paid. */
export async function statementFor(
	store: LedgerStore & PayoutStore,
	input: { affiliateId: string; currency: string; period: string },
): Promise<Statement & { payoutState?: PayoutItemState }> {
	const lines = (await store.listLedger({ affiliateId: input.affiliateId, currency: input.currency.toUpperCase() })).map(asPayoutLine);
	// The payout behind the statement: the paid one, else one still on its way (submitted, or its answer not in
	// yet), so a statement built right after Pay already explains the amount sent.
	const items = (await store.listPayoutItems({ affiliateId: input.affiliateId, period: input.period })).filter(
		(item) => item.currency === input.currency.toUpperCase(),
	);
	const paid =
		items.find((item) => item.state === 'paid') ??
		[...items].reverse().find((item) => item.state === 'submitted' || item.state === 'unknown' || item.state === 'reserved');
	const statement = buildStatement({
		affiliateId: input.affiliateId,
		currency: input.currency.toUpperCase(),
		period: input.period,
		entries: lines,
		...(paid
			? {
					payout: {
						affiliateId: paid.affiliateId,
						currency: paid.currency,
						amount: paid.amount,
						period: paid.period,
						payDate: paid.updatedAt.slice(0, 10),
						entries: lines.filter((line) => paid.entryIds.includes(line.id)),
					},
				}
			: {}),
	});
	// 'paid', or where the payment still is ('submitted': PayPal has not confirmed it yet).
	return paid ? { ...statement, payoutState: paid.state } : statement;
}

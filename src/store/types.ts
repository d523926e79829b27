/**
 * The tracking store: clicks, conversions (with their status history), dedup claims, the commission
 * ledger and the attribution fallbacks. One interface, two implementations (SQLite, PostgreSQL) that
 * pass one contract suite. Every write that decides "first or again" is a single atomic statement
 * (an insert-if-absent on a unique key), never a read followed by a write.
 *
 * Payouts: a payout item holds the ledger lines it pays (one live holder per line, enforced by a unique key),
 * so a line is never paid twice; a failed or returned item releases them. Ledger lines and every history are
 * append-only: where a line stands (open, locked, paid) is derived from the items, never written on the line.
 *
 * Times are ISO 8601 strings in UTC; money is exact decimal strings; nothing here is a float.
 */

import type { ConversionStatus } from '../model';
import type { ErasureReport, PersonKey, RetentionPolicy, RetentionReport } from './privacy';

// Clicks are model types (every layer reads them); re-exported here for the store's API.
import type { AdClickIds, ClickRecord } from '../model/click';
import type { ConversionKey } from '../model/ids';
import type { LeaseStore } from '../model/leases';
export type { AdClickIds, ClickRecord, ConversionKey };
export type { LeaseOptions, LeaseOutcome, LeaseRecord, LeaseStore } from '../model/leases';

export type ClaimResult = 'first' | 'duplicate';

/**
 * How a claim came out. First: `new` (nobody had claimed the key) or `taken-over` (an earlier holder's lease
 * ran out, or it released the claim, before the claim was completed). Duplicate: `done` (completed: a
 * duplicate for ever) or `in-flight` (another holder is working on it and its lease has not run out).
 */
export type ClaimState = 'new' | 'taken-over' | 'done' | 'in-flight';

export interface ClaimOptions {
	/**
	 * How long a pending claim belongs to its holder, in milliseconds (a whole number from 1 to a week;
	 * default DEFAULT_CLAIM_LEASE_MS, 2 minutes). A claim still pending when this much time has passed since
	 * it was taken is taken over by the next claimer. The lease is the claimer's view: every process working
	 * on the same keys should use the same value, longer than the work between claiming and completing.
	 */
	leaseMs?: number;
}

export interface ClaimOutcome {
	result: ClaimResult;
	state: ClaimState;
	/** On 'first': this holder's token, for completeClaim and releaseClaim (they only act while the claim is still this holder's). */
	token?: string;
	/** When the current holder took the claim (the database's clock), ISO 8601 UTC. Absent when the claim could not be read back. */
	claimedAt?: string;
}

export interface ClaimHolder {
	/** The token from claimConversionDetailed: completes or releases the claim only if it is still this holder's. */
	token?: string;
}

/** A conversion as the funnel decided it, kept with its status history. */
export interface StoredConversion {
	/** Deterministic: derived from (network, transactionId, eventName), or random when there is no transaction id. */
	id: string;
	network: string;
	transactionId?: string;
	eventName: string;
	clickId?: string;
	affiliateId?: string;
	status: ConversionStatus;
	amount?: string;
	commission?: string;
	currency: string;
	occurredAt: string;
	recordedAt: string;
	/** How it was attributed: click id, first click of the visitor, coupon, lifetime, ip+ua, or none. */
	attribution?: string;
	/** The whole canonical conversion, as JSON. */
	payload: unknown;
}

export interface StatusChange {
	conversionId: string;
	status: ConversionStatus;
	at: string;
	/** The postback that caused it (raw), for audit. */
	detail?: unknown;
}

export type LedgerKind = 'commission' | 'reversal' | 'adjustment' | 'payout';

/** One line of the commission ledger. Lines are only ever added; a reversal is a negative line. */
export interface LedgerEntry {
	/** Deterministic, so writing the same entry twice is a no-op. */
	id: string;
	affiliateId: string;
	kind: LedgerKind;
	/** Signed exact decimal: commissions positive, reversals negative. */
	amount: string;
	currency: string;
	status: ConversionStatus;
	conversionId?: string;
	network?: string;
	transactionId?: string;
	/** When the underlying event happened (for lock and holding periods). */
	occurredAt: string;
	recordedAt: string;
	/**
	 * A payout recorded outside payout items, when the line was written (a line is never updated, so this is
	 * only ever set at insert). A line carrying it is settled: its settlement reads 'paid' unless a payout item
	 * holds it, and no payout item can reserve it.
	 */
	payoutId?: string;
	note?: string;
	/**
	 * Read-only, computed by the store when the line is added: the amount as a whole number of the currency's
	 * minor unit, as a decimal string of that integer ('12.05' USD → '1205', '500' JPY → '500', '-1.234' KWD →
	 * '-1234'), so it survives JSON and never meets a float. Absent when the amount is finer than the minor unit
	 * ('0.0125' USD), the currency is not an ISO 4217 code the runtime knows, or it does not fit 64 bits: such a
	 * line keeps its exact decimal `amount`, and rounding it is the payout's decision. Ignored on input.
	 */
	readonly amountMinor?: string;
	/** Read-only, derived when read (never stored on the line): see LedgerSettlement. Ignored on input. */
	readonly settlement?: LedgerSettlement;
	/** Read-only: the payout item that holds this line now (settlement 'locked' or 'paid'), if one does. Ignored on input. */
	readonly payoutItemId?: string;
}

/**
 * Where a ledger line stands with payouts, derived from the payout items (lines are never updated):
 * - `open`: no live payout item holds it (never reserved, or its item failed, was returned, or released it);
 *   a line written with a `payoutId` is the exception: it reads 'paid'.
 * - `locked`: held by a payout item in flight (reserved, submitted, unknown, or unclaimed without reopening).
 * - `paid`: held by a paid payout item (or written with a `payoutId`).
 */
export type LedgerSettlement = 'open' | 'locked' | 'paid';

/** A ledger line as the store returns it: with its settlement, and its minor units when exact. */
export interface LedgerLine extends LedgerEntry {
	readonly settlement: LedgerSettlement;
}

export interface LedgerFilter {
	affiliateId?: string;
	currency?: string;
	/** true: only lines whose settlement is 'open' (nothing pays them yet). false or absent: no filter. */
	unpaid?: boolean;
	/** Only lines with this settlement (or any of these). */
	settlement?: LedgerSettlement | LedgerSettlement[];
	/** Only the lines this payout item was reserved for, whether it still holds them or released them. */
	payoutItemId?: string;
	/** Exclusive. */
	occurredBefore?: string;
	/** Only the lines of this conversion (or of any of these). An empty list matches nothing. */
	conversionId?: string | string[];
}

/**
 * A payout item's life. `reserved`: its lines are held, nothing sent yet. `submitted`: sent to the provider.
 * `unknown`: sent, but the answer was lost (a timeout): it holds its lines until a sync says what happened.
 * `paid`: the affiliate has the money. `unclaimed`: sent, not claimed by the receiver yet (PayPal): holds its
 * lines unless the update says `reopen: true`. `failed`, `returned`: the money did not go or came back: the
 * item releases its lines, which become open again and can be reserved by a new item (with a new id).
 */
export type PayoutItemState = 'reserved' | 'submitted' | 'paid' | 'failed' | 'unclaimed' | 'returned' | 'unknown';

/** One payment to one affiliate in one currency through one provider, covering a set of ledger lines. */
export interface PayoutItemRecord {
	/** Deterministic, chosen by the caller (derived from period + affiliate + currency + provider). */
	id: string;
	/** Deterministic batch id (PayPal sender_batch_id, Stripe transfer_group). */
	batchId: string;
	/** 'paypal' | 'stripe' (any non-empty name). */
	provider: string;
	/** The payout period, e.g. '2026-10'. */
	period: string;
	affiliateId: string;
	currency: string;
	/** Exact positive decimal, with no more decimals than the currency's minor unit. */
	amount: string;
	/** PayPal email or payer id, Stripe acct_ id. */
	receiver: string;
	state: PayoutItemState;
	providerBatchId?: string;
	providerItemId?: string;
	error?: string;
	/** The ledger line ids this item was reserved for (sorted, without repeats), kept after a release too. */
	entryIds: string[];
	/** The database's clock, ISO 8601 UTC. */
	createdAt: string;
	updatedAt: string;
}

export type PayoutItemReservation = Omit<PayoutItemRecord, 'state' | 'createdAt' | 'updatedAt' | 'providerBatchId' | 'providerItemId' | 'error'>;

export type ReserveOutcome = { outcome: 'reserved' } | { outcome: 'exists'; existing: PayoutItemRecord } | { outcome: 'entries_taken'; entryIds: string[] };

export interface PayoutItemChange {
	state: PayoutItemState;
	/** Kept when absent (the previous value stays). */
	providerBatchId?: string;
	providerItemId?: string;
	error?: string;
	/** Goes into the history line only. */
	note?: string;
	/** Only with state 'unclaimed': release the lines (they become open) instead of holding them. Anything but true holds. */
	reopen?: boolean;
}

export interface PayoutItemFilter {
	batchId?: string;
	state?: PayoutItemState[];
	affiliateId?: string;
	period?: string;
	provider?: string;
}

export interface PayoutItemHistoryLine {
	state: PayoutItemState;
	/** The database's clock, ISO 8601 UTC. */
	at: string;
	note?: string;
	error?: string;
}

/**
 * What happened when one conversion was handed to one destination: an ad platform ('meta', 'tiktok',
 * 'google_ads', …) or a partner postback ('postback:<target>').
 * - `sent`: accepted; `failed`: refused or could not be sent (sending it again as it is would not help, or the
 *   retries ran out); `retry_later`: valid but not acceptable yet (Google's 6-hour rule); `duplicate`: already
 *   sent before, not sent again; `skipped`: not meant for this destination (a reversal, a click).
 */
export type DeliveryOutcome = 'sent' | 'failed' | 'retry_later' | 'duplicate' | 'skipped';

/** One line of the delivery log, as written. The log is append-only: a second attempt is a second line. */
export interface DeliveryRecord {
	conversionId: string;
	destination: string;
	outcome: DeliveryOutcome;
	/** The event id (or order id) sent to the destination. */
	eventId?: string;
	/** The destination's error code, or ours (event_too_old, configuration, …). */
	code?: string;
	/** For the operator; kept to its first 1000 characters. */
	reason?: string;
	/** The destination's last HTTP status, when one is known (100 to 599). */
	httpStatus?: number;
	/** ISO 8601 with an offset; default: the database's clock. */
	at?: string;
}

/** A delivery line as the store returns it: always with its time (ISO 8601 UTC). */
export interface Delivery extends DeliveryRecord {
	at: string;
}

/** Which conversions listConversions returns: the newest recorded first, at most `limit`. */
export interface ConversionListFilter {
	/** A whole number from 1 to 1000 (default 50). */
	limit?: number;
	/** Only conversions recorded strictly before this time (ISO 8601 with an offset): the next page's cursor. */
	before?: string;
	/** Only conversions recorded at or after this time (ISO 8601 with an offset). */
	since?: string;
	network?: string;
	affiliateId?: string;
}

/** Clicks, as the Click Tracker records them and attribution finds them. */
export interface ClickStore {
	/** Records a click; recording the same click id twice is a no-op that returns false. */
	recordClick(click: ClickRecord): Promise<boolean>;
	findClick(clickId: string): Promise<ClickRecord | undefined>;
	/** The visitor's clicks since `since` (inclusive), oldest first. */
	findClicksByVisitor(visitorId: string, since: string): Promise<ClickRecord[]>;
	/** Clicks from this IP and user agent since `since`, newest first (the PAP-style fallback). */
	findClicksByIpAndUserAgent(ip: string, userAgent: string, since: string): Promise<ClickRecord[]>;
	/** Atomic per-click counter (1, 2, 3, …) for TUNE's repeat sequence on one click id. */
	nextClickSequence(clickId: string): Promise<number>;
}

/** The dedup claims on (network, transactionId, eventName): the funnel's and Send Postback's "first or again". */
export interface ClaimStore {
	/**
	 * The dedup decision on (network, transactionId, eventName), as a leased claim: one atomic statement that
	 * inserts the key as `pending` ('first'), or takes over a pending claim whose lease has run out or that
	 * was released ('first'), or changes nothing ('duplicate': the claim is done, or another holder's lease
	 * still runs). Concurrent claimers of one key, in any number of processes, get exactly one 'first'.
	 *
	 * The holder must call completeClaim once the work the claim guards is saved (or releaseClaim when it
	 * fails): a claim left pending, as by a process that died, is taken over by the first claim after its
	 * lease, so the work is redone instead of lost. That work must therefore be idempotent.
	 *
	 * Leases are timed by the database's clock, never a process's: PostgreSQL's `now()` (one clock for every
	 * worker in queue mode); SQLite's `'now'` (the host's clock, shared by every process that opens the file,
	 * since a SQLite file is only ever shared on one host).
	 *
	 * Every part must be non-empty; an empty part throws, because a key built from an empty part collides.
	 *
	 * Without `options.leaseMs` the claim is completed at once (a plain, permanent insert-if-absent: the
	 * library's simple contract). Pass a lease, or use claimConversionDetailed, to guard work that must
	 * survive a crash between claiming and saving (the Conversion Funnel does).
	 */
	claimConversion(key: ConversionKey, options?: ClaimOptions): Promise<ClaimResult>;
	/** claimConversion, telling how it came out (new, taken over, done, in flight), with the holder's token on 'first'. */
	claimConversionDetailed(key: ConversionKey, options?: ClaimOptions): Promise<ClaimOutcome>;
	/**
	 * Marks a claim done: a duplicate for ever after. With a token, only while the claim is still that
	 * holder's (false once another claimer has taken it over); without one, whoever holds it. Idempotent.
	 * Resolves to false when there is no such claim (or it is not the token's).
	 */
	completeClaim(key: ConversionKey, holder?: ClaimHolder): Promise<boolean>;
	/**
	 * Gives a pending claim up at once (its work failed): the next claimer takes it over without waiting for
	 * the lease. Only the holder (its token) can release, and never a completed claim; false otherwise.
	 */
	releaseClaim(key: ConversionKey, holder: ClaimHolder & { token: string }): Promise<boolean>;
}

/** Conversions and their status history. */
export interface ConversionStore {
	/** Saves a conversion the first time its id is seen (returns false when it already exists) and its first status. */
	saveConversion(conversion: StoredConversion): Promise<boolean>;
	getConversion(id: string): Promise<StoredConversion | undefined>;
	/** Conversions of one network transaction (every event name), oldest first: links a reversal to its original. */
	findConversionsByTransaction(network: string, transactionId: string): Promise<StoredConversion[]>;
	/**
	 * Appends to the status history and updates the current status; history lines are never changed.
	 * With `from`, only if the current status is still `from` (one atomic compare-and-set): resolves to false,
	 * appending nothing, when it is not, so a change decided on a stale read (or made twice) is not applied.
	 * Throws when there is no such conversion.
	 */
	appendStatus(change: StatusChange, options?: { from?: ConversionStatus }): Promise<boolean>;
	statusHistory(conversionId: string): Promise<StatusChange[]>;
	/**
	 * The latest stored conversions, newest recordedAt first (ties: the later written first), filtered by
	 * network, affiliate and recording time. Page with `before` set to the last one's recordedAt.
	 */
	listConversions(filter?: ConversionListFilter): Promise<StoredConversion[]>;
}

/** The delivery log of what was sent to ad platforms. */
export interface DeliveryStore {
	/**
	 * Appends a line to the delivery log (never changed afterwards) and returns it with its time. The
	 * conversion need not be in this store (a destination may be fed by a funnel on another store).
	 */
	recordDelivery(delivery: DeliveryRecord): Promise<Delivery>;
	/** The delivery lines of one conversion, or of several, oldest first (in writing order). */
	listDeliveries(conversions: string | { conversionIds: string[] }): Promise<Delivery[]>;
}

/**
 * Durable redelivery (issue 16): one outbox entry per conversion and destination, written before the send, so
 * that nothing accepted is lost to a crash, a throttled platform or Google's six-hour rule. A destination is a
 * platform id ('meta', 'google_ads', …) or `postback:<name>` for a Send Postback target.
 *
 * States: `pending` (due at `dueAt`: the first attempt's grace period, or a retry time), `sent`, `failed` (refused
 * for its data: never retried) and `gave_up` (the dead letter: too many attempts or too old). `item` is the funnel
 * item needed to send it again (it carries the unhashed customer fields): kept only while pending, removed when
 * the entry is settled.
 */
export type OutboxState = 'pending' | 'sent' | 'failed' | 'gave_up';

export interface OutboxEntry {
	conversionId: string;
	destination: string;
	state: OutboxState;
	/** Attempts settled so far (a send whose outcome was recorded). */
	attempts: number;
	/** ISO 8601 UTC: when a pending entry is due. */
	dueAt: string;
	/** ISO 8601 UTC: when the entry was first written. */
	createdAt: string;
	/** ISO 8601 UTC: the last change. */
	updatedAt: string;
	lastCode?: string;
	/** For the operator; never PII or tokens; at most 1000 characters. */
	lastReason?: string;
	/** The funnel item to send again; only while pending. */
	item?: unknown;
}

/** A due entry claimed by one redelivery run: the token settles it; after `leaseMs` without settling it is due again. */
export interface ClaimedOutboxEntry extends OutboxEntry {
	token: string;
}

export type OutboxSettlement = { state: 'sent' | 'failed' | 'gave_up' } | { state: 'pending'; dueAt: string };

export interface ReplayRequest {
	destination: string;
	conversionIds?: string[];
	network?: string;
	/** ISO 8601 with an offset: recorded at or after. */
	recordedFrom?: string;
	/** ISO 8601 with an offset: recorded strictly before. */
	recordedBefore?: string;
	now?: string;
	limit?: number;
}

export type ReplaySkipReason = 'no_entry' | 'in_flight' | 'erased' | 'retention' | 'not_stored' | 'redacted';

export interface ReplayReport {
	destination: string;
	/** When the replayed entries are due. */
	dueAt: string;
	replayed: number;
	replayedIds: string[];
	/** Each entry left as it was, with why (the message names no value of the conversion). */
	skipped: Array<{ conversionId: string; reason: ReplaySkipReason; message: string }>;
	skippedByReason: Partial<Record<ReplaySkipReason, number>>;
	/** The selection matched more than `limit` entries: replay again with a narrower one. */
	more: boolean;
}

export interface OutboxStore {
	/**
	 * Writes a pending entry per (conversionId, destination) when absent (insert-if-absent, never a read-then-write),
	 * due at `dueAt`, holding `item`. Returns, per entry, whether it was new; an existing entry is left as it is.
	 */
	enqueueDeliveries(entries: Array<{ conversionId: string; destination: string; item: unknown; dueAt: string }>): Promise<boolean[]>;
	/**
	 * Claims up to `limit` (1 to 1000) pending entries due at `now` (dueAt <= now) whose lease is free or expired,
	 * oldest due first, each for `leaseMs`; in any number of processes, an entry is claimed by one caller at a time.
	 * A name in `destinations` ending in `*` also selects every destination starting with what precedes it
	 * (`postback:*`: every Send Postback target, whose names the operator chooses).
	 */
	claimDueDeliveries(options: { now: string; limit: number; leaseMs: number; destinations?: string[] }): Promise<ClaimedOutboxEntry[]>;
	/**
	 * Records an attempt's outcome and counts the attempt: settled (`sent`, `failed`, `gave_up`, the item removed) or
	 * pending again at `dueAt`. With a token, only the current claimer may settle (false for a stale token); without
	 * one (the first, inline send) the entry is settled whatever its lease. A settled entry never changes again
	 * (false) unless replayDeliveries makes it pending again. Throws on an unknown entry.
	 */
	settleDelivery(
		key: { conversionId: string; destination: string },
		settlement: OutboxSettlement,
		detail?: { code?: string; reason?: string; token?: string; at?: string },
	): Promise<boolean>;
	/**
	 * Replay (issue 16): makes one destination's entries due again at `now` (default: the current time) with attempts
	 * restarted, selected by exactly one of conversion ids, network, or recorded-at range [recordedFrom, recordedBefore)
	 * (network and range reach only conversions stored here). A pending entry keeps its item; a settled one (sent,
	 * failed, gave_up) has none left, so its item is rebuilt from the stored conversion's payload (the funnel item as
	 * the funnel recorded it). Skipped, with a reason: entries a run holds right now, entries given up by erasure or
	 * retention, conversions not stored here or redacted, and (for ids) ids without an entry. At most `limit`
	 * (default and most 1000) entries per call; `more` says the selection matched more.
	 */
	replayDeliveries(request: ReplayRequest): Promise<ReplayReport>;
	/** Entries by conversion, state or destination, oldest first (one batch: in key order; at most `limit`, default 100, 1 to 1000). */
	listOutbox(filter?: { conversionIds?: string[]; states?: OutboxState[]; destination?: string; limit?: number }): Promise<OutboxEntry[]>;
}

/** The commission ledger (append-only). */
export interface LedgerStore {
	/** Adds a ledger line (its minor units computed here); an id already present is a no-op that returns false. Lines are never updated. */
	addLedgerEntry(entry: LedgerEntry): Promise<boolean>;
	/** Ledger lines, oldest occurrence first (ties in writing order), each with its settlement. */
	listLedger(filter?: LedgerFilter): Promise<LedgerLine[]>;
}

/** Payout items: reserving ledger lines and moving items through their states. */
export interface PayoutStore {
	/**
	 * Reserves a payout item and the ledger lines it pays, in one transaction: inserts the item as 'reserved'
	 * if its id is new and holds every line for it. 'exists' (with the stored record) when the id is already
	 * there, changing nothing, whatever the lines asked for; 'entries_taken' (with those ids, sorted) when any
	 * line is held by another live item or was written with a payoutId: then nothing is written at all.
	 * Concurrent reservations, in any number of processes, of one id or of overlapping lines: exactly one is
	 * 'reserved' (PostgreSQL: a unique key per held line; SQLite: the write lock).
	 * Throws, writing nothing, on an unknown line id, a line of another affiliate or currency, no lines, or an
	 * amount that is not positive or is finer than the currency's minor unit.
	 */
	reservePayoutItem(item: PayoutItemReservation): Promise<ReserveOutcome>;
	/**
	 * Moves an item to a new state and appends a history line, atomically. With `from`, only while the current
	 * state is one of `from` (compare-and-set): false, writing nothing, otherwise. Moving to 'failed' or
	 * 'returned' (or 'unclaimed' with `reopen: true`) releases its lines. 'paid' only moves on to 'returned'
	 * (or 'paid' again). An item that released its lines and takes up a holding state again holds them again:
	 * to 'reserved' or 'submitted' only if every line is still open (else it throws); to a state a provider
	 * reports ('paid', 'unknown', 'unclaimed') always, holding the lines still open and naming the others (held
	 * by another item by now: paid twice?) in the item's error and the history line. Changes are kept when
	 * absent (provider ids, error). Any refused move throws, as does an unknown id.
	 */
	updatePayoutItem(id: string, change: PayoutItemChange, options?: { from?: PayoutItemState[] }): Promise<boolean>;
	getPayoutItem(id: string): Promise<PayoutItemRecord | undefined>;
	/** Items in the order they were reserved. */
	listPayoutItems(filter?: PayoutItemFilter): Promise<PayoutItemRecord[]>;
	/** Every state the item went through, oldest first, starting with 'reserved'; lines are never changed. */
	payoutItemHistory(id: string): Promise<PayoutItemHistoryLine[]>;
}

/** The attribution fallbacks that are not clicks: coupon codes and lifetime customer links. */
export interface ReferralStore {
	/** Coupon code → affiliate (fallback attribution). Setting it again replaces the affiliate. */
	setCoupon(code: string, affiliateId: string): Promise<void>;
	findCouponAffiliate(code: string): Promise<string | undefined>;
	/** First referral wins for life: links a customer key (a hash of the email) to an affiliate if not yet linked. */
	linkCustomer(customerKey: string, affiliateId: string, clickId?: string): Promise<{ affiliateId: string; clickId?: string }>;
	findCustomer(customerKey: string): Promise<{ affiliateId: string; clickId?: string } | undefined>;
}

/** Retention and erasure. */
export interface PrivacyStore {
	/**
	 * Removes what the policy says is kept no longer (see RetentionPolicy: per kind, days before `now`, default the
	 * current time): deletes old clicks, customer links, expired replay memory and delivery lines; redacts the raw
	 * postback and the personal data of old conversions and status changes, keeping their ids, money and statuses.
	 * The ledger and payouts are never touched. Idempotent; returns counts per table, never a value.
	 */
	applyRetention(policy: RetentionPolicy, options?: { now?: string }): Promise<RetentionReport>;
	/**
	 * Erases one person (see PersonKey for what each key reaches): deletes their clicks and customer links, and
	 * irreversibly redacts their conversions' personal data, the raw postbacks of their status changes and the
	 * reasons of their delivery lines, keeping every id, amount and status (the money history reads the same).
	 * Idempotent: erasing again changes nothing and reports zeros. Returns counts per table, never a value.
	 */
	erasePerson(person: PersonKey): Promise<ErasureReport>;
}

/**
 * The whole store, as the two implementations provide it. Callers ask for the roles they use (payouts take
 * LedgerStore & PayoutStore & LeaseStore, attribution ClickStore & ReferralStore, …), so what a module can touch is
 * in its signature; nodes open a TrackingStore and pass it, which satisfies every role.
 */
export interface TrackingStore
	extends ClickStore,
		ClaimStore,
		ConversionStore,
		DeliveryStore,
		OutboxStore,
		LedgerStore,
		PayoutStore,
		ReferralStore,
		PrivacyStore,
		LeaseStore {
	readonly kind: 'sqlite' | 'postgres';

	close(): Promise<void>;
}

export type StoreConfig =
	| { kind: 'sqlite'; path: string }
	| { kind: 'postgres'; connectionString: string; /** Table name prefix, so test runs and tenants don't collide. */ schema?: string; poolSize?: number };

/**
 * The tracking store: clicks, conversions (with their status history), dedup claims, the commission
 * ledger and the attribution fallbacks. One interface, two implementations (SQLite, PostgreSQL) that
 * pass one contract suite. Every write that decides "first or again" is a single atomic statement
 * (an insert-if-absent on a unique key), never a read followed by a write.
 *
 * Times are ISO 8601 strings in UTC; money is exact decimal strings; nothing here is a float.
 */

import type { ConversionStatus } from '../model';

/** The ad-platform click ids and cookies a click carried: never hashed, forwarded as they are. */
export interface AdClickIds {
	fbclid?: string;
	/** `fb.1.<ms>.<fbclid>`, built from fbclid at click time (or the `_fbc` cookie when present). */
	fbc?: string;
	/** The `_fbp` browser cookie. */
	fbp?: string;
	gclid?: string;
	gbraid?: string;
	wbraid?: string;
	ttclid?: string;
	/** The `_ttp` cookie. */
	ttp?: string;
	/** Snapchat's ScCid. */
	sccid?: string;
	/** Pinterest's epik. */
	epik?: string;
	/** Reddit's rdt_cid. */
	rdtCid?: string;
	msclkid?: string;
}

export interface ClickRecord extends AdClickIds {
	/** Minted by the Click Tracker: URL-safe, at least 128 bits of randomness. */
	clickId: string;
	/** ISO 8601 UTC. */
	clickedAt: string;
	/** The first-party visitor cookie: the same person across clicks (first-click attribution). */
	visitorId?: string;
	/** The network preset whose subid carried the click id out, if known. */
	network?: string;
	/** The operator's name for the offer. */
	offerId?: string;
	/** Where the visitor was sent (with the subid filled in). */
	offerUrl?: string;
	/** The affiliate or publisher the click belongs to, when the link carries one. */
	affiliateId?: string;
	utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
	ip?: string;
	userAgent?: string;
	referrer?: string;
	landingUrl?: string;
}

export interface ConversionKey {
	network: string;
	transactionId: string;
	eventName: string;
}

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
	/** Payout batch that paid this line (issue 5). */
	payoutId?: string;
	note?: string;
}

export interface LedgerFilter {
	affiliateId?: string;
	currency?: string;
	/** Only lines that no payout has claimed yet. */
	unpaid?: boolean;
	occurredBefore?: string;
}

export interface TrackingStore {
	readonly kind: 'sqlite' | 'postgres';

	/** Records a click; recording the same click id twice is a no-op that returns false. */
	recordClick(click: ClickRecord): Promise<boolean>;
	findClick(clickId: string): Promise<ClickRecord | undefined>;
	/** The visitor's clicks since `since` (inclusive), oldest first. */
	findClicksByVisitor(visitorId: string, since: string): Promise<ClickRecord[]>;
	/** Clicks from this IP and user agent since `since`, newest first (the PAP-style fallback). */
	findClicksByIpAndUserAgent(ip: string, userAgent: string, since: string): Promise<ClickRecord[]>;

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
	/** Atomic per-click counter (1, 2, 3, …) for TUNE's repeat sequence on one click id. */
	nextClickSequence(clickId: string): Promise<number>;

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

	/** Adds a ledger line; an id already present is a no-op that returns false. */
	addLedgerEntry(entry: LedgerEntry): Promise<boolean>;
	listLedger(filter?: LedgerFilter): Promise<LedgerEntry[]>;

	/** Coupon code → affiliate (fallback attribution). Setting it again replaces the affiliate. */
	setCoupon(code: string, affiliateId: string): Promise<void>;
	findCouponAffiliate(code: string): Promise<string | undefined>;
	/** First referral wins for life: links a customer key (a hash of the email) to an affiliate if not yet linked. */
	linkCustomer(customerKey: string, affiliateId: string, clickId?: string): Promise<{ affiliateId: string; clickId?: string }>;
	findCustomer(customerKey: string): Promise<{ affiliateId: string; clickId?: string } | undefined>;

	close(): Promise<void>;
}

export type StoreConfig =
	| { kind: 'sqlite'; path: string }
	| { kind: 'postgres'; connectionString: string; /** Table name prefix, so test runs and tenants don't collide. */ schema?: string; poolSize?: number };

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
	 * The dedup decision: an atomic insert-if-absent on (network, transactionId, eventName). Every part
	 * must be non-empty; an empty part throws, because a key built from an empty part collides.
	 */
	claimConversion(key: ConversionKey): Promise<ClaimResult>;
	/** Atomic per-click counter (1, 2, 3, …) for TUNE's repeat sequence on one click id. */
	nextClickSequence(clickId: string): Promise<number>;

	/** Saves a conversion the first time its id is seen (returns false when it already exists) and its first status. */
	saveConversion(conversion: StoredConversion): Promise<boolean>;
	getConversion(id: string): Promise<StoredConversion | undefined>;
	/** Conversions of one network transaction (every event name), oldest first: links a reversal to its original. */
	findConversionsByTransaction(network: string, transactionId: string): Promise<StoredConversion[]>;
	/** Appends to the status history and updates the current status; history lines are never changed. */
	appendStatus(change: StatusChange): Promise<void>;
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

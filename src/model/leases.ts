/**
 * Named leases: the store's one primitive for exclusive work that is not a conversion's dedup claim (payout
 * run locks, HMAC replay memory). Its contract and the namespaces in use live here, below every layer, because
 * layers below the store (auth's replay memory) hold a lease too; the tracking store implements LeaseStore.
 */

/**
 * A named lease: a time-limited exclusive right to one key in one namespace ('payout-run', 'auth-replay', …),
 * timed by the database's clock. One primitive for every kind of exclusive work that is not a conversion's
 * dedup claim: run locks (renewed while the work goes on), replay memory (never released, it just expires).
 */
export interface LeaseOptions {
	/** How long the lease lasts from now, in milliseconds (a whole number from 1 to a week). */
	ttlMs: number;
	/** Who holds it, for messages only ("pay run on worker-2"); never a secret. At most 200 characters. */
	holder?: string;
}

export type LeaseOutcome =
	| { acquired: true; token: string; expiresAt: string; takenOver: boolean }
	| { acquired: false; expiresAt: string; acquiredAt: string; holder?: string };

/** A lease as the store holds it (expired leases stay until purged, and may be taken over meanwhile). */
export interface LeaseRecord {
	namespace: string;
	key: string;
	holder?: string;
	acquiredAt: string;
	expiresAt: string;
	renewals: number;
}

/** The store's lease operations. */
export interface LeaseStore {
	/**
	 * Takes the lease on (namespace, key) if nobody holds it or the holder's lease has run out (one atomic
	 * statement: concurrent acquirers in any number of processes get exactly one `acquired: true`).
	 */
	acquireLease(namespace: string, key: string, options: LeaseOptions): Promise<LeaseOutcome>;
	/**
	 * Extends a lease by `ttlMs` from now, only while `token` still holds it: false once it was released,
	 * purged or taken over by another holder. A holder whose renewal fails has lost the lease and must stop.
	 */
	renewLease(namespace: string, key: string, token: string, ttlMs: number): Promise<{ renewed: true; expiresAt: string } | { renewed: false }>;
	/** Gives the lease up at once (only its holder's token can); false when it was no longer that holder's. */
	releaseLease(namespace: string, key: string, token: string): Promise<boolean>;
	getLease(namespace: string, key: string): Promise<LeaseRecord | undefined>;
	/** Deletes leases that expired at least `graceMs` ago (all namespaces, or one); returns how many. */
	purgeExpiredLeases(options?: { namespace?: string; graceMs?: number }): Promise<number>;
}

/** HMAC replay memory (src/auth/replay.ts); the store's retention purges it by this namespace. */
export const REPLAY_NAMESPACE = 'auth-replay';
/** One pay run per provider at a time (src/payouts/run.ts). */
export const PAYOUT_RUN_LEASE_NAMESPACE = 'payout-run';

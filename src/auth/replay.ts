/**
 * Replay memory for timestamped HMAC signatures, kept in the tracking store's named leases so every n8n
 * process on the same store (PostgreSQL in queue mode: every host) shares it, and so it expires.
 *
 * How long a signature must be remembered: the trigger accepts a timestamp t while |now − t| ≤ maxAge, so the
 * same signature can pass that check from t − maxAge until t + maxAge. Its first use is at or after t − maxAge,
 * hence 2 × maxAge after the first use covers every moment it could be accepted again. The margin covers a
 * host clock (which checks t) running behind the database clock (which times the lease).
 */
import { type LeaseStore, REPLAY_NAMESPACE } from '../model/leases';

// The namespace is the model's: the store's retention purges replay memory by it.
export { REPLAY_NAMESPACE };
const CLOCK_MARGIN_MS = 60_000;
/** Expired signatures are deleted at most this often per store and process (a cheap indexed delete). */
const PURGE_EVERY_MS = 10 * 60_000;

const lastPurge = new WeakMap<LeaseStore, number>();

/** How long a signature valid for `windowSeconds` either side of its timestamp is remembered, in milliseconds. */
export function replayMemoryMs(windowSeconds: number, clockMarginMs = CLOCK_MARGIN_MS): number {
	const window = Number.isFinite(windowSeconds) && windowSeconds > 0 ? windowSeconds : 300;
	return Math.max(1, Math.ceil(2 * window * 1000 + clockMarginMs));
}

/**
 * Records a signature's first use: true the first time, false for every later use while it could still be
 * accepted. Atomic across processes (one insert-if-absent on the lease). Throws when the store fails: the
 * caller must then refuse the request, since a replay cannot be told apart.
 */
export async function firstUseOfSignature(
	store: LeaseStore,
	signature: string,
	windowSeconds: number,
	options: { now?: () => number; clockMarginMs?: number } = {},
): Promise<boolean> {
	const now = options.now ?? Date.now;
	const outcome = await store.acquireLease(REPLAY_NAMESPACE, signature, {
		ttlMs: replayMemoryMs(windowSeconds, options.clockMarginMs),
		holder: 'hmac signature',
	});
	const last = lastPurge.get(store);
	if (last === undefined || now() - last >= PURGE_EVERY_MS) {
		lastPurge.set(store, now());
		// Housekeeping only: a failed purge must not refuse a good postback.
		await store.purgeExpiredLeases({ namespace: REPLAY_NAMESPACE }).catch(() => 0);
	}
	return outcome.acquired;
}

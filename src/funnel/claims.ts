/** The funnel's dedup claims: the status and event claims one execution takes, completes or gives up together. */
import { type ClaimOutcome, type ClaimStore, type ConversionKey, DEFAULT_CLAIM_LEASE_MS } from '../store';

/** The claims one execution holds, completed (or released) together. */
export class HeldClaims {
	private readonly held: Array<{ key: ConversionKey; token: string; kind: 'status' | 'event' }> = [];

	constructor(
		private readonly store: ClaimStore,
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

/**
 * The named-lease part of the store contract (run by both stores through contract.ts): exclusive, timed by the
 * database's clock, renewable only by the holder, taken over only once expired, purged after expiry.
 */
import fc from 'fast-check';
import type { TrackingStore } from '../../src/store';
import type { StoreHarness } from './contract';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
	describe(`${name}: named leases`, () => {
		let harness: StoreHarness;
		let store: TrackingStore;

		beforeEach(async () => {
			harness = await makeHarness();
			store = await harness.open();
		});

		afterEach(async () => {
			await store.close();
			await harness.dispose();
		});

		it('gives a lease to one holder; a second acquirer learns who holds it and until when', async () => {
			const first = await store.acquireLease('payout-run', 'paypal', { ttlMs: 60_000, holder: 'run A' });
			expect(first).toMatchObject({ acquired: true, takenOver: false });
			const second = await store.acquireLease('payout-run', 'paypal', { ttlMs: 60_000, holder: 'run B' });
			expect(second.acquired).toBe(false);
			if (second.acquired || !first.acquired) throw new Error('unreachable');
			expect(second.holder).toBe('run A');
			expect(second.expiresAt).toBe(first.expiresAt);
			expect(Date.parse(second.expiresAt)).toBeGreaterThan(Date.parse(second.acquiredAt));
			// Namespaces and keys are separate leases.
			expect((await store.acquireLease('payout-run', 'stripe', { ttlMs: 60_000 })).acquired).toBe(true);
			expect((await store.acquireLease('auth-replay', 'paypal', { ttlMs: 60_000 })).acquired).toBe(true);
		});

		it('is taken over only once it has expired, and the old holder can then neither renew nor release it', async () => {
			const first = await store.acquireLease('payout-run', 'paypal', { ttlMs: 40 });
			if (!first.acquired) throw new Error('expected the lease');
			await sleep(80);
			const second = await store.acquireLease('payout-run', 'paypal', { ttlMs: 60_000, holder: 'run B' });
			expect(second).toMatchObject({ acquired: true, takenOver: true });
			expect(await store.renewLease('payout-run', 'paypal', first.token, 60_000)).toEqual({ renewed: false });
			expect(await store.releaseLease('payout-run', 'paypal', first.token)).toBe(false);
			expect((await store.getLease('payout-run', 'paypal'))?.holder).toBe('run B');
		});

		it('renewing keeps it from being taken over; an expired lease nobody took can still be renewed by its holder', async () => {
			const lease = await store.acquireLease('payout-run', 'paypal', { ttlMs: 150 });
			if (!lease.acquired) throw new Error('expected the lease');
			for (let round = 0; round < 3; round++) {
				await sleep(60);
				const renewed = await store.renewLease('payout-run', 'paypal', lease.token, 150);
				expect(renewed.renewed).toBe(true);
				expect((await store.acquireLease('payout-run', 'paypal', { ttlMs: 1000 })).acquired).toBe(false);
			}
			expect((await store.getLease('payout-run', 'paypal'))?.renewals).toBe(3);
			await sleep(200);
			// Nobody took it while it was expired: the token still proves no one else held it.
			expect((await store.renewLease('payout-run', 'paypal', lease.token, 60_000)).renewed).toBe(true);
		});

		it('release frees it at once, only for its own token', async () => {
			const lease = await store.acquireLease('payout-run', 'paypal', { ttlMs: 60_000 });
			if (!lease.acquired) throw new Error('expected the lease');
			expect(await store.releaseLease('payout-run', 'paypal', 'not-the-token')).toBe(false);
			expect(await store.releaseLease('payout-run', 'paypal', lease.token)).toBe(true);
			expect(await store.getLease('payout-run', 'paypal')).toBeUndefined();
			expect(await store.acquireLease('payout-run', 'paypal', { ttlMs: 60_000 })).toMatchObject({ acquired: true, takenOver: false });
		});

		it('purges expired leases (per namespace or all), keeps live ones', async () => {
			await store.acquireLease('auth-replay', 'sig-1', { ttlMs: 30 });
			await store.acquireLease('auth-replay', 'sig-2', { ttlMs: 30 });
			await store.acquireLease('other', 'x', { ttlMs: 30 });
			await store.acquireLease('auth-replay', 'sig-live', { ttlMs: 60_000 });
			await sleep(80);
			expect(await store.purgeExpiredLeases({ namespace: 'auth-replay', graceMs: 60_000 })).toBe(0);
			expect(await store.purgeExpiredLeases({ namespace: 'auth-replay' })).toBe(2);
			expect(await store.getLease('other', 'x')).toBeDefined();
			expect(await store.purgeExpiredLeases()).toBe(1);
			expect(await store.getLease('auth-replay', 'sig-live')).toBeDefined();
		});

		it('refuses bad input with a clear error', async () => {
			await expect(store.acquireLease('', 'k', { ttlMs: 1000 })).rejects.toThrow(/namespace/);
			await expect(store.acquireLease('ns', '', { ttlMs: 1000 })).rejects.toThrow(/key/);
			await expect(store.acquireLease('ns', 'k', { ttlMs: 0 })).rejects.toThrow(/ttlMs/);
			await expect(store.acquireLease('ns', 'k', { ttlMs: 1.5 })).rejects.toThrow(/ttlMs/);
			await expect(store.acquireLease('ns', 'k', {} as { ttlMs: number })).rejects.toThrow(/ttlMs/);
			await expect(store.renewLease('ns', 'k', '', 1000)).rejects.toThrow(/token/);
		});

		it('concurrent acquirers of one lease on two connections: exactly one wins, in any interleaving', async () => {
			const other = await harness.open();
			try {
				await fc.assert(
					fc.asyncProperty(
						fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }),
						fc.string({ minLength: 1, maxLength: 20 }).filter((text) => text.trim() !== '' && !text.includes('\u0000')),
						async (onOther, key) => {
							const results = await Promise.all(onOther.map((useOther) => (useOther ? other : store).acquireLease('race', key, { ttlMs: 60_000 })));
							expect(results.filter((result) => result.acquired)).toHaveLength(1);
							const winner = results.find((result) => result.acquired);
							if (winner?.acquired) await store.releaseLease('race', key, winner.token);
						},
					),
					{ numRuns: 25 },
				);
			} finally {
				await other.close();
			}
		});
	});
}

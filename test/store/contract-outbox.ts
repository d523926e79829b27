/**
 * The durable outbox part of the store contract (issue 16), run by both stores through contract.ts: insert-if-absent
 * entries, due claims leased to one caller at a time (in any interleaving of two connections), a crashed claim due
 * again after its lease, settling only by the current claimer (or inline, without a token), settled entries that
 * never change and hold no item, and erasure and retention that leave no customer data in an item.
 */
import fc from 'fast-check';
import type { ClaimedOutboxEntry, TrackingStore } from '../../src/store';
import { REDACTED_TEXT } from '../../src/store';
import type { StoreHarness } from './contract';
import { found, person, personalTexts, plant, wholeDatabase } from './contract-privacy';

const T0 = '2026-05-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const key = (conversionId: string, destination: string) => ({ conversionId, destination });
const item = (n: number) => ({ conversionId: `conv-${n}`, user: { email: `buyer${n}@example.com` }, amount: '10.5' });

/** Texts fast-check may use as keys: never blank and never with a NUL (which neither database keeps in text). */
const keyText = fc.string({ minLength: 1, maxLength: 12 }).filter((text) => text.trim() !== '' && !text.includes('\u0000'));

export function describeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
	describe(`${name}: durable outbox`, () => {
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

		it('runs an entry from enqueue through a claim and a retry to sent; the item goes with the settlement', async () => {
			expect(
				await store.enqueueDeliveries([
					{ conversionId: 'c1', destination: 'meta', item: item(1), dueAt: T0 },
					{ conversionId: 'c1', destination: 'postback:partner', item: item(1), dueAt: '2026-05-01T12:00:00+02:00' },
				]),
			).toEqual([true, true]);
			const [meta, partner] = await store.listOutbox({ conversionIds: ['c1'] });
			expect(meta).toMatchObject({ conversionId: 'c1', destination: 'meta', state: 'pending', attempts: 0, dueAt: T0, item: item(1) });
			expect(partner).toMatchObject({ destination: 'postback:partner', dueAt: T0 });
			expect(Date.parse(meta.createdAt)).toBeGreaterThan(Date.now() - 60_000);
			expect(meta.updatedAt).toBe(meta.createdAt);
			expect(meta.lastCode).toBeUndefined();

			const claimed = await store.claimDueDeliveries({ now: T0, limit: 10, leaseMs: 60_000 });
			expect(claimed.map((entry) => entry.destination)).toEqual(['meta', 'postback:partner']);
			expect(claimed[0].token).not.toBe(claimed[1].token);
			expect(claimed[0]).toMatchObject({ state: 'pending', attempts: 0, item: item(1) });

			expect(
				await store.settleDelivery(
					key('c1', 'meta'),
					{ state: 'pending', dueAt: at(3_600_000) },
					{ code: '429', reason: 'throttled', token: claimed[0].token },
				),
			).toBe(true);
			expect(await store.settleDelivery(key('c1', 'postback:partner'), { state: 'sent' }, { code: '200', token: claimed[1].token })).toBe(true);

			const [retry, sent] = await store.listOutbox({ conversionIds: ['c1'] });
			expect(retry).toMatchObject({ state: 'pending', attempts: 1, dueAt: at(3_600_000), lastCode: '429', lastReason: 'throttled', item: item(1) });
			expect(sent).toMatchObject({ state: 'sent', attempts: 1, lastCode: '200' });
			expect(sent.item).toBeUndefined();
			expect(sent.lastReason).toBeUndefined();

			// Not due before its new time; due (and claimable) at it.
			expect(await store.claimDueDeliveries({ now: at(3_599_999), limit: 10, leaseMs: 60_000 })).toEqual([]);
			const [again] = await store.claimDueDeliveries({ now: at(3_600_000), limit: 10, leaseMs: 60_000 });
			expect(again).toMatchObject({ destination: 'meta', attempts: 1 });
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: again.token, at: at(3_600_500) })).toBe(true);
			expect((await store.listOutbox({ conversionIds: ['c1'], destination: 'meta' }))[0]).toMatchObject({
				state: 'sent',
				attempts: 2,
				updatedAt: at(3_600_500),
			});
			expect(await store.claimDueDeliveries({ now: at(86_400_000), limit: 10, leaseMs: 60_000 })).toEqual([]);
		});

		it('enqueues insert-if-absent: an existing entry is left as it is, also within one batch', async () => {
			expect(await store.enqueueDeliveries([{ conversionId: 'c1', destination: 'meta', item: item(1), dueAt: T0 }])).toEqual([true]);
			await store.settleDelivery(key('c1', 'meta'), { state: 'failed' }, { code: '100' });
			expect(
				await store.enqueueDeliveries([
					{ conversionId: 'c2', destination: 'meta', item: item(2), dueAt: T0 },
					{ conversionId: 'c1', destination: 'meta', item: item(9), dueAt: T0 },
					{ conversionId: 'c2', destination: 'meta', item: item(8), dueAt: at(1) },
					{ conversionId: 'c2', destination: 'tiktok', item: item(2), dueAt: T0 },
				]),
			).toEqual([true, false, false, true]);
			const entries = await store.listOutbox();
			expect(entries.map((entry) => [entry.conversionId, entry.destination, entry.state, entry.item])).toEqual([
				['c1', 'meta', 'failed', undefined],
				['c2', 'meta', 'pending', item(2)],
				['c2', 'tiktok', 'pending', item(2)],
			]);
			expect(entries[1].dueAt).toBe(T0);
			expect(await store.enqueueDeliveries([])).toEqual([]);
		});

		it('claims the oldest due first, up to the limit, only of the destinations asked for', async () => {
			await store.enqueueDeliveries([
				{ conversionId: 'late', destination: 'meta', item: item(1), dueAt: at(3000) },
				{ conversionId: 'first', destination: 'meta', item: item(2), dueAt: at(1000) },
				{ conversionId: 'future', destination: 'meta', item: item(3), dueAt: at(10_000) },
				{ conversionId: 'second', destination: 'tiktok', item: item(4), dueAt: at(2000) },
			]);
			const two = await store.claimDueDeliveries({ now: at(5000), limit: 2, leaseMs: 60_000 });
			expect(two.map((entry) => entry.conversionId)).toEqual(['first', 'second']);
			expect((await store.claimDueDeliveries({ now: at(5000), limit: 10, leaseMs: 60_000, destinations: ['tiktok'] })).length).toBe(0);
			expect((await store.claimDueDeliveries({ now: at(5000), limit: 10, leaseMs: 60_000, destinations: [] })).length).toBe(0);
			const rest = await store.claimDueDeliveries({ now: at(5000), limit: 10, leaseMs: 60_000, destinations: ['meta', 'tiktok'] });
			expect(rest.map((entry) => entry.conversionId)).toEqual(['late']);
			const future = await store.claimDueDeliveries({ now: at(10_000), limit: 10, leaseMs: 60_000, destinations: ['meta'] });
			expect(future.map((entry) => entry.conversionId)).toEqual(['future']);
		});

		it('a destination name ending in * selects every destination it starts', async () => {
			await store.enqueueDeliveries([
				{ conversionId: 'p1', destination: 'postback:voluum', item: item(1), dueAt: at(1000) },
				{ conversionId: 'p2', destination: 'postback:custom~0a1b2c3d', item: item(2), dueAt: at(2000) },
				{ conversionId: 'm1', destination: 'meta', item: item(3), dueAt: at(500) },
				// Not under the prefix: the colon is part of it.
				{ conversionId: 'x1', destination: 'postbackx', item: item(4), dueAt: at(500) },
			]);
			const partners = await store.claimDueDeliveries({ now: at(5000), limit: 10, leaseMs: 60_000, destinations: ['postback:*'] });
			expect(partners.map((entry) => entry.destination)).toEqual(['postback:voluum', 'postback:custom~0a1b2c3d']);
			const rest = await store.claimDueDeliveries({ now: at(5000), limit: 10, leaseMs: 60_000, destinations: ['postback:*', 'meta'] });
			expect(rest.map((entry) => entry.conversionId)).toEqual(['m1']);
		});

		it('a crash between claim and settle (the token dropped) makes the entry due again once its lease runs out', async () => {
			await store.enqueueDeliveries([{ conversionId: 'c1', destination: 'meta', item: item(1), dueAt: T0 }]);
			const [crashed] = await store.claimDueDeliveries({ now: T0, limit: 5, leaseMs: 60_000 });
			expect(await store.claimDueDeliveries({ now: at(59_999), limit: 5, leaseMs: 60_000 })).toEqual([]);
			const [reclaimed] = await store.claimDueDeliveries({ now: at(60_000), limit: 5, leaseMs: 60_000 });
			expect(reclaimed).toMatchObject({ conversionId: 'c1', destination: 'meta', attempts: 0, item: item(1) });
			expect(reclaimed.token).not.toBe(crashed.token);
			// The crashed run's token is stale now; the new claimer settles.
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: crashed.token })).toBe(false);
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: reclaimed.token })).toBe(true);
		});

		it('refuses a stale or foreign token, changing nothing; an expired lease nobody took is still its claimer’s', async () => {
			await store.enqueueDeliveries([{ conversionId: 'c1', destination: 'meta', item: item(1), dueAt: T0 }]);
			// Unclaimed: no token can settle it.
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: 'never-issued' })).toBe(false);
			const [claim] = await store.claimDueDeliveries({ now: T0, limit: 1, leaseMs: 1000 });
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: 'not-the-token' })).toBe(false);
			expect((await store.listOutbox())[0]).toMatchObject({ state: 'pending', attempts: 0, item: item(1) });
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'pending', dueAt: at(5000) }, { token: claim.token })).toBe(true);
			// Re-scheduling cleared the lease: the same token cannot settle again.
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: claim.token })).toBe(false);
			expect((await store.listOutbox())[0]).toMatchObject({ state: 'pending', attempts: 1 });
		});

		it('an inline send (no token) settles whatever the lease; the claimer then finds its token stale', async () => {
			await store.enqueueDeliveries([{ conversionId: 'c1', destination: 'meta', item: item(1), dueAt: T0 }]);
			const [claim] = await store.claimDueDeliveries({ now: T0, limit: 1, leaseMs: 60_000 });
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'pending', dueAt: at(1000) }, { code: 'retry_later' })).toBe(true);
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: claim.token })).toBe(false);
			// The lease went with the inline settlement: due again at its new time, not after the old lease.
			expect((await store.claimDueDeliveries({ now: at(1000), limit: 1, leaseMs: 60_000 })).length).toBe(1);
		});

		it('a settled entry never changes again, holds no item and no lease, and is never claimed', async () => {
			await store.enqueueDeliveries(
				(['sent', 'failed', 'gave_up'] as const).map((state) => ({ conversionId: `c-${state}`, destination: 'meta', item: item(1), dueAt: T0 })),
			);
			const claims = await store.claimDueDeliveries({ now: T0, limit: 10, leaseMs: 60_000 });
			for (const claim of claims) {
				const state = claim.conversionId.slice(2) as 'sent' | 'failed' | 'gave_up';
				expect(await store.settleDelivery(claim, { state }, { token: claim.token, code: state })).toBe(true);
				expect(await store.settleDelivery(claim, { state }, { token: claim.token })).toBe(false);
				expect(await store.settleDelivery(claim, { state: 'sent' })).toBe(false);
				expect(await store.settleDelivery(claim, { state: 'pending', dueAt: T0 })).toBe(false);
			}
			expect((await store.listOutbox()).map((entry) => [entry.conversionId, entry.state, entry.attempts, entry.lastCode, entry.item])).toEqual([
				// One batch: its entries in key order.
				['c-failed', 'failed', 1, 'failed', undefined],
				['c-gave_up', 'gave_up', 1, 'gave_up', undefined],
				['c-sent', 'sent', 1, 'sent', undefined],
			]);
			expect(await harness.query(`SELECT conversion_id FROM outbox WHERE item IS NOT NULL OR lease_token IS NOT NULL OR lease_expires_at IS NOT NULL`)).toEqual(
				[],
			);
			expect(await store.claimDueDeliveries({ now: at(10 * 86_400_000), limit: 10, leaseMs: 1 })).toEqual([]);
		});

		it('keeps a reason to its first 1000 characters; throws on an unknown entry and on bad input, with a clear reason', async () => {
			await store.enqueueDeliveries([{ conversionId: 'c1', destination: 'meta', item: item(1), dueAt: T0 }]);
			expect(await store.settleDelivery(key('c1', 'meta'), { state: 'failed' }, { reason: 'é'.repeat(1500) })).toBe(true);
			expect((await store.listOutbox())[0].lastReason).toBe('é'.repeat(1000));

			await expect(store.settleDelivery(key('c1', 'tiktok'), { state: 'sent' })).rejects.toThrow(
				/no outbox entry for conversion "c1" and destination "tiktok"/,
			);
			await expect(store.settleDelivery(key('c1', 'meta'), { state: 'pending' } as never)).rejects.toThrow(/dueAt/);
			await expect(store.settleDelivery(key('c1', 'meta'), { state: 'done' } as never)).rejects.toThrow(/state must be one of/);
			await expect(store.settleDelivery(key('c1', 'meta'), { state: 'sent' }, { token: '' })).rejects.toThrow(/token/);
			await expect(store.settleDelivery(key('', 'meta'), { state: 'sent' })).rejects.toThrow(/conversionId/);
			const claim = (options: object) => store.claimDueDeliveries({ now: T0, limit: 10, leaseMs: 1000, ...options });
			await expect(claim({ limit: 0 })).rejects.toThrow(/limit must be a whole number from 1 to 1000/);
			await expect(claim({ limit: 1001 })).rejects.toThrow(/limit/);
			await expect(claim({ limit: 1.5 })).rejects.toThrow(/limit/);
			await expect(claim({ leaseMs: 0 })).rejects.toThrow(/leaseMs/);
			await expect(claim({ leaseMs: -5 })).rejects.toThrow(/leaseMs/);
			await expect(claim({ leaseMs: 2.5 })).rejects.toThrow(/leaseMs/);
			await expect(claim({ now: '2026-05-01 10:00' })).rejects.toThrow(/now must be an ISO 8601 time/);
			await expect(claim({ destinations: [''] })).rejects.toThrow(/destinations/);
			await expect(store.enqueueDeliveries([{ conversionId: 'c2', destination: ' ', item: {}, dueAt: T0 }])).rejects.toThrow(/destination/);
			await expect(store.enqueueDeliveries([{ conversionId: 'c2', destination: 'meta', item: {}, dueAt: 'tomorrow' }])).rejects.toThrow(/dueAt/);
			await expect(store.listOutbox({ limit: 0 })).rejects.toThrow(/limit/);
			await expect(store.listOutbox({ states: ['lost' as never] })).rejects.toThrow(/states/);
			// A refused batch writes nothing.
			expect((await store.listOutbox()).length).toBe(1);
		});

		it('lists by conversion, state and destination, oldest first, at most the limit', async () => {
			await store.enqueueDeliveries([
				{ conversionId: 'a', destination: 'meta', item: item(1), dueAt: T0 },
				{ conversionId: 'a', destination: 'tiktok', item: item(1), dueAt: T0 },
			]);
			await store.enqueueDeliveries([{ conversionId: 'b', destination: 'meta', item: item(2), dueAt: T0 }]);
			await store.settleDelivery(key('a', 'tiktok'), { state: 'sent' });
			const keys = (entries: Array<{ conversionId: string; destination: string }>) => entries.map((entry) => `${entry.conversionId}/${entry.destination}`);
			expect(keys(await store.listOutbox())).toEqual(['a/meta', 'a/tiktok', 'b/meta']);
			expect(keys(await store.listOutbox({ limit: 2 }))).toEqual(['a/meta', 'a/tiktok']);
			expect(keys(await store.listOutbox({ states: ['pending'] }))).toEqual(['a/meta', 'b/meta']);
			expect(keys(await store.listOutbox({ states: ['sent', 'failed'] }))).toEqual(['a/tiktok']);
			expect(keys(await store.listOutbox({ destination: 'meta' }))).toEqual(['a/meta', 'b/meta']);
			expect(keys(await store.listOutbox({ conversionIds: ['b', 'zz'], destination: 'meta', states: ['pending'] }))).toEqual(['b/meta']);
			expect(await store.listOutbox({ conversionIds: [] })).toEqual([]);
			expect(await store.listOutbox({ states: [] })).toEqual([]);
		});

		it('two connections claiming in any interleaving: no entry has two live claims, and every due entry is claimed', async () => {
			const other = await harness.open();
			let run = 0;
			try {
				await fc.assert(
					fc.asyncProperty(
						fc.uniqueArray(keyText, { minLength: 1, maxLength: 12 }),
						fc.array(fc.record({ onOther: fc.boolean(), limit: fc.integer({ min: 1, max: 5 }) }), { minLength: 2, maxLength: 8 }),
						fc.array(fc.constantFrom('due', 'future', 'leased', 'expired'), { minLength: 12, maxLength: 12 }),
						async (conversionIds, claimers, kinds) => {
							run++;
							// Destinations of this run only, so earlier runs' entries never count.
							const destination = `run-${run}`;
							const now = at(run * 3_600_000);
							await store.enqueueDeliveries(
								conversionIds.map((conversionId, n) => ({
									conversionId,
									destination,
									item: { n },
									dueAt: kinds[n] === 'future' ? at(run * 3_600_000 + 1) : at(run * 3_600_000 - 10_000),
								})),
							);
							// A live claim (taken just before) and an expired one (a crashed run's).
							for (const [n, conversionId] of conversionIds.entries()) {
								if (kinds[n] !== 'leased' && kinds[n] !== 'expired') continue;
								const lease = kinds[n] === 'leased' ? 60_000 : 5000;
								const pre = await store.claimDueDeliveries({ now: at(run * 3_600_000 - 9000), limit: 1000, leaseMs: lease, destinations: [destination] });
								const mine = pre.find((entry) => entry.conversionId === conversionId);
								// Release every other pre-claimed entry again (inline re-schedule), keeping only this one's lease.
								for (const entry of pre.filter((entry) => entry.conversionId !== conversionId)) {
									await store.settleDelivery(entry, { state: 'pending', dueAt: at(run * 3_600_000 - 10_000) }, { token: entry.token });
								}
								expect(mine).toBeDefined();
							}
							// The pre-claims counted attempts on the re-scheduled ones; what matters here is who holds what.
							const results = await Promise.all(
								claimers.map(({ onOther, limit }) =>
									(onOther ? other : store).claimDueDeliveries({ now, limit, leaseMs: 60_000, destinations: [destination] }),
								),
							);
							const claimed: ClaimedOutboxEntry[] = results.flat();
							const names = claimed.map((entry) => entry.conversionId);
							expect(new Set(names).size).toBe(names.length);
							const claimable = conversionIds.filter((_, n) => kinds[n] === 'due' || kinds[n] === 'expired');
							const capacity = claimers.reduce((sum, claimer) => sum + claimer.limit, 0);
							if (capacity >= claimable.length) expect([...names].sort()).toEqual([...claimable].sort());
							else {
								expect(names.length).toBe(capacity);
								expect(claimable).toEqual(expect.arrayContaining(names));
							}
							// Each claim's token settles its entry; nobody else's does.
							for (const entry of claimed) {
								expect(await other.settleDelivery(entry, { state: 'sent' }, { token: `${entry.token}x` })).toBe(false);
								expect(await other.settleDelivery(entry, { state: 'sent' }, { token: entry.token })).toBe(true);
							}
						},
					),
					{ numRuns: 25 },
				);
			} finally {
				await other.close();
			}
		});

		it('erasing a person removes the items of their pending entries (also for a conversion kept elsewhere) and redacts their reasons', async () => {
			const alice = person('alice', 1);
			const bob = person('bob', 2);
			await plant(store, alice);
			await plant(store, bob);
			const funnelItem = (p: typeof alice) => ({
				conversionId: p.conversionId,
				user: { email: p.email, phone: p.phone, firstName: p.firstName, externalId: p.externalId },
				ip: p.ip,
				click: { clickId: p.clickId, userAgent: p.userAgent, visitorId: p.visitorId },
			});
			await store.enqueueDeliveries([
				{ conversionId: alice.conversionId, destination: 'meta', item: funnelItem(alice), dueAt: T0 },
				{ conversionId: alice.conversionId, destination: 'google_ads', item: funnelItem(alice), dueAt: T0 },
				// A conversion this store does not hold (its funnel writes elsewhere): found by its item.
				{ conversionId: 'elsewhere-1', destination: 'meta', item: { ...funnelItem(alice), conversionId: 'elsewhere-1' }, dueAt: T0 },
				{ conversionId: bob.conversionId, destination: 'meta', item: funnelItem(bob), dueAt: T0 },
			]);
			const [claim] = await store.claimDueDeliveries({ now: T0, limit: 1, leaseMs: 60_000, destinations: ['google_ads'] });
			await store.settleDelivery(key(alice.conversionId, 'google_ads'), { state: 'failed' }, { reason: `Invalid email ${alice.email}`, token: claim.token });
			await store.enqueueDeliveries([{ conversionId: alice.conversionId, destination: 'tiktok', item: funnelItem(alice), dueAt: T0 }]);
			const [live] = await store.claimDueDeliveries({ now: T0, limit: 1, leaseMs: 60_000, destinations: ['tiktok'] });

			const report = await store.erasePerson({ email: alice.email });
			// meta and tiktok (pending, one of them claimed), elsewhere-1 (pending), google_ads (settled: its reason).
			expect(report.counts.outboxErased).toBe(4);
			const entries = await store.listOutbox();
			const of = (conversionId: string, destination: string) =>
				entries.find((entry) => entry.conversionId === conversionId && entry.destination === destination)!;
			expect(of(alice.conversionId, 'meta')).toMatchObject({ state: 'gave_up', lastCode: 'erased', attempts: 0 });
			expect(of(alice.conversionId, 'meta').item).toBeUndefined();
			expect(of('elsewhere-1', 'meta')).toMatchObject({ state: 'gave_up', lastCode: 'erased' });
			expect(of(alice.conversionId, 'google_ads')).toMatchObject({ state: 'failed', lastReason: REDACTED_TEXT, attempts: 1 });
			expect(of(bob.conversionId, 'meta')).toMatchObject({ state: 'pending', item: funnelItem(bob) });
			// The claimer of an erased entry can no longer send it.
			expect(await store.settleDelivery(key(alice.conversionId, 'tiktok'), { state: 'sent' }, { token: live.token })).toBe(false);
			expect(await store.claimDueDeliveries({ now: at(86_400_000), limit: 10, leaseMs: 1000, destinations: ['meta', 'tiktok'] })).toMatchObject([
				{ conversionId: bob.conversionId },
			]);

			const rows = await wholeDatabase(harness, store);
			expect(found(rows, personalTexts(alice))).toEqual([]);
			expect(found(rows, personalTexts(bob))).toEqual(personalTexts(bob));
			expect((await store.erasePerson({ email: alice.email })).counts.outboxErased).toBe(0);
		});

		it('erasing a person gives up the journal entry of their postback not yet decided by the funnel', async () => {
			const carol = person('carol', 3);
			const journaled = (email: string) => ({
				network: 'custom',
				transactionId: 'T-journal',
				user: { email },
				raw: { method: 'GET', query: { email, transaction_id: 'T-journal' } },
				intake: { id: 'in_0123456789abcdef0123456789abcdef' },
			});
			await store.enqueueDeliveries([
				{ conversionId: 'in_0123456789abcdef0123456789abcdef', destination: 'wf-1/intake', item: journaled(carol.email), dueAt: T0 },
				{ conversionId: 'in_fedcba9876543210fedcba9876543210', destination: 'wf-1/intake', item: journaled('someone.else@example.org'), dueAt: T0 },
			]);
			expect((await store.erasePerson({ email: carol.email })).counts.outboxErased).toBe(1);
			const entries = await store.listOutbox({ destination: 'wf-1/intake' });
			expect(entries.map(({ conversionId, state, lastCode }) => ({ conversionId, state, lastCode }))).toEqual([
				{ conversionId: 'in_0123456789abcdef0123456789abcdef', state: 'gave_up', lastCode: 'erased' },
				{ conversionId: 'in_fedcba9876543210fedcba9876543210', state: 'pending', lastCode: undefined },
			]);
			expect(found(await wholeDatabase(harness, store), [carol.email])).toEqual([]);
		});

		it('retention drops pending items past the customer-data cutoff (the entry gives up) and deletes settled entries past the deliveries cutoff', async () => {
			await store.enqueueDeliveries([
				{ conversionId: 'pending', destination: 'meta', item: item(1), dueAt: T0 },
				{ conversionId: 'old-sent', destination: 'meta', item: item(2), dueAt: T0 },
				{ conversionId: 'new-sent', destination: 'meta', item: item(3), dueAt: T0 },
			]);
			const day = 86_400_000;
			const written = Date.now();
			await store.settleDelivery(key('old-sent', 'meta'), { state: 'sent' }, { at: new Date(written - 40 * day).toISOString() });
			await store.settleDelivery(key('new-sent', 'meta'), { state: 'sent' }, { at: new Date(written - 5 * day).toISOString() });
			const [claim] = await store.claimDueDeliveries({ now: T0, limit: 1, leaseMs: 60_000 });
			expect(claim.conversionId).toBe('pending');

			// Written just now: nothing is older than 30 days of customer data yet.
			const early = await store.applyRetention({ customerData: 30, deliveries: 30 }, { now: new Date(written + day).toISOString() });
			expect(early.counts).toMatchObject({ outboxItemsDropped: 0, outboxDeleted: 1 });
			expect((await store.listOutbox()).map((entry) => entry.conversionId)).toEqual(['new-sent', 'pending']);

			const later = await store.applyRetention({ customerData: 30 }, { now: new Date(written + 31 * day).toISOString() });
			expect(later.counts).toMatchObject({ outboxItemsDropped: 1, outboxDeleted: 0 });
			const [dropped] = await store.listOutbox({ conversionIds: ['pending'] });
			expect(dropped).toMatchObject({ state: 'gave_up', lastCode: 'retention', attempts: 0 });
			expect(dropped.item).toBeUndefined();
			expect(await store.settleDelivery(claim, { state: 'sent' }, { token: claim.token })).toBe(false);
			expect(await harness.query(`SELECT conversion_id FROM outbox WHERE item IS NOT NULL`)).toEqual([]);
			expect((await store.applyRetention({ customerData: 30 }, { now: new Date(written + 31 * day).toISOString() })).counts.outboxItemsDropped).toBe(0);
		});
		describe('replay', () => {
			/** A stored conversion whose payload is the funnel item, as the funnel records it. */
			const stored = async (id: string, network: string, recordedAt: string) => {
				const payload = { conversionId: id, network, user: { email: `${id}@example.com` }, amount: '10.5', route: 'purchase' };
				await store.saveConversion({ id, network, eventName: 'Purchase', status: 'pending', currency: 'USD', occurredAt: recordedAt, recordedAt, payload });
				return payload;
			};
			const NOW = at(7 * 86_400_000);

			it('makes chosen entries due now with attempts restarted; a settled one gets its item back from the stored conversion', async () => {
				const sentItem = await stored('r-sent', 'awin', T0);
				await stored('r-pending', 'awin', T0);
				await stored('r-leased', 'awin', T0);
				await store.enqueueDeliveries([
					{ conversionId: 'r-sent', destination: 'meta', item: sentItem, dueAt: T0 },
					{ conversionId: 'r-sent', destination: 'tiktok', item: sentItem, dueAt: T0 },
					{ conversionId: 'r-pending', destination: 'meta', item: item(2), dueAt: T0 },
					{ conversionId: 'r-leased', destination: 'meta', item: item(3), dueAt: T0 },
					{ conversionId: 'r-elsewhere', destination: 'meta', item: item(4), dueAt: T0 },
				]);
				await store.settleDelivery(key('r-sent', 'meta'), { state: 'failed' }, { code: '401', reason: 'bad token' });
				await store.settleDelivery(key('r-sent', 'tiktok'), { state: 'sent' });
				await store.settleDelivery(key('r-pending', 'meta'), { state: 'pending', dueAt: at(86_400_000) }, { code: '429' });
				await store.settleDelivery(key('r-elsewhere', 'meta'), { state: 'gave_up' });
				const [held] = await store.claimDueDeliveries({ now: NOW, limit: 1, leaseMs: 60_000, destinations: ['meta'] });
				expect(held.conversionId).toBe('r-leased');

				const report = await store.replayDeliveries({
					destination: 'meta',
					conversionIds: ['r-sent', 'r-pending', 'r-leased', 'r-elsewhere', 'r-missing'],
					now: NOW,
				});
				expect(report).toMatchObject({ destination: 'meta', dueAt: NOW, replayed: 2, more: false });
				expect(report.replayedIds.sort()).toEqual(['r-pending', 'r-sent']);
				expect(report.skippedByReason).toEqual({ in_flight: 1, not_stored: 1, no_entry: 1 });
				expect(report.skipped.find((skip) => skip.conversionId === 'r-elsewhere')).toMatchObject({ reason: 'not_stored' });
				expect(report.skipped.find((skip) => skip.conversionId === 'r-missing')?.message).toMatch(/No outbox entry/);

				const [sent] = await store.listOutbox({ conversionIds: ['r-sent'], destination: 'meta' });
				expect(sent).toMatchObject({ state: 'pending', attempts: 0, dueAt: NOW, item: sentItem, lastCode: '401' });
				const [pending] = await store.listOutbox({ conversionIds: ['r-pending'] });
				expect(pending).toMatchObject({ state: 'pending', attempts: 0, dueAt: NOW, item: item(2) });
				// Only the chosen destination: tiktok stays sent.
				expect((await store.listOutbox({ conversionIds: ['r-sent'], destination: 'tiktok' }))[0]).toMatchObject({ state: 'sent', attempts: 1 });
				expect((await store.listOutbox({ conversionIds: ['r-elsewhere'] }))[0].state).toBe('gave_up');
				// The run holding r-leased still settles it.
				expect(await store.settleDelivery(key('r-leased', 'meta'), { state: 'sent' }, { token: held.token })).toBe(true);

				const due = await store.claimDueDeliveries({ now: NOW, limit: 10, leaseMs: 60_000 });
				expect(due.map((entry) => entry.conversionId).sort()).toEqual(['r-pending', 'r-sent']);
				expect(await store.settleDelivery(key('r-sent', 'meta'), { state: 'sent' }, { token: due.find((e) => e.conversionId === 'r-sent')!.token })).toBe(true);
				expect((await store.listOutbox({ conversionIds: ['r-sent'], destination: 'meta' }))[0]).toMatchObject({ state: 'sent', attempts: 1 });
			});

			it('selects by network or by recorded-at range, on one destination', async () => {
				for (const [id, network, recordedAt] of [
					['n-1', 'awin', '2026-04-01T00:00:00.000Z'],
					['n-2', 'awin', '2026-04-10T00:00:00.000Z'],
					['n-3', 'cj', '2026-04-05T00:00:00.000Z'],
				] as const) {
					const payload = await stored(id, network, recordedAt);
					await store.enqueueDeliveries([
						{ conversionId: id, destination: 'meta', item: payload, dueAt: T0 },
						{ conversionId: id, destination: 'google_ads', item: payload, dueAt: T0 },
					]);
					await store.settleDelivery(key(id, 'meta'), { state: 'sent' });
					await store.settleDelivery(key(id, 'google_ads'), { state: 'sent' });
				}
				const byNetwork = await store.replayDeliveries({ destination: 'meta', network: 'awin', now: NOW });
				expect(byNetwork.replayedIds).toEqual(['n-1', 'n-2']);
				const byRange = await store.replayDeliveries({
					destination: 'google_ads',
					recordedFrom: '2026-04-05T00:00:00.000Z',
					recordedBefore: '2026-04-10T00:00:00+00:00',
					now: NOW,
				});
				expect(byRange.replayedIds).toEqual(['n-3']);
				const pending = await store.listOutbox({ states: ['pending'] });
				expect(pending.map((entry) => `${entry.conversionId}/${entry.destination}`).sort()).toEqual(['n-1/meta', 'n-2/meta', 'n-3/google_ads']);
				const limited = await store.replayDeliveries({ destination: 'google_ads', recordedFrom: '2026-01-01T00:00:00Z', now: NOW, limit: 2 });
				expect(limited).toMatchObject({ replayed: 2, more: true });
			});

			it('never replays what erasure or retention removed, and says why', async () => {
				const alice = person('replay', 3);
				await plant(store, alice);
				const old = await stored('old', 'awin', '2020-01-01T00:00:00.000Z');
				await stored('kept', 'awin', '2020-01-01T00:00:00.000Z');
				await store.enqueueDeliveries([
					{ conversionId: alice.conversionId, destination: 'meta', item: { conversionId: alice.conversionId, user: { email: alice.email } }, dueAt: T0 },
					{ conversionId: 'old', destination: 'meta', item: old, dueAt: T0 },
				]);
				await store.settleDelivery(key('old', 'meta'), { state: 'sent' });
				await store.erasePerson({ email: alice.email });
				await store.applyRetention({ customerData: 30 });
				await store.enqueueDeliveries([{ conversionId: 'kept', destination: 'meta', item: item(9), dueAt: T0 }]);
				// Later still: the pending entry written just now is past the cutoff too, and gives up.
				await store.applyRetention({ customerData: 30 }, { now: new Date(Date.now() + 31 * 86_400_000).toISOString() });

				const report = await store.replayDeliveries({ destination: 'meta', conversionIds: [alice.conversionId, 'old', 'kept'], now: NOW });
				expect(report.replayed).toBe(0);
				const reasons = Object.fromEntries(report.skipped.map((skip) => [skip.conversionId, skip.reason]));
				expect(reasons).toEqual({ [alice.conversionId]: 'erased', old: 'redacted', kept: 'retention' });
				expect(JSON.stringify(report)).not.toContain(alice.email);
				expect(await harness.query(`SELECT conversion_id FROM outbox WHERE item IS NOT NULL`)).toEqual([]);
			});

			it('takes exactly one selection', async () => {
				await expect(store.replayDeliveries({ destination: 'meta', now: NOW })).rejects.toThrow(/exactly one/);
				await expect(store.replayDeliveries({ destination: 'meta', network: 'awin', conversionIds: ['x'] })).rejects.toThrow(/exactly one/);
				await expect(store.replayDeliveries({ destination: ' ', network: 'awin' })).rejects.toThrow(/destination/);
				await expect(
					store.replayDeliveries({ destination: 'meta', recordedFrom: '2026-04-02T00:00:00Z', recordedBefore: '2026-04-01T00:00:00Z' }),
				).rejects.toThrow(/before/);
				expect(await store.replayDeliveries({ destination: 'meta', network: 'none' })).toMatchObject({ replayed: 0, skipped: [], more: false });
			});
		});
	});
}

/**
 * Two workflows sharing one tracking store never see each other's outbox entries: a trigger claims only its own
 * workflow's, with plain destinations, so a conversion is only ever sent again through the nodes (and credentials)
 * of the workflow that wrote it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scopedDestination, scopedOutbox, splitDestination } from '../../../src/destinations/outbox-scope';
import { openStore } from '../../../src/store';
import type { TrackingStore } from '../../../src/store/types';

let dir: string;
let store: TrackingStore;
const NOW = '2026-12-07T12:00:00.000Z';
const EARLIER = '2026-12-07T11:00:00.000Z';

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'outbox-scope-'));
	store = await openStore({ kind: 'sqlite', path: join(dir, 'store.sqlite') });
});
afterAll(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

test('each workflow claims, lists and settles only its own entries, under plain destinations', async () => {
	const clientA = scopedOutbox(store, 'wfA');
	const clientB = scopedOutbox(store, 'wfB');
	await clientA.enqueueDeliveries([{ conversionId: 'c1', destination: 'meta', item: { conversionId: 'c1', pixel: 'A' }, dueAt: EARLIER }]);
	await clientB.enqueueDeliveries([
		{ conversionId: 'c2', destination: 'meta', item: { conversionId: 'c2', pixel: 'B' }, dueAt: EARLIER },
		{ conversionId: 'c3', destination: 'postback:shareasale', item: { conversionId: 'c3' }, dueAt: EARLIER },
	]);

	const claimedByA = await clientA.claimDueDeliveries({ now: NOW, limit: 10, leaseMs: 60_000 });
	expect(claimedByA.map((entry) => [entry.conversionId, entry.destination])).toEqual([['c1', 'meta']]);
	const claimedByB = await clientB.claimDueDeliveries({ now: NOW, limit: 10, leaseMs: 60_000, destinations: ['meta'] });
	expect(claimedByB.map((entry) => [entry.conversionId, entry.destination])).toEqual([['c2', 'meta']]);
	expect((await clientB.claimDueDeliveries({ now: NOW, limit: 10, leaseMs: 60_000, destinations: ['postback:*'] })).map((entry) => entry.conversionId)).toEqual(
		['c3'],
	);

	expect(await clientA.settleDelivery({ conversionId: 'c1', destination: 'meta' }, { state: 'sent' }, { token: claimedByA[0].token })).toBe(true);
	expect((await clientA.listOutbox()).map((entry) => [entry.conversionId, entry.destination, entry.state])).toEqual([['c1', 'meta', 'sent']]);
	// The store itself keeps the scope in the destination.
	const stored = await store.listOutbox({ conversionIds: ['c1', 'c2'] });
	expect(stored.map((entry) => entry.destination).sort()).toEqual([scopedDestination('wfA', 'meta'), scopedDestination('wfB', 'meta')]);
	// Another workflow cannot settle or even find wfA's entry under its own scope.
	await expect(clientB.settleDelivery({ conversionId: 'c1', destination: 'meta' }, { state: 'failed' })).rejects.toThrow();
});

test('scopes and destinations split back; a scope must be a plain id', () => {
	expect(splitDestination('wf1/postback:custom~1a2b3c4d')).toEqual({ scope: 'wf1', destination: 'postback:custom~1a2b3c4d' });
	expect(splitDestination('meta')).toEqual({ destination: 'meta' });
	for (const bad of ['', ' ', 'a/b', 'a*']) expect(() => scopedOutbox(store, bad)).toThrow(/scope/);
});

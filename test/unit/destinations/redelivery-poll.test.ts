import { pollRedeliveries, type RedeliveryStore } from '../../../src/destinations/redelivery-poll';
import type { ClaimedOutboxEntry, Delivery } from '../../../src/store/types';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const entry = (conversionId: string, extra: Partial<ClaimedOutboxEntry> = {}): ClaimedOutboxEntry => ({
	conversionId,
	destination: 'meta',
	state: 'pending',
	attempts: 1,
	dueAt: '2026-12-07T11:00:00.000Z',
	createdAt: '2026-12-07T10:00:00.000Z',
	updatedAt: '2026-12-07T11:00:00.000Z',
	item: { conversionId, value: 10 },
	token: `tok-${conversionId}`,
	...extra,
});

function fakeStore(claimed: ClaimedOutboxEntry[], settles: boolean[] = []) {
	const claims: unknown[] = [];
	const settled: unknown[] = [];
	const lines: Delivery[] = [
		{ conversionId: 'old', destination: 'meta', outcome: 'failed', code: '429', at: '2026-11-01T00:00:00.000Z' },
		{ conversionId: 'old', destination: 'tiktok', outcome: 'sent', at: '2026-11-01T00:00:01.000Z' },
		{ conversionId: 'old', destination: 'postback:custom', outcome: 'failed', code: '503', at: '2026-11-01T00:00:02.000Z' },
		{ conversionId: 'old', destination: 'postback:everflow', outcome: 'failed', code: '500', at: '2026-11-01T00:00:03.000Z' },
	];
	const store: RedeliveryStore = {
		async claimDueDeliveries(options) {
			claims.push(options);
			return claimed;
		},
		async settleDelivery(key, settlement, detail) {
			settled.push({ key, settlement, detail });
			return settles.shift() ?? true;
		},
		async listDeliveries() {
			return lines;
		},
	};
	return { store, claims, settled };
}

describe('pollRedeliveries', () => {
	it('emits due entries as their stored item with the claim’s mark, claiming for every destination when none is chosen', async () => {
		const { store, claims, settled } = fakeStore([entry('c1'), entry('c2', { attempts: 3, item: undefined })]);
		const { due, gaveUp } = await pollRedeliveries(store, NOW, { limit: 5, leaseMs: 60_000, destinations: [] });
		expect(claims).toEqual([{ now: NOW.toISOString(), limit: 5, leaseMs: 60_000 }]);
		expect(due).toEqual([
			{ conversionId: 'c1', value: 10, redelivery: { destination: 'meta', attempt: 2, token: 'tok-c1' } },
			{ conversionId: 'c2', redelivery: { destination: 'meta', attempt: 4, token: 'tok-c2' } },
		]);
		expect(gaveUp).toEqual([]);
		expect(settled).toEqual([]);
	});

	it('settles entries past the limits gave_up with the claim’s token and reports them with this destination’s history', async () => {
		const { store, claims, settled } = fakeStore([entry('old', { createdAt: '2026-11-01T00:00:00.000Z', lastCode: '429' }), entry('c1')]);
		const { due, gaveUp } = await pollRedeliveries(store, NOW, { limit: 5, leaseMs: 60_000, destinations: ['meta'] });
		expect(claims).toEqual([{ now: NOW.toISOString(), limit: 5, leaseMs: 60_000, destinations: ['meta'] }]);
		expect(due.map((item) => item.conversionId)).toEqual(['c1']);
		expect(settled).toEqual([
			{
				key: { conversionId: 'old', destination: 'meta' },
				settlement: { state: 'gave_up' },
				detail: { code: 'max_age', reason: expect.stringContaining('2026-11-01T00:00:00.000Z'), token: 'tok-old', at: NOW.toISOString() },
			},
		]);
		expect(gaveUp).toEqual([
			expect.objectContaining({
				conversionId: 'old',
				destination: 'meta',
				reason: 'max_age',
				attempts: 1,
				lastCode: '429',
				item: { conversionId: 'old', value: 10 },
				history: [expect.objectContaining({ destination: 'meta', code: '429' })],
			}),
		]);
	});

	it('finds the history of a Send Postback target without a Target ID under its conversion-log name', async () => {
		const { store } = fakeStore([entry('old', { destination: 'postback:custom~0a1b2c3d', attempts: 10 })]);
		const { gaveUp } = await pollRedeliveries(store, NOW, { limit: 5, leaseMs: 60_000 });
		expect(gaveUp.map((item) => item.history.map((line) => [line.destination, line.code]))).toEqual([[['postback:custom', '503']]]);
	});

	it('does not report an entry another run settled after this claim ran out', async () => {
		const { store } = fakeStore([entry('spent', { attempts: 10 })], [false]);
		expect(await pollRedeliveries(store, NOW, { limit: 5, leaseMs: 60_000 })).toEqual({ due: [], gaveUp: [], postbacks: [] });
	});

	it('emits journaled postbacks (destination intake) on postbacks only, as the stored item with the claim’s mark', async () => {
		const accepted = { network: 'shareasale', clickId: 'clk-1', transactionId: 'tx-1', intake: { id: `in_${'b'.repeat(32)}` } };
		const { store } = fakeStore([
			entry('c1'),
			entry(`in_${'b'.repeat(32)}`, { destination: 'intake', attempts: 0, item: accepted }),
			entry('c2', { destination: 'postback:custom~0a1b2c3d' }),
		]);
		const { due, gaveUp, postbacks } = await pollRedeliveries(store, NOW, { limit: 5, leaseMs: 60_000 });
		expect(due.map((item) => [item.conversionId, item.redelivery.destination])).toEqual([
			['c1', 'meta'],
			['c2', 'postback:custom~0a1b2c3d'],
		]);
		// The journal's id is not the conversion's: the Funnel derives that, so the item gets no conversionId.
		expect(postbacks).toEqual([{ ...accepted, redelivery: { destination: 'intake', attempt: 1, token: `tok-in_${'b'.repeat(32)}` } }]);
		expect(gaveUp).toEqual([]);
	});

	it('gives up a journaled postback past the limits like any entry: settled with the token, on gaveUp, not on postbacks', async () => {
		const id = `in_${'c'.repeat(32)}`;
		const { store, settled } = fakeStore([entry(id, { destination: 'intake', attempts: 10, item: { clickId: 'clk-2', intake: { id } } })]);
		const { due, gaveUp, postbacks } = await pollRedeliveries(store, NOW, { limit: 5, leaseMs: 60_000 });
		expect(due).toEqual([]);
		expect(postbacks).toEqual([]);
		expect(settled).toEqual([expect.objectContaining({ key: { conversionId: id, destination: 'intake' }, settlement: { state: 'gave_up' } })]);
		expect(gaveUp).toEqual([
			expect.objectContaining({ conversionId: id, destination: 'intake', reason: 'max_attempts', item: { clickId: 'clk-2', intake: { id } }, history: [] }),
		]);
	});
});

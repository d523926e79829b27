import type { OutboxSettlement } from '../../../../src/store/types';
import { type ItemForward, enqueueAttempts, settleAttempts } from '../../../../src/destinations/forward';

const NOW = new Date('2026-12-07T12:00:00.000Z');

/** Records what the node side asks of the outbox. */
function recordingOutbox(failOn?: string) {
	const enqueued: Array<{ conversionId: string; destination: string; item: unknown; dueAt: string }> = [];
	const settled: Array<{ conversionId: string; settlement: OutboxSettlement; detail: Record<string, unknown> | undefined }> = [];
	return {
		enqueued,
		settled,
		async enqueueDeliveries(entries: typeof enqueued) {
			enqueued.push(...entries);
			return entries.map(() => true);
		},
		async settleDelivery(key: { conversionId: string; destination: string }, settlement: OutboxSettlement, detail?: Record<string, unknown>) {
			if (key.conversionId === failOn) throw new Error('no such entry');
			settled.push({ conversionId: key.conversionId, settlement, detail });
			return true;
		},
	};
}

describe('enqueueAttempts', () => {
	it('writes one entry per conversion, due after the grace period, without the trigger mark; clicks stay out', async () => {
		const outbox = recordingOutbox();
		await enqueueAttempts(
			outbox,
			'meta',
			[
				{ itemIndex: 0, json: { conversionId: 'c1', value: 1, redelivery: { destination: 'meta', attempt: 2, token: 't' } } },
				{ itemIndex: 1, json: { clickId: 'click-only' } },
				{ itemIndex: 2, json: { conversionId: 'c1', value: 2 } },
				{ itemIndex: 3, json: { conversionId: ' ' } },
			],
			NOW,
		);
		expect(outbox.enqueued).toEqual([{ conversionId: 'c1', destination: 'meta', item: { conversionId: 'c1', value: 1 }, dueAt: '2026-12-07T12:10:00.000Z' }]);
	});

	it('writes nothing when no item is a conversion', async () => {
		const outbox = recordingOutbox();
		await enqueueAttempts(outbox, 'meta', [{ itemIndex: 0, json: { clickId: 'k' } }], NOW);
		expect(outbox.enqueued).toEqual([]);
	});
});

describe('settleAttempts', () => {
	const forward = (itemIndex: number, outcome: ItemForward['forward']['outcome'], extra: Partial<ItemForward> = {}): ItemForward => ({
		itemIndex,
		forward: { platform: 'meta', outcome, code: 'x' },
		...extra,
	});

	it('settles inline sends without a token and the trigger’s items with theirs, by the policy', async () => {
		const outbox = recordingOutbox();
		const items = [
			{ itemIndex: 0, json: { conversionId: 'c0' } },
			{ itemIndex: 1, json: { conversionId: 'c1', redelivery: { destination: 'meta', attempt: 3, token: 'tok' } } },
			{ itemIndex: 2, json: { clickId: 'k' } },
			{ itemIndex: 3, json: { conversionId: 'c3' } },
		];
		const errors = await settleAttempts(
			outbox,
			'meta',
			items,
			[forward(0, 'sent'), forward(1, 'retry', { retryAfterMs: 1000 }), forward(2, 'sent'), forward(3, 'failed')],
			new Set([0, 2]),
			NOW,
		);
		expect(errors.size).toBe(0);
		// c3 was not enqueued (its item could not be read): no entry to settle; the click never has one.
		expect(outbox.settled).toEqual([
			{ conversionId: 'c0', settlement: { state: 'sent' }, detail: { code: 'x', at: NOW.toISOString() } },
			{ conversionId: 'c1', settlement: { state: 'pending', dueAt: '2026-12-07T12:04:00.000Z' }, detail: { code: 'x', token: 'tok', at: NOW.toISOString() } },
		]);
	});

	it('a group that could not be sent at all (send_error) is tried again later, not failed for good', async () => {
		const outbox = recordingOutbox();
		const items = [{ itemIndex: 0, json: { conversionId: 'c0' } }];
		await settleAttempts(
			outbox,
			'meta',
			items,
			[{ itemIndex: 0, forward: { platform: 'meta', outcome: 'failed', code: 'send_error', reason: 'token refresh failed' } }],
			new Set([0]),
			NOW,
		);
		expect(outbox.settled).toEqual([
			{
				conversionId: 'c0',
				settlement: { state: 'pending', dueAt: '2026-12-07T12:01:00.000Z' },
				detail: { code: 'send_error', reason: 'token refresh failed', at: NOW.toISOString() },
			},
		]);
	});

	it('treats another destination’s mark as an inline send, and reports what could not be settled', async () => {
		const outbox = recordingOutbox('c1');
		const items = [
			{ itemIndex: 0, json: { conversionId: 'c0', redelivery: { destination: 'tiktok', attempt: 2, token: 'other' } } },
			{ itemIndex: 1, json: { conversionId: 'c1' } },
		];
		const errors = await settleAttempts(outbox, 'meta', items, [forward(0, 'failed'), forward(1, 'sent')], new Set([0, 1]), NOW);
		expect(outbox.settled).toEqual([{ conversionId: 'c0', settlement: { state: 'failed' }, detail: { code: 'x', at: NOW.toISOString() } }]);
		expect([...errors]).toEqual([[1, 'Could not settle the redelivery outbox entry: no such entry']]);
	});
});

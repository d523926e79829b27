/**
 * The intake journal (issue 16): an accepted postback is one pending outbox entry under `intake` until the Funnel
 * decided it, and how the Funnel's decision settles that entry. On a real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
	INTAKE_DESTINATION,
	intakeMarkOf,
	intakeSettlement,
	journalPostback,
	newIntakeId,
	journalEntryOf,
	withoutJournalMarks,
} from '../../../src/destinations/intake-journal';
import { scopedOutbox } from '../../../src/destinations/outbox-scope';
import { DEFAULT_REDELIVERY_POLICY, type RedeliveryPolicy } from '../../../src/destinations/redelivery';
import { openStore } from '../../../src/store';
import type { TrackingStore } from '../../../src/store/types';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const POLICY: RedeliveryPolicy = { graceMs: 90_000, baseDelayMs: 60_000, maxDelayMs: 3_600_000 };
const ACCEPTED = { network: 'shareasale', clickId: 'clk-1', transactionId: 'tx-1', commission: '39.5', currency: 'USD' };

let dir: string;
let store: TrackingStore;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'intake-journal-'));
	store = await openStore({ kind: 'sqlite', path: join(dir, 'store.sqlite') });
});
afterAll(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

describe('journalPostback', () => {
	it('writes one pending intake entry, due after the grace period, holding the item with its mark, and returns that item', async () => {
		const outbox = scopedOutbox(store, 'wf-journal');
		const id = newIntakeId();
		const marked = await journalPostback(outbox, ACCEPTED, NOW, POLICY, id);

		expect(marked).toEqual({ ...ACCEPTED, intake: { id } });
		expect(intakeMarkOf(marked)).toEqual({ id });
		const entries = await outbox.listOutbox({ conversionIds: [id] });
		expect(entries).toEqual([
			expect.objectContaining({
				conversionId: id,
				destination: INTAKE_DESTINATION,
				state: 'pending',
				attempts: 0,
				dueAt: new Date(NOW.getTime() + POLICY.graceMs).toISOString(),
				item: marked,
			}),
		]);
		// The caller's item is not changed: the trigger emits the returned one.
		expect(ACCEPTED).not.toHaveProperty('intake');
	});

	it('gives each postback an id of its own, so a network retry is an entry of its own', async () => {
		const outbox = scopedOutbox(store, 'wf-retry');
		const first = await journalPostback(outbox, ACCEPTED, NOW);
		const retry = await journalPostback(outbox, ACCEPTED, NOW);
		const ids = [intakeMarkOf(first)!.id, intakeMarkOf(retry)!.id];
		expect(ids[0]).not.toBe(ids[1]);
		const entries = await outbox.listOutbox({ destination: INTAKE_DESTINATION });
		expect(entries.map((entry) => entry.conversionId).sort()).toEqual([...ids].sort());
		// The default policy's grace: ten minutes.
		for (const entry of entries) expect(Date.parse(entry.dueAt) - NOW.getTime()).toBe(DEFAULT_REDELIVERY_POLICY.graceMs);
	});

	it('throws what the store throws, and returns no item then', async () => {
		const failing = {
			enqueueDeliveries: async () => {
				throw new Error('store down');
			},
		};
		await expect(journalPostback(failing, ACCEPTED, NOW)).rejects.toThrow('store down');
	});
});

describe('newIntakeId and intakeMarkOf', () => {
	it('makes ids of `in_` and 32 hex digits', () => {
		expect(newIntakeId()).toMatch(/^in_[0-9a-f]{32}$/);
	});

	it('reads a well-formed mark and nothing else', () => {
		const id = `in_${'a'.repeat(32)}`;
		expect(intakeMarkOf({ intake: { id, extra: 1 } })).toEqual({ id });
		for (const intake of [
			undefined,
			null,
			'in_' + 'a'.repeat(32),
			{},
			{ id: 42 },
			{ id: `in_${'a'.repeat(31)}` },
			{ id: `in_${'a'.repeat(33)}` },
			{ id: `in_${'A'.repeat(32)}` },
			{ id: `xx_${'a'.repeat(32)}` },
			{ id: ` in_${'a'.repeat(32)}` },
		]) {
			expect({ intake, mark: intakeMarkOf({ intake }) }).toEqual({ intake, mark: undefined });
		}
		expect(intakeMarkOf({})).toBeUndefined();
	});
});

describe('intakeSettlement', () => {
	it('decided: sent (the destinations’ own entries carry it on)', () => {
		expect(intakeSettlement({}, 1, NOW, POLICY)).toEqual({ state: 'sent' });
		expect(intakeSettlement({}, 7, NOW, POLICY)).toEqual({ state: 'sent' });
	});

	it('held by another run’s claim: pending until a second past that claim, never before now', () => {
		expect(intakeSettlement({ inFlightUntil: '2026-12-07T12:05:00.000Z' }, 1, NOW, POLICY)).toEqual({
			state: 'pending',
			dueAt: '2026-12-07T12:05:01.000Z',
		});
		// A claim that ran out already: due now, not in the past.
		expect(intakeSettlement({ inFlightUntil: '2026-12-07T11:00:00.000Z' }, 1, NOW, POLICY)).toEqual({ state: 'pending', dueAt: NOW.toISOString() });
		// An unreadable time: after the backoff instead.
		expect(intakeSettlement({ inFlightUntil: 'soon' }, 2, NOW, POLICY)).toEqual({
			state: 'pending',
			dueAt: new Date(NOW.getTime() + 2 * POLICY.baseDelayMs).toISOString(),
		});
	});

	it('the Funnel failed: pending after a backoff that grows with the attempt, up to the cap', () => {
		const delayOf = (attempt: number) => {
			const settlement = intakeSettlement({ error: 'store down' }, attempt, NOW, POLICY);
			expect(settlement.state).toBe('pending');
			return Date.parse((settlement as { dueAt: string }).dueAt) - NOW.getTime();
		};
		expect([1, 2, 3, 4].map(delayOf)).toEqual([60_000, 120_000, 240_000, 480_000]);
		expect(delayOf(30)).toBe(POLICY.maxDelayMs);
		// An error wins over a claim: nothing may have been recorded.
		expect(intakeSettlement({ error: 'boom', inFlightUntil: '2026-12-07T13:00:00.000Z' }, 1, NOW, POLICY)).toEqual({
			state: 'pending',
			dueAt: new Date(NOW.getTime() + 60_000).toISOString(),
		});
	});
});

describe('journalEntryOf and withoutJournalMarks (what the Funnel reads off an input item)', () => {
	const id = 'in_0123456789abcdef0123456789abcdef';

	it('a first run settles without a token; a resumed one with the claim of the intake destination only', () => {
		expect(journalEntryOf({ intake: { id } })).toEqual({ id, attempt: 1 });
		expect(journalEntryOf({ intake: { id }, redelivery: { destination: INTAKE_DESTINATION, attempt: 3, token: 't-1' } })).toEqual({
			id,
			token: 't-1',
			attempt: 3,
		});
		// A mark for another destination is not this entry's claim.
		expect(journalEntryOf({ intake: { id }, redelivery: { destination: 'meta', attempt: 2, token: 't-2' } })).toEqual({ id, attempt: 1 });
		expect(journalEntryOf({ intake: { id: 'in_not-hex' } })).toBeUndefined();
		expect(journalEntryOf({})).toBeUndefined();
	});

	it('strips the journal and redelivery marks and keeps every other field', () => {
		const item = { network: 'custom', transactionId: 'T-1', intake: { id }, redelivery: { destination: INTAKE_DESTINATION, attempt: 2, token: 't' } };
		expect(withoutJournalMarks(item)).toEqual({ network: 'custom', transactionId: 'T-1' });
		expect(item.intake).toEqual({ id });
	});
});

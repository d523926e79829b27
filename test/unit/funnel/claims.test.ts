/**
 * Leased claims in the funnel: a process that dies between claiming a postback and completing its claims
 * must not turn the network's retry into a Duplicate. A "dead" process is simulated two ways: by taking its
 * claims directly (it died right after claiming), or by a store that throws at one call and can release
 * nothing (it died there, with everything before that call written).
 */
import { funnelItemSchema, runFunnel } from '../../../src/funnel';
import type { FunnelOptions, FunnelResult } from '../../../src/funnel';
import type { Conversion, ConversionStatus } from '../../../src/model';
import { conversionIdFor } from '../../../src/store';
import type { ConversionKey, TrackingStore } from '../../../src/store';
import { custom, get, hoursBefore, NOW, now, postback, tuneSeedQuery, useSqliteStore, withFields } from './helpers';

const db = useSqliteStore();
/** A short lease, so a test can outwait it. */
const LEASE = 100;
const afterTheLease = () => new Promise((resolve) => setTimeout(resolve, LEASE + 60));
const run = (conversion: Conversion, options: FunnelOptions = {}, store: TrackingStore = db.store()) => runFunnel(conversion, store, { now, ...options });
const leased: FunnelOptions = { claimLeaseMs: LEASE };

function checked(result: FunnelResult): FunnelResult {
	funnelItemSchema.parse(result.item);
	return result;
}

const sale = (status: ConversionStatus = 'approved') =>
	withFields(custom({ click_id: 'clk_1', transaction_id: 'T-1', commission: '39.5', amount: '79' }), { status });
const key: ConversionKey = { network: 'custom', transactionId: 'T-1', eventName: 'Purchase' };
const id = conversionIdFor(key);
const statusKey = (status: ConversionStatus): ConversionKey => ({ ...key, eventName: `Purchase#status:${status}` });

beforeEach(async () => {
	await db.store().recordClick({ clickId: 'clk_1', clickedAt: hoursBefore(NOW.toISOString(), 1), affiliateId: 'aff_1' });
});

/** The store as a process that dies at `method` sees it: that call throws, and (unless `release`) so does giving claims up. */
function dyingAt(store: TrackingStore, method: keyof TrackingStore, { release = false } = {}): TrackingStore {
	return new Proxy(store, {
		get(target, property) {
			const value = Reflect.get(target, property) as unknown;
			if (typeof value !== 'function') return value;
			if (property === method) {
				return async () => {
					throw new Error(`the process died at ${String(method)}`);
				};
			}
			if (property === 'releaseClaim' && !release) {
				return async () => {
					throw new Error('a dead process releases nothing');
				};
			}
			return (value as (...args: unknown[]) => unknown).bind(target);
		},
	});
}

/** A claim's state as the store sees it now (a 1 ms lease would take over anything still pending: only done shows as done). */
async function claimState(claim: ConversionKey): Promise<string> {
	const [row] = await rawClaims(`WHERE event_name = '${claim.eventName}' AND transaction_id = '${claim.transactionId}'`);
	return row ? String(row.state) : 'absent';
}

async function rawClaims(where = ''): Promise<Array<Record<string, unknown>>> {
	const { DatabaseSync } = await import('node:sqlite');
	const raw = new DatabaseSync(db.path(), { timeout: 5000 });
	try {
		return raw.prepare(`SELECT event_name, transaction_id, state, takeovers FROM conversion_claims ${where}`).all() as Array<Record<string, unknown>>;
	} finally {
		raw.close();
	}
}

const ledgerIds = async () => (await db.store().listLedger()).map((line) => line.id);

describe('a process that died after claiming, before saving', () => {
	it('the retry after the lease comes out on Purchase, not Duplicate, recorded and credited once', async () => {
		// The dead process took both claims and wrote nothing else.
		await db.store().claimConversionDetailed(statusKey('approved'));
		await db.store().claimConversionDetailed(key);
		await afterTheLease();

		const retried = checked(await run(sale(), leased));
		expect(retried.output).toBe('purchase');
		expect(retried.item).toMatchObject({ conversionId: id, dedup: { status: 'first', key }, attribution: { method: 'click', affiliateId: 'aff_1' } });
		expect(retried.item.ledger.entries.map((line) => line.id)).toEqual([`${id}:commission:approved`]);
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
		expect((await db.store().statusHistory(id)).map((change) => change.status)).toEqual(['approved']);
		expect([await claimState(statusKey('approved')), await claimState(key)]).toEqual(['done', 'done']);

		// Completed: every later copy is a plain duplicate, however old.
		await afterTheLease();
		const again = checked(await run(sale(), leased));
		expect(again.output).toBe('duplicate');
		expect(again.item.dedup.reason).toMatch(/already received/);
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
	});

	it('a retry within the lease is a Duplicate that says the postback is in flight, and records nothing', async () => {
		const held = await db.store().claimConversionDetailed(statusKey('approved'));
		await db.store().claimConversionDetailed(key);

		const early = checked(await run(sale()));
		expect(early.output).toBe('duplicate');
		expect(early.item.dedup.status).toBe('duplicate');
		expect(early.item.dedup.reason).toMatch(/in flight/);
		expect(early.item.dedup.reason).toContain(held.claimedAt!);
		expect(early.item.dedup.reason).toMatch(/120-second claim lease/);
		expect(early.item.ledger.entries).toEqual([]);
		expect(await db.store().getConversion(id)).toBeUndefined();
		expect(await db.store().listLedger()).toEqual([]);
		expect(await claimState(statusKey('approved'))).toBe('pending');

		// The lease is the claimer's: once the short one has run out, the same postback is processed.
		await afterTheLease();
		expect(checked(await run(sale(), leased)).output).toBe('purchase');
	});

	it('died between the status claim and the event claim: the retry after the lease is processed', async () => {
		await db.store().claimConversionDetailed(statusKey('approved'));
		await afterTheLease();
		const retried = checked(await run(sale(), leased));
		expect(retried.output).toBe('purchase');
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
	});

	it('concurrent retries after the lease: exactly one comes out on Purchase, the ledger written once', async () => {
		await db.store().claimConversionDetailed(statusKey('approved'));
		await db.store().claimConversionDetailed(key);
		await afterTheLease();
		const results = await Promise.all(Array.from({ length: 20 }, () => run(sale(), leased)));
		expect(results.filter((result) => result.output === 'purchase')).toHaveLength(1);
		expect(results.filter((result) => result.output === 'duplicate')).toHaveLength(19);
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
		expect(await db.store().statusHistory(id)).toHaveLength(1);
	});
});

describe('a process that died after writing part of its work', () => {
	it('after saving the conversion, before the ledger: the retry after the lease finishes it and hands on the same item', async () => {
		await expect(run(sale(), leased, dyingAt(db.store(), 'addLedgerEntry'))).rejects.toThrow(/died at addLedgerEntry/);
		expect((await db.store().getConversion(id))?.status).toBe('approved');
		expect(await db.store().listLedger()).toEqual([]);
		expect(await claimState(statusKey('approved'))).toBe('pending');

		expect((await run(sale())).item.dedup.reason).toMatch(/in flight/);
		await afterTheLease();
		const retried = checked(await run(sale(), leased));
		expect(retried.output).toBe('purchase');
		expect(retried.item).toMatchObject({
			conversionId: id,
			route: 'purchase',
			dedup: { status: 'first', key },
			attribution: { method: 'click', affiliateId: 'aff_1' },
		});
		expect(retried.item.dedup.reason).toMatch(/earlier execution .* stopped before finishing/);
		expect(retried.item.ledger.entries.map((line) => line.id)).toEqual([`${id}:commission:approved`]);
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
		expect(await db.store().statusHistory(id)).toHaveLength(1);
		expect((await run(sale(), leased)).output).toBe('duplicate');
	});

	it('after everything but completing its claims: the retry re-emits the item, writing nothing twice', async () => {
		await expect(run(sale(), leased, dyingAt(db.store(), 'completeClaim'))).rejects.toThrow(/died at completeClaim/);
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
		await afterTheLease();
		const retried = checked(await run(sale(), leased));
		expect(retried.output).toBe('purchase');
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
		expect(await db.store().statusHistory(id)).toHaveLength(1);
	});

	it('a status update that died after appending the status: the retry sends it on once, never appending it twice', async () => {
		expect((await run(sale('pending'), leased)).output).toBe('pending');
		await expect(run(sale('approved'), leased, dyingAt(db.store(), 'addLedgerEntry'))).rejects.toThrow(/died/);
		expect((await db.store().statusHistory(id)).map((change) => change.status)).toEqual(['pending', 'approved']);
		expect(await ledgerIds()).toEqual([`${id}:commission:pending`]);

		await afterTheLease();
		const retried = checked(await run(sale('approved'), leased));
		expect(retried.output).toBe('purchase');
		expect(retried.item).toMatchObject({ conversionId: id, statusChange: { from: 'pending', to: 'approved' }, dedup: { status: 'status-update' } });
		expect(retried.item.dedup.reason).toMatch(/from pending to approved\. An earlier execution/);
		expect((await db.store().statusHistory(id)).map((change) => change.status)).toEqual(['pending', 'approved']);
		expect(await ledgerIds()).toEqual([`${id}:commission:pending`, `${id}:adjustment:pending`, `${id}:commission:approved`]);
		expect((await run(sale('approved'), leased)).output).toBe('duplicate');
	});

	it('a status update fills in the ledger lines of a recording whose process died before writing them', async () => {
		await expect(run(sale('pending'), {}, dyingAt(db.store(), 'addLedgerEntry'))).rejects.toThrow(/died/);
		// The pending postback's claims are still in flight; the approval arrives before any retry of it.
		const approved = checked(await run(sale('approved')));
		expect(approved.output).toBe('purchase');
		expect(approved.item.statusChange).toEqual({ from: 'pending', to: 'approved' });
		const ledger = await db.store().listLedger();
		expect(ledger.map((line) => [line.id, line.amount])).toEqual([
			[`${id}:commission:pending`, '39.5'],
			[`${id}:adjustment:pending`, '-39.5'],
			[`${id}:commission:approved`, '39.5'],
		]);
	});
});

describe('an execution that fails releases its claims', () => {
	it('a failure before saving: a retry at once is processed', async () => {
		await expect(run(sale(), {}, dyingAt(db.store(), 'saveConversion', { release: true }))).rejects.toThrow(/died/);
		expect(await claimState(statusKey('approved'))).toBe('released');
		const retried = checked(await run(sale()));
		expect(retried.output).toBe('purchase');
		expect(retried.item.dedup).toEqual({ status: 'first', basis: 'transaction_id', key });
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
		expect(await rawClaims()).toEqual(
			expect.arrayContaining([expect.objectContaining({ event_name: 'Purchase#status:approved', state: 'done', takeovers: 1 })]),
		);
	});

	it('a failure after saving: a retry at once finishes it', async () => {
		await expect(run(sale(), {}, dyingAt(db.store(), 'addLedgerEntry', { release: true }))).rejects.toThrow(/died/);
		const retried = checked(await run(sale()));
		expect(retried.output).toBe('purchase');
		expect(retried.item.dedup.reason).toMatch(/earlier execution/);
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
	});
});

describe('an execution that outlives its lease', () => {
	it('while a retry takes the postback over: exactly one of them comes out on Purchase, and the late one says why', async () => {
		let proceed!: () => void;
		const gate = new Promise<void>((resolve) => (proceed = resolve));
		const store = db.store();
		const slowStore = new Proxy(store, {
			get(target, property) {
				const value = Reflect.get(target, property) as (...args: unknown[]) => unknown;
				if (property === 'saveConversion') {
					return async (...args: unknown[]) => {
						await gate;
						return await value.apply(target, args);
					};
				}
				return typeof value === 'function' ? value.bind(target) : value;
			},
		});
		const slow = run(sale(), leased, slowStore);
		await afterTheLease();
		const retry = checked(await run(sale(), leased));
		proceed();
		const late = checked(await slow);

		expect(retry.output).toBe('purchase');
		expect(late.output).toBe('duplicate');
		expect(late.item.dedup.reason).toMatch(/took longer than its 0\.1-second claim lease/);
		expect(late.item.conversionId).toBe(id);
		expect(await ledgerIds()).toEqual([`${id}:commission:approved`]);
		expect(await db.store().statusHistory(id)).toHaveLength(1);
	});
});

describe('TUNE repeat sequence', () => {
	const seed = tuneSeedQuery();
	const tune = (transactionId: string, payout: string) => postback('tune', get({ ...seed, transaction_id: transactionId, payout, commission: '' }));
	// TUNE's event log pays 4.485 USD: such a network needs a rounding rule for the ledger.
	const options: FunnelOptions = { repeatSequence: true, claimLeaseMs: LEASE, forwardUnattributed: true, amountPrecision: 'roundHalfUp' };

	it('a retry of a step whose process died after saving it does not advance the click’s sequence again', async () => {
		expect((await run(tune('tx-1', '0'), options)).item.sequence).toBe(1);
		await expect(run(tune('tx-2', '4.485'), options, dyingAt(db.store(), 'completeClaim'))).rejects.toThrow(/died/);
		await afterTheLease();
		const retried = checked(await run(tune('tx-2', '4.485'), options));
		expect(retried.output).toBe('other');
		expect(retried.item).toMatchObject({ eventName: 'CompleteRegistration', sequence: 2 });
		const next = checked(await run(tune('tx-3', '4.485'), options));
		expect(next.item).toMatchObject({ eventName: 'Purchase', sequence: 3 });
	});
});

describe('beforeComplete (issue 16: the node queues the decided conversion for its destinations)', () => {
	const hookSale = (transactionId: string, commission = '1') => custom({ click_id: 'clk_h', transaction_id: transactionId, commission, amount: '10' });

	test('sees the item as the funnel hands it on, while the claims are still pending', async () => {
		const seen: Array<{ item: FunnelResult['item']; claim: string | undefined }> = [];
		const result = await run(hookSale('H-1', '1.005'), {
			amountPrecision: 'roundHalfUp',
			beforeComplete: async (decided) => {
				const copy = await db
					.store()
					.claimConversionDetailed({ network: 'custom', transactionId: 'H-1', eventName: 'Purchase#status:approved' }, { leaseMs: LEASE });
				seen.push({ item: structuredClone(decided.item), claim: copy.state });
			},
		});
		expect(seen).toHaveLength(1);
		// What it saw is what the funnel returned (the dedup basis and amount adjustments included)…
		expect(seen[0].item).toEqual(result.item);
		expect(result.item.dedup.basis).toBe('transaction_id');
		expect(result.item.amountAdjustments).toEqual([{ field: 'commission', received: '1.005', recorded: '1.01', rule: 'roundHalfUp' }]);
		// …before the claims completed: a copy arriving then was in flight, not already received.
		expect(seen[0].claim).toBe('in-flight');
	});

	test('a hook that throws fails the run and releases the claims: the retry is decided as new and calls it again', async () => {
		const calls: string[] = [];
		await expect(
			run(hookSale('H-2'), {
				beforeComplete: async () => {
					calls.push('first');
					throw new Error('the outbox could not be written');
				},
			}),
		).rejects.toThrow('the outbox could not be written');
		const retry = await run(hookSale('H-2'), { beforeComplete: async (decided) => void calls.push(decided.item.dedup.status) });
		expect(retry.item.dedup.status).toBe('first');
		expect(calls).toEqual(['first', 'first']);
	});

	test('not called for a duplicate', async () => {
		await run(hookSale('H-3'));
		const calls: string[] = [];
		const copy = await run(hookSale('H-3'), { beforeComplete: async (decided) => void calls.push(decided.output) });
		expect(copy.output).toBe('duplicate');
		expect(calls).toEqual([]);
	});
});

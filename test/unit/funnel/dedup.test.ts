import { funnelItemSchema, runFunnel, SEQUENCE_CLAIM } from '../../../src/funnel';
import type { FunnelOptions, FunnelResult } from '../../../src/funnel';
import type { Conversion } from '../../../src/model';
import { conversionIdFor, openStore } from '../../../src/store';
import type { TrackingStore } from '../../../src/store';
import { clickbank, custom, get, now, postback, tuneSeedQuery, useSqliteStore, withFields } from './helpers';

const db = useSqliteStore();
/** Attribution is not what these tests are about: every conversion is forwarded whether a click matched or not. */
const base: FunnelOptions = { now, forwardUnattributed: true };
const run = (conversion: Conversion, options: FunnelOptions = {}, store: TrackingStore = db.store()) => runFunnel(conversion, store, { ...base, ...options });

/** Every item the funnel emits has the documented shape. */
function checked(result: FunnelResult): FunnelResult {
	funnelItemSchema.parse(result.item);
	return result;
}

const sale = custom({ click_id: 'clk_1', transaction_id: 'T-1', commission: '39.5', amount: '79' });

describe('dedup on (network, transactionId, eventName)', () => {
	it('the same postback twice: first on Purchase, then on Duplicate', async () => {
		const first = checked(await run(sale));
		const again = checked(await run(sale));
		const key = { network: 'custom', transactionId: 'T-1', eventName: 'Purchase' };
		expect(first.output).toBe('purchase');
		expect(first.item.dedup).toEqual({ status: 'first', basis: 'transaction_id', key });
		expect(first.item.conversionId).toBe(conversionIdFor(key));
		expect(again.output).toBe('duplicate');
		expect(again.item).toMatchObject({ route: 'duplicate', conversionId: conversionIdFor(key), dedup: { status: 'duplicate', key } });
		expect(again.item.dedup.reason).toMatch(/already received/);

		const stored = await db.store().getConversion(conversionIdFor(key));
		expect(stored).toMatchObject({ network: 'custom', transactionId: 'T-1', eventName: 'Purchase', status: 'approved', commission: '39.5', amount: '79' });
		expect(await db.store().statusHistory(conversionIdFor(key))).toHaveLength(1);
	});

	it('50 concurrent copies through two store connections on one file: exactly one is not a duplicate', async () => {
		const second = await openStore({ kind: 'sqlite', path: db.path() });
		try {
			const results = await Promise.all(Array.from({ length: 50 }, (_, i) => run(sale, {}, i % 2 ? second : db.store())));
			expect(results.filter((result) => result.output === 'purchase')).toHaveLength(1);
			expect(results.filter((result) => result.output === 'duplicate')).toHaveLength(49);
		} finally {
			await second.close();
		}
	});

	it('another event of the same transaction is not a duplicate', async () => {
		const lead = withFields(sale, { eventName: 'Lead' });
		expect((await run(sale)).output).toBe('purchase');
		expect((await run(lead)).output).toBe('lead');
		expect(await db.store().findConversionsByTransaction('custom', 'T-1')).toHaveLength(2);
	});

	it('the same transaction id on another network is not a duplicate', async () => {
		expect((await run(sale)).output).toBe('purchase');
		const voluum = postback('voluum', get({ cid: 'clk_1', txid: 'T-1', payout: '39.5' }));
		expect((await run(voluum)).output).toBe('purchase');
	});

	it('without a transaction id: credited once, every redelivery a Duplicate, under a key derived from the postback (basis on the item)', async () => {
		const noId = custom({ click_id: 'clk_2', commission: '5' });
		const store = db.store();
		const first = checked(await run(noId));
		const second = checked(await run({ ...noId, receivedAt: '2024-06-01T12:05:00.000Z', occurredAt: '2024-06-01T12:05:00.000Z' }));
		expect(first.output).toBe('purchase');
		expect(first.item.dedup).toMatchObject({ status: 'first', basis: 'derived', key: { network: 'custom', eventName: 'Purchase' } });
		expect(first.item.dedup.key!.transactionId).toMatch(/^derived:[0-9a-f]{32}$/);
		expect(first.item.dedup.derivedFrom).toEqual(['network', 'clickId', 'commission', 'currency']);
		// The item keeps the conversion's own (absent) transaction id; the ledger line names none either.
		expect(first.item.transactionId).toBeNull();
		expect(second.output).toBe('duplicate');
		expect(second.item.dedup).toMatchObject({ status: 'duplicate', basis: 'derived', key: first.item.dedup.key });
		expect(second.item.conversionId).toBe(first.item.conversionId);
		expect(await store.getConversion(first.item.conversionId!)).toMatchObject({ eventName: 'Purchase', commission: '5' });
		// A blank transaction id is no id either: the same derived key.
		const blank = checked(await run(withFields(noId, { transactionId: '   ' })));
		expect(blank.item.dedup).toMatchObject({ status: 'duplicate', basis: 'derived', key: first.item.dedup.key });
		// Another sale on the same click (another amount) is not a duplicate.
		expect((await run(custom({ click_id: 'clk_2', commission: '6' }))).output).toBe('purchase');
	});

	it('with a transaction id the item says so', async () => {
		expect((await run(sale)).item.dedup.basis).toBe('transaction_id');
	});
});

describe('status updates: a later postback with a new status is news, not a duplicate', () => {
	const impact = (status: string, extra: Record<string, string> = {}) =>
		postback(
			'impact',
			get({
				SubId1: 'clk_imp',
				ActionId: 'A-77',
				ActionTrackerName: 'Online Sale',
				Payout: '12.5',
				Amount: '125',
				Currency: 'USD',
				Status: status,
				EventDate: '2024-05-30T10:00:00Z',
				...extra,
			}),
		);
	const id = conversionIdFor({ network: 'impact', transactionId: 'A-77', eventName: 'Purchase' });

	it('pending → approved → reversed: Pending, then Purchase (first forward), then Reversal; history appended, never rewritten', async () => {
		const pending = checked(await run(impact('PENDING')));
		expect(pending.output).toBe('pending');
		expect(pending.item.dedup.status).toBe('first');

		expect((await run(impact('PENDING'))).output).toBe('duplicate');

		const approved = checked(await run(impact('APPROVED')));
		expect(approved.output).toBe('purchase');
		expect(approved.item).toMatchObject({
			conversionId: id,
			status: 'approved',
			dedup: { status: 'status-update', key: { network: 'impact', transactionId: 'A-77', eventName: 'Purchase' } },
			statusChange: { from: 'pending', to: 'approved' },
		});
		expect((await run(impact('APPROVED'))).output).toBe('duplicate');

		const reversed = checked(await run(impact('REVERSED')));
		expect(reversed.output).toBe('reversal');
		expect(reversed.item).toMatchObject({
			status: 'reversed',
			amount: '-125',
			commission: '-12.5',
			statusChange: { from: 'approved', to: 'reversed' },
			reversalOf: { conversionId: id, eventName: 'Purchase', status: 'approved', amount: '125', commission: '12.5' },
		});

		const history = await db.store().statusHistory(id);
		expect(history.map((change) => change.status)).toEqual(['pending', 'approved', 'reversed']);
		expect((await db.store().getConversion(id))!.status).toBe('reversed');
	});

	it('reversed and rejected are final; a late pending never moves an approved conversion back', async () => {
		await run(impact('APPROVED'));
		const late = await run(impact('PENDING'));
		expect(late.output).toBe('duplicate');
		expect(late.item.dedup.reason).toMatch(/late pending/);
		await run(impact('REVERSED'));
		// Impact has no status word for rejected; a custom postback shows the same rule.
		expect((await db.store().statusHistory(id)).map((change) => change.status)).toEqual(['approved', 'reversed']);
		const rejectedLater = custom({ click_id: 'c', transaction_id: 'R-1', commission: '1' });
		await run(rejectedLater);
		await run(withFields(rejectedLater, { status: 'rejected' }));
		const afterRejection = await run(withFields(rejectedLater, { status: 'pending' }));
		expect(afterRejection.output).toBe('duplicate');
		expect(afterRejection.item.dedup.reason).toMatch(/already rejected/);
	});

	it('under "approved and pending" a pending conversion is forwarded at once; its approval is recorded, not forwarded again', async () => {
		const options: FunnelOptions = { statusPolicy: 'approvedAndPending' };
		expect((await run(impact('PENDING'), options)).output).toBe('purchase');
		const approved = checked(await run(impact('APPROVED'), options));
		expect(approved.output).toBe('duplicate');
		expect(approved.item.dedup.status).toBe('status-update');
		expect(approved.item.statusChange).toEqual({ from: 'pending', to: 'approved' });
		expect((await db.store().statusHistory(id)).map((change) => change.status)).toEqual(['pending', 'approved']);
	});

	it('a ClickBank refund is linked to its sale (same receipt) with negative money', async () => {
		const saleResult = await run(clickbank({ transactionType: 'SALE' }));
		expect(saleResult.output).toBe('purchase');
		const refund = checked(await run(clickbank({ transactionType: 'RFND' })));
		expect(refund.output).toBe('reversal');
		expect(refund.item).toMatchObject({
			eventName: 'Purchase',
			status: 'reversed',
			amount: '-47.95',
			commission: '-35.44',
			conversionId: saleResult.item.conversionId,
			reversalOf: { conversionId: saleResult.item.conversionId, status: 'approved', commission: '35.44' },
		});
		expect((await run(clickbank({ transactionType: 'RFND' }))).output).toBe('duplicate');
	});

	it('a rejection takes the event of the conversion it rejects, even when its own words say otherwise', async () => {
		const keitaro = (status: string, payout: string) => postback('keitaro', get({ subid: 'clk_k', tid: 'K-9', status, payout }));
		const saleResult = await run(keitaro('sale', '20'));
		expect(saleResult.item.eventName).toBe('Purchase');
		// "rejected" with no payout would read as a Lead by the commission rule.
		const rejected = checked(await run(keitaro('rejected', '0')));
		expect(rejected.output).toBe('rejected');
		expect(rejected.item).toMatchObject({ eventName: 'Purchase', reversalOf: { conversionId: saleResult.item.conversionId } });
	});

	it('a reversal whose original was never seen still goes to Reversal, negative, and says it is not linked', async () => {
		const refund = checked(await run(custom({ click_id: 'clk_9', transaction_id: 'GONE-1', amount: '30', commission: '3', status: 'reversed' })));
		expect(refund.output).toBe('reversal');
		expect(refund.item).toMatchObject({ amount: '-30', commission: '-3', reversalOf: null, dedup: { status: 'first' } });
		expect(refund.item.ledger.entries).toEqual([]);
	});
});

describe('TUNE repeat sequence through the store', () => {
	const seed = tuneSeedQuery();
	const tune = (transactionId: string, payout: string) => postback('tune', get({ ...seed, transaction_id: transactionId, payout, commission: '' }));
	// TUNE's event log pays 4.485 USD: such a network needs a rounding rule for the ledger.
	const options: FunnelOptions = { repeatSequence: true, amountPrecision: 'roundHalfUp' };

	it('Lead → CompleteRegistration → Purchase on one click id; a retried postback is a Duplicate and does not advance the sequence', async () => {
		const first = checked(await run(tune('tx-1', '0'), options));
		expect(first.item).toMatchObject({ eventName: 'Lead', sequence: 1 });
		expect(first.output).toBe('lead');
		const second = checked(await run(tune('tx-2', '4.485'), options));
		expect(second.item).toMatchObject({ eventName: 'CompleteRegistration', sequence: 2 });
		expect(second.output).toBe('other');

		const retried = await run(tune('tx-2', '4.485'), options);
		expect(retried.output).toBe('duplicate');
		expect(retried.item.eventName).toBe('CompleteRegistration');
		expect(retried.item.conversionId).toBe(second.item.conversionId);

		const third = checked(await run(tune('tx-3', '4.485'), options));
		expect(third.item).toMatchObject({ eventName: 'Purchase', sequence: 3 });
		expect(third.output).toBe('purchase');
		// The stored conversion carries the decided event, and its id is derived from it.
		expect(third.item.conversionId).toBe(conversionIdFor({ network: 'tune', transactionId: 'tx-3', eventName: 'Purchase' }));
		expect(third.item.dedup.key).toEqual({ network: 'tune', transactionId: 'tx-3', eventName: 'Purchase' });
		expect(SEQUENCE_CLAIM.startsWith('#')).toBe(true);
	});

	it('a status change on a sequenced conversion updates it rather than starting a new step', async () => {
		await run(tune('tx-1', '0'), options);
		const paid = await run(tune('tx-2', '4.485'), options);
		const reversal = await run(withFields(tune('tx-2', '4.485'), { status: 'reversed' }), options);
		expect(reversal.output).toBe('reversal');
		expect(reversal.item).toMatchObject({ eventName: 'CompleteRegistration', reversalOf: { conversionId: paid.item.conversionId } });
		const next = await run(tune('tx-3', '4.485'), options);
		expect(next.item.sequence).toBe(3);
	});
});

import { ledgerEntryId, ledgerLinesFor, runFunnel } from '../../../src/funnel';
import type { FunnelOptions, LedgerChange } from '../../../src/funnel';
import type { Conversion } from '../../../src/model';
import type { LedgerEntry } from '../../../src/store';
import { clickbank, custom, get, hoursBefore, NOW, now, postback, shareasaleSeedPayload, useSqliteStore, withFields } from './helpers';

const db = useSqliteStore();
const run = (conversion: Conversion, options: FunnelOptions = {}) => runFunnel(conversion, db.store(), { now, ...options });
const RECORDED = NOW.toISOString();

/** Exact sum of decimal strings (scaled BigInt), for checking balances without floats. */
function sum(amounts: string[]): string {
	const scale = 8;
	let total = 0n;
	for (const amount of amounts) {
		const negative = amount.startsWith('-');
		const [whole, fraction = ''] = amount.replace('-', '').split('.');
		const value = BigInt(whole + fraction.padEnd(scale, '0'));
		total += negative ? -value : value;
	}
	const negative = total < 0n;
	const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
	const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
	return text === '0' || text === '' ? '0' : (negative ? '-' : '') + text;
}
const byStatus = (entries: LedgerEntry[], status: string) => sum(entries.filter((entry) => entry.status === status).map((entry) => entry.amount));

describe('ledgerLinesFor: one status change, the lines it adds', () => {
	const change = (from: LedgerChange['from'], to: LedgerChange['to'], extra: Partial<LedgerChange> = {}): LedgerChange => ({
		conversionId: 'cv_1',
		affiliateId: 'aff_1',
		commission: '12.5',
		currency: 'USD',
		network: 'impact',
		transactionId: 'A-1',
		occurredAt: '2024-05-30T10:00:00.000Z',
		recordedAt: RECORDED,
		from,
		to,
		...extra,
	});
	const lines = (c: LedgerChange) => ledgerLinesFor(c).map(({ id, kind, amount, status }) => ({ id, kind, amount, status }));

	it('new pending or approved: one commission line; new reversed or rejected: none', () => {
		expect(lines(change(undefined, 'pending'))).toEqual([{ id: 'cv_1:commission:pending', kind: 'commission', amount: '12.5', status: 'pending' }]);
		expect(lines(change(undefined, 'approved'))).toEqual([{ id: 'cv_1:commission:approved', kind: 'commission', amount: '12.5', status: 'approved' }]);
		expect(lines(change(undefined, 'reversed'))).toEqual([]);
		expect(lines(change(undefined, 'rejected'))).toEqual([]);
	});

	it('pending → approved releases the pending line and credits the approved one', () => {
		expect(lines(change('pending', 'approved'))).toEqual([
			{ id: 'cv_1:adjustment:pending', kind: 'adjustment', amount: '-12.5', status: 'pending' },
			{ id: 'cv_1:commission:approved', kind: 'commission', amount: '12.5', status: 'approved' },
		]);
	});

	it('pending → rejected or reversed withdraws the pending line', () => {
		for (const to of ['rejected', 'reversed'] as const) {
			expect(lines(change('pending', to))).toEqual([{ id: 'cv_1:adjustment:pending', kind: 'adjustment', amount: '-12.5', status: 'pending' }]);
		}
	});

	it('approved → reversed or rejected: a negative reversal line, for the reversal’s own amount when it has one', () => {
		expect(lines(change('approved', 'reversed'))).toEqual([{ id: 'cv_1:reversal:reversed', kind: 'reversal', amount: '-12.5', status: 'reversed' }]);
		expect(lines(change('approved', 'rejected'))).toEqual([{ id: 'cv_1:reversal:rejected', kind: 'reversal', amount: '-12.5', status: 'rejected' }]);
		expect(lines(change('approved', 'reversed', { reversalCommission: '-4.25' }))[0].amount).toBe('-4.25');
		expect(lines(change('approved', 'reversed', { reversalCommission: '4.25' }))[0].amount).toBe('-4.25');
		expect(lines(change('approved', 'reversed', { reversalCommission: '0' }))[0].amount).toBe('-12.5');
	});

	it('a negative recorded commission counts by its magnitude; zero adds nothing; ids are deterministic', () => {
		expect(lines(change(undefined, 'approved', { commission: '-12.5' }))[0].amount).toBe('12.5');
		expect(lines(change(undefined, 'approved', { commission: '0' }))).toEqual([]);
		expect(ledgerEntryId('cv_9', 'reversal', 'reversed')).toBe('cv_9:reversal:reversed');
		expect(ledgerLinesFor(change('pending', 'approved'))).toEqual(ledgerLinesFor(change('pending', 'approved')));
	});
});

describe('the funnel writes the ledger', () => {
	const seed = shareasaleSeedPayload();
	beforeEach(async () => {
		await db.store().recordClick({ clickId: seed.afftrack, clickedAt: '2023-05-20T22:00:00.000Z', affiliateId: 'sub_aff_7', gclid: 'g-1' });
	});

	it('the seed 000 ShareASale sale credits the click’s affiliate exactly once, however often it arrives', async () => {
		const conversion = postback('shareasale', get(seed));
		const first = await run(conversion);
		expect(first.output).toBe('purchase');
		expect(first.item.ledger).toEqual({
			affiliateId: 'sub_aff_7',
			entries: [{ id: `${first.item.conversionId}:commission:approved`, kind: 'commission', amount: '39.5', currency: 'USD', status: 'approved' }],
		});
		await run(conversion);
		await run(conversion);
		const ledger = await db.store().listLedger({ affiliateId: 'sub_aff_7' });
		expect(ledger).toHaveLength(1);
		expect(ledger[0]).toMatchObject({
			id: `${first.item.conversionId}:commission:approved`,
			affiliateId: 'sub_aff_7',
			kind: 'commission',
			amount: '39.5',
			currency: 'USD',
			status: 'approved',
			conversionId: first.item.conversionId,
			network: 'shareasale',
			transactionId: '198198598',
			occurredAt: '2023-05-21T00:57:45.000Z',
			recordedAt: RECORDED,
		});
		// Writing the same line again is a no-op in the store too.
		expect(await db.store().addLedgerEntry(ledger[0])).toBe(false);
	});

	it('Impact pending → approved → reversed: each status sums exactly, and the conversion nets to zero', async () => {
		await db.store().recordClick({ clickId: 'clk_imp', clickedAt: hoursBefore('2024-05-30T10:00:00Z', 1), affiliateId: 'aff_imp' });
		const impact = (status: string) =>
			postback(
				'impact',
				get({
					SubId1: 'clk_imp',
					ActionId: 'A-1',
					ActionTrackerName: 'Online Sale',
					MediaPartnerId: '555',
					Payout: '12.35',
					Amount: '123.5',
					Currency: 'EUR',
					Status: status,
					EventDate: '2024-05-30T10:00:00Z',
				}),
			);
		await run(impact('PENDING'));
		let ledger = await db.store().listLedger({ affiliateId: 'aff_imp' });
		expect(byStatus(ledger, 'pending')).toBe('12.35');

		const approved = await run(impact('APPROVED'));
		expect(approved.item.ledger.entries.map((entry) => [entry.kind, entry.amount, entry.status])).toEqual([
			['adjustment', '-12.35', 'pending'],
			['commission', '12.35', 'approved'],
		]);
		ledger = await db.store().listLedger({ affiliateId: 'aff_imp' });
		expect([byStatus(ledger, 'pending'), byStatus(ledger, 'approved')]).toEqual(['0', '12.35']);

		const reversed = await run(impact('REVERSED'));
		expect(reversed.item.ledger.entries).toEqual([
			{ id: `${approved.item.conversionId}:reversal:reversed`, kind: 'reversal', amount: '-12.35', currency: 'EUR', status: 'reversed' },
		]);
		ledger = await db.store().listLedger({ affiliateId: 'aff_imp' });
		expect(ledger).toHaveLength(4);
		expect(sum(ledger.map((entry) => entry.amount))).toBe('0');
		expect(ledger.every((entry) => entry.conversionId === approved.item.conversionId && entry.currency === 'EUR')).toBe(true);
		// Impact's MediaPartnerId is the operator's own partner id: never credited.
		expect(await db.store().listLedger({ affiliateId: '555' })).toEqual([]);
	});

	it('a pending conversion rejected later withdraws its pending commission', async () => {
		await db.store().recordClick({ clickId: 'clk_p', clickedAt: hoursBefore(NOW.toISOString(), 1), affiliateId: 'aff_p' });
		const pending = custom({ click_id: 'clk_p', transaction_id: 'P-1', commission: '7.1', status: 'pending' });
		await run(pending);
		const rejected = await run(withFields(pending, { status: 'rejected' }));
		expect(rejected.output).toBe('rejected');
		const ledger = await db.store().listLedger({ affiliateId: 'aff_p' });
		expect(ledger.map((entry) => [entry.kind, entry.amount, entry.status])).toEqual([
			['commission', '7.1', 'pending'],
			['adjustment', '-7.1', 'pending'],
		]);
	});

	it('a partial PAP refund takes back its own amount; PAP’s AffiliateID is the partner credited', async () => {
		// Authenticated by the trigger, from a network whose affiliate ids the operator trusts.
		const pap = (fields: Record<string, string>): Conversion => ({
			...postback('pap', get({ AffiliateID: 'pap_aff_3', TotalCost: '100', OrderID: 'ORD-7', Commission: '10', Currency: 'EUR', PStatus: 'A', ...fields })),
			authentication: 'hmac',
		});
		const sale = await run(pap({}), { forwardUnattributed: true, trustPostbackAffiliate: ['pap'] });
		expect(sale.item.attribution).toMatchObject({ method: 'none', affiliateId: 'pap_aff_3', affiliateSource: 'network' });
		const refund = await run(pap({ TotalCost: '-40', Commission: '-4' }), { trustPostbackAffiliate: ['pap'] });
		expect(refund.output).toBe('reversal');
		expect(refund.item).toMatchObject({ amount: '-40', commission: '-4', reversalOf: { conversionId: sale.item.conversionId } });
		const ledger = await db.store().listLedger({ affiliateId: 'pap_aff_3' });
		expect(ledger.map((entry) => [entry.kind, entry.amount])).toEqual([
			['commission', '10'],
			['reversal', '-4'],
		]);
		expect(sum(ledger.map((entry) => entry.amount))).toBe('6');
	});

	it('adds nothing, and says why, without an affiliate, without a commission, or for an event that earns nothing', async () => {
		await db.store().recordClick({ clickId: 'clk_noaff', clickedAt: hoursBefore(NOW.toISOString(), 1) });
		const noAffiliate = await run(custom({ click_id: 'clk_noaff', transaction_id: 'N-1', commission: '5' }));
		expect(noAffiliate.item.ledger).toEqual({ entries: [], reason: expect.stringMatching(/No affiliate/) });

		await db.store().recordClick({ clickId: 'clk_aff', clickedAt: hoursBefore(NOW.toISOString(), 1), affiliateId: 'aff_z' });
		const noCommission = await run(custom({ click_id: 'clk_aff', transaction_id: 'N-2', amount: '50' }));
		expect(noCommission.item.ledger).toEqual({ entries: [], reason: 'The postback carried no commission.' });

		await db.store().recordClick({ clickId: 'click_cb_1', clickedAt: '2024-05-30T10:00:00.000Z', affiliateId: 'aff_cb' });
		const cancel = await run(clickbank({ transactionType: 'CANCEL-REBILL', receipt: 'R-CANCEL' }));
		expect(cancel.output).toBe('other');
		expect(cancel.item.ledger.reason).toMatch(/SubscriptionCancelled event earns no commission/);
		expect(await db.store().listLedger({ affiliateId: 'aff_cb' })).toEqual([]);
	});
});

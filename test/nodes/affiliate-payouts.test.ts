/**
 * Affiliate Payouts' Calculate Due through n8n-core's real WorkflowExecute, on a real SQLite store holding an
 * unreadable ledger line (half a cent, as an older version could write): the run does not fail, the line is
 * listed as invalid_line, everyone else is due, and "Unreadable Ledger Lines" decides the affected balance.
 */
import type { IConnections, INode, IRun } from 'n8n-workflow';
import { AffiliatePayouts } from '../../nodes/AffiliatePayouts/AffiliatePayouts.node';
import type { LedgerEntry } from '../../src/store';
import { useTrackingStore } from './destination-helpers';
import { COLLECT_TYPE, outputOfNode, runWorkflowFrom, workflowOf } from './harness';

const PAYOUTS_TYPE = 'n8n-nodes-postback.affiliatePayouts';
const PAYOUTS_NAME = 'Affiliate Payouts';
const db = useTrackingStore();

const line = (id: string, affiliateId: string, amount: string, occurredAt: string): LedgerEntry => ({
	id,
	affiliateId,
	kind: 'commission',
	amount,
	currency: 'USD',
	status: 'approved',
	conversionId: `cv-${id}`,
	occurredAt,
	recordedAt: occurredAt,
});

async function calculateDue(invalidLines?: 'hold' | 'skip'): Promise<IRun> {
	const node: INode = {
		id: 'node-payouts',
		name: PAYOUTS_NAME,
		type: PAYOUTS_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {
			operation: 'calculateDue',
			store: 'sqlite',
			sqlitePath: db.path(),
			asOf: '2026-11-20T12:00:00Z',
			holdingDays: 0,
			...(invalidLines ? { invalidLines } : {}),
		},
	};
	const after: INode = { id: 'node-after', name: 'After', type: COLLECT_TYPE, typeVersion: 1, position: [300, 0], parameters: {} };
	const connections: IConnections = { [PAYOUTS_NAME]: { main: [[{ node: 'After', type: 'main', index: 0 }]] } };
	return await runWorkflowFrom(workflowOf([node, after], connections, 'Payouts test'), PAYOUTS_NAME, [[{ json: {} }]], {
		[PAYOUTS_TYPE]: new AffiliatePayouts(),
	});
}

beforeAll(async () => {
	const store = db.store();
	await store.addLedgerEntry(line('a-1', 'aff-A', '60', '2026-10-03T10:00:00Z'));
	await store.addLedgerEntry(line('b-1', 'aff-B', '70', '2026-10-04T10:00:00Z'));
	await store.addLedgerEntry(line('b-bad', 'aff-B', '0.005', '2026-10-05T10:00:00Z'));
});

const byOutcome = (run: IRun) => (outputOfNode(run, PAYOUTS_NAME) ?? []).map((item) => item.json);

it('lists an unreadable line, keeps everyone else due, and holds that balance by default', async () => {
	const run = await calculateDue();
	expect(run.data.resultData.error).toBeUndefined();
	const items = byOutcome(run);
	expect(items).toContainEqual(expect.objectContaining({ outcome: 'due', affiliateId: 'aff-A', amount: '60' }));
	expect(items).toContainEqual(expect.objectContaining({ outcome: 'carried', affiliateId: 'aff-B', reason: 'invalid_line' }));
	expect(items).toContainEqual(expect.objectContaining({ outcome: 'invalid_line', entryId: 'b-bad' }));
	expect(items.find((item) => item.outcome === 'due' && item.affiliateId === 'aff-B')).toBeUndefined();
});

it('"Pay Without Them" makes that balance due without the line, which stays listed', async () => {
	const items = byOutcome(await calculateDue('skip'));
	expect(items).toContainEqual(expect.objectContaining({ outcome: 'due', affiliateId: 'aff-B', amount: '70' }));
	expect(items).toContainEqual(expect.objectContaining({ outcome: 'invalid_line', entryId: 'b-bad' }));
});

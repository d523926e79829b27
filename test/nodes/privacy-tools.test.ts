/**
 * Postback Tools "Apply Retention" and "Erase Person" (issue 13) through n8n-core's real WorkflowExecute, on a
 * real SQLite tracking store fed by the real Conversion Funnel: the outputs count what changed per table and never
 * carry the person's data (not even the input item that named them), and a bad request fails with its item index.
 */
import type { IConnections, INode, INodeExecutionData, INodeParameters, IRun } from 'n8n-workflow';
import { PostbackTools } from '../../nodes/PostbackTools/PostbackTools.node';
import { DAY, HOUR, adClick, ago, funnelItem, useTrackingStore } from './destination-helpers';
import { COLLECT_TYPE, outputOfNode, runWorkflowFrom, workflowOf } from './harness';

const TOOLS_TYPE = 'n8n-nodes-postback.postbackTools';
const TOOLS_NAME = 'Postback Tools';

const db = useTrackingStore();
const storeParameters = () => ({ store: 'sqlite', sqlitePath: db.path() });

async function runTools(parameters: INodeParameters, items: INodeExecutionData[], settings: Partial<INode> = {}): Promise<IRun> {
	const tools: INode = { id: 'node-tools', name: TOOLS_NAME, type: TOOLS_TYPE, typeVersion: 1, position: [0, 0], parameters, ...settings };
	const after: INode = { id: 'node-after', name: 'After', type: COLLECT_TYPE, typeVersion: 1, position: [300, 0], parameters: {} };
	const connections: IConnections = { [TOOLS_NAME]: { main: [[{ node: 'After', type: 'main', index: 0 }]] } };
	return await runWorkflowFrom(workflowOf([tools, after], connections, 'Privacy tools test'), TOOLS_NAME, [items], { [TOOLS_TYPE]: new PostbackTools() });
}

const output = (run: IRun) => outputOfNode(run, TOOLS_NAME) ?? [];

describe('Postback Tools: Erase Person', () => {
	it("erases each item's person and outputs counts only, never the person's data", async () => {
		const store = db.store();
		const alice = await funnelItem(
			store,
			{
				click_id: 'er_c1',
				transaction_id: 'ER-T1',
				commission: '10',
				amount: '100',
				email: 'Alice.Erase@Example.com',
				phone: '+1 650 555 0142',
				occurred_at: ago(HOUR),
			},
			{ ...adClick('er_c1', ago(2 * HOUR)), affiliateId: 'aff_er', ip: '198.51.100.77', userAgent: 'AliceAgent/1.0', visitorId: 'vis_alice' },
		);
		const bob = await funnelItem(
			store,
			{ click_id: 'er_c2', transaction_id: 'ER-T2', commission: '10', amount: '100', email: 'bob.keep@example.com', occurred_at: ago(HOUR) },
			{ ...adClick('er_c2', ago(2 * HOUR)), ip: '198.51.100.78' },
		);
		const ledgerBefore = await store.listLedger();
		const run = await runTools({ operation: 'erasePerson', email: '={{ $json.who }}', ...storeParameters() }, [{ json: { who: 'alice.erase@example.com ' } }]);
		expect(run.data.resultData.error).toBeUndefined();
		const [item] = output(run);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({ erased: true, keys: ['email'], counts: { conversionsRedacted: 1, clicksDeleted: 1 } });
		expect(JSON.stringify(item.json).toLowerCase()).not.toContain('alice');

		const stored = await store.getConversion(String(alice.item.json.conversionId));
		expect(JSON.stringify(stored).toLowerCase()).not.toContain('alice');
		expect(JSON.stringify(stored)).not.toContain('198.51.100.77');
		expect(stored).toMatchObject({ transactionId: 'ER-T1', commission: '10', amount: '100' });
		expect(await store.findClick('er_c1')).toBeUndefined();
		expect(JSON.stringify(await store.getConversion(String(bob.item.json.conversionId)))).toContain('bob.keep@example.com');
		expect(await store.listLedger()).toEqual(ledgerBefore);

		// The money history still works after the erasure: the network reverses Alice's sale, and the funnel finds
		// the redacted conversion by its ids and takes the commission back.
		const reversal = await funnelItem(store, { click_id: 'er_c1', transaction_id: 'ER-T1', commission: '-10', amount: '-100', occurred_at: ago(HOUR / 2) });
		expect(reversal.output).toBe('reversal');
		expect(reversal.item.json.reversalOf).toMatchObject({ conversionId: alice.item.json.conversionId });
		const lines = await store.listLedger({ conversionId: String(alice.item.json.conversionId) });
		expect(ledgerBefore.filter((entry) => entry.conversionId === alice.item.json.conversionId).length).toBeGreaterThan(0);
		expect(lines.map((entry) => [entry.kind, entry.amount])).toContainEqual(['reversal', '-10']);
	});

	it('fails with the item index when an item names nobody; with Continue On Fail, says why on that item only', async () => {
		const failed = await runTools({ operation: 'erasePerson', email: '={{ $json.who }}', ...storeParameters() }, [
			{ json: { who: 'x@example.com' } },
			{ json: { who: '' } },
		]);
		const error = failed.data.resultData.error as unknown as { name: string; message: string; context?: { itemIndex?: number } };
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/at least one of Email, Phone, External ID or Click ID/);
		expect(error.context?.itemIndex).toBe(1);

		const continued = await runTools(
			{ operation: 'erasePerson', email: '={{ $json.who }}', ...storeParameters() },
			[{ json: { who: 'not-an-email' } }, { json: { who: 'y@example.com' } }],
			{ onError: 'continueRegularOutput' },
		);
		const items = output(continued);
		expect(items.map((entry) => entry.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0].json).toEqual({ erased: false, error: expect.stringMatching(/not an email address/) });
		expect(JSON.stringify(items[0].json)).not.toContain('not-an-email');
		expect(items[1].json).toMatchObject({ erased: true, keys: ['email'] });
	});
});

describe('Postback Tools: Apply Retention', () => {
	it('applies the days per kind once per execution and reports counts per kind', async () => {
		const store = db.store();
		await store.recordClick({ ...adClick('ret_old', ago(200 * DAY)), ip: '192.0.2.200' });
		await store.recordClick(adClick('ret_new', ago(HOUR)));
		const run = await runTools({ operation: 'applyRetention', retention: { clicks: 90, deliveries: 180 }, ...storeParameters() }, [{ json: {} }, { json: {} }]);
		expect(run.data.resultData.error).toBeUndefined();
		const items = output(run);
		expect(items).toHaveLength(1);
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(items[0].json).toMatchObject({ retention: { clicks: 90, deliveries: 180 }, counts: { clicksDeleted: 1, deliveriesDeleted: 0 } });
		expect(Object.keys(items[0].json.cutoffs as object).sort()).toEqual(['clicks', 'deliveries']);
		expect(await store.findClick('ret_old')).toBeUndefined();
		expect(await store.findClick('ret_new')).toBeDefined();
	});

	it('refuses to run with no kind chosen, and a negative number of days', async () => {
		const empty = await runTools({ operation: 'applyRetention', retention: {}, ...storeParameters() }, [{ json: {} }]);
		expect((empty.data.resultData.error as unknown as { message: string }).message).toMatch(/Add at least one kind/);
		const negative = await runTools({ operation: 'applyRetention', retention: { clicks: -3 }, ...storeParameters() }, [{ json: {} }]);
		expect((negative.data.resultData.error as unknown as { message: string }).message).toMatch(/whole number of days/);
	});
});

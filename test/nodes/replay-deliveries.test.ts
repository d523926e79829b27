/**
 * Postback Tools "Replay Deliveries" (issue 16) through n8n-core's real WorkflowExecute, on a real SQLite tracking
 * store fed by the real Conversion Funnel: chosen outbox entries of one destination are due again now, a settled
 * one with the funnel's item rebuilt from the stored conversion, and what cannot be replayed says why.
 */
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import type { IConnections, INode, INodeExecutionData, INodeParameters, IRun } from 'n8n-workflow';
import { PostbackTools } from '../../nodes/PostbackTools/PostbackTools.node';
import { HOUR, ago, funnelItem, useTrackingStore } from './destination-helpers';
import { COLLECT_TYPE, outputOfNode, runWorkflowFrom, workflowOf } from './harness';

const TOOLS_TYPE = 'n8n-nodes-postback.postbackTools';
const TOOLS_NAME = 'Postback Tools';

const db = useTrackingStore();
const storeParameters = () => ({ store: 'sqlite', sqlitePath: db.path() });

async function runTools(parameters: INodeParameters, items: INodeExecutionData[], settings: Partial<INode> = {}): Promise<IRun> {
	const tools: INode = { id: 'node-tools', name: TOOLS_NAME, type: TOOLS_TYPE, typeVersion: 1, position: [0, 0], parameters, ...settings };
	const after: INode = { id: 'node-after', name: 'After', type: COLLECT_TYPE, typeVersion: 1, position: [300, 0], parameters: {} };
	const connections: IConnections = { [TOOLS_NAME]: { main: [[{ node: 'After', type: 'main', index: 0 }]] } };
	return await runWorkflowFrom(workflowOf([tools, after], connections, 'Replay test'), TOOLS_NAME, [items], { [TOOLS_TYPE]: new PostbackTools() });
}

const output = (run: IRun) => outputOfNode(run, TOOLS_NAME) ?? [];

/** A conversion through the funnel, sent to `destinations` and settled there as `state`. */
async function delivered(transactionId: string, destinations: string[], state: 'sent' | 'failed' | 'gave_up') {
	const store = db.store();
	const { item } = await funnelItem(store, {
		click_id: `clk_${transactionId}`,
		transaction_id: transactionId,
		amount: '100',
		email: `${transactionId}@example.com`,
		occurred_at: ago(HOUR),
	});
	const conversionId = String(item.json.conversionId);
	await scopedOutbox(store, 'wf-package-test').enqueueDeliveries(
		destinations.map((destination) => ({ conversionId, destination, item: item.json, dueAt: ago(HOUR) })),
	);
	for (const destination of destinations)
		await scopedOutbox(store, 'wf-package-test').settleDelivery({ conversionId, destination }, { state }, { code: '401', reason: 'token expired' });
	return { conversionId, item };
}

describe('Postback Tools: Replay Deliveries', () => {
	it('makes the chosen conversions due again for one platform, the item rebuilt from the stored conversion', async () => {
		const store = db.store();
		const failed = await delivered('RP-1', ['meta', 'tiktok'], 'failed');
		const run = await runTools({ operation: 'replayDeliveries', replayDestination: 'meta', replayConversionIds: '={{ $json.ids }}', ...storeParameters() }, [
			{ json: { ids: `${failed.conversionId}, cv_unknown` } },
		]);
		expect(run.data.resultData.error).toBeUndefined();
		const [result] = output(run);
		expect(result.pairedItem).toEqual({ item: 0 });
		expect(result.json).toMatchObject({
			destination: 'meta',
			replayed: 1,
			replayedIds: [failed.conversionId],
			skippedCount: 1,
			skippedByReason: { no_entry: 1 },
		});
		expect(JSON.stringify(result.json)).not.toContain('@example.com');

		const [meta] = await scopedOutbox(store, 'wf-package-test').listOutbox({ conversionIds: [failed.conversionId], destination: 'meta' });
		expect(meta).toMatchObject({ state: 'pending', attempts: 0 });
		// What the funnel recorded is the item it handed on (less dedup.basis, which the funnel adds after saving and
		// no platform sends): the platform node gets the same conversion again.
		const { basis, ...dedup } = failed.item.json.dedup as Record<string, unknown>;
		expect(basis).toBe('transaction_id');
		expect(meta.item).toEqual({ ...failed.item.json, dedup });
		expect(Date.parse(meta.dueAt)).toBeLessThanOrEqual(Date.now());
		expect((await scopedOutbox(store, 'wf-package-test').listOutbox({ conversionIds: [failed.conversionId], destination: 'tiktok' }))[0].state).toBe('failed');
	});

	it('selects a network or a time range, and a Send Postback target', async () => {
		const store = db.store();
		const one = await delivered('RP-2', ['meta', 'postback:partner'], 'gave_up');
		const two = await delivered('RP-3', ['meta'], 'sent');
		const byNetwork = await runTools(
			{ operation: 'replayDeliveries', replayDestination: 'meta', replaySelect: 'network', replayNetwork: 'custom', ...storeParameters() },
			[{ json: {} }],
		);
		// Every conversion of the network this store holds (earlier tests' too), each on meta only.
		const onMeta = await scopedOutbox(store, 'wf-package-test').listOutbox({ destination: 'meta' });
		expect(output(byNetwork)[0].json).toMatchObject({ replayed: onMeta.length, skippedCount: 0 });
		expect(output(byNetwork)[0].json.replayedIds).toEqual(expect.arrayContaining([one.conversionId, two.conversionId]));
		expect(onMeta.every((entry) => entry.state === 'pending')).toBe(true);

		const byRange = await runTools(
			{
				operation: 'replayDeliveries',
				replayDestination: 'postback',
				postbackTarget: 'partner',
				replaySelect: 'timeRange',
				recordedFrom: ago(HOUR),
				...storeParameters(),
			},
			[{ json: {} }],
		);
		expect(output(byRange)[0].json).toMatchObject({ destination: 'postback:partner', replayed: 1, replayedIds: [one.conversionId] });
		const empty = await runTools(
			{ operation: 'replayDeliveries', replayDestination: 'meta', replaySelect: 'timeRange', recordedBefore: '2000-01-01', ...storeParameters() },
			[{ json: {} }],
		);
		expect(output(empty)[0].json).toMatchObject({ replayed: 0, skippedCount: 0, more: false });
		const unbounded = await runTools({ operation: 'replayDeliveries', replayDestination: 'meta', replaySelect: 'timeRange', ...storeParameters() }, [
			{ json: {} },
		]);
		expect(unbounded.data.resultData.error?.message).toBe('Enter Recorded From or Recorded Before (or both) to choose the time range.');
		expect((await scopedOutbox(store, 'wf-package-test').listOutbox({ destination: 'postback:partner' }))[0]).toMatchObject({ state: 'pending', attempts: 0 });
	});

	it('refuses an erased conversion with its reason, and fails on an item that names no conversion', async () => {
		const erased = await delivered('RP-4', ['meta'], 'sent');
		await db.store().erasePerson({ email: 'RP-4@example.com' });
		const run = await runTools({ operation: 'replayDeliveries', replayDestination: 'meta', replayConversionIds: erased.conversionId, ...storeParameters() }, [
			{ json: {} },
		]);
		expect(output(run)[0].json).toMatchObject({ replayed: 0, skipped: [{ conversionId: erased.conversionId, reason: 'redacted' }] });

		const bad = await runTools({ operation: 'replayDeliveries', replayDestination: 'meta', replayConversionIds: '={{ $json.id }}', ...storeParameters() }, [
			{ json: { id: erased.conversionId } },
			{ json: { id: ' ' } },
		]);
		expect(bad.data.resultData.error?.message).toBe('Enter at least one conversion ID to replay.');
		const tolerant = await runTools(
			{ operation: 'replayDeliveries', replayDestination: 'meta', replayConversionIds: '={{ $json.id }}', ...storeParameters() },
			[{ json: { id: erased.conversionId } }, { json: { id: '' } }],
			{ continueOnFail: true },
		);
		expect(output(tolerant).map((item) => item.json.error)).toEqual([undefined, 'Enter at least one conversion ID to replay.']);
	});
});

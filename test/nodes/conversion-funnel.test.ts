import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IConnections, INode, INodeExecutionData, INodeParameters, IRun } from 'n8n-workflow';
import { ConversionFunnel } from '../../nodes/ConversionFunnel/ConversionFunnel.node';
import { funnelItemSchema, funnelOutputs } from '../../src/funnel';
import { parsePostback } from '../../src/networks';
import { closeSharedStores, conversionIdFor, sharedStore } from '../../src/store';
import { SHAREASALE_CONVERSION_PAYLOAD } from '../fixtures/seed-payloads';
import { COLLECT_TYPE, TRIGGER_NAME, TRIGGER_TYPE, deliverPostbackTo, outputOfNode, removeN8nUserFolder, runWorkflowFrom, workflowOf } from './harness';

const FUNNEL_TYPE = 'n8n-nodes-postback.conversionFunnel';
const FUNNEL_NAME = 'Conversion Funnel';
const extraTypes = { [FUNNEL_TYPE]: new ConversionFunnel() };
const OUTPUT_NODES = ['On Lead', 'On Purchase', 'On Other Event', 'On Reversal', 'On Pending', 'On Rejected', 'On Duplicate', 'On Unattributed'];

/** ShareASale's documented conversion payload (AnyTrack's ShareASale article). */
const PAYLOAD: Record<string, string> = { ...SHAREASALE_CONVERSION_PAYLOAD };

const folder = mkdtempSync(join(tmpdir(), 'funnel-node-test-'));
const storePath = join(folder, 'tracking.sqlite');

afterAll(async () => {
	await closeSharedStores();
	rmSync(folder, { recursive: true, force: true });
	removeN8nUserFolder();
});

function funnelNode(parameters: INodeParameters = {}, extra: Partial<INode> = {}): INode {
	return {
		id: 'node-funnel',
		name: FUNNEL_NAME,
		type: FUNNEL_TYPE,
		typeVersion: 1,
		position: [300, 0],
		parameters: { store: 'sqlite', sqlitePath: storePath, attributionWindow: 'unlimited', ...parameters },
		...extra,
	};
}

const collectors: INode[] = OUTPUT_NODES.map((name, index) => ({
	id: `node-out-${index}`,
	name,
	type: COLLECT_TYPE,
	typeVersion: 1,
	position: [600, index * 100],
	parameters: {},
}));

const funnelConnections = { main: OUTPUT_NODES.map((node) => [{ node, type: 'main' as const, index: 0 }]) };

/** Postback Trigger (ShareASale) → Conversion Funnel → one Collect node per output. */
function pipeline(funnelParameters: INodeParameters = {}) {
	const trigger: INode = {
		id: 'node-trigger',
		name: TRIGGER_NAME,
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: 'b8f1c9a4-2f6e-4c53-9d1e-6a0c2f3e7b11',
		parameters: { network: 'shareasale', path: 'shareasale', options: { timezone: 'UTC' } },
	};
	const connections: IConnections = {
		[TRIGGER_NAME]: { main: [[{ node: FUNNEL_NAME, type: 'main', index: 0 }], []] },
		[FUNNEL_NAME]: funnelConnections,
	};
	return workflowOf([trigger, funnelNode(funnelParameters), ...collectors], connections);
}

/** Where each item left the funnel: output name → items. */
function outputs(run: IRun): Record<string, INodeExecutionData[]> {
	const byName: Record<string, INodeExecutionData[]> = {};
	funnelOutputs.forEach((output, index) => {
		byName[output] = outputOfNode(run, FUNNEL_NAME, index) ?? [];
	});
	return byName;
}

function nonEmpty(run: IRun): string[] {
	return Object.entries(outputs(run))
		.filter(([, items]) => items.length > 0)
		.map(([name]) => name);
}

describe('Postback Trigger → Conversion Funnel, through WorkflowExecute with a real SQLite store', () => {
	it('a click recorded first, then the seed postback twice: Purchase with the click’s fbc and gclid, then Duplicate', async () => {
		const store = await sharedStore({ kind: 'sqlite', path: storePath });
		await store.recordClick({
			clickId: PAYLOAD.afftrack,
			clickedAt: '2023-05-20T21:14:03.000Z',
			fbclid: 'IwAR2seedclick',
			fbc: 'fb.1.1684617243000.IwAR2seedclick',
			gclid: 'Cj0KCQjwseed',
			affiliateId: 'sub_aff_1',
			ip: '203.0.113.50',
			userAgent: 'Mozilla/5.0 (Macintosh)',
			landingUrl: 'https://blog.example/best-hosting?fbclid=IwAR2seedclick',
		});
		const workflow = pipeline();

		const first = await deliverPostbackTo(workflow, { method: 'GET', query: PAYLOAD }, extraTypes);
		expect(first.response.statusCode).toBe(200);
		expect(first.run!.data.resultData.error).toBeUndefined();
		expect(nonEmpty(first.run!)).toEqual(['purchase']);
		const [purchase] = outputOfNode(first.run!, 'On Purchase')!;
		const item = funnelItemSchema.parse(purchase.json);
		expect(item).toMatchObject({
			network: 'shareasale',
			transactionId: '198198598',
			eventName: 'Purchase',
			route: 'purchase',
			commission: '39.5',
			conversionId: conversionIdFor({ network: 'shareasale', transactionId: '198198598', eventName: 'Purchase' }),
			dedup: { status: 'first' },
			attribution: { method: 'click', clickId: PAYLOAD.afftrack, affiliateId: 'sub_aff_1' },
			destinationEvents: { meta: 'Purchase', tiktok: 'CompletePayment', ga4: 'purchase' },
		});
		expect(item.click).toEqual({
			clickId: PAYLOAD.afftrack,
			fbclid: 'IwAR2seedclick',
			fbc: 'fb.1.1684617243000.IwAR2seedclick',
			gclid: 'Cj0KCQjwseed',
			ip: '203.0.113.50',
			userAgent: 'Mozilla/5.0 (Macintosh)',
			landingUrl: 'https://blog.example/best-hosting?fbclid=IwAR2seedclick',
			clickedAt: '2023-05-20T21:14:03.000Z',
		});
		expect(outputOfNode(first.run!, FUNNEL_NAME, 1)![0].pairedItem).toEqual({ item: 0 });

		const second = await deliverPostbackTo(workflow, { method: 'GET', query: PAYLOAD }, extraTypes);
		expect(second.response.statusCode).toBe(200);
		expect(nonEmpty(second.run!)).toEqual(['duplicate']);
		const [duplicate] = outputOfNode(second.run!, 'On Duplicate')!;
		expect(duplicate.json).toMatchObject({ route: 'duplicate', dedup: { status: 'duplicate' }, conversionId: item.conversionId });
		// The duplicate still shows which click the conversion had.
		expect((duplicate.json.click as { gclid?: string }).gclid).toBe('Cj0KCQjwseed');
		expect(await store.listLedger({ affiliateId: 'sub_aff_1' })).toHaveLength(1);
	});

	it('a postback whose click is not in the store goes to Unattributed; with forwarding on, to its event', async () => {
		const query = { ...PAYLOAD, afftrack: 'unknown-click-1', transID: 'T-unattributed' };
		const held = await deliverPostbackTo(pipeline(), { method: 'GET', query }, extraTypes);
		expect(nonEmpty(held.run!)).toEqual(['unattributed']);
		const forwarded = await deliverPostbackTo(
			pipeline({ forwardUnattributed: true }),
			{ method: 'GET', query: { ...query, transID: 'T-forwarded' } },
			extraTypes,
		);
		expect(nonEmpty(forwarded.run!)).toEqual(['purchase']);
		expect(outputOfNode(forwarded.run!, 'On Purchase')![0].json.attribution).toMatchObject({ method: 'none' });
	});
});

describe('Conversion Funnel on several items', () => {
	const conversion = (query: Record<string, string>) => {
		const result = parsePostback('shareasale', { method: 'GET', query: { ...PAYLOAD, ...query } }, { timezone: 'UTC' });
		if (!result.ok) throw new Error(result.error.message);
		return { json: result.conversion as unknown as INodeExecutionData['json'] };
	};
	const workflow = (parameters: INodeParameters = {}, extra: Partial<INode> = {}) =>
		workflowOf([funnelNode({ forwardUnattributed: true, ...parameters }, extra), ...collectors], { [FUNNEL_NAME]: funnelConnections });

	it('routes each item to its output with its pairedItem, and applies event name overrides', async () => {
		const items = [
			conversion({ transID: 'M-1', transtype: 'LEAD', commission: '0' }),
			conversion({ transID: 'M-2' }),
			conversion({ transID: 'M-2' }),
			conversion({ transID: 'M-3', amountOfSale: '-79', commission: '-39.5' }),
		];
		const parameters = { eventMapping: { override: [{ event: 'Lead', destination: 'tiktok', name: 'SubmitForm' }] } };
		const run = await runWorkflowFrom(workflow(parameters), FUNNEL_NAME, [items], extraTypes);
		expect(run.data.resultData.error).toBeUndefined();
		const out = outputs(run);
		expect(out.lead.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect((out.lead[0].json.destinationEvents as Record<string, string>).tiktok).toBe('SubmitForm');
		expect(out.purchase.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
		expect(out.duplicate.map((item) => item.pairedItem)).toEqual([{ item: 2 }]);
		expect(out.reversal.map((item) => item.pairedItem)).toEqual([{ item: 3 }]);
		expect(out.reversal[0].json).toMatchObject({ amount: '-79', commission: '-39.5', status: 'reversed', reversalOf: null });
	});

	it('an item that is not a conversion fails the node with a NodeOperationError naming the item', async () => {
		const items = [conversion({ transID: 'E-1' }), { json: { network: 'shareasale', commission: 39.5 } }];
		const run = await runWorkflowFrom(workflow(), FUNNEL_NAME, [items], extraTypes);
		const error = run.data.resultData.error as unknown as { name: string; message: string; context?: { itemIndex?: number } };
		expect(error).toBeDefined();
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/^Item 1 is not a conversion: /);
		expect(error.context?.itemIndex).toBe(1);
	});

	// Errors must never flow into a conversion path: what is on Lead, Purchase or Other Event is forwarded.
	const conversionOutputs = ['lead', 'purchase', 'other'];
	let runs = 0;
	// Fresh transaction ids per run: the store is shared, and a repeat would go to Duplicate.
	const badItems = () => {
		runs++;
		return [{ json: { hello: 'world' } }, conversion({ transID: `E-${runs}-a` }), conversion({ transID: `E-${runs}-b`, commission: '0.005' })];
	};
	const bad = { error: expect.stringMatching(/^Item 0 is not a conversion/) };

	it.each([
		['"continueOnFail" (older workflows)', { continueOnFail: true }],
		['On Error "Continue"', { onError: 'continueRegularOutput' as const }],
	])('with %s, a failed item goes to Rejected, never to a conversion output, and the others go on', async (_label, setting) => {
		const run = await runWorkflowFrom(workflow({}, setting), FUNNEL_NAME, [badItems()], extraTypes);
		expect(run.data.resultData.error).toBeUndefined();
		const out = outputs(run);
		for (const name of conversionOutputs) expect(out[name].filter((item) => 'error' in item.json)).toEqual([]);
		expect(out.purchase.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
		expect(out.rejected).toEqual([
			{ json: bad, pairedItem: { item: 0 } },
			expect.objectContaining({ json: expect.objectContaining({ refused: expect.objectContaining({ code: 'amount_precision' }) }), pairedItem: { item: 2 } }),
		]);
		// Collect nodes after the conversion outputs saw no error item either.
		for (const name of ['On Lead', 'On Purchase', 'On Other Event']) {
			expect((outputOfNode(run, name) ?? []).filter((item) => 'error' in item.json)).toEqual([]);
		}
	});

	it('with On Error "Continue (using error output)", a failed item goes to the Error output only', async () => {
		const run = await runWorkflowFrom(workflow({}, { onError: 'continueErrorOutput' }), FUNNEL_NAME, [badItems()], extraTypes);
		expect(run.data.resultData.error).toBeUndefined();
		const out = outputs(run);
		for (const output of funnelOutputs) expect(out[output].filter((item) => 'error' in item.json)).toEqual([]);
		expect(out.purchase.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
		expect(out.rejected.map((item) => item.pairedItem)).toEqual([{ item: 2 }]);
		// n8n appends the Error output after the node's eight.
		expect(outputOfNode(run, FUNNEL_NAME, funnelOutputs.length)).toEqual([{ json: bad, pairedItem: { item: 0 } }]);
	});

	it('with On Error "Stop Workflow", a failed item stops the run and nothing is routed', async () => {
		const run = await runWorkflowFrom(workflow({}, { onError: 'stopWorkflow' }), FUNNEL_NAME, [badItems()], extraTypes);
		expect((run.data.resultData.error as unknown as { message: string }).message).toMatch(/^Item 0 is not a conversion/);
		for (const name of OUTPUT_NODES) expect(outputOfNode(run, name)).toBeUndefined();
	});

	it('a hand-built item finer than its currency goes to Rejected with the reason (default), or is rounded by the chosen rule', async () => {
		const fine = (id: string) => {
			const item = conversion({ transID: id });
			return { json: { ...item.json, commission: '0.005' } };
		};
		const refused = outputs(await runWorkflowFrom(workflow(), FUNNEL_NAME, [[fine('P-1')]], extraTypes));
		expect(refused.rejected).toHaveLength(1);
		expect(refused.rejected[0].pairedItem).toEqual({ item: 0 });
		expect(refused.rejected[0].json).toMatchObject({ route: 'rejected', refused: { code: 'amount_precision', field: 'commission' } });
		const rounded = outputs(await runWorkflowFrom(workflow({ options: { amountPrecision: 'roundHalfUp' } }), FUNNEL_NAME, [[fine('P-2')]], extraTypes));
		expect(rounded.purchase[0].json).toMatchObject({
			commission: '0.01',
			amountAdjustments: [{ field: 'commission', received: '0.005', recorded: '0.01', rule: 'roundHalfUp' }],
		});
	});

	it('Trust Affiliate ID From Postbacks: a Custom postback’s affiliate earns only when trusted and authenticated', async () => {
		const custom = (id: string, authentication?: string) => {
			const result = parsePostback('custom', {
				method: 'GET',
				query: { click_id: 'clk-trust', transaction_id: id, affiliate_id: 'aff-trust', commission: '5', currency: 'USD' },
			});
			if (!result.ok) throw new Error(result.error.message);
			return { json: { ...result.conversion, ...(authentication ? { authentication } : {}) } as unknown as INodeExecutionData['json'] };
		};
		const store = await sharedStore({ kind: 'sqlite', path: storePath });
		const untrusted = outputs(await runWorkflowFrom(workflow(), FUNNEL_NAME, [[custom('TR-1', 'token')]], extraTypes));
		expect(untrusted.purchase[0].json.ledger).toMatchObject({ entries: [], code: 'untrusted_affiliate' });
		const trusted = outputs(
			await runWorkflowFrom(
				workflow({ options: { trustPostbackAffiliate: ['custom'] } }),
				FUNNEL_NAME,
				[[custom('TR-2', 'token'), custom('TR-3')]],
				extraTypes,
			),
		);
		expect((trusted.purchase[0].json.ledger as { entries: unknown[] }).entries).toHaveLength(1);
		expect(trusted.purchase[1].json.ledger).toMatchObject({ entries: [], code: 'untrusted_affiliate' });
		expect((await store.listLedger({ affiliateId: 'aff-trust' })).map((line) => line.amount)).toEqual(['5']);
	});
});

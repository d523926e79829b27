/**
 * What the destination node tests share: funnel-shaped items built with the library (a postback parsed by
 * the Custom preset, then the Conversion Funnel's `runFunnel` on a real SQLite store), Click Tracker items
 * from the real Click Tracker node, and a workflow of one destination node with its Sent and Failed outputs
 * connected to Collect nodes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ICredentialDataDecryptedObject, IDataObject, INode, INodeExecutionData, INodeParameters, INodeType, IRun } from 'n8n-workflow';
import { ClickTracker } from '../../nodes/ClickTracker/ClickTracker.node';
import { type FunnelOutput, runFunnel } from '../../src/funnel';
import { parsePostback } from '../../src/networks';
import { type ClickRecord, type TrackingStore, closeSharedStores, openStore } from '../../src/store';
import {
	COLLECT_TYPE,
	deliverWebhookTo,
	outputOfNode,
	removeN8nUserFolder,
	runWorkflowWithCredentials,
	workflowOf,
	type DestinationCredentialsHelper,
} from './harness';

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
export const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

export const SENT_NODE = 'On Sent';
export const FAILED_NODE = 'On Failed';

/** A temporary SQLite tracking store for one test file (opened in beforeAll, removed in afterAll). */
export function useTrackingStore(): { store(): TrackingStore; path(): string } {
	const folder = mkdtempSync(join(tmpdir(), 'destination-node-test-'));
	const path = join(folder, 'tracking.sqlite');
	let store: TrackingStore;
	beforeAll(async () => {
		store = await openStore({ kind: 'sqlite', path });
	});
	afterAll(async () => {
		await store.close();
		await closeSharedStores();
		rmSync(folder, { recursive: true, force: true });
		removeN8nUserFolder();
	});
	return { store: () => store, path: () => path };
}

/**
 * One Conversion Funnel item: a Custom-preset postback (our parameter names) through `runFunnel` on the
 * store, after recording `click` when given. Returns the funnel's output name and the item as n8n carries it.
 */
export async function funnelItem(
	store: TrackingStore,
	query: Record<string, string>,
	click?: ClickRecord,
): Promise<{ output: FunnelOutput; item: INodeExecutionData }> {
	if (click) await store.recordClick(click);
	const parsed = parsePostback('custom', { method: 'GET', query: { currency: 'USD', ...query } }, { timezone: 'UTC' });
	if (!parsed.ok) throw new Error(`the Custom preset refused the postback: ${parsed.error.message}`);
	const result = await runFunnel(parsed.conversion, store, { forwardUnattributed: true });
	// As the funnel node hands it on: plain JSON.
	return { output: result.output, item: { json: JSON.parse(JSON.stringify(result.item)) as IDataObject } };
}

/** A click as the Click Tracker records it: ad click ids, browser data, landing page; `clickedAt` given. */
export function adClick(clickId: string, clickedAt: string, extra: Partial<ClickRecord> = {}): ClickRecord {
	return {
		clickId,
		clickedAt,
		visitorId: `vis_${clickId}`,
		fbclid: `IwAR${clickId}`,
		fbc: `fb.1.${Date.parse(clickedAt)}.IwAR${clickId}`,
		fbp: 'fb.1.1700000000000.1234567890',
		gclid: `Cj0KCQ${clickId}`,
		ttclid: `E.C.P.${clickId}`,
		ttp: 'ttp-cookie-1',
		ip: '203.0.113.50',
		userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)',
		landingUrl: 'https://blog.example.com/best-hosting',
		...extra,
	};
}

const TRACKER_TYPE = 'n8n-nodes-postback.clickTracker';
const TRACKER_NAME = 'Click Tracker';

/** A click through the real Click Tracker node (webhook + WorkflowExecute): the item its Clicks output carries. */
export async function clickTrackerItem(sqlitePath: string, query: Record<string, string>): Promise<INodeExecutionData> {
	const tracker: INode = {
		id: 'node-click-tracker',
		name: TRACKER_NAME,
		type: TRACKER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: '5c1e9a0d-3b7f-4e26-8d41-2f6a9c0b7e13',
		parameters: {
			path: 'go',
			offers: { offer: [{ name: 'hosting', url: 'https://shareasale.com/r.cfm?b=1&u=2&m=3&urllink=&afftrack=', network: 'auto' }] },
			store: 'sqlite',
			sqlitePath,
		},
	};
	const collect: INode = { id: 'node-clicks', name: 'On Click', type: COLLECT_TYPE, typeVersion: 1, position: [300, 0], parameters: {} };
	const workflow = workflowOf([tracker, collect], { [TRACKER_NAME]: { main: [[{ node: 'On Click', type: 'main', index: 0 }], []] } }, 'Click source');
	const delivery = await deliverWebhookTo(
		workflow,
		TRACKER_NAME,
		{
			method: 'GET',
			query: { offer: 'hosting', ...query },
			headers: {
				'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
				referer: 'https://blog.example.com/review',
				cookie: '_fbp=fb.1.1700000000000.42; _ttp=ttp-click',
			},
		},
		{ [TRACKER_TYPE]: new ClickTracker() },
	);
	const [item] = outputOfNode(delivery.run!, TRACKER_NAME, 0) ?? [];
	if (!item) throw new Error('the Click Tracker emitted no click');
	return { json: item.json };
}

export interface DestinationSetup {
	type: string;
	name: string;
	nodeType: INodeType;
	credentialType: string;
}

export interface DestinationRun {
	run: IRun;
	sent: INodeExecutionData[];
	failed: INodeExecutionData[];
	/** What the Collect nodes on the two outputs received (undefined when the engine did not run them). */
	collected: { sent?: INodeExecutionData[]; failed?: INodeExecutionData[] };
	credentials: DestinationCredentialsHelper;
}

/** Runs `items` through one destination node (credential id `cred-<type>`) with Collect nodes on Sent and Failed. */
export async function runDestination(
	setup: DestinationSetup,
	items: INodeExecutionData[],
	parameters: INodeParameters,
	credential: ICredentialDataDecryptedObject,
	extra: Partial<INode> = {},
): Promise<DestinationRun> {
	const credentialId = `cred-${setup.credentialType}`;
	const node: INode = {
		id: 'node-destination',
		name: setup.name,
		type: setup.type,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { [setup.credentialType]: { id: credentialId, name: `${setup.name} account` } },
		...extra,
	};
	const collect = (id: string, name: string, y: number): INode => ({ id, name, type: COLLECT_TYPE, typeVersion: 1, position: [300, y], parameters: {} });
	const workflow = workflowOf([node, collect('node-sent', SENT_NODE, -100), collect('node-failed', FAILED_NODE, 100)], {
		[setup.name]: { main: [[{ node: SENT_NODE, type: 'main', index: 0 }], [{ node: FAILED_NODE, type: 'main', index: 0 }]] },
	});
	const { run, credentials } = await runWorkflowWithCredentials(
		workflow,
		setup.name,
		[items],
		{ [credentialId]: { type: setup.credentialType, data: credential } },
		{ [setup.type]: setup.nodeType },
	);
	return {
		run,
		sent: outputOfNode(run, setup.name, 0) ?? [],
		failed: outputOfNode(run, setup.name, 1) ?? [],
		collected: { sent: outputOfNode(run, SENT_NODE), failed: outputOfNode(run, FAILED_NODE) },
		credentials,
	};
}

/** The `forward` object the destination nodes add to each item. */
export const forwardOf = (item: INodeExecutionData) =>
	item.json.forward as { platform: string; outcome: string; eventId?: string; code?: string; reason?: string; retryAt?: string };

/** The run's error as the tests read it. */
export const runError = (run: IRun) => run.data.resultData.error as unknown as { name: string; message: string; context?: { itemIndex?: number } } | undefined;

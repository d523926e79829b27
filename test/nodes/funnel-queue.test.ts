/**
 * Issue 16 inside n8n-core: the Conversion Funnel queues each decided conversion in the redelivery outbox for the
 * destination nodes wired straight to the output it leaves on (before its claims complete), and settles the
 * intake journal entry of a journaled postback. A destination node that fails before it runs (here: its
 * credential is missing, as a worker killed between the two nodes would leave it) leaves the Funnel's entry
 * pending, due after the grace period, for the Redelivery Trigger.
 */
import { DatabaseSync } from 'node:sqlite';
import type { IConnections, IDataObject, INode, INodeExecutionData, IRun } from 'n8n-workflow';
import { ConversionFunnel } from '../../nodes/ConversionFunnel/ConversionFunnel.node';
import { SendPostback } from '../../nodes/SendPostback/SendPostback.node';
import { nodeClock } from '../../nodes/shared/clock';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { INTAKE_DESTINATION, journalPostback } from '../../src/destinations/intake-journal';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { DEFAULT_REDELIVERY_POLICY } from '../../src/destinations/redelivery';
import { funnelOutputs } from '../../src/funnel';
import { parsePostback } from '../../src/networks';
import { postbackDestination } from '../../src/partners/outbox';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../fakes/meta';
import { useTrackingStore } from './destination-helpers';
import { COLLECT_TYPE, outputOfNode, runWorkflowWithCredentials, workflowOf } from './harness';

const FUNNEL = 'Conversion Funnel';
const META = 'Meta Conversions API';
const PARTNER = 'Send Postback';
const META_TYPE = 'n8n-nodes-postback.metaConversions';
const FUNNEL_TYPE = 'n8n-nodes-postback.conversionFunnel';
const PARTNER_TYPE = 'n8n-nodes-postback.sendPostback';
const MetaConversions = platformNodeClass('meta');
const extraTypes = { [FUNNEL_TYPE]: new ConversionFunnel(), [META_TYPE]: new MetaConversions(), [PARTNER_TYPE]: new SendPostback() };
const PURCHASE = funnelOutputs.indexOf('purchase');
const DUPLICATE = funnelOutputs.indexOf('duplicate');

const db = useTrackingStore();
const outbox = () => scopedOutbox(db.store(), 'wf-package-test');
let fake: MetaFake;
const realNow = nodeClock.now;
let clock = new Date();

beforeAll(async () => {
	fake = await startMetaFake();
	nodeClock.now = () => new Date(clock.getTime());
});
afterAll(async () => {
	nodeClock.now = realNow;
	await fake.close();
});
beforeEach(() => {
	clock = new Date();
});

let counter = 0;
/** A conversion as the Postback Trigger emits it (Custom preset), a purchase unless `query` says otherwise. */
function conversion(query: Record<string, string> = {}): IDataObject {
	counter += 1;
	const parsed = parsePostback(
		'custom',
		{
			method: 'GET',
			query: {
				currency: 'USD',
				click_id: `clk-${counter}`,
				transaction_id: `Q-${Date.now()}-${counter}`,
				amount: '20',
				commission: '5',
				email: 'ann@example.com',
				...query,
			},
		},
		{ timezone: 'UTC' },
	);
	if (!parsed.ok) throw new Error(parsed.error.message);
	return JSON.parse(JSON.stringify(parsed.conversion)) as IDataObject;
}

const collect = (name: string, y: number): INode => ({ id: `node-${name}`, name, type: COLLECT_TYPE, typeVersion: 1, position: [900, y], parameters: {} });

function funnelNode(parameters: IDataObject = {}): INode {
	return {
		id: 'node-funnel',
		name: FUNNEL,
		type: FUNNEL_TYPE,
		typeVersion: 1,
		position: [300, 0],
		parameters: { store: 'sqlite', sqlitePath: db.path(), forwardUnattributed: true, ...parameters },
	};
}

function metaNode(parameters: IDataObject = {}, extra: Partial<INode> = {}): INode {
	return {
		id: 'node-meta',
		name: META,
		type: META_TYPE,
		typeVersion: 1,
		position: [600, 0],
		parameters: { pixelId: META_FAKE_PIXEL, actionSource: 'system_generated', conversionLog: true, store: 'sqlite', sqlitePath: db.path(), ...parameters },
		credentials: { metaConversionsApi: { id: 'cred-meta', name: 'Meta' } },
		...extra,
	};
}

const metaCredential = () => ({ 'cred-meta': { type: 'metaConversionsApi', data: { accessToken: META_FAKE_TOKEN, baseUrl: fake.url } } });

/** The Funnel with `purchaseTargets` on its Purchase output and Collect nodes on the rest. */
async function runFunnel(
	items: IDataObject[],
	nodes: INode[],
	purchaseTargets: string[],
	credentials: ReturnType<typeof metaCredential> | Record<string, never> = {},
): Promise<IRun> {
	const outputs = funnelOutputs.map((output, index) => (index === PURCHASE ? purchaseTargets : [`On ${output}`]));
	const collectors = funnelOutputs.filter((_, index) => index !== PURCHASE).map((output, index) => collect(`On ${output}`, index * 100));
	const connections: IConnections = {
		[FUNNEL]: { main: outputs.map((targets) => targets.map((node) => ({ node, type: 'main' as const, index: 0 }))) },
	};
	const { run } = await runWorkflowWithCredentials(
		workflowOf([funnelNode(), ...nodes, ...collectors], connections),
		FUNNEL,
		[items.map((json): INodeExecutionData => ({ json }))],
		credentials,
		extraTypes,
	);
	return run;
}

const entriesOf = async (conversionId: string) => await outbox().listOutbox({ conversionIds: [conversionId] });

describe('the Funnel queues a decided conversion for the destinations wired to its output', () => {
	test('a Meta node that never ran leaves the entry the Funnel wrote: pending, due after the grace period, holding the item', async () => {
		const run = await runFunnel([conversion()], [metaNode()], [META]);
		// The Meta node failed before it sent anything (its credential is missing): the stand-in for a dead worker.
		expect(run.data.resultData.error?.message).toMatch(/Credential/);
		const [purchase] = outputOfNode(run, FUNNEL, PURCHASE) ?? [];
		const conversionId = String(purchase.json.conversionId);
		const entries = await entriesOf(conversionId);
		expect(entries.map(({ destination, state, attempts }) => ({ destination, state, attempts }))).toEqual([
			{ destination: 'meta', state: 'pending', attempts: 0 },
		]);
		expect(Date.parse(entries[0].dueAt)).toBe(clock.getTime() + DEFAULT_REDELIVERY_POLICY.graceMs);
		expect(entries[0].item).toEqual(purchase.json);
		expect(fake.events.filter((entry) => entry.event.event_id === purchase.json.eventId)).toEqual([]);
	});

	test('a Meta node that runs settles the same entry: sent once, one event at the fake', async () => {
		const before = fake.events.length;
		const run = await runFunnel([conversion()], [metaNode()], [META], metaCredential());
		expect(run.data.resultData.error).toBeUndefined();
		expect(outputOfNode(run, META, 1)?.map((item) => item.json.forward)).toEqual([]);
		const [sent] = outputOfNode(run, META, 0) ?? [];
		const entries = await entriesOf(String(sent.json.conversionId));
		expect(entries.map(({ destination, state, attempts }) => ({ destination, state, attempts }))).toEqual([
			{ destination: 'meta', state: 'sent', attempts: 1 },
		]);
		expect(fake.events.length - before).toBe(1);
	});

	test('only destinations wired straight to the output, with their outbox in the Funnel’s store, are queued', async () => {
		const cases: Array<{ label: string; node: INode; targets: string[]; extra?: INode[]; connections?: IConnections }> = [
			{ label: 'conversion log off', node: metaNode({ conversionLog: false }), targets: [META] },
			{ label: 'another SQLite file', node: metaNode({ sqlitePath: `${db.path()}-other` }), targets: [META] },
			{ label: 'disabled', node: metaNode({}, { disabled: true }), targets: [META] },
		];
		for (const { label, node, targets } of cases) {
			const run = await runFunnel([conversion()], [node], targets);
			const [purchase] = outputOfNode(run, FUNNEL, PURCHASE) ?? [];
			expect({ label, entries: await entriesOf(String(purchase.json.conversionId)) }).toEqual({ label, entries: [] });
		}
		// Behind another node (which could filter or change the item): the Meta node writes its own entry when it runs.
		const between = collect('Between', 0);
		const run = await runWorkflowWithCredentials(
			workflowOf([funnelNode(), between, metaNode()], {
				[FUNNEL]: { main: funnelOutputs.map((_, index) => (index === PURCHASE ? [{ node: 'Between', type: 'main' as const, index: 0 }] : [])) },
			}),
			FUNNEL,
			[[{ json: conversion() }]],
			{},
			extraTypes,
		);
		const [purchase] = outputOfNode(run.run, FUNNEL, PURCHASE) ?? [];
		expect(await entriesOf(String(purchase.json.conversionId))).toEqual([]);
	});

	test('a Send Postback wired to the output is queued under its target’s outbox name; an expression target is not', async () => {
		const partner = (target: string, name = PARTNER): INode => ({
			id: `node-${name}`,
			name,
			type: PARTNER_TYPE,
			typeVersion: 1,
			position: [600, 200],
			parameters: {
				preset: 'custom',
				urlTemplate: 'http://127.0.0.1:9/postback?tx={transaction_id}',
				conversionLog: true,
				store: 'sqlite',
				sqlitePath: db.path(),
				options: { target },
			},
		});
		// The Meta node runs first and fails, so neither Send Postback runs: what is queued is the Funnel's doing.
		const run = await runFunnel(
			[conversion()],
			[metaNode(), partner('partner-a'), partner('={{ $json.network }}', 'Per Network')],
			[META, PARTNER, 'Per Network'],
		);
		expect(run.data.resultData.error?.message).toMatch(/Credential/);
		expect(outputOfNode(run, PARTNER)).toBeUndefined();
		const [purchase] = outputOfNode(run, FUNNEL, PURCHASE) ?? [];
		const entries = await entriesOf(String(purchase.json.conversionId));
		expect(entries.map((entry) => entry.destination).sort()).toEqual(['meta', postbackDestination('custom', '', 'partner-a')].sort());
	});

	test('a Lead, leaving on an output with no destination, queues nothing', async () => {
		const run = await runFunnel([conversion({ event_name: 'Lead', amount: '0', commission: '0' })], [metaNode()], [META]);
		const [lead] = outputOfNode(run, FUNNEL, funnelOutputs.indexOf('lead')) ?? [];
		expect(await entriesOf(String(lead.json.conversionId))).toEqual([]);
	});
});

describe('the Funnel settles the intake journal entry of a journaled postback', () => {
	const journal = async (item: IDataObject) => await journalPostback(outbox(), item, clock, DEFAULT_REDELIVERY_POLICY);
	const intakeEntry = async (id: string) => (await outbox().listOutbox({ conversionIds: [id] })).find((entry) => entry.destination === INTAKE_DESTINATION);

	test('decided: settled sent, and the item (with its marks) is read as the conversion it carries', async () => {
		const marked = await journal(conversion());
		const id = (marked.intake as { id: string }).id;
		expect((await intakeEntry(id))?.state).toBe('pending');
		const run = await runFunnel([marked as IDataObject], [collect('Purchases', 0)], ['Purchases']);
		expect(run.data.resultData.error).toBeUndefined();
		expect(outputOfNode(run, FUNNEL, PURCHASE)).toHaveLength(1);
		expect(await intakeEntry(id)).toMatchObject({ state: 'sent', attempts: 1 });
	});

	test('a copy another run holds (in flight): pending until that claim can be taken over, then decided when resumed', async () => {
		const item = conversion();
		// Another run has claimed this purchase and not finished (it died): its claim is pending, with a 2-minute lease.
		const claimed = await db
			.store()
			.claimConversionDetailed({ network: 'custom', transactionId: String(item.transactionId), eventName: 'Purchase#status:approved' }, { leaseMs: 120_000 });
		expect(claimed.result).toBe('first');
		const marked = await journal(item);
		const id = (marked.intake as { id: string }).id;
		const run = await runFunnel([marked as IDataObject], [collect('Purchases', 0)], ['Purchases']);
		const [duplicate] = outputOfNode(run, FUNNEL, DUPLICATE) ?? [];
		const until = String((duplicate.json.dedup as { inFlightUntil?: string }).inFlightUntil);
		expect(Date.parse(until)).toBe(Date.parse(claimed.claimedAt!) + 120_000);
		const pending = await intakeEntry(id);
		expect(pending).toMatchObject({ state: 'pending', lastCode: 'in_flight', attempts: 1 });
		expect(Date.parse(pending!.dueAt)).toBe(Date.parse(until) + 1000);

		// The other run gives its claim up (as a failed run does); at the entry's due time the Redelivery Trigger
		// claims it and the Funnel decides it.
		await db
			.store()
			.releaseClaim({ network: 'custom', transactionId: String(item.transactionId), eventName: 'Purchase#status:approved' }, { token: claimed.token! });
		const [resumed] = await outbox().claimDueDeliveries({
			now: new Date(Date.parse(pending!.dueAt)).toISOString(),
			limit: 10,
			leaseMs: 60_000,
			destinations: [INTAKE_DESTINATION],
		});
		expect(resumed.conversionId).toBe(id);
		clock = new Date(Date.parse(pending!.dueAt));
		const again = await runFunnel(
			[{ ...(resumed.item as IDataObject), redelivery: { destination: INTAKE_DESTINATION, attempt: resumed.attempts + 1, token: resumed.token } }],
			[collect('Purchases', 0)],
			['Purchases'],
		);
		expect(again.data.resultData.error).toBeUndefined();
		expect(outputOfNode(again, FUNNEL, PURCHASE)).toHaveLength(1);
		expect(await intakeEntry(id)).toMatchObject({ state: 'sent', attempts: 2 });
	});
});

describe('a run that resumes a postback whose earlier run decided and queued it', () => {
	/** As if the run that decided `transactionId` died before completing its claims, and their lease has run out. */
	const claimsLeftPending = (transactionId: string) => {
		const sqlite = new DatabaseSync(db.path());
		try {
			sqlite
				.prepare(`UPDATE conversion_claims SET state = 'pending', claimed_at = '2000-01-01T00:00:00.000Z' WHERE network = 'custom' AND transaction_id = ?`)
				.run(transactionId);
		} finally {
			sqlite.close();
		}
	};

	test('its destinations already have their entries: it leaves on Duplicate instead of sending again', async () => {
		const item = conversion();
		const first = await runFunnel([item], [metaNode()], [META]);
		const [decided] = outputOfNode(first, FUNNEL, PURCHASE) ?? [];
		claimsLeftPending(String(item.transactionId));
		const before = fake.events.length;
		const again = await runFunnel([item], [metaNode()], [META], metaCredential());
		expect(again.data.resultData.error).toBeUndefined();
		expect(outputOfNode(again, FUNNEL, PURCHASE)).toEqual([]);
		const [duplicate] = outputOfNode(again, FUNNEL, DUPLICATE) ?? [];
		expect(duplicate.json.conversionId).toBe(decided.json.conversionId);
		expect(String((duplicate.json.dedup as { reason?: string }).reason)).toMatch(/queued it for meta/);
		expect(fake.events.length).toBe(before);
		// The entry the earlier run wrote is still there for the Redelivery Trigger.
		expect((await entriesOf(String(decided.json.conversionId))).map(({ state }) => state)).toEqual(['pending']);
	});

	test('its destinations have no entry (the earlier run died before queueing): it is handed on and sent', async () => {
		const item = conversion();
		// The earlier run: decided with nothing wired, so nothing queued.
		await runFunnel([item], [collect('Purchases', 0)], ['Purchases']);
		claimsLeftPending(String(item.transactionId));
		const before = fake.events.length;
		const again = await runFunnel([item], [metaNode()], [META], metaCredential());
		expect(again.data.resultData.error).toBeUndefined();
		const [resumed] = outputOfNode(again, FUNNEL, PURCHASE) ?? [];
		expect(String((resumed.json.dedup as { reason?: string }).reason)).toMatch(/stopped before finishing/);
		expect(fake.events.length).toBe(before + 1);
		expect((await entriesOf(String(resumed.json.conversionId))).map(({ state }) => state)).toEqual(['sent']);
	});
});

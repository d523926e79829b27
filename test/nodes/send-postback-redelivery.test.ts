/**
 * Issue 16 for partner postbacks, inside n8n-core: the Send Postback node writes the redelivery outbox around its
 * send, the Redelivery Trigger's poll() (n8n-core's PollContext) emits what is due, and Send Postback sends it again
 * and settles it, on the real SQLite store and a partner that is a local HTTP server. Time is nodeClock, moved here.
 */
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PollContext } from 'n8n-core';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { type IDataObject, type INode, type INodeExecutionData, type INodeParameters, type IRun, Workflow } from 'n8n-workflow';
import { RedeliveryTrigger } from '../../nodes/RedeliveryTrigger/RedeliveryTrigger.node';
import { SendPostback } from '../../nodes/SendPostback/SendPostback.node';
import { nodeClock } from '../../nodes/shared/clock';
import { postbackDestination } from '../../src/partners/outbox';
import { DAY, HOUR, useTrackingStore } from './destination-helpers';
import { DestinationCredentialsHelper, NodeTypesWith, createAdditionalData, outputOfNode, runWorkflowFrom, workflowOf } from './harness';

const TYPE = 'n8n-nodes-postback.sendPostback';
const NAME = 'Send Postback';
const TRIGGER_TYPE = 'n8n-nodes-postback.redeliveryTrigger';

/** The partner: records every request and answers with `answer` (a status). */
let server: Server;
let baseUrl: string;
const calls: string[] = [];
let answer: (url: string) => number = () => 200;

const db = useTrackingStore();
/** The outbox as the nodes of the harness's workflow (id wf-package-test) see it: their scope only. */
const outbox = () => scopedOutbox(db.store(), 'wf-package-test');
const realNow = nodeClock.now;
let clock = new Date();

beforeAll(async () => {
	server = createServer((request, response: ServerResponse) => {
		request.resume();
		request.on('end', () => {
			calls.push(request.url ?? '');
			const status = answer(request.url ?? '');
			response.writeHead(status, { 'content-type': 'text/plain' });
			response.end(status < 400 ? 'OK' : 'no');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	nodeClock.now = () => new Date(clock.getTime());
});
afterAll(async () => {
	nodeClock.now = realNow;
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
	calls.length = 0;
	answer = () => 200;
	clock = new Date();
});

const template = () => `${baseUrl}/pb?txid={transaction_id}&amount={amount}`;

/** Send Postback to the test partner, with dedup and the conversion log (so the outbox) on the test's store. */
const parameters = (extra: INodeParameters = {}): INodeParameters => ({
	preset: 'custom',
	urlTemplate: template(),
	retries: 1,
	dedup: true,
	conversionLog: true,
	store: 'sqlite',
	sqlitePath: db.path(),
	...extra,
});

/** The outbox destination the node above uses (no Target ID: the preset and the template's hash). */
const destination = () => postbackDestination('custom', template());

function conversion(id: string): INodeExecutionData {
	return {
		json: {
			conversionId: `conv_${id}`,
			network: 'custom',
			transactionId: `TX-${id}`,
			eventName: 'Purchase',
			status: 'approved',
			amount: '79.5',
			currency: 'USD',
		},
	};
}

async function send(items: INodeExecutionData[], extra: INodeParameters = {}): Promise<{ run: IRun; out: INodeExecutionData[] }> {
	const node: INode = { id: 'node-send', name: NAME, type: TYPE, typeVersion: 1, position: [0, 0], parameters: parameters(extra) };
	const result = await runWorkflowFrom(workflowOf([node], {}, 'Send Postback redelivery'), NAME, [items], { [TYPE]: new SendPostback() });
	expect(result.data.resultData.error).toBeUndefined();
	return { run: result, out: outputOfNode(result, NAME, 0) ?? [] };
}

/** One poll of a Redelivery Trigger in n8n-core's PollContext; `id` tells two trigger nodes apart. */
async function poll(extra: INodeParameters = {}, id = 'redelivery-1'): Promise<{ due: INodeExecutionData[]; gaveUp: INodeExecutionData[] } | null> {
	const node: INode = {
		id,
		name: `Redelivery Trigger ${id}`,
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { store: 'sqlite', sqlitePath: db.path(), destinationScope: 'selected', destinations: ['postback:*'], ...extra },
	};
	const data = workflowOf([node], {}, 'Redelivery');
	const workflow = new Workflow({
		id: data.id,
		name: data.name,
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: new NodeTypesWith({ [TRIGGER_TYPE]: new RedeliveryTrigger() }),
		staticData: {},
		settings: data.settings,
	});
	const withDefaults = workflow.getNode(node.name)!;
	const context = new PollContext(workflow, withDefaults, createAdditionalData(new DestinationCredentialsHelper({})), 'trigger', 'activate');
	const result = await new RedeliveryTrigger().poll.call(context);
	return result === null ? null : { due: result[0], gaveUp: result[1] };
}

const postbackOf = (item: INodeExecutionData) => item.json.postback as IDataObject;
const entryOf = async (conversionId: string) => (await outbox().listOutbox({ conversionIds: [conversionId] }))[0];
const callsFor = (id: string) => calls.filter((url) => url.includes(`txid=TX-${id}&`));

describe('Send Postback with the Redelivery Trigger', () => {
	it('a partner down through the last attempt leaves a pending entry; once due it is re-emitted and delivered once', async () => {
		let down = true;
		answer = () => (down ? 503 : 200);
		const first = await send([conversion('down')]);
		expect(postbackOf(first.out[0])).toMatchObject({ status: 'failed', httpStatus: 503, attempts: 2, retryable: true });
		expect(first.out[0].json.conversionLogError).toBeUndefined();
		const pending = await entryOf('conv_down');
		expect(pending).toMatchObject({ destination: destination(), state: 'pending', attempts: 1 });
		// Due after the first backoff step, not at once.
		expect(Date.parse(pending.dueAt) - clock.getTime()).toBeGreaterThanOrEqual(60_000);
		expect(await poll()).toBeNull();

		down = false;
		clock = new Date(Date.parse(pending.dueAt) + 1000);
		const due = await poll();
		expect(due!.gaveUp).toEqual([]);
		expect(due!.due).toHaveLength(1);
		const { redelivery, ...stored } = due!.due[0].json;
		expect(stored).toEqual(conversion('down').json);
		expect(redelivery).toEqual({ destination: destination(), attempt: 2, token: expect.any(String) });

		const second = await send(due!.due);
		expect(postbackOf(second.out[0])).toMatchObject({ status: 'sent', httpStatus: 200 });
		expect(await entryOf('conv_down')).toMatchObject({ state: 'sent', attempts: 2 });
		expect(callsFor('down').length).toBe(3);
		clock = new Date(clock.getTime() + DAY);
		expect(await poll()).toBeNull();
	});

	it('a run that died between sending and settling is redelivered as a no-op: the partner gets one request', async () => {
		// As the dying run did: the entry written before the send, then the postback sent (dedup claim completed),
		// the settle never reached (here: the node ran without the conversion log, so it did not settle).
		await outbox().enqueueDeliveries([
			{
				conversionId: 'conv_crash',
				destination: destination(),
				item: conversion('crash').json,
				dueAt: new Date(clock.getTime() + 10 * 60_000).toISOString(),
			},
		]);
		const first = await send([conversion('crash')], { conversionLog: false });
		expect(postbackOf(first.out[0])).toMatchObject({ status: 'sent' });
		expect(await entryOf('conv_crash')).toMatchObject({ state: 'pending', attempts: 0 });

		clock = new Date(clock.getTime() + 11 * 60_000);
		const due = await poll();
		expect(due!.due.map((item) => item.json.conversionId)).toEqual(['conv_crash']);
		const second = await send(due!.due);
		expect(postbackOf(second.out[0])).toMatchObject({ status: 'duplicate' });
		expect(await entryOf('conv_crash')).toMatchObject({ state: 'sent', attempts: 1 });
		expect(callsFor('crash')).toHaveLength(1);
		clock = new Date(clock.getTime() + DAY);
		expect(await poll()).toBeNull();
	});

	it('a 4xx refusal is failed and never emitted again', async () => {
		answer = () => 400;
		const first = await send([conversion('refused')]);
		expect(postbackOf(first.out[0])).toMatchObject({ status: 'failed', httpStatus: 400, retryable: false });
		expect(await entryOf('conv_refused')).toMatchObject({ state: 'failed', attempts: 1 });
		expect((await entryOf('conv_refused')).item).toBeUndefined();
		for (const later of [HOUR, DAY, 6 * DAY]) {
			clock = new Date(Date.now() + later);
			expect(await poll({ destinationScope: 'all' })).toBeNull();
		}
		expect(callsFor('refused')).toHaveLength(1);
	});

	it('a partner down past the attempt limit comes out once on Gave Up, with its conversion-log history', async () => {
		answer = () => 503;
		await send([conversion('spent')]);
		clock = new Date(clock.getTime() + HOUR);
		const spent = await poll({ options: { maxAttempts: 1 } });
		expect(spent!.due).toEqual([]);
		expect(spent!.gaveUp.map((each) => each.json)).toEqual([
			expect.objectContaining({
				conversionId: 'conv_spent',
				destination: destination(),
				reason: 'max_attempts',
				history: [expect.objectContaining({ destination: 'postback:custom', outcome: 'failed', httpStatus: 503 })],
			}),
		]);
		expect(await poll({ options: { maxAttempts: 1 } })).toBeNull();
		expect(callsFor('spent')).toHaveLength(2);
	});

	it('an unnamed target and a named one are separate entries for one conversion', async () => {
		await send([conversion('two')]);
		await send([conversion('two')], { options: { target: 'second-partner' } });
		const entries = await outbox().listOutbox({ conversionIds: ['conv_two'] });
		expect(entries.map((entry) => [entry.destination, entry.state]).sort()).toEqual([
			[destination(), 'sent'],
			['postback:second-partner', 'sent'],
		]);
		expect(callsFor('two')).toHaveLength(2);
	});

	it('never hands one due entry to two pollers', async () => {
		const ids = ['a', 'b', 'c', 'd', 'e'].map((id) => `conv_poll_${id}`);
		await outbox().enqueueDeliveries(
			ids.map((conversionId, n) => ({
				conversionId,
				destination: n % 2 === 0 ? destination() : 'postback:second-partner',
				item: { conversionId },
				dueAt: new Date(clock.getTime() - HOUR).toISOString(),
			})),
		);
		const [a, b] = await Promise.all([poll({ batchSize: 3 }, 'redelivery-a'), poll({ batchSize: 3 }, 'redelivery-b')]);
		const emitted = [...(a?.due ?? []), ...(b?.due ?? [])].map((each) => String(each.json.conversionId));
		expect(emitted.sort()).toEqual(ids);
		expect(await poll({}, 'redelivery-c')).toBeNull();
	});

	it('the trigger offers every partner postback as one destination choice, beside the platforms', () => {
		const list = new RedeliveryTrigger().description.properties.find((property) => property.name === 'destinations')!;
		const options = (list.options ?? []) as Array<{ name: string; value: string }>;
		expect(options).toContainEqual({ name: 'Partner Postbacks (All)', value: 'postback:*' });
		expect(options.map((option) => option.value)).toEqual(expect.arrayContaining(['meta', 'google_ads', 'tiktok']));
	});

	it('the ad-platform selection leaves partner postbacks alone', async () => {
		await outbox().enqueueDeliveries([
			{ conversionId: 'conv_scope', destination: destination(), item: conversion('scope').json, dueAt: new Date(clock.getTime() - HOUR).toISOString() },
		]);
		expect(await poll({ destinations: ['meta', 'google_ads'] })).toBeNull();
		const due = await poll();
		expect(due!.due.map((item) => item.json.conversionId)).toEqual(['conv_scope']);
	});
});

describe('an item the Redelivery Trigger emitted for another destination', () => {
	const run = async (items: INodeExecutionData[], extra: Partial<INode> = {}) => {
		const node: INode = { id: 'node-send', name: NAME, type: TYPE, typeVersion: 1, position: [0, 0], parameters: parameters(), ...extra };
		const result = await runWorkflowFrom(workflowOf([node], {}, 'Send Postback misrouted'), NAME, [items], { [TYPE]: new SendPostback() });
		return { result, out: outputOfNode(result, NAME, 0) ?? [] };
	};
	const marked = (id: string, destination: string): INodeExecutionData => ({
		json: { ...conversion(id).json, redelivery: { destination, attempt: 2, token: 'token-of-another-claim' } },
	});

	it.each([['meta'], ['postback:another-partner']])('for %s: not sent, not settled, not logged; the node says where to route it', async (other) => {
		const id = `misrouted-${other.replace(/\W/g, '-')}`;
		const { result } = await run([marked(id, other)]);
		expect((result.data.resultData.error as Error | undefined)?.message).toMatch(new RegExp(`emitted by the Redelivery Trigger for "${other}"`));
		expect(callsFor(id)).toEqual([]);
		expect(await entryOf(`conv_${id}`)).toBeUndefined();
		expect(await db.store().listDeliveries({ conversionIds: [`conv_${id}`] })).toEqual([]);
	});

	it('with On Error continuing, it is a failed item saying so, and the item meant for this target is still sent', async () => {
		const { result, out } = await run([marked('misrouted-cont', 'meta'), { json: { ...conversion('routed-ok').json } }], { onError: 'continueRegularOutput' });
		expect(result.data.resultData.error).toBeUndefined();
		expect(out.map((item) => (item.json.postback as IDataObject).status)).toEqual(['failed', 'sent']);
		expect(String((out[0].json.postback as IDataObject).reason)).toMatch(/route the trigger’s Due output/i);
		expect(callsFor('misrouted-cont')).toEqual([]);
		expect(callsFor('routed-ok')).toHaveLength(1);
		expect(await db.store().listDeliveries({ conversionIds: ['conv_misrouted-cont'] })).toEqual([]);
	});
});

/**
 * The Send Postback node inside n8n-core's real WorkflowExecute, sending through n8n's own HTTP helper to a real
 * HTTP server on 127.0.0.1, with dedup on a real SQLite tracking store.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IDataObject, INode, INodeExecutionData, INodeParameters, IRun } from 'n8n-workflow';
import { SendPostback } from '../../nodes/SendPostback/SendPostback.node';
import { COLLECT_TYPE, outputOfNode, runWorkflowFrom, workflowOf } from './harness';
import { useTrackingStore } from './destination-helpers';

const TYPE = 'n8n-nodes-postback.sendPostback';
const NAME = 'Send Postback';
const AFTER = 'After Postback';
const extraTypes = { [TYPE]: new SendPostback() };

interface Call {
	method: string;
	url: string;
	headers: IncomingMessage['headers'];
	body: string;
}

/** The partner: answers by the cid in the query (or body), so each test decides per item. */
let server: Server;
let baseUrl: string;
const calls: Call[] = [];
let answerFor: (call: Call, index: number) => { status: number; body?: string; headers?: Record<string, string> } | 'hang-up' = () => ({
	status: 200,
	body: 'OK',
});

beforeAll(async () => {
	server = createServer((request, response: ServerResponse) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const call = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
			calls.push(call);
			const answer = answerFor(call, calls.length - 1);
			if (answer === 'hang-up') {
				response.socket?.destroy();
				return;
			}
			response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
			response.end(answer.body ?? '');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
	calls.length = 0;
	answerFor = () => ({ status: 200, body: 'OK' });
});

const db = useTrackingStore();

function item(transactionId: string, extra: IDataObject = {}): INodeExecutionData {
	return {
		json: {
			network: 'custom',
			clickId: `clk_${transactionId.toLowerCase()}`,
			transactionId,
			orderId: null,
			eventName: 'Purchase',
			status: 'approved',
			amount: '79.5',
			commission: '12.25',
			currency: 'USD',
			route: 'purchase',
			...extra,
		},
	};
}

async function run(
	items: INodeExecutionData[],
	parameters: INodeParameters,
	extra: Partial<INode> = {},
): Promise<{ run: IRun; out: INodeExecutionData[]; after?: INodeExecutionData[] }> {
	const node: INode = { id: 'node-send', name: NAME, type: TYPE, typeVersion: 1, position: [0, 0], parameters, ...extra };
	const collect: INode = { id: 'node-after', name: AFTER, type: COLLECT_TYPE, typeVersion: 1, position: [300, 0], parameters: {} };
	const workflow = workflowOf([node, collect], { [NAME]: { main: [[{ node: AFTER, type: 'main', index: 0 }]] } }, 'Send Postback test');
	const result = await runWorkflowFrom(workflow, NAME, [items], extraTypes);
	return { run: result, out: outputOfNode(result, NAME, 0) ?? [], after: outputOfNode(result, AFTER) };
}

const postbackOf = (entry: INodeExecutionData) =>
	entry.json.postback as IDataObject & { status: string; httpStatus?: number; url: string; attempts: number; emptyMacros: string[] };
const runError = (result: IRun) => result.data.resultData.error as unknown as { name: string; message: string; context?: { itemIndex?: number } } | undefined;

const customParameters = (extra: INodeParameters = {}): INodeParameters => ({
	preset: 'custom',
	urlTemplate: `${baseUrl}/pb?cid={click_id}&txid={transaction_id}&order={order_id}&aff={aff_id}&token={token}`,
	values: {
		value: [
			{ name: 'aff_id', value: '={{ $json.route + "-partner" }}' },
			{ name: 'token', value: 'tok_live_abcdef' },
		],
	},
	dedup: false,
	...extra,
});

describe('Send Postback node through WorkflowExecute', () => {
	it('one result item per input item, pairedItem set, the input kept, secrets redacted, empty macros named', async () => {
		answerFor = (call) => (call.url.includes('cid=clk_bad') ? { status: 400, body: 'unknown click id' } : { status: 200, body: 'OK recorded' });
		const result = await run([item('T1'), item('BAD'), item('T3')], customParameters());
		expect(runError(result.run)).toBeUndefined();
		expect(result.out.map((entry) => entry.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.after).toHaveLength(3);

		const [first, bad] = result.out;
		expect(first.json).toMatchObject({ transactionId: 'T1', route: 'purchase' });
		expect(postbackOf(first)).toMatchObject({
			status: 'sent',
			preset: 'custom',
			method: 'GET',
			httpStatus: 200,
			attempts: 1,
			responseExcerpt: 'OK recorded',
			emptyMacros: ['order_id'],
			url: `${baseUrl}/pb?cid=clk_t1&txid=T1&order=&aff=purchase-partner&token=REDACTED`,
		});
		expect(postbackOf(bad)).toMatchObject({ status: 'failed', httpStatus: 400, attempts: 1, retryable: false, responseExcerpt: 'unknown click id' });
		// What the partner received: the real values, the expression evaluated per item.
		expect(calls.map((call) => call.url)).toEqual([
			'/pb?cid=clk_t1&txid=T1&order=&aff=purchase-partner&token=tok_live_abcdef',
			'/pb?cid=clk_bad&txid=BAD&order=&aff=purchase-partner&token=tok_live_abcdef',
			'/pb?cid=clk_t3&txid=T3&order=&aff=purchase-partner&token=tok_live_abcdef',
		]);
		expect(JSON.stringify(result.out)).not.toContain('tok_live_abcdef');
	});

	it('retries a 503 and a dropped connection with n8n’s sleep, then succeeds', async () => {
		answerFor = (_call, index) =>
			index === 0 ? { status: 503, body: 'busy', headers: { 'retry-after': '0' } } : index === 1 ? 'hang-up' : { status: 200, body: 'ok' };
		const result = await run([item('R1')], customParameters());
		expect(runError(result.run)).toBeUndefined();
		expect(postbackOf(result.out[0])).toMatchObject({ status: 'sent', httpStatus: 200, attempts: 3 });
		expect(calls).toHaveLength(3);
	});

	it('Retries = 0 sends once', async () => {
		answerFor = () => ({ status: 500, body: 'down' });
		const result = await run([item('R2')], customParameters({ retries: 0 }));
		expect(postbackOf(result.out[0])).toMatchObject({ status: 'failed', httpStatus: 500, attempts: 1, retryable: true });
	});

	it('POST JSON and POST form arrive with the values in the body', async () => {
		await run([item('P1')], customParameters({ method: 'POST_JSON' }));
		await run([item('P2')], customParameters({ method: 'POST_FORM' }));
		const [json, form] = calls;
		expect(json).toMatchObject({ method: 'POST', url: '/pb' });
		expect(json.headers['content-type']).toMatch(/^application\/json/);
		expect(JSON.parse(json.body)).toEqual({ cid: 'clk_p1', txid: 'P1', order: '', aff: 'purchase-partner', token: 'tok_live_abcdef' });
		expect(form.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		expect(Object.fromEntries(new URLSearchParams(form.body))).toEqual({
			cid: 'clk_p2',
			txid: 'P2',
			order: '',
			aff: 'purchase-partner',
			token: 'tok_live_abcdef',
		});
	});

	it('a preset with the partner’s own placeholders (Voluum)', async () => {
		const result = await run([item('V1')], { preset: 'voluum', urlTemplate: `${baseUrl}/postback?cid=REPLACE&payout=OPTIONAL&txid=OPTIONAL`, dedup: false });
		expect(postbackOf(result.out[0])).toMatchObject({ status: 'sent', url: `${baseUrl}/postback?cid=clk_v1&payout=12.25&txid=V1` });
	});

	it('dedup on the SQLite store: a replay sends nothing, a failed send is sent on the next run', async () => {
		const parameters = customParameters({ dedup: true, store: 'sqlite', sqlitePath: db.path() });
		answerFor = (call) => (call.url.includes('cid=clk_d2') && calls.length <= 4 ? { status: 502, body: 'bad gateway' } : { status: 200, body: 'ok' });
		const first = await run([item('D1'), item('D2')], { ...parameters, retries: 0 });
		expect(first.out.map((entry) => postbackOf(entry).status)).toEqual(['sent', 'failed']);
		expect(postbackOf(first.out[0]).dedup).toMatchObject({
			status: 'first',
			key: { network: 'postback:custom', transactionId: 'D1', eventName: 'Purchase#approved' },
		});

		answerFor = () => ({ status: 200, body: 'ok' });
		const second = await run([item('D1'), item('D2')], parameters);
		expect(second.out.map((entry) => postbackOf(entry).status)).toEqual(['duplicate', 'sent']);
		expect(second.out.map((entry) => entry.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(calls.map((call) => new URLSearchParams(call.url.split('?')[1]).get('txid'))).toEqual(['D1', 'D2', 'D2']);
	});

	it('a build error stops the node with a NodeOperationError carrying the item index', async () => {
		const result = await run([item('E1'), item('E2')], customParameters({ urlTemplate: `${baseUrl}/pb?cid={click_id}&x={no_such_macro}` }));
		const error = runError(result.run);
		expect(error).toMatchObject({ name: 'NodeOperationError', context: { itemIndex: 0 } });
		expect(error!.message).toContain('{no_such_macro}');
		expect(calls).toHaveLength(0);
	});

	it('the item index of the failing item, not the first', async () => {
		const result = await run([item('E1'), item('E2', { clickId: null })], {
			preset: 'voluum',
			urlTemplate: `${baseUrl}/postback?cid={click_id}`,
			dedup: false,
		});
		expect(runError(result.run)).toMatchObject({ name: 'NodeOperationError', context: { itemIndex: 1 } });
	});

	it('with continue on fail: an error item (pairedItem set) and the other items sent', async () => {
		const result = await run(
			[item('C1'), item('C2', { clickId: null })],
			{ preset: 'voluum', urlTemplate: `${baseUrl}/postback?cid={click_id}`, dedup: false },
			{ onError: 'continueRegularOutput' },
		);
		expect(runError(result.run)).toBeUndefined();
		expect(result.out.map((entry) => entry.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(postbackOf(result.out[0]).status).toBe('sent');
		expect(result.out[1].json).toMatchObject({
			transactionId: 'C2',
			error: expect.stringContaining('{click_id}'),
			postback: { status: 'failed', code: 'missing_required', preset: 'voluum' },
		});
		expect(calls).toHaveLength(1);
	});

	it('with On Error "Continue (using error output)": the failed item on the Error output only, the sent one on Success', async () => {
		const result = await run(
			[item('E1'), item('E2', { clickId: null })],
			{ preset: 'voluum', urlTemplate: `${baseUrl}/postback?cid={click_id}`, dedup: false },
			{ onError: 'continueErrorOutput' },
		);
		expect(runError(result.run)).toBeUndefined();
		expect(result.out.map((entry) => entry.pairedItem)).toEqual([{ item: 0 }]);
		expect(result.out.filter((entry) => 'error' in entry.json)).toEqual([]);
		expect(result.after?.filter((entry) => 'error' in entry.json)).toEqual([]);
		expect(outputOfNode(result.run, NAME, 1)).toEqual([
			{
				json: { error: expect.stringContaining('{click_id}'), details: { postback: { status: 'failed', preset: 'voluum', code: 'missing_required' } } },
				pairedItem: { item: 1 },
			},
		]);
		expect(calls).toHaveLength(1);
	});

	it('each preset’s default template applies when the workflow leaves URL Template unset (and must be configured)', async () => {
		const result = await run([item('K1')], { preset: 'keitaro', dedup: false }, { onError: 'continueRegularOutput' });
		expect(result.out[0].json).toMatchObject({ postback: { status: 'failed', code: 'template_not_configured' } });
		expect(String(result.out[0].json.error)).toContain('YOUR-KEITARO-DOMAIN');
		expect(calls).toHaveLength(0);
	});
});

import type { IConnections, INode, INodeExecutionData, INodeParameters, IRun } from 'n8n-workflow';
import { PostbackTools } from '../../nodes/PostbackTools/PostbackTools.node';
import { COLLECT_TYPE, CollectNode, outputOfNode, removeN8nUserFolder, runWorkflowFrom, workflowOf } from './harness';

const TOOLS_TYPE = 'n8n-nodes-postback.postbackTools';
const TOOLS_NAME = 'Postback Tools';
const AFTER = 'After Tools';
const SHAREASALE = 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=';

afterAll(() => removeN8nUserFolder());
beforeEach(() => {
	CollectNode.seen = [];
});

/** Runs [Postback Tools] → [Collect] with the items as the tools node's input, through WorkflowExecute. */
async function runTools(parameters: INodeParameters, items: INodeExecutionData[], settings: Partial<INode> = {}): Promise<IRun> {
	const tools: INode = { id: 'node-tools', name: TOOLS_NAME, type: TOOLS_TYPE, typeVersion: 1, position: [0, 0], parameters, ...settings };
	const after: INode = { id: 'node-after', name: AFTER, type: COLLECT_TYPE, typeVersion: 1, position: [300, 0], parameters: {} };
	const connections: IConnections = { [TOOLS_NAME]: { main: [[{ node: AFTER, type: 'main', index: 0 }]] } };
	return await runWorkflowFrom(workflowOf([tools, after], connections, 'Postback tools test'), TOOLS_NAME, [items], { [TOOLS_TYPE]: new PostbackTools() });
}

const output = (run: IRun) => outputOfNode(run, TOOLS_NAME) ?? [];

describe('Postback Tools: Tag Link', () => {
	it("tags each item's link with its click id (expressions), detecting the network", async () => {
		const run = await runTools({ operation: 'tagLink', url: '={{ $json.link }}', clickId: '={{ $json.id }}' }, [
			{ json: { link: SHAREASALE, id: 'abc123' } },
			{ json: { link: 'https://www.awin1.com/cread.php?awinmid=1&clickref=old', id: 'def456' } },
			{ json: { link: 'https://t.example/c/--CLICK-ID--', id: 'ghi789' } },
		]);
		expect(run.data.resultData.error).toBeUndefined();
		const items = output(run);
		expect(items.map((item) => item.json.taggedUrl)).toEqual([
			`${SHAREASALE}abc123`,
			'https://www.awin1.com/cread.php?awinmid=1&clickref=def456',
			'https://t.example/c/ghi789',
		]);
		expect(items[0].json).toMatchObject({ link: SHAREASALE, clickId: 'abc123', mintedClickId: false, subidParam: 'afftrack', network: 'shareasale' });
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		// The engine carried them on to the next node.
		expect(outputOfNode(run, AFTER)).toHaveLength(3);
	});

	it('mints a click id when none is given, and uses a chosen network or typed parameter', async () => {
		const minted = output(await runTools({ operation: 'tagLink', url: SHAREASALE }, [{ json: {} }]))[0].json;
		expect(minted.clickId).toMatch(/^[0-9a-z]{26}$/);
		expect(minted).toMatchObject({ mintedClickId: true, taggedUrl: `${SHAREASALE}${minted.clickId}` });

		const everflow = output(await runTools({ operation: 'tagLink', url: 'https://trk.brand.test/x', clickId: 'c1', network: 'everflow' }, [{ json: {} }]))[0]
			.json;
		expect(everflow.taggedUrl).toBe('https://trk.brand.test/x?sub1=c1');

		const typed = output(
			await runTools({ operation: 'tagLink', url: 'https://trk.brand.test/x?a=1', clickId: 'c2', network: 'customParam', subidParam: 'aff_sub4' }, [
				{ json: {} },
			]),
		)[0].json;
		expect(typed.taggedUrl).toBe('https://trk.brand.test/x?a=1&aff_sub4=c2');
	});

	it('fails the node with the item index when a link cannot be tagged', async () => {
		const run = await runTools({ operation: 'tagLink', url: '={{ $json.link }}', clickId: 'c1' }, [
			{ json: { link: SHAREASALE } },
			{ json: { link: 'https://unknown.example/offer' } },
		]);
		const error = run.data.resultData.error as unknown as { name: string; message: string; context?: { itemIndex?: number } };
		expect(error).toBeDefined();
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/No subid parameter is known for unknown\.example/);
		expect(error.context?.itemIndex).toBe(1);
		expect(run.status).toBe('error');
	});

	it('with Continue On Fail, passes failing items on with the reason and keeps the good ones', async () => {
		const run = await runTools(
			{ operation: 'tagLink', url: '={{ $json.link }}', clickId: 'c1' },
			[{ json: { link: 'javascript:alert(1)' } }, { json: { link: SHAREASALE } }, { json: { link: 'https://unknown.example/offer' } }],
			{ onError: 'continueRegularOutput' },
		);
		expect(run.data.resultData.error).toBeUndefined();
		const items = output(run);
		expect(items).toHaveLength(3);
		expect(items[0].json).toMatchObject({ link: 'javascript:alert(1)', errorCode: 'unsupported_scheme', error: expect.any(String) });
		expect(items[1].json).toMatchObject({ taggedUrl: `${SHAREASALE}c1` });
		expect(items[2].json).toMatchObject({ errorCode: 'unknown_network' });
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('with On Error "Continue (using error output)", failing items go to the Error output only', async () => {
		const run = await runTools(
			{ operation: 'tagLink', url: '={{ $json.link }}', clickId: 'c1' },
			[{ json: { link: 'javascript:alert(1)' } }, { json: { link: SHAREASALE } }],
			{ onError: 'continueErrorOutput' },
		);
		expect(run.data.resultData.error).toBeUndefined();
		expect(output(run).map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
		expect(output(run)[0].json).toMatchObject({ taggedUrl: `${SHAREASALE}c1` });
		expect(outputOfNode(run, TOOLS_NAME, 1)).toEqual([
			{ json: { error: expect.any(String), details: { errorCode: 'unsupported_scheme' } }, pairedItem: { item: 0 } },
		]);
	});

	it('refuses a click id the network would not accept (ShareASale: letters and digits)', async () => {
		const run = await runTools({ operation: 'tagLink', url: SHAREASALE, clickId: 'has-dash' }, [{ json: {} }], { onError: 'continueRegularOutput' });
		expect(output(run)[0].json).toMatchObject({ errorCode: 'invalid_click_id', error: expect.stringContaining('ShareASale') });
	});
});

describe('Postback Tools: Mint Click ID', () => {
	it('adds a fresh click id to every item', async () => {
		const run = await runTools({ operation: 'mintClickId', prefix: 'c' }, [{ json: { a: 1 } }, { json: { a: 2 } }]);
		const items = output(run);
		expect(items.map((item) => item.json.a)).toEqual([1, 2]);
		for (const item of items) expect(item.json.clickId).toMatch(/^c[0-9a-z]{26}$/);
		expect(items[0].json.clickId).not.toBe(items[1].json.clickId);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('refuses a prefix that would make ids some networks reject', async () => {
		const run = await runTools({ operation: 'mintClickId', prefix: 'C-' }, [{ json: {} }]);
		expect((run.data.resultData.error as unknown as { message: string }).message).toMatch(/prefix/);
	});
});

/**
 * What n8n's editor shows of every node of the package, computed the way the editor computes it: the canvas
 * subtitle (n8n's expression engine on the node type's `subtitle`) and where the credential selector sits.
 */
import './n8n-env';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type INode, type INodeProperties, type INodeType, type INodeTypes, NodeHelpers, Workflow } from 'n8n-workflow';
import { removeN8nUserFolder } from './harness';

afterAll(removeN8nUserFolder);

const ROOT = join(__dirname, '..', '..');

/** Every node class of the package, as package.json's n8n manifest lists them (a node added later is covered without touching this test). */
const nodeClasses: Array<[string, INodeType]> = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } }).n8n.nodes.map(
	(entry) => {
		const name = basename(entry, '.node.js');
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'))) as Record<string, new () => INodeType>;
		return [name, new exported[name]()] as [string, INodeType];
	},
);

const TYPE = 'n8n-nodes-postback.under-test';

function nodeTypesOf(nodeType: INodeType): INodeTypes {
	return {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes;
}

/** The subtitle the editor draws under the node on the canvas, for these parameters. */
function canvasSubtitle(nodeType: INodeType, parameters: Record<string, unknown>): unknown {
	const version = nodeType.description.defaultVersion ?? [nodeType.description.version].flat().at(-1)!;
	const node: INode = { id: 'n', name: 'Node', type: TYPE, typeVersion: version, position: [0, 0], parameters: parameters as INode['parameters'] };
	const workflow = new Workflow({ id: 'w', nodes: [node], connections: {}, active: false, nodeTypes: nodeTypesOf(nodeType) });
	return workflow.expression.getSimpleParameterValue(workflow.getNode('Node')!, nodeType.description.subtitle, 'internal', {}, undefined, '');
}

/** The options parameters a subtitle reads, with every value they offer and its label. */
function optionsReadBy(properties: INodeProperties[], subtitle: string): Map<string, Map<string, string>> {
	const read = new Map<string, Map<string, string>>();
	for (const [, name] of subtitle.matchAll(/\$parameter\["([^"]+)"\]/g)) {
		for (const property of properties.filter((candidate) => candidate.name === name && candidate.type === 'options')) {
			const labels = read.get(name) ?? new Map<string, string>();
			for (const option of property.options ?? []) if ('value' in option) labels.set(String(option.value), option.name);
			read.set(name, labels);
		}
	}
	return read;
}

/** Every combination of the given parameters' values. */
function combinations(values: Map<string, string[]>): Array<Record<string, string>> {
	let result: Array<Record<string, string>> = [{}];
	for (const [name, options] of values) result = result.flatMap((partial) => options.map((value) => ({ ...partial, [name]: value })));
	return result;
}

describe('canvas subtitles show option labels, never raw values', () => {
	test.each(nodeClasses.filter(([, nodeType]) => nodeType.description.subtitle))('%s', (_name, nodeType) => {
		const read = optionsReadBy(nodeType.description.properties, nodeType.description.subtitle!);
		const cases = combinations(new Map([...read].map(([name, labels]) => [name, [...labels.keys()]])));
		for (const parameters of cases) {
			const subtitle = String(canvasSubtitle(nodeType, { ...parameters, pixelId: '123', path: 'offers' }));
			for (const [name, value] of Object.entries(parameters)) {
				const label = read.get(name)!.get(value)!;
				// A value shown as itself (GET) is its label; otherwise the raw value must not appear.
				if (!label.includes(value)) expect({ parameters, subtitle, raw: subtitle.includes(value) }).toEqual({ parameters, subtitle, raw: false });
			}
			expect(subtitle).not.toMatch(/undefined|\[object/);
		}
	});

	test('the labels are the ones the options show (spot checks)', () => {
		const byName = new Map(nodeClasses);
		expect(canvasSubtitle(byName.get('PostbackTools')!, { operation: 'conversionLog' })).toBe('Conversion Log');
		expect(canvasSubtitle(byName.get('AffiliatePayouts')!, { operation: 'syncStatus' })).toBe('Sync Status');
		expect(canvasSubtitle(byName.get('AffiliatePayouts')!, { operation: 'pay', provider: 'paypal' })).toBe('Pay via PayPal Payouts');
		expect(canvasSubtitle(byName.get('PostbackTrigger')!, { network: 'shareasale' })).toBe('ShareASale');
		expect(canvasSubtitle(byName.get('SendPostback')!, { preset: 'custom', method: 'POST_JSON' })).toMatch(/ · POST \(JSON\)$/);
	});
});

describe('the credential selector sits first in the node panel', () => {
	/**
	 * n8n 2.41's editor (ParameterInputList) draws the credential block before the last shown parameter that any
	 * credential's displayOptions.show names, and first when none is named.
	 */
	test.each(nodeClasses.filter(([, nodeType]) => nodeType.description.credentials?.length))('%s', (_name, nodeType) => {
		const parameterNames = new Set(nodeType.description.properties.map((property) => property.name));
		const named = nodeType.description.credentials!.flatMap((credential) => Object.keys(credential.displayOptions?.show ?? {}));
		expect(named.filter((name) => parameterNames.has(name))).toEqual([]);
	});

	test("credentials still show exactly when they did: the store's only for PostgreSQL, a payout provider's only for its payments", () => {
		const byName = new Map(nodeClasses);
		const shown = (nodeName: string, parameters: Record<string, unknown>) => {
			const nodeType = byName.get(nodeName)!;
			const node = { typeVersion: 2, parameters } as unknown as INode;
			return nodeType.description
				.credentials!.filter((credential) => NodeHelpers.displayParameter(parameters as never, credential, node, nodeType.description))
				.map((credential) => credential.name);
		};
		expect(shown('MetaConversions', { conversionLog: true, store: 'sqlite' })).toEqual(['metaConversionsApi']);
		expect(shown('MetaConversions', { conversionLog: true, store: 'postgres' })).toEqual(['metaConversionsApi', 'postbackStorePostgresApi']);
		expect(shown('MetaConversions', { conversionLog: false })).toEqual(['metaConversionsApi']);
		expect(shown('AffiliatePayouts', { operation: 'calculateDue', store: 'sqlite' })).toEqual([]);
		expect(shown('AffiliatePayouts', { operation: 'pay', provider: 'stripe', store: 'postgres' })).toEqual(['stripeConnectApi', 'postbackStorePostgresApi']);
		expect(shown('PostbackTrigger', { network: 'clickbank', authentication: 'postbackAuthApi', store: 'sqlite' })).toEqual([
			'postbackAuthApi',
			'clickBankInsApi',
		]);
		expect(shown('PostbackTools', { operation: 'tagLink' })).toEqual([]);
		expect(shown('PostbackTools', { operation: 'conversionLog', store: 'postgres' })).toEqual(['postbackStorePostgresApi']);
	});
});

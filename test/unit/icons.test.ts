import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The icons n8n shows for the package's nodes and credentials: each has a light and a dark SVG that exist and
 * are 64 × 64 drawings, no two nodes share a drawing (colours aside), and a platform's credential shows the
 * same icon as its node. Whether each is recognisable at a glance is judged by eye on a rendered contact sheet;
 * this keeps what can be checked without a browser from drifting.
 */
const ROOT = join(__dirname, '../..');

interface Icon {
	light: string;
	dark: string;
}
interface Described {
	kind: 'node' | 'credential';
	name: string;
	displayName: string;
	icon: Icon;
	credentials: string[];
}

function iconFiles(source: string, icon: unknown): Icon {
	const from = (value: unknown) => {
		if (typeof value !== 'string' || !value.startsWith('file:')) throw new Error(`${source}: icon ${String(value)} is not a file: icon`);
		return resolve(dirname(source), value.slice('file:'.length));
	};
	const { light, dark } = (icon ?? {}) as { light?: unknown; dark?: unknown };
	return { light: from(light), dark: from(dark) };
}

function described(): Described[] {
	const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } };
	const load = (entry: string, kind: Described['kind']): Described[] => {
		const source = join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(source) as Record<string, unknown>;
		return Object.values(exported)
			.filter((value): value is new () => Record<string, unknown> => typeof value === 'function')
			.map((Class) => {
				const instance = new Class();
				const description = (kind === 'node' ? instance.description : instance) as {
					name: string;
					displayName: string;
					icon?: unknown;
					credentials?: Array<{ name: string }>;
				};
				return {
					kind,
					name: description.name,
					displayName: description.displayName,
					icon: iconFiles(source, description.icon),
					credentials: (description.credentials ?? []).map((credential) => credential.name),
				};
			});
	};
	return [...pkg.n8n.nodes.flatMap((entry) => load(entry, 'node')), ...pkg.n8n.credentials.flatMap((entry) => load(entry, 'credential'))];
}

const all = described();
const nodes = all.filter((each) => each.kind === 'node');
const credentials = all.filter((each) => each.kind === 'credential');
/** The drawing without its colours: what is left when a palette is swapped. */
const shape = (file: string) =>
	readFileSync(file, 'utf8')
		.replace(/(fill|stroke)="[^"]*"/g, '')
		.replace(/\s+/g, ' ')
		.trim();

test('every node and credential has a light and a dark SVG icon, drawn on a 64 × 64 view box', () => {
	expect(nodes.length).toBeGreaterThanOrEqual(14);
	for (const each of all) {
		for (const file of [each.icon.light, each.icon.dark]) {
			expect({ who: each.displayName, file, exists: existsSync(file) }).toEqual({ who: each.displayName, file, exists: true });
			const svg = readFileSync(file, 'utf8');
			expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 64 64"/);
			expect(svg.trim()).toMatch(/<\/svg>$/);
		}
	}
});

test('no two nodes share a drawing, whatever their colours', () => {
	const byShape = new Map<string, string[]>();
	for (const node of nodes) byShape.set(shape(node.icon.light), [...(byShape.get(shape(node.icon.light)) ?? []), node.displayName]);
	expect([...byShape.values()].filter((names) => names.length > 1)).toEqual([]);
});

test("a platform's credential shows its node's icon, light and dark", () => {
	// A node that talks to one platform has one credential of its own (store and inbound auth are the package's, and
	// Affiliate Payouts has one per payment provider, each with that provider's icon): that credential shows the node's icon.
	const own = (node: Described) => node.credentials.filter((name) => !/^postback/i.test(name));
	const users = (credential: string) => nodes.filter((node) => node.credentials.includes(credential));
	const platform = credentials.filter((credential) => {
		const using = users(credential.name);
		return using.length === 1 && own(using[0]).length === 1;
	});
	expect(platform.map((credential) => credential.name)).toEqual(
		expect.arrayContaining(['metaConversionsApi', 'ga4MeasurementProtocolApi', 'redditConversionsApi', 'microsoftAdsConversionsApi']),
	);
	for (const credential of platform) {
		const [node] = users(credential.name);
		for (const variant of ['light', 'dark'] as const) {
			expect({ credential: credential.name, variant, svg: readFileSync(credential.icon[variant], 'utf8') }).toEqual({
				credential: credential.name,
				variant,
				svg: readFileSync(node.icon[variant], 'utf8'),
			});
		}
	}
});

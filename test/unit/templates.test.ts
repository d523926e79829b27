import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESTINATIONS } from '../../src/destinations';

/**
 * Static checks on every workflow template in templates/: each is importable n8n workflow JSON that only uses
 * n8n's own nodes and this package's registered nodes, with fixed webhook ids (none where the id is a secret or the webhook serves data), closed n8n Webhook nodes, sticky notes for the operator,
 * consistent connections, no credential secrets, no node drawn over another, and a Redelivery Trigger for the
 * ad-platform nodes. (Each one also runs end to end in a real n8n:
 * test/e2e/templates.e2e.test.ts.)
 */
const ROOT = join(__dirname, '../..');
const TEMPLATES = join(ROOT, 'templates');
const files = readdirSync(TEMPLATES)
	.filter((file) => file.endsWith('.json'))
	.sort();

interface TemplateNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
	[key: string]: unknown;
}
interface Connection {
	node: string;
	type: string;
	index: number;
}
interface Template {
	name: string;
	nodes: TemplateNode[];
	connections: Record<string, Record<string, Array<Connection[] | null>>>;
	settings: Record<string, unknown>;
}

/** The package's triggers whose second output carries what they refused (Rejected). */
const REJECTING_TRIGGERS = new Set(['n8n-nodes-postback.postbackTrigger', 'n8n-nodes-postback.clickTracker']);

interface PackageNodeType {
	name: string;
	outputs: number;
	webhook: boolean;
	credentials: string[];
}

/** This package's node types as n8n registers them: `n8n-nodes-postback.<description.name>`, from package.json's n8n.nodes. */
function packageNodeTypes(): Map<string, PackageNodeType> {
	const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; n8n: { nodes: string[] } };
	const types = new Map<string, PackageNodeType>();
	for (const entry of pkg.n8n.nodes) {
		const source = join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(source) as Record<
			string,
			new () => { description: { name: string; outputs: unknown; webhooks?: unknown[]; credentials?: Array<{ name: string }> } }
		>;
		for (const NodeClass of Object.values(exported)) {
			if (typeof NodeClass !== 'function') continue;
			const { description } = new NodeClass();
			types.set(`${pkg.name}.${description.name}`, {
				name: description.name,
				outputs: Array.isArray(description.outputs) ? description.outputs.length : 1,
				webhook: (description.webhooks?.length ?? 0) > 0,
				credentials: (description.credentials ?? []).map((credential) => credential.name),
			});
		}
	}
	return types;
}

const nodeTypes = packageNodeTypes();
const load = (file: string) => JSON.parse(readFileSync(join(TEMPLATES, file), 'utf8')) as Template;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** n8n's own webhook-based nodes a template might use. */
const BASE_WEBHOOK_TYPES = new Set(['n8n-nodes-base.webhook', 'n8n-nodes-base.formTrigger']);
const POSTBACK_TRIGGER = 'n8n-nodes-postback.postbackTrigger';
const BASE_WEBHOOK = 'n8n-nodes-base.webhook';
/**
 * The n8n Webhook node's credential-backed Authentication choices and the credential type each asks for, as n8n 2.41's
 * n8n-nodes-base/dist/nodes/Webhook/description.js declares them (authenticationProperty / credentialsProperty).
 */
const WEBHOOK_AUTHENTICATION: Record<string, string> = { basicAuth: 'httpBasicAuth', headerAuth: 'httpHeaderAuth', jwtAuth: 'jwtAuth' };
/**
 * A Webhook node whose answer carries what the workflow produced (Respond to Webhook node, or the last node's
 * output) serves data; 'onReceived' (n8n's default) only says the workflow started.
 */
const servesData = (node: TemplateNode) =>
	node.type === BASE_WEBHOOK && ['responseNode', 'lastNode'].includes(String(node.parameters.responseMode ?? 'onReceived'));

/** The ad-platform destination node types (`n8n-nodes-postback.<node name>`), each with its platform id. */
const PLATFORM_OF_TYPE = new Map(
	Object.entries(DESTINATIONS).map(([platform, definition]) => [`n8n-nodes-postback.${(definition as { node: { name: string } }).node.name}`, platform]),
);
/** Outbox destinations by node type: the platforms', and Send Postback's (every target selected by `postback:*`). */
const OUTBOX_DESTINATION_OF_TYPE = new Map([...PLATFORM_OF_TYPE, ['n8n-nodes-postback.sendPostback', 'postback:*']]);
const REDELIVERY_TRIGGER = 'n8n-nodes-postback.redeliveryTrigger';
const CONVERSION_FUNNEL = 'n8n-nodes-postback.conversionFunnel';
/** The Redelivery Trigger's destination for journaled postbacks (src/destinations/intake-journal.ts), emitted on Postbacks. */
const INTAKE = 'intake';
/** A node's tracking store as it runs: the parameters' defaults filled in, the PostgreSQL credential only when used. */
const storeSettings = (node: TemplateNode) => {
	const store = String(node.parameters.store ?? 'sqlite');
	return store === 'postgres'
		? { store, credential: node.credentials?.postbackStorePostgresApi?.name }
		: { store, sqlitePath: String(node.parameters.sqlitePath ?? '') };
};

/**
 * The box n8n 2.41's canvas draws a node in (editor-ui's node size: 96 × 96, 32 taller for each main output past
 * two; a sticky note its own width and height, 240 × 160 by default), from its position (the top-left corner).
 */
function canvasBox(node: TemplateNode): { left: number; top: number; right: number; bottom: number } {
	const [left, top] = node.position;
	if (node.type === 'n8n-nodes-base.stickyNote') {
		return { left, top, right: left + Number(node.parameters.width ?? 240), bottom: top + Number(node.parameters.height ?? 160) };
	}
	let outputs = nodeTypes.get(node.type)?.outputs ?? 1;
	if (node.type === 'n8n-nodes-base.switch') {
		const rules = (node.parameters.rules as { values?: unknown[] } | undefined)?.values?.length ?? 1;
		outputs = rules + ((node.parameters.options as { fallbackOutput?: unknown } | undefined)?.fallbackOutput === 'extra' ? 1 : 0);
	}
	return { left, top, right: left + 96, bottom: top + 96 + Math.max(0, outputs - 2) * 32 };
}

test('the package registers its nodes and there are templates to check', () => {
	expect(nodeTypes.size).toBeGreaterThanOrEqual(9);
	expect(files.length).toBeGreaterThanOrEqual(7);
	for (const expected of [
		'shareasale-postback.json',
		'custom-postback.json',
		'shareasale-tracking-pipeline.json',
		'shareasale-to-ad-platforms.json',
		'custom-postback-to-meta.json',
		'impact-everflow-to-partner.json',
		'monthly-payouts-paypal.json',
	]) {
		expect(files).toContain(expected);
	}
});

describe.each(files)('templates/%s', (file) => {
	const template = load(file);
	const nodes = template.nodes;
	const working = nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote');

	test('parses as a workflow n8n imports: name, nodes, connections, settings with executionOrder v1', () => {
		expect(typeof template.name).toBe('string');
		expect(template.name.trim()).not.toBe('');
		expect(Array.isArray(nodes)).toBe(true);
		expect(typeof template.connections).toBe('object');
		expect(template.settings).toMatchObject({ executionOrder: 'v1' });
		for (const node of nodes) {
			expect(typeof node.id).toBe('string');
			expect(typeof node.name).toBe('string');
			expect(typeof node.typeVersion).toBe('number');
			expect(node.position).toEqual([expect.any(Number), expect.any(Number)]);
			expect(typeof node.parameters).toBe('object');
		}
		expect(new Set(nodes.map((node) => node.id)).size).toBe(nodes.length);
		expect(new Set(nodes.map((node) => node.name)).size).toBe(nodes.length);
	});

	test("every node is one of n8n's own (n8n-nodes-base.*) or a node type this package registers", () => {
		for (const node of nodes) {
			const known = node.type.startsWith('n8n-nodes-base.') || nodeTypes.has(node.type);
			if (!known) throw new Error(`node "${node.name}" has type ${node.type}, which is neither n8n-nodes-base.* nor registered in package.json`);
		}
		expect(working.some((node) => nodeTypes.has(node.type))).toBe(true);
	});

	test('every webhook-based node has a path, and a fixed webhook id (a UUID) unless that id is its secret', () => {
		for (const node of working) {
			// A Wait node gets a webhook id from n8n (for resuming by webhook): a fixed one if present.
			if (node.webhookId !== undefined) expect(node.webhookId).toMatch(UUID);
			const webhook = nodeTypes.get(node.type)?.webhook ?? BASE_WEBHOOK_TYPES.has(node.type);
			if (!webhook) continue;
			expect(typeof node.parameters.path).toBe('string');
			expect(String(node.parameters.path)).not.toBe('');
			// A secret-URL trigger's webhook id is its secret: the template carries none, so n8n generates one on
			// import and no two installs share it (a fixed one would be published with the template).
			if (node.type === POSTBACK_TRIGGER && node.parameters.authentication === 'secretUrl') {
				if (node.webhookId !== undefined) throw new Error(`secret-URL trigger "${node.name}" carries a fixed webhookId: every install would share its secret`);
				continue;
			}
			// A Webhook node that serves data gets its id from n8n on import (next test).
			if (servesData(node)) continue;
			if (!node.webhookId || !UUID.test(node.webhookId)) throw new Error(`webhook node "${node.name}" has no UUID webhookId (got ${String(node.webhookId)})`);
		}
	});

	test('every Postback Trigger authenticates: a generated secret URL or a credential, never None', () => {
		for (const node of working.filter((each) => each.type === POSTBACK_TRIGGER)) {
			const authentication = node.parameters.authentication ?? (node.typeVersion >= 2 ? 'secretUrl' : 'none');
			if (authentication === 'secretUrl') {
				expect(node.typeVersion).toBeGreaterThanOrEqual(2);
				expect(node.webhookId).toBeUndefined();
			} else if (authentication === 'postbackAuthApi') {
				expect(node.credentials?.postbackAuthApi).toBeDefined();
			} else {
				throw new Error(`Postback Trigger "${node.name}" accepts postbacks without authentication (authentication: ${String(authentication)})`);
			}
		}
	});

	test('every n8n Webhook node authenticates with a credential the operator creates; one that serves data ships no webhookId', () => {
		for (const node of working.filter((each) => each.type === BASE_WEBHOOK)) {
			// n8n's Webhook node defaults to Authentication: None, which answers anyone who guesses the path.
			const authentication = String(node.parameters.authentication ?? 'none');
			if (!(authentication in WEBHOOK_AUTHENTICATION)) {
				throw new Error(
					`Webhook "${node.name}" answers without authentication (authentication: ${authentication}); use ${Object.keys(WEBHOOK_AUTHENTICATION).join(', ')}`,
				);
			}
			// No credential reference at all: n8n asks for a credential of that type on import, so no id (a placeholder
			// or someone's real one) and no login travels with the template.
			expect(node.credentials).toBeUndefined();
			// The id is n8n's per-node webhook identity and its default path (/webhook/<webhookId> when the path is
			// cleared): a published one would be the same on every install and every second import. Without one, n8n's
			// editor gives each import a fresh UUID.
			if (servesData(node) && node.webhookId !== undefined) {
				throw new Error(`Webhook "${node.name}" serves data and ships the fixed webhookId ${node.webhookId}: every install would share it`);
			}
		}
	});

	test('has sticky notes with Markdown for the operator', () => {
		const notes = nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
		expect(notes.length).toBeGreaterThanOrEqual(1);
		for (const note of notes) {
			expect(typeof note.parameters.content).toBe('string');
			expect(String(note.parameters.content).trim().length).toBeGreaterThan(40);
		}
	});

	test('connections run between existing nodes, on outputs the source node has', () => {
		const byName = new Map(nodes.map((node) => [node.name, node]));
		for (const [source, byType] of Object.entries(template.connections)) {
			const from = byName.get(source);
			if (!from) throw new Error(`connections name a source node "${source}" that is not in the template`);
			expect(from.type).not.toBe('n8n-nodes-base.stickyNote');
			for (const [type, outputs] of Object.entries(byType)) {
				expect(type).toBe('main');
				const declared = nodeTypes.get(from.type)?.outputs;
				if (declared !== undefined) expect(outputs.length).toBeLessThanOrEqual(declared);
				for (const targets of outputs) {
					for (const target of targets ?? []) {
						const to = byName.get(target.node);
						if (!to) throw new Error(`"${source}" connects to "${target.node}", which is not in the template`);
						expect(to.type).not.toBe('n8n-nodes-base.stickyNote');
						expect(target.type).toBe('main');
						expect(target.index).toBe(0);
					}
				}
			}
		}
		// Every working node but the triggers is reached from somewhere.
		const targets = new Set(
			Object.values(template.connections).flatMap((byType) =>
				Object.values(byType).flatMap((outputs) => outputs.flatMap((list) => (list ?? []).map((c) => c.node))),
			),
		);
		for (const node of working) {
			const trigger = /trigger$|\.webhook$/i.test(node.type) || BASE_WEBHOOK_TYPES.has(node.type) || (nodeTypes.get(node.type)?.webhook ?? false);
			if (!trigger && !targets.has(node.name)) throw new Error(`node "${node.name}" is not connected to anything upstream`);
		}
	});

	test('no node or sticky note is drawn over another (as the editor test measures it, without a browser)', () => {
		const boxes = nodes.map((node) => ({ name: node.name, ...canvasBox(node) }));
		const overlaps: string[] = [];
		for (const [index, a] of boxes.entries()) {
			for (const b of boxes.slice(index + 1)) {
				if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps.push(`${a.name} × ${b.name}`);
			}
		}
		expect(overlaps).toEqual([]);
	});

	test('ad-platform and partner postback nodes get a Redelivery Trigger on their store whose Due reaches each of them, and Gave Up a node', () => {
		const destinations = working.filter((node) => OUTBOX_DESTINATION_OF_TYPE.has(node.type));
		const triggers = working.filter((node) => node.type === REDELIVERY_TRIGGER);
		if (destinations.length === 0) {
			expect(triggers).toEqual([]);
			return;
		}
		expect(triggers.length).toBeGreaterThanOrEqual(1);
		const reached = (from: string[], seen = new Set<string>()): Set<string> => {
			for (const name of from) {
				if (seen.has(name)) continue;
				seen.add(name);
				const next = Object.values(template.connections[name] ?? {}).flatMap((outputs) => outputs.flatMap((list) => (list ?? []).map((c) => c.node)));
				reached(next, seen);
			}
			return seen;
		};
		const covered = new Set<string>();
		for (const trigger of triggers) {
			// The trigger reads the outbox the destination nodes write: the same store, or it never sees their entries.
			for (const node of destinations)
				expect({ trigger: trigger.name, node: node.name, ...storeSettings(trigger) }).toEqual({
					trigger: trigger.name,
					node: node.name,
					...storeSettings(node),
				});
			const due = (template.connections[trigger.name]?.main?.[0] ?? []).map((c) => c.node);
			const downstream = reached(due);
			const scope =
				trigger.parameters.destinationScope === 'selected' ? (trigger.parameters.destinations as string[]) : [...OUTBOX_DESTINATION_OF_TYPE.values()];
			for (const node of destinations.filter((each) => downstream.has(each.name))) covered.add(node.name);
			// A platform the trigger emits but whose node Due never reaches: its entries would never be settled.
			for (const platform of scope.filter((destination) => destination !== INTAKE)) {
				const nodesOf = destinations.filter((node) => OUTBOX_DESTINATION_OF_TYPE.get(node.type) === platform);
				if (trigger.parameters.destinationScope === 'selected')
					expect({ platform, reached: nodesOf.some((node) => downstream.has(node.name)) }).toEqual({ platform, reached: true });
			}
			// Gave Up goes somewhere the operator sees and can turn into an alert.
			const gaveUp = (template.connections[trigger.name]?.main?.[1] ?? []).map((c) => c.node);
			expect(gaveUp.length).toBeGreaterThan(0);
		}
		expect(destinations.map((node) => node.name).filter((name) => !covered.has(name))).toEqual([]);
		// Every redelivery trigger has a sticky note saying what it does.
		const notes = nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote').map((node) => String(node.parameters.content));
		expect(notes.some((content) => content.includes('Redelivery Trigger'))).toBe(true);
	});

	test('with a Redelivery Trigger, a Postback Trigger feeding a Conversion Funnel resumes stopped runs: its Postbacks reach that Funnel', () => {
		const redeliveryTriggers = working.filter((node) => node.type === REDELIVERY_TRIGGER);
		const byName = new Map(nodes.map((node) => [node.name, node]));
		// Postbacks carries accepted postbacks to decide again: only a Funnel can take them.
		for (const trigger of redeliveryTriggers) {
			const postbacks = (template.connections[trigger.name]?.main?.[2] ?? []).map((c) => byName.get(c.node)!);
			for (const target of postbacks) expect({ trigger: trigger.name, target: target.name, type: target.type }).toMatchObject({ type: CONVERSION_FUNNEL });
		}
		if (redeliveryTriggers.length === 0) return;
		for (const postbackTrigger of working.filter((node) => node.type === POSTBACK_TRIGGER)) {
			const funnels = (template.connections[postbackTrigger.name]?.main?.[0] ?? [])
				.map((c) => byName.get(c.node)!)
				.filter((node) => node.type === CONVERSION_FUNNEL);
			for (const funnel of funnels) {
				const options = (postbackTrigger.parameters.options ?? {}) as Record<string, unknown>;
				expect({ trigger: postbackTrigger.name, resumeUnfinished: options.resumeUnfinished }).toEqual({
					trigger: postbackTrigger.name,
					resumeUnfinished: true,
				});
				// The journal is in the Postback Trigger's store; a Redelivery Trigger on that store (and the Funnel's) must emit it into the Funnel.
				expect(storeSettings(funnel)).toEqual(storeSettings(postbackTrigger));
				const resuming = redeliveryTriggers.filter(
					(trigger) =>
						JSON.stringify(storeSettings(trigger)) === JSON.stringify(storeSettings(postbackTrigger)) &&
						(trigger.parameters.destinationScope !== 'selected' || (trigger.parameters.destinations as string[]).includes(INTAKE)) &&
						(template.connections[trigger.name]?.main?.[2] ?? []).some((c) => c.node === funnel.name),
				);
				expect({ funnel: funnel.name, resumedBy: resuming.map((trigger) => trigger.name) }).toEqual({ funnel: funnel.name, resumedBy: [expect.any(String)] });
			}
		}
	});

	test('a Switch routing redeliveries sends each platform to a node of that platform only', () => {
		const byName = new Map(nodes.map((node) => [node.name, node]));
		for (const trigger of working.filter((node) => node.type === REDELIVERY_TRIGGER)) {
			for (const first of template.connections[trigger.name]?.main?.[0] ?? []) {
				const node = byName.get(first.node)!;
				if (node.type !== 'n8n-nodes-base.switch') continue;
				const rules = (
					node.parameters.rules as {
						values: Array<{ conditions: { conditions: Array<{ leftValue: string; rightValue: string; operator: { operation: string } }> } }>;
					}
				).values;
				rules.forEach((rule, output) => {
					const [condition] = rule.conditions.conditions;
					expect(condition).toMatchObject({ leftValue: '={{ $json.redelivery.destination }}', operator: { operation: 'equals' } });
					const targets = (template.connections[node.name]?.main?.[output] ?? []).map((c) => byName.get(c.node)!);
					expect(targets.length).toBeGreaterThan(0);
					for (const target of targets) expect({ output, platform: PLATFORM_OF_TYPE.get(target.type) }).toEqual({ output, platform: condition.rightValue });
				});
			}
		}
	});

	test("a rejected postback or refused click ends in n8n's Stop and Error, so its execution is listed as failed", () => {
		// n8n's executions list shows a status and nothing else an operator could tell these apart by (custom data is
		// neither shown nor filterable without a licence); a trigger cannot fail its own execution once it has started it.
		const byName = new Map(nodes.map((node) => [node.name, node]));
		const downstream = (name: string, seen = new Set<string>()): TemplateNode[] => {
			const next = Object.values(template.connections[name] ?? {})
				.flatMap((outputs) => outputs.flatMap((list) => (list ?? []).map((c) => c.node)))
				.filter((each) => !seen.has(each));
			next.forEach((each) => seen.add(each));
			return next.flatMap((each) => [byName.get(each)!, ...downstream(each, seen)]);
		};
		for (const trigger of working.filter((node) => REJECTING_TRIGGERS.has(node.type))) {
			const rejected = template.connections[trigger.name]?.main?.[1] ?? [];
			expect({ trigger: trigger.name, rejectedConnected: rejected.length > 0 }).toEqual({ trigger: trigger.name, rejectedConnected: true });
			for (const first of rejected) {
				const path = [byName.get(first.node)!, ...downstream(first.node)];
				const stop = path.find((node) => node.type === 'n8n-nodes-base.stopAndError');
				expect({ trigger: trigger.name, stopAndError: stop?.name }).toEqual({ trigger: trigger.name, stopAndError: expect.any(String) });
				// The message reaches error workflows and logs: codes and status only, never the request's values.
				expect(String(stop!.parameters.errorMessage)).not.toMatch(/\$json\.request|\$json\.reason\.message/);
			}
		}
	});

	test('credentials are referenced by name with a placeholder id, and no secret is embedded', () => {
		for (const node of working) {
			for (const [type, reference] of Object.entries(node.credentials ?? {})) {
				expect(Object.keys(reference).sort()).toEqual(['id', 'name']);
				expect(reference.name.trim()).not.toBe('');
				// A placeholder: the operator picks their own credential on import (the e2e test swaps in real ids).
				expect(typeof reference.id).toBe('string');
				expect(reference.id.trim()).not.toBe('');
				const declared = nodeTypes.get(node.type)?.credentials;
				if (declared) expect(declared).toContain(type);
			}
		}
		const text = JSON.stringify(template);
		// Parameter names that would hold a secret must not carry a value.
		const secretKeys =
			/"(accessToken|access_token|clientSecret|client_secret|secretKey|secret|password|token|apiKey|api_key|refreshToken|developerToken|hmacSecret|clickbankSecret|oauthTokenData)"\s*:\s*"([^"]+)"/g;
		for (const match of text.matchAll(secretKeys)) throw new Error(`"${match[1]}" carries a value in the template`);
		// Shapes of real credentials: Meta tokens, Stripe keys, Google OAuth tokens, PayPal secrets, bearer headers.
		for (const pattern of [
			/EAA[A-Za-z0-9]{20,}/,
			/\bsk_(live|test)_[A-Za-z0-9]{8,}/,
			/\bya29\.[A-Za-z0-9_-]{10,}/,
			/\b1\/\/[A-Za-z0-9_-]{20,}/,
			/Bearer\s+[A-Za-z0-9._-]{16,}/i,
			/-----BEGIN [A-Z ]*PRIVATE KEY-----/,
		]) {
			expect(text).not.toMatch(pattern);
		}
	});
});

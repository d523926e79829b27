import { join } from 'node:path';

/**
 * `npm start`'s template sync (scripts/lib/template-sync.cjs): what happens to a template's workflow on a later start,
 * decided from the template's hash, what was remembered at import and the workflow as n8n has it now.
 */
interface Node {
	id?: string;
	name: string;
	type: string;
	typeVersion?: number;
	position?: [number, number];
	parameters?: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
}
interface Workflow {
	id?: string;
	name: string;
	nodes: Node[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	active?: boolean;
	isArchived?: boolean;
	versionId?: string;
	updatedAt?: string;
	staticData?: unknown;
}
interface Entry {
	workflowId: string;
	templateHash: string;
	fingerprint: string;
}
const sync = require(join(__dirname, '../../scripts/lib/template-sync.cjs')) as {
	templateHash(text: string): string;
	workflowFingerprint(workflow: Workflow): string;
	planTemplateSync(input: { hash: string; entry?: Entry; current?: Workflow | null }): { action: string; edited?: boolean };
	updatedWorkflow(template: Workflow, current: Workflow): Workflow;
};

const template = (): Workflow => ({
	name: 'ShareASale postbacks',
	nodes: [
		{
			name: 'ShareASale Postback',
			type: 'n8n-nodes-postback.postbackTrigger',
			typeVersion: 2,
			position: [0, 0],
			parameters: { network: 'shareasale', path: 'shareasale', authentication: 'secretUrl' },
			webhookId: 'fresh-id-from-this-load',
		},
		{ name: 'Funnel', type: 'n8n-nodes-postback.conversionFunnel', typeVersion: 1, position: [250, 0], parameters: {} },
	],
	connections: { 'ShareASale Postback': { main: [[{ node: 'Funnel', type: 'main', index: 0 }]] } },
	settings: { executionOrder: 'v1' },
});

/** The workflow as n8n returns it after the import: ids added, the webhook id it was given, bookkeeping. */
const asImported = (): Workflow => {
	const workflow = template();
	workflow.nodes = workflow.nodes.map((node, index) => ({ ...node, id: `node-${index}` }));
	workflow.nodes[0].webhookId = 'secret-webhook-id';
	return { ...workflow, id: 'wf1', active: true, versionId: 'v1', updatedAt: '2026-01-01T00:00:00.000Z', staticData: null };
};

const HASH = sync.templateHash(JSON.stringify(template()));
const entryFor = (workflow: Workflow): Entry => ({ workflowId: 'wf1', templateHash: HASH, fingerprint: sync.workflowFingerprint(workflow) });

describe('planTemplateSync', () => {
	it('imports a template it has no record of (a first start, or a template new in the repository)', () => {
		expect(sync.planTemplateSync({ hash: HASH, entry: undefined, current: undefined })).toEqual({ action: 'import' });
	});

	it('does not bring back a workflow the operator deleted or archived', () => {
		const entry = entryFor(asImported());
		expect(sync.planTemplateSync({ hash: HASH, entry, current: null }).action).toBe('deleted');
		expect(sync.planTemplateSync({ hash: 'changed', entry, current: null }).action).toBe('deleted');
		expect(sync.planTemplateSync({ hash: HASH, entry, current: { ...asImported(), isArchived: true } }).action).toBe('deleted');
	});

	it('keeps the workflow when the template did not change, edited or not', () => {
		const entry = entryFor(asImported());
		expect(sync.planTemplateSync({ hash: HASH, entry, current: asImported() })).toEqual({ action: 'keep', edited: false });
		expect(sync.planTemplateSync({ hash: HASH, entry, current: { ...asImported(), name: 'Mine' } })).toEqual({ action: 'keep', edited: true });
	});

	it('updates an unedited workflow when its template changed, and leaves an edited one alone', () => {
		const entry = entryFor(asImported());
		const changed = sync.templateHash(JSON.stringify({ ...template(), name: 'ShareASale postbacks v2' }));
		expect(changed).not.toBe(HASH);
		expect(sync.planTemplateSync({ hash: changed, entry, current: asImported() })).toEqual({ action: 'update', edited: false });
		const edited = asImported();
		edited.nodes[0].parameters = { ...edited.nodes[0].parameters, path: 'my-path' };
		expect(sync.planTemplateSync({ hash: changed, entry, current: edited })).toEqual({ action: 'edited', edited: true });
	});
});

describe('workflowFingerprint', () => {
	const base = sync.workflowFingerprint(asImported());

	it("does not count activating, n8n's bookkeeping, node order or a credential's new name as an edit", () => {
		const workflow = asImported();
		const reordered = { ...workflow, nodes: [...workflow.nodes].reverse() };
		expect(sync.workflowFingerprint(reordered)).toBe(base);
		expect(sync.workflowFingerprint({ ...workflow, active: false, versionId: 'v9', updatedAt: '2027-01-01T00:00:00.000Z', staticData: { seen: 1 } })).toBe(
			base,
		);
		const withCredential = (name: string): Workflow => {
			const copy = asImported();
			copy.nodes[1].credentials = { postbackStorePostgresApi: { id: 'c1', name } };
			return copy;
		};
		expect(sync.workflowFingerprint(withCredential('Store'))).toBe(sync.workflowFingerprint(withCredential('Store (renamed)')));
	});

	it('counts a rename, a parameter, a moved node, another credential and a connection as edits', () => {
		const edits: Array<(workflow: Workflow) => void> = [
			(workflow) => (workflow.name = 'Renamed'),
			(workflow) => (workflow.nodes[1].parameters = { storeType: 'postgres' }),
			(workflow) => (workflow.nodes[1].position = [300, 0]),
			(workflow) => (workflow.nodes[1].credentials = { postbackStorePostgresApi: { id: 'c2', name: 'Store' } }),
			(workflow) => (workflow.connections = {}),
			(workflow) => (workflow.settings = { executionOrder: 'v1', timezone: 'Europe/Paris' }),
		];
		for (const [index, edit] of edits.entries()) {
			const workflow = asImported();
			edit(workflow);
			expect({ edit: index, fingerprint: sync.workflowFingerprint(workflow) }).not.toEqual({ edit: index, fingerprint: base });
		}
	});
});

describe('updatedWorkflow', () => {
	it("takes the new template but keeps each node's id, webhook id (the pasted secret URL) and credentials", () => {
		const current = asImported();
		current.nodes[1].credentials = { postbackStorePostgresApi: { id: 'c1', name: 'Store' } };
		const next = template();
		next.nodes[1].parameters = { dedupeWindowDays: 30 };
		next.nodes.push({ name: 'Log', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [500, 0], parameters: {} });
		const body = sync.updatedWorkflow(next, current);
		expect(body.nodes.map((node) => [node.name, node.id, node.webhookId])).toEqual([
			['ShareASale Postback', 'node-0', 'secret-webhook-id'],
			['Funnel', 'node-1', undefined],
			['Log', undefined, undefined],
		]);
		expect(body.nodes[1]).toMatchObject({ parameters: { dedupeWindowDays: 30 }, credentials: { postbackStorePostgresApi: { id: 'c1', name: 'Store' } } });
		expect(body).toMatchObject({ name: 'ShareASale postbacks', connections: next.connections, settings: { executionOrder: 'v1' } });
		expect(body).not.toHaveProperty('active');
	});

	it('gives a webhook node new in the template the id the template was loaded with', () => {
		const next = template();
		next.nodes.push({ name: 'Second', type: 'n8n-nodes-postback.postbackTrigger', parameters: { path: 'x' }, webhookId: 'loaded-id' });
		expect(sync.updatedWorkflow(next, asImported()).nodes.find((node) => node.name === 'Second')?.webhookId).toBe('loaded-id');
	});
});

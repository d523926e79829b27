/**
 * Runs the Postback Trigger in-process the way an n8n 2.x server does, with n8n-core's own
 * execution code rather than a stand-in for the node's `this`:
 *
 *   1. the webhook call: the webhook is looked up from the node description (path expression,
 *      HTTP method, `:secret` path parameters) like WebhookService.getNodeWebhooks, the body is
 *      parsed the way n8n's body parser does, and `webhook()` runs inside a real `WebhookContext`
 *      (n8n-core) with the request and a recording response on `additionalData`;
 *   2. the workflow run: when the trigger returns `workflowData`, it becomes the start node's
 *      input on the execution stack and a real `WorkflowExecute` runs the workflow in `webhook`
 *      mode, so the items travel through the trigger's two outputs to the nodes connected there.
 *
 * Only what the n8n server would take from its database or HTTP stack is provided here: the node
 * types (our classes), stored credentials, the express request/response, and lifecycle hooks.
 */
import { n8nUserFolder, removeN8nUserFolder } from './n8n-env';

import { parse as parseQueryString } from 'node:querystring';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialTestContext, ExecutionLifecycleHooks, WebhookContext, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	resolveWebhookDescriptionField,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type ICredentials,
	type ICredentialsDecrypted,
	type IConnections,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialTestResult,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type ITaskData,
	type IWebhookData,
	type IWebhookDescription,
	type IWebhookResponseData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';
import { PostbackTrigger } from '../../nodes/PostbackTrigger/PostbackTrigger.node';

export { n8nUserFolder, removeN8nUserFolder };

/** Community nodes are registered as `<package name>.<node name>`. */
export const TRIGGER_TYPE = 'n8n-nodes-postback.postbackTrigger';
export const COLLECT_TYPE = 'n8n-nodes-postback-test.collect';
export const TRIGGER_NAME = 'Postback Trigger';
export const ACCEPTED_NODE = 'On Accepted';
export const REJECTED_NODE = 'On Rejected';
export const CREDENTIAL_ID = 'cred-postback-1';

/** A NoOp-like downstream node: passes its input through, executed by WorkflowExecute via n8n-core's ExecuteContext. */
export class CollectNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Collect',
		name: 'collect',
		group: ['transform'],
		version: 1,
		description: 'Passes its input items through unchanged',
		defaults: { name: 'Collect' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	/** Every item this node type has executed on, across runs: proof the engine reached it. */
	static seen: Array<{ node: string; items: INodeExecutionData[] }> = [];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		CollectNode.seen.push({ node: this.getNode().name, items });
		return [items];
	}
}

/** The node types of this package plus the test's downstream node, as n8n's NodeTypes service would hand them out. */
export class PackageNodeTypes implements INodeTypes {
	private readonly types: Record<string, INodeType> = {
		[TRIGGER_TYPE]: new PostbackTrigger(),
		[COLLECT_TYPE]: new CollectNode(),
	};

	getByName(type: string): INodeType {
		const nodeType = this.types[type];
		if (!nodeType) throw new Error(`Unknown node type "${type}"`);
		return nodeType;
	}

	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	}

	getKnownTypes(): IDataObject {
		return {};
	}

	all(): INodeType[] {
		return Object.values(this.types);
	}
}

/** Applies the credential type's defaults to stored data, as n8n's CredentialsHelper.applyDefaultsAndOverwrites does. */
export function withCredentialDefaults(type: string, data: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject {
	return withDestinationCredentialDefaults(type, data);
}

const BASE_URL = 'http://localhost:5678';

/** The additionalData n8n's WorkflowExecuteAdditionalData.getBase builds, minus database and push. */
export function createAdditionalData(
	credentialsHelper: ICredentialsHelper,
	extra: Partial<IWorkflowExecuteAdditionalData> = {},
): IWorkflowExecuteAdditionalData {
	const unsupported = (what: string) => async () => {
		throw new Error(`${what} is not available in the node test harness`);
	};
	return {
		credentialsHelper,
		executeWorkflow: unsupported('executeWorkflow'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: unsupported('startRunnerTask'),
		currentNodeExecutionIndex: 0,
		restApiUrl: `${BASE_URL}/rest`,
		instanceBaseUrl: `${BASE_URL}/`,
		formBaseUrl: `${BASE_URL}/form`,
		formWaitingBaseUrl: `${BASE_URL}/form-waiting`,
		formTestBaseUrl: `${BASE_URL}/form-test`,
		webhookBaseUrl: `${BASE_URL}/webhook`,
		webhookWaitingBaseUrl: `${BASE_URL}/webhook-waiting`,
		webhookTestBaseUrl: `${BASE_URL}/webhook-test`,
		mcpBaseUrl: `${BASE_URL}/mcp`,
		mcpTestBaseUrl: `${BASE_URL}/mcp-test`,
		variables: {},
		logAiEvent: () => {},
		...extra,
	} as IWorkflowExecuteAdditionalData;
}

// ---------------------------------------------------------------------------------------------
// HTTP side: what express + n8n's raw body reader and body parser hand to the webhook.

export interface PostbackCall {
	method: 'GET' | 'POST';
	/** The path after /webhook/ (defaults to the trigger's path parameter). */
	path?: string;
	/** The query, as a raw string (`a=1&b=2`) or name/value pairs. */
	query?: string | Record<string, string>;
	/** Raw body: objects are sent as JSON, strings and Buffers as they are. */
	body?: string | Buffer | Record<string, unknown>;
	contentType?: string;
	headers?: Record<string, string>;
	ip?: string;
}

/** The express request fields n8n and the node read, built like the server would for this call. */
export interface RecordedRequest {
	method: string;
	url: string;
	originalUrl: string;
	path: string;
	query: Record<string, unknown>;
	params: Record<string, string>;
	headers: Record<string, string>;
	rawBody: Buffer;
	body: unknown;
	contentType?: string;
	encoding: BufferEncoding;
	ip: string;
	ips: string[];
	cookies: Record<string, string>;
	get(name: string): string | undefined;
	header(name: string): string | undefined;
}

/** A response that records what the node wrote, with the express methods the node can call. */
export class RecordedResponse {
	statusCode = 200;
	headers: Record<string, string> = {};
	body: unknown = undefined;
	text: string | undefined = undefined;
	headersSent = false;
	writableEnded = false;
	readonly locals: Record<string, unknown> = {};

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	sendStatus(code: number): this {
		return this.status(code).send(String(code));
	}

	setHeader(name: string, value: string | number | readonly string[]): this {
		if (this.headersSent) throw new Error(`Cannot set header "${name}" after the response was sent`);
		this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
		return this;
	}

	set(name: string, value: string): this {
		return this.setHeader(name, value);
	}

	header(name: string, value: string): this {
		return this.setHeader(name, value);
	}

	getHeader(name: string): string | undefined {
		return this.headers[name.toLowerCase()];
	}

	json(body: unknown): this {
		if (!this.getHeader('content-type')) this.setHeader('content-type', 'application/json; charset=utf-8');
		this.body = body;
		return this.end(JSON.stringify(body));
	}

	send(body?: unknown): this {
		if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return this.json(body);
		this.body = body;
		return this.end(body === undefined ? '' : Buffer.isBuffer(body) ? body.toString('utf8') : String(body));
	}

	end(text?: string): this {
		if (this.writableEnded) throw new Error('The response was already sent');
		this.text = text ?? '';
		this.headersSent = true;
		this.writableEnded = true;
		return this;
	}
}

function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Body parsing as n8n's `parseBody` middleware does it for webhook calls (JSON, form, plain text; others stay raw). */
function parseBodyLikeN8n(rawBody: Buffer, contentType: string | undefined, encoding: BufferEncoding): unknown {
	if (rawBody.length === 0) return undefined;
	const text = rawBody.toString(encoding).replace(/^\uFEFF/, '');
	if (contentType === 'application/json') return JSON.parse(text);
	if (contentType === 'application/x-www-form-urlencoded') return parseQueryString(text);
	if (contentType === 'text/plain') return text;
	return undefined;
}

function buildRequest(call: PostbackCall, defaultPath: string): RecordedRequest {
	const path = (call.path ?? defaultPath).replace(/^\/+/, '');
	const rawQuery = typeof call.query === 'string' ? call.query : new URLSearchParams(call.query ?? {}).toString();
	const url = `/webhook/${path}${rawQuery ? `?${rawQuery}` : ''}`;

	let rawBody: Buffer = Buffer.alloc(0);
	let contentTypeHeader = call.contentType;
	if (Buffer.isBuffer(call.body)) rawBody = call.body;
	else if (typeof call.body === 'string') rawBody = Buffer.from(call.body, 'utf8');
	else if (call.body !== undefined) {
		rawBody = Buffer.from(JSON.stringify(call.body), 'utf8');
		contentTypeHeader ??= 'application/json';
	}

	const headers = lowerCaseHeaders({
		host: 'localhost:5678',
		'user-agent': 'postback-node-tests',
		...(contentTypeHeader ? { 'content-type': contentTypeHeader } : {}),
		...(rawBody.length > 0 ? { 'content-length': String(rawBody.length) } : {}),
		...(call.headers ?? {}),
	});
	// As @n8n/backend-network's parseIncomingMessage: the media type without parameters, and the charset.
	const [mediaType, ...parameters] = (headers['content-type'] ?? '').split(';');
	const charset = parameters
		.map((p) => p.trim().toLowerCase())
		.find((p) => p.startsWith('charset='))
		?.slice('charset='.length);
	const contentType = mediaType.trim().toLowerCase() || undefined;
	const encoding = (charset && Buffer.isEncoding(charset) ? charset : 'utf-8') as BufferEncoding;
	const ip = call.ip ?? '203.0.113.10';

	return {
		method: call.method,
		url,
		originalUrl: url,
		path: `/webhook/${path}`,
		// Express with n8n's 'extended' query parser; for flat postback parameters this is the same as querystring.
		query: parseQueryString(rawQuery) as Record<string, unknown>,
		params: {},
		headers,
		rawBody,
		body: parseBodyLikeN8n(rawBody, contentType, encoding),
		contentType,
		encoding,
		ip,
		ips: [],
		cookies: {},
		get: (name) => headers[name.toLowerCase()],
		header: (name) => headers[name.toLowerCase()],
	};
}

// ---------------------------------------------------------------------------------------------
// Workflow side.

export interface TriggerSetup {
	/** The trigger's parameters as saved in the workflow; n8n fills in the defaults. */
	parameters?: INodeParameters;
	/** Decrypted `postbackAuthApi` data: attached to the trigger and stored in the credential store. */
	credential?: ICredentialDataDecryptedObject;
	/** The type `credential` is stored and attached as (default postbackAuthApi). */
	credentialType?: string;
	/** The trigger's node version (default 1). */
	typeVersion?: number;
	/** The trigger's webhook ID (default TRIGGER_WEBHOOK_ID); null for a node without one. */
	webhookId?: string | null;
	/** How n8n runs the call: 'webhook' for the Production URL (default), 'manual' for the Test URL (TestWebhooks). */
	mode?: WorkflowExecuteMode;
}

/** The webhook ID the harness gives the trigger unless told otherwise. */
export const TRIGGER_WEBHOOK_ID = 'b8f1c9a4-2f6e-4c53-9d1e-6a0c2f3e7b11';

export interface PostbackRun {
	request: RecordedRequest;
	response: RecordedResponse;
	/** What `webhook()` returned. */
	webhookResult: IWebhookResponseData;
	/** The webhook n8n matched for the call (path and method). */
	webhook: IWebhookData;
	/** The WorkflowExecute run, when the trigger handed over workflow data. */
	run?: IRun;
	/** The trigger's two outputs as recorded in the run data ([] when the output carried nothing). */
	accepted: INodeExecutionData[];
	rejected: INodeExecutionData[];
	/** What the nodes connected to each output produced, undefined when the engine did not run them. */
	downstream: { accepted?: INodeExecutionData[]; rejected?: INodeExecutionData[] };
	/** Lifecycle hook calls, in order ("workflowExecuteBefore", "nodeExecuteAfter:On Accepted", …). */
	hookCalls: string[];
	credentialReads: StoredCredentialsHelper['reads'];
}

export const nodeTypes = new PackageNodeTypes();

export function buildWorkflowData(setup: TriggerSetup = {}): IWorkflowBase {
	const trigger: INode = {
		id: 'node-trigger',
		name: TRIGGER_NAME,
		type: TRIGGER_TYPE,
		typeVersion: setup.typeVersion ?? 1,
		position: [0, 0],
		...(setup.webhookId === null ? {} : { webhookId: setup.webhookId ?? TRIGGER_WEBHOOK_ID }),
		parameters: structuredClone(setup.parameters ?? {}),
		...(setup.credential ? { credentials: { [setup.credentialType ?? 'postbackAuthApi']: { id: CREDENTIAL_ID, name: 'Postback auth' } } } : {}),
	};
	const collect = (id: string, name: string, y: number): INode => ({
		id,
		name,
		type: COLLECT_TYPE,
		typeVersion: 1,
		position: [300, y],
		parameters: {},
	});
	const connections: IConnections = {
		[TRIGGER_NAME]: {
			main: [[{ node: ACCEPTED_NODE, type: 'main', index: 0 }], [{ node: REJECTED_NODE, type: 'main', index: 0 }]],
		},
	};
	const now = new Date();
	return {
		id: 'wf-postback-test',
		name: 'Postback trigger test',
		active: true,
		isArchived: false,
		createdAt: now,
		updatedAt: now,
		activeVersionId: 'v1',
		nodes: [trigger, collect('node-accepted', ACCEPTED_NODE, -100), collect('node-rejected', REJECTED_NODE, 100)],
		connections,
		settings: { executionOrder: 'v1' },
		staticData: {},
	};
}

function toWorkflow(data: IWorkflowBase): Workflow {
	return new Workflow({
		id: data.id,
		name: data.name,
		nodes: structuredClone(data.nodes),
		connections: data.connections,
		active: data.activeVersionId !== null,
		nodeTypes,
		staticData: data.staticData,
		settings: data.settings,
	});
}

/** Webhook registrations of a node, resolved like WebhookService.getNodeWebhooks. */
export function getNodeWebhooks(
	workflow: Workflow,
	node: INode,
	additionalData: IWorkflowExecuteAdditionalData,
	types: INodeTypes = nodeTypes,
): IWebhookData[] {
	const nodeType = types.getByNameAndVersion(node.type, node.typeVersion);
	const evaluate = (description: IWebhookDescription, property: string, fallback?: unknown): unknown => {
		const native = resolveWebhookDescriptionField(node, description, property);
		if (native.resolved) return native.value;
		return workflow.expression.getSimpleParameterValue(node, description[property], 'internal', {}, undefined, fallback as boolean | undefined);
	};
	const found: IWebhookData[] = [];
	for (const description of nodeType.description.webhooks ?? []) {
		let webhookPath = String(evaluate(description, 'path') ?? '')
			.trim()
			.replace(/^\//, '')
			.replace(/\/$/, '');
		const isFullPath = evaluate(description, 'isFullPath', false) as boolean;
		webhookPath = NodeHelpers.getNodeWebhookPath(workflow.id, node, webhookPath, isFullPath, false);
		const methods = String(evaluate(description, 'httpMethod', 'GET'));
		const isDynamic = webhookPath.split('/').some((segment) => segment.startsWith(':'));
		for (const method of methods
			.split(',')
			.map((m) => m.trim())
			.filter(Boolean)) {
			found.push({
				httpMethod: method as IHttpRequestMethods,
				node: node.name,
				path: webhookPath,
				webhookDescription: description,
				workflowId: workflow.id,
				workflowExecuteAdditionalData: additionalData,
				...(isDynamic ? { webhookId: node.webhookId } : {}),
			});
		}
	}
	return found;
}

/**
 * Matches a call to a registered webhook like the live-webhooks router: static paths compare whole;
 * dynamic ones are addressed as `<webhookId>/<path>` and fill `request.params` from `:name` segments.
 */
function matchWebhook(webhooks: IWebhookData[], request: RecordedRequest): IWebhookData {
	const requestPath = request.path.replace(/^\/webhook\//, '').replace(/\/$/, '');
	for (const webhook of webhooks.filter((w) => w.httpMethod === request.method)) {
		if (!webhook.webhookId) {
			if (webhook.path === requestPath) return webhook;
			continue;
		}
		const [webhookId, ...rest] = requestPath.split('/');
		const pattern = webhook.path.split('/');
		if (webhookId !== webhook.webhookId || rest.length !== pattern.length) continue;
		const params: Record<string, string> = {};
		const matches = pattern.every((segment, index) => {
			if (segment.startsWith(':')) {
				params[segment.slice(1)] = decodeURIComponent(rest[index]);
				return rest[index] !== '';
			}
			return segment === rest[index];
		});
		if (matches) {
			request.params = params;
			return webhook;
		}
	}
	const known = webhooks.map((w) => `${w.httpMethod} ${w.webhookId ? `${w.webhookId}/` : ''}${w.path}`).join(', ');
	throw new Error(`No webhook for ${request.method} ${requestPath} (registered: ${known})`);
}

function recordingHooks(mode: WorkflowExecuteMode, executionId: string, workflowData: IWorkflowBase, calls: string[]) {
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	let finished: IRun | undefined;
	hooks.addHandler('workflowExecuteBefore', () => {
		calls.push('workflowExecuteBefore');
	});
	hooks.addHandler('nodeExecuteBefore', (nodeName: string) => {
		calls.push(`nodeExecuteBefore:${nodeName}`);
	});
	hooks.addHandler('nodeExecuteAfter', (nodeName: string, _data: ITaskData) => {
		calls.push(`nodeExecuteAfter:${nodeName}`);
	});
	hooks.addHandler('workflowExecuteAfter', (run: IRun) => {
		calls.push('workflowExecuteAfter');
		finished = run;
	});
	return { hooks, finishedRun: () => finished };
}

function outputOf(run: IRun, nodeName: string, output = 0): INodeExecutionData[] | undefined {
	const task = run.data.resultData.runData[nodeName]?.[0];
	if (!task) return undefined;
	return task.data?.main?.[output] ?? [];
}

/**
 * Delivers one postback to a workflow holding the Postback Trigger, as the n8n server would for a
 * production webhook, and runs the workflow when the trigger starts it.
 */
export async function deliverPostback(setup: TriggerSetup, call: PostbackCall): Promise<PostbackRun> {
	const workflowData = buildWorkflowData(setup);
	const credentialsHelper = new StoredCredentialsHelper(
		setup.credential ? { [CREDENTIAL_ID]: { type: setup.credentialType ?? 'postbackAuthApi', data: setup.credential } } : {},
	);

	// 1. The webhook call (LiveWebhooks.executeWebhook → WebhookHelpers.executeWebhook → WebhookService.runWebhook).
	const workflow = toWorkflow(workflowData);
	const startNode = workflow.getNode(TRIGGER_NAME)!;
	const webhookAdditionalData = createAdditionalData(credentialsHelper);
	const webhooks = getNodeWebhooks(workflow, startNode, webhookAdditionalData);
	const request = buildRequest(call, String(startNode.parameters.path ?? ''));
	const webhook = matchWebhook(webhooks, request);
	const response = new RecordedResponse();
	webhookAdditionalData.httpRequest = request as unknown as IWorkflowExecuteAdditionalData['httpRequest'];
	webhookAdditionalData.httpResponse = response as unknown as IWorkflowExecuteAdditionalData['httpResponse'];

	const nodeType = nodeTypes.getByNameAndVersion(startNode.type, startNode.typeVersion);
	if (!nodeType.webhook) throw new Error('The trigger has no webhook() method');
	const closeFunctions: Array<() => Promise<void>> = [];
	const mode = setup.mode ?? 'webhook';
	const context = new WebhookContext(workflow, startNode, webhookAdditionalData, mode, webhook, closeFunctions, null);
	let webhookResult: IWebhookResponseData;
	try {
		webhookResult = await nodeType.webhook.call(context);
	} finally {
		await Promise.allSettled(closeFunctions.map(async (close) => await close()));
	}

	const result: PostbackRun = {
		request,
		response,
		webhookResult,
		webhook,
		accepted: [],
		rejected: [],
		downstream: {},
		hookCalls: [],
		credentialReads: credentialsHelper.reads,
	};
	if (webhookResult.workflowData === undefined) return result;

	// 2. The run (WebhookHelpers.prepareExecutionData → WorkflowRunner → WorkflowExecute.processRunExecutionData).
	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: webhookResult.workflowData }, source: null }],
		},
	});
	const executionId = randomUUID();
	const { hooks, finishedRun } = recordingHooks(mode, executionId, workflowData, result.hookCalls);
	const runAdditionalData = createAdditionalData(credentialsHelper, { executionId, workflowId: workflow.id, hooks });
	const runWorkflow = toWorkflow(workflowData);
	const run = await new WorkflowExecute(runAdditionalData, mode, runExecutionData).processRunExecutionData(runWorkflow);
	if (run.data.resultData.error) throw run.data.resultData.error;
	if (finishedRun() !== run) throw new Error('workflowExecuteAfter did not report the run');

	result.run = run;
	result.accepted = outputOf(run, TRIGGER_NAME, 0) ?? [];
	result.rejected = outputOf(run, TRIGGER_NAME, 1) ?? [];
	result.downstream = { accepted: outputOf(run, ACCEPTED_NODE), rejected: outputOf(run, REJECTED_NODE) };
	return result;
}

/**
 * Runs the credential's Test button the way n8n's CredentialsTester does for a function test:
 * finds the node that declares `testedBy` for the type, applies the type's defaults to the data,
 * and calls the function with n8n-core's CredentialTestContext as `this`.
 */
export async function testCredential(type: string, data: ICredentialDataDecryptedObject): Promise<INodeCredentialTestResult> {
	for (const nodeType of nodeTypes.all()) {
		const declared = nodeType.description.credentials?.find((credential) => credential.name === type);
		if (!declared || typeof declared.testedBy !== 'string') continue;
		const testFunction = nodeType.methods?.credentialTest?.[declared.testedBy];
		if (!testFunction) throw new Error(`Node "${nodeType.description.name}" names test "${declared.testedBy}" but does not define it`);
		const credentials: ICredentialsDecrypted = { id: CREDENTIAL_ID, name: 'Postback auth', type, data: withCredentialDefaults(type, data) };
		const context = new CredentialTestContext(createAdditionalData(new StoredCredentialsHelper({})));
		return await testFunction.call(context, credentials);
	}
	throw new Error(`No node declares a credential test for "${type}"`);
}

// ---------------------------------------------------------------------------------------------
// Workflows beyond the trigger's two Collect nodes (added for the Conversion Funnel tests; the
// functions above are unchanged). The same n8n-core machinery: WebhookContext for the trigger,
// WorkflowExecute for the run, with more node types registered next to the package's.

/** The package's node types plus `extra` (type name → node), as the NodeTypes service would hand them out. */
export class NodeTypesWith implements INodeTypes {
	constructor(private readonly extra: Record<string, INodeType>) {}

	getByName(type: string): INodeType {
		return this.extra[type] ?? nodeTypes.getByName(type);
	}

	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

function toWorkflowWith(data: IWorkflowBase, types: INodeTypes): Workflow {
	return new Workflow({
		id: data.id,
		name: data.name,
		nodes: structuredClone(data.nodes),
		connections: data.connections,
		active: data.activeVersionId !== null,
		nodeTypes: types,
		staticData: data.staticData,
		settings: data.settings,
	});
}

/** A workflow around the given nodes (with their connections), in the shape the server stores. */
export function workflowOf(nodes: INode[], connections: IConnections, name = 'Package workflow test'): IWorkflowBase {
	const now = new Date();
	return {
		id: 'wf-package-test',
		name,
		active: true,
		isArchived: false,
		createdAt: now,
		updatedAt: now,
		activeVersionId: 'v1',
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
		staticData: {},
	};
}

/**
 * Runs a workflow with `items` as the input of `startNode` (each entry one input of the node), as
 * WorkflowExecute does for a node whose data is on the execution stack. The run's error, if any, is
 * left in `run.data.resultData.error` for the test to inspect.
 */
export async function runWorkflowFrom(
	workflowData: IWorkflowBase,
	startNode: string,
	items: INodeExecutionData[][],
	extraNodeTypes: Record<string, INodeType> = {},
	mode: WorkflowExecuteMode = 'manual',
): Promise<IRun> {
	const types = new NodeTypesWith(extraNodeTypes);
	const workflow = toWorkflowWith(workflowData, types);
	const node = workflow.getNode(startNode);
	if (!node) throw new Error(`No node "${startNode}" in the workflow`);
	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node, data: { main: items }, source: null }] },
	});
	const executionId = randomUUID();
	const { hooks } = recordingHooks(mode, executionId, workflowData, []);
	const additionalData = createAdditionalData(new StoredCredentialsHelper({}), { executionId, workflowId: workflow.id, hooks });
	return await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
}

/**
 * Delivers one postback to a workflow whose trigger is the Postback Trigger named TRIGGER_NAME and
 * runs whatever is connected after it, like deliverPostback but for any workflow. The run's error, if
 * any, is left in the run for the test to inspect.
 */
export async function deliverPostbackTo(
	workflowData: IWorkflowBase,
	call: PostbackCall,
	extraNodeTypes: Record<string, INodeType> = {},
): Promise<{ request: RecordedRequest; response: RecordedResponse; webhookResult: IWebhookResponseData; run?: IRun }> {
	const types = new NodeTypesWith(extraNodeTypes);
	const credentialsHelper = new StoredCredentialsHelper({});
	const workflow = toWorkflowWith(workflowData, types);
	const startNode = workflow.getNode(TRIGGER_NAME);
	if (!startNode) throw new Error(`The workflow has no node named "${TRIGGER_NAME}"`);
	const webhookAdditionalData = createAdditionalData(credentialsHelper);
	const request = buildRequest(call, String(startNode.parameters.path ?? ''));
	const webhook = matchWebhook(getNodeWebhooks(workflow, startNode, webhookAdditionalData), request);
	const response = new RecordedResponse();
	webhookAdditionalData.httpRequest = request as unknown as IWorkflowExecuteAdditionalData['httpRequest'];
	webhookAdditionalData.httpResponse = response as unknown as IWorkflowExecuteAdditionalData['httpResponse'];

	const nodeType = types.getByNameAndVersion(startNode.type, startNode.typeVersion);
	if (!nodeType.webhook) throw new Error('The trigger has no webhook() method');
	const closeFunctions: Array<() => Promise<void>> = [];
	const context = new WebhookContext(workflow, startNode, webhookAdditionalData, 'webhook', webhook, closeFunctions, null);
	let webhookResult: IWebhookResponseData;
	try {
		webhookResult = await nodeType.webhook.call(context);
	} finally {
		await Promise.allSettled(closeFunctions.map(async (close) => await close()));
	}
	if (webhookResult.workflowData === undefined) return { request, response, webhookResult };
	const run = await runWorkflowFrom(workflowData, TRIGGER_NAME, webhookResult.workflowData, extraNodeTypes, 'webhook');
	return { request, response, webhookResult, run };
}

/** A node's items on one output in a run ([] when the output carried nothing, undefined when the node did not run). */
export function outputOfNode(run: IRun, nodeName: string, output = 0): INodeExecutionData[] | undefined {
	return outputOf(run, nodeName, output);
}

// ---------------------------------------------------------------------------------------------
// Any webhook trigger by name (added for the Click Tracker tests; nothing above changed): the same
// WebhookContext call as deliverPostbackTo, then WorkflowExecute through runWorkflowFrom.

export interface WebhookDelivery {
	request: RecordedRequest;
	response: RecordedResponse;
	webhookResult: IWebhookResponseData;
	/** The webhook n8n matched for the call (path and method). */
	webhook: IWebhookData;
	/** The run, when the trigger handed over workflow data; its error (if any) is left in it. */
	run?: IRun;
}

/** Delivers one HTTP call to the webhook trigger `triggerName` of a workflow and runs what follows it. */
export async function deliverWebhookTo(
	workflowData: IWorkflowBase,
	triggerName: string,
	call: PostbackCall,
	extraNodeTypes: Record<string, INodeType> = {},
): Promise<WebhookDelivery> {
	const types = new NodeTypesWith(extraNodeTypes);
	const workflow = toWorkflowWith(workflowData, types);
	const startNode = workflow.getNode(triggerName);
	if (!startNode) throw new Error(`The workflow has no node named "${triggerName}"`);
	const additionalData = createAdditionalData(new StoredCredentialsHelper({}));
	const request = buildRequest(call, String(startNode.parameters.path ?? ''));
	const webhook = matchWebhook(getNodeWebhooksWith(workflow, startNode, additionalData, types), request);
	const response = new RecordedResponse();
	additionalData.httpRequest = request as unknown as IWorkflowExecuteAdditionalData['httpRequest'];
	additionalData.httpResponse = response as unknown as IWorkflowExecuteAdditionalData['httpResponse'];

	const nodeType = types.getByNameAndVersion(startNode.type, startNode.typeVersion);
	if (!nodeType.webhook) throw new Error(`"${triggerName}" has no webhook() method`);
	const closeFunctions: Array<() => Promise<void>> = [];
	const context = new WebhookContext(workflow, startNode, additionalData, 'webhook', webhook, closeFunctions, null);
	let webhookResult: IWebhookResponseData;
	try {
		webhookResult = await nodeType.webhook.call(context);
	} finally {
		await Promise.allSettled(closeFunctions.map(async (close) => await close()));
	}
	if (webhookResult.workflowData === undefined) return { request, response, webhookResult, webhook };
	const run = await runWorkflowFrom(workflowData, triggerName, webhookResult.workflowData, extraNodeTypes, 'webhook');
	return { request, response, webhookResult, webhook, run };
}

/** getNodeWebhooks for node types outside the package map (the same resolution, another INodeTypes). */
function getNodeWebhooksWith(workflow: Workflow, node: INode, additionalData: IWorkflowExecuteAdditionalData, types: INodeTypes): IWebhookData[] {
	return getNodeWebhooks(workflow, node, additionalData, types);
}

// ---------------------------------------------------------------------------------------------
// Destination nodes (added for the Meta, TikTok and Google Ads node tests; nothing above changed):
// a credential store that also knows the destination credential types, with the answers n8n's
// CredentialsHelper gives for them (parent types from `extends`, properties merged with the parent's,
// generic `authenticate` rules, no pre-authentication), and a run that uses it.

/**
 * Stand-in for n8n-nodes-base's `oAuth2Api` (not installed here): the fields of it that n8n-core's OAuth2
 * request path reads. A child type's own properties (grantType, URLs, scope…) override these, as in n8n.
 */
const OAUTH2_API_STAND_IN: ICredentialType = {
	name: 'oAuth2Api',
	displayName: 'OAuth2 API',
	properties: [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'string', default: '' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'string', default: '' },
		{ displayName: 'Client ID', name: 'clientId', type: 'string', default: '' },
		{ displayName: 'Client Secret', name: 'clientSecret', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Scope', name: 'scope', type: 'string', default: '' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'string', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'header' },
		{ displayName: 'Ignore SSL Issues', name: 'ignoreSSLIssues', type: 'boolean', default: false },
	],
};

/**
 * Every credential type of the package (each class exported by a file package.json's n8n manifest lists, the
 * platforms' generated ones included, by its `name`), so a new platform's credential needs no line here; plus
 * n8n's own OAuth2 parent.
 */
const destinationCredentialTypes: Record<string, ICredentialType> = (() => {
	const root = join(__dirname, '..', '..');
	const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { n8n: { credentials: string[] } };
	const types: Record<string, ICredentialType> = { oAuth2Api: OAUTH2_API_STAND_IN };
	for (const entry of manifest.n8n.credentials) {
		const source = join(root, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		for (const exported of Object.values(require(source) as Record<string, unknown>)) {
			if (typeof exported !== 'function') continue;
			const instance = new (exported as new () => ICredentialType)();
			if (typeof instance.name === 'string') types[instance.name] = instance;
		}
	}
	return types;
})();

/** The credential class for a type name the destination harness knows. */
export function destinationCredentialType(type: string): ICredentialType {
	const credentialType = destinationCredentialTypes[type];
	if (!credentialType) throw new Error(`Unknown credential type "${type}"`);
	return credentialType;
}

/** Every type `type` extends, nearest first (CredentialTypes.getParentTypes). */
export function credentialParentTypes(type: string): string[] {
	const parents = destinationCredentialTypes[type]?.extends ?? [];
	return parents.flatMap((parent) => [parent, ...credentialParentTypes(parent)]);
}

/** The type's properties with its parents' (a child's property of the same name wins), as CredentialsHelper.getCredentialsProperties. */
export function credentialProperties(type: string): INodeProperties[] {
	const own = destinationCredentialType(type).properties;
	const inherited = (destinationCredentialTypes[type]?.extends ?? []).flatMap((parent) => credentialProperties(parent));
	const ownNames = new Set(own.map((property) => property.name));
	return [...inherited.filter((property) => !ownNames.has(property.name)), ...own];
}

/** Defaults applied like CredentialsHelper.applyDefaultsAndOverwrites, which also keeps `oauthTokenData` (it is no property). */
export function withDestinationCredentialDefaults(type: string, data: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject {
	const withDefaults = NodeHelpers.getNodeParameters(
		credentialProperties(type),
		data as INodeParameters,
		true,
		false,
		null,
		null,
	) as ICredentialDataDecryptedObject;
	if (data.oauthTokenData !== undefined) withDefaults.oauthTokenData = data.oauthTokenData;
	return withDefaults;
}

/** Resolves `={{$credentials.…}}` expressions of a credential definition the way CredentialsHelper does, with the workflow's expression engine. */
function resolveWithCredentials(value: unknown, credentials: ICredentialDataDecryptedObject, workflow: Workflow, node: INode): unknown {
	if (typeof value === 'string') {
		if (!value.startsWith('=')) return value;
		return workflow.expression.getParameterValue(value, null, 0, 0, node.name, [], 'internal', { $credentials: credentials } as never);
	}
	if (Array.isArray(value)) return value.map((entry) => resolveWithCredentials(entry, credentials, workflow, node));
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, resolveWithCredentials(entry, credentials, workflow, node)]));
	}
	return value;
}

/** Applies a credential type's generic `authenticate` rules (headers, qs, body, auth) to request options, as CredentialsHelper.authenticate. */
export function applyGenericAuthentication(
	type: string,
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
	workflow: Workflow,
	node: INode,
): IHttpRequestOptions {
	const authenticate = destinationCredentialType(type).authenticate;
	if (authenticate === undefined) return requestOptions;
	if (typeof authenticate === 'function' || authenticate.type !== 'generic') {
		throw new Error(`Credential type "${type}" has a non-generic authenticate, which the harness does not apply`);
	}
	const options = { ...requestOptions } as IHttpRequestOptions & Record<string, unknown>;
	for (const [target, values] of Object.entries(authenticate.properties) as Array<[string, IDataObject]>) {
		const resolved = resolveWithCredentials(values, credentials, workflow, node) as IDataObject;
		options[target] = { ...((options[target] as IDataObject | undefined) ?? {}), ...resolved };
	}
	return options;
}

/**
 * The credential store: the server decrypts from its database, we keep decrypted data in memory. It knows
 * every credential type of the package (with their parents and generic authenticate rules).
 */
export class DestinationCredentialsHelper extends ICredentialsHelper {
	readonly reads: Array<{ id: string | null; type: string; mode: WorkflowExecuteMode }> = [];
	/** OAuth2 token data n8n-core saved after a refresh: what the server would write back to its database. */
	readonly tokenUpdates: Array<{ type: string; oauthTokenData: unknown }> = [];

	constructor(private readonly entries: Record<string, { type: string; data: ICredentialDataDecryptedObject }>) {
		super();
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('getCredentials is not used by the destination nodes');
	}

	async updateCredentials(): Promise<void> {
		throw new Error('updateCredentials is not used by the destination nodes');
	}

	getParentTypes(type: string): string[] {
		return credentialParentTypes(type);
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
	): Promise<ICredentialDataDecryptedObject> {
		this.reads.push({ id: nodeCredentials.id, type, mode });
		const entry = nodeCredentials.id === null ? undefined : this.entries[nodeCredentials.id];
		if (!entry || entry.type !== type) throw new Error(`Credential with ID "${nodeCredentials.id}" of type "${type}" does not exist.`);
		return withDestinationCredentialDefaults(type, structuredClone(entry.data));
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return credentialProperties(type);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		return applyGenericAuthentication(typeName, credentials, requestOptions, workflow, node);
	}

	/** None of the destination credential types declares `preAuthentication`. */
	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async updateCredentialsOauthTokenData(nodeCredentials: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		this.tokenUpdates.push({ type, oauthTokenData: structuredClone(data.oauthTokenData) });
		const entry = nodeCredentials.id === null ? undefined : this.entries[nodeCredentials.id];
		if (entry) entry.data = { ...entry.data, oauthTokenData: data.oauthTokenData };
	}
}

/** The one credential store, under the name the trigger tests use. */
export const StoredCredentialsHelper = DestinationCredentialsHelper;
export type StoredCredentialsHelper = DestinationCredentialsHelper;

/**
 * runWorkflowFrom with stored credentials (credential id → type and decrypted data); the nodes name them in
 * `credentials` as the editor saves them. Returns the run and the credential store, for its reads and token updates.
 */
export async function runWorkflowWithCredentials(
	workflowData: IWorkflowBase,
	startNode: string,
	items: INodeExecutionData[][],
	stored: Record<string, { type: string; data: ICredentialDataDecryptedObject }>,
	extraNodeTypes: Record<string, INodeType> = {},
	mode: WorkflowExecuteMode = 'manual',
): Promise<{ run: IRun; credentials: DestinationCredentialsHelper }> {
	const types = new NodeTypesWith(extraNodeTypes);
	const workflow = toWorkflowWith(workflowData, types);
	const node = workflow.getNode(startNode);
	if (!node) throw new Error(`No node "${startNode}" in the workflow`);
	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node, data: { main: items }, source: null }] },
	});
	const executionId = randomUUID();
	const { hooks } = recordingHooks(mode, executionId, workflowData, []);
	const credentials = new DestinationCredentialsHelper(stored);
	const additionalData = createAdditionalData(credentials, { executionId, workflowId: workflow.id, hooks });
	const run = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
	return { run, credentials };
}

export interface CredentialTestRequestResult {
	/** What CredentialsTester would report: OK, or Error with the first matching rule's message. */
	status: 'OK' | 'Error';
	message: string;
	/** The answer to the request. */
	statusCode: number;
	body: unknown;
	/** The request as sent (after expressions and `authenticate`). */
	url: string;
	headers: Record<string, string>;
}

/**
 * Runs a credential type's declarative Test request (`test.request`) as n8n's CredentialsTester does for it,
 * without the CLI package: expressions resolved with `$credentials` (defaults applied), the type's generic
 * `authenticate` rules applied, the request sent with fetch, and the `rules` checked (responseCode,
 * responseSuccessBody). An OAuth2 type's test request carries its own Authorization header expression.
 */
export async function runCredentialTestRequest(type: string, data: ICredentialDataDecryptedObject): Promise<CredentialTestRequestResult> {
	const credentialType = destinationCredentialType(type);
	const test = credentialType.test;
	if (!test) throw new Error(`Credential type "${type}" declares no test request`);
	const credentials = withDestinationCredentialDefaults(type, data);
	const node: INode = { id: 'credential-test', name: 'Credential test', type: COLLECT_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
	const workflow = toWorkflowWith(workflowOf([node], {}, 'Credential test'), new NodeTypesWith({}));
	const request = resolveWithCredentials(test.request, credentials, workflow, node) as IHttpRequestOptions & { baseURL?: string };
	const options = applyGenericAuthentication(type, credentials, { ...request, url: request.url ?? '' }, workflow, node);
	const url = new URL(`${String(request.baseURL ?? '').replace(/\/+$/, '')}${options.url}`);
	for (const [key, value] of Object.entries((options.qs ?? {}) as IDataObject)) url.searchParams.set(key, String(value));
	const headers = Object.fromEntries(Object.entries((options.headers ?? {}) as IDataObject).map(([key, value]) => [key, String(value)]));
	const requestBody = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
	const response = await fetch(url, {
		method: options.method ?? 'GET',
		headers: requestBody === undefined || typeof options.body === 'string' ? headers : { 'content-type': 'application/json', ...headers },
		...(requestBody === undefined ? {} : { body: requestBody }),
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// keep the text
	}
	const result: CredentialTestRequestResult = {
		status: 'OK',
		message: 'Connection successful!',
		statusCode: response.status,
		body,
		url: url.toString(),
		headers,
	};
	if (response.status >= 400) {
		return { ...result, status: 'Error', message: `Authorization failed - please check your credentials (HTTP ${response.status})` };
	}
	for (const rule of test.rules ?? []) {
		if (rule.type === 'responseCode' && response.status === rule.properties.value) return { ...result, status: 'Error', message: rule.properties.message };
		if (rule.type === 'responseSuccessBody') {
			const actual = rule.properties.key.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as IDataObject)[key] : undefined), body);
			if (actual === rule.properties.value) return { ...result, status: 'Error', message: rule.properties.message };
		}
	}
	return result;
}

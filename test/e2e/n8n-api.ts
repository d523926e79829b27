/** Helpers for tests that talk to the real n8n started by global-setup.js. */

export interface StartedWorkflow {
	id: string;
	name: string;
	webhookUrls: string[];
}

export const baseUrl = (): string => {
	const url = process.env.E2E_N8N_BASE_URL;
	if (!url) throw new Error('E2E_N8N_BASE_URL is not set: the e2e global setup did not start n8n');
	return url;
};

export function workflowNamed(name: string): StartedWorkflow {
	const workflows = JSON.parse(process.env.E2E_N8N_WORKFLOWS ?? '[]') as StartedWorkflow[];
	const found = workflows.find((workflow) => workflow.name === name);
	if (!found) throw new Error(`workflow "${name}" was not started; have: ${workflows.map((w) => w.name).join(', ')}`);
	return found;
}

/**
 * fetch to n8n, sent again when it went out on a kept-alive socket n8n had already closed ("other side
 * closed": jest runs a lone test file in the process that ran the global setup, whose idle sockets n8n drops
 * after its keep-alive timeout). Such a request never reached n8n, so sending it again is safe.
 */
export async function n8nFetch(url: string, init?: RequestInit): Promise<Response> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fetch(url, init);
		} catch (error) {
			const code = (error as { cause?: { code?: string } }).cause?.code;
			if (code !== 'UND_ERR_SOCKET' || attempt >= 3) throw error;
		}
	}
}

async function api<T>(path: string): Promise<T> {
	const response = await n8nFetch(`${baseUrl()}/api/v1${path}`, { headers: { 'X-N8N-API-KEY': process.env.E2E_N8N_API_KEY ?? '' } });
	if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
	return (await response.json()) as T;
}

interface ExecutionItem {
	json: Record<string, unknown>;
	pairedItem?: unknown;
}
interface RunData {
	[nodeName: string]: Array<{ data?: { main?: Array<ExecutionItem[] | null> } }>;
}
export interface Execution {
	id: string;
	status: string;
	data?: { resultData?: { runData?: RunData; error?: unknown } };
}

/** The items a node put on each of its outputs in one execution. */
export function outputsOf(execution: Execution, nodeName: string): ExecutionItem[][] {
	const runs = execution.data?.resultData?.runData?.[nodeName];
	if (!runs || runs.length === 0) return [];
	return (runs[0].data?.main ?? []).map((items) => items ?? []);
}

/** Waits until an execution of the workflow satisfies `matches` (executions are saved just after the answer). */
export async function waitForExecution(workflowId: string, matches: (execution: Execution) => boolean, timeoutMs = 20000): Promise<Execution> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const page = await api<{ data: Execution[] }>(`/executions?workflowId=${workflowId}&includeData=true&limit=50`);
		const found = page.data.find((execution) => execution.status !== 'running' && execution.status !== 'new' && matches(execution));
		if (found) return found;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`no matching execution of workflow ${workflowId} within ${timeoutMs} ms`);
}

/** Waits until `count` executions of the workflow satisfy `matches`, and returns them. */
export async function waitForExecutions(
	workflowId: string,
	matches: (execution: Execution) => boolean,
	count: number,
	timeoutMs = 60000,
): Promise<Execution[]> {
	const deadline = Date.now() + timeoutMs;
	let found: Execution[] = [];
	while (Date.now() < deadline) {
		const page = await api<{ data: Execution[] }>(`/executions?workflowId=${workflowId}&includeData=true&limit=250`);
		found = page.data.filter((execution) => execution.status !== 'running' && execution.status !== 'new' && matches(execution));
		if (found.length >= count) return found;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	throw new Error(`only ${found.length} of ${count} matching executions of workflow ${workflowId} within ${timeoutMs} ms`);
}

/** A value unique to this test run, so executions from other tests never match. */
export function uniqueId(prefix: string): string {
	return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** A call to n8n's public API (`/api/v1`) with the e2e API key; throws on a non-2xx answer. */
export async function publicApi<T>(method: string, path: string, body?: unknown): Promise<T> {
	const response = await n8nFetch(`${baseUrl()}/api/v1${path}`, {
		method,
		headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': process.env.E2E_N8N_API_KEY ?? '' },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} /api/v1${path}: ${response.status} ${text}`);
	return (text ? JSON.parse(text) : undefined) as T;
}

/** Creates a workflow through the public API, activates it and waits until its webhook paths answer. */
export async function startWorkflow(workflow: Record<string, unknown>, webhookPaths: string[], method = 'GET'): Promise<string> {
	const created = await publicApi<{ id: string }>('POST', '/workflows', workflow);
	await publicApi('POST', `/workflows/${created.id}/activate`);

	const deadline = Date.now() + 30000;
	for (const path of webhookPaths) {
		while (
			Date.now() < deadline &&
			(
				await n8nFetch(`${baseUrl()}/webhook/${path}`, {
					method,
					redirect: 'manual',
					...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '[]' } : {}),
				})
			).status === 404
		) {
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}
	return created.id;
}

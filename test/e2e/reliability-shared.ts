/**
 * Helpers for the reliability suite (reliability-*.e2e.test.ts): every request a test sends carries a marker,
 * and the executions n8n saved are read back through the public API to see on which output of which node each
 * marker arrived, so sent requests and workflow outcomes can be counted exactly.
 */
import { baseUrl, n8nFetch, publicApi, type Execution } from './n8n-api';

export const node = (
	name: string,
	type: string,
	typeVersion: number,
	parameters: Record<string, unknown>,
	position: [number, number],
	extra: Record<string, unknown> = {},
) => ({
	id: `rel-${name.toLowerCase().replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2, 8)}`,
	name,
	type,
	typeVersion,
	position,
	parameters,
	...extra,
});

export const TRIGGER = 'n8n-nodes-postback.postbackTrigger';
export const FUNNEL = 'n8n-nodes-postback.conversionFunnel';
export const NOOP = 'n8n-nodes-base.noOp';

/** Markers look like `M<run>_<n>_E`, so one regular expression finds every marker in an execution's data. */
export class Markers {
	private next = 0;
	constructor(readonly run: string) {}
	make(): string {
		return `M${this.run}_${this.next++}_E`;
	}
	find(text: string): string[] {
		return text.match(new RegExp(`M${this.run}_\\d+_E`, 'g')) ?? [];
	}
}

/** Where one marker was seen: the node and the output index (0 = Accepted / Sent, 1 = Rejected / Failed, …). */
export interface Sighting {
	executionId: string;
	status: string;
	node: string;
	output: number;
}

interface RunData {
	[nodeName: string]: Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } }>;
}

/**
 * Reads every finished execution of the workflow (each fetched with its data once) and maps each marker to the
 * node outputs it appeared on. Polls until `done(sightings)` holds or the time runs out (n8n saves executions
 * just after it answers, asynchronously).
 */
export class ExecutionReader {
	private readonly seen = new Map<string, Execution>();
	constructor(
		private readonly workflowId: string,
		private readonly markers: Markers,
	) {}

	private async refresh(): Promise<void> {
		let cursor: string | undefined;
		const pending: string[] = [];
		do {
			const page = await publicApi<{ data: Array<{ id: string; status: string; finished?: boolean }>; nextCursor?: string | null }>(
				'GET',
				`/executions?workflowId=${this.workflowId}&limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
			);
			for (const summary of page.data) {
				if (this.seen.has(summary.id) || summary.status === 'running' || summary.status === 'new' || summary.status === 'waiting') continue;
				pending.push(summary.id);
			}
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		for (const id of pending) {
			try {
				this.seen.set(id, await publicApi<Execution>('GET', `/executions/${id}?includeData=true`));
			} catch (error) {
				// n8n saved the execution but cannot hand its data back (seen with 10,000-level JSON): keep what it can give.
				const summary = await publicApi<Execution>('GET', `/executions/${id}`);
				this.seen.set(id, summary);
				this.unreadable.set(id, { status: summary.status, error: (error as Error).message.slice(0, 200) });
			}
		}
	}

	/** Executions whose data n8n's public API could not return, with their status and the API's answer. */
	readonly unreadable = new Map<string, { status: string; error: string }>();

	/** Marker → where it was seen, over every execution read so far. */
	sightings(): Map<string, Sighting[]> {
		const found = new Map<string, Sighting[]>();
		for (const execution of this.seen.values()) {
			const runData = (execution.data?.resultData?.runData ?? {}) as RunData;
			for (const [nodeName, runs] of Object.entries(runData)) {
				const main = runs[0]?.data?.main ?? [];
				main.forEach((items, output) => {
					if (!items || items.length === 0) return;
					for (const marker of new Set(this.markers.find(JSON.stringify(items)))) {
						const list = found.get(marker) ?? [];
						list.push({ executionId: execution.id, status: execution.status, node: nodeName, output });
						found.set(marker, list);
					}
				});
			}
		}
		return found;
	}

	executions(): Execution[] {
		return [...this.seen.values()];
	}

	async waitUntil(done: (sightings: Map<string, Sighting[]>) => boolean, timeoutMs = 60000): Promise<Map<string, Sighting[]>> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			await this.refresh();
			const sightings = this.sightings();
			if (done(sightings) || Date.now() > deadline) return sightings;
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
	}
}

/** n8n's liveness endpoint: 200 {"status":"ok"} while the process is up. */
export async function healthy(): Promise<boolean> {
	const response = await n8nFetch(`${baseUrl()}/healthz`);
	return response.status === 200 && ((await response.json()) as { status?: string }).status === 'ok';
}

/** Runs `task` over `inputs` with at most `limit` in flight. */
export async function mapLimit<T, R>(inputs: T[], limit: number, task: (input: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(inputs.length);
	let next = 0;
	const worker = async () => {
		while (next < inputs.length) {
			const index = next++;
			results[index] = await task(inputs[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
	return results;
}

/** A small deterministic PRNG (mulberry32), so fault patterns and payloads repeat from a seed. */
export function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

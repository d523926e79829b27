import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStore } from '../../src/store';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../fakes/meta';
import { PAYPAL_FAKE_CLIENT_ID, PAYPAL_FAKE_CLIENT_SECRET, type PayPalFake, startPayPalFake } from '../fakes/paypal';
import { startTogether } from '../fakes/start-together';
import { type Execution, outputsOf } from './n8n-api';
import { type QueueCluster, queueModeAvailable, startQueueCluster } from './queue-cluster';

/**
 * Issue 7: n8n in queue mode, end to end. This file starts its own cluster (main, a webhook process, two workers;
 * n8n on PostgreSQL, Bull on Redis; see queue-cluster.ts) independent of the suite's single n8n, and sends
 * postbacks to the webhook process:
 *  1. a duplicate storm (1,000 postbacks, 200 transactions × 5, shuffled, 50 in flight) through Postback Trigger →
 *     Conversion Funnel (PostgreSQL store) → Meta reaches the Meta fake exactly once per transaction; the same storm
 *     through n8n's own Webhook → Remove Duplicates (previous executions) → HTTP Request is counted beside it;
 *  2. a worker SIGKILLed mid-storm: every accepted postback is forwarded once or is a failed/crashed execution
 *     in n8n's list at first (the Meta node and Send Postback to a partner sit side by side);
 *     the workflow's Redelivery Trigger (issue 16; grace shortened by POSTBACK_REDELIVERY_GRACE_SECONDS) then brings
 *     back what the dead worker left undone (postbacks journaled by the trigger and never decided go to the Funnel,
 *     outbox entries of the Funnel or the Meta node go to Meta), so every accepted postback reaches Meta exactly once;
 *  3. two Affiliate Payouts runs at the same moment on different workers pay each affiliate once.
 *
 * Counts and timings are printed as `[queue-mode] …` lines (and one RESULTS line) for the closing notes. Set
 * QUEUE_E2E_LOGS=<dir> to keep every n8n process's log tail there. The cluster runs n8n's `legacy` expression
 * engine (about 3× faster per webhook than the default `vm` one on this 2-core machine); nothing here depends on it.
 */
const SUITE = 'queue mode e2e (issue 7)';
const available = queueModeAvailable(SUITE);
const describeQueue = available ? describe : describe.skip;

const say = (message: string) => process.stderr.write(`[queue-mode] ${message}\n`);
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bull's job lock and stalled-job check on the workers, shortened from n8n's 60 s / 30 s so a dead worker is noticed within the test. */
const LOCK_DURATION_MS = 10000;
const STALLED_INTERVAL_MS = 4000;
/**
 * The redelivery grace period (POSTBACK_REDELIVERY_GRACE_SECONDS, an operator setting; 10 minutes by default) on
 * every process: an outbox entry a dead worker left pending falls due this long after it was written. It stays
 * well above a Meta send's time under the storm's load, so the trigger never takes a send still under way.
 */
const REDELIVERY_GRACE_SECONDS = 30;

let cluster: QueueCluster;
let meta: MetaFake;
let paypal: PayPalFake;
let counter: { url: string; hits: string[]; times: number[]; close(): Promise<void> };
let storeCredential: { id: string; name: string };
let metaCredential: { id: string; name: string };
const results: Record<string, unknown> = {};

const node = (name: string, type: string, parameters: Record<string, unknown>, position: [number, number], extra: Record<string, unknown> = {}) => ({
	id: `qm-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});
const uuid = (n: number) => `9e000000-0000-4000-8000-${run.padStart(8, '0').slice(-8)}${String(n).padStart(4, '0')}`;

/** A plain server that counts what n8n's HTTP Request node sends it. */
async function startCounter(): Promise<{ url: string; hits: string[]; times: number[]; close(): Promise<void> }> {
	const hits: string[] = [];
	const times: number[] = [];
	const server: Server = createServer((request, response) => {
		hits.push(new URL(request.url ?? '/', 'http://x').searchParams.get('tx') ?? '');
		times.push(Date.now());
		request.resume();
		response.writeHead(200, { 'content-type': 'application/json' });
		response.end('{"ok":true}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		hits,
		times,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** Sends every URL with at most `concurrency` in flight; `onAnswer` sees each answer as it comes. */
async function fire(urls: string[], concurrency: number, onAnswer?: (done: number) => void): Promise<{ statuses: number[]; seconds: number }> {
	const statuses = new Array<number>(urls.length).fill(0);
	let next = 0;
	let done = 0;
	let failures = 0;
	const started = Date.now();
	const lane = async () => {
		while (next < urls.length) {
			const index = next++;
			for (let attempt = 1; ; attempt++) {
				try {
					const response = await fetch(urls[index]);
					const body = await response.text();
					statuses[index] = response.status;
					if (response.status !== 200 && failures++ < 5) say(`answer ${response.status} for ${urls[index]}: ${body.slice(0, 300)}`);
					break;
				} catch (error) {
					// A refused/reset connection never reached n8n's handler: count it as not accepted.
					if (attempt >= 2) {
						statuses[index] = -1;
						if (failures++ < 5) say(`request failed: ${(error as Error).message}`);
						break;
					}
				}
			}
			done++;
			onAnswer?.(done);
		}
	};
	await Promise.all(Array.from({ length: concurrency }, lane));
	return { statuses, seconds: (Date.now() - started) / 1000 };
}

function shuffle<T>(values: T[]): T[] {
	for (let i = values.length - 1; i > 0; i--) {
		const j = Math.floor(Math.random() * (i + 1));
		[values[i], values[j]] = [values[j], values[i]];
	}
	return values;
}

/** Executions of a workflow after id `after`, by status (n8n's own table; cheap enough to poll); only those started in `mode`, when given. */
async function statusCounts(workflowId: string, after = 0, mode?: 'webhook' | 'trigger'): Promise<Record<string, number>> {
	const { rows } = await cluster.db.query<{ status: string; count: string }>(
		'SELECT status, count(*) AS count FROM execution_entity WHERE "workflowId" = $1 AND id > $2 AND ($3::text IS NULL OR mode = $3) GROUP BY status',
		[workflowId, after, mode ?? null],
	);
	return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

async function lastExecutionId(): Promise<number> {
	const { rows } = await cluster.db.query<{ max: number | null }>('SELECT max(id) AS max FROM execution_entity');
	return Number(rows[0].max ?? 0);
}

/** Waits until `count` executions after `after` (started in `mode`, when given) exist and none of them is new or running. */
async function waitSettled(workflowId: string, after: number, count: number, timeoutMs: number, mode?: 'webhook' | 'trigger'): Promise<Record<string, number>> {
	const deadline = Date.now() + timeoutMs;
	let counts: Record<string, number> = {};
	while (Date.now() < deadline) {
		counts = await statusCounts(workflowId, after, mode);
		const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
		if (total >= count && !counts.new && !counts.running) return counts;
		await sleep(500);
	}
	throw new Error(`executions of ${workflowId} after ${after} not settled within ${timeoutMs} ms: ${JSON.stringify(counts)}`);
}

/** Every execution of the workflow after `after`, with data, through the public API (n8n's executions list). */
async function listExecutions(workflowId: string, after: number, includeData = true): Promise<Execution[]> {
	const all: Execution[] = [];
	let cursor: string | undefined;
	do {
		const page = await cluster.api.call<{ data: Execution[]; nextCursor?: string | null }>(
			'GET',
			`/executions?workflowId=${workflowId}&includeData=${includeData}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
		);
		all.push(...page.data);
		cursor = page.nextCursor ?? undefined;
		if (page.data.length > 0 && page.data.every((execution) => Number(execution.id) <= after)) break;
	} while (cursor);
	return all.filter((execution) => Number(execution.id) > after);
}

/**
 * Creates and activates a workflow and waits until the webhook process serves its paths: the activation call
 * returns before main has written the webhook rows, so wait for the rows, then for a CORS preflight (OPTIONS
 * with an Origin) to answer 204 — it starts no execution (an unknown path answers 404 or 500).
 * Returns the workflow id and the last execution id before anything was sent to it.
 */
async function deploy(workflow: Record<string, unknown>, paths: string[]): Promise<{ id: string; after: number }> {
	const created = await cluster.api.call<{ id: string }>('POST', '/workflows', { settings: { executionOrder: 'v1' }, ...workflow });
	await cluster.api.call('POST', `/workflows/${created.id}/activate`);
	const deadline = Date.now() + 30000;
	for (const path of paths) {
		const probe = () =>
			fetch(`${cluster.webhookUrl}/webhook/${path}`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1', 'access-control-request-method': 'GET' } });
		while ((await cluster.db.query('SELECT 1 FROM webhook_entity WHERE "webhookPath" = $1', [path])).rowCount === 0 || (await probe()).status !== 204) {
			if (Date.now() > deadline) throw new Error(`webhook ${path} not served by the webhook process`);
			await sleep(200);
		}
	}
	return { id: created.id, after: await lastExecutionId() };
}

const postbackUrl = (path: string, params: Record<string, string>) =>
	`${cluster.webhookUrl}/webhook/${path}?${new URLSearchParams({ currency: 'USD', ...params })}`;
const eventIdsOf = (events: Array<{ event: Record<string, unknown> }>) => events.map((entry) => String(entry.event.event_id));
/** Each postback carries an email of its own: the event's hashed em says which transaction it was. */
const txByEmailHash = new Map<string, string>();
const emailFor = (tx: string) => {
	const email = `buyer-${tx}@example.com`;
	txByEmailHash.set(createHash('sha256').update(email).digest('hex'), tx);
	return email;
};
const txOfEvent = (entry: { event: Record<string, unknown> }) => {
	const em = (entry.event.user_data as Record<string, unknown> | undefined)?.em;
	return txByEmailHash.get(String(Array.isArray(em) ? em[0] : em)) ?? '';
};

let stormWorkflow: string;
const stormPath = `qm-storm-${run}`;

describeQueue(SUITE, () => {
	beforeAll(async () => {
		const started = Date.now();
		// startTogether: a fake that fails to start must not leave the others listening (they would keep jest alive)
		[meta, paypal, counter] = await startTogether(
			() => startMetaFake(),
			() => startPayPalFake(),
			startCounter,
		);
		cluster = await startQueueCluster({
			lockDurationMs: LOCK_DURATION_MS,
			stalledIntervalMs: STALLED_INTERVAL_MS,
			env: { N8N_EXPRESSION_ENGINE: 'legacy', POSTBACK_REDELIVERY_GRACE_SECONDS: String(REDELIVERY_GRACE_SECONDS) },
		});
		results.clusterStartSeconds = cluster.timings.startSeconds;
		storeCredential = await cluster.api.call('POST', '/credentials', {
			name: 'Queue-mode tracking store',
			type: 'postbackStorePostgresApi',
			data: {
				host: cluster.postgres.host,
				port: cluster.postgres.port,
				database: cluster.database,
				user: cluster.postgres.user,
				password: cluster.postgres.password ?? '',
				schema: `postback_${run}`,
				ssl: 'disable',
			},
		});
		metaCredential = await cluster.api.call('POST', '/credentials', {
			name: 'Queue-mode Meta (fake)',
			type: 'metaConversionsApi',
			data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
		});
		const store = { store: 'postgres' };
		const storeCredentials = { postbackStorePostgresApi: storeCredential };
		const deployed = await deploy(
			{
				name: 'Queue: custom postbacks → funnel (Postgres) → Meta, with redelivery',
				nodes: [
					// Issue 16: each accepted postback is journaled before the 200, until the Funnel has decided it.
					node(
						'Postback',
						'n8n-nodes-postback.postbackTrigger',
						{ network: 'custom', path: stormPath, ...store, options: { resumeUnfinished: true } },
						[0, 0],
						{
							webhookId: uuid(1),
							credentials: storeCredentials,
						},
					),
					node('Funnel', 'n8n-nodes-postback.conversionFunnel', { ...store, forwardUnattributed: true }, [250, 0], { credentials: storeCredentials }),
					node('Meta', 'n8n-nodes-postback.metaConversions', { pixelId: META_FAKE_PIXEL, actionSource: 'system_generated', ...store }, [500, 0], {
						credentials: { metaConversionsApi: metaCredential, ...storeCredentials },
					}),
					// The same guarantees for a partner: Send Postback (its own dedup on) to a partner that counts what it gets.
					node(
						'Partner',
						'n8n-nodes-postback.sendPostback',
						{ preset: 'custom', urlTemplate: `${counter.url}/partner?tx={transaction_id}`, retries: 1, ...store, options: { target: 'partner' } },
						[500, 200],
						{ credentials: storeCredentials },
					),
					// Issue 16: Meta entries a dead worker left unsettled come back into the Meta node (Due); postbacks whose run
					// died before the Funnel decided them come back into the Funnel (Postbacks). One poll takes all that is due.
					node(
						'Redelivery',
						'n8n-nodes-postback.redeliveryTrigger',
						{ ...store, destinationScope: 'selected', destinations: ['meta', 'intake'], batchSize: 1000, pollTimes: { item: [{ mode: 'everyMinute' }] } },
						[250, 250],
						{ credentials: storeCredentials },
					),
					node(
						'Partner Redelivery',
						'n8n-nodes-postback.redeliveryTrigger',
						{ ...store, destinationScope: 'selected', destinations: ['postback:*'], batchSize: 1000, pollTimes: { item: [{ mode: 'everyMinute' }] } },
						[250, 450],
						{ credentials: storeCredentials },
					),
				],
				connections: {
					Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] },
					Redelivery: { main: [[{ node: 'Meta', type: 'main', index: 0 }], [], [{ node: 'Funnel', type: 'main', index: 0 }]] },
					'Partner Redelivery': { main: [[{ node: 'Partner', type: 'main', index: 0 }], []] },
					Funnel: {
						main: [0, 1, 2].map(() => [
							{ node: 'Meta', type: 'main', index: 0 },
							{ node: 'Partner', type: 'main', index: 0 },
						]),
					},
				},
			},
			[stormPath],
		);
		stormWorkflow = deployed.id;
		say(`set-up (fakes, cluster, credentials, storm workflow) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}, 240000);

	afterAll(async () => {
		say(`RESULTS ${JSON.stringify(results)}`);
		if (process.env.QUEUE_E2E_LOGS) cluster?.dumpLogs(process.env.QUEUE_E2E_LOGS);
		await cluster?.stop();
		await Promise.all([meta?.close(), paypal?.close(), counter?.close()]);
	}, 60000);

	test('duplicate storm: 1,000 postbacks for 200 transactions reach Meta exactly 200 times; Remove Duplicates counted beside it', async () => {
		const after = await lastExecutionId();
		const transactions = Array.from({ length: 200 }, (_, i) => `${run}-s${String(i).padStart(4, '0')}`);
		const urls = shuffle(
			transactions.flatMap((tx) =>
				Array.from({ length: 5 }, () => postbackUrl(stormPath, { click_id: `clk-${tx}`, transaction_id: tx, commission: '12.50', email: emailFor(tx) })),
			),
		);
		const storm = await fire(urls, 50);
		expect(storm.statuses.filter((status) => status === 200)).toHaveLength(1000);
		const settleStarted = Date.now();
		const counts = await waitSettled(stormWorkflow, after, 1000, 180000);
		const drainSeconds = storm.seconds + (Date.now() - settleStarted) / 1000;
		expect(counts).toEqual({ success: 1000 });
		// The partner, beside Meta: one postback per transaction.
		const partnerHits = counter.hits.filter((tx) => tx.startsWith(`${run}-s`));
		expect(new Set(partnerHits).size).toBe(200);
		expect(partnerHits).toHaveLength(200);

		const executions = await listExecutions(stormWorkflow, after);
		expect(executions).toHaveLength(1000);
		const duplicates = executions.reduce((sum, execution) => sum + (outputsOf(execution, 'Funnel')[6]?.length ?? 0), 0);
		const purchases = executions.reduce((sum, execution) => sum + (outputsOf(execution, 'Funnel')[1]?.length ?? 0), 0);
		const mine = (entry: { event: Record<string, unknown> }) => txOfEvent(entry).startsWith(`${run}-s`);
		const accepted = meta.events.filter(mine);
		const raw = accepted.length + meta.duplicates.filter(mine).length;
		const perWorker: Record<string, number> = {};
		for (const execution of executions) {
			const worker = cluster.workerOf(String(execution.id)) ?? 'unknown';
			perWorker[worker] = (perWorker[worker] ?? 0) + 1;
		}
		Object.assign(results, {
			stormSeconds: storm.seconds,
			stormAcceptRate: Math.round(1000 / storm.seconds),
			stormDrainSeconds: drainSeconds,
			stormThroughput: Math.round(1000 / drainSeconds),
			funnelPurchases: purchases,
			funnelDuplicates: duplicates,
			metaEvents: accepted.length,
			metaRaw: raw,
			stormPerWorker: perWorker,
		});
		say(
			`duplicate storm (ours): 1000 postbacks accepted in ${storm.seconds.toFixed(1)} s (${Math.round(1000 / storm.seconds)}/s), all executed in ${drainSeconds.toFixed(1)} s ` +
				`(${Math.round(1000 / drainSeconds)} executions/s); Funnel: ${purchases} purchases, ${duplicates} duplicates; Meta fake: ${accepted.length} events (${raw} received); per worker ${JSON.stringify(perWorker)}`,
		);
		expect(new Set(eventIdsOf(accepted)).size).toBe(200);
		expect(new Set(accepted.map(txOfEvent))).toEqual(new Set(transactions));
		expect(raw).toBe(200);
		expect(purchases).toBe(200);
		expect(duplicates).toBe(800);

		// The same storm through what operators use today: n8n's Remove Duplicates over previous executions.
		const rdPath = `qm-removedup-${run}`;
		const removeDup = await deploy(
			{
				name: 'Queue: Webhook → Remove Duplicates (previous executions) → HTTP Request',
				nodes: [
					{
						id: 'qm-rd-webhook',
						name: 'Webhook',
						type: 'n8n-nodes-base.webhook',
						typeVersion: 2,
						position: [0, 0],
						webhookId: uuid(2),
						parameters: { path: rdPath, responseMode: 'onReceived', options: {} },
					},
					{
						id: 'qm-rd-dedup',
						name: 'Remove Duplicates',
						type: 'n8n-nodes-base.removeDuplicates',
						typeVersion: 2,
						position: [250, 0],
						parameters: {
							operation: 'removeItemsSeenInPreviousExecutions',
							logic: 'removeItemsWithAlreadySeenKeyValues',
							dedupeValue: '={{ $json.query.transaction_id }}',
							options: {},
						},
					},
					{
						id: 'qm-rd-http',
						name: 'HTTP Request',
						type: 'n8n-nodes-base.httpRequest',
						typeVersion: 4.2,
						position: [500, 0],
						parameters: { url: `={{ "${counter.url}/hit?tx=" + $json.query.transaction_id }}`, options: {} },
					},
				],
				connections: {
					Webhook: { main: [[{ node: 'Remove Duplicates', type: 'main', index: 0 }]] },
					'Remove Duplicates': { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }]] },
				},
			},
			[rdPath],
		);
		counter.hits.length = 0;
		const rdTransactions = Array.from({ length: 200 }, (_, i) => `${run}-r${String(i).padStart(4, '0')}`);
		const rdUrls = shuffle(rdTransactions.flatMap((tx) => Array.from({ length: 5 }, () => `${cluster.webhookUrl}/webhook/${rdPath}?transaction_id=${tx}`)));
		const rdStorm = await fire(rdUrls, 50);
		expect(rdStorm.statuses.filter((status) => status === 200)).toHaveLength(1000);
		const rdSettleStarted = Date.now();
		const rdCounts = await waitSettled(removeDup.id, removeDup.after, 1000, 180000);
		const rdDrainSeconds = rdStorm.seconds + (Date.now() - rdSettleStarted) / 1000;
		const rdHits = counter.hits.filter((tx) => tx.startsWith(`${run}-r`));
		// Remove Duplicates can also fail outright under concurrency: say why.
		const { rows: rdErrors } = await cluster.db.query<{ id: number }>(
			'SELECT id FROM execution_entity WHERE "workflowId" = $1 AND id > $2 AND status = $3 LIMIT 3',
			[removeDup.id, removeDup.after, 'error'],
		);
		for (const { id } of rdErrors) {
			const failed = await cluster.api.call<Execution>('GET', `/executions/${id}?includeData=true`);
			const error = failed.data?.resultData?.error as { message?: string; node?: { name?: string } } | undefined;
			say(`Remove Duplicates workflow: execution ${id} failed in ${error?.node?.name ?? '?'}: ${error?.message ?? JSON.stringify(error)?.slice(0, 300)}`);
		}
		Object.assign(results, {
			removeDuplicatesForwarded: rdHits.length,
			removeDuplicatesDistinct: new Set(rdHits).size,
			removeDuplicatesStatuses: rdCounts,
			removeDuplicatesDrainSeconds: rdDrainSeconds,
		});
		say(
			`duplicate storm, side by side (1000 postbacks, 200 transactions, 50 in flight, 2 workers): ` +
				`Conversion Funnel (Postgres store) forwarded ${accepted.length}; Remove Duplicates (previous executions) forwarded ${rdHits.length} ` +
				`(${new Set(rdHits).size} distinct; executions ${JSON.stringify(rdCounts)}, ${rdDrainSeconds.toFixed(1)} s)`,
		);
		// Its read-merge-write can let a copy through twice but never swallows a first one.
		expect(new Set(rdHits).size).toBe(200);
		expect(rdHits.length).toBeGreaterThanOrEqual(200);
	}, 420000);

	test('a worker SIGKILLed mid-storm: after the Redelivery Trigger, every accepted postback reached Meta and the partner exactly once', async () => {
		const after = await lastExecutionId();
		// The journal entries of this test's postbacks: written from here on (the storm test's copies may still be pending).
		const killTestStarted = new Date(Date.now() - 1000).toISOString();
		const victim = cluster.workers[1];
		const startedBefore = victim.startedExecutions.size;
		const transactions = Array.from({ length: 300 }, (_, i) => `${run}-k${String(i).padStart(4, '0')}`);
		const urls = transactions.map((tx) => postbackUrl(stormPath, { click_id: `clk-${tx}`, transaction_id: tx, commission: '7.25', email: emailFor(tx) }));
		let killedAt: number | undefined;
		let killedAfter = 0;
		const storm = fire(urls, 20, (done) => {
			// Once a third has been accepted and the victim is running some of them, it dies.
			if (killedAt === undefined && done >= 100 && victim.startedExecutions.size > startedBefore) {
				killedAt = Date.now();
				killedAfter = done;
				victim.kill();
			}
		});
		const { statuses, seconds } = await storm;
		expect(statuses.filter((status) => status === 200)).toHaveLength(transactions.length);
		// The kill happened mid-storm, with the victim running executions of it.
		expect(killedAfter).toBeGreaterThan(0);
		if (killedAt === undefined) {
			killedAt = Date.now();
			victim.kill();
		}
		const inFlightAtKill = [...victim.startedExecutions].filter((id) => Number(id) > after);
		say(`killed ${victim.name} (pid ${victim.pid}) after ${killedAfter} answers; it had started ${inFlightAtKill.length} executions of this storm`);
		// n8n notices the dead worker in two steps: the surviving worker's stalled-job check fails the jobs whose
		// lock expired (Bull runs with maxStalledCount 0, so they are never run again), then the leader main's queue
		// recovery marks their executions crashed. That recovery runs at main's start-up and every 180 minutes:
		// restart main once the locks have expired, as an operator (or an orchestrator) would after losing a node.
		const replacement = cluster.startWorker('worker-3');
		const acceptedTx = transactions.filter((_, i) => statuses[i] === 200);
		// Wait until the live workers are done: every execution exists and the unfinished ones (the dead worker's) stay put for 3 s.
		const othersSettled = Date.now() + 120000;
		let unfinishedSince = { count: -1, at: Date.now() };
		while (Date.now() < othersSettled) {
			const counts = await statusCounts(stormWorkflow, after, 'webhook');
			const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
			const unfinished = (counts.new ?? 0) + (counts.running ?? 0);
			if (unfinished !== unfinishedSince.count) unfinishedSince = { count: unfinished, at: Date.now() };
			else if (total >= acceptedTx.length && Date.now() - unfinishedSince.at >= 3000) break;
			await sleep(500);
		}
		const stallMs = LOCK_DURATION_MS + 2 * STALLED_INTERVAL_MS + 1000 - (Date.now() - killedAt);
		if (stallMs > 0) await sleep(stallMs);
		const dangling = await statusCounts(stormWorkflow, after, 'webhook');
		await Promise.all([cluster.restartMain(), replacement]);
		const counts = await waitSettled(stormWorkflow, after, acceptedTx.length, 60000, 'webhook');
		const recoverySeconds = (Date.now() - killedAt) / 1000;
		say(`before main's recovery: ${JSON.stringify(dangling)}; after: ${JSON.stringify(counts)} (${recoverySeconds.toFixed(1)} s after the kill)`);

		// The postbacks' executions; the Redelivery Trigger's (mode trigger) are counted below.
		const triggerIds = async () =>
			new Set(
				(
					await cluster.db.query<{ id: number }>('SELECT id FROM execution_entity WHERE "workflowId" = $1 AND id > $2 AND mode = $3', [
						stormWorkflow,
						after,
						'trigger',
					])
				).rows.map((row) => String(row.id)),
			);
		const earlyTriggerIds = await triggerIds();
		const executions = (await listExecutions(stormWorkflow, after)).filter((execution) => !earlyTriggerIds.has(String(execution.id)));
		// Failed = crashed (main's recovery; the execution keeps its input, so it names the postback) or error. A job
		// that Bull failed as stalled gets its execution overwritten by n8n with only an error ("This execution failed
		// to be processed too many times…"): it is in the list as failed but no longer says which postback it was.
		const failedStatuses = new Set(['crashed', 'error', 'canceled', 'unknown']);
		const failed = executions.filter((execution) => failedStatuses.has(execution.status));
		const { rows: stored } = await cluster.db.query<{ executionId: number; data: string }>(
			'SELECT "executionId", data FROM execution_data WHERE "executionId" = ANY($1::int[])',
			[failed.map((execution) => Number(execution.id))],
		);
		const named = new Map<string, string[]>();
		for (const execution of failed) {
			const text = JSON.stringify(execution) + (stored.find((row) => String(row.executionId) === String(execution.id))?.data ?? '');
			named.set(
				String(execution.id),
				transactions.filter((tx) => text.includes(tx)),
			);
		}
		const namedFailedTx = new Set([...named.values()].flat());
		const unnamedFailed = [...named.entries()].filter(([, txs]) => txs.length === 0).map(([id]) => id);
		const mine = (entry: { event: Record<string, unknown> }) => txOfEvent(entry).startsWith(`${run}-k`);
		const forwarded = meta.events.filter(mine);
		const forwardedTx = new Set(forwarded.map(txOfEvent));
		const dropped = meta.duplicates.filter(mine);
		const notForwarded = acceptedTx.filter((tx) => !forwardedTx.has(tx));
		const unaccounted = notForwarded.filter((tx) => !namedFailedTx.has(tx));
		// What the tracking store says about the postbacks that did not reach Meta (a claim left pending by the dead
		// worker is taken over by the network's retry once its lease, 2 minutes, has run out).
		const { rows: claims } = await cluster.db.query<{ transaction_id: string; event_name: string; state: string }>(
			`SELECT transaction_id, event_name, state FROM "postback_${run}".conversion_claims WHERE transaction_id = ANY($1::text[]) ORDER BY transaction_id, event_name`,
			[notForwarded],
		);
		const claimStates: Record<string, string> = Object.fromEntries(
			notForwarded.map((tx) => [
				tx,
				claims
					.filter((row) => row.transaction_id === tx)
					.map((row) => `${row.event_name}=${row.state}`)
					.join(',') || 'no claim',
			]),
		);
		const statusesSeen: Record<string, number> = {};
		for (const execution of executions) statusesSeen[execution.status] = (statusesSeen[execution.status] ?? 0) + 1;
		Object.assign(results, {
			kill: {
				sent: transactions.length,
				accepted: acceptedTx.length,
				killedAfterAnswers: killedAfter,
				victimStarted: inFlightAtKill.length,
				forwarded: forwardedTx.size,
				failedExecutions: failed.length,
				failedNamingTheirPostback: failed.length - unnamedFailed.length,
				failedWithDataReplaced: unnamedFailed.length,
				forwardedAndFailed: [...namedFailedTx].filter((tx) => forwardedTx.has(tx)).length,
				notForwarded: notForwarded.length,
				notForwardedClaims: claimStates,
				metaDuplicatesDropped: dropped.length,
				apiStatuses: statusesSeen,
				dbStatuses: counts,
				stormSeconds: seconds,
				recoverySeconds,
			},
		});
		say(`kill test: ${JSON.stringify(results.kill)}`);
		// None silently lost: every accepted postback reached Meta or is a failed execution in n8n's list — by name
		// where n8n kept the data, else counted against the failed executions whose data n8n replaced.
		expect(executions).toHaveLength(acceptedTx.length);
		expect(forwardedTx.size + failed.length).toBeGreaterThanOrEqual(acceptedTx.length);
		expect(unaccounted.length).toBeLessThanOrEqual(unnamedFailed.length);
		// Never forwarded twice: one event per event_id at the fake, and nothing for Meta to drop either.
		expect(new Set(eventIdsOf(forwarded)).size).toBe(forwarded.length);

		// Issue 16: the Redelivery Trigger (polled by main, every minute) brings back, once the grace period has
		// passed, what the dead worker left undone: the outbox entries its Meta node or its Funnel wrote and never
		// settled go to the Meta node (Due), and the journal entries of postbacks whose run died before the Funnel
		// decided them go to the Funnel (Postbacks). Then every accepted postback reaches Meta, and Meta counts each once.
		const outboxOf = async () =>
			(
				await cluster.db.query<{ tx: string; state: string }>(
					`SELECT c.transaction_id AS tx, o.state FROM "postback_${run}".outbox o JOIN "postback_${run}".conversions c ON c.id = o.conversion_id
					 WHERE o.destination = $2 AND c.transaction_id = ANY($1::text[])`,
					[acceptedTx, `${stormWorkflow}/meta`],
				)
			).rows;
		// The journal: one entry per accepted postback (and per copy of one), written by the webhook process before its 200.
		const journalOf = async () =>
			(
				await cluster.db.query<{ state: string; last_code: string | null; n: string }>(
					`SELECT state, last_code, count(*) AS n FROM "postback_${run}".outbox WHERE destination = $1 AND created_at >= $2 GROUP BY state, last_code`,
					[`${stormWorkflow}/intake`, killTestStarted],
				)
			).rows.map((row) => ({ state: row.state, code: row.last_code, count: Number(row.n) }));
		const partnerOutboxOf = async () =>
			(
				await cluster.db.query<{ state: string; n: string }>(
					`SELECT o.state, count(*) AS n FROM "postback_${run}".outbox o JOIN "postback_${run}".conversions c ON c.id = o.conversion_id
					 WHERE o.destination = $2 AND c.transaction_id = ANY($1::text[]) GROUP BY o.state`,
					[acceptedTx, `${stormWorkflow}/postback:partner`],
				)
			).rows.map((row) => ({ state: row.state, count: Number(row.n) }));
		const partnerHitsOf = () => counter.hits.map((tx, index) => ({ tx, at: counter.times[index] })).filter((hit) => hit.tx.startsWith(`${run}-k`));
		const redeliveryStarted = Date.now();
		const pendingAtStart = (await outboxOf()).filter((row) => row.state === 'pending').map((row) => row.tx);
		const journalAtStart = await journalOf();
		const deliveredTx = () => new Set(meta.events.filter(mine).map(txOfEvent));
		// Grace, a claim lease of a run that died inside the Funnel (2 minutes), two polls and a margin at most.
		const redeliveryDeadline = redeliveryStarted + REDELIVERY_GRACE_SECONDS * 1000 + 240000;
		while (Date.now() < redeliveryDeadline) {
			const triggerCounts = await statusCounts(stormWorkflow, after, 'trigger');
			const stillPending = (await outboxOf()).some((row) => row.state === 'pending') || (await journalOf()).some((row) => row.state === 'pending');
			const delivered = deliveredTx();
			const partnerHas = new Set(partnerHitsOf().map((hit) => hit.tx));
			const partnerPending = (await partnerOutboxOf()).some((row) => row.state === 'pending');
			if (!stillPending && !partnerPending && acceptedTx.every((tx) => delivered.has(tx) && partnerHas.has(tx)) && !triggerCounts.new && !triggerCounts.running)
				break;
			await sleep(1000);
		}
		const redeliverySeconds = (Date.now() - redeliveryStarted) / 1000;
		const triggerExecutions = [...(await triggerIds())];
		const triggerStatuses = await statusCounts(stormWorkflow, after, 'trigger');
		// A polling trigger in queue mode: main polls; the execution it starts runs on a worker, like a webhook's.
		const triggerRunBy = triggerExecutions.map((id) => cluster.workerOf(id) ?? 'no worker');
		const delivered = meta.events.filter(mine);
		const perTx = new Map<string, number>();
		for (const entry of delivered) perTx.set(txOfEvent(entry), (perTx.get(txOfEvent(entry)) ?? 0) + 1);
		const outbox = await outboxOf();
		const inOutbox = new Set(outbox.map((row) => row.tx));
		const outboxStates: Record<string, number> = {};
		for (const row of outbox) outboxStates[row.state] = (outboxStates[row.state] ?? 0) + 1;
		const journal = await journalOf();
		const neverReachedMeta = acceptedTx.filter((tx) => !perTx.has(tx));
		// Sent by the dead worker and not yet settled when it died: the trigger cannot know Meta has it and sends it again
		// with the same event_id, which Meta drops as a duplicate (the fake does as Meta does). These, and only these, may
		// show up among the fake's dropped copies.
		const killTime = killedAt;
		const inDoubt = new Set(delivered.filter((entry) => entry.receivedAt.getTime() <= killTime + 1000).map(txOfEvent));
		const droppedByMeta = meta.duplicates.filter(mine).map(txOfEvent);
		// The partner: the same count. Its in-doubt sends are those the partner got before the kill (Send Postback's own
		// dedup claim, left pending by the dead worker, is taken over after its lease and the postback sent again).
		const partnerHits = partnerHitsOf();
		const partnerPerTx = new Map<string, number>();
		for (const { tx } of partnerHits) partnerPerTx.set(tx, (partnerPerTx.get(tx) ?? 0) + 1);
		const partnerBeforeKill = new Set(partnerHits.filter((hit) => hit.at <= killTime + 1000).map((hit) => hit.tx));
		const partnerRepeats = [...partnerPerTx.entries()].filter(([, count]) => count > 1).map(([tx]) => tx);
		const partner = {
			delivered: partnerPerTx.size,
			requests: partnerHits.length,
			repeatedInDoubt: partnerRepeats.length,
			outbox: await partnerOutboxOf(),
		};
		const redelivery = {
			partner,
			accepted: acceptedTx.length,
			deliveredBeforeRedelivery: forwardedTx.size,
			pendingAtStart: pendingAtStart.length,
			journalAtStart,
			delivered: perTx.size,
			eventsAtFake: delivered.length,
			duplicatesCounted: delivered.length - perTx.size,
			sentBeforeTheKill: inDoubt.size,
			droppedByMetaDedup: droppedByMeta.length,
			redelivered: perTx.size - forwardedTx.size,
			inOutbox: inOutbox.size,
			outboxStates,
			journal,
			neverReachedMeta: Object.fromEntries(neverReachedMeta.map((tx) => [tx, claimStates[tx] ?? '?'])),
			triggerExecutions: triggerExecutions.length,
			triggerStatuses,
			triggerRunBy,
			redeliverySeconds,
		};
		results.redelivery = redelivery;
		say(`redelivery after the kill: ${JSON.stringify(redelivery)}`);
		// Every accepted postback reached Meta, and Meta counted each exactly once: delivered == accepted, no duplicate.
		expect(neverReachedMeta).toEqual([]);
		expect(perTx.size).toBe(acceptedTx.length);
		expect([...perTx.entries()].filter(([, count]) => count !== 1)).toEqual([]);
		// Copies Meta dropped are only resends of sends left in doubt by the kill, at most one each.
		expect(droppedByMeta.filter((tx) => !inDoubt.has(tx))).toEqual([]);
		expect(new Set(droppedByMeta).size).toBe(droppedByMeta.length);
		// Nothing left behind: every Meta entry settled sent, every journal entry decided (none given up).
		expect(outbox.filter((row) => row.state !== 'sent')).toEqual([]);
		expect(inOutbox.size).toBe(acceptedTx.length);
		expect(journal.filter((row) => row.state !== 'sent')).toEqual([]);
		expect(triggerStatuses.error ?? 0).toBe(0);
		expect(triggerRunBy.filter((name) => !name.startsWith('worker'))).toEqual([]);
		// The partner: every accepted postback once; a repeat only where the dead worker's send was in doubt.
		expect(acceptedTx.filter((tx) => !partnerPerTx.has(tx))).toEqual([]);
		expect(partnerRepeats.filter((tx) => !partnerBeforeKill.has(tx) || partnerPerTx.get(tx)! > 2)).toEqual([]);
		expect(partner.outbox.filter((row) => row.state !== 'sent')).toEqual([]);
		if (pendingAtStart.length > 0 || journalAtStart.some((row) => row.state === 'pending')) expect(triggerExecutions.length).toBeGreaterThan(0);
	}, 480000);

	test('payouts from two workers at once for the same period: PayPal sees one payment per affiliate', async () => {
		const ledgerPath = `qm-ledger-${run}`;
		const storeCredentials = { postbackStorePostgresApi: storeCredential };
		const intake = await deploy(
			{
				name: 'Queue: custom postbacks → funnel (payout ledger)',
				nodes: [
					node('Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'custom', path: ledgerPath }, [0, 0], { webhookId: uuid(3) }),
					node('Funnel', 'n8n-nodes-postback.conversionFunnel', { store: 'postgres', forwardUnattributed: true }, [250, 0], { credentials: storeCredentials }),
				],
				connections: { Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] } },
			},
			[ledgerPath],
		);
		const now = new Date();
		const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
		const day = (d: number) => new Date(Date.UTC(lastMonth.getUTCFullYear(), lastMonth.getUTCMonth(), d, 10)).toISOString();
		const lines: Array<[string, string, string]> = [
			['aff-1', '30', day(5)],
			['aff-1', '12.34', day(15)],
			['aff-2', '25', day(6)],
			['aff-2', '25', day(20)],
			['aff-3', '99.99', day(7)],
			['aff-3', '0.01', day(8)],
		];
		// The affiliates' clicks, as the Click Tracker recorded them: the funnel credits the stored click's affiliate
		// (an affiliate_id only the unauthenticated postback names would earn nothing).
		const clickStore = await openStore({
			kind: 'postgres',
			connectionString: `postgres://${encodeURIComponent(cluster.postgres.user)}:${encodeURIComponent(cluster.postgres.password ?? '')}@${cluster.postgres.host}:${cluster.postgres.port}/${cluster.database}`,
			schema: `postback_${run}`,
			poolSize: 1,
		});
		try {
			for (const [i, [affiliate, , occurredAt]] of lines.entries()) {
				await clickStore.recordClick({
					clickId: `clk-pay-${i}`,
					affiliateId: affiliate,
					clickedAt: new Date(Date.parse(occurredAt) - 3_600_000).toISOString(),
				});
			}
		} finally {
			await clickStore.close();
		}
		const ledger = await fire(
			lines.map(([affiliate, commission, occurredAt], i) =>
				postbackUrl(ledgerPath, {
					click_id: `clk-pay-${i}`,
					transaction_id: `${run}-p${i}`,
					commission,
					affiliate_id: affiliate,
					occurred_at: occurredAt,
					status: 'approved',
				}),
			),
			6,
		);
		expect(ledger.statuses).toEqual(lines.map(() => 200));
		expect(await waitSettled(intake.id, intake.after, lines.length, 60000)).toEqual({ success: lines.length });

		const paypalCredential = await cluster.api.call<{ id: string; name: string }>('POST', '/credentials', {
			name: 'Queue-mode PayPal (fake)',
			type: 'payPalPayoutsApi',
			data: { environment: 'sandbox', clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, baseUrl: paypal.url },
		});
		const payPath = `qm-pay-${run}`;
		const payout = await deploy(
			{
				name: 'Queue: pay affiliates (PayPal), webhook-triggered',
				nodes: [
					{
						id: 'qm-pay-webhook',
						name: 'Webhook',
						type: 'n8n-nodes-base.webhook',
						typeVersion: 2,
						position: [0, 0],
						webhookId: uuid(4),
						parameters: { path: payPath, responseMode: 'onReceived', options: {} },
					},
					node(
						'Pay',
						'n8n-nodes-postback.affiliatePayouts',
						{
							operation: 'pay',
							store: 'postgres',
							provider: 'paypal',
							payDay: 1,
							holdingDays: 0,
							minimum: { minimum: [{ currency: 'USD', amount: '1.00' }] },
							receiversFrom: 'list',
							receivers: { affiliate: ['aff-1', 'aff-2', 'aff-3'].map((id) => ({ affiliateId: id, receiver: `${id}@example.com` })) },
							options: { note: 'Queue-mode payouts' },
						},
						[250, 0],
						{ credentials: { payPalPayoutsApi: paypalCredential, ...storeCredentials }, alwaysOutputData: true },
					),
				],
				connections: { Webhook: { main: [[{ node: 'Pay', type: 'main', index: 0 }]] } },
			},
			[payPath],
		);
		const payAfter = payout.after;
		// PayPal takes 1.5 s to answer the batch: whichever run submits first is still in flight while the other runs.
		paypal.hangNext(2, { answerAfterMs: 1500 });
		const calls = await Promise.all([0, 1].map(() => fetch(`${cluster.webhookUrl}/webhook/${payPath}`).then((response) => response.status)));
		expect(calls).toEqual([200, 200]);
		await waitSettled(payout.id, payAfter, 2, 60000);
		const runs = (await listExecutions(payout.id, payAfter)).sort((a, b) => Number(a.id) - Number(b.id));
		const summary = runs.map((execution) => ({
			execution: execution.id,
			status: execution.status,
			worker: cluster.workerOf(String(execution.id)),
			startedAt: (execution as Execution & { startedAt?: string }).startedAt,
			stoppedAt: (execution as Execution & { stoppedAt?: string }).stoppedAt,
			// An empty item (alwaysOutputData) means this run found nothing due: the other had already reserved it all.
			reports: (outputsOf(execution, 'Pay')[0] ?? []).map((item) =>
				item.json.affiliateId ? `${String(item.json.affiliateId)}:${String(item.json.outcome)}:${String(item.json.amount)}` : '(nothing due)',
			),
		}));
		const paid = paypal.paidItems().map((item) => [item.receiver, item.amount, item.currency]);
		Object.assign(results, { payouts: { runs: summary, paypalBatches: paypal.batches().length, paypalItems: paid } });
		say(`payouts: ${JSON.stringify(results.payouts)}`);
		if (new Set(summary.map((entry) => entry.worker)).size < 2)
			say('note: both payout executions ran on the same worker this time (Bull chose); they still ran concurrently');
		const itemStates = async () =>
			(
				await cluster.db.query<{ affiliate_id: string; state: string; batch_id: string; error: string | null }>(
					`SELECT affiliate_id, state, batch_id, error FROM "postback_${run}".payout_items ORDER BY affiliate_id, seq`,
				)
			).rows.map((row) => `${row.affiliate_id}:${row.state}:${row.batch_id.slice(-8)}${row.error ? `:${row.error.slice(0, 160)}` : ''}`);
		say(`payout items after the two concurrent runs: ${JSON.stringify(await itemStates())}`);
		const submitters = summary.filter((entry) => entry.reports.some((report) => report.includes(':submitted:')));
		if (submitters.length > 1) {
			// Known defect (src/payouts/run.ts, pay): the batch id (PayPal sender_batch_id) is derived from every
			// candidate item before reservation, so two runs that split the affiliates between them send two different
			// batches under one sender_batch_id; PayPal keeps the first and the second run's items are never paid.
			say(
				`DEFECT: both runs reserved and submitted part of the affiliates under one sender_batch_id; PayPal holds ${JSON.stringify(paid)} — ` +
					"the other run's items were not paid (never twice, but not once either)",
			);
		}
		expect(summary.map((entry) => entry.status)).toEqual(['success', 'success']);
		// The two runs overlapped in time.
		const [first, second] = summary.map((entry) => [Date.parse(String(entry.startedAt)), Date.parse(String(entry.stoppedAt))]);
		expect(Math.max(first[0], second[0])).toBeLessThan(Math.min(first[1], second[1]));
		expect(paid.sort()).toEqual([
			['aff-1@example.com', '42.34', 'USD'],
			['aff-2@example.com', '50.00', 'USD'],
			['aff-3@example.com', '100.00', 'USD'],
		]);
	}, 180000);
});

if (!available) {
	test(`${SUITE} — skipped: Redis or PostgreSQL missing (see the warning above)`, () => {
		expect(available).toBe(false);
	});
}

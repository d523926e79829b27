// Real n8n, one process (scripts/lib/n8n.mjs startN8n), once per expression engine (N8N_EXPRESSION_ENGINE=legacy,
// then n8n's default), the same bounded load on loopback against three workflows in the same instance:
//   - floor:      n8n's own Webhook (answers on receipt) → No Operation: what n8n costs per execution by itself;
//   - ours:       Postback Trigger (Custom, JSON POST) → Conversion Funnel (SQLite store, unattributed conversions
//                 forwarded) → Meta Conversions API node → the strict Meta fake (test/fakes/meta.ts);
//   - hand-built: Webhook → Code (read the body, SHA-256 of the trimmed lower-cased email, a Meta event) → HTTP
//                 Request to the same Meta fake: what an operator builds by hand today for the same forward.
// Every request carries its own transaction id and email, so nothing is a duplicate. Both webhook kinds answer
// before the workflow runs, so a request's HTTP latency is only its intake: throughput is counted on completed
// executions (read from n8n's own SQLite database): executions / (first request sent → last execution stopped).
// Beside it: HTTP latency p50/p99, execution duration p50/p99 (n8n's startedAt → stoppedAt), and the CPU the n8n
// process and its task runner spent per execution (/proc), which other load on the machine disturbs least.
// The load generator and the Meta fake run in this process; their CPU share is reported (bottleneck check).
//
// Then, in the legacy instance: 2,500 conversions in one execution (Webhook → Code emitting the 2,500 items the
// Postback Trigger would emit → Conversion Funnel → Meta node) and the requests the Meta fake received for them.
//
// Needs a built dist/ (`npm run build`) and the pinned n8n (.cache/n8n-server, installed on first use).
// Under bench/run.mjs (BENCH_DEADLINE_MS) the request counts are cut, and the cut reported, when the warm-up rates
// say they would not fit the run's budget.
//
// Knobs: BENCH_N8N_REQUESTS (per workflow, legacy engine, default 2000), BENCH_N8N_REQUESTS_DEFAULT_ENGINE
// (default: half of it; the vm engine costs ~3× per execution), BENCH_N8N_CONCURRENCY (8), BENCH_N8N_ROUNDS (2:
// each workflow's requests split in rounds, interleaved, so drift hits all alike), BENCH_N8N_WARMUP (100, in two
// halves; the second half's rate sizes the load), BENCH_N8N_ENGINES (legacy,default),
// BENCH_N8N_BATCH (2500), BENCH_N8N_BREAKDOWN=0 (skip the breakdown: floor, floor with ours' node count, Trigger
// alone, Trigger → Funnel, ours; BENCH_N8N_BREAKDOWN_REQUESTS each, default 300, first engine only),
// BENCH_N8N_CPU_PROF=<dir> (n8n runs with --cpu-prof into <dir>; see bench/lib/profile-summary.mjs),
// BENCH_N8N_ONLY=ours,floor (measure only those workflows; for profiling).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { n8nVersion, repoRoot, startN8n } from '../scripts/lib/n8n.mjs';
import { loadFakes } from '../scripts/lib/fakes.mjs';
import { emit, round } from './lib/emit.mjs';
import { load, percentile, treeCpuSeconds } from './lib/load.mjs';

const require = createRequire(import.meta.url);
const { compileSources } = require('../test/store/compile-src.cjs');

const REQUESTS = Number(process.env.BENCH_N8N_REQUESTS || 2000);
// The default (vm) engine costs about 3× per execution: half the requests keep the whole run within 10 minutes.
const REQUESTS_DEFAULT_ENGINE = Number(process.env.BENCH_N8N_REQUESTS_DEFAULT_ENGINE || Math.ceil(REQUESTS / 2));
const CONCURRENCY = Number(process.env.BENCH_N8N_CONCURRENCY || 8);
const ROUNDS = Number(process.env.BENCH_N8N_ROUNDS || 2);
const WARMUP = Number(process.env.BENCH_N8N_WARMUP || 100);
const ENGINES = (process.env.BENCH_N8N_ENGINES || 'legacy,default')
	.split(',')
	.map((engine) => engine.trim())
	.filter(Boolean);
const BATCH = Number(process.env.BENCH_N8N_BATCH || 2500);
const BREAKDOWN = process.env.BENCH_N8N_BREAKDOWN !== '0';
const BREAKDOWN_REQUESTS = Number(process.env.BENCH_N8N_BREAKDOWN_REQUESTS || 300);
const DEADLINE = Number(process.env.BENCH_DEADLINE_MS || 0);
const CPU_PROF = process.env.BENCH_N8N_CPU_PROF;
const ONLY = process.env.BENCH_N8N_ONLY ? process.env.BENCH_N8N_ONLY.split(',') : undefined;
const DRAIN_TIMEOUT_MS = 240_000;

const log = (text) => process.stderr.write(`[n8n.bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const RUN = randomBytes(3).toString('hex');

// ---------------------------------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------------------------------

const uuid = (n) => `b3c40000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const main = (...targets) => ({ main: targets.map((list) => list.map((node) => ({ node, type: 'main', index: 0 }))) });

function webhookNode(n, path, name = 'Webhook') {
	return {
		id: uuid(n),
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [0, 0],
		webhookId: uuid(900 + n),
		parameters: { httpMethod: 'POST', path, options: {} },
	};
}
const triggerNode = (n, path) => ({
	id: uuid(n),
	name: 'Postback Trigger',
	type: 'n8n-nodes-postback.postbackTrigger',
	typeVersion: 1,
	position: [0, 0],
	webhookId: uuid(900 + n),
	parameters: { network: 'custom', path, options: { currency: 'USD' } },
});
const funnelNode = (n) => ({
	id: uuid(n),
	name: 'Conversion Funnel',
	type: 'n8n-nodes-postback.conversionFunnel',
	typeVersion: 1,
	position: [300, 0],
	parameters: { attributionWindow: '30d', forwardUnattributed: true },
});
const metaNode = (n, pixelId, credential) => ({
	id: uuid(n),
	name: 'Meta Conversions API',
	type: 'n8n-nodes-postback.metaConversions',
	typeVersion: 1,
	position: [600, 0],
	parameters: { pixelId, actionSource: 'system_generated', valueFrom: 'commission' },
	credentials: { metaConversionsApi: credential },
});

/** The hand-built Code node: what an operator writes to forward the same postback to Meta without this package. */
const HAND_CODE = `const crypto = require('crypto');
const out = [];
for (const item of $input.all()) {
  const body = item.json.body || {};
  const email = String(body.email || '').trim().toLowerCase();
  const commission = Number(body.commission || 0);
  out.push({ json: { data: [{
    event_name: commission > 0 ? 'Purchase' : 'Lead',
    event_time: Math.floor(Date.now() / 1000),
    event_id: 'custom:' + body.transaction_id + ':' + (commission > 0 ? 'Purchase' : 'Lead'),
    action_source: 'system_generated',
    user_data: { em: [crypto.createHash('sha256').update(email).digest('hex')] },
    custom_data: { value: commission, currency: String(body.currency || 'USD').toUpperCase() },
  }] } });
}
return out;`;

function workflows({ metaUrl, pixelId, token, credential }) {
	const FUNNEL_TO_META = [['Meta Conversions API'], ['Meta Conversions API'], ['Meta Conversions API']];
	const list = {
		floor: {
			name: 'bench: floor (Webhook → No Operation)',
			path: 'bench-floor',
			nodes: [
				webhookNode(1, 'bench-floor'),
				{ id: uuid(2), name: 'No Operation', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} },
			],
			connections: { Webhook: main(['No Operation']) },
			metaEventsPerRequest: 0,
		},
		ours: {
			name: 'bench: ours (Postback Trigger → Conversion Funnel → Meta)',
			path: 'bench-ours',
			nodes: [triggerNode(11, 'bench-ours'), funnelNode(12), metaNode(13, pixelId, credential)],
			connections: { 'Postback Trigger': main(['Conversion Funnel']), 'Conversion Funnel': main(...FUNNEL_TO_META) },
			metaEventsPerRequest: 1,
		},
		hand: {
			name: 'bench: hand-built (Webhook → Code → HTTP Request to Meta)',
			path: 'bench-hand',
			nodes: [
				webhookNode(21, 'bench-hand'),
				{ id: uuid(22), name: 'Code', type: 'n8n-nodes-base.code', typeVersion: 2, position: [300, 0], parameters: { jsCode: HAND_CODE } },
				{
					id: uuid(23),
					name: 'HTTP Request',
					type: 'n8n-nodes-base.httpRequest',
					typeVersion: 4.2,
					position: [600, 0],
					parameters: {
						method: 'POST',
						url: `${metaUrl}/v26.0/${pixelId}/events`,
						sendQuery: true,
						queryParameters: { parameters: [{ name: 'access_token', value: token }] },
						sendBody: true,
						specifyBody: 'json',
						jsonBody: '={{ JSON.stringify($json) }}',
						options: {},
					},
				},
			],
			connections: { Webhook: main(['Code']), Code: main(['HTTP Request']) },
			metaEventsPerRequest: 1,
		},
		batch: {
			name: 'bench: 2,500 conversions in one execution (Webhook → Code → Conversion Funnel → Meta)',
			path: 'bench-batch',
			nodes: [
				webhookNode(31, 'bench-batch'),
				{
					id: uuid(32),
					name: 'Code',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					position: [300, 0],
					parameters: { jsCode: 'return $input.first().json.body.items.map((json) => ({ json }));' },
				},
				funnelNode(33),
				metaNode(34, pixelId, credential),
			],
			connections: { Webhook: main(['Code']), Code: main(['Conversion Funnel']), 'Conversion Funnel': main(...FUNNEL_TO_META) },
			metaEventsPerRequest: 0,
		},
	};
	if (BREAKDOWN) {
		list.floorSameShape = {
			name: 'bench: floor with three nodes (Webhook → No Operation → No Operation)',
			path: 'bench-floor3',
			nodes: [
				webhookNode(61, 'bench-floor3'),
				{ id: uuid(62), name: 'No Operation', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} },
				{ id: uuid(63), name: 'No Operation 2', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [600, 0], parameters: {} },
			],
			connections: { Webhook: main(['No Operation']), 'No Operation': main(['No Operation 2']) },
			metaEventsPerRequest: 0,
		};
		list.triggerOnly = {
			name: 'bench: Postback Trigger alone',
			path: 'bench-trigger',
			nodes: [triggerNode(41, 'bench-trigger')],
			connections: {},
			metaEventsPerRequest: 0,
		};
		// A preset network (ShareASale) instead of Custom: the Custom preset's "Postback URL to Paste" preview is an
		// expression-valued parameter, which makes n8n evaluate the trigger's webhook description per request.
		list.triggerOnlyPreset = {
			name: 'bench: Postback Trigger alone, ShareASale preset',
			path: 'bench-trigger-preset',
			nodes: [{ ...triggerNode(71, 'bench-trigger-preset'), parameters: { network: 'shareasale', path: 'bench-trigger-preset', options: {} } }],
			connections: {},
			metaEventsPerRequest: 0,
		};
		list.triggerFunnel = {
			name: 'bench: Postback Trigger → Conversion Funnel',
			path: 'bench-trigger-funnel',
			nodes: [triggerNode(51, 'bench-trigger-funnel'), funnelNode(52)],
			connections: { 'Postback Trigger': main(['Conversion Funnel']) },
			metaEventsPerRequest: 0,
		};
	}
	return list;
}

// ---------------------------------------------------------------------------------------------------------------
// Load, drain, CPU
// ---------------------------------------------------------------------------------------------------------------

const DOMAINS = ['gmail.com', 'Example.com', 'outlook.com', 'proton.me'];
/** One Custom JSON postback: the same body goes to all three workflows. */
function postbackBody(tag, index) {
	return JSON.stringify({
		click_id: `clk_${tag}_${index}`,
		transaction_id: `tx_${RUN}_${tag}_${index}`,
		amount: `${100 + (index % 300)}.${String(index % 100).padStart(2, '0')}`,
		commission: `${5 + (index % 40)}.50`,
		currency: 'USD',
		status: 'approved',
		email: ` Buyer.${tag}.${index}@${DOMAINS[index % DOMAINS.length]} `,
	});
}

const n8nDate = (text) => (text ? Date.parse(`${String(text).replace(' ', 'T')}${String(text).endsWith('Z') ? '' : 'Z'}`) : NaN);

class ExecutionLog {
	constructor(userFolder) {
		this.file = join(userFolder, '.n8n', 'database.sqlite');
		this.db = new DatabaseSync(this.file, { readOnly: true });
	}
	maxId() {
		return this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM execution_entity').get().id;
	}
	finished(workflowId, afterId) {
		return this.db
			.prepare(
				"SELECT status, startedAt, stoppedAt FROM execution_entity WHERE workflowId = ? AND id > ? AND stoppedAt IS NOT NULL AND status NOT IN ('new', 'running', 'waiting')",
			)
			.all(workflowId, afterId);
	}
	count(workflowId, afterId) {
		return this.db
			.prepare(
				"SELECT COUNT(*) AS n FROM execution_entity WHERE workflowId = ? AND id > ? AND stoppedAt IS NOT NULL AND status NOT IN ('new', 'running', 'waiting')",
			)
			.get(workflowId, afterId).n;
	}
	close() {
		this.db.close();
	}
}

async function drain(executions, workflowId, afterId, expected) {
	const deadline = Date.now() + DRAIN_TIMEOUT_MS;
	for (;;) {
		const done = executions.count(workflowId, afterId);
		if (done >= expected) return;
		if (Date.now() > deadline) throw new Error(`only ${done} of ${expected} executions finished within ${DRAIN_TIMEOUT_MS / 1000} s`);
		await sleep(done === 0 ? 50 : 25);
	}
}

/** One measured run of `count` requests against one workflow; waits until every execution has finished. */
async function measureRun(ctx, key, count, tag) {
	const { n8n, ids, executions, meta, flows } = ctx;
	const flow = flows[key];
	const url = `${n8n.baseUrl}/webhook/${flow.path}`;
	const afterId = executions.maxId();
	const metaBefore = meta.events.length;
	const metaRequestsBefore = meta.requests.length;
	const cpuBefore = treeCpuSeconds(n8n.process.pid);
	const selfBefore = process.cpuUsage();
	const started = Date.now();
	const startedHr = process.hrtime.bigint();
	const { latencies, statuses } = await load(url, count, CONCURRENCY, (index) => postbackBody(tag, index));
	const sentMs = Number(process.hrtime.bigint() - startedHr) / 1e6;
	await drain(executions, ids[key], afterId, count);
	ctx.windows.push({ key, count, startUs: Number(startedHr / 1000n), endUs: Number(process.hrtime.bigint() / 1000n) });
	const rows = executions.finished(ids[key], afterId);
	const lastStopped = Math.max(...rows.map((row) => n8nDate(row.stoppedAt)));
	const wallMs = Math.max(lastStopped - started, Number(process.hrtime.bigint() - startedHr) / 1e6 - 1000, sentMs);
	const cpuAfter = treeCpuSeconds(n8n.process.pid);
	const self = process.cpuUsage(selfBefore);
	// The fake may still be answering the last HTTP Request node's call as n8n marks the execution done.
	const expectedEvents = count * flow.metaEventsPerRequest;
	for (let wait = 0; wait < 40 && meta.events.length - metaBefore < expectedEvents; wait++) await sleep(25);
	return {
		count,
		wallMs,
		sentMs,
		latencies,
		statuses,
		durations: rows.map((row) => n8nDate(row.stoppedAt) - n8nDate(row.startedAt)),
		errors: rows.filter((row) => row.status !== 'success').length,
		cpuSeconds: cpuAfter.total - cpuBefore.total,
		cpuSecondsN8n: cpuAfter.n8n - cpuBefore.n8n,
		cpuSecondsChildren: cpuAfter.children - cpuBefore.children,
		benchCpuSeconds: (self.user + self.system) / 1e6,
		metaEvents: meta.events.length - metaBefore,
		metaRequests: meta.requests.length - metaRequestsBefore,
		metaRejected: meta.answers.slice(-Math.max(1, meta.requests.length - metaRequestsBefore)).filter((answer) => answer.status !== 200).length,
	};
}

function summarize(runs, flow) {
	const count = runs.reduce((sum, run) => sum + run.count, 0);
	const wallMs = runs.reduce((sum, run) => sum + run.wallMs, 0);
	const sentMs = runs.reduce((sum, run) => sum + run.sentMs, 0);
	const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
	const durations = runs.flatMap((run) => run.durations).sort((a, b) => a - b);
	const cpu = runs.reduce((sum, run) => sum + run.cpuSeconds, 0);
	const statuses = {};
	for (const run of runs) for (const [status, n] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
	const metaEvents = runs.reduce((sum, run) => sum + run.metaEvents, 0);
	return {
		requests: count,
		executionsPerSecond: round(count / (wallMs / 1000), 1),
		httpAcceptedPerSecond: round(count / (sentMs / 1000), 1),
		httpLatencyMs: { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1), max: round(latencies.at(-1), 1) },
		executionMs: { p50: round(percentile(durations, 50), 1), p99: round(percentile(durations, 99), 1) },
		n8nCpuMsPerExecution: round((cpu * 1000) / count, 2),
		n8nMainCpuMsPerExecution: round((runs.reduce((sum, run) => sum + run.cpuSecondsN8n, 0) * 1000) / count, 2),
		taskRunnerCpuMsPerExecution: round((runs.reduce((sum, run) => sum + run.cpuSecondsChildren, 0) * 1000) / count, 2),
		benchProcessCpuShare: round(runs.reduce((sum, run) => sum + run.benchCpuSeconds, 0) / (wallMs / 1000), 3),
		httpStatuses: statuses,
		failedExecutions: runs.reduce((sum, run) => sum + run.errors, 0),
		metaEventsAccepted: metaEvents,
		metaEventsExpected: count * flow.metaEventsPerRequest,
		metaRequestsRefused: runs.reduce((sum, run) => sum + run.metaRejected, 0),
		wallSeconds: round(wallMs / 1000, 2),
	};
}

// ---------------------------------------------------------------------------------------------------------------
// One engine
// ---------------------------------------------------------------------------------------------------------------

async function benchEngine(engine, { fakes, meta, batchItems }) {
	const count = engine === 'legacy' ? REQUESTS : REQUESTS_DEFAULT_ENGINE;
	let flows;
	const env = { NODE_FUNCTION_ALLOW_BUILTIN: 'crypto', N8N_LOG_LEVEL: 'error' };
	if (engine !== 'default') env.N8N_EXPRESSION_ENGINE = engine;
	if (CPU_PROF) {
		mkdirSync(join(CPU_PROF, engine), { recursive: true });
		env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${join(CPU_PROF, engine)}`;
	}
	const startedAt = Date.now();
	log(`${engine}: starting n8n ${n8nVersion()}`);
	const n8n = await startN8n({ env });
	let executions;
	let profileWindows = [];
	const result = { engine: engine === 'default' ? 'default (vm)' : engine, startSeconds: round(n8n.timings.totalSeconds, 1) };
	try {
		const created = await n8n.api.call('POST', '/credentials', {
			name: 'Meta (bench fake)',
			type: 'metaConversionsApi',
			data: { accessToken: fakes.meta.META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
		});
		flows = workflows({ metaUrl: meta.url, pixelId: meta.pixelId, token: meta.accessToken, credential: { id: created.id, name: created.name } });
		const ids = {};
		// Imported after start-up (the Meta credential exists only then); a Webhook node listening for POST only
		// answers a GET with 404, so each webhook is probed with a POST until it is registered.
		for (const key of Object.keys(flows)) {
			const workflow = await n8n.api.call('POST', '/workflows', {
				name: flows[key].name,
				nodes: flows[key].nodes,
				connections: flows[key].connections,
				settings: { executionOrder: 'v1' },
			});
			await n8n.api.call('POST', `/workflows/${workflow.id}/activate`);
			ids[key] = workflow.id;
			for (let attempt = 0; ; attempt++) {
				const answer = await fetch(`${n8n.baseUrl}/webhook/${flows[key].path}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: key === 'batch' ? '{"items":[]}' : postbackBody('probe', attempt),
				});
				await answer.text();
				if (answer.status !== 404) break;
				if (attempt > 100) throw new Error(`webhook ${flows[key].path} never registered`);
				await sleep(100);
			}
		}
		executions = new ExecutionLog(n8n.userFolder);
		const ctx = { n8n, ids, executions, meta, flows, windows: [] };
		profileWindows = ctx.windows;
		const measured = ONLY ?? ['floor', 'ours', 'hand'];
		let secondsPerRequestSet = 0;
		for (const key of measured) {
			// Two halves: the first warms (JIT, caches, connections), the second's rate sizes the load below.
			for (const [part, half] of [Math.ceil(WARMUP / 2), Math.floor(WARMUP / 2)].entries()) {
				const warm = await measureRun(ctx, key, half, `${engine}-warm${part}-${key}`);
				if (warm.errors > 0 || warm.metaEvents < half * flows[key].metaEventsPerRequest) {
					throw new Error(
						`${engine} ${key}: warm-up had ${warm.errors} failed executions and ${warm.metaEvents} Meta events (statuses ${JSON.stringify(warm.statuses)})\n${n8n.logs().slice(-3000)}`,
					);
				}
				if (part === 1) secondsPerRequestSet += warm.wallMs / 1000 / warm.count;
			}
		}
		// Within `npm run bench`'s budget (BENCH_DEADLINE_MS from bench/run.mjs): the load is cut, never the
		// workflows, and the cut is reported. What must still fit after this engine's runs: the next engines
		// (start-up, warm-up, their runs at ~3× this one's cost for the default engine), the batch, the breakdown.
		let plannedCount = count;
		if (DEADLINE) {
			const laterEngines = ENGINES.slice(ENGINES.indexOf(engine) + 1).length;
			// Shutdown, the batch and the breakdown (5 workflows) here; start-up and warm-up of each later engine.
			const reserveSeconds = 15 + (engine === ENGINES[0] ? 25 + (BREAKDOWN ? (5 / 3) * BREAKDOWN_REQUESTS * secondsPerRequestSet : 0) : 0) + laterEngines * 60;
			const available = (DEADLINE - Date.now()) / 1000 - reserveSeconds;
			// A later (default, vm) engine costs ~3× per request and takes REQUESTS_DEFAULT_ENGINE of them: keep its
			// share, or split what is left in proportion when even that does not fit.
			const laterSeconds = laterEngines * REQUESTS_DEFAULT_ENGINE * 3 * secondsPerRequestSet;
			let fits = (available - laterSeconds) / secondsPerRequestSet;
			if (fits < count / 2) fits = (available * (count / (count + laterEngines * 3 * REQUESTS_DEFAULT_ENGINE))) / secondsPerRequestSet;
			fits = Math.floor(fits / 100) * 100;
			if (fits < count) {
				plannedCount = Math.max(200, fits);
				result.loadCut = `${count} requests per workflow would not fit the run's budget: ${plannedCount} taken (warm-up: ${(secondsPerRequestSet * 1000).toFixed(1)} ms per request across the ${measured.length} workflows)`;
				log(`${engine}: ${result.loadCut}`);
			}
		}
		result.requestsPerWorkflow = plannedCount;
		const runs = Object.fromEntries(measured.map((key) => [key, []]));
		const perRound = Math.ceil(plannedCount / ROUNDS);
		for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
			// Rotate the order each round so no workflow always runs first (or last) in a round.
			const order = measured.map((_, i) => measured[(i + roundIndex) % measured.length]);
			for (const key of order) {
				const run = await measureRun(ctx, key, perRound, `${engine}-r${roundIndex}-${key}`);
				runs[key].push(run);
				log(
					`${engine} round ${roundIndex + 1}/${ROUNDS} ${key}: ${run.count} in ${(run.wallMs / 1000).toFixed(1)} s (${(run.count / (run.wallMs / 1000)).toFixed(1)}/s), n8n CPU ${((run.cpuSeconds * 1000) / run.count).toFixed(2)} ms/execution`,
				);
			}
		}
		result.workflows = Object.fromEntries(measured.map((key) => [key, { name: flows[key].name, ...summarize(runs[key], flows[key]) }]));

		if (engine === ENGINES[0] && BATCH > 0) result.batch = await batchRun(ctx, batchItems);

		// Where ours' time goes, in the first engine: the same load through the floor, the floor with as many
		// nodes as ours, the Postback Trigger alone, Trigger → Funnel, and the whole of ours, back to back.
		if (engine === ENGINES[0] && BREAKDOWN && !ONLY) {
			const keysBreakdown = ['floor', 'floorSameShape', 'triggerOnly', 'triggerFunnel', 'ours'];
			for (const key of ['floorSameShape', 'triggerOnly', 'triggerFunnel']) await measureRun(ctx, key, Math.min(WARMUP, 50), `${engine}-bwarm-${key}`);
			result.breakdown = {};
			for (const key of keysBreakdown) {
				const run = await measureRun(ctx, key, BREAKDOWN_REQUESTS, `${engine}-breakdown-${key}`);
				result.breakdown[key] = { name: flows[key].name, ...summarize([run], flows[key]) };
				log(
					`${engine} breakdown ${key}: ${run.count} in ${(run.wallMs / 1000).toFixed(1)} s, n8n CPU ${((run.cpuSeconds * 1000) / run.count).toFixed(2)} ms/execution`,
				);
			}
		}
	} finally {
		executions?.close();
		await n8n.stop();
		// Monotonic-clock windows of each measured run, to cut the profile to one workflow's runs.
		if (CPU_PROF) writeFileSync(join(CPU_PROF, engine, 'windows.json'), JSON.stringify(profileWindows, null, 1));
		rmSync(n8n.userFolder, { recursive: true, force: true });
	}
	result.totalSeconds = round((Date.now() - startedAt) / 1000, 1);
	return result;
}

/** 2,500 conversions through the Funnel into the Meta node in one execution: how many requests reach Meta. */
async function batchRun(ctx, items) {
	const { n8n, ids, executions, meta } = ctx;
	const afterId = executions.maxId();
	const requestsBefore = meta.requests.length;
	const eventsBefore = meta.events.length;
	const started = Date.now();
	const body = JSON.stringify({ items });
	const response = await fetch(`${n8n.baseUrl}/webhook/bench-batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
	await response.text();
	await drain(executions, ids.batch, afterId, 1);
	const [row] = executions.finished(ids.batch, afterId);
	for (let wait = 0; wait < 40 && meta.events.length - eventsBefore < items.length; wait++) await sleep(25);
	const requests = meta.requests.slice(requestsBefore).filter((request) => /\/events\/?$/.test(request.path));
	return {
		conversions: items.length,
		httpStatus: response.status,
		executionStatus: row?.status,
		executionSeconds: round((n8nDate(row?.stoppedAt) - n8nDate(row?.startedAt)) / 1000, 2),
		wallSeconds: round((Date.now() - started) / 1000, 2),
		metaRequests: requests.length,
		eventsPerRequest: requests.map((request) => request.body?.data?.length ?? 0),
		metaEventsAccepted: meta.events.length - eventsBefore,
		expectedRequests: Math.ceil(items.length / 1000),
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

/** The newest modification time among a tree's files (skipping node_modules and dot folders). */
function newestMtime(dir, extension) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
		const path = join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, extension));
		else if (!extension || entry.name.endsWith(extension)) newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

/** How many requests the pure library plans for these conversions (funnel-shaped as the Funnel emits them). */
function libraryMetaCalls(items) {
	const build = compileSources();
	const { classifyConversion, destinationEventsFor } = require(join(build, 'src', 'funnel'));
	const { planPlatformRequests } = require(join(build, 'src', 'destinations'));
	const funnelItems = items.map((conversion) => {
		const classification = classifyConversion(conversion, { statusPolicy: 'approved' });
		return {
			...conversion,
			eventName: classification.eventName,
			route: classification.route,
			destinationEvents: destinationEventsFor(classification.eventName),
		};
	});
	const plan = planPlatformRequests('meta', funnelItems, { pixelId: '1234567890123456', accessToken: 'token', actionSource: 'system_generated' }, new Date());
	return { requests: plan.requests.length, skipped: plan.skipped?.length ?? 0 };
}

/** The items the Postback Trigger emits for `count` Custom postbacks (the engine's own intake, from src/). */
function triggerItems(count) {
	const { receivePostback } = require(join(compileSources(), 'src', 'intake'));
	const items = [];
	for (let index = 0; index < count; index++) {
		const body = JSON.parse(postbackBody('batch', index));
		const outcome = receivePostback(
			{
				method: 'POST',
				query: {},
				body,
				rawBody: Buffer.from(JSON.stringify(body)),
				headers: { 'content-type': 'application/json' },
				ip: '127.0.0.1',
				rawQueryString: '',
			},
			{ network: 'custom', parseOptions: { currency: 'USD' } },
		);
		if (!outcome.accepted) throw new Error(`batch postback ${index} not accepted: ${JSON.stringify(outcome.response.body)}`);
		items.push(outcome.accepted);
	}
	return items;
}

async function mainBench() {
	if (!existsSync(join(repoRoot, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
	const sourcesNewest = Math.max(newestMtime(join(repoRoot, 'src'), '.ts'), newestMtime(join(repoRoot, 'nodes'), '.ts'));
	const distNewest = newestMtime(join(repoRoot, 'dist'), '.js');
	const distStale = sourcesNewest > distNewest;
	if (distStale) log('WARNING: src/ or nodes/ changed after the last `npm run build`: n8n runs the older dist/');

	const fakes = loadFakes();
	const meta = await fakes.meta.startMetaFake();
	const batchItems = BATCH > 0 ? triggerItems(BATCH) : [];
	const library = BATCH > 0 ? libraryMetaCalls(batchItems) : undefined;
	const engines = {};
	try {
		for (const engine of ENGINES) engines[engine] = await benchEngine(engine, { fakes, meta, batchItems });
	} finally {
		await meta.close();
	}

	const ratio = (engine, a, b, field = 'executionsPerSecond') => {
		const flows = engines[engine]?.workflows;
		return flows?.[a] && flows?.[b] ? round(flows[a][field] / flows[b][field]) : null;
	};
	const cpuRatio = (engine, a, b) => {
		const flows = engines[engine]?.workflows;
		// Ratio of throughputs as CPU bounds them: the floor's CPU per execution over ours.
		return flows?.[a] && flows?.[b] ? round(flows[b].n8nCpuMsPerExecution / flows[a].n8nCpuMsPerExecution) : null;
	};
	const legacy = 'legacy';
	const def = 'default';
	const batch = engines[ENGINES[0]]?.batch;
	const figures = {
		n8nVersion: n8nVersion(),
		load: {
			requestsPerWorkflow: {
				legacy: engines.legacy?.requestsPerWorkflow ?? REQUESTS,
				default: engines.default?.requestsPerWorkflow ?? REQUESTS_DEFAULT_ENGINE,
			},
			concurrency: CONCURRENCY,
			rounds: ROUNDS,
			warmup: WARMUP,
			loopback: true,
		},
		machine: {
			cpus: cpus().length,
			cpuModel: cpus()[0]?.model,
			memoryGiB: round(totalmem() / 2 ** 30, 1),
			loadavgAtEnd: loadavg().map((value) => round(value, 2)),
		},
		distStale,
		n8nVsNoopFloor: ratio(legacy, 'ours', 'floor'),
		n8nVsNoopFloorDefaultEngine: ratio(def, 'ours', 'floor'),
		n8nVsHandBuilt: ratio(legacy, 'ours', 'hand'),
		n8nVsHandBuiltDefaultEngine: ratio(def, 'ours', 'hand'),
		byCpu: {
			n8nVsNoopFloor: cpuRatio(legacy, 'ours', 'floor'),
			n8nVsNoopFloorDefaultEngine: cpuRatio(def, 'ours', 'floor'),
			n8nVsHandBuilt: cpuRatio(legacy, 'ours', 'hand'),
			n8nVsHandBuiltDefaultEngine: cpuRatio(def, 'ours', 'hand'),
		},
		metaCallsFor2500: batch && batch.metaEventsAccepted === batch.conversions ? batch.metaRequests : null,
		engines,
	};
	if (library) {
		figures.metaCallsFor2500Library = library.requests;
		if (library.skipped) figures.metaCallsFor2500LibraryNote = `${library.skipped} of ${BATCH} planned as skipped`;
	}
	if (batch && batch.metaEventsAccepted !== batch.conversions)
		figures.metaCallsFor2500Note = `the batch execution ended ${batch.executionStatus} with ${batch.metaEventsAccepted} of ${batch.conversions} events accepted`;
	emit('n8n', figures);

	// Printed summary.
	const rows = [];
	for (const [engine, result] of Object.entries(engines)) {
		for (const [key, flow] of Object.entries(result.workflows ?? {})) {
			rows.push([
				result.engine,
				key,
				`${flow.executionsPerSecond}/s`,
				`${flow.httpLatencyMs.p50} / ${flow.httpLatencyMs.p99} ms`,
				`${flow.executionMs.p50} / ${flow.executionMs.p99} ms`,
				`${flow.n8nCpuMsPerExecution} ms`,
				`${Math.round(flow.benchProcessCpuShare * 100)} %`,
				`${flow.failedExecutions}`,
				`${flow.metaEventsAccepted}/${flow.metaEventsExpected}`,
			]);
		}
	}
	const header = ['engine', 'workflow', 'executions/s', 'HTTP p50 / p99', 'execution p50 / p99', 'n8n CPU/exec', 'bench CPU', 'failed', 'Meta events'];
	const widths = header.map((_, column) => Math.max(...[header, ...rows].map((line) => String(line[column]).length)));
	const render = (line) => `| ${line.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`;
	console.log(
		`n8n ${n8nVersion()}, ${CONCURRENCY} concurrent, ${REQUESTS} (legacy) / ${REQUESTS_DEFAULT_ENGINE} (default engine) requests per workflow in ${ROUNDS} interleaved rounds`,
	);
	console.log(render(header));
	console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
	for (const line of rows) console.log(render(line));
	console.log(
		`\nours / floor: legacy ${figures.n8nVsNoopFloor}, default engine ${figures.n8nVsNoopFloorDefaultEngine} (target ≥ 0.9); by CPU per execution ${figures.byCpu.n8nVsNoopFloor} / ${figures.byCpu.n8nVsNoopFloorDefaultEngine}`,
	);
	console.log(`ours / hand-built: legacy ${figures.n8nVsHandBuilt}, default engine ${figures.n8nVsHandBuiltDefaultEngine}`);
	if (batch)
		console.log(
			`2,500 conversions in one execution → ${batch.metaRequests} Meta requests (${batch.eventsPerRequest.join(' + ')} events; ${batch.metaEventsAccepted} accepted; execution ${batch.executionSeconds} s, ${batch.executionStatus})`,
		);
	if (distStale) console.log('WARNING: dist/ is older than src/ or nodes/: run `npm run build` first.');
}

mainBench().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);

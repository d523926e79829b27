// Queue mode: executions per second of Postback Trigger → Conversion Funnel (PostgreSQL store) → Meta node → the
// Meta fake on an n8n queue-mode cluster (main + one `n8n webhook` process + workers, PostgreSQL, Redis: the
// cluster helper of the end-to-end tests, test/e2e/queue-cluster.ts), first with one worker, then with a second
// worker added, under the same bounded load as n8n.bench.mjs (8 concurrent on loopback). Throughput counts
// completed executions (first request → last execution stopped, from n8n's database). Beside it: HTTP latency,
// execution duration and the CPU of every cluster process per execution.
//
// Needs Redis (REDIS_URL or QUEUE_BULL_REDIS_HOST/PORT, default 127.0.0.1:6379) and PostgreSQL (PGHOST/PGPORT…);
// without them it reports "not measured" with the reason and exits 0. Needs a built dist/.
// Knobs: BENCH_QUEUE_REQUESTS (default 1000 per worker count), BENCH_N8N_CONCURRENCY (8), BENCH_QUEUE_WARMUP (50),
// BENCH_QUEUE_WORKER_CONCURRENCY (n8n's --concurrency per worker, default 10); BENCH_DEADLINE_MS (from run.mjs)
// cuts the load to fit the run's budget.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from '../scripts/lib/n8n.mjs';
import { loadFakes } from '../scripts/lib/fakes.mjs';
import { emit, round } from './lib/emit.mjs';
import { load, percentile, treeCpuSeconds } from './lib/load.mjs';

const require = createRequire(import.meta.url);
const REQUESTS = Number(process.env.BENCH_QUEUE_REQUESTS || 1000);
const CONCURRENCY = Number(process.env.BENCH_N8N_CONCURRENCY || 8);
const WARMUP = Number(process.env.BENCH_QUEUE_WARMUP || 50);
const WORKER_CONCURRENCY = Number(process.env.BENCH_QUEUE_WORKER_CONCURRENCY || 10);
const DEADLINE = Number(process.env.BENCH_DEADLINE_MS || 0);
const DRAIN_SECONDS = Number(process.env.BENCH_QUEUE_DRAIN_SECONDS || 120);
const HELPER = join(repoRoot, 'test/e2e/queue-cluster.ts');
const RUN = randomBytes(3).toString('hex');
const log = (text) => process.stderr.write(`[queue.bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function notMeasured(reason) {
	log(`queue mode not measured: ${reason}`);
	console.log(`queue mode: not measured: ${reason}`);
	emit('queue', { measured: false, reason: `not measured: ${reason}` });
	process.exit(0);
}

/**
 * The cluster helper is TypeScript written for jest: transpiled here (types dropped) beside the test PostgreSQL
 * helper it imports, into .cache/bench-queue/<hash>/, with its repository root pointed back at this repository.
 */
function loadClusterHelper() {
	const { compileSources } = require('../test/store/compile-src.cjs');
	const build = compileSources();
	const ts = require('typescript');
	const source = readFileSync(HELPER, 'utf8');
	const hash = createHash('sha256').update(ts.version).update(source).update(build).digest('hex').slice(0, 16);
	const outDir = join(repoRoot, '.cache/bench-queue', hash);
	const target = join(outDir, 'test/e2e/queue-cluster.js');
	if (!existsSync(target)) {
		const staging = `${outDir}.tmp-${process.pid}`;
		mkdirSync(join(staging, 'test/e2e'), { recursive: true });
		mkdirSync(join(staging, 'test/store'), { recursive: true });
		let output = ts.transpileModule(source, {
			fileName: HELPER,
			compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		}).outputText;
		// `const repoRoot = resolve(__dirname, '../..')`, however the transpiler spelled the call.
		const rooted = output.replace(/(const repoRoot = )[^;]*__dirname[^;]*;/, `$1${JSON.stringify(repoRoot)};`);
		if (rooted === output) throw new Error('could not point the helper at the repository (no `const repoRoot = …__dirname…`)');
		output = rooted;
		writeFileSync(join(staging, 'test/e2e/queue-cluster.js'), output);
		copyFileSync(join(build, 'test/store/postgres-server.js'), join(staging, 'test/store/postgres-server.js'));
		// Both helpers skip (or fail under CI=true) through test/ci.
		copyFileSync(join(build, 'test/ci.js'), join(staging, 'test/ci.js'));
		mkdirSync(dirname(outDir), { recursive: true });
		try {
			renameSync(staging, outDir);
		} catch {
			rmSync(staging, { recursive: true, force: true });
		}
	}
	return require(target);
}

const uuid = (n) => `b3c50000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const DOMAINS = ['gmail.com', 'Example.com', 'outlook.com', 'proton.me'];
const postbackBody = (tag, index) =>
	JSON.stringify({
		click_id: `clk_${tag}_${index}`,
		transaction_id: `tx_${RUN}_${tag}_${index}`,
		amount: `${100 + (index % 300)}.${String(index % 100).padStart(2, '0')}`,
		commission: `${5 + (index % 40)}.50`,
		currency: 'USD',
		status: 'approved',
		email: ` Buyer.${tag}.${index}@${DOMAINS[index % DOMAINS.length]} `,
	});
const n8nTime = (value) => (value instanceof Date ? value.getTime() : Date.parse(value));

async function main() {
	if (!existsSync(HELPER)) notMeasured('no queue-mode cluster helper (test/e2e/queue-cluster.ts) in this tree');
	if (!existsSync(join(repoRoot, 'dist/src/index.js'))) notMeasured('dist/ is missing: run `npm run build` first');
	let helper;
	try {
		helper = loadClusterHelper();
	} catch (error) {
		notMeasured(`the cluster helper did not load: ${error.message}`);
	}
	if (!helper.queueModeAvailable('bench/queue.bench.mjs'))
		notMeasured('queue mode needs Redis and PostgreSQL and one of them does not answer (see the warning above)');
	if (DEADLINE && DEADLINE - Date.now() < 130_000)
		notMeasured(`only ${Math.round((DEADLINE - Date.now()) / 1000)} s of the run's budget left (a cluster start and two loads need about 130 s)`);

	const fakes = loadFakes();
	const meta = await fakes.meta.startMetaFake();
	const started = Date.now();
	log('starting the queue-mode cluster (main, webhook, 1 worker)');
	const cluster = await helper.startQueueCluster({
		workers: 1,
		workerConcurrency: WORKER_CONCURRENCY,
		env: { N8N_LOG_LEVEL: 'info' },
		log: (message) => log(message),
	});
	const result = {
		measured: true,
		clusterStartSeconds: round(cluster.timings.startSeconds, 1),
		workerConcurrency: WORKER_CONCURRENCY,
		concurrency: CONCURRENCY,
	};
	try {
		const storeCredential = await cluster.api.call('POST', '/credentials', {
			name: 'bench tracking store',
			type: 'postbackStorePostgresApi',
			data: {
				host: cluster.postgres.host,
				port: cluster.postgres.port,
				database: cluster.database,
				user: cluster.postgres.user,
				password: cluster.postgres.password ?? '',
				schema: `postback_bench_${RUN}`,
				ssl: 'disable',
			},
		});
		const metaCredential = await cluster.api.call('POST', '/credentials', {
			name: 'bench Meta (fake)',
			type: 'metaConversionsApi',
			data: { accessToken: fakes.meta.META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
		});
		const storeCredentials = { postbackStorePostgresApi: { id: storeCredential.id, name: storeCredential.name } };
		const path = `bench-queue-${RUN}`;
		const workflow = await cluster.api.call('POST', '/workflows', {
			name: 'bench: queue mode (Postback Trigger → Conversion Funnel (PostgreSQL) → Meta)',
			settings: { executionOrder: 'v1' },
			nodes: [
				{
					id: uuid(1),
					name: 'Postback Trigger',
					type: 'n8n-nodes-postback.postbackTrigger',
					typeVersion: 1,
					position: [0, 0],
					webhookId: uuid(901),
					parameters: { network: 'custom', path, options: { currency: 'USD' } },
				},
				{
					id: uuid(2),
					name: 'Conversion Funnel',
					type: 'n8n-nodes-postback.conversionFunnel',
					typeVersion: 1,
					position: [300, 0],
					parameters: { store: 'postgres', attributionWindow: '30d', forwardUnattributed: true },
					credentials: storeCredentials,
				},
				{
					id: uuid(3),
					name: 'Meta Conversions API',
					type: 'n8n-nodes-postback.metaConversions',
					typeVersion: 1,
					position: [600, 0],
					parameters: { pixelId: meta.pixelId, actionSource: 'system_generated', valueFrom: 'commission', store: 'postgres' },
					credentials: { metaConversionsApi: { id: metaCredential.id, name: metaCredential.name }, ...storeCredentials },
				},
			],
			connections: {
				'Postback Trigger': { main: [[{ node: 'Conversion Funnel', type: 'main', index: 0 }], []] },
				'Conversion Funnel': { main: [0, 1, 2].map(() => [{ node: 'Meta Conversions API', type: 'main', index: 0 }]) },
			},
		});
		await cluster.api.call('POST', `/workflows/${workflow.id}/activate`);
		const url = `${cluster.webhookUrl}/webhook/${path}`;
		// A CORS preflight: 2xx once the webhook process serves the path (404 or an error before), and it starts no execution.
		for (let attempt = 0; ; attempt++) {
			const probe = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1', 'access-control-request-method': 'POST' } });
			if (probe.status >= 200 && probe.status < 300) break;
			if (attempt > 150) throw new Error(`webhook ${path} not served by the webhook process`);
			await sleep(200);
		}

		const lastId = async () => Number((await cluster.db.query('SELECT COALESCE(MAX(id), 0) AS id FROM execution_entity')).rows[0].id);
		const finished = async (afterId) =>
			(
				await cluster.db.query(
					`SELECT status, "startedAt", "stoppedAt" FROM execution_entity WHERE "workflowId" = $1 AND id > $2 AND "stoppedAt" IS NOT NULL AND status NOT IN ('new', 'running', 'waiting')`,
					[workflow.id, afterId],
				)
			).rows;
		const pids = () => [cluster.main.pid, cluster.webhook.pid, ...cluster.workers.map((worker) => worker.pid)];

		const measure = async (count, tag) => {
			const afterId = await lastId();
			const eventsBefore = meta.events.length;
			const cpuBefore = treeCpuSeconds(pids());
			const startedAt = Date.now();
			const { latencies, statuses } = await load(url, count, CONCURRENCY, (index) => postbackBody(tag, index));
			const deadline = Date.now() + DRAIN_SECONDS * 1000;
			let rows = await finished(afterId);
			while (rows.length < count) {
				if (Date.now() > deadline) {
					const recent = (
						await cluster.db.query('SELECT id, "workflowId", status, mode, "startedAt", "stoppedAt" FROM execution_entity ORDER BY id DESC LIMIT 5')
					).rows;
					throw new Error(
						`only ${rows.length} of ${count} queue-mode executions finished within ${DRAIN_SECONDS} s (HTTP ${JSON.stringify(statuses)}; latest executions ${JSON.stringify(recent)})\n--- webhook ---\n${cluster.webhook.logs().slice(-2500)}\n--- worker ---\n${cluster.workers[0].logs().slice(-2500)}`,
					);
				}
				await sleep(100);
				rows = await finished(afterId);
			}
			const wallMs = Math.max(...rows.map((row) => n8nTime(row.stoppedAt))) - startedAt;
			const cpu = treeCpuSeconds(pids()).total - cpuBefore.total;
			for (let wait = 0; wait < 40 && meta.events.length - eventsBefore < count; wait++) await sleep(25);
			latencies.sort((a, b) => a - b);
			const durations = rows.map((row) => n8nTime(row.stoppedAt) - n8nTime(row.startedAt)).sort((a, b) => a - b);
			return {
				requests: count,
				executionsPerSecond: round(count / (wallMs / 1000), 1),
				httpLatencyMs: { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1) },
				executionMs: { p50: round(percentile(durations, 50), 1), p99: round(percentile(durations, 99), 1) },
				clusterCpuMsPerExecution: round((cpu * 1000) / count, 2),
				failedExecutions: rows.filter((row) => row.status !== 'success').length,
				httpStatuses: statuses,
				metaEventsAccepted: meta.events.length - eventsBefore,
				wallSeconds: round(wallMs / 1000, 2),
			};
		};

		const warm = await measure(WARMUP, 'warm1');
		if (warm.failedExecutions > 0 || warm.metaEventsAccepted < WARMUP)
			throw new Error(`queue warm-up: ${warm.failedExecutions} failed, ${warm.metaEventsAccepted} Meta events\n${cluster.workers[0].logs().slice(-3000)}`);
		// Size the two loads to the budget: the second worker's start (~30 s) and its warm-up must fit too.
		let count = REQUESTS;
		if (DEADLINE) {
			const secondsPerRequest = warm.wallSeconds / WARMUP;
			const fits = Math.floor(((DEADLINE - Date.now()) / 1000 - 45) / (secondsPerRequest * 2.2) / 50) * 50;
			if (fits < 50) throw new Error(`the run's budget ran out while the cluster started (${Math.round((DEADLINE - Date.now()) / 1000)} s left)`);
			if (fits < count) {
				count = fits;
				result.loadCut = `${REQUESTS} requests per worker count would not fit the run's budget: ${count} taken`;
				log(result.loadCut);
			}
		}
		result.requestsPerWorkerCount = count;
		result.oneWorker = await measure(count, 'w1');
		log(`1 worker: ${result.oneWorker.executionsPerSecond}/s`);
		const second = await cluster.startWorker('worker-2');
		result.secondWorkerReadySeconds = round(second.readySeconds, 1);
		await measure(Math.min(WARMUP, 30), 'warm2');
		result.twoWorkers = await measure(count, 'w2');
		log(`2 workers: ${result.twoWorkers.executionsPerSecond}/s`);
		result.twoWorkersVsOne = round(result.twoWorkers.executionsPerSecond / result.oneWorker.executionsPerSecond);
		result.note =
			'main, webhook process, workers, PostgreSQL, Redis, the fake and the load generator share this machine’s CPUs: a second worker can only help as far as idle CPU is left.';
	} finally {
		await cluster.stop().catch((error) => log(`cluster stop: ${error.message}`));
		await meta.close();
	}
	result.totalSeconds = round((Date.now() - started) / 1000, 1);
	emit('queue', result);
	console.log(
		`queue mode (n8n cluster: main + webhook + workers, PostgreSQL store), ${result.requestsPerWorkerCount} requests, ${CONCURRENCY} concurrent:\n` +
			`| workers | executions/s | HTTP p50 / p99 | execution p50 / p99 | cluster CPU/exec | failed |\n|---|---|---|---|---|---|\n` +
			[
				['1', result.oneWorker],
				['2', result.twoWorkers],
			]
				.map(
					([n, r]) =>
						`| ${n} | ${r.executionsPerSecond}/s | ${r.httpLatencyMs.p50} / ${r.httpLatencyMs.p99} ms | ${r.executionMs.p50} / ${r.executionMs.p99} ms | ${r.clusterCpuMsPerExecution} ms | ${r.failedExecutions} |`,
				)
				.join('\n') +
			`\n2 workers / 1 worker = ${result.twoWorkersVsOne}`,
	);
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		emit('queue', { measured: false, reason: `not measured: the queue-mode bench failed: ${String(error.message).split('\n')[0]}` });
		process.exit(1);
	},
);

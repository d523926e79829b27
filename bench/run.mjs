// Runs every bench/*.bench.mjs in turn (never part of `npm test`) and gathers their figures into
// bench/results/latest.json and bench/results/latest.md. `npm run bench [-- name-filter]`.
//
// Each bench prints its own tables and writes its figures as JSON into a scratch folder ($BENCH_RESULTS_DIR, see
// bench/lib/emit.mjs); this script puts the headline ratios (all measured in this one run) at the top of
// latest.json beside the raw figures, machine info, n8n version and date. The cheap in-process benches run first,
// the real-n8n one last; BENCH_BUDGET_SECONDS (default 570) is the whole run's budget, which the n8n bench uses to
// size its default-engine load so that `npm run bench` ends within 10 minutes. A filter run (`npm run bench --
// dedup`) writes bench/results/filtered.{json,md} instead, so latest.* always holds a full run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const filter = process.argv[2];
const ORDER = ['pipeline', 'identity', 'regex', 'dedup', 'redelivery', 'n8n', 'queue'];
const rank = (name) => {
	const index = ORDER.findIndex((prefix) => name.startsWith(`${prefix}.`));
	return index === -1 ? ORDER.length : index;
};
const benches = readdirSync(here)
	.filter((name) => name.endsWith('.bench.mjs') && (!filter || name.includes(filter)))
	.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (benches.length === 0) {
	console.error(`no bench/*.bench.mjs${filter ? ` matching "${filter}"` : ''}`);
	process.exit(1);
}

const started = Date.now();
/** Seconds to leave for the benches after this one (the n8n bench sizes its load to what remains). */
const RESERVE = { queue: 150 };
// Suite defaults that keep the whole run within budget (each still overridable from the environment).
const SUITE_DEFAULTS = { BENCH_CLAIMS: '3000', BENCH_QUEUE_REQUESTS: '400' };
const reserveAfter = (bench) => benches.slice(benches.indexOf(bench) + 1).reduce((sum, later) => sum + (RESERVE[later.replace(/\.bench\.mjs$/, '')] ?? 0), 0);
const budgetSeconds = Number(process.env.BENCH_BUDGET_SECONDS || 570);
const scratch = mkdtempSync(join(tmpdir(), 'postback-bench-results-'));
const loadAtStart = loadavg();
const runs = [];
let failed = 0;
for (const bench of benches) {
	console.log(`\n=== ${bench} (node ${process.version}) ===`);
	const benchStarted = Date.now();
	const result = spawnSync(process.execPath, [join(here, bench)], {
		stdio: 'inherit',
		env: { ...SUITE_DEFAULTS, ...process.env, BENCH_RESULTS_DIR: scratch, BENCH_DEADLINE_MS: String(started + (budgetSeconds - reserveAfter(bench)) * 1000) },
	});
	const seconds = Math.round((Date.now() - benchStarted) / 100) / 10;
	// pipeline.bench.mjs exits 1 when one of its own targets is missed; its figures are still written.
	const status = result.status === 0 ? 'ok' : `exit ${result.signal || result.status}`;
	if (result.status !== 0) {
		failed++;
		console.error(`${bench} ${result.status === 1 ? 'missed a target or failed' : 'failed'} (${result.signal || result.status})`);
	}
	runs.push({ bench, status, seconds });
}

const read = (name) => {
	const path = join(scratch, `${name}.json`);
	return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
};
const pipeline = read('pipeline');
const identity = read('identity');
const regex = read('regex');
const dedup = read('dedup');
const redelivery = read('redelivery');
const n8n = read('n8n');
const queue = read('queue');
rmSync(scratch, { recursive: true, force: true });

const notMeasured = (what, bench) => `not measured: ${bench ? `${bench} did not report (see its output above)` : `no ${what} in this run`}`;
const value = (figure, fallback) => (figure === undefined || figure === null ? fallback : figure);
const n8nNote = n8n ? undefined : notMeasured('n8n bench', runs.find((run) => run.bench.startsWith('n8n.'))?.bench);

const latest = {
	date: new Date().toISOString(),
	durationSeconds: Math.round((Date.now() - started) / 1000),
	// Headline ratios (plain numbers; each from this one run).
	coreVsFloor: value(pipeline?.coreVsFloor, null),
	coreVsMetaSdk: value(pipeline?.coreVsMetaSdk, null),
	metaOnlyVsMetaSdk: value(pipeline?.metaOnlyVsMetaSdk, null),
	n8nVsNoopFloor: value(n8n?.n8nVsNoopFloor, null),
	n8nVsNoopFloorDefaultEngine: value(n8n?.n8nVsNoopFloorDefaultEngine, null),
	n8nVsHandBuilt: value(n8n?.n8nVsHandBuilt, null),
	n8nVsHandBuiltDefaultEngine: value(n8n?.n8nVsHandBuiltDefaultEngine, null),
	metaCallsFor2500: value(n8n?.metaCallsFor2500, null),
	metaCallsFor2500Library: value(n8n?.metaCallsFor2500Library, null),
	hashVsMetaSdk: value(identity?.hashVsMetaSdk, null),
	// Where ours' time goes (first engine, back-to-back runs of the same load): executions/s and n8n CPU per execution.
	n8nBreakdown: n8n?.engines?.[Object.keys(n8n.engines)[0]]?.breakdown
		? Object.fromEntries(
				Object.entries(n8n.engines[Object.keys(n8n.engines)[0]].breakdown).map(([key, flow]) => [
					key,
					{ executionsPerSecond: flow.executionsPerSecond, n8nCpuMsPerExecution: flow.n8nCpuMsPerExecution },
				]),
			)
		: null,
	store: dedup
		? {
				sqliteDedupClaimsPerSecond: dedup.headline.sqliteDedupClaimsPerSecond,
				sqliteClickLookupsPerSecond: dedup.headline.sqliteClickLookupsPerSecond,
				postgresDedupClaimsPerSecond: dedup.headline.postgresDedupClaimsPerSecond,
				postgresDedupClaimsPerSecondInFlight: dedup.headline.postgresDedupClaimsPerSecondInFlight,
				postgresClickLookupsPerSecond: dedup.headline.postgresClickLookupsPerSecond,
				postgresClickLookupsPerSecondInFlight: dedup.headline.postgresClickLookupsPerSecondInFlight,
				postgres: dedup.postgres,
			}
		: notMeasured('store bench', runs.find((run) => run.bench.startsWith('dedup.'))?.bench),
	queueMode: queue?.measured
		? {
				oneWorkerExecutionsPerSecond: queue.oneWorker.executionsPerSecond,
				twoWorkersExecutionsPerSecond: queue.twoWorkers.executionsPerSecond,
				twoWorkersVsOne: queue.twoWorkersVsOne,
				requestsPerWorkerCount: queue.requestsPerWorkerCount,
				...(queue.loadCut ? { loadCut: queue.loadCut } : {}),
			}
		: (queue?.reason ?? notMeasured('queue-mode bench', runs.find((run) => run.bench.startsWith('queue.'))?.bench)),
	targets: { coreVsFloor: '≥ 0.5', coreVsMetaSdk: '≥ 3', n8nVsNoopFloor: '≥ 0.9', n8nVsNoopFloorDefaultEngine: '≥ 0.9', metaCallsFor2500: 3 },
	pass: {
		coreVsFloor: pipeline ? pipeline.coreVsFloor >= 0.5 : null,
		coreVsMetaSdk: pipeline ? pipeline.coreVsMetaSdk >= 3 : null,
		n8nVsNoopFloor: n8n?.n8nVsNoopFloor == null ? null : n8n.n8nVsNoopFloor >= 0.9,
		n8nVsNoopFloorDefaultEngine: n8n?.n8nVsNoopFloorDefaultEngine == null ? null : n8n.n8nVsNoopFloorDefaultEngine >= 0.9,
		metaCallsFor2500: n8n?.metaCallsFor2500 == null ? null : n8n.metaCallsFor2500 === 3,
	},
	...(n8nNote ? { n8nNote } : {}),
	...(n8n?.engines && Object.values(n8n.engines).some((engine) => engine.loadCut)
		? {
				n8nLoadCut: Object.fromEntries(
					Object.entries(n8n.engines)
						.filter(([, engine]) => engine.loadCut)
						.map(([name, engine]) => [name, engine.loadCut]),
				),
			}
		: {}),
	n8nVersion: n8n?.n8nVersion ?? JSON.parse(readFileSync(join(root, 'scripts/n8n-server/package.json'), 'utf8')).dependencies.n8n,
	machine: {
		node: process.version,
		platform: `${platform()} ${release()}`,
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model,
		memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
		loadavgAtStart: loadAtStart.map((load) => Math.round(load * 100) / 100),
		loadavgAtEnd: loadavg().map((load) => Math.round(load * 100) / 100),
	},
	benches: runs,
	raw: { pipeline, identity, ...(regex ? { regex } : {}), dedup, ...(redelivery ? { redelivery } : {}), n8n, ...(queue ? { queue } : {}) },
};

// ---------------------------------------------------------------------------------------------------------------
// latest.md: the short table
// ---------------------------------------------------------------------------------------------------------------

const fmt = (number, digits = 2) => (typeof number === 'number' ? number.toFixed(digits) : 'n/a');
const rate = (number) => (typeof number === 'number' ? `${Math.round(number).toLocaleString('en-US')}/s` : 'n/a');
const verdict = (pass) => (pass === true ? 'pass' : pass === false ? '**miss**' : '—');
const flow = (engine, key) => n8n?.engines?.[engine]?.workflows?.[key];
const flowText = (engine, key) => {
	const f = flow(engine, key);
	return f
		? `${rate(f.executionsPerSecond)} (p50/p99 ${f.executionMs.p50}/${f.executionMs.p99} ms exec, HTTP ${f.httpLatencyMs.p50}/${f.httpLatencyMs.p99} ms; ${f.n8nCpuMsPerExecution} ms CPU)`
		: 'n/a';
};
const batch = n8n?.engines ? Object.values(n8n.engines).find((engine) => engine.batch)?.batch : undefined;
const lines = [
	`# Benchmarks — ${latest.date.slice(0, 16).replace('T', ' ')} UTC`,
	'',
	`n8n ${latest.n8nVersion}, Node ${process.version}, ${latest.machine.cpus} × ${latest.machine.cpuModel ?? 'CPU'}, load average ${latest.machine.loadavgAtStart[0]} → ${latest.machine.loadavgAtEnd[0]}; whole run ${latest.durationSeconds} s. Every ratio is measured in this one run.`,
	'',
	'| figure | value | target | | raw |',
	'|---|---|---|---|---|',
	`| coreVsFloor (pipeline / parse+hash floor, one core) | ${fmt(latest.coreVsFloor)} | ≥ 0.5 | ${verdict(latest.pass.coreVsFloor)} | ${rate(pipeline?.ratePerSecond?.pipeline)} vs ${rate(pipeline?.ratePerSecond?.floor)} |`,
	`| coreVsMetaSdk (pipeline, 3 platforms + parse / Meta SDK path) | ${fmt(latest.coreVsMetaSdk)} | ≥ 3 | ${verdict(latest.pass.coreVsMetaSdk)} | ${rate(pipeline?.ratePerSecond?.pipeline)} vs ${rate(pipeline?.ratePerSecond?.metaSdk)} |`,
	`| metaOnlyVsMetaSdk (Meta only, same input and work) | ${fmt(latest.metaOnlyVsMetaSdk)} | — | | ${rate(pipeline?.ratePerSecond?.metaOnly)} vs ${rate(pipeline?.ratePerSecond?.metaSdk)} |`,
	`| n8nVsNoopFloor (legacy engine) | ${fmt(latest.n8nVsNoopFloor)} | ≥ 0.9 | ${verdict(latest.pass.n8nVsNoopFloor)} | ours ${flowText('legacy', 'ours')}; floor ${flowText('legacy', 'floor')} |`,
	`| n8nVsNoopFloorDefaultEngine (vm) | ${fmt(latest.n8nVsNoopFloorDefaultEngine)} | ≥ 0.9 | ${verdict(latest.pass.n8nVsNoopFloorDefaultEngine)} | ours ${flowText('default', 'ours')}; floor ${flowText('default', 'floor')} |`,
	`| n8nVsHandBuilt (legacy engine) | ${fmt(latest.n8nVsHandBuilt)} | — | | hand-built ${flowText('legacy', 'hand')} |`,
	`| n8nVsHandBuiltDefaultEngine (vm) | ${fmt(latest.n8nVsHandBuiltDefaultEngine)} | — | | hand-built ${flowText('default', 'hand')} |`,
	`| metaCallsFor2500 (one execution, real n8n) | ${latest.metaCallsFor2500 ?? 'n/a'} | 3 | ${verdict(latest.pass.metaCallsFor2500)} | ${batch ? `${batch.eventsPerRequest.join(' + ')} events, ${batch.metaEventsAccepted} accepted, execution ${batch.executionSeconds} s; library plan: ${latest.metaCallsFor2500Library ?? 'n/a'} requests` : 'n/a'} |`,
	`| SQLite: dedup claims / click lookups | ${rate(dedup?.headline?.sqliteDedupClaimsPerSecond)} / ${rate(dedup?.headline?.sqliteClickLookupsPerSecond)} | — | | one process, sequential |`,
	`| PostgreSQL: dedup claims / click lookups | ${rate(dedup?.headline?.postgresDedupClaimsPerSecond)} / ${rate(dedup?.headline?.postgresClickLookupsPerSecond)} | — | | sequential; ${rate(dedup?.headline?.postgresDedupClaimsPerSecondInFlight)} / ${rate(dedup?.headline?.postgresClickLookupsPerSecondInFlight)} with 8 in flight; ${dedup?.postgres ?? 'n/a'} |`,
	`| Meta hashing vs SDK (identity) | ${fmt(latest.hashVsMetaSdk)} | — | | values/s, all fields |`,
	`| redelivery: ${redelivery?.count?.toLocaleString('en-US') ?? 'n/a'} due events to Meta, SQLite / PostgreSQL (events/s) | ${rate(redelivery?.sqlite?.eventsPerSecond)} / ${rate(redelivery?.postgres?.eventsPerSecond)} | — | | Meta calls ${redelivery?.sqlite?.metaCalls ?? 'n/a'} / ${redelivery?.postgres?.metaCalls ?? 'n/a'} (⌈N/1000⌉ = ${redelivery?.sqlite?.expectedCalls ?? 'n/a'}); claim 1,000 → plan → send → settle |`,
	`| request-data patterns, worst case at 80 kB (regex) | ${regex ? `${regex.worstRewriteMs} ms` : 'n/a'} | — | | old patterns up to ${regex?.worstOldMs ?? 'n/a'} ms on the same inputs |`,
	latest.n8nBreakdown
		? `| breakdown, legacy (executions/s · n8n CPU ms/execution) | ${Object.entries(latest.n8nBreakdown)
				.map(([key, flow]) => `${key} ${flow.executionsPerSecond} · ${flow.n8nCpuMsPerExecution}`)
				.join(
					'; ',
				)} | — | | floor = Webhook → NoOp; floorSameShape = Webhook → NoOp → NoOp; triggerOnly; triggerFunnel = Trigger → Funnel; ours = Trigger → Funnel → Meta |`
		: null,
	typeof latest.queueMode === 'string'
		? `| queue mode | ${latest.queueMode} | — | | |`
		: `| queue mode: 2 workers / 1 worker | ${fmt(latest.queueMode.twoWorkersVsOne)} | — | | 1 worker ${rate(latest.queueMode.oneWorkerExecutionsPerSecond)} (p50/p99 ${queue.oneWorker.executionMs.p50}/${queue.oneWorker.executionMs.p99} ms exec), 2 workers ${rate(latest.queueMode.twoWorkersExecutionsPerSecond)}; ${latest.queueMode.requestsPerWorkerCount} requests each, PostgreSQL store |`,
	'',
	n8n?.load
		? `n8n load: ${n8n.load.concurrency} concurrent on loopback, ${n8n.load.requestsPerWorkflow.legacy} (legacy) / ${n8n.load.requestsPerWorkflow.default} (default engine) requests per workflow; throughput counts completed executions (first request → last execution stopped). "ms CPU": n8n process + task runner CPU per execution.`
		: '',
	'',
	`Raw figures: latest.json. Benches: ${runs.map((run) => `${run.bench} ${run.status} ${run.seconds} s`).join(', ')}.`,
	'',
];

const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const base = filter ? 'filtered' : 'latest';
writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(latest, null, 2)}\n`);
const kept = lines.filter((line) => line !== null);
const text = kept.filter((line, index) => line !== '' || kept[index - 1] !== '').join('\n');
writeFileSync(join(outDir, `${base}.md`), text);
console.log(`\n${text}`);
console.log(`wrote bench/results/${base}.json and bench/results/${base}.md in ${latest.durationSeconds} s`);
process.exit(failed ? 1 : 0);

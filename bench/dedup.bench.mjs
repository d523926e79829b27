// Dedup claims per second on SQLite and PostgreSQL — one process in sequence, one process with claims in
// flight, several processes claiming the same keys at once — plus what a conversion's whole write set costs
// and what sharedStore() saves over opening a store per call. Every ratio is computed from this run.
//
// It runs the engine transpiled from src/ (test/store/compile-src.cjs → .cache/store-build/<hash>), so no
// `npm run build` is needed and the numbers are never from a stale dist/. PostgreSQL: PGHOST/PGPORT/PGUSER/
// PGPASSWORD/PGDATABASE (default 127.0.0.1:5432 postgres/test), else an embedded server is started; each run
// uses its own schema and drops it. Knobs: BENCH_CLAIMS (default 5000), BENCH_PROCESSES (4),
// N8N_EXECUTION_MS (9, n8n's own cost per execution measured for issue 3).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { emit, round } from './lib/emit.mjs';

const require = createRequire(import.meta.url);
const { compileSources } = require('../test/store/compile-src.cjs');
const { runWorkers } = require('../test/store/workers.cjs');

const CLAIMS = Number(process.env.BENCH_CLAIMS || 5000);
const PROCESSES = Number(process.env.BENCH_PROCESSES || 4);
const N8N_EXECUTION_MS = Number(process.env.N8N_EXECUTION_MS || 9);
const IN_FLIGHT = 8;

const buildDir = compileSources();
const { openStore, sharedStore, closeSharedStores } = require(join(buildDir, 'src', 'store'));
const { ensurePostgres, createTestSchemaName, dropSchemas } = require(join(buildDir, 'test', 'store', 'postgres-server.js'));

const now = () => process.hrtime.bigint();
const msSince = (start) => Number(now() - start) / 1e6;

/** Times `count` calls of `body(i)` with up to `inFlight` outstanding; returns µs per call and calls per second. */
async function measure(count, body, inFlight = 1) {
	const start = now();
	let next = 0;
	const runner = async () => {
		while (next < count) await body(next++);
	};
	await Promise.all(Array.from({ length: inFlight }, runner));
	const ms = msSince(start);
	return { perCallUs: (ms * 1000) / count, perSecond: count / (ms / 1000), count };
}

const key = (prefix, index) => ({ network: 'bench', transactionId: `${prefix}-${index}`, eventName: 'Purchase' });

function conversionFor(index, prefix) {
	const k = key(prefix, index);
	return {
		id: `cv_${prefix}_${index}`,
		...k,
		clickId: `clk_${index}`,
		affiliateId: 'aff_1',
		status: 'approved',
		amount: '120.5',
		commission: '12.05',
		currency: 'USD',
		occurredAt: '2024-05-01T12:00:00.000Z',
		recordedAt: '2024-05-01T12:00:05.000Z',
		attribution: 'click_id',
		payload: { raw: { tranID: k.transactionId, amount: '120.50', userID: '123', comment: 'x'.repeat(200) } },
	};
}

/** The writes the funnel makes for one new conversion: claim, click lookup, save (with its first status), ledger line. */
async function conversionWriteSet(store, index, prefix) {
	const conversion = conversionFor(index, prefix);
	if ((await store.claimConversion(key(prefix, index))) !== 'first') throw new Error('expected first');
	await store.findClick(conversion.clickId);
	await store.saveConversion(conversion);
	await store.addLedgerEntry({
		id: `led_${prefix}_${index}`,
		affiliateId: 'aff_1',
		kind: 'commission',
		amount: '12.05',
		currency: 'USD',
		status: 'approved',
		conversionId: conversion.id,
		occurredAt: conversion.occurredAt,
		recordedAt: conversion.recordedAt,
	});
}

/** A click as the Click Tracker records it (ad click ids, IP, user agent, landing page). */
function benchClick(index) {
	return {
		clickId: `lk_${index}`,
		clickedAt: '2024-05-01T11:00:00.000Z',
		network: 'shareasale',
		offerId: 'offer_1',
		affiliateId: 'aff_1',
		gclid: `Cj0KCQjw${index}`,
		fbclid: `IwAR${index}`,
		ip: `203.0.113.${index % 250}`,
		userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
		landingUrl: `https://shop.example.com/landing?cid=${index}`,
	};
}

async function benchBackend(label, config) {
	const rows = {};
	const store = await openStore(config);
	try {
		// Warm-up: prepared statements, pool connections, page cache.
		for (let index = 0; index < 300; index++) await store.claimConversion(key('warm', index));
		for (let index = 0; index < 300; index++) await store.recordClick({ clickId: `clk_${index}`, clickedAt: '2024-05-01T11:00:00.000Z', gclid: `g${index}` });

		rows.firstSeq = await measure(CLAIMS, (index) => store.claimConversion(key('first', index)));
		rows.dupSeq = await measure(CLAIMS, (index) => store.claimConversion(key('first', index)));
		rows.firstInFlight = await measure(CLAIMS, (index) => store.claimConversion(key('flight', index)), IN_FLIGHT);
		rows.writeSet = await measure(Math.min(CLAIMS, 2000), (index) => conversionWriteSet(store, index, 'ws'));
		// Click lookups: the funnel's attribution read (findClick by click id), on clicks recorded just before.
		rows.clickRecord = await measure(CLAIMS, (index) => store.recordClick(benchClick(index)));
		rows.clickLookup = await measure(CLAIMS, async (index) => {
			if (!(await store.findClick(`lk_${(index * 7919) % CLAIMS}`))) throw new Error('click not found');
		});
		rows.clickLookupInFlight = await measure(CLAIMS, (index) => store.findClick(`lk_${(index * 104729) % CLAIMS}`), IN_FLIGHT);
		rows.clickLookupMiss = await measure(CLAIMS, (index) => store.findClick(`missing_${index}`));
	} finally {
		await store.close();
	}

	const workers = await runWorkers({
		count: PROCESSES,
		timeoutMs: 600000,
		task: () => ({ buildDir, config, keys: CLAIMS, network: 'procs', inFlight: config.kind === 'postgres' ? IN_FLIGHT : 1 }),
	});
	const totalClaims = PROCESSES * CLAIMS;
	const firsts = workers.flatMap((worker) => worker.claims).filter((claim) => claim === 'first').length;
	if (firsts !== CLAIMS) throw new Error(`${label}: ${firsts} firsts for ${CLAIMS} keys`);
	const wallMs = workers.wallNs / 1e6;
	rows.procs = { perCallUs: (wallMs * 1000) / totalClaims, perSecond: totalClaims / (wallMs / 1000), count: totalClaims };

	// sharedStore reuse vs open (and migrate) + close per call.
	await sharedStore(config);
	rows.shared = await measure(2000, async (index) => (await sharedStore(config)).claimConversion(key('shared', index)));
	rows.openEach = await measure(config.kind === 'postgres' ? 30 : 100, async (index) => {
		const own = await openStore(config);
		try {
			await own.claimConversion(key('open', index));
		} finally {
			await own.close();
		}
	});
	await closeSharedStores();
	return rows;
}

const fmtRate = (row) => (row ? `${Math.round(row.perSecond).toLocaleString('en-US')}/s` : 'n/a');
const fmtUs = (row) => (row ? `${row.perCallUs.toFixed(1)} µs` : 'n/a');
const pctOfN8n = (row) => (row ? `${((row.perCallUs / 1000 / N8N_EXECUTION_MS) * 100).toFixed(2)} %` : 'n/a');

function table(header, lines) {
	const widths = header.map((_, column) => Math.max(...[header, ...lines].map((line) => String(line[column]).length)));
	const render = (line) => `| ${line.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`;
	console.log(render(header));
	console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
	for (const line of lines) console.log(render(line));
}

async function main() {
	const sqliteVersion = (await import('node:sqlite')).DatabaseSync
		? new (await import('node:sqlite')).DatabaseSync(':memory:').prepare('select sqlite_version() v').get().v
		: '?';
	console.log(
		`node ${process.version}, SQLite ${sqliteVersion}, ${availableParallelism()} CPUs; ${CLAIMS} claims per measurement, ${PROCESSES} processes, ${IN_FLIGHT} in flight`,
	);

	const dir = mkdtempSync(join(tmpdir(), 'postback-bench-'));
	let sqlite;
	try {
		sqlite = await benchBackend('sqlite', { kind: 'sqlite', path: join(dir, 'bench.sqlite') });
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}

	let postgres;
	let pgNote = '';
	const server = await ensurePostgres('bench/dedup.bench.mjs').catch((error) => {
		pgNote = error.message;
		return undefined;
	});
	if (server) {
		const schema = createTestSchemaName('bench');
		try {
			const { Client } = require('pg');
			const client = new Client({ connectionString: server.connectionString });
			await client.connect();
			pgNote = `${(await client.query('SHOW server_version')).rows[0].server_version} at ${server.host}:${server.port}${server.embedded ? ' (embedded, started for this run)' : ''}, pool 5`;
			await client.end();
			postgres = await benchBackend('postgres', { kind: 'postgres', connectionString: server.connectionString, schema });
		} finally {
			await dropSchemas(server.connectionString, [schema]).catch(() => undefined);
			await server.stop();
		}
	}
	console.log(`PostgreSQL: ${postgres ? pgNote : `skipped — ${pgNote || 'no server reachable or startable'}`}\n`);

	const lines = [
		['claim, new key — 1 process, sequential', 'firstSeq'],
		['claim, duplicate — 1 process, sequential', 'dupSeq'],
		[`claim, new key — 1 process, ${IN_FLIGHT} in flight`, 'firstInFlight'],
		[`claim, same keys — ${PROCESSES} processes at once (total)`, 'procs'],
		['conversion write set (claim+click+save+ledger)', 'writeSet'],
		['click record (recordClick)', 'clickRecord'],
		['click lookup, hit — 1 process, sequential', 'clickLookup'],
		[`click lookup, hit — 1 process, ${IN_FLIGHT} in flight`, 'clickLookupInFlight'],
		['click lookup, miss — 1 process, sequential', 'clickLookupMiss'],
		['sharedStore() + claim, reused', 'shared'],
		['openStore() + claim + close, per call', 'openEach'],
	].map(([label, field]) => {
		const ratio = sqlite?.[field] && postgres?.[field] ? `${(postgres[field].perCallUs / sqlite[field].perCallUs).toFixed(2)}×` : 'n/a';
		return [
			label,
			fmtRate(sqlite?.[field]),
			fmtUs(sqlite?.[field]),
			pctOfN8n(sqlite?.[field]),
			fmtRate(postgres?.[field]),
			fmtUs(postgres?.[field]),
			pctOfN8n(postgres?.[field]),
			ratio,
		];
	});
	table(['operation', 'SQLite', 'per op', `of ${N8N_EXECUTION_MS} ms`, 'PostgreSQL', 'per op', `of ${N8N_EXECUTION_MS} ms`, 'PG / SQLite'], lines);

	const reuse = (rows) => (rows ? `${(rows.openEach.perCallUs / rows.shared.perCallUs).toFixed(0)}×` : 'n/a');
	console.log(`\nsharedStore reuse vs open-per-call: SQLite ${reuse(sqlite)} cheaper, PostgreSQL ${reuse(postgres)} cheaper.`);
	const figures = (rows) =>
		rows
			? Object.fromEntries(
					Object.entries(rows).map(([field, row]) => [field, { perSecond: round(row.perSecond, 1), perCallUs: round(row.perCallUs, 2), count: row.count }]),
				)
			: null;
	emit('dedup', {
		claimsPerMeasurement: CLAIMS,
		processes: PROCESSES,
		inFlight: IN_FLIGHT,
		sqliteVersion,
		postgres: postgres ? pgNote : `not measured: ${pgNote || 'no server reachable or startable'}`,
		sqlite: figures(sqlite),
		postgresFigures: figures(postgres),
		headline: {
			sqliteDedupClaimsPerSecond: round(sqlite?.firstSeq.perSecond, 1),
			sqliteClickLookupsPerSecond: round(sqlite?.clickLookup.perSecond, 1),
			postgresDedupClaimsPerSecond: round(postgres?.firstSeq.perSecond, 1),
			postgresDedupClaimsPerSecondInFlight: round(postgres?.firstInFlight.perSecond, 1),
			postgresClickLookupsPerSecond: round(postgres?.clickLookup.perSecond, 1),
			postgresClickLookupsPerSecondInFlight: round(postgres?.clickLookupInFlight.perSecond, 1),
		},
	});
	console.log(
		`"of ${N8N_EXECUTION_MS} ms": the store's time per operation as a share of n8n's own cost per execution (issue 3's figure; set N8N_EXECUTION_MS to change it).`,
	);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});

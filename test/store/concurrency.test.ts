/**
 * Several PROCESSES claim the same keys at the same moment, on one SQLite file and on one PostgreSQL schema:
 * exactly one 'first' per key across all of them. The workers (claim-worker.cjs) run the engine transpiled
 * from src/ by compile-src.cjs into .cache/store-build/<hash> (no `npm run build` needed, never stale). They
 * open the store on a fresh database concurrently (so migrations race too), wait at a barrier, then claim.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import type { StoreConfig } from '../../src/store';
import { MIGRATIONS } from '../../src/store/migrations';
import { createTestSchemaName, dropSchemas, ensurePostgres, postgresAvailable } from './postgres-server';
import type { PostgresServer } from './postgres-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileSources } = require('./compile-src.cjs') as { compileSources: () => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runWorkers } = require('./workers.cjs') as {
	runWorkers: (options: { count: number; task: (worker: number) => object; timeoutMs?: number }) => Promise<
		Array<{ claims: string[]; sequences: number[]; link?: { affiliateId: string; clickId?: string }; claimNs: number }>
	>;
};

const PROCESSES = 4;
const KEYS = 500;
const SEQUENCES = 25;

let buildDir: string;
beforeAll(() => {
	buildDir = compileSources();
});

async function raceOn(config: StoreConfig, inFlight: number): Promise<void> {
	const results = await runWorkers({
		count: PROCESSES,
		timeoutMs: 90000,
		task: () => ({ buildDir, config, keys: KEYS, network: 'race', inFlight, sequences: SEQUENCES, sequenceClickId: 'clk_shared', customerKey: 'sha256:shared' }),
	});

	// Exactly one 'first' per key across all processes; every other claim 'duplicate'.
	for (let key = 0; key < KEYS; key++) {
		const outcomes = results.map((result) => result.claims[key]);
		expect({ key, firsts: outcomes.filter((outcome) => outcome === 'first').length }).toEqual({ key, firsts: 1 });
		expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(PROCESSES - 1);
	}
	// The per-click counter handed out 1..N exactly once across processes.
	const sequences = results.flatMap((result) => result.sequences).sort((a, b) => a - b);
	expect(sequences).toEqual(Array.from({ length: PROCESSES * SEQUENCES }, (_, index) => index + 1));
	// Every process saw the same first link for the customer.
	const links = results.map((result) => JSON.stringify(result.link));
	expect(new Set(links).size).toBe(1);

	// And the database agrees: migrated once, every key already claimed.
	const store = await openStore(config);
	try {
		for (let key = 0; key < KEYS; key += 37) {
			expect(await store.claimConversion({ network: 'race', transactionId: `T-${key}`, eventName: 'Purchase' })).toBe('duplicate');
		}
		expect(await store.nextClickSequence('clk_shared')).toBe(PROCESSES * SEQUENCES + 1);
	} finally {
		await store.close();
	}
}

describe(`SQLite: ${PROCESSES} processes × ${KEYS} keys on one file`, () => {
	let root: string;
	beforeAll(() => {
		root = mkdtempSync(join(tmpdir(), 'postback-race-'));
	});
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	it('yields exactly one first per key, and migrates the fresh file once', async () => {
		const path = join(root, 'race.sqlite');
		await raceOn({ kind: 'sqlite', path }, 1);
		const { DatabaseSync } = await import('node:sqlite');
		const db = new DatabaseSync(path);
		try {
			expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
			expect(db.prepare('SELECT count(*) AS n FROM conversion_claims').get()).toEqual({ n: KEYS });
		} finally {
			db.close();
		}
	});
});

const SUITE = 'PostgreSQL multi-process claims (test/store/concurrency.test.ts)';
const describeIfServer = postgresAvailable(SUITE) ? describe : describe.skip;

describeIfServer(`PostgreSQL: ${PROCESSES} processes × ${KEYS} keys on one schema`, () => {
	let server: PostgresServer | undefined;
	const schemas: string[] = [];
	beforeAll(async () => {
		server = await ensurePostgres(SUITE);
		if (!server) throw new Error(`${SUITE}: no PostgreSQL server could be reached or started`);
	}, 120000);
	afterAll(async () => {
		if (!server) return;
		await dropSchemas(server.connectionString, schemas);
		await server.stop();
	});

	it.each([
		['one claim at a time per process', 1],
		['8 claims in flight per process', 8],
	])('yields exactly one first per key (%s), and migrates the fresh schema once', async (_label, inFlight) => {
		const schema = createTestSchemaName('c');
		schemas.push(schema);
		await raceOn({ kind: 'postgres', connectionString: server!.connectionString, schema, poolSize: 4 }, inFlight as number);
		const { Client } = await import('pg');
		const client = new Client({ connectionString: server!.connectionString });
		await client.connect();
		try {
			expect((await client.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`)).rows).toEqual([{ n: MIGRATIONS.length }]);
			expect((await client.query(`SELECT count(*)::int AS n FROM "${schema}".conversion_claims`)).rows).toEqual([{ n: KEYS }]);
		} finally {
			await client.end();
		}
	});
});

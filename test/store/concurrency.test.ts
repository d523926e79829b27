/**
 * Several PROCESSES claim the same keys at the same moment, on one SQLite file and on one PostgreSQL schema:
 * exactly one 'first' per key across all of them, for fresh keys and for claims whose lease has run out (or
 * that were released), which exactly one process takes over. A version-1 database upgraded by processes
 * opening it at once keeps its claims done. The workers (claim-worker.cjs) run the engine transpiled
 * from src/ by compile-src.cjs into .cache/store-build/<hash> (no `npm run build` needed, never stale). They
 * open the store on a fresh database concurrently (so migrations race too), wait at a barrier, then claim.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import type { StoreConfig } from '../../src/store';
import { MIGRATIONS, migratePostgres, migrateSqlite } from '../../src/store/migrations';
import { createTestSchemaName, dropSchemas, ensurePostgres, postgresAvailable } from './postgres-server';
import type { PostgresServer } from './postgres-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileSources } = require('./compile-src.cjs') as { compileSources: () => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runWorkers } = require('./workers.cjs') as {
	runWorkers: (options: { count: number; task: (worker: number) => object; timeoutMs?: number }) => Promise<
		Array<{
			claims: string[];
			states: string[];
			completed: Array<boolean | null>;
			sequences: number[];
			link?: { affiliateId: string; clickId?: string };
			claimNs: number;
		}>
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
		task: () => ({
			buildDir,
			config,
			keys: KEYS,
			network: 'race',
			inFlight,
			sequences: SEQUENCES,
			sequenceClickId: 'clk_shared',
			customerKey: 'sha256:shared',
		}),
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

/** Raw SQL on the database of a configuration, tables unqualified. */
async function rawSql(config: StoreConfig): Promise<{ run(sql: string): Promise<Array<Record<string, unknown>>>; close(): Promise<void> }> {
	if (config.kind === 'sqlite') {
		const { DatabaseSync } = await import('node:sqlite');
		const db = new DatabaseSync(config.path, { timeout: 5000 });
		return { run: async (sql) => db.prepare(sql).all() as Array<Record<string, unknown>>, close: async () => db.close() };
	}
	const { Client } = await import('pg');
	const client = new Client({ connectionString: config.connectionString });
	await client.connect();
	await client.query(`SET search_path TO "${config.schema}"`);
	return { run: async (sql) => (await client.query(sql)).rows as Array<Record<string, unknown>>, close: () => client.end() };
}

const TAKEOVER_KEYS = 200;
/** What the claim of key `index` is when the processes start: done, expired, released, or pending within its lease. */
const groupOf = (index: number) => (['done', 'expired', 'released', 'in-flight'] as const)[index % 4];

/**
 * Claims are taken (and some completed or released) by one store, the expired ones moved into the past; then
 * the processes race for all of them with a one-minute lease and complete what they won.
 */
async function takeoverRaceOn(config: StoreConfig, inFlight: number): Promise<void> {
	const setup = await openStore(config);
	try {
		for (let index = 0; index < TAKEOVER_KEYS; index++) {
			const key = { network: 'takeover', transactionId: `T-${index}`, eventName: 'Purchase' };
			const held = await setup.claimConversionDetailed(key);
			if (groupOf(index) === 'done') await setup.completeClaim(key, { token: held.token });
			if (groupOf(index) === 'released') await setup.releaseClaim(key, { token: held.token! });
		}
	} finally {
		await setup.close();
	}
	const sql = await rawSql(config);
	try {
		await sql.run(
			`UPDATE conversion_claims SET claimed_at = '2000-01-01T00:00:00.000Z' WHERE network = 'takeover' AND state <> 'released' AND (CAST(substr(transaction_id, 3) AS INTEGER) % 4) IN (0, 1)`,
		);

		const results = await runWorkers({
			count: PROCESSES,
			timeoutMs: 90000,
			task: () => ({ buildDir, config, keys: TAKEOVER_KEYS, network: 'takeover', inFlight, detailed: true, leaseMs: 60_000, complete: true }),
		});

		for (let key = 0; key < TAKEOVER_KEYS; key++) {
			const group = groupOf(key);
			const firsts = results.filter((result) => result.claims[key] === 'first');
			const states = results.map((result) => result.states[key]);
			if (group === 'expired' || group === 'released') {
				// Exactly one process took it over, and its completion held.
				expect({ key, group, firsts: firsts.length }).toEqual({ key, group, firsts: 1 });
				expect(states.filter((state) => state === 'taken-over')).toHaveLength(1);
				expect(firsts[0].completed[key]).toBe(true);
				// The others saw it in flight, or already completed by the winner.
				expect(states.filter((state) => state === 'in-flight' || state === 'done')).toHaveLength(PROCESSES - 1);
			} else {
				expect({ key, group, firsts: firsts.length }).toEqual({ key, group, firsts: 0 });
				expect(new Set(states)).toEqual(new Set([group]));
			}
		}

		// And the database agrees: one takeover per expired or released claim, all of them done now.
		const rows = await sql.run(`SELECT transaction_id, state, takeovers FROM conversion_claims WHERE network = 'takeover'`);
		expect(rows).toHaveLength(TAKEOVER_KEYS);
		for (const row of rows) {
			const group = groupOf(Number(String(row.transaction_id).slice(2)));
			const expected =
				group === 'in-flight' ? { state: 'pending', takeovers: 0 } : group === 'done' ? { state: 'done', takeovers: 0 } : { state: 'done', takeovers: 1 };
			expect({ id: row.transaction_id, state: row.state, takeovers: Number(row.takeovers) }).toEqual({ id: row.transaction_id, ...expected });
		}
	} finally {
		await sql.close();
	}
}

/** A version-1 database with claims, which the processes open (and so upgrade) at once, then claim with a 1 ms lease. */
async function upgradeRaceOn(config: StoreConfig): Promise<void> {
	const sql = await rawSql(config);
	try {
		const values = Array.from({ length: TAKEOVER_KEYS }, (_, index) => `('upgrade', 'T-${index}', 'Purchase', '2020-01-01T00:00:00.000Z')`).join(', ');
		await sql.run(`INSERT INTO conversion_claims VALUES ${values}`);
		const results = await runWorkers({
			count: PROCESSES,
			timeoutMs: 90000,
			task: () => ({ buildDir, config, keys: TAKEOVER_KEYS, network: 'upgrade', inFlight: 1, detailed: true, leaseMs: 1 }),
		});
		for (const result of results) {
			expect(new Set(result.claims)).toEqual(new Set(['duplicate']));
			expect(new Set(result.states)).toEqual(new Set(['done']));
		}
		expect((await sql.run('SELECT version FROM schema_migrations ORDER BY version')).map((row) => Number(row.version))).toEqual(
			MIGRATIONS.map((migration) => migration.version),
		);
		expect(await sql.run(`SELECT DISTINCT state, takeovers FROM conversion_claims`)).toEqual([{ state: 'done', takeovers: 0 }]);
	} finally {
		await sql.close();
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

describe(`SQLite: ${PROCESSES} processes take over ${TAKEOVER_KEYS} claims on one file`, () => {
	let root: string;
	beforeAll(() => {
		root = mkdtempSync(join(tmpdir(), 'postback-takeover-'));
	});
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	it('each expired or released claim is taken over by exactly one process; done and in-flight ones by none', async () => {
		await takeoverRaceOn({ kind: 'sqlite', path: join(root, 'takeover.sqlite') }, 1);
	});

	it('a version-1 file upgraded by processes opening it at once keeps its claims done', async () => {
		const path = join(root, 'v1.sqlite');
		const { DatabaseSync } = await import('node:sqlite');
		const db = new DatabaseSync(path);
		migrateSqlite(db, MIGRATIONS.slice(0, 1));
		db.close();
		await upgradeRaceOn({ kind: 'sqlite', path });
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

	it.each([
		['one claim at a time per process', 1],
		['8 claims in flight per process', 8],
	])('each expired or released claim is taken over by exactly one process (%s)', async (_label, inFlight) => {
		const schema = createTestSchemaName('c');
		schemas.push(schema);
		await takeoverRaceOn({ kind: 'postgres', connectionString: server!.connectionString, schema, poolSize: 4 }, inFlight as number);
	});

	it('a version-1 schema upgraded by processes opening it at once keeps its claims done', async () => {
		const schema = createTestSchemaName('c');
		schemas.push(schema);
		const { Client } = await import('pg');
		const client = new Client({ connectionString: server!.connectionString });
		await client.connect();
		try {
			await migratePostgres(client, schema, `"${schema}"`, MIGRATIONS.slice(0, 1));
		} finally {
			await client.end();
		}
		await upgradeRaceOn({ kind: 'postgres', connectionString: server!.connectionString, schema, poolSize: 2 });
	});
});

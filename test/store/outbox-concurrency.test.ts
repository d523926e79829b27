/**
 * Several PROCESSES drain one outbox at the same moment, on one SQLite file and on one PostgreSQL schema: each due
 * entry (fresh, or left by a crashed run whose lease has run out) is claimed by exactly one process and settled by
 * it; entries another run still holds, and entries not due yet, by none. The workers (outbox-worker.cjs) run the
 * engine transpiled from src/ by compile-src.cjs, as concurrency.test.ts does.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import type { StoreConfig } from '../../src/store';
import { createTestSchemaName, dropSchemas, ensurePostgres, postgresAvailable } from './postgres-server';
import type { PostgresServer } from './postgres-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileSources } = require('./compile-src.cjs') as { compileSources: () => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runWorkers } = require('./workers.cjs') as {
	runWorkers: (options: {
		count: number;
		task: (worker: number) => object;
		timeoutMs?: number;
		script?: string;
	}) => Promise<Array<{ claimed: string[]; settled: boolean[] }>>;
};

const PROCESSES = 4;
const ENTRIES = 240;
const NOW = '2026-05-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
/** What entry `index` is when the processes start: due, left by a crashed run (lease run out), held by a live run, or not due yet. */
const groupOf = (index: number) => (['due', 'crashed', 'held', 'future'] as const)[index % 4];

let buildDir: string;
beforeAll(() => {
	buildDir = compileSources();
});

async function drainOn(config: StoreConfig, inFlight: number): Promise<void> {
	const destination = 'meta';
	const setup = await openStore(config);
	try {
		const ids = Array.from({ length: ENTRIES }, (_, index) => `conv-${index}`);
		await setup.enqueueDeliveries(
			ids.map((conversionId, index) => ({ conversionId, destination, item: { index }, dueAt: groupOf(index) === 'future' ? at(1) : at(-60_000) })),
		);
		// Leases taken before the race: the crashed run's ran out at NOW - 1 s; the live run's lasts past NOW.
		for (const [group, leaseMs] of [
			['crashed', 29_000],
			['held', 60_000],
		] as const) {
			const taken = await setup.claimDueDeliveries({ now: at(-30_000), limit: 1000, leaseMs, destinations: [destination] });
			for (const entry of taken) {
				if (groupOf(Number(entry.conversionId.slice(5))) !== group) {
					await setup.settleDelivery(entry, { state: 'pending', dueAt: at(-60_000) }, { token: entry.token });
				}
			}
		}
	} finally {
		await setup.close();
	}

	const results = await runWorkers({
		count: PROCESSES,
		timeoutMs: 90000,
		script: 'outbox-worker.cjs',
		task: () => ({ buildDir, config, now: NOW, limit: 7, leaseMs: 60_000, destination, inFlight }),
	});

	const claims = new Map<string, number>();
	for (const result of results) {
		for (const id of result.claimed) claims.set(id, (claims.get(id) ?? 0) + 1);
		expect(new Set(result.settled)).toEqual(new Set(result.claimed.length > 0 ? [true] : []));
	}
	for (let index = 0; index < ENTRIES; index++) {
		const group = groupOf(index);
		const expected = group === 'due' || group === 'crashed' ? 1 : 0;
		expect({ index, group, claims: claims.get(`conv-${index}`) ?? 0 }).toEqual({ index, group, claims: expected });
	}

	const check = await openStore(config);
	try {
		const entries = await check.listOutbox({ limit: 1000 });
		expect(entries).toHaveLength(ENTRIES);
		for (const entry of entries) {
			const group = groupOf(Number(entry.conversionId.slice(5)));
			expect({ id: entry.conversionId, state: entry.state }).toEqual({
				id: entry.conversionId,
				state: group === 'due' || group === 'crashed' ? 'sent' : 'pending',
			});
		}
	} finally {
		await check.close();
	}
}

describe(`SQLite: ${PROCESSES} processes drain one outbox file`, () => {
	let root: string;
	beforeAll(() => {
		root = mkdtempSync(join(tmpdir(), 'postback-outbox-'));
	});
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	it('each due entry, and each a crashed run left, is claimed and settled by exactly one process; held and future ones by none', async () => {
		await drainOn({ kind: 'sqlite', path: join(root, 'outbox.sqlite') }, 1);
	});
});

const SUITE = 'PostgreSQL multi-process outbox (test/store/outbox-concurrency.test.ts)';
const describeIfServer = postgresAvailable(SUITE) ? describe : describe.skip;

describeIfServer(`PostgreSQL: ${PROCESSES} processes drain one outbox schema`, () => {
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
		['4 claims in flight per process', 4],
	])('each due entry, and each a crashed run left, is claimed and settled by exactly one process (%s)', async (_label, inFlight) => {
		const schema = createTestSchemaName('o');
		schemas.push(schema);
		await drainOn({ kind: 'postgres', connectionString: server!.connectionString, schema, poolSize: 4 }, inFlight as number);
	});
});

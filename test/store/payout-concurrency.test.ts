/**
 * Several PROCESSES reserve the same payout items and the same ledger lines at the same moment, on one SQLite
 * file and on one PostgreSQL schema: per round exactly one 'reserved' for one item id (the others 'exists'),
 * exactly one compare-and-set reserved → submitted, and exactly one 'reserved' among items with different ids
 * over the same lines (the others 'entries_taken'). The database agrees afterwards: each line held once.
 * The workers (payout-worker.cjs) run the engine transpiled by compile-src.cjs, behind workers.cjs's barrier.
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
	}) => Promise<Array<{ same: string[]; submitted: boolean[]; own: string[] }>>;
};

const PROCESSES = 4;
const ROUNDS = 40;
const LINES = 5;

let buildDir: string;
beforeAll(() => {
	buildDir = compileSources();
});

async function payoutRaceOn(config: StoreConfig, inFlight: number): Promise<void> {
	const setup = await openStore(config);
	try {
		for (let round = 0; round < ROUNDS; round++) {
			for (const prefix of ['a', 'b']) {
				for (let index = 0; index < LINES; index++) {
					await setup.addLedgerEntry({
						id: `${prefix}-${round}-${index}`,
						affiliateId: 'aff_race',
						kind: 'commission',
						amount: '1',
						currency: 'USD',
						status: 'approved',
						occurredAt: '2026-10-01T00:00:00.000Z',
						recordedAt: '2026-10-01T00:00:00.000Z',
					});
				}
			}
		}
	} finally {
		await setup.close();
	}

	const results = await runWorkers({
		count: PROCESSES,
		timeoutMs: 90000,
		script: 'payout-worker.cjs',
		task: () => ({ buildDir, config, rounds: ROUNDS, lines: LINES, inFlight }),
	});

	for (let round = 0; round < ROUNDS; round++) {
		const same = results.map((result) => result.same[round]);
		expect({ round, reserved: same.filter((outcome) => outcome === 'reserved').length }).toEqual({ round, reserved: 1 });
		expect(same.filter((outcome) => outcome === 'exists')).toHaveLength(PROCESSES - 1);
		expect({ round, submitted: results.filter((result) => result.submitted[round]).length }).toEqual({ round, submitted: 1 });
		const own = results.map((result) => result.own[round]);
		expect({ round, reserved: own.filter((outcome) => outcome === 'reserved').length }).toEqual({ round, reserved: 1 });
		expect(own.filter((outcome) => outcome === 'entries_taken')).toHaveLength(PROCESSES - 1);
	}

	// And the database agrees: every line held by exactly one item, which covers all of it.
	const store = await openStore(config);
	try {
		const lines = await store.listLedger({ affiliateId: 'aff_race' });
		expect(lines).toHaveLength(ROUNDS * LINES * 2);
		expect(lines.every((line) => line.settlement === 'locked')).toBe(true);
		const items = await store.listPayoutItems({ batchId: 'race-batch' });
		expect(items).toHaveLength(ROUNDS * 2);
		for (let round = 0; round < ROUNDS; round++) {
			const same = items.find((item) => item.id === `same-${round}`);
			expect(same?.state).toBe('submitted');
			expect((await store.payoutItemHistory(`same-${round}`)).map((line) => line.state)).toEqual(['reserved', 'submitted']);
			const own = items.filter((item) => item.id.startsWith(`own-${round}-`));
			expect(own).toHaveLength(1);
			const holders = new Set(lines.filter((line) => line.id.startsWith(`b-${round}-`)).map((line) => line.payoutItemId));
			expect([...holders]).toEqual([own[0].id]);
		}
	} finally {
		await store.close();
	}
}

describe(`SQLite: ${PROCESSES} processes reserve the same payout items on one file`, () => {
	let root: string;
	beforeAll(() => {
		root = mkdtempSync(join(tmpdir(), 'postback-payout-race-'));
	});
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	it('exactly one reserved per item id and per set of lines, one compare-and-set wins', async () => {
		await payoutRaceOn({ kind: 'sqlite', path: join(root, 'payouts.sqlite') }, 1);
	});
});

const SUITE = 'PostgreSQL multi-process payout reservations (test/store/payout-concurrency.test.ts)';
const describeIfServer = postgresAvailable(SUITE) ? describe : describe.skip;

describeIfServer(`PostgreSQL: ${PROCESSES} processes reserve the same payout items on one schema`, () => {
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
		['one round at a time per process', 1],
		['4 rounds in flight per process', 4],
	])('exactly one reserved per item id and per set of lines, one compare-and-set wins (%s)', async (_label, inFlight) => {
		const schema = createTestSchemaName('p');
		schemas.push(schema);
		await payoutRaceOn({ kind: 'postgres', connectionString: server!.connectionString, schema, poolSize: 4 }, inFlight as number);
	});
});

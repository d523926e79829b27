/**
 * HMAC replay memory in the tracking store (src/auth/replay.ts): shared by every process on the same store,
 * on SQLite and on PostgreSQL, and forgotten (purged) once the signature could no longer pass the time check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLAY_NAMESPACE, firstUseOfSignature, replayMemoryMs } from '../../src/auth';
import { openStore } from '../../src/store';
import type { StoreConfig, TrackingStore } from '../../src/store';
import { createTestSchemaName, dropSchemas, ensurePostgres } from './postgres-server';
import type { PostgresServer } from './postgres-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const root = mkdtempSync(join(tmpdir(), 'postback-replay-'));
let server: PostgresServer;
const schemas: string[] = [];

beforeAll(async () => {
	const found = await ensurePostgres('replay memory');
	if (!found) throw new Error('replay memory: no PostgreSQL server (this suite never skips itself)');
	server = found;
});

afterAll(async () => {
	await dropSchemas(server.connectionString, schemas);
	await server.stop();
	rmSync(root, { recursive: true, force: true });
});

test('a signature is remembered for twice its validity window plus a clock margin', () => {
	// Valid from t − 300 s to t + 300 s: first seen at t − 300 s, it must still be refused at t + 300 s.
	expect(replayMemoryMs(300)).toBe(600_000 + 60_000);
	expect(replayMemoryMs(0.5, 0)).toBe(1000);
	expect(replayMemoryMs(Number.NaN)).toBe(replayMemoryMs(300));
});

describe.each([
	['SQLite', (): StoreConfig => ({ kind: 'sqlite', path: join(root, `replay-${Date.now()}-${Math.random()}.sqlite`) })],
	[
		'PostgreSQL',
		(): StoreConfig => {
			const schema = createTestSchemaName();
			schemas.push(schema);
			return { kind: 'postgres', connectionString: server.connectionString, schema };
		},
	],
])('%s', (_name, configOf) => {
	let first: TrackingStore;
	let second: TrackingStore;

	beforeEach(async () => {
		const config = configOf();
		// Two stores on one database: two n8n processes (main and webhook, or two hosts on PostgreSQL).
		first = await openStore(config);
		second = await openStore(config);
	});

	afterEach(async () => {
		await first.close();
		await second.close();
	});

	it('a signature accepted by one process is a replay for the other, however many try at once', async () => {
		expect(await firstUseOfSignature(first, 'sig-a', 300)).toBe(true);
		expect(await firstUseOfSignature(second, 'sig-a', 300)).toBe(false);
		expect(await firstUseOfSignature(first, 'sig-a', 300)).toBe(false);
		const storm = await Promise.all(Array.from({ length: 16 }, (_, index) => firstUseOfSignature(index % 2 ? first : second, 'sig-b', 300)));
		expect(storm.filter(Boolean)).toHaveLength(1);
		const lease = await first.getLease(REPLAY_NAMESPACE, 'sig-a');
		expect(Date.parse(lease!.expiresAt) - Date.parse(lease!.acquiredAt)).toBe(replayMemoryMs(300));
	});

	it('forgets a signature once it expired, and purges expired ones', async () => {
		let clock = 0;
		const now = () => clock;
		expect(await firstUseOfSignature(first, 'sig-short', 0.02, { clockMarginMs: 0, now })).toBe(true);
		expect(await firstUseOfSignature(second, 'sig-short', 0.02, { clockMarginMs: 0, now })).toBe(false);
		await sleep(80);
		// Past its window the timestamp check refuses the signature anyway; the memory is no longer needed.
		clock += 11 * 60_000;
		expect(await firstUseOfSignature(first, 'sig-other', 300, { now })).toBe(true);
		expect(await first.getLease(REPLAY_NAMESPACE, 'sig-short')).toBeUndefined();
		expect(await first.getLease(REPLAY_NAMESPACE, 'sig-other')).toBeDefined();
	});
});

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openStore } from '../../src/store';
import type { TrackingStore } from '../../src/store';
import { MIGRATIONS, migrateSqlite } from '../../src/store/migrations';
import { describeStoreContract } from './contract';
import { describeLedgerSafety } from './ledger-safety';
import type { StoreHarness } from './contract';

const root = mkdtempSync(join(tmpdir(), 'postback-sqlite-'));
let counter = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh database file per harness, in a folder that does not exist yet (the store creates it). */
async function sqliteHarness(): Promise<StoreHarness> {
	const path = join(root, `db-${++counter}`, 'tracking.sqlite');
	const opened: TrackingStore[] = [];
	return {
		open: async () => {
			const store = await openStore({ kind: 'sqlite', path });
			opened.push(store);
			return store;
		},
		query: async (sql) => {
			const db = new DatabaseSync(path, { timeout: 5000 });
			try {
				return db.prepare(sql).all() as Array<Record<string, unknown>>;
			} finally {
				db.close();
			}
		},
		dispose: async () => {
			for (const store of opened) await store.close();
			rmSync(join(path, '..'), { recursive: true, force: true });
		},
	};
}

describeStoreContract('SQLite', sqliteHarness);
describeLedgerSafety('SQLite', sqliteHarness);

describe('SQLite specifics', () => {
	it('puts the file in WAL mode', async () => {
		const harness = await sqliteHarness();
		await harness.open();
		try {
			expect(await harness.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
		} finally {
			await harness.dispose();
		}
	});

	it('waits for another process holding the write lock instead of failing (busy timeout)', async () => {
		const path = join(root, 'busy', 'tracking.sqlite');
		const store = await openStore({ kind: 'sqlite', path });
		const holder = spawn(
			process.execPath,
			[
				'-e',
				`const { DatabaseSync } = require('node:sqlite');
				const db = new DatabaseSync(process.argv[1]);
				db.exec('BEGIN IMMEDIATE');
				db.exec("INSERT INTO conversion_claims (network, transaction_id, event_name, claimed_at) VALUES ('n', 'held', 'e', '2024-01-01T00:00:00.000Z')");
				process.stdout.write('locked\\n');
				setTimeout(() => { db.exec('COMMIT'); db.close(); }, 400);`,
				path,
			],
			{ stdio: ['ignore', 'pipe', 'inherit'] },
		);
		try {
			await new Promise<void>((resolve, reject) => {
				holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
				holder.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
			});
			const started = Date.now();
			// Blocks (synchronously) until the other process commits, then sees its row.
			expect(await store.claimConversion({ network: 'n', transactionId: 'held', eventName: 'e' })).toBe('duplicate');
			expect(Date.now() - started).toBeGreaterThanOrEqual(100);
		} finally {
			await store.close();
			holder.kill();
		}
	});

	it('upgrades a version-1 file opened by several stores at once: its claims are done for ever, and so are claims an older version still writes', async () => {
		const path = join(root, 'v1', 'tracking.sqlite');
		mkdirSync(dirname(path), { recursive: true });
		const v1 = new DatabaseSync(path);
		expect(migrateSqlite(v1, MIGRATIONS.slice(0, 1))).toEqual([1]);
		v1.exec("INSERT INTO conversion_claims VALUES ('n', 'old', 'e', '2020-01-01T00:00:00.000Z')");
		v1.close();

		const stores = await Promise.all([openStore({ kind: 'sqlite', path }), openStore({ kind: 'sqlite', path })]);
		const db = new DatabaseSync(path, { timeout: 5000 });
		try {
			expect(
				db
					.prepare('SELECT version FROM schema_migrations ORDER BY version')
					.all()
					.map((row) => row.version),
			).toEqual(MIGRATIONS.map((migration) => migration.version));
			expect(db.prepare("SELECT state, holder, takeovers FROM conversion_claims WHERE transaction_id = 'old'").get()).toEqual({
				state: 'done',
				holder: null,
				takeovers: 0,
			});
			for (const store of stores) {
				expect(await store.claimConversionDetailed({ network: 'n', transactionId: 'old', eventName: 'e' }, { leaseMs: 1 })).toStrictEqual({
					result: 'duplicate',
					state: 'done',
					claimedAt: '2020-01-01T00:00:00.000Z',
				});
			}
			// A process still running the previous version claims without the new columns: done, as it meant.
			db.exec("INSERT INTO conversion_claims (network, transaction_id, event_name, claimed_at) VALUES ('n', 'older-code', 'e', '2020-01-01T00:00:00.000Z')");
			expect(await stores[0].claimConversion({ network: 'n', transactionId: 'older-code', eventName: 'e' }, { leaseMs: 1 })).toBe('duplicate');
			expect(() => db.exec("UPDATE conversion_claims SET state = 'maybe'")).toThrow(/CHECK/);
		} finally {
			db.close();
			await Promise.all(stores.map((store) => store.close()));
		}
	});

	it('upgrades a version-2 file in place: ledger lines get their minor units, stay open, and the ledger becomes append-only', async () => {
		const path = join(root, 'v2', 'tracking.sqlite');
		mkdirSync(dirname(path), { recursive: true });
		const v2 = new DatabaseSync(path);
		expect(migrateSqlite(v2, MIGRATIONS.slice(0, 2))).toEqual([1, 2]);
		const insert = v2.prepare(
			`INSERT INTO ledger (id, affiliate_id, kind, amount, currency, status, occurred_at, recorded_at, payout_id) VALUES (?, 'a', 'commission', ?, ?, 'approved', ?, ?, ?)`,
		);
		const lines: Array<[string, string, string, string | null, string | undefined]> = [
			['usd', '12.05', 'USD', null, '1205'],
			['jpy', '500', 'JPY', null, '500'],
			['kwd', '-1.234', 'KWD', null, '-1234'],
			['fine', '0.005', 'USD', null, undefined],
			['paid', '3', 'USD', 'po_old', '300'],
		];
		for (const [index, [id, amount, currency, payoutId]] of lines.entries()) {
			const at = `2024-01-0${index + 1}T00:00:00.000Z`;
			insert.run(id, amount, currency, at, at, payoutId);
		}
		v2.close();

		const store = await openStore({ kind: 'sqlite', path });
		const db = new DatabaseSync(path, { timeout: 5000 });
		try {
			expect(
				db
					.prepare('SELECT version FROM schema_migrations ORDER BY version')
					.all()
					.map((row) => row.version),
			).toEqual(MIGRATIONS.map((migration) => migration.version));
			const read = await store.listLedger();
			expect(read.map((line) => [line.id, line.amount, line.currency, line.payoutId ?? null, line.amountMinor])).toEqual(lines);
			expect(read.map((line) => line.settlement)).toEqual(['open', 'open', 'open', 'open', 'paid']);
			expect(
				db
					.prepare('SELECT id, typeof(amount_minor) AS type FROM ledger ORDER BY rowid')
					.all()
					.map((row) => row.type),
			).toEqual(['integer', 'integer', 'integer', 'null', 'integer']);
			expect(() => db.exec(`UPDATE ledger SET amount_minor = 1`)).toThrow(/append-only/);
			expect(
				await store.reservePayoutItem({
					id: 'pi',
					batchId: 'b',
					provider: 'paypal',
					period: '2024-01',
					affiliateId: 'a',
					currency: 'USD',
					amount: '12.05',
					receiver: 'r',
					entryIds: ['usd'],
				}),
			).toEqual({
				outcome: 'reserved',
			});
		} finally {
			db.close();
			await store.close();
		}
	});

	it('claims with the SQLite clock, in the same text form as every other time column', async () => {
		const harness = await sqliteHarness();
		const store = await harness.open();
		try {
			const outcome = await store.claimConversionDetailed({ network: 'n', transactionId: 'clock', eventName: 'e' });
			expect(await harness.query('SELECT claimed_at, typeof(claimed_at) AS type FROM conversion_claims')).toEqual([
				{ claimed_at: outcome.claimedAt, type: 'text' },
			]);
			expect(outcome.claimedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
		} finally {
			await harness.dispose();
		}
	});

	it('keeps money in TEXT columns, so "0.1" is never a float on disk', async () => {
		const harness = await sqliteHarness();
		const store = await harness.open();
		try {
			await store.addLedgerEntry({
				id: 'l',
				affiliateId: 'a',
				kind: 'commission',
				amount: '0.1',
				currency: 'USD',
				status: 'approved',
				occurredAt: '2024-01-01T00:00:00Z',
				recordedAt: '2024-01-01T00:00:00Z',
			});
			expect(await harness.query('SELECT typeof(amount) AS type, amount FROM ledger')).toEqual([{ type: 'text', amount: '0.1' }]);
		} finally {
			await harness.dispose();
		}
	});
});

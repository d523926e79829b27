// What `npm start` and `npm run demo` share: the templates, which of them can run without credentials,
// the URLs an operator needs (editor, postback URL per network, click URL, conversion log) and the
// progress lines printed while n8n installs and starts.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './n8n.mjs';

const PACKAGE = 'n8n-nodes-postback';
const WEBHOOK = 'n8n-nodes-base.webhook';
/**
 * n8n's Webhook node: its Authentication choice → the credential type it asks for (n8n 2.41,
 * n8n-nodes-base/dist/nodes/Webhook/description.js, credentialsProperty).
 */
const WEBHOOK_CREDENTIALS = { basicAuth: 'httpBasicAuth', headerAuth: 'httpHeaderAuth', jwtAuth: 'jwtAuth' };

/** A Postback Trigger whose URL carries its webhook id as the secret: …/webhook/<webhook id>/<path>. */
export function isSecretUrlTrigger(node) {
	return node.type === `${PACKAGE}.postbackTrigger` && triggerAuthentication(node) === 'secretUrl';
}

/** A Postback Trigger's authentication as n8n reads it: version 2 defaults to the secret URL, version 1 to none. */
function triggerAuthentication(node) {
	return node.parameters?.authentication ?? ((node.typeVersion ?? 1) >= 2 ? 'secretUrl' : 'none');
}

/**
 * Every templates/*.json, sorted by file name: [{ file, text, workflow }] (text: the file as it is, to tell a changed
 * template). A file that is not valid JSON is skipped with a warning.
 */
export function loadTemplates(dir = join(repoRoot, 'templates')) {
	const templates = [];
	for (const file of readdirSync(dir)
		.filter((name) => name.endsWith('.json'))
		.sort()) {
		try {
			const text = readFileSync(join(dir, file), 'utf8');
			const workflow = JSON.parse(text);
			if (!Array.isArray(workflow.nodes)) throw new Error('no "nodes" array');
			// As n8n's editor does on import: a webhook node without an id gets a fresh one. Secret-URL triggers and
			// data-serving Webhook nodes ship without one on purpose, so each install gets its own.
			for (const node of workflow.nodes) if ((isSecretUrlTrigger(node) || node.type === WEBHOOK) && !node.webhookId) node.webhookId = randomUUID();
			templates.push({ file, text, workflow });
		} catch (error) {
			process.stderr.write(`[start] skipping templates/${file}: ${error.message}\n`);
		}
	}
	return templates;
}

let descriptions;
/** The package's node descriptions from dist/ (type name → description), loaded once. */
function nodeDescriptions() {
	if (descriptions) return descriptions;
	descriptions = new Map();
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
	const require = createRequire(join(repoRoot, 'package.json'));
	for (const file of pkg.n8n?.nodes ?? []) {
		try {
			const loaded = require(join(repoRoot, file));
			for (const NodeClass of Object.values(loaded)) {
				if (typeof NodeClass !== 'function') continue;
				const description = new NodeClass().description;
				if (description?.name) descriptions.set(`${PACKAGE}.${description.name}`, description);
			}
		} catch {
			// A node that does not load is reported by n8n itself.
		}
	}
	return descriptions;
}

/** The value a node parameter has: the workflow's, else the description's default. */
function parameterValue(node, description, name) {
	if (node.parameters && name in node.parameters) return node.parameters[name];
	return description.properties?.find((property) => property.name === name)?.default;
}

/** Whether a credential (or property) with these displayOptions applies to this node's parameters. */
function shown(node, description, displayOptions) {
	for (const [name, values] of Object.entries(displayOptions?.show ?? {})) {
		if (!values.includes(parameterValue(node, description, name))) return false;
	}
	for (const [name, values] of Object.entries(displayOptions?.hide ?? {})) {
		if (values.includes(parameterValue(node, description, name))) return false;
	}
	return true;
}

/**
 * The credentials a workflow needs before it can run: [{ node, credential }]. A node of this package needs the
 * required credentials its description shows for its parameters; any other node needs the ones it names.
 */
export function credentialsNeeded(workflow) {
	const needed = [];
	for (const node of workflow.nodes ?? []) {
		if (node.disabled) continue;
		const description = nodeDescriptions().get(node.type);
		if (description) {
			for (const credential of description.credentials ?? []) {
				if (credential.required && shown(node, description, credential.displayOptions)) needed.push({ node: node.name, credential: credential.name });
			}
		} else if (node.type === WEBHOOK) {
			// n8n's Webhook node with Authentication set asks for that credential until one is picked (the templates
			// pick none; createWebhookLogins picks the one it creates).
			const credential = WEBHOOK_CREDENTIALS[node.parameters?.authentication];
			if (credential && !node.credentials?.[credential]) needed.push({ node: node.name, credential });
		} else {
			for (const credential of Object.keys(node.credentials ?? {})) needed.push({ node: node.name, credential });
		}
	}
	return needed;
}

/**
 * For every workflow whose n8n Webhook nodes use Basic Auth without a credential (the conversion log ships so),
 * creates one Basic Auth credential through n8n's public API with a random password and picks it on those nodes,
 * as an operator does on import. Returns Map(workflow → { user, password }), to print once with the URL.
 */
export async function createWebhookLogins(api, workflows) {
	const logins = new Map();
	for (const workflow of workflows) {
		const nodes = (workflow.nodes ?? []).filter(
			(node) => node.type === WEBHOOK && node.parameters?.authentication === 'basicAuth' && !node.credentials?.httpBasicAuth,
		);
		if (nodes.length === 0) continue;
		const login = { user: 'operator', password: randomBytes(18).toString('base64url') };
		const created = await api.call('POST', '/credentials', { name: `${workflow.name.split(' (')[0]} login`, type: 'httpBasicAuth', data: login });
		for (const node of nodes) node.credentials = { ...node.credentials, httpBasicAuth: { id: created.id, name: created.name } };
		logins.set(workflow, login);
	}
	return logins;
}

/** The production URL of a webhook-style node (nodes with a path and a webhookId), or undefined. */
function webhookUrl(baseUrl, node) {
	const description = nodeDescriptions().get(node.type);
	const path = node.parameters?.path ?? (description ? parameterValue(node, description, 'path') : undefined);
	if (typeof path !== 'string' || path === '' || !node.webhookId) return undefined;
	return `${baseUrl}/webhook/${isSecretUrlTrigger(node) ? `${node.webhookId}/` : ''}${path.replace(/^\//, '')}`;
}

/**
 * What an operator needs from one workflow: its postback URLs (per network, in the network's macro syntax),
 * click-tracking URLs and other webhooks. `networks` is listNetworks() from dist/src/index.js.
 */
export function endpointsOf(workflow, { baseUrl, networks, customPostbackUrl }) {
	const postbacks = [];
	const clicks = [];
	const others = [];
	for (const node of workflow.nodes ?? []) {
		if (node.disabled) continue;
		const url = webhookUrl(baseUrl, node);
		if (!url) continue;
		if (node.type === `${PACKAGE}.postbackTrigger`) {
			const id = node.parameters?.network ?? 'shareasale';
			const network = networks.find((candidate) => candidate.id === id);
			const placeholders = node.parameters?.customPlaceholders;
			const template =
				id === 'custom' && customPostbackUrl && placeholders && Object.keys(placeholders).length > 0
					? customPostbackUrl(url, placeholders)
					: network
						? network.postbackUrlTemplate(url)
						: url;
			const authentication = triggerAuthentication(node);
			// A secret URL already carries its secret (the webhook id in the path); a credential's secret must be added.
			const secured = authentication === 'postbackAuthApi' ? 'credential' : authentication === 'secretUrl' ? 'url' : undefined;
			postbacks.push({ node: node.name, network: id, networkName: network?.name ?? id, url, postbackUrl: template, secured });
		} else if (node.type === `${PACKAGE}.clickTracker`) {
			const offers = node.parameters?.offers?.offer ?? [];
			clicks.push({
				node: node.name,
				url,
				offers: offers.map((offer) => offer.name).filter(Boolean),
				exampleUrl: offers[0]?.name ? `${url}?offer=${encodeURIComponent(offers[0].name)}` : url,
				autotagUrl: `${url}/autotag.js`,
			});
		} else {
			const method = node.parameters?.httpMethod ?? 'GET';
			others.push({ node: node.name, url, method, authentication: node.type === WEBHOOK ? (node.parameters?.authentication ?? 'none') : undefined });
		}
	}
	return { postbacks, clicks, others };
}

/** A workflow that shows the conversion log: its file or name says so. */
export function isConversionLog(file, workflow) {
	return /conversion[-_ ]?log/i.test(file ?? '') || /conversion log/i.test(workflow.name ?? '');
}

/**
 * A progress printer for startN8n's onProgress: one line per step start and end, and a line on every tick
 * (every 5 s) so a first install that takes minutes shows it is alive.
 */
export function progressPrinter({ quiet = false, started = Date.now(), write = (line) => process.stderr.write(`${line}\n`) } = {}) {
	return (event) => {
		if (quiet) return;
		const clock = `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s]`;
		if (event.phase === 'start') write(`${clock} ${event.message}…`);
		else if (event.phase === 'done') write(`${clock} ${event.step}: done in ${event.stepSeconds} s`);
		else if (event.phase === 'fallback') write(`${clock} ${event.step}: not available after ${event.stepSeconds} s${event.line ? ` (${event.line})` : ''}`);
		else {
			const packages =
				event.expectedPackages === undefined
					? ''
					: event.packages === 0
						? ', resolving and downloading'
						: `, ${event.packages.toLocaleString('en-US')} of ${event.expectedPackages.toLocaleString('en-US')} top-level packages unpacked`;
			const line = event.line ? ` — ${event.line}` : '';
			write(`${clock}   ${event.step}: ${event.stepSeconds} s${packages}${line}`);
		}
	};
}

/** A workflow that records conversions in the ledger (it has a Conversion Funnel): the postback URL to prefer. */
function hasFunnel(workflow) {
	return (workflow.nodes ?? []).some((node) => node.type === `${PACKAGE}.conversionFunnel` && !node.disabled);
}

/**
 * What to print about the workflows. An entry is { workflow, file?, active, reason?, login?, notes? } (login:
 * { user, password } from createWebhookLogins, printed once under the conversion log; notes: lines about the
 * workflow, such as what npm start did with it). Returns:
 * - `lines`: one line per workflow (name, template file, state, notes; its other webhooks);
 * - `networkLines`: the postback URL to paste into each network, one network at a time. A network calls one postback
 *   URL per account, so when several active workflows take the same network's postbacks the lines say so, name each
 *   workflow and mark the one to paste (the one with a Conversion Funnel, which records the conversion in the ledger);
 * - `pasted`: Map(network id → the postback to paste), as networkLines says;
 * - `logs` ({ url, login }), `logUrls` and `clickLines`.
 */
export function describeWorkflows(entries, context) {
	const lines = [];
	const logUrls = [];
	const logs = [];
	const clickLines = [];
	const byNetwork = new Map();
	for (const entry of entries) {
		const { postbacks, clicks, others } = endpointsOf(entry.workflow, context);
		const state = entry.active ? 'active' : entry.reason ? `inactive: ${entry.reason}` : 'inactive';
		lines.push(`  • ${entry.workflow.name}${entry.file ? `  (templates/${entry.file})` : ''} — ${state}`);
		for (const note of entry.notes ?? []) lines.push(`      ${note}`);
		if (!entry.active) continue;
		for (const postback of postbacks) {
			if (!byNetwork.has(postback.network)) byNetwork.set(postback.network, []);
			byNetwork.get(postback.network).push({ ...postback, workflow: entry.workflow });
		}
		for (const click of clicks) {
			clickLines.push(`  ${click.exampleUrl}${click.offers.length > 1 ? `   (offers: ${click.offers.join(', ')})` : ''}`);
			lines.push(`      Click URL: ${click.exampleUrl}&fbclid=…&gclid=…&ttclid=…`);
		}
		for (const other of others) {
			const access =
				other.authentication === 'none'
					? 'open to anyone who reaches n8n: set Authentication on its webhook before exposing it'
					: entry.login
						? 'Basic Auth: its login is printed under "Conversion log"'
						: `${other.authentication ?? 'its own'} authentication`;
			if (isConversionLog(entry.file, entry.workflow)) {
				logUrls.push(other.url);
				logs.push({ url: other.url, login: entry.login });
				lines.push(`      Conversion log: ${other.url}  (${access})`);
			} else lines.push(`      Webhook (${other.node}, ${other.method}): ${other.url}${other.authentication ? `  (${access})` : ''}`);
		}
	}
	const networkLines = [];
	const pasted = new Map();
	for (const [network, postbacks] of byNetwork) {
		const security = (postback) =>
			postback.secured === 'credential'
				? 'add the secret from its credential'
				: postback.secured === 'url'
					? 'secret included: keep it private'
					: 'OPEN: anyone can post';
		if (postbacks.length === 1) {
			const [only] = postbacks;
			pasted.set(network, only);
			networkLines.push(`  ${only.networkName} — workflow "${only.workflow.name}" (${security(only)}):`);
			networkLines.push(`    ${only.postbackUrl}`);
			continue;
		}
		const funnels = postbacks.filter((postback) => hasFunnel(postback.workflow));
		const pick = funnels.length === 1 ? funnels[0] : undefined;
		if (pick) pasted.set(network, pick);
		networkLines.push(
			`  ${postbacks[0].networkName} — ${postbacks.length} active workflows take its postbacks, but ${postbacks[0].networkName} calls one URL: paste ${pick ? 'the one marked PASTE THIS ONE' : 'only the one whose workflow you use'}, and deactivate the others you do not need.`,
		);
		for (const postback of pick ? [pick, ...postbacks.filter((other) => other !== pick)] : postbacks) {
			const why = postback === pick ? 'PASTE THIS ONE: its workflow records conversions in the ledger and drops duplicates' : pick ? 'alternative' : '';
			networkLines.push(`    workflow "${postback.workflow.name}" (${[why, security(postback)].filter(Boolean).join('; ')}):`);
			networkLines.push(`      ${postback.postbackUrl}`);
		}
	}
	return { lines, networkLines, pasted, logUrls, logs, clickLines };
}

/**
 * `npm run build` (dist/): a line when it starts, one every 5 s while it runs (it takes a while on a slow machine and
 * would otherwise look stuck) and one when it is done; throws when it fails.
 */
export async function buildPackage({ quiet = false, started = Date.now(), intervalMs = 5000 } = {}) {
	const buildStarted = Date.now();
	const clock = () => `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s]`;
	const say = (line) => {
		if (!quiet) process.stderr.write(`${clock()} ${line}\n`);
	};
	say('building the package (npm run build: TypeScript, icons, vendored libraries)…');
	const ticker = setInterval(() => say(`  build: ${Math.round((Date.now() - buildStarted) / 1000)} s`), intervalMs);
	// The build's own output (a spinner) is kept and shown only when it fails.
	let output = '';
	const code = await new Promise((resolveExit, reject) => {
		const child = spawn('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		child.on('error', reject);
		child.on('exit', (exitCode, signal) => resolveExit(exitCode ?? signal));
	}).finally(() => clearInterval(ticker));
	if (code !== 0) {
		process.stderr.write(output);
		throw new Error(`npm run build failed (exit code ${code})`);
	}
	say(`build: done in ${Math.round((Date.now() - buildStarted) / 1000)} s`);
}

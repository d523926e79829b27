// `npm start`: build the package and start the pinned n8n with it installed and the templates in templates/, then
// print what an operator needs: the editor and its login, the postback URL to paste into each network, the click
// URL and the conversion log with its Basic Auth login.
//
// Everything is kept between runs in one data folder (n8n's database and credentials, its encryption key, the
// tracking store with clicks, conversions and the commission ledger, the owner's login and API key, which template
// became which workflow): a restart changes nothing an operator set up, and the URLs pasted into networks stay valid.
// Templates are imported on the first start; a template changed in the repository later updates its workflow only if
// the operator never edited that workflow. `--reset` deletes the data folder and starts over.
// Ctrl-C stops n8n.
//
//   node scripts/start.mjs [--reset] [--quiet] [--no-build]
//
// Environment: POSTBACK_DATA_DIR (the data folder; default .cache/start in the repository), N8N_PORT (default 5678),
// WEBHOOK_URL (your public address, used in the printed URLs), N8N_QUIET=false (show n8n's own log).
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { n8nVersion, repoRoot, startN8n } from './lib/n8n.mjs';
import { buildPackage, createWebhookLogins, credentialsNeeded, describeWorkflows, loadTemplates, progressPrinter } from './lib/operator.mjs';
import { dataDir, dataFiles, resetData, syncTemplates } from './lib/persistent.mjs';

const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (text) => {
	if (!quiet) process.stderr.write(`${text}\n`);
};
/** A path as the operator typed it: relative to the repository when inside it. */
const shown = (path) => {
	const inside = relative(repoRoot, path);
	return inside && !inside.startsWith('..') ? inside : path;
};

/** The line under a workflow saying what this start did with it (nothing when it was simply kept). */
function notesFor(entry) {
	switch (entry.action) {
		case 'import':
			return ['imported from its template on this start'];
		case 'update':
			return [`updated: templates/${entry.file} changed and you had not edited this workflow (its URLs and credentials are kept)`];
		case 'edited':
			return [
				`templates/${entry.file} changed since it was imported, but you edited this workflow, so it was left as it is;`,
				`to use the new version, import templates/${entry.file} in the editor (Import from File) and compare`,
			];
		case 'deleted':
			return ['you deleted this workflow in n8n, so it was not imported again (`npm start -- --reset` starts over with every template)'];
		default:
			return [];
	}
}

async function main() {
	const started = Date.now();
	const files = dataFiles(dataDir());
	if (args.has('--reset')) {
		const removed = resetData(files.dir);
		say(
			removed.length > 0
				? `--reset: deleted ${shown(files.dir)} (${removed.join(', ')}): n8n's workflows, credentials and executions, the tracking store (clicks, conversions, commission ledger), the login and API key`
				: `--reset: ${shown(files.dir)} did not exist; starting fresh`,
		);
	}
	// npm start used to wipe its folder on every start: a folder it left (an n8n with neither login.json nor
	// templates.json, which this one writes first thing) holds nothing anyone could have kept, and no usable login.
	if (!args.has('--reset') && existsSync(join(files.dir, '.n8n')) && !existsSync(files.account) && !existsSync(files.state)) {
		resetData(files.dir);
		say(`${shown(files.dir)} held a throw-away n8n from an earlier npm start (without its login): removed, starting fresh`);
	}
	if (!args.has('--no-build')) await buildPackage({ quiet, started });
	const { listNetworks, customPostbackUrl } = await import(join(repoRoot, 'dist/src/index.js'));
	const port = Number(process.env.N8N_PORT ?? 5678);
	const templates = loadTemplates();
	// Conversions, clicks and payout details are personal data: the folder is the operator's alone.
	if (!existsSync(files.dir)) mkdirSync(files.dir, { recursive: true, mode: 0o700 });
	say(`Data folder: ${shown(files.dir)}${args.has('--reset') ? '' : ' (kept between restarts; `npm start -- --reset` deletes it)'}`);
	const activate = (workflow) => credentialsNeeded(workflow).length === 0;
	const n8n = await startN8n({
		port,
		userFolder: files.dir,
		persistent: true,
		accountFile: files.account,
		quiet: process.env.N8N_QUIET !== 'false',
		// The conversion log's Basic Auth login is created when its template is imported; a workflow that still needs
		// credentials is imported inactive.
		syncWorkflows: (api) => syncTemplates(api, templates, { stateFile: files.state, createLogins: createWebhookLogins, activate }),
		onProgress: progressPrinter({ quiet, started }),
	});
	const publicBase = (process.env.WEBHOOK_URL ?? `${n8n.baseUrl}/`).replace(/\/$/, '');
	const context = { baseUrl: publicBase, networks: listNetworks(), customPostbackUrl };
	// On a first start every template is new: one line says so instead of a note under each.
	const firstImport = n8n.workflows.every((synced) => synced.action === 'import');
	const entries = n8n.workflows.map((synced) => {
		const missing = credentialsNeeded(synced.workflow);
		const reason =
			synced.action === 'deleted'
				? 'deleted in n8n'
				: synced.activationError
					? synced.activationError.slice(0, 200)
					: missing.length > 0
						? `needs credentials (${[...new Set(missing.map((m) => m.credential))].join(', ')})`
						: undefined;
		return { file: synced.file, workflow: synced.workflow, active: synced.active, reason, login: synced.login, notes: firstImport ? [] : notesFor(synced) };
	});
	const { lines, networkLines, logs, clickLines, pasted } = describeWorkflows(entries, context);
	// A ready-made test conversion (ShareASale's documented example) for the ShareASale URL to paste.
	const shareasale = [pasted.get('shareasale')].find((postback) => postback && postback.secured !== 'credential');
	const sample = new URLSearchParams({
		afftrack: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
		transtype: 'SALE',
		merchantID: '87575',
		orderNumber: '2617207',
		transID: '198198598',
		amountOfSale: '79',
		commission: '39.5',
		transDate: '2023-05-21 00:57:45',
	});
	const tryIt = shareasale
		? `\nTry it with the conversion from ShareASale's documentation, then open the workflow's executions:\n\n  curl '${shareasale.url}?${sample}'\n`
		: '';
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	const install = n8n.install?.installed ? ` (n8n installed in ${n8n.install.seconds} s)` : '';
	const password = n8n.api.passwordValid === false ? `(the password you set in n8n; ${shown(files.account)} has an older one)` : n8n.api.owner.password;
	const apiKeyCommand = `curl -H "X-N8N-API-KEY: $(node -p "require('${files.account}').apiKey")" ${publicBase}/api/v1/workflows`;
	console.log(`
n8n ${n8nVersion()} is running with n8n-nodes-postback — ready in ${seconds} s${install}.

  Editor:   ${publicBase}/   log in as ${n8n.api.owner.email} / ${password}
  API key:  for n8n's public API, in ${shown(files.account)} ("apiKey"), e.g.
            ${apiKeyCommand}

Workflows (${entries.filter((e) => e.active).length} of ${entries.length} active; open the others in the editor, pick credentials, activate)${firstImport ? ', imported from templates/ on this first start' : ''}:
${lines.join('\n')}

Postback URLs to paste into your networks:
${networkLines.length > 0 ? networkLines.join('\n') : '  (no active workflow takes postbacks)'}

Click URL (send ad traffic here; ad click ids and utm parameters on the link are recorded):
${clickLines.length > 0 ? clickLines.join('\n') : '  (no active Click Tracker workflow)'}

Conversion log:
${logs.length > 0 ? logs.map(({ url, login }) => `  ${url}${login ? `   log in as ${login.user} / ${login.password}` : ''}`).join('\n') : `  ${publicBase}/home/executions   (every postback is an execution; no conversion-log template is active)`}
${tryIt}
Your data is kept in ${shown(files.dir)} (set POSTBACK_DATA_DIR to keep it elsewhere): n8n's workflows, credentials
and executions, the tracking store (clicks, conversions, the commission ledger), this login and API key. Restarting
keeps all of it, and the URLs above stay the same. To delete it all and start over: npm start -- --reset

Set WEBHOOK_URL to your public address (e.g. https://track.example.com/) so the printed URLs are ones the networks can
reach. Press Ctrl-C to stop.
`);

	let stopping = false;
	const shutdown = async () => {
		if (stopping) return;
		stopping = true;
		say('Stopping n8n…');
		await n8n.stop();
		say(`n8n stopped. Your data is kept in ${shown(files.dir)}.`);
		process.exit(0);
	};
	process.on('SIGINT', shutdown);
	process.on('SIGTERM', shutdown);
	n8n.process.on('exit', (code, signal) => {
		// Ctrl-C in a terminal reaches n8n too, and n8n stops cleanly on its own: that is no failure, and its log (which
		// holds whatever n8n complained about while running) is not printed.
		// (While shutdown() stops it, shutdown() says so and exits.)
		if (stopping) return;
		if (code === 0 || signal === 'SIGINT' || signal === 'SIGTERM') {
			say(`n8n stopped. Your data is kept in ${shown(files.dir)}.`);
			process.exit(0);
		}
		console.error(
			`n8n stopped unexpectedly (${signal ?? `exit code ${code}`}). Its last log lines (all of it: ${shown(n8n.logFile)}):\n${n8n.logs().slice(-3000)}`,
		);
		process.exit(code ?? 1);
	});
}

main().catch((error) => {
	console.error(`npm start failed: ${error.stack ?? error}`);
	process.exit(1);
});

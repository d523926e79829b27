// `npm start`: build the package, start the pinned n8n with it installed and every template in templates/
// imported (the ones that run without credentials active), and print the URLs an operator needs: the editor
// and its login, the postback URL to paste into each network, the click URL and the conversion log with the
// Basic Auth login created for it.
// Ctrl-C stops n8n.
//
//   node scripts/start.mjs [--quiet] [--no-build]
//
// Environment: N8N_PORT (default 5678), WEBHOOK_URL (your public address, used in the printed URLs),
// N8N_QUIET=false (show n8n's own log).
import { join } from 'node:path';
import { n8nVersion, repoRoot, startN8n } from './lib/n8n.mjs';
import { buildPackage, createWebhookLogins, credentialsNeeded, describeWorkflows, endpointsOf, loadTemplates, progressPrinter } from './lib/operator.mjs';

const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (text) => {
	if (!quiet) process.stderr.write(`${text}\n`);
};

async function main() {
	const started = Date.now();
	if (!args.has('--no-build')) buildPackage({ quiet });
	const { listNetworks, customPostbackUrl } = await import(join(repoRoot, 'dist/src/index.js'));
	const port = Number(process.env.N8N_PORT ?? 5678);
	const templates = loadTemplates();
	// The conversion log's Basic Auth login is created once n8n is up (beforeImport); what a workflow still needs is
	// asked after that.
	let logins = new Map();
	say(`Templates: ${templates.map((t) => t.file).join(', ') || '(none)'}`);
	const n8n = await startN8n({
		port,
		workflows: templates.map((t) => t.workflow),
		userFolder: join(repoRoot, '.cache/start'),
		quiet: process.env.N8N_QUIET !== 'false',
		beforeImport: async (api) => {
			logins = await createWebhookLogins(api, templates.map((t) => t.workflow));
		},
		activate: (workflow) => credentialsNeeded(workflow).length === 0,
		activationErrors: 'report',
		onProgress: progressPrinter({ quiet, started }),
	});
	const publicBase = (process.env.WEBHOOK_URL ?? `${n8n.baseUrl}/`).replace(/\/$/, '');
	const entries = templates.map((template, index) => {
		const imported = n8n.workflows[index];
		const missing = credentialsNeeded(template.workflow);
		const reason = missing.length > 0 ? `needs credentials (${[...new Set(missing.map((m) => m.credential))].join(', ')})` : imported.activationError ? imported.activationError.slice(0, 200) : undefined;
		return { ...template, active: imported.active, reason, id: imported.id, login: logins.get(template.workflow) };
	});
	const { lines, logs, clickLines } = describeWorkflows(entries, { baseUrl: publicBase, networks: listNetworks(), customPostbackUrl });
	// A ready-made test conversion (ShareASale's documented example) for the first active ShareASale trigger.
	const shareasale = entries
		.filter((entry) => entry.active)
		.flatMap((entry) => endpointsOf(entry.workflow, { baseUrl: publicBase, networks: listNetworks(), customPostbackUrl }).postbacks)
		.find((postback) => postback.network === 'shareasale' && postback.secured !== 'credential');
	const sample = new URLSearchParams({ afftrack: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr', transtype: 'SALE', merchantID: '87575', orderNumber: '2617207', transID: '198198598', amountOfSale: '79', commission: '39.5', transDate: '2023-05-21 00:57:45' });
	const tryIt = shareasale ? `\nTry it with the conversion from ShareASale's documentation, then open the workflow's executions:\n\n  curl '${shareasale.url}?${sample}'\n` : '';
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	const install = n8n.install?.installed ? ` (n8n installed in ${n8n.install.seconds} s)` : '';
	console.log(`
n8n ${n8nVersion()} is running with n8n-nodes-postback — ready in ${seconds} s${install}.

  Editor:  ${publicBase}/   log in as ${n8n.api.owner.email} / ${n8n.api.owner.password}

Workflows (${entries.filter((e) => e.active).length} of ${entries.length} active; open the others in the editor, pick credentials, activate):
${lines.join('\n')}

Click URL (send ad traffic here; ad click ids and utm parameters on the link are recorded):
${clickLines.length > 0 ? clickLines.join('\n') : '  (no active Click Tracker workflow)'}

Conversion log:
${logs.length > 0 ? logs.map(({ url, login }) => `  ${url}${login ? `   log in as ${login.user} / ${login.password}` : ''}`).join('\n') : `  ${publicBase}/home/executions   (every postback is an execution; no conversion-log template is active)`}

${tryIt}
Paste each postback URL into its network. Set WEBHOOK_URL to your public address (e.g.
https://track.example.com/) so the printed URLs are ones the networks can reach. Press Ctrl-C to stop.
`);

	const shutdown = async () => {
		await n8n.stop();
		process.exit(0);
	};
	process.on('SIGINT', shutdown);
	process.on('SIGTERM', shutdown);
	n8n.process.on('exit', (code) => {
		console.error(`n8n stopped (${code}).\n${n8n.logs().slice(-3000)}`);
		process.exit(code ?? 1);
	});
}

main().catch((error) => {
	console.error(`npm start failed: ${error.stack ?? error}`);
	process.exit(1);
});

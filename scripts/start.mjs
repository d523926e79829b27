// `npm start`: build the package, start the pinned n8n with it installed and the ShareASale template
// active, and print the postback URL to paste into the network. Ctrl-C stops n8n.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadTemplate, n8nVersion, repoRoot, startN8n } from './lib/n8n.mjs';

const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const { listNetworks } = await import(join(repoRoot, 'dist/src/index.js'));
const port = Number(process.env.N8N_PORT ?? 5678);
const template = loadTemplate('shareasale-postback.json');
const started = Date.now();
const n8n = await startN8n({
	port,
	workflows: [template],
	userFolder: join(repoRoot, '.cache/start'),
	quiet: process.env.N8N_QUIET !== 'false',
});

const publicBase = (process.env.WEBHOOK_URL ?? `${n8n.baseUrl}/`).replace(/\/$/, '');
const webhookUrl = n8n.workflows[0].webhookUrls[0].replace(n8n.baseUrl, publicBase);
const shareasale = listNetworks().find((network) => network.id === 'shareasale');
const postbackUrl = shareasale.postbackUrlTemplate(webhookUrl);
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

console.log(`
n8n ${n8nVersion()} is running with n8n-nodes-postback (${((Date.now() - started) / 1000).toFixed(1)} s).

  Editor:   ${n8n.baseUrl}/   (log in as ${n8n.api.owner.email} / ${n8n.api.owner.password})
  Workflow: "${template.name}" is active.

Paste this postback URL into ShareASale (send it to your affiliate manager as the global postback):

  ${postbackUrl}

Try it now with the conversion from ShareASale's documentation:

  curl '${webhookUrl}?${sample}'

Then open the workflow's executions in the editor. Set WEBHOOK_URL to your public address
(e.g. https://track.example.com/) so the printed URL is the one the network can reach.
Press Ctrl-C to stop.
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

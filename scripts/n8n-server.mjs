// `npm run n8n:install`: install the pinned n8n into .cache/n8n-server ahead of the first test or start,
// with a progress line every few seconds (the first install takes minutes).
import { ensureN8nInstalled, n8nVersion } from './lib/n8n.mjs';
import { progressPrinter } from './lib/operator.mjs';

const command = process.argv[2] ?? 'install';
if (command !== 'install') {
	console.error('usage: node scripts/n8n-server.mjs install');
	process.exit(2);
}
const { installed, seconds } = await ensureN8nInstalled({ onProgress: progressPrinter() });
console.log(installed ? `n8n ${n8nVersion()} installed in ${seconds} s` : `n8n ${n8nVersion()} already installed`);

// `npm run n8n:install`: install the pinned n8n into .cache/n8n-server ahead of the first test or start.
import { ensureN8nInstalled, n8nVersion } from './lib/n8n.mjs';

const command = process.argv[2] ?? 'install';
if (command !== 'install') {
	console.error('usage: node scripts/n8n-server.mjs install');
	process.exit(2);
}
const { installed, seconds } = ensureN8nInstalled();
console.log(installed ? `n8n ${n8nVersion()} installed in ${seconds} s` : `n8n ${n8nVersion()} already installed`);

// Runs every bench/*.bench.mjs in turn (never part of `npm test`). `npm run bench [-- name-filter]`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const benches = readdirSync(here)
	.filter((name) => name.endsWith('.bench.mjs') && (!filter || name.includes(filter)))
	.sort();
if (benches.length === 0) {
	console.error(`no bench/*.bench.mjs${filter ? ` matching "${filter}"` : ''}`);
	process.exit(1);
}
let failed = 0;
for (const bench of benches) {
	console.log(`\n=== ${bench} (node ${process.version}) ===`);
	const result = spawnSync(process.execPath, [join(here, bench)], { stdio: 'inherit' });
	if (result.status !== 0) {
		failed++;
		console.error(`${bench} failed (${result.signal || result.status})`);
	}
}
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
/**
 * Keeps package.json's `n8n.nodes` and `n8n.credentials` (what n8n loads) in step with the folders: every
 * nodes/<Name>/<Name>.node.ts and credentials/<Name>.credentials.ts, and the platforms' generated
 * nodes/platforms/<Name>/<Name>.node.ts and credentials/platforms/<Name>.credentials.ts (scripts/platform-files.mjs),
 * is listed as its dist/ file, so adding a
 * node or a credential never needs a hand edit here. Entries already listed keep their order; new ones are
 * appended; entries whose source is gone are removed.
 *
 *   node scripts/n8n-manifest.mjs          exit 1 and say what differs when package.json is out of step
 *   node scripts/n8n-manifest.mjs --write  bring package.json into step (npm run build does this first)
 *   --root DIR                             another package folder (tests)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The node folders under `folder` (nodes/ or nodes/platforms/, relative to rootDir) as dist/ entries. */
function nodeEntries(rootDir, folder) {
	if (!existsSync(join(rootDir, folder))) return [];
	return readdirSync(join(rootDir, folder), { withFileTypes: true })
		.filter((entry) => entry.isDirectory() && existsSync(join(rootDir, folder, entry.name, `${entry.name}.node.ts`)))
		.map((entry) => `dist/${folder}/${entry.name}/${entry.name}.node.js`);
}

function credentialEntries(rootDir, folder) {
	if (!existsSync(join(rootDir, folder))) return [];
	return readdirSync(join(rootDir, folder))
		.filter((file) => file.endsWith('.credentials.ts'))
		.map((file) => `dist/${folder}/${file.replace(/\.ts$/, '.js')}`);
}

/** Hand-written nodes and credentials, then the platforms' (generated from their definitions by scripts/platform-files.mjs). */
export function expectedManifest(rootDir = root) {
	return {
		nodes: [...nodeEntries(rootDir, 'nodes'), ...nodeEntries(rootDir, 'nodes/platforms')],
		credentials: [...credentialEntries(rootDir, 'credentials'), ...credentialEntries(rootDir, 'credentials/platforms')],
	};
}

/** The listed entries that still exist, in their order, then the new ones sorted. */
function merged(listed, wanted) {
	const keep = listed.filter((entry) => wanted.includes(entry));
	return [...keep, ...wanted.filter((entry) => !keep.includes(entry)).sort()];
}

export function syncManifest(rootDir = root, write = false) {
	const path = join(rootDir, 'package.json');
	const text = readFileSync(path, 'utf8');
	const pkg = JSON.parse(text);
	const expected = expectedManifest(rootDir);
	const differences = [];
	for (const key of ['nodes', 'credentials']) {
		const listed = pkg.n8n[key] ?? [];
		const next = merged(listed, expected[key]);
		for (const entry of next.filter((entry) => !listed.includes(entry))) differences.push(`n8n.${key} lacks ${entry}`);
		for (const entry of listed.filter((entry) => !next.includes(entry))) differences.push(`n8n.${key} lists ${entry}, which has no source`);
		pkg.n8n[key] = next;
	}
	if (write && differences.length > 0) writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
	return differences;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const write = process.argv.includes('--write');
	const rootAt = process.argv.indexOf('--root');
	const differences = syncManifest(rootAt === -1 ? root : process.argv[rootAt + 1], write);
	for (const line of differences) console.log(`${write ? 'package.json updated: ' : ''}${line}`);
	if (!write && differences.length > 0) {
		console.error('package.json is out of step with nodes/ and credentials/: run node scripts/n8n-manifest.mjs --write (npm run build does)');
		process.exit(1);
	}
}

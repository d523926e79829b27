// `npm run relock`: regenerate package-lock.json after changing dependencies.
// The registry these machines use is a partial mirror: a few transitive dev-tool versions are missing
// (langgraph 1.7's dependencies, unrs-resolver 1.13's platform bindings), so a plain `npm install`
// cannot resolve the tree. n8n's lint forbids `overrides` in a community package's package.json, so the
// overrides live here: the lock is resolved with them in a scratch folder and copied back. Every
// pinned version satisfies its requester's range, so `npm ci` installs the lock as it is.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const lockOverrides = {
	'@langchain/langgraph': '1.4.18',
	'@langchain/langgraph-sdk': '1.12.4',
	'unrs-resolver': '1.12.2',
};

const scratch = mkdtempSync(join(tmpdir(), 'relock-'));
try {
	const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
	writeFileSync(join(scratch, 'package.json'), JSON.stringify({ ...pkg, overrides: lockOverrides }, null, 2));
	cpSync(join(root, '.npmrc'), join(scratch, '.npmrc'));
	const result = spawnSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: scratch, stdio: 'inherit' });
	if (result.status !== 0) process.exit(result.status ?? 1);
	cpSync(join(scratch, 'package-lock.json'), join(root, 'package-lock.json'));
	console.log('package-lock.json regenerated; run `npm ci` to install it.');
} finally {
	rmSync(scratch, { recursive: true, force: true });
}

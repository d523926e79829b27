import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs scripts/n8n-manifest.mjs (an ES module, so in its own process) on a package folder: its lines and exit code. */
function manifest(root: string, write = false): { lines: string[]; status: number | null } {
	const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'n8n-manifest.mjs'), '--root', root, ...(write ? ['--write'] : [])], { encoding: 'utf8' });
	return { lines: run.stdout.split('\n').filter(Boolean), status: run.status };
}

describe("package.json's n8n manifest (scripts/n8n-manifest.mjs)", () => {
	it('lists every node folder and credential file, and nothing else', () => {
		expect(manifest(ROOT)).toEqual({ lines: [], status: 0 });
	});

	it('adds a new node and credential, drops a removed one, and keeps the order of the rest', () => {
		const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
		try {
			cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
			cpSync(join(ROOT, 'nodes'), join(dir, 'nodes'), { recursive: true });
			cpSync(join(ROOT, 'credentials'), join(dir, 'credentials'), {
				recursive: true,
			});
			mkdirSync(join(dir, 'nodes', 'AcmeAds'));
			writeFileSync(join(dir, 'nodes', 'AcmeAds', 'AcmeAds.node.ts'), '');
			writeFileSync(join(dir, 'credentials', 'AcmeAdsApi.credentials.ts'), '');
			rmSync(join(dir, 'nodes', 'SendPostback'), { recursive: true });
			const before = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).n8n as { nodes: string[] };

			expect(manifest(dir)).toEqual({
				lines: [
					'n8n.nodes lacks dist/nodes/AcmeAds/AcmeAds.node.js',
					'n8n.nodes lists dist/nodes/SendPostback/SendPostback.node.js, which has no source',
					'n8n.credentials lacks dist/credentials/AcmeAdsApi.credentials.js',
				],
				status: 1,
			});
			expect(manifest(dir, true).status).toBe(0);
			const after = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).n8n as { nodes: string[]; credentials: string[] };
			expect(after.nodes).toEqual([...before.nodes.filter((entry) => !entry.includes('SendPostback')), 'dist/nodes/AcmeAds/AcmeAds.node.js']);
			expect(after.credentials).toContain('dist/credentials/AcmeAdsApi.credentials.js');
			expect(manifest(dir)).toEqual({ lines: [], status: 0 });
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/** What `npm publish` would ship, from the build the suite just made. */
function packedFiles(): string[] {
	const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
	const [report] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
	return report.files.map((file) => file.path);
}

describe('the published package', () => {
	const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
		main: string;
		dependencies?: Record<string, string>;
		n8n: { nodes: string[]; credentials: string[] };
	};
	const files = packedFiles();

	test('every node and credential in the n8n manifest is in the tarball, with its codex and icons', () => {
		for (const path of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) expect(files).toContain(path);
		for (const node of pkg.n8n.nodes) {
			expect(files).toContain(node.replace(/\.js$/, '.json'));
			const folder = node.slice(0, node.lastIndexOf('/'));
			expect(files.some((file) => file.startsWith(folder) && file.endsWith('.svg'))).toBe(true);
		}
	});

	test('the engine entry is shipped and loads with no runtime dependency installed', () => {
		expect(files).toContain(pkg.main);
		expect(pkg.dependencies ?? {}).toEqual({});
		// zod travels inside dist/: the built engine must not require the devDependency.
		const script = `const Module = require('module'); const orig = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { if (request === 'zod' || request.startsWith('zod/')) throw new Error('zod resolved from node_modules'); return orig.call(this, request, ...rest); };
const engine = require(${JSON.stringify(join(root, pkg.main))});
const result = engine.parsePostback('custom', { method: 'GET', query: { click_id: 'abc', commission: '1.50' } });
process.stdout.write(JSON.stringify(result.ok ? result.conversion.commission : result.error));`;
		expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('"1.5"');
	});
});

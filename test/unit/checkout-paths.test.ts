/**
 * The project's code, tests, scripts and benchmarks never read files outside the checkout (no folder beside it,
 * no machine paths): a fresh clone must be all they need. This guard resolves every relative path literal
 * (imports, require, new URL, join/resolve from __dirname) against its file and fails with file:line for
 * any that leaves the repository, and for absolute paths into home or work folders.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SCANNED = ['src', 'nodes', 'credentials', 'test', 'scripts', 'bench', '.ci'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.cache', 'results', 'fixtures']);
const EXTENSIONS = /\.(ts|js|mjs|cjs|sh)$|^run$/;

/** Absolute folders a checkout must not reach into (this machine's work tree and anyone's home). */
const MACHINE_PATH = /(['"`])\/(work|home|root|Users)\/[^'"`]*\1/;
/** A quoted relative path: './x', '../x', '..'. */
const RELATIVE_LITERAL = /(['"`])(\.\.?(?:\/[^'"`\s]*)?)\1/g;
/** join(__dirname, 'a', '..', …) / resolve(import.meta.dirname, …): the literal segments after the folder. */
const FROM_DIRNAME = /(?:__dirname|import\.meta\.dirname)\s*,\s*((?:(['"])[^'"]*\2\s*,?\s*)+)/g;

function inside(path: string): boolean {
	const rel = relative(ROOT, path);
	return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
}

/** Every place in `text` (the file at `file`, relative to the root) that reaches outside the checkout. */
function escapes(file: string, text: string): string[] {
	const found: string[] = [];
	const folder = dirname(join(ROOT, file));
	text.split('\n').forEach((line, index) => {
		const where = `${file}:${index + 1}`;
		// Comments may describe paths (other files' code): only code reads files.
		if (/^\s*(\/\/|\/\*|\*)/.test(line)) return;
		if (MACHINE_PATH.test(line)) found.push(`${where}: absolute machine path: ${line.trim()}`);
		for (const match of line.matchAll(RELATIVE_LITERAL)) {
			// resolve(fileURLToPath(import.meta.url), '../..') starts from the file itself, not its folder.
			const fromFile = /fileURLToPath\(import\.meta\.url\)\s*,\s*$/.test(line.slice(0, match.index));
			if (!inside(resolve(fromFile ? join(ROOT, file) : folder, match[2]))) found.push(`${where}: ${match[2]} leaves the checkout: ${line.trim()}`);
		}
		for (const match of line.matchAll(FROM_DIRNAME)) {
			const segments = [...match[1].matchAll(/(['"])([^'"]*)\1/g)].map((segment) => segment[2]);
			if (!inside(resolve(folder, ...segments))) found.push(`${where}: ${segments.join('/')} from the file's folder leaves the checkout: ${line.trim()}`);
		}
	});
	return found;
}

function files(folder: string): string[] {
	const out: string[] = [];
	let entries;
	try {
		entries = readdirSync(join(ROOT, folder), { withFileTypes: true });
	} catch {
		return out;
	}
	for (const entry of entries) {
		const path = join(folder, entry.name);
		if (entry.isDirectory()) {
			if (!SKIPPED_DIRS.has(entry.name)) out.push(...files(path));
		} else if (EXTENSIONS.test(entry.name)) out.push(path);
	}
	return out;
}

test('the guard catches each way out of the checkout, and lets paths inside it pass', () => {
	const sample = [
		"import { x } from '../../src/funnel';",
		"import { y } from '../sibling/store';",
		"const fixtures = join(__dirname, '..', 'fixtures');",
		"const shared = join(__dirname, '..', '..', '..', 'sibling');",
		"const lib = require('../../../sibling/lib');",
		"const url = new URL('../../../../x.json', import.meta.url);",
		"const fixed = '/work/shared/data.json';",
		"const outside = resolve(fileURLToPath(import.meta.url), '../../../..');",
		"const root = resolve(fileURLToPath(import.meta.url), '../../..');",
		"// join(__dirname, '..', '..', '..') in a comment reads nothing",
	].join('\n');
	expect(escapes('test/unit/sample.test.ts', sample)).toEqual([
		expect.stringMatching(/^test\/unit\/sample\.test\.ts:4: \.\.\/\.\.\/\.\.\/sibling from the file's folder leaves the checkout/),
		expect.stringMatching(/^test\/unit\/sample\.test\.ts:5: \.\.\/\.\.\/\.\.\/sibling\/lib leaves the checkout/),
		expect.stringMatching(/^test\/unit\/sample\.test\.ts:6: \.\.\/\.\.\/\.\.\/\.\.\/x\.json leaves the checkout/),
		expect.stringMatching(/^test\/unit\/sample\.test\.ts:7: absolute machine path/),
		expect.stringMatching(/^test\/unit\/sample\.test\.ts:8: \.\.\/\.\.\/\.\.\/\.\. leaves the checkout/),
	]);
});

test('no file in src, nodes, credentials, test, scripts, bench or .ci reaches outside the checkout', () => {
	const scanned = SCANNED.flatMap(files).filter((file) => file !== relative(ROOT, __filename));
	expect(scanned.length).toBeGreaterThan(100);
	expect(scanned.flatMap((file) => escapes(file, readFileSync(join(ROOT, file), 'utf8')))).toEqual([]);
});

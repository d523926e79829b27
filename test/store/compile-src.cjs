// Transpiles the engine (src/**/*.ts) and the test PostgreSQL helper to CommonJS JavaScript, for code that
// runs outside jest and must not depend on a fresh `npm run build`: the child processes of
// concurrency.test.ts and the benchmarks in bench/. Type-only transpilation (the type check is tsc's job).
//
// Output: <repo>/.cache/store-build/<hash of the sources>/{src,test/store}/…js — inside the repository, so
// `require('pg')` and `require('zod/v3')` resolve from the project's node_modules, and keyed by content,
// so a stale build is never used and concurrent runs share one.
'use strict';

const { createHash, randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const EXTRA = ['test/store/postgres-server.ts', 'test/ci.ts'];

function listSources() {
	const files = [];
	const walk = (dir) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) walk(path);
			else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
		}
	};
	walk(join(ROOT, 'src'));
	for (const extra of EXTRA) files.push(join(ROOT, extra));
	return files.sort();
}

/** Returns the folder holding the transpiled tree; `require(join(dir, 'src/store'))` loads the store. */
function compileSources() {
	const ts = require('typescript');
	const files = listSources().map((path) => ({ path, rel: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
	const hash = createHash('sha256');
	hash.update(ts.version);
	for (const file of files) hash.update(`${file.rel}\0${file.text}\0`);
	const outDir = join(ROOT, '.cache', 'store-build', hash.digest('hex').slice(0, 16));
	if (existsSync(join(outDir, '.complete'))) return outDir;
	const staging = `${outDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
	for (const file of files) {
		const output = ts.transpileModule(file.text, {
			fileName: file.path,
			compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		});
		const target = join(staging, file.rel.replace(/\.ts$/, '.js'));
		mkdirSync(dirname(target), { recursive: true });
		writeFileSync(target, output.outputText);
	}
	writeFileSync(join(staging, '.complete'), new Date().toISOString());
	try {
		renameSync(staging, outDir);
	} catch (error) {
		// Another process finished the same build first.
		rmSync(staging, { recursive: true, force: true });
		if (!existsSync(join(outDir, '.complete'))) throw error;
	}
	pruneOldBuilds(outDir);
	return outDir;
}

/** Removes builds of older sources that nobody has written for an hour. */
function pruneOldBuilds(keep) {
	const base = dirname(keep);
	for (const entry of readdirSync(base)) {
		const path = join(base, entry);
		if (path === keep) continue;
		try {
			if (Date.now() - statSync(path).mtimeMs > 3600_000) rmSync(path, { recursive: true, force: true });
		} catch {
			// Being removed by another run.
		}
	}
}

module.exports = { compileSources, ROOT };

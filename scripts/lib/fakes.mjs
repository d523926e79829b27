// Loads the strict fake platform servers (test/fakes/*.ts) in plain Node for `npm run demo`: each file is
// transpiled to CommonJS with TypeScript's transpileModule (types dropped, no type check) into
// .cache/demo-fakes/<hash of the sources>/, then required. The fakes import only node: modules, each other
// and types from src/, so nothing else needs compiling.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from './n8n.mjs';

const require = createRequire(import.meta.url);

function compileFakes() {
	const ts = require(join(repoRoot, 'node_modules/typescript'));
	const sourceDir = join(repoRoot, 'test/fakes');
	const files = readdirSync(sourceDir)
		.filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts'))
		.sort()
		.map((name) => ({ name, text: readFileSync(join(sourceDir, name), 'utf8') }));
	const hash = createHash('sha256').update(ts.version);
	for (const file of files) hash.update(`${file.name}\0${file.text}\0`);
	const outDir = join(repoRoot, '.cache/demo-fakes', hash.digest('hex').slice(0, 16));
	if (existsSync(join(outDir, '.complete'))) return outDir;
	const staging = `${outDir}.tmp-${process.pid}`;
	rmSync(staging, { recursive: true, force: true });
	mkdirSync(staging, { recursive: true });
	for (const file of files) {
		const output = ts.transpileModule(file.text, {
			fileName: join(sourceDir, file.name),
			compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		});
		writeFileSync(join(staging, file.name.replace(/\.ts$/, '.js')), output.outputText);
	}
	writeFileSync(join(staging, '.complete'), new Date().toISOString());
	try {
		mkdirSync(dirname(outDir), { recursive: true });
		renameSync(staging, outDir);
	} catch (error) {
		rmSync(staging, { recursive: true, force: true });
		if (!existsSync(join(outDir, '.complete'))) throw error;
	}
	return outDir;
}

/** { meta, tiktok, googleAds, ga4, snapchat, pinterest, reddit, microsoft, paypal, stripe, server } — the fakes' modules, as their TypeScript exports them. */
export function loadFakes() {
	const dir = compileFakes();
	return {
		meta: require(join(dir, 'meta.js')),
		tiktok: require(join(dir, 'tiktok.js')),
		googleAds: require(join(dir, 'google-ads.js')),
		ga4: require(join(dir, 'ga4.js')),
		snapchat: require(join(dir, 'snapchat.js')),
		pinterest: require(join(dir, 'pinterest.js')),
		reddit: require(join(dir, 'reddit.js')),
		microsoft: require(join(dir, 'microsoft.js')),
		paypal: require(join(dir, 'paypal.js')),
		stripe: require(join(dir, 'stripe.js')),
		server: require(join(dir, 'server.js')),
	};
}

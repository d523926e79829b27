// Runs after `n8n-node build`: copies libphonenumber-js's CommonJS build behind its "min" entry (the entry
// module, every module it requires, the min metadata JSON and the licence) into dist/vendor/libphonenumber and
// points dist/src/identity/phonelib.js at it, so the installed package needs no runtime dependency (n8n's
// community-package rule) and never picks up another libphonenumber-js by accident.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const libDir = dirname(require.resolve('libphonenumber-js/package.json'));
const { version } = JSON.parse(readFileSync(join(libDir, 'package.json'), 'utf8'));
const entry = 'min/index.cjs';
const target = join(root, 'dist/vendor/libphonenumber');
const shim = join(root, 'dist/src/identity/phonelib.js');

function fail(message) {
	console.error(`vendor-libphonenumber: ${message}`);
	process.exit(1);
}

if (!existsSync(shim)) fail(`${relative(root, shim)} is missing: run \`n8n-node build\` first`);

/** The entry and every file it requires, following the relative require() calls of the CommonJS build. */
function closure(start) {
	const files = new Set();
	const pending = [start];
	while (pending.length > 0) {
		const file = pending.pop();
		if (files.has(file)) continue;
		files.add(file);
		if (file.endsWith('.json')) continue;
		const source = readFileSync(join(libDir, file), 'utf8');
		for (const [, , request] of source.matchAll(/\brequire\(\s*(["'])(.*?)\1\s*\)/g)) {
			if (!request.startsWith('.')) fail(`${file} requires "${request}", which would be a runtime dependency`);
			const path = relative(libDir, join(libDir, dirname(file), request))
				.split('\\')
				.join('/');
			if (!existsSync(join(libDir, path))) fail(`${file} requires "${request}", which is not in the package (${path})`);
			pending.push(path);
		}
	}
	return [...files].sort();
}

const files = closure(entry);
rmSync(target, { recursive: true, force: true });
for (const file of files) {
	const to = join(target, file);
	mkdirSync(dirname(to), { recursive: true });
	// The build's source maps are not copied, so their references go too.
	const text = readFileSync(join(libDir, file), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
	writeFileSync(to, text);
}
cpSync(join(libDir, 'LICENSE'), join(target, 'LICENSE'));
// The copied .js files are CommonJS whatever package.json encloses dist/.
writeFileSync(
	join(target, 'package.json'),
	`${JSON.stringify({ name: 'libphonenumber-js', version, private: true, type: 'commonjs', license: 'MIT' }, null, 2)}\n`,
);

// The names the compiled shim exports, so the rewritten module exports exactly the same ones (read back from
// our own rewrite when the script runs twice on one build).
const compiled = readFileSync(shim, 'utf8');
const rewritten = compiled.includes('// Vendored libphonenumber-js');
if (!rewritten && !compiled.includes('libphonenumber-js/min')) fail(`${relative(root, shim)} does not import libphonenumber-js/min: did the shim change?`);
const exported = rewritten ? /^exports\.(\w+) = libphonenumber\./gm : /Object\.defineProperty\(exports, "(\w+)"/g;
const names = [...compiled.matchAll(exported)].map((match) => match[1]).filter((name) => name !== '__esModule');
if (names.length === 0) fail(`no exports found in ${relative(root, shim)}`);
const vendored = require(join(target, entry));
for (const name of names) if (vendored[name] === undefined) fail(`the vendored build has no export "${name}"`);

const requirePath = relative(dirname(shim), join(target, entry))
	.split('\\')
	.join('/')
	.replace(/^(?!\.)/, './');
writeFileSync(
	shim,
	`"use strict";\n// Vendored libphonenumber-js ${version} with its "min" metadata (MIT, see ${relative(root, target)}/LICENSE).\nObject.defineProperty(exports, "__esModule", { value: true });\nconst libphonenumber = require("${requirePath}");\n${names.map((name) => `exports.${name} = libphonenumber.${name};`).join('\n')}\n`,
);
const bytes = files.reduce((sum, file) => sum + readFileSync(join(target, file)).length, 0);
console.log(`vendored libphonenumber-js ${version} (${files.length} files, ${Math.round(bytes / 1024)} kB) into ${relative(root, target)}`);

// Runs after `n8n-node build`: copies zod's self-contained v3 build (CommonJS files and licence)
// into dist/vendor and points dist/src/model/zod.js at it, so the installed package needs no
// runtime dependency (n8n's community-package rule) and never picks up another zod by accident.
import { cpSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const zodDir = join(root, 'node_modules/zod');
const source = join(zodDir, 'v3');
const target = join(root, 'dist/vendor/zod-v3');

function copyCjs(from, to) {
	for (const entry of readdirSync(from)) {
		const path = join(from, entry);
		if (statSync(path).isDirectory()) copyCjs(path, join(to, entry));
		else if (entry.endsWith('.cjs')) {
			mkdirSync(to, { recursive: true });
			cpSync(path, join(to, entry));
		}
	}
}

copyCjs(source, target);
cpSync(join(zodDir, 'LICENSE'), join(target, 'LICENSE'));
const shim = join(root, 'dist/src/model/zod.js');
const requirePath = relative(dirname(shim), join(target, 'index.cjs')).split('\\').join('/');
writeFileSync(
	shim,
	`"use strict";\n// Vendored zod v3 (MIT, see ${relative(root, target)}/LICENSE).\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.z = require("./${requirePath}").z;\n`,
);
console.log(`vendored zod v3 into ${relative(root, target)}`);

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

describe('the published package: identity hashing without libphonenumber-js installed', () => {
	test('dist/src/destinations/user-data (identity hashing) loads and parses phones with libphonenumber-js unresolvable', () => {
		// libphonenumber-js travels inside dist/vendor: the built engine must not require the devDependency.
		const script = `const Module = require('module'); const orig = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { if (request === 'libphonenumber-js' || request.startsWith('libphonenumber-js/')) throw new Error('libphonenumber-js resolved from node_modules'); return orig.call(this, request, ...rest); };
const identity = require(${JSON.stringify(join(root, 'dist/src/destinations/user-data.js'))});
const fromNodeModules = Object.keys(require.cache).filter((file) => file.includes('node_modules'));
process.stdout.write(JSON.stringify({
	metaPhone: identity.normalizeAndHash('meta', 'phone', '(650)555-1212', { defaultCountry: 'US' }),
	googlePhone: identity.normalizeForPlatform('google_ads', 'phone', '020 7946 0958', { defaultCountry: 'GB' }),
	tiktokPhone: identity.normalizeForPlatform('tiktok', 'phone', '+1 213 373 4253'),
	unparseable: identity.normalizeAndHash('meta', 'phone', 'n/a', { defaultCountry: 'US' }) ?? null,
	email: identity.normalizeAndHash('meta', 'email', ' John_Smith@gmail.com '),
	fromNodeModules,
}));`;
		expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).toEqual({
			metaPhone: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
			googlePhone: '+442079460958',
			tiktokPhone: '+12133734253',
			unparseable: null,
			email: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
			fromNodeModules: [],
		});
	});

	test('the vendored copy is the devDependency’s version, ships with its licence, and is in the tarball', () => {
		const vendored = JSON.parse(readFileSync(join(root, 'dist/vendor/libphonenumber/package.json'), 'utf8')) as { version: string };
		const installed = JSON.parse(readFileSync(join(root, 'node_modules/libphonenumber-js/package.json'), 'utf8')) as { version: string };
		expect(vendored.version).toBe(installed.version);
		const files = packedFiles();
		for (const path of [
			'dist/src/identity/phonelib.js',
			'dist/vendor/libphonenumber/LICENSE',
			'dist/vendor/libphonenumber/min/index.cjs',
			'dist/vendor/libphonenumber/metadata.min.json',
		]) {
			expect(files).toContain(path);
		}
		expect(readFileSync(join(root, 'dist/src/identity/phonelib.js'), 'utf8')).not.toMatch(/require\("libphonenumber-js/);
	});
});

/**
 * Lets a build script require the repository's TypeScript (the platform registry) before tsc has run: each .ts
 * file is transpiled on its own to CommonJS, types dropped, nothing checked (typecheck does that).
 */
const { readFileSync } = require('node:fs');
const ts = require('typescript');

if (!require.extensions['.ts']) {
	require.extensions['.ts'] = (module, filename) => {
		const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
			compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
			fileName: filename,
		});
		module._compile(outputText, filename);
	};
}

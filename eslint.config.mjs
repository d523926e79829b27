import { fileURLToPath } from 'node:url';
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// The n8n community-node rules are about node classes, n8n's helpers and n8n errors: src/ is plain
// TypeScript that never imports n8n, so they do not apply there (the nodes wrap src/'s errors in
// NodeOperationError). The two that guard any code (eval-like calls, secrets in source) stay on.
const KEPT_IN_SRC = new Set(['@n8n/community-nodes/no-dangerous-functions', '@n8n/community-nodes/no-hardcoded-secrets']);
// Read from n8n-node's own config, so a rule a new @n8n/node-cli adds is covered too.
const nodeRulesOff = Object.fromEntries(
	[...new Set(configWithoutCloudSupport.flatMap((block) => Object.keys(block.rules ?? {})))]
		.filter((rule) => /^(@n8n\/community-nodes|n8n-nodes-base)\//.test(rule) && !KEPT_IN_SRC.has(rule))
		.map((rule) => [rule, 'off']),
);

// The engine's layers, bottom to top. A layer imports only from the layers below it; folders on one level do not
// import each other (none needs to). model/ is the shared vocabulary and contracts (conversions, money, clicks,
// event names, conversion ids, commission rules, the lease contract). index.ts, the package's face, re-exports
// intake.ts with the rest, so it is the one level above it.
const LAYERS = [
	['model'],
	['http', 'identity', 'auth', 'networks'],
	['store'],
	['destinations'],
	['clicks', 'funnel'],
	['partners', 'payouts'],
	['intake.ts'],
	['index.ts'],
];
const srcPath = (name) => `./src/${name}`;
const layerZones = LAYERS.flatMap((level, index) =>
	level.map((name) => {
		const above = LAYERS.slice(index + 1).flat();
		const siblings = level.filter((other) => other !== name);
		return {
			target: srcPath(name),
			from: [...above, ...siblings].map(srcPath),
			message: `src/${name} is on layer ${index} of the engine (${LAYERS.map((names) => names.join(' ')).join(' → ')}): it imports only from layers below it. Move what both need down, or pass it in.`,
		};
	}),
).filter((zone) => zone.from.length > 0);

// This package keeps state (a tracking store) and talks to many services, so it targets
// self-hosted n8n and uses the configuration without the n8n Cloud restrictions.
export default [
	...configWithoutCloudSupport,
	{ ignores: ['test/**', 'bench/**', 'scripts/**', 'jest.config.js', 'dist/**', '.cache/**'] },
	{
		files: ['src/**/*.ts'],
		rules: {
			...nodeRulesOff,
			// src/ is the n8n-free core: only nodes/ and credentials/ (the adapters) may import n8n.
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							regex: '^(n8n-workflow|n8n-core|n8n-nodes-base|@n8n/.*)(/.*)?$',
							message: 'src/ never imports n8n: put n8n-specific code in nodes/ (the adapters).',
						},
					],
				},
			],
			'import-x/no-restricted-paths': ['error', { basePath: fileURLToPath(new URL('.', import.meta.url)), zones: layerZones }],
			// `import('../x').T` in a type would slip past the layer rule, which reads import statements and require().
			'no-restricted-syntax': [
				'error',
				{
					selector: 'TSImportType > TSLiteralType > Literal[value=/^[.]/]',
					message: 'Import the type with an import statement, so the layer rule (import-x/no-restricted-paths) sees it.',
				},
			],
		},
	},
];

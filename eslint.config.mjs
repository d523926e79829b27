import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// This package keeps state (a tracking store) and talks to many services, so it targets
// self-hosted n8n and uses the configuration without the n8n Cloud restrictions.
export default [
	...configWithoutCloudSupport,
	{ ignores: ['test/**', 'bench/**', 'scripts/**', 'jest.config.js', 'dist/**', '.cache/**'] },
];

/** Four suites: `unit` (src/, no n8n), `store` (the tracking store on real SQLite and PostgreSQL), `nodes` (the nodes inside n8n-core's real execution), `e2e` (a real n8n process). */
const ignored = ['<rootDir>/dist/', '<rootDir>/.cache/'];
// tsconfig.test.json sets isolatedModules, so ts-jest transpiles each file without type-checking it (once
// per file and worker was most of the unit suite's time); `npm run typecheck`, run by `npm test`, checks
// every file once instead.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];

/** @type {import('jest').Config} */
module.exports = {
	// testTimeout is a global option (jest ignores it inside a project): the e2e, store and process tests
	// run real servers and child processes, which a loaded CI machine can slow far past jest's 5 s default.
	testTimeout: 120000,
	globalSetup: '<rootDir>/test/platform-files.setup.js',
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			modulePathIgnorePatterns: ignored,
			transform: { '^.+\\.ts$': tsJest },
			testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
		},
		{
			displayName: 'store',
			testEnvironment: 'node',
			modulePathIgnorePatterns: ignored,
			transform: { '^.+\\.ts$': tsJest },
			testMatch: ['<rootDir>/test/store/**/*.test.ts'],
		},
		{
			displayName: 'nodes',
			testEnvironment: 'node',
			modulePathIgnorePatterns: ignored,
			transform: { '^.+\\.ts$': tsJest },
			testMatch: ['<rootDir>/test/nodes/**/*.test.ts'],
		},
		{
			displayName: 'e2e',
			testEnvironment: 'node',
			modulePathIgnorePatterns: ignored,
			transform: { '^.+\\.ts$': tsJest },
			testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
			globalSetup: '<rootDir>/test/e2e/global-setup.js',
			globalTeardown: '<rootDir>/test/e2e/global-teardown.js',
		},
	],
};

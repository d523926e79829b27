import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');

interface Probe {
	/** Where the probe file would live (it is linted from memory, never written). */
	file: string;
	code: string;
}

/**
 * Lints probe files with the repository's ESLint config, in a child process (ESLint loads the ESM config with a
 * dynamic import, which Jest's module sandbox does not run), and returns the rule ids reported for each.
 */
function lintProbes(probes: Probe[]): string[][] {
	const script = `const { ESLint } = require('eslint');
(async () => {
	const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
	const probes = JSON.parse(process.argv[1]);
	const out = [];
	for (const probe of probes) {
		const [result] = await eslint.lintText(probe.code, { filePath: require('node:path').join(${JSON.stringify(root)}, probe.file) });
		out.push(result.messages.map((message) => message.ruleId ?? message.message));
	}
	process.stdout.write(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(1); });`;
	return JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(probes)], { cwd: root, encoding: 'utf8' })) as string[][];
}

describe('the layer rule (eslint.config.mjs)', () => {
	const reported = lintProbes([
		// 0: the model imports nothing of the engine.
		{ file: 'src/model/layer-probe.ts', code: "import type { TrackingStore } from '../store/types';\nexport type Probe = TrackingStore;\n" },
		// 1: identity requiring the destinations' registry, the hidden upward import the layers removed (with the
		// require rule silenced, as it was).
		{
			file: 'src/identity/layer-probe.ts',
			code: "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const registry = require('../destinations/registry') as unknown;\n",
		},
		// 2: destinations reaching up into the funnel.
		{ file: 'src/destinations/layer-probe.ts', code: "export { conversionClick } from '../funnel/attribution';\n" },
		// 3: siblings on one level (clicks and funnel) do not import each other.
		{ file: 'src/funnel/layer-probe.ts', code: "export { trackClick } from '../clicks';\n" },
		// 4: a type reached through import('…') would bypass the rule, so it is refused too.
		{ file: 'src/identity/layer-probe.ts', code: "export type Probe = import('../destinations/types').Platform;\n" },
		// 5: imports downwards are fine.
		{
			file: 'src/payouts/layer-probe.ts',
			code: "import type { LedgerStore } from '../store/types';\nimport { PAYOUT_RUN_LEASE_NAMESPACE } from '../model/leases';\nexport type Probe = LedgerStore;\nexport const probe = PAYOUT_RUN_LEASE_NAMESPACE;\n",
		},
		// 6: the top: index.ts re-exports everything, intake.ts included.
		{ file: 'src/index.ts', code: "export * from './intake';\nexport * from './payouts';\n" },
	]);

	test('fires on an upward import, an import statement or a require()', () => {
		expect(reported[0]).toEqual(['import-x/no-restricted-paths']);
		expect(reported[1]).toEqual(['import-x/no-restricted-paths']);
		expect(reported[2]).toEqual(['import-x/no-restricted-paths']);
	});

	test('fires between siblings on one level', () => {
		expect(reported[3]).toEqual(['import-x/no-restricted-paths']);
	});

	test('fires on an import() type', () => {
		expect(reported[4]).toEqual(['no-restricted-syntax']);
	});

	test('lets a layer import the layers below it', () => {
		expect(reported[5]).toEqual([]);
		expect(reported[6]).toEqual([]);
	});
});

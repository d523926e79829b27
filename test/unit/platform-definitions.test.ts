import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DESTINATIONS } from '../../src/destinations';
import { missingConfig } from '../../src/destinations/definition';
import { platformCredentialClass, platformNodeClass } from '../../nodes/shared/platform-classes';

/**
 * The nodes and credentials derived from the platform definitions describe exactly what the hand-written
 * classes did (test/fixtures/platform-descriptions, generated from those classes before they were removed):
 * saved workflows, credentials and the editor see no difference. The one intended difference is where a
 * credential's icon path points: the generated credential sits in credentials/platforms/, its node's icons
 * in nodes/platforms/<Node>/, the same drawings.
 */
const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'platform-descriptions');
const fixture = (file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** The platforms that had hand-written nodes (and so fixtures); a platform added since has no "before". */
const MIGRATED = ['meta', 'tiktok', 'google_ads', 'ga4', 'snapchat', 'pinterest', 'reddit', 'microsoft'] as const;

test('every platform in the registry is a complete definition', () => {
	expect(Object.keys(DESTINATIONS)).toEqual(expect.arrayContaining([...MIGRATED]));
	for (const definition of Object.values(DESTINATIONS)) {
		expect(definition).toEqual(expect.objectContaining({ node: expect.any(Object), credential: expect.any(Object), settings: expect.any(Array) }));
	}
});

describe.each(MIGRATED)('%s', (platform) => {
	const definition = DESTINATIONS[platform] as unknown as { node: { className: string }; credential: { className: string } };

	test('its node describes itself as the hand-written node did', () => {
		const Node = platformNodeClass(platform);
		expect(Node.name).toBe(definition.node.className);
		expect(asJson(new Node().description)).toEqual(fixture(`${definition.node.className}.node.json`));
	});

	test('its credential is the hand-written one, the icon path aside', () => {
		const Credential = platformCredentialClass(platform);
		expect(Credential.name).toBe(definition.credential.className);
		const { icon, ...derived } = asJson(new Credential()) as { icon: { light: string; dark: string } };
		const { icon: before, ...expected } = fixture(`${definition.credential.className}.credentials.json`) as { icon: { light: string; dark: string } };
		expect(derived).toEqual(expected);
		// The same files, found from the generated credential's folder.
		const file = (path: string) => basename(path.replace(/^file:/, ''));
		expect(icon).toEqual({
			light: `file:../../nodes/platforms/${definition.node.className}/${file(before.light)}`,
			dark: `file:../../nodes/platforms/${definition.node.className}/${file(before.dark)}`,
		});
	});
});

/** Credentials of a platform's other APIs (Google's Data Manager API): described as their fixtures say, each its own file. */
const ALTERNATES = Object.values(DESTINATIONS).flatMap((definition) =>
	((definition as unknown as { alternateCredentials?: Array<{ credential: { className: string } }> }).alternateCredentials ?? []).map(
		(alternate) => [definition.platform, alternate.credential.className] as const,
	),
);

test('Google has the Data Manager API credential beside its Google Ads API one', () => {
	expect(ALTERNATES).toEqual([['google_ads', 'GoogleDataManagerOAuth2Api']]);
});

describe.each(ALTERNATES)('%s: the alternate credential %s', (platform, className) => {
	test('describes itself as its fixture says, and its generated file re-exports it', () => {
		const Credential = platformCredentialClass(platform, className);
		expect(Credential.name).toBe(className);
		expect(asJson(new Credential())).toEqual(fixture(`${className}.credentials.json`));
		spawnSync(process.execPath, [join(ROOT, 'scripts', 'platform-files.mjs')], { encoding: 'utf8' });
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const credentialFile = require(join(ROOT, 'credentials', 'platforms', `${className}.credentials.ts`)) as Record<string, unknown>;
		expect(credentialFile[className]).toBe(Credential);
	});
});

describe('the generated files (scripts/platform-files.mjs)', () => {
	/** Runs the generator (an ES module, so in its own process): the files it wrote. */
	const generate = () => {
		const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'platform-files.mjs')], { encoding: 'utf8' });
		expect(run.status).toBe(0);
		return run.stdout.split('\n').filter(Boolean);
	};
	generate();

	test('a second run has nothing to write', () => {
		expect(generate()).toEqual([]);
	});

	test.each(MIGRATED)('%s: the codex entry is the hand-written one, with credential documentation always listed', (platform) => {
		const { className } = (DESTINATIONS[platform] as unknown as { node: { className: string } }).node;
		const generated = JSON.parse(readFileSync(join(ROOT, 'nodes', 'platforms', className, `${className}.node.json`), 'utf8')) as {
			resources: Record<string, unknown>;
		};
		const before = fixture(`${className}.codex.json`) as { resources: Record<string, unknown> };
		expect(generated).toEqual({ ...before, resources: { credentialDocumentation: before.resources.primaryDocumentation, ...before.resources } });
	});

	test.each(MIGRATED)('%s: the node and credential files re-export the derived classes under their file names', (platform) => {
		const { node, credential } = DESTINATIONS[platform] as unknown as { node: { className: string }; credential: { className: string } };
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const nodeFile = require(join(ROOT, 'nodes', 'platforms', node.className, `${node.className}.node.ts`)) as Record<string, unknown>;
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const credentialFile = require(join(ROOT, 'credentials', 'platforms', `${credential.className}.credentials.ts`)) as Record<string, unknown>;
		expect(nodeFile[node.className]).toBe(platformNodeClass(platform));
		expect(credentialFile[credential.className]).toBe(platformCredentialClass(platform));
	});
});

describe.each(MIGRATED)('%s, loaded before the registry', (platform) => {
	test('the registry still holds its whole engine (no import cycle leaves it half-loaded)', () => {
		jest.isolateModules(() => {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			require(`../../src/destinations/${platform}`);
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const { DESTINATIONS: fresh } = require('../../src/destinations/registry') as { DESTINATIONS: Record<string, Record<string, unknown>> };
			const definition = fresh[platform];
			expect({ identity: typeof definition.identity, plan: typeof definition.planRequests, read: typeof definition.readResponse }).toEqual({
				identity: 'object',
				plan: 'function',
				read: 'function',
			});
		});
	});
});

describe('the engine’s check of required settings, derived from the same declarations', () => {
	const empty = { pixelId: ' ', tagId: '', adAccountId: '', measurementId: '', accessToken: '', apiSecret: '' };
	test.each([
		['reddit', 'The Reddit configuration has no pixel ID and no conversion access token'],
		['microsoft', 'The Microsoft configuration has no UET tag ID and no API token'],
		['pinterest', 'The Pinterest configuration has no ad account ID and no conversion access token'],
		['snapchat', 'The Snapchat configuration has no pixel ID and no access token'],
		['ga4', 'The GA4 configuration has no measurement ID and no API secret'],
	] as const)('%s', (platform, reason) => {
		const definition = DESTINATIONS[platform] as unknown as Parameters<typeof missingConfig>[0];
		expect(missingConfig(definition, empty)).toBe(reason);
		expect(DESTINATIONS[platform].planRequests([{} as never, {} as never], empty as never, new Date()).skipped).toEqual([
			{ index: 0, code: 'missing_config', reason },
			{ index: 1, code: 'missing_config', reason },
		]);
	});
});

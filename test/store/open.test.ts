import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { closeSharedStores, conversionIdFor, defaultSqlitePath, openStore, sharedStore, storeKeyOf } from '../../src/store';
import type { StoreConfig } from '../../src/store';
import { resolveSqlitePath } from '../../src/store/open';

const root = mkdtempSync(join(tmpdir(), 'postback-open-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => closeSharedStores());

describe('conversionIdFor', () => {
	const key = { network: 'shareasale', transactionId: 'T-1', eventName: 'Purchase' };

	it('is deterministic, short and URL-safe', () => {
		expect(conversionIdFor(key)).toBe(conversionIdFor({ ...key }));
		expect(conversionIdFor(key)).toMatch(/^cv_[0-9a-f]{32}$/);
	});

	it('pins the encoding (changing it would re-send every replayed conversion under a new event id)', () => {
		expect(conversionIdFor(key)).toBe('cv_' + require('node:crypto').createHash('sha256').update('["shareasale","T-1","Purchase"]').digest('hex').slice(0, 32));
	});

	it('never lets parts run together', () => {
		const ids = [
			{ network: 'a|b', transactionId: 'c', eventName: 'e' },
			{ network: 'a', transactionId: 'b|c', eventName: 'e' },
			{ network: 'ab', transactionId: 'c', eventName: 'e' },
			{ network: 'a', transactionId: 'bc', eventName: 'e' },
			{ network: 'a","b', transactionId: 'c', eventName: 'e' },
			{ network: 'a', transactionId: 'b","c', eventName: 'e' },
		].map(conversionIdFor);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('property: different keys give different ids', () => {
		const part = fc.string({ minLength: 1, maxLength: 12 }).filter((text) => text.trim() !== '');
		fc.assert(
			fc.property(fc.tuple(part, part, part), fc.tuple(part, part, part), ([n1, t1, e1], [n2, t2, e2]) => {
				fc.pre(n1 !== n2 || t1 !== t2 || e1 !== e2);
				expect(conversionIdFor({ network: n1, transactionId: t1, eventName: e1 })).not.toBe(conversionIdFor({ network: n2, transactionId: t2, eventName: e2 }));
			}),
		);
	});

	it.each([
		['network', { ...key, network: '' }],
		['transactionId', { ...key, transactionId: '' }],
		['eventName', { ...key, eventName: '' }],
		['transactionId', { ...key, transactionId: ' \t ' }],
		['transactionId', { network: 'n', eventName: 'e' }],
	])('throws on an empty %s', (part, bad) => {
		expect(() => conversionIdFor(bad as never)).toThrow(part);
	});
});

describe('paths', () => {
	const saved = process.env.N8N_USER_FOLDER;
	afterEach(() => {
		if (saved === undefined) delete process.env.N8N_USER_FOLDER;
		else process.env.N8N_USER_FOLDER = saved;
	});

	it('defaultSqlitePath is <N8N_USER_FOLDER>/.n8n/postback-tracking.sqlite and creates the folder', () => {
		process.env.N8N_USER_FOLDER = join(root, 'user-folder');
		expect(defaultSqlitePath()).toBe(join(root, 'user-folder', '.n8n', 'postback-tracking.sqlite'));
		expect(existsSync(join(root, 'user-folder', '.n8n'))).toBe(true);
	});

	it('defaultSqlitePath falls back to the home directory', () => {
		// The real home directory is left alone: os.homedir() answers a folder of our own.
		const home = jest.spyOn(require('node:os') as typeof import('node:os'), 'homedir').mockReturnValue(join(root, 'home'));
		try {
			delete process.env.N8N_USER_FOLDER;
			expect(defaultSqlitePath()).toBe(join(root, 'home', '.n8n', 'postback-tracking.sqlite'));
			expect(existsSync(join(root, 'home', '.n8n'))).toBe(true);
		} finally {
			home.mockRestore();
		}
	});

	it('expands a leading ~/ and resolves relative paths', () => {
		expect(resolveSqlitePath('~/x/track.sqlite')).toBe(join(homedir(), 'x', 'track.sqlite'));
		expect(resolveSqlitePath('  /abs/track.sqlite ')).toBe('/abs/track.sqlite');
		expect(resolveSqlitePath('rel.sqlite')).toBe(join(process.cwd(), 'rel.sqlite'));
		expect(resolveSqlitePath('~other/x')).toBe(join(process.cwd(), '~other/x'));
		expect(resolveSqlitePath(':memory:')).toBe(':memory:');
	});
});

describe('storeKeyOf', () => {
	const pg = (connectionString: string, extra: Partial<Extract<StoreConfig, { kind: 'postgres' }>> = {}): StoreConfig => ({
		kind: 'postgres',
		connectionString,
		...extra,
	});

	it('is the resolved path for SQLite', () => {
		expect(storeKeyOf({ kind: 'sqlite', path: '~/a.sqlite' })).toBe(`sqlite:${join(homedir(), 'a.sqlite')}`);
		expect(storeKeyOf({ kind: 'sqlite', path: '~/a.sqlite' })).toBe(storeKeyOf({ kind: 'sqlite', path: join(homedir(), 'a.sqlite') }));
	});

	it('never contains the password, yet tells passwords, schemas and pool sizes apart', () => {
		const url = 'postgresql://n8n:s3cr%C3%A9t-pa55@db.internal:5433/n8n?sslmode=disable';
		const key = storeKeyOf(pg(url));
		expect(key).not.toMatch(/s3cr|pa55/);
		expect(key).toMatch(/^postgres:n8n@db\.internal:5433\/n8n\?schema=postback#[0-9a-f]{24}$/);
		expect(storeKeyOf(pg(url))).toBe(key);
		expect(storeKeyOf(pg(url, { schema: 'postback' }))).toBe(key);
		expect(storeKeyOf(pg(url.replace('pa55', 'pa56')))).not.toBe(key);
		expect(storeKeyOf(pg(url, { schema: 'other' }))).not.toBe(key);
		expect(storeKeyOf(pg(url, { poolSize: 9 }))).not.toBe(key);
	});

	it('sharedStore rejects (never throws) on a bad configuration', async () => {
		const attempt = sharedStore(pg('postgresql://h/db', { schema: 'no spaces' }));
		await expect(attempt).rejects.toThrow(/schema/);
	});

	it('refuses an unsafe schema name', () => {
		expect(() => storeKeyOf(pg('postgresql://h/db', { schema: 'x"; DROP TABLE y; --' }))).toThrow(/schema/);
		expect(() => storeKeyOf(pg('postgresql://h/db', { schema: '1abc' }))).toThrow(/schema/);
		expect(() => storeKeyOf(pg('postgresql://h/db', { schema: 'a'.repeat(64) }))).toThrow(/schema/);
	});
});

describe('openStore', () => {
	it('refuses an unknown kind', async () => {
		await expect(openStore({ kind: 'mysql' } as never)).rejects.toThrow(/unknown store kind/);
	});

	it('creates the folder of a new SQLite file', async () => {
		const path = join(root, 'deep', 'er', 'store.sqlite');
		const store = await openStore({ kind: 'sqlite', path });
		await store.close();
		expect(existsSync(path)).toBe(true);
	});

	it('refuses a bad schema or pool size before connecting', async () => {
		await expect(openStore({ kind: 'postgres', connectionString: 'postgresql://127.0.0.1:1/x', schema: 'bad-name' })).rejects.toThrow(/schema/);
		await expect(openStore({ kind: 'postgres', connectionString: 'postgresql://127.0.0.1:1/x', poolSize: 0 })).rejects.toThrow(/poolSize/);
	});

	it('says where it failed to connect, without the password', async () => {
		const attempt = openStore({ kind: 'postgres', connectionString: 'postgresql://someone:hunter2@127.0.0.1:1/nowhere' });
		await expect(attempt).rejects.toThrow(/someone@127\.0\.0\.1:1\/nowhere/);
		await expect(attempt).rejects.not.toThrow(/hunter2/);
	});

	it('explains a missing pg module', async () => {
		await jest.isolateModulesAsync(async () => {
			jest.doMock('pg', () => {
				throw Object.assign(new Error("Cannot find module 'pg'"), { code: 'MODULE_NOT_FOUND' });
			});
			const isolated = await import('../../src/store');
			await expect(isolated.openStore({ kind: 'postgres', connectionString: 'postgresql://127.0.0.1:1/x' })).rejects.toThrow(/needs the "pg" package/);
		});
		jest.dontMock('pg');
	});
});

describe('sharedStore', () => {
	it('opens once per configuration and hands every caller the same store', async () => {
		const config: StoreConfig = { kind: 'sqlite', path: join(root, 'shared.sqlite') };
		const [a, b] = await Promise.all([sharedStore(config), sharedStore(config)]);
		const c = await sharedStore({ kind: 'sqlite', path: join(root, '.', 'shared.sqlite') });
		expect(await a.claimConversion({ network: 'n', transactionId: 't', eventName: 'e' })).toBe('first');
		expect(await b.claimConversion({ network: 'n', transactionId: 't', eventName: 'e' })).toBe('duplicate');
		expect(sharedStore(config)).toBe(sharedStore(config));
		expect(a).toBe(b);
		expect(c).toBe(a);
	});

	it('a shared store’s close() leaves it open for everyone else; closeSharedStores closes it', async () => {
		const config: StoreConfig = { kind: 'sqlite', path: join(root, 'shared-close.sqlite') };
		const store = await sharedStore(config);
		await store.close();
		expect(await store.nextClickSequence('c')).toBe(1);
		await closeSharedStores();
		await expect(store.nextClickSequence('c')).rejects.toThrow(/closed/);
		const reopened = await sharedStore(config);
		expect(reopened).not.toBe(store);
		expect(await reopened.nextClickSequence('c')).toBe(2);
	});

	it('does not cache a failed opening: the next call tries again', async () => {
		const blocker = join(root, 'blocker');
		writeFileSync(blocker, 'a file where the folder should be');
		const config: StoreConfig = { kind: 'sqlite', path: join(blocker, 'store.sqlite') };
		const first = sharedStore(config);
		await expect(first).rejects.toThrow();
		rmSync(blocker);
		const second = sharedStore(config);
		expect(second).not.toBe(first);
		const store = await second;
		expect(store.kind).toBe('sqlite');
	});
});

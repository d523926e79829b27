/**
 * Opening stores. `openStore` gives a new, migrated store; `sharedStore` gives the one store of this process
 * for a configuration, opened and migrated on first use and reused by every later call, which is what nodes
 * use: n8n's own cost per execution is a few milliseconds, and an open plus migration per item would dwarf it.
 */

import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { StoreInputError } from './common';
import { DEFAULT_POSTGRES_SCHEMA, describePostgresTarget, openPostgresStore, postgresPoolSize, postgresSchema } from './postgres';
import { openSqliteStore } from './sqlite';
import type { StoreConfig, TrackingStore } from './types';

export { conversionIdFor, DEFAULT_CLAIM_LEASE_MS } from './common';

/** The file name of the embedded store inside the n8n user folder. */
export const SQLITE_FILE_NAME = 'postback-tracking.sqlite';

/**
 * `<N8N_USER_FOLDER or the home directory>/.n8n/postback-tracking.sqlite`, next to n8n's own database (n8n
 * keeps its data in `.n8n` under that folder). Creates the folder.
 */
export function defaultSqlitePath(): string {
	const base = process.env.N8N_USER_FOLDER?.trim() || homedir();
	const folder = join(base, '.n8n');
	mkdirSync(folder, { recursive: true });
	return join(folder, SQLITE_FILE_NAME);
}

/** An absolute SQLite path: a leading `~/` (or a lone `~`) is the home directory; `:memory:` and `file:` URIs stay as they are. */
export function resolveSqlitePath(path: string): string {
	if (typeof path !== 'string') throw new StoreInputError('the SQLite path must be a string');
	const trimmed = path.trim();
	if (trimmed === '') return defaultSqlitePath();
	if (trimmed === ':memory:' || trimmed.startsWith('file:')) return trimmed;
	if (trimmed === '~') return homedir();
	if (trimmed.startsWith('~/') || trimmed.startsWith('~\\')) return join(homedir(), trimmed.slice(2));
	return isAbsolute(trimmed) ? trimmed : resolve(trimmed);
}

/** Opens a new store and applies any pending migrations. The caller owns it and closes it. */
export async function openStore(config: StoreConfig): Promise<TrackingStore> {
	if (!config || typeof config !== 'object') throw new StoreInputError('openStore needs { kind: "sqlite", path } or { kind: "postgres", connectionString }');
	switch (config.kind) {
		case 'sqlite':
			return await openSqliteStore(resolveSqlitePath(config.path));
		case 'postgres':
			return await openPostgresStore(config);
		default:
			throw new StoreInputError(`unknown store kind ${JSON.stringify((config as { kind?: unknown }).kind)} (expected "sqlite" or "postgres")`);
	}
}

/** A per-process secret: keys for Postgres configurations are HMACs, so nothing derived from a password can be guessed back. */
const keySecret = randomBytes(32);

/**
 * The identity of a configuration inside this process. SQLite: the resolved file path. PostgreSQL: the server
 * and database without credentials, plus an HMAC (with a per-process random key) of the whole connection
 * string, the schema and the pool size: safe to log, never the password nor a plain hash of it.
 */
export function storeKeyOf(config: StoreConfig): string {
	if (!config || typeof config !== 'object') throw new StoreInputError('storeKeyOf needs a store configuration');
	if (config.kind === 'sqlite') return `sqlite:${resolveSqlitePath(config.path)}`;
	if (config.kind === 'postgres') {
		const schema = postgresSchema(config.schema ?? DEFAULT_POSTGRES_SCHEMA).name;
		const poolSize = postgresPoolSize(config.poolSize);
		const digest = createHmac('sha256', keySecret)
			.update(JSON.stringify([String(config.connectionString), schema, poolSize]))
			.digest('hex')
			.slice(0, 24);
		return `postgres:${describePostgresTarget(String(config.connectionString))}?schema=${schema}#${digest}`;
	}
	throw new StoreInputError(`unknown store kind ${JSON.stringify((config as { kind?: unknown }).kind)}`);
}

interface SharedEntry {
	opening: Promise<TrackingStore>;
	/** The store itself, once open (closeSharedStores closes this one). */
	store?: TrackingStore;
}

const shared = new Map<string, SharedEntry>();

/**
 * The process-wide store for this configuration: opened and migrated on the first call, the same instance
 * for every later call. Concurrent first calls share one opening; a failed opening is forgotten, so the next
 * call tries again. The returned store's `close()` does nothing (other executions are using it): call
 * `closeSharedStores()` to close them.
 */
export function sharedStore(config: StoreConfig): Promise<TrackingStore> {
	let key: string;
	try {
		key = storeKeyOf(config);
	} catch (error) {
		return Promise.reject(error);
	}
	const existing = shared.get(key);
	if (existing) return existing.opening;
	const entry: SharedEntry = {
		opening: openStore(config).then(
			(store) => {
				entry.store = store;
				return sharedHandle(store);
			},
			(error: unknown) => {
				if (shared.get(key) === entry) shared.delete(key);
				throw error;
			},
		),
	};
	shared.set(key, entry);
	return entry.opening;
}

/** Closes every shared store (waiting for any still opening); the next sharedStore call opens afresh. */
export async function closeSharedStores(): Promise<void> {
	const entries = [...shared.values()];
	shared.clear();
	const results = await Promise.allSettled(
		entries.map(async (entry) => {
			await entry.opening.catch(() => undefined);
			await entry.store?.close();
		}),
	);
	const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
	if (failure) throw failure.reason;
}

/**
 * The store with a `close()` that leaves it open for everyone else. Every other member is the store's own
 * (bound), so a method added to the store needs no line here.
 */
function sharedHandle(store: TrackingStore): TrackingStore {
	const close = async () => undefined;
	return new Proxy(store, {
		get(target, property) {
			if (property === 'close') return close;
			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
		},
	});
}

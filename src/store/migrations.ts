/**
 * Versioned schema migrations for both stores. Each migration is applied once, inside one transaction with
 * its `schema_migrations` row, when a store opens; re-opening an up-to-date database changes nothing.
 * Two processes opening at once serialize on a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped
 * advisory lock per schema), and the second finds the work done.
 *
 * Never edit a migration that has shipped: add the next version. Version 2 turns dedup claims into leases
 * (state, holder, takeovers); later work (payout batches, issue 5) adds tables as new versions.
 *
 * Column conventions: times are TEXT holding `toISOString()` values in SQLite (they sort as text) and
 * TIMESTAMPTZ in PostgreSQL; money is TEXT in SQLite (never a NUMERIC-affinity column, which would turn "0.1"
 * into a float) and NUMERIC in PostgreSQL; JSON is TEXT in SQLite and `json` in PostgreSQL (kept as written).
 */

import type { DatabaseSync } from 'node:sqlite';

export interface Migration {
	version: number;
	name: string;
	sqlite: string[];
	/** Statements for PostgreSQL; `s` is the quoted schema followed by a dot, e.g. `"postback".`. */
	postgres: (s: string) => string[];
}

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		name: 'clicks, claims, conversions with status history, ledger, coupons, customers',
		sqlite: [
			`CREATE TABLE clicks (
				click_id TEXT PRIMARY KEY,
				visitor_id TEXT,
				clicked_at TEXT NOT NULL,
				network TEXT,
				offer_id TEXT,
				offer_url TEXT,
				affiliate_id TEXT,
				fbclid TEXT, fbc TEXT, fbp TEXT,
				gclid TEXT, gbraid TEXT, wbraid TEXT,
				ttclid TEXT, ttp TEXT,
				sccid TEXT, epik TEXT, rdt_cid TEXT, msclkid TEXT,
				utm TEXT,
				ip TEXT,
				user_agent TEXT,
				referrer TEXT,
				landing_url TEXT
			)`,
			`CREATE INDEX clicks_visitor_time ON clicks (visitor_id, clicked_at)`,
			`CREATE INDEX clicks_ip_ua_time ON clicks (ip, user_agent, clicked_at)`,
			`CREATE TABLE conversion_claims (
				network TEXT NOT NULL,
				transaction_id TEXT NOT NULL,
				event_name TEXT NOT NULL,
				claimed_at TEXT NOT NULL,
				PRIMARY KEY (network, transaction_id, event_name)
			)`,
			`CREATE TABLE click_sequences (
				click_id TEXT PRIMARY KEY,
				n INTEGER NOT NULL
			)`,
			`CREATE TABLE conversions (
				id TEXT PRIMARY KEY,
				network TEXT NOT NULL,
				transaction_id TEXT,
				event_name TEXT NOT NULL,
				click_id TEXT,
				affiliate_id TEXT,
				status TEXT NOT NULL,
				amount TEXT,
				commission TEXT,
				currency TEXT NOT NULL,
				occurred_at TEXT NOT NULL,
				recorded_at TEXT NOT NULL,
				attribution TEXT,
				payload TEXT NOT NULL
			)`,
			`CREATE INDEX conversions_transaction ON conversions (network, transaction_id, occurred_at)`,
			`CREATE TABLE conversion_status_history (
				seq INTEGER PRIMARY KEY AUTOINCREMENT,
				conversion_id TEXT NOT NULL REFERENCES conversions (id),
				status TEXT NOT NULL,
				at TEXT NOT NULL,
				detail TEXT
			)`,
			`CREATE INDEX conversion_status_history_conversion ON conversion_status_history (conversion_id, seq)`,
			`CREATE TRIGGER conversion_status_history_no_update BEFORE UPDATE ON conversion_status_history
				BEGIN SELECT RAISE(ABORT, 'conversion_status_history is append-only'); END`,
			`CREATE TRIGGER conversion_status_history_no_delete BEFORE DELETE ON conversion_status_history
				BEGIN SELECT RAISE(ABORT, 'conversion_status_history is append-only'); END`,
			`CREATE TABLE ledger (
				id TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				kind TEXT NOT NULL,
				amount TEXT NOT NULL,
				currency TEXT NOT NULL,
				status TEXT NOT NULL,
				conversion_id TEXT,
				network TEXT,
				transaction_id TEXT,
				occurred_at TEXT NOT NULL,
				recorded_at TEXT NOT NULL,
				payout_id TEXT,
				note TEXT
			)`,
			`CREATE INDEX ledger_affiliate_currency ON ledger (affiliate_id, currency, occurred_at)`,
			`CREATE INDEX ledger_payout ON ledger (payout_id)`,
			`CREATE TABLE coupons (
				code TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				updated_at TEXT NOT NULL
			)`,
			`CREATE TABLE customers (
				customer_key TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				click_id TEXT,
				linked_at TEXT NOT NULL
			)`,
		],
		postgres: (s) => [
			`CREATE TABLE ${s}clicks (
				click_id TEXT PRIMARY KEY,
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				visitor_id TEXT,
				clicked_at TIMESTAMPTZ NOT NULL,
				network TEXT,
				offer_id TEXT,
				offer_url TEXT,
				affiliate_id TEXT,
				fbclid TEXT, fbc TEXT, fbp TEXT,
				gclid TEXT, gbraid TEXT, wbraid TEXT,
				ttclid TEXT, ttp TEXT,
				sccid TEXT, epik TEXT, rdt_cid TEXT, msclkid TEXT,
				utm JSON,
				ip TEXT,
				user_agent TEXT,
				referrer TEXT,
				landing_url TEXT
			)`,
			// Visitor cookies and user agents come from the request: index their hashes, so a very long value
			// cannot exceed a B-tree entry's size limit and make recording the click fail.
			`CREATE INDEX clicks_visitor_time ON ${s}clicks (md5(visitor_id), clicked_at)`,
			`CREATE INDEX clicks_ip_ua_time ON ${s}clicks (ip, md5(user_agent), clicked_at)`,
			`CREATE TABLE ${s}conversion_claims (
				network TEXT NOT NULL,
				transaction_id TEXT NOT NULL,
				event_name TEXT NOT NULL,
				claimed_at TIMESTAMPTZ NOT NULL,
				PRIMARY KEY (network, transaction_id, event_name)
			)`,
			`CREATE TABLE ${s}click_sequences (
				click_id TEXT PRIMARY KEY,
				n BIGINT NOT NULL
			)`,
			`CREATE TABLE ${s}conversions (
				id TEXT PRIMARY KEY,
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				network TEXT NOT NULL,
				transaction_id TEXT,
				event_name TEXT NOT NULL,
				click_id TEXT,
				affiliate_id TEXT,
				status TEXT NOT NULL,
				amount NUMERIC,
				commission NUMERIC,
				currency TEXT NOT NULL,
				occurred_at TIMESTAMPTZ NOT NULL,
				recorded_at TIMESTAMPTZ NOT NULL,
				attribution TEXT,
				payload JSON NOT NULL
			)`,
			`CREATE INDEX conversions_transaction ON ${s}conversions (network, transaction_id, occurred_at)`,
			`CREATE TABLE ${s}conversion_status_history (
				seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				conversion_id TEXT NOT NULL REFERENCES ${s}conversions (id),
				status TEXT NOT NULL,
				at TIMESTAMPTZ NOT NULL,
				detail JSON
			)`,
			`CREATE INDEX conversion_status_history_conversion ON ${s}conversion_status_history (conversion_id, seq)`,
			`CREATE FUNCTION ${s}conversion_status_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'conversion_status_history is append-only'; END $$`,
			`CREATE TRIGGER conversion_status_history_no_change BEFORE UPDATE OR DELETE ON ${s}conversion_status_history
				FOR EACH ROW EXECUTE FUNCTION ${s}conversion_status_history_append_only()`,
			`CREATE TRIGGER conversion_status_history_no_truncate BEFORE TRUNCATE ON ${s}conversion_status_history
				FOR EACH STATEMENT EXECUTE FUNCTION ${s}conversion_status_history_append_only()`,
			`CREATE TABLE ${s}ledger (
				id TEXT PRIMARY KEY,
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				affiliate_id TEXT NOT NULL,
				kind TEXT NOT NULL,
				amount NUMERIC NOT NULL,
				currency TEXT NOT NULL,
				status TEXT NOT NULL,
				conversion_id TEXT,
				network TEXT,
				transaction_id TEXT,
				occurred_at TIMESTAMPTZ NOT NULL,
				recorded_at TIMESTAMPTZ NOT NULL,
				payout_id TEXT,
				note TEXT
			)`,
			`CREATE INDEX ledger_affiliate_currency ON ${s}ledger (affiliate_id, currency, occurred_at)`,
			`CREATE INDEX ledger_payout ON ${s}ledger (payout_id)`,
			`CREATE TABLE ${s}coupons (
				code TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				updated_at TIMESTAMPTZ NOT NULL
			)`,
			`CREATE TABLE ${s}customers (
				customer_key TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				click_id TEXT,
				linked_at TIMESTAMPTZ NOT NULL
			)`,
		],
	},
	{
		version: 2,
		// A claim taken by a process that died before saving its conversion must not make every retry a
		// duplicate: claims become leases. Rows already there were claimed and saved by the code before this
		// version, so they are done; the default stays 'done', so a claim written by an older version of the
		// package (which never completes claims) keeps meaning what it meant then.
		name: 'leased dedup claims: state (pending, done, released), holder token, takeover count',
		sqlite: [
			`ALTER TABLE conversion_claims ADD COLUMN state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('pending', 'done', 'released'))`,
			`ALTER TABLE conversion_claims ADD COLUMN holder TEXT`,
			`ALTER TABLE conversion_claims ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0`,
		],
		postgres: (s) => [
			`ALTER TABLE ${s}conversion_claims
				ADD COLUMN state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('pending', 'done', 'released')),
				ADD COLUMN holder TEXT,
				ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0`,
		],
	},
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Applies the missing migrations to a SQLite database; returns the versions applied by this call. */
export function migrateSqlite(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number[] {
	// IMMEDIATE takes the write lock before reading the version, so a second process waits (busy_timeout)
	// instead of reading a stale version and then failing to upgrade its read lock.
	db.exec('BEGIN IMMEDIATE');
	try {
		db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`);
		const done = new Set(
			db
				.prepare('SELECT version FROM schema_migrations')
				.all()
				.map((row) => Number(row.version)),
		);
		const applied: number[] = [];
		const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
		for (const migration of migrations) {
			if (done.has(migration.version)) continue;
			for (const statement of migration.sqlite) db.exec(statement);
			record.run(migration.version, migration.name, new Date().toISOString());
			applied.push(migration.version);
		}
		db.exec('COMMIT');
		return applied;
	} finally {
		// Still open only when something above threw: undo it all (the error propagates).
		if (db.isTransaction) db.exec('ROLLBACK');
	}
}

/** The slice of a `pg` client the migrations use (kept structural, so the published types don't need @types/pg). */
export interface MigrationClient {
	query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** A fixed first key for the advisory lock, so ours never meets another application's locks on the same server. */
const ADVISORY_LOCK_CLASS = 0x70626b; // "pbk"

/**
 * Applies the missing migrations to a PostgreSQL schema (created if absent); returns the versions applied by
 * this call. `schema` must already be validated; `quoted` is its quoted form.
 */
export async function migratePostgres(client: MigrationClient, schema: string, quoted: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
	const s = `${quoted}.`;
	await client.query('BEGIN');
	let committed = false;
	try {
		// The lock comes first: even CREATE SCHEMA IF NOT EXISTS fails with a unique violation when two
		// sessions run it at the same moment.
		await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_LOCK_CLASS, schema]);
		await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
		await client.query(`CREATE TABLE IF NOT EXISTS ${s}schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
		)`);
		const { rows } = await client.query(`SELECT version FROM ${s}schema_migrations`);
		const done = new Set(rows.map((row) => Number(row.version)));
		const applied: number[] = [];
		for (const migration of migrations) {
			if (done.has(migration.version)) continue;
			for (const statement of migration.postgres(s)) await client.query(statement);
			await client.query(`INSERT INTO ${s}schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
			applied.push(migration.version);
		}
		await client.query('COMMIT');
		committed = true;
		return applied;
	} finally {
		// On failure: undo it all (the error propagates).
		if (!committed) await client.query('ROLLBACK').catch(() => undefined);
	}
}
